/* SPDX-License-Identifier: MIT */
/*
 * The implementations behind v4l2r_format_read (declared in driver.h): portable C everywhere,
 * SSE2 and AVX2 on x86-64 (AVX2 when the CPU has it), NEON on aarch64. The automatic choice
 * (NEON, else SSE2, else C) is what the driver uses; tests and benchmarks name one to check or
 * time it.
 */
#ifndef V4L2R_FORMAT_H
#define V4L2R_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

struct v4l2r_layout;

enum v4l2r_format_impl {
	V4L2R_FORMAT_AUTO,
	V4L2R_FORMAT_C,
	V4L2R_FORMAT_SSE2,
	V4L2R_FORMAT_AVX2,
	V4L2R_FORMAT_NEON,
	V4L2R_FORMAT_N_IMPL
};

/* "auto", "c", "sse2", "avx2", "neon" */
const char *v4l2r_format_impl_name(enum v4l2r_format_impl impl);
/* Built in and usable on this CPU. */
bool v4l2r_format_impl_available(enum v4l2r_format_impl impl);
/* The implementation V4L2R_FORMAT_AUTO stands for. */
enum v4l2r_format_impl v4l2r_format_impl_auto(void);
/* v4l2r_format_read with a given implementation; -1 also when it is not available. */
int v4l2r_format_read_impl(enum v4l2r_format_impl impl, const struct v4l2r_layout *l,
			   const uint8_t *src, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
			   uint8_t *dst_y, uint32_t pitch_y, uint8_t *dst_uv, uint32_t pitch_uv);

#endif
