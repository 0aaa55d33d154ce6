/* SPDX-License-Identifier: MIT */
/*
 * CAPTURE layouts read back into linear NV12/P010 (src/format): pictures are written here with
 * the tiling formulas of docs/design.md, then read with every implementation of
 * v4l2r_format_read (portable C, SSE2, AVX2, NEON: each one this machine can run, and those it
 * must be able to run are required), for whole frames, sub-rectangles at odd coordinates and
 * sizes that are not multiples of the tile size. Each output byte is checked against the formula,
 * bytes outside the rectangle must stay untouched, and out-of-bounds reads fail.
 *
 * Also built for aarch64 and run under qemu by tests/format/neon-qemu.sh (the NEON path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "format/format.h"

static int failures, checks;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
		}                                                                                  \
	} while (0)

#define ALIGN(v, a) (((v) + (a)-1) / (a) * (a))
#define GUARD	    0xa5

static uint8_t luma(uint32_t x, uint32_t y)
{
	return (uint8_t)(x * 7 + y * 13 + 1);
}

static uint8_t chroma(uint32_t x, uint32_t y)
{
	return (uint8_t)(x * 3 + y * 29 + 101);
}

/* Byte (x, y) of a plane, as docs/design.md defines each layout. */
static size_t offset(uint32_t fourcc, uint32_t bpl, uint32_t x, uint32_t y)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		return (size_t)(y / 4) * bpl * 4 + (x / 4) * 16 + (y % 4) * 4 + x % 4;
	case V4L2_PIX_FMT_NV12_32L32:
		return (size_t)(y / 32) * bpl * 32 + (x / 32) * 1024 + (y % 32) * 32 + x % 32;
	default:
		return (size_t)y * bpl + x;
	}
}

static const char *name(uint32_t fourcc)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		return "NV12_4L4";
	case V4L2_PIX_FMT_NV12_32L32:
		return "NV12_32L32";
	case V4L2_PIX_FMT_P010:
		return "P010";
	default:
		return "NV12";
	}
}

static uint32_t lcg_state = 12345;

static uint32_t rnd(uint32_t n)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return n ? (lcg_state >> 8) % n : 0;
}

/* Read rectangle (rx, ry, rw, rh) (pixels) with `impl` and check every byte of the output. */
static void check_rect(enum v4l2r_format_impl impl, const struct v4l2r_layout *l,
		       const uint8_t *src, uint32_t rx, uint32_t ry, uint32_t rw, uint32_t rh)
{
	uint32_t bps = l->fourcc == V4L2_PIX_FMT_P010 ? 2 : 1;
	uint32_t cx = rx & ~1u, cy = ry / 2;
	uint32_t cw = ((rx + rw + 1) & ~1u) - cx, ch = (ry + rh + 1) / 2 - cy;
	uint32_t pitch = (cw > rw ? cw : rw) * bps + 5; /* deliberately not the source pitch */
	size_t n = (size_t)pitch * (rh + 1);
	uint8_t *dy = malloc(n), *duv = malloc(n);
	int bad = 0;

	memset(dy, GUARD, n);
	memset(duv, GUARD, n);
	CHECK(v4l2r_format_read_impl(impl, l, src, rx, ry, rw, rh, dy, pitch, duv, pitch) == 0,
	      "%s %s %ux%u rect %u,%u %ux%u: read failed", v4l2r_format_impl_name(impl),
	      name(l->fourcc), l->width, l->height, rx, ry, rw, rh);
	for (uint32_t y = 0; y <= rh; y++)
		for (uint32_t x = 0; x < pitch; x++) {
			uint8_t want = y < rh && x < rw * bps ? luma(rx * bps + x, ry + y) : GUARD;

			bad += dy[(size_t)y * pitch + x] != want;
		}
	for (uint32_t y = 0; y <= rh; y++)
		for (uint32_t x = 0; x < pitch; x++) {
			uint8_t want =
			    y < ch && x < cw * bps ? chroma(cx * bps + x, cy + y) : GUARD;

			bad += duv[(size_t)y * pitch + x] != want;
		}
	CHECK(bad == 0, "%s %s %ux%u rect %u,%u %ux%u: %d wrong bytes",
	      v4l2r_format_impl_name(impl), name(l->fourcc), l->width, l->height, rx, ry, rw, rh,
	      bad);
	free(dy);
	free(duv);
}

