/* SPDX-License-Identifier: MIT */
/*
 * CAPTURE pixel formats: DRM modifiers, plane offsets, and reading a rectangle into linear NV12
 * (detiling NV12_4L4 and NV12_32L32, per docs/design.md).
 */
#include "driver.h"

#include <string.h>

#include <drm_fourcc.h>

#define ALIGN(v, a) (((v) + (a)-1) / (a) * (a))

bool v4l2r_format_known(uint32_t fourcc)
{
	return fourcc == V4L2_PIX_FMT_NV12 || fourcc == V4L2_PIX_FMT_NV12_4L4 ||
	       fourcc == V4L2_PIX_FMT_NV12_32L32 || fourcc == V4L2_PIX_FMT_P010;
}

bool v4l2r_format_linear(uint32_t fourcc)
{
	return fourcc == V4L2_PIX_FMT_NV12 || fourcc == V4L2_PIX_FMT_P010;
}

uint64_t v4l2r_format_modifier(uint32_t fourcc, bool *ok)
{
	*ok = true;
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12:
	case V4L2_PIX_FMT_P010:
		return DRM_FORMAT_MOD_LINEAR;
	case V4L2_PIX_FMT_NV12_32L32:
		return DRM_FORMAT_MOD_ALLWINNER_TILED;
	default:
		*ok = false; /* NV12_4L4: no DRM modifier describes hantro/rkvdec 4x4 tiles */
		return DRM_FORMAT_MOD_INVALID;
	}
}

uint32_t v4l2r_format_uv_offset(uint32_t fourcc, uint32_t bpl, uint32_t height)
{
	uint64_t off;

	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		off = (uint64_t)bpl * ALIGN(height, 16);
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		off = (uint64_t)bpl * ALIGN(height, 32);
		break;
	default:
		off = (uint64_t)bpl * height;
		break;
	}
	return off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}

/* Offset of byte (x, y) of a plane, and how many bytes from there are contiguous (<= n). */
static size_t byte_offset(uint32_t fourcc, uint32_t bpl, uint32_t x, uint32_t y, uint32_t n,
			  uint32_t *run)
{
	uint32_t tw;
	size_t off;

	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		tw = 4;
		off = (size_t)(y / 4) * bpl * 4 + (size_t)(x / 4) * 16 + (y % 4) * 4 + x % 4;
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		tw = 32;
		off =
		    (size_t)(y / 32) * bpl * 32 + (size_t)(x / 32) * 1024 + (y % 32) * 32 + x % 32;
		break;
	default:
		*run = n;
		return (size_t)y * bpl + x;
	}
	*run = tw - x % tw < n ? tw - x % tw : n;
	return off;
}

static int read_plane(const struct v4l2r_layout *l, const uint8_t *base, size_t plane_size,
		      uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint8_t *dst, uint32_t pitch)
{
	for (uint32_t row = 0; row < h; row++) {
		uint32_t done = 0;

		while (done < w) {
			uint32_t run;
			size_t off =
			    byte_offset(l->fourcc, l->bpl, x + done, y + row, w - done, &run);

			if (off > plane_size || run > plane_size - off)
				return -1;
			memcpy(dst + (size_t)row * pitch + done, base + off, run);
			done += run;
		}
	}
	return 0;
}

int v4l2r_format_read(const struct v4l2r_layout *l, const uint8_t *src, uint32_t x, uint32_t y,
		      uint32_t w, uint32_t h, uint8_t *dst_y, uint32_t pitch_y, uint8_t *dst_uv,
		      uint32_t pitch_uv)
{
	uint32_t bps = l->fourcc == V4L2_PIX_FMT_P010 ? 2 : 1; /* bytes per sample */

	if (!v4l2r_format_known(l->fourcc) || l->uv_offset > l->size)
		return -1;
	if ((uint64_t)x + w > l->width || (uint64_t)y + h > l->height)
		return -1;
	if ((uint64_t)(x + w) * bps > l->bpl)
		return -1;
	/* Chroma is subsampled 2x2: start on an even pixel. */
	uint32_t cx = x & ~1u, cy = y / 2;
	uint32_t cw = ((x + w + 1) & ~1u) - cx, ch = (y + h + 1) / 2 - cy;

	if ((uint64_t)cx + cw > ALIGN((uint64_t)l->bpl, 2))
		return -1;
	if (read_plane(l, src, l->uv_offset, x * bps, y, w * bps, h, dst_y, pitch_y) < 0)
		return -1;
	return read_plane(l, src + l->uv_offset, l->size - l->uv_offset, cx * bps, cy, cw * bps, ch,
			  dst_uv, pitch_uv);
}
