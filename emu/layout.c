/* SPDX-License-Identifier: MIT */
/*
 * CAPTURE buffer layouts (docs/design.md, "CAPTURE layouts"): sizes, and writing a planar picture
 * from a codec into a buffer, tiling it where the layout is tiled.
 */
#include <string.h>

#include "emu.h"

void emu_layout_fill_fmt(uint32_t fourcc, uint32_t w, uint32_t h,
			 struct v4l2_pix_format_mplane *fmt)
{
	uint32_t bpl, size;

	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		bpl = EMU_ALIGN(w, 16);
		size = bpl * EMU_ALIGN(h, 16) * 3 / 2;
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		/* cedrus_prepare_format(): the reported height is the tile-aligned one */
		bpl = EMU_ALIGN(w, 32);
		size = bpl * (EMU_ALIGN(h, 32) + EMU_ALIGN(h / 2, 32));
		h = EMU_ALIGN(h, 32);
		break;
	case V4L2_PIX_FMT_P010:
		bpl = EMU_ALIGN(w, 16) * 2;
		size = bpl * h * 3 / 2;
		break;
	case V4L2_PIX_FMT_NV12:
	default:
		fourcc = V4L2_PIX_FMT_NV12;
		bpl = EMU_ALIGN(w, 16);
		size = bpl * h * 3 / 2;
		break;
	}
	fmt->pixelformat = fourcc;
	fmt->width = w;
	fmt->height = h;
	fmt->field = V4L2_FIELD_NONE;
	fmt->num_planes = 1;
	memset(fmt->plane_fmt, 0, sizeof(fmt->plane_fmt));
	fmt->plane_fmt[0].bytesperline = bpl;
	fmt->plane_fmt[0].sizeimage = size;
}

static unsigned int tile_size(uint32_t fourcc)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		return 4;
	case V4L2_PIX_FMT_NV12_32L32:
		return 32;
	default:
		return 0;
	}
}

/* Write one row of `len` bytes at row y of a plane that starts at `plane` and has `avail`
 * bytes. Returns -1 if the row does not fit. */
static int put_row(uint8_t *plane, size_t avail, unsigned int tile, uint32_t bpl, uint32_t y,
		   const uint8_t *row, uint32_t len)
{
	size_t base;

	if (len > bpl)
		len = bpl;
	if (!tile) {
		base = (size_t)y * bpl;
		if (base + len > avail)
			return -1;
		memcpy(plane + base, row, len);
		return 0;
	}
	base = (size_t)(y / tile) * bpl * tile + (size_t)(y % tile) * tile;
	for (uint32_t x = 0; x < len; x += tile) {
		uint32_t n = len - x < tile ? len - x : tile;
		size_t off = base + (size_t)(x / tile) * tile * tile;

		if (off + n > avail)
			return -1;
		memcpy(plane + off, row + x, n);
	}
	return 0;
}

int emu_layout_write(uint32_t fourcc, const struct v4l2_pix_format_mplane *fmt, uint8_t *dst,
		     size_t dst_size, const struct emu_picture *pic)
{
	uint32_t bpl = fmt->plane_fmt[0].bytesperline;
	uint32_t h = fmt->height, w = fmt->width;
	unsigned int tile = tile_size(fourcc);
	size_t chroma_off;
	uint32_t pw, ph, cw, ch;
	uint8_t row[8192 * 2];
	int bps = fourcc == V4L2_PIX_FMT_P010 ? 2 : 1;

	if (!pic || pic->width <= 0 || pic->height <= 0)
		return -1;
	if (bps == 2 && pic->bit_depth <= 8)
		return -1;
	if (bps == 1 && pic->bit_depth > 8)
		return -1;
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		chroma_off = (size_t)bpl * EMU_ALIGN(h, 16);
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		chroma_off = (size_t)bpl * EMU_ALIGN(h, 32);
		break;
	default:
		chroma_off = (size_t)bpl * h;
		break;
	}
	if (chroma_off > dst_size)
		return -1;
	pw = (uint32_t)pic->width < w ? (uint32_t)pic->width : w;
	ph = (uint32_t)pic->height < h ? (uint32_t)pic->height : h;
	if (pw * bps > sizeof(row) / 2)
		return -1;
	cw = (pw + 1) / 2;
	ch = (ph + 1) / 2;

	for (uint32_t y = 0; y < ph; y++) {
		const uint8_t *src = pic->plane[0] + (size_t)y * pic->stride[0];

		if (bps == 2) {
			for (uint32_t x = 0; x < pw; x++) {
				uint16_t v = (uint16_t)(src[2 * x] | src[2 * x + 1] << 8);

				v = (uint16_t)(v << (16 - pic->bit_depth));
				row[2 * x] = (uint8_t)v;
				row[2 * x + 1] = (uint8_t)(v >> 8);
			}
			src = row;
		}
		if (put_row(dst, chroma_off, tile, bpl, y, src, pw * bps) < 0)
			return -1;
	}
	for (uint32_t y = 0; y < ch; y++) {
		const uint8_t *u = pic->plane[1] + (size_t)y * pic->stride[1];
		const uint8_t *v = pic->plane[2] + (size_t)y * pic->stride[2];

		if (bps == 2) {
			for (uint32_t x = 0; x < cw; x++) {
				uint16_t a = (uint16_t)((u[2 * x] | u[2 * x + 1] << 8)
							<< (16 - pic->bit_depth));
				uint16_t b = (uint16_t)((v[2 * x] | v[2 * x + 1] << 8)
							<< (16 - pic->bit_depth));

				row[4 * x] = (uint8_t)a;
				row[4 * x + 1] = (uint8_t)(a >> 8);
				row[4 * x + 2] = (uint8_t)b;
				row[4 * x + 3] = (uint8_t)(b >> 8);
			}
		} else {
			for (uint32_t x = 0; x < cw; x++) {
				row[2 * x] = u[x];
				row[2 * x + 1] = v[x];
			}
		}
		if (put_row(dst + chroma_off, dst_size - chroma_off, tile, bpl, y, row,
			    2 * cw * bps) < 0)
			return -1;
	}
	return 0;
}