static void one(enum v4l2r_format_impl impl, uint32_t fourcc, uint32_t w, uint32_t h)
{
	uint32_t bps = fourcc == V4L2_PIX_FMT_P010 ? 2 : 1;
	uint32_t bpl, uv_off, ch = (h + 1) / 2;
	size_t size;

	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		bpl = ALIGN(w, 16);
		uv_off = bpl * ALIGN(h, 16);
		size = uv_off + (size_t)bpl * ALIGN(ch, 16);
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		bpl = ALIGN(w, 32);
		uv_off = bpl * ALIGN(h, 32);
		size = uv_off + (size_t)bpl * ALIGN(ch, 32);
		break;
	default:
		bpl = ALIGN(w * bps, 16);
		uv_off = bpl * h;
		size = uv_off + (size_t)bpl * ch;
		break;
	}
	CHECK(v4l2r_format_uv_offset(fourcc, bpl, h) == uv_off, "%s %ux%u: uv offset %u, want %u",
	      name(fourcc), w, h, v4l2r_format_uv_offset(fourcc, bpl, h), uv_off);

	uint8_t *src = calloc(1, size);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w * bps; x++)
			src[offset(fourcc, bpl, x, y)] = luma(x, y);
	for (uint32_t y = 0; y < ch; y++)
		for (uint32_t x = 0; x < ALIGN(w, 2) * bps; x++)
			src[uv_off + offset(fourcc, bpl, x, y)] = chroma(x, y);

	struct v4l2r_layout l = {.fourcc = fourcc,
				 .bpl = bpl,
				 .uv_offset = uv_off,
				 .width = w,
				 .height = h,
				 .size = size};
	/* Whole frame, fixed sub-rectangles, then random ones (odd origins and sizes). */
	check_rect(impl, &l, src, 0, 0, w, h);
	if (w > 6 && h > 10)
		check_rect(impl, &l, src, 2, 4, w - 6, h - 10);
	if (w > 34 && h > 32)
		check_rect(impl, &l, src, 30, 30, 4, 2);
	for (int i = 0; i < 24; i++) {
		uint32_t rx = rnd(w), ry = rnd(h);

		check_rect(impl, &l, src, rx, ry, 1 + rnd(w - rx), 1 + rnd(h - ry));
	}
	uint8_t *tmp = calloc(1, (size_t)(w * bps + 64) * (h + 64));
	CHECK(v4l2r_format_read_impl(impl, &l, src, 2, 0, w, h, tmp, w * bps + 64, tmp,
				     w * bps + 64) < 0,
	      "read past the right edge accepted");
	CHECK(v4l2r_format_read_impl(impl, &l, src, 0, 2, w, h, tmp, w * bps + 64, tmp,
				     w * bps + 64) < 0,
	      "read past the bottom accepted");
	/* The buffer ends exactly after the last chroma byte the frame needs, then one byte before.
	 */
	size_t need = uv_off + offset(fourcc, bpl, ALIGN(w, 2) * bps - 1, ch - 1) + 1;
	l.size = need;
	CHECK(v4l2r_format_read_impl(impl, &l, src, 0, 0, w, h, tmp, w * bps + 64, tmp,
				     w * bps + 64) == 0,
	      "%s %s %ux%u: a buffer just large enough refused", v4l2r_format_impl_name(impl),
	      name(fourcc), w, h);
	l.size = need - 1;
	CHECK(v4l2r_format_read_impl(impl, &l, src, 0, 0, w, h, tmp, w * bps + 64, tmp,
				     w * bps + 64) < 0,
	      "%s %s %ux%u: read beyond the buffer accepted", v4l2r_format_impl_name(impl),
	      name(fourcc), w, h);
	l.size = size;
	/* A layout near 4 GiB: refused before any tile arithmetic can wrap. */
	struct v4l2r_layout huge = {.fourcc = fourcc,
				    .bpl = UINT32_MAX,
				    .uv_offset = UINT32_MAX - 1,
				    .width = UINT32_MAX,
				    .height = 8,
				    .size = SIZE_MAX};
	CHECK(v4l2r_format_read_impl(impl, &huge, src, UINT32_MAX - 40, 0, 32, 2, tmp, 64, tmp,
				     64) < 0,
	      "%s %s: a rectangle at 4 GiB accepted", v4l2r_format_impl_name(impl), name(fourcc));
	l.uv_offset = (uint32_t)size + 1;
	CHECK(v4l2r_format_read_impl(impl, &l, src, 0, 0, w, h, tmp, w * bps + 64, tmp,
				     w * bps + 64) < 0,
	      "chroma plane past the buffer accepted");
	free(tmp);
	free(src);
}

