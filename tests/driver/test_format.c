/* SPDX-License-Identifier: MIT */
/*
 * CAPTURE layouts read back into linear NV12 (src/format): pictures are written here with the
 * tiling formulas of docs/design.md, then read with v4l2r_format_read, for whole frames,
 * sub-rectangles and sizes that are not multiples of the tile size; out-of-bounds reads fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

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

static void one(uint32_t fourcc, uint32_t w, uint32_t h)
{
	uint32_t bpl, uv_off;
	size_t size;

	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		bpl = ALIGN(w, 16);
		uv_off = bpl * ALIGN(h, 16);
		size = uv_off + (size_t)bpl * ALIGN(h / 2, 16);
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		bpl = ALIGN(w, 32);
		uv_off = bpl * ALIGN(h, 32);
		size = uv_off + (size_t)bpl * ALIGN(h / 2, 32);
		break;
	default:
		bpl = ALIGN(w, 16);
		uv_off = bpl * h;
		size = (size_t)bpl * h * 3 / 2;
		break;
	}
	CHECK(v4l2r_format_uv_offset(fourcc, bpl, h) == uv_off, "%.4s %ux%u: uv offset %u, want %u",
	      (const char *)&fourcc, w, h, v4l2r_format_uv_offset(fourcc, bpl, h), uv_off);

	uint8_t *src = calloc(1, size);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			src[offset(fourcc, bpl, x, y)] = luma(x, y);
	for (uint32_t y = 0; y < h / 2; y++)
		for (uint32_t x = 0; x < w; x++)
			src[uv_off + offset(fourcc, bpl, x, y)] = chroma(x, y);

	struct v4l2r_layout l = {.fourcc = fourcc,
				 .bpl = bpl,
				 .uv_offset = uv_off,
				 .width = w,
				 .height = h,
				 .size = size};
	/* Whole frame, then a sub-rectangle at even coordinates. */
	const uint32_t rects[][4] = {{0, 0, w, h}, {2, 4, w - 6, h - 10}, {30, 30, 4, 2}};
	for (unsigned r = 0; r < 3; r++) {
		uint32_t rx = rects[r][0], ry = rects[r][1], rw = rects[r][2], rh = rects[r][3];
		uint32_t pitch = rw + 5; /* deliberately not the source pitch */
		uint8_t *dy = calloc(1, (size_t)pitch * rh), *duv = calloc(1, (size_t)pitch * rh);
		int bad = 0;

		CHECK(v4l2r_format_read(&l, src, rx, ry, rw, rh, dy, pitch, duv, pitch) == 0,
		      "%.4s %ux%u rect %u: read failed", (const char *)&fourcc, w, h, r);
		for (uint32_t y = 0; y < rh; y++)
			for (uint32_t x = 0; x < rw; x++)
				bad += dy[(size_t)y * pitch + x] != luma(rx + x, ry + y);
		for (uint32_t y = 0; y < (rh + 1) / 2; y++)
			for (uint32_t x = 0; x < rw; x++)
				bad += duv[(size_t)y * pitch + x] != chroma(rx + x, ry / 2 + y);
		CHECK(bad == 0, "%.4s %ux%u rect %u: %d wrong bytes", (const char *)&fourcc, w, h,
		      r, bad);
		free(dy);
		free(duv);
	}
	uint8_t *tmp = calloc(1, (size_t)(w + 64) * (h + 64));
	CHECK(v4l2r_format_read(&l, src, 2, 0, w, h, tmp, w + 64, tmp, w + 64) < 0,
	      "read past the right edge accepted");
	CHECK(v4l2r_format_read(&l, src, 0, 2, w, h, tmp, w + 64, tmp, w + 64) < 0,
	      "read past the bottom accepted");
	l.size = uv_off + 16; /* a buffer too small for its chroma plane */
	CHECK(v4l2r_format_read(&l, src, 0, 0, w, h, tmp, w + 64, tmp, w + 64) < 0,
	      "read beyond the buffer accepted");
	free(tmp);
	free(src);
}

int main(void)
{
	const uint32_t fourccs[] = {V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_NV12_4L4,
				    V4L2_PIX_FMT_NV12_32L32};
	const uint32_t sizes[][2] = {{176, 144}, {64, 64}, {48, 48}, {352, 288}, {80, 50}};

	for (unsigned f = 0; f < 3; f++)
		for (unsigned s = 0; s < 5; s++)
			one(fourccs[f], sizes[s][0], sizes[s][1]);

	bool ok;
	CHECK(v4l2r_format_modifier(V4L2_PIX_FMT_NV12, &ok) == 0 && ok, "NV12 modifier");
	CHECK(v4l2r_format_modifier(V4L2_PIX_FMT_NV12_32L32, &ok) == 0x0900000000000001ull && ok,
	      "NV12_32L32 modifier");
	v4l2r_format_modifier(V4L2_PIX_FMT_NV12_4L4, &ok);
	CHECK(!ok, "NV12_4L4 must have no modifier");
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