/* The implementations this machine must offer: a missing one is a failure, not a skip. */
static bool required(enum v4l2r_format_impl impl)
{
	switch (impl) {
	case V4L2R_FORMAT_C:
		return true;
#if defined(__x86_64__)
	case V4L2R_FORMAT_SSE2:
		return true;
	case V4L2R_FORMAT_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
#if defined(__aarch64__)
	case V4L2R_FORMAT_NEON:
		return true;
#endif
	default:
		return false;
	}
}

int main(void)
{
	const uint32_t fourccs[] = {V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_NV12_4L4,
				    V4L2_PIX_FMT_NV12_32L32, V4L2_PIX_FMT_P010};
	const uint32_t sizes[][2] = {{176, 144}, {64, 64}, {48, 48},  {352, 288}, {80, 50},
				     {33, 17},	 {47, 29}, {129, 67}, {1, 1},	  {3, 5}};
	int tested = 0;

	for (int impl = V4L2R_FORMAT_AUTO; impl < V4L2R_FORMAT_N_IMPL; impl++) {
		bool avail = v4l2r_format_impl_available(impl);

		CHECK(avail || !required(impl), "implementation %s missing",
		      v4l2r_format_impl_name(impl));
		if (!avail)
			continue;
		tested++;
		for (unsigned f = 0; f < sizeof(fourccs) / sizeof(fourccs[0]); f++)
			for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
				one(impl, fourccs[f], sizes[s][0], sizes[s][1]);
	}
	CHECK(v4l2r_format_impl_auto() != V4L2R_FORMAT_AUTO &&
		  v4l2r_format_impl_available(v4l2r_format_impl_auto()),
	      "automatic choice %s", v4l2r_format_impl_name(v4l2r_format_impl_auto()));
	CHECK(!v4l2r_format_impl_available(V4L2R_FORMAT_N_IMPL), "bogus implementation offered");

	bool ok;
	CHECK(v4l2r_format_modifier(V4L2_PIX_FMT_NV12, &ok) == 0 && ok, "NV12 modifier");
	CHECK(v4l2r_format_modifier(V4L2_PIX_FMT_NV12_32L32, &ok) == 0x0900000000000001ull && ok,
	      "NV12_32L32 modifier");
	v4l2r_format_modifier(V4L2_PIX_FMT_NV12_4L4, &ok);
	CHECK(!ok, "NV12_4L4 must have no modifier");
	printf("%d implementations (auto = %s), %d checks, %d failed\n", tested,
	       v4l2r_format_impl_name(v4l2r_format_impl_auto()), checks, failures);
	return failures ? 1 : 0;
}
