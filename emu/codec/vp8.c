/* SPDX-License-Identifier: MIT */
/*
 * Emulated VP8 stateless decoder (V4L2_PIX_FMT_VP8_FRAME): the kernel's VP8_FRAME control, its
 * validation, the device's own parse of every frame header (RFC 6386 section 9 and 19.2, with
 * its own boolean decoder) and its own persistent probability and reference state, against
 * which every field of the control is checked; decoding with libavcodec from the OUTPUT payload.
 *
 * Hardware decodes with the control's probabilities and segment/filter/quantiser values and
 * reads the references the *_frame_ts name, so a control that differs from the frame header
 * the device parsed itself (or names another reference) is a violation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/v4l2-controls.h>

#include <libavutil/pixdesc.h>

#include "../emu_codec.h"
#include "lavc.h"
#include "vp8_tables.h"

/* RFC 6386 13.5: default token probabilities [block type][coefficient band][context][branch]
 * (their update probabilities, 13.4, are in vp8_tables.h). */
static const uint8_t vp8_coeff_default[4][8][3][11] = {
    {
	{{128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128},
	 {128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128},
	 {128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128}},
	{{253, 136, 254, 255, 228, 219, 128, 128, 128, 128, 128},
	 {189, 129, 242, 255, 227, 213, 255, 219, 128, 128, 128},
	 {106, 126, 227, 252, 214, 209, 255, 255, 128, 128, 128}},
	{{1, 98, 248, 255, 236, 226, 255, 255, 128, 128, 128},
	 {181, 133, 238, 254, 221, 234, 255, 154, 128, 128, 128},
	 {78, 134, 202, 247, 198, 180, 255, 219, 128, 128, 128}},
	{{1, 185, 249, 255, 243, 255, 128, 128, 128, 128, 128},
	 {184, 150, 247, 255, 236, 224, 128, 128, 128, 128, 128},
	 {77, 110, 216, 255, 236, 230, 128, 128, 128, 128, 128}},
	{{1, 101, 251, 255, 241, 255, 128, 128, 128, 128, 128},
	 {170, 139, 241, 252, 236, 209, 255, 255, 128, 128, 128},
	 {37, 116, 196, 243, 228, 255, 255, 255, 128, 128, 128}},
	{{1, 204, 254, 255, 245, 255, 128, 128, 128, 128, 128},
	 {207, 160, 250, 255, 238, 128, 128, 128, 128, 128, 128},
	 {102, 103, 231, 255, 211, 171, 128, 128, 128, 128, 128}},
	{{1, 152, 252, 255, 240, 255, 128, 128, 128, 128, 128},
	 {177, 135, 243, 255, 234, 225, 128, 128, 128, 128, 128},
	 {80, 129, 211, 255, 194, 224, 128, 128, 128, 128, 128}},
	{{1, 1, 255, 128, 128, 128, 128, 128, 128, 128, 128},
	 {246, 1, 255, 128, 128, 128, 128, 128, 128, 128, 128},
	 {255, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128}},
    },
    {
	{{198, 35, 237, 223, 193, 187, 162, 160, 145, 155, 62},
	 {131, 45, 198, 221, 172, 176, 220, 157, 252, 221, 1},
	 {68, 47, 146, 208, 149, 167, 221, 162, 255, 223, 128}},
	{{1, 149, 241, 255, 221, 224, 255, 255, 128, 128, 128},
	 {184, 141, 234, 253, 222, 220, 255, 199, 128, 128, 128},
	 {81, 99, 181, 242, 176, 190, 249, 202, 255, 255, 128}},
	{{1, 129, 232, 253, 214, 197, 242, 196, 255, 255, 128},
	 {99, 121, 210, 250, 201, 198, 255, 202, 128, 128, 128},
	 {23, 91, 163, 242, 170, 187, 247, 210, 255, 255, 128}},
	{{1, 200, 246, 255, 234, 255, 128, 128, 128, 128, 128},
	 {109, 178, 241, 255, 231, 245, 255, 255, 128, 128, 128},
	 {44, 130, 201, 253, 205, 192, 255, 255, 128, 128, 128}},
	{{1, 132, 239, 251, 219, 209, 255, 165, 128, 128, 128},
	 {94, 136, 225, 251, 218, 190, 255, 255, 128, 128, 128},
	 {22, 100, 174, 245, 186, 161, 255, 199, 128, 128, 128}},
	{{1, 182, 249, 255, 232, 235, 128, 128, 128, 128, 128},
	 {124, 143, 241, 255, 227, 234, 128, 128, 128, 128, 128},
	 {35, 77, 181, 251, 193, 211, 255, 205, 128, 128, 128}},
	{{1, 157, 247, 255, 236, 231, 255, 255, 128, 128, 128},
	 {121, 141, 235, 255, 225, 227, 255, 255, 128, 128, 128},
	 {45, 99, 188, 251, 195, 217, 255, 224, 128, 128, 128}},
	{{1, 1, 251, 255, 213, 255, 128, 128, 128, 128, 128},
	 {203, 1, 248, 255, 255, 128, 128, 128, 128, 128, 128},
	 {137, 1, 177, 255, 224, 255, 128, 128, 128, 128, 128}},
    },
    {
	{{253, 9, 248, 251, 207, 208, 255, 192, 128, 128, 128},
	 {175, 13, 224, 243, 193, 185, 249, 198, 255, 255, 128},
	 {73, 17, 171, 221, 161, 179, 236, 167, 255, 234, 128}},
	{{1, 95, 247, 253, 212, 183, 255, 255, 128, 128, 128},
	 {239, 90, 244, 250, 211, 209, 255, 255, 128, 128, 128},
	 {155, 77, 195, 248, 188, 195, 255, 255, 128, 128, 128}},
	{{1, 24, 239, 251, 218, 219, 255, 205, 128, 128, 128},
	 {201, 51, 219, 255, 196, 186, 128, 128, 128, 128, 128},
	 {69, 46, 190, 239, 201, 218, 255, 228, 128, 128, 128}},
	{{1, 191, 251, 255, 255, 128, 128, 128, 128, 128, 128},
	 {223, 165, 249, 255, 213, 255, 128, 128, 128, 128, 128},
	 {141, 124, 248, 255, 255, 128, 128, 128, 128, 128, 128}},
	{{1, 16, 248, 255, 255, 128, 128, 128, 128, 128, 128},
	 {190, 36, 230, 255, 236, 255, 128, 128, 128, 128, 128},
	 {149, 1, 255, 128, 128, 128, 128, 128, 128, 128, 128}},
	{{1, 226, 255, 128, 128, 128, 128, 128, 128, 128, 128},
	 {247, 192, 255, 128, 128, 128, 128, 128, 128, 128, 128},
	 {240, 128, 255, 128, 128, 128, 128, 128, 128, 128, 128}},
	{{1, 134, 252, 255, 255, 128, 128, 128, 128, 128, 128},
	 {213, 62, 250, 255, 255, 128, 128, 128, 128, 128, 128},
	 {55, 93, 255, 128, 128, 128, 128, 128, 128, 128, 128}},
	{{128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128},
	 {128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128},
	 {128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128}},
    },
    {
	{{202, 24, 213, 235, 186, 191, 220, 160, 240, 175, 255},
	 {126, 38, 182, 232, 169, 184, 228, 174, 255, 187, 128},
	 {61, 46, 138, 219, 151, 178, 240, 170, 255, 216, 128}},
	{{1, 112, 230, 250, 199, 191, 247, 159, 255, 255, 128},
	 {166, 109, 228, 252, 211, 215, 255, 174, 128, 128, 128},
	 {39, 77, 162, 232, 172, 180, 245, 178, 255, 255, 128}},
	{{1, 52, 220, 246, 198, 199, 249, 220, 255, 255, 128},
	 {124, 74, 191, 243, 183, 193, 250, 221, 255, 255, 128},
	 {24, 71, 130, 219, 154, 170, 243, 182, 255, 255, 128}},
	{{1, 182, 225, 249, 219, 240, 255, 224, 128, 128, 128},
	 {149, 150, 226, 252, 216, 205, 255, 171, 128, 128, 128},
	 {28, 108, 170, 242, 183, 194, 254, 223, 255, 255, 128}},
	{{1, 81, 230, 252, 204, 203, 255, 192, 128, 128, 128},
	 {123, 102, 209, 247, 188, 196, 255, 233, 128, 128, 128},
	 {20, 95, 153, 243, 164, 173, 255, 203, 128, 128, 128}},
	{{1, 222, 248, 255, 216, 213, 128, 128, 128, 128, 128},
	 {168, 175, 246, 252, 235, 205, 255, 255, 128, 128, 128},
	 {47, 116, 215, 255, 211, 212, 255, 255, 128, 128, 128}},
	{{1, 121, 236, 253, 212, 214, 255, 255, 128, 128, 128},
	 {141, 84, 213, 252, 201, 202, 255, 219, 128, 128, 128},
	 {42, 80, 160, 240, 162, 185, 255, 205, 128, 128, 128}},
	{{1, 1, 255, 128, 128, 128, 128, 128, 128, 128, 128},
	 {244, 1, 255, 128, 128, 128, 128, 128, 128, 128, 128},
	 {238, 1, 255, 128, 128, 128, 128, 128, 128, 128, 128}},
    },
};

static const uint8_t ymode_key[4] = {145, 156, 163, 128}; /* 11.2, key frames */
static const uint8_t uvmode_key[3] = {142, 114, 183};

/* ---- boolean decoder (RFC 6386 section 7.3) ---- */

struct vp8_bd {
	const uint8_t *buf;
	size_t size, pos; /* bytes loaded into value */
	uint32_t value;	  /* two-byte window */
	uint32_t range;
	int bit_count; /* shifts since the last byte was loaded */
	bool overrun;
};

static uint8_t bd_byte(struct vp8_bd *bd)
{
	if (bd->pos >= bd->size) {
		bd->overrun = true;
		bd->pos++;
		return 0;
	}
	return bd->buf[bd->pos++];
}

static void bd_init(struct vp8_bd *bd, const uint8_t *buf, size_t size)
{
	memset(bd, 0, sizeof(*bd));
	bd->buf = buf;
	bd->size = size;
	bd->value = (uint32_t)bd_byte(bd) << 8;
	bd->value |= bd_byte(bd);
	bd->range = 255;
}

static int bd_bool(struct vp8_bd *bd, int prob)
{
	uint32_t split = 1 + (((bd->range - 1) * (uint32_t)prob) >> 8);
	uint32_t bigsplit = split << 8;
	int ret;

	if (bd->value >= bigsplit) {
		ret = 1;
		bd->range -= split;
		bd->value -= bigsplit;
	} else {
		ret = 0;
		bd->range = split;
	}
	while (bd->range < 128) {
		bd->value <<= 1;
		bd->range <<= 1;
		if (++bd->bit_count == 8) {
			bd->bit_count = 0;
			bd->value |= bd_byte(bd);
		}
	}
	return ret;
}

static uint32_t bd_lit(struct vp8_bd *bd, int n)
{
	uint32_t v = 0;

	while (n--)
		v = (v << 1) | (uint32_t)bd_bool(bd, 128);
	return v;
}

/* L(n) magnitude then sign bit, as the optional signed fields of 19.2 */
static int bd_signed(struct vp8_bd *bd, int n)
{
	int v = (int)bd_lit(bd, n);

	return bd_bool(bd, 128) ? -v : v;
}

static int bd_opt_signed(struct vp8_bd *bd, int n)
{
	return bd_bool(bd, 128) ? bd_signed(bd, n) : 0;
}

/* ---- the device's model ---- */

struct vp8_probs {
	uint8_t coeff[4][8][3][11];
	uint8_t ymode[4], uvmode[3];
	uint8_t mv[2][19];
};

/* State that persists from frame to frame (reset by key frames). */
struct vp8_state {
	bool have_key;
	struct vp8_probs probs;
	uint16_t width, height;
	uint8_t hscale, vscale;
	bool seg_abs;
	int8_t seg_quant[4], seg_lf[4];
	int8_t ref_delta[4], mode_delta[4];
	uint64_t last_ts, golden_ts, alt_ts;
};

/* One frame's header as the device parses it: the expected control. */
struct vp8_hdr {
	bool key, show;
	int version;
	uint32_t first_part_size;
	bool seg_enabled, update_map, update_data;
	uint8_t seg_probs[3];
	bool filter_simple;
	int level, sharpness;
	bool lf_adj, lf_update;
	int nparts;
	int y_ac_qi, y_dc, y2_dc, y2_ac, uv_dc, uv_ac;
	bool refresh_golden, refresh_alt, refresh_last, refresh_entropy;
	int copy_gf, copy_arf;
	bool sign_golden, sign_alt;
	bool no_skip;
	int prob_skip, prob_intra, prob_last, prob_gf;
	struct vp8_probs probs; /* in effect for this frame */
	uint8_t cs_range, cs_value, cs_count;
	uint32_t header_bits;
	uint32_t part_sizes[8];
};

/* Parse the frame of an OUTPUT buffer; update the persistent state `st` as decoding the frame
 * does. Returns NULL or what is wrong with the bitstream. */
static const char *vp8_parse(const uint8_t *d, size_t n, struct vp8_state *st, struct vp8_hdr *h)
{
	struct vp8_bd bd;
	struct vp8_probs saved;
	uint32_t tag;
	size_t hdr_len, off;

	memset(h, 0, sizeof(*h));
	if (n < 3)
		return "frame tag truncated";
	tag = d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16;
	h->key = !(tag & 1);
	h->version = (tag >> 1) & 7;
	h->show = (tag >> 4) & 1;
	h->first_part_size = tag >> 5;
	hdr_len = h->key ? 10 : 3;
	if (n < hdr_len)
		return "key frame header truncated";
	if (h->key) {
		if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
			return "key frame start code";
		st->width = (uint16_t)((d[6] | d[7] << 8) & 0x3fff);
		st->hscale = d[7] >> 6;
		st->height = (uint16_t)((d[8] | d[9] << 8) & 0x3fff);
		st->vscale = d[9] >> 6;
		st->have_key = true;
		/* Key frames reset the probabilities and adjustments (9.3, 9.6, 9.11). */
		memcpy(st->probs.coeff, vp8_coeff_default, sizeof(st->probs.coeff));
		memcpy(st->probs.mv, mv_default, sizeof(st->probs.mv));
		memcpy(st->probs.ymode, ymode_default, 4);
		memcpy(st->probs.uvmode, uvmode_default, 3);
		st->seg_abs = false;
		memset(st->seg_quant, 0, 4);
		memset(st->seg_lf, 0, 4);
		memset(st->ref_delta, 0, 4);
		memset(st->mode_delta, 0, 4);
	} else if (!st->have_key) {
		return "inter frame before any key frame";
	}
	if (h->first_part_size == 0 || h->first_part_size > n - hdr_len)
		return "first partition size";
	bd_init(&bd, d + hdr_len, h->first_part_size);
	if (h->key) {
		bd_lit(&bd, 1); /* color_space */
		bd_lit(&bd, 1); /* clamping_type */
	}
	h->seg_enabled = bd_lit(&bd, 1);
	if (h->seg_enabled) {
		h->update_map = bd_lit(&bd, 1);
		h->update_data = bd_lit(&bd, 1);
		if (h->update_data) {
			st->seg_abs = bd_lit(&bd, 1);
			for (int i = 0; i < 4; i++)
				st->seg_quant[i] = (int8_t)bd_opt_signed(&bd, 7);
			for (int i = 0; i < 4; i++)
				st->seg_lf[i] = (int8_t)bd_opt_signed(&bd, 6);
		}
		if (h->update_map)
			for (int i = 0; i < 3; i++)
				h->seg_probs[i] = bd_lit(&bd, 1) ? (uint8_t)bd_lit(&bd, 8) : 255;
	}
	h->filter_simple = bd_lit(&bd, 1);
	h->level = (int)bd_lit(&bd, 6);
	h->sharpness = (int)bd_lit(&bd, 3);
	h->lf_adj = bd_lit(&bd, 1);
	if (h->lf_adj) {
		h->lf_update = bd_lit(&bd, 1);
		if (h->lf_update) {
			for (int i = 0; i < 4; i++)
				if (bd_lit(&bd, 1))
					st->ref_delta[i] = (int8_t)bd_signed(&bd, 6);
			for (int i = 0; i < 4; i++)
				if (bd_lit(&bd, 1))
					st->mode_delta[i] = (int8_t)bd_signed(&bd, 6);
		}
	}
	h->nparts = 1 << bd_lit(&bd, 2);
	h->y_ac_qi = (int)bd_lit(&bd, 7);
	h->y_dc = bd_opt_signed(&bd, 4);
	h->y2_dc = bd_opt_signed(&bd, 4);
	h->y2_ac = bd_opt_signed(&bd, 4);
	h->uv_dc = bd_opt_signed(&bd, 4);
	h->uv_ac = bd_opt_signed(&bd, 4);
	if (h->key) {
		h->refresh_golden = h->refresh_alt = h->refresh_last = true;
	} else {
		h->refresh_golden = bd_lit(&bd, 1);
		h->refresh_alt = bd_lit(&bd, 1);
		if (!h->refresh_golden)
			h->copy_gf = (int)bd_lit(&bd, 2);
		if (!h->refresh_alt)
			h->copy_arf = (int)bd_lit(&bd, 2);
		h->sign_golden = bd_lit(&bd, 1);
		h->sign_alt = bd_lit(&bd, 1);
	}
	h->refresh_entropy = bd_lit(&bd, 1);
	saved = st->probs;
	if (!h->key)
		h->refresh_last = bd_lit(&bd, 1);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 3; k++)
				for (int l = 0; l < 11; l++)
					if (bd_bool(&bd, vp8_coeff_update[i][j][k][l]))
						st->probs.coeff[i][j][k][l] =
						    (uint8_t)bd_lit(&bd, 8);
	h->no_skip = bd_lit(&bd, 1);
	if (h->no_skip)
		h->prob_skip = (int)bd_lit(&bd, 8);
	if (!h->key) {
		h->prob_intra = (int)bd_lit(&bd, 8);
		h->prob_last = (int)bd_lit(&bd, 8);
		h->prob_gf = (int)bd_lit(&bd, 8);
		if (bd_lit(&bd, 1))
			for (int i = 0; i < 4; i++)
				st->probs.ymode[i] = (uint8_t)bd_lit(&bd, 8);
		if (bd_lit(&bd, 1))
			for (int i = 0; i < 3; i++)
				st->probs.uvmode[i] = (uint8_t)bd_lit(&bd, 8);
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 19; j++)
				if (bd_bool(&bd, mv_update[i][j])) {
					uint8_t x = (uint8_t)bd_lit(&bd, 7);

					st->probs.mv[i][j] = x ? (uint8_t)(x << 1) : 1;
				}
	}
	h->probs = st->probs;
	if (h->key) {
		memcpy(h->probs.ymode, ymode_key, 4);
		memcpy(h->probs.uvmode, uvmode_key, 3);
	}
	if (!h->refresh_entropy)
		st->probs = saved;
	if (bd.overrun)
		return "frame header beyond the first partition";
	/* The decoder's state where macroblock data starts: range, the byte compared against split
	 * and the bits left of it before the next load; the bits consumed so far. */
	h->cs_range = (uint8_t)bd.range;
	h->cs_value = (uint8_t)(bd.value >> 8);
	h->cs_count = (uint8_t)((8 - bd.bit_count) % 8);
	h->header_bits = (uint32_t)(8 * (bd.pos - 2) + (size_t)bd.bit_count);

	/* Token partitions: sizes (3 bytes each but the last) after the first partition. */
	off = hdr_len + h->first_part_size;
	if ((size_t)(h->nparts - 1) * 3 > n - off)
		return "partition sizes truncated";
	{
		size_t p = off + (size_t)(h->nparts - 1) * 3, left;

		left = n - p;
		for (int i = 0; i < h->nparts - 1; i++) {
			const uint8_t *s = d + off + 3 * i;
			uint32_t sz = s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16;

			if (sz > left)
				return "token partition size";
			h->part_sizes[i] = sz;
			left -= sz;
		}
		h->part_sizes[h->nparts - 1] = (uint32_t)left;
	}
	return NULL;
}

/* References after the frame (9.7, 9.8): copies read the buffers as they were before it. */
static void vp8_update_refs(struct vp8_state *st, const struct vp8_hdr *h, uint64_t ts)
{
	uint64_t last = st->last_ts, golden = st->golden_ts, alt = st->alt_ts;

	if (h->key) {
		st->last_ts = st->golden_ts = st->alt_ts = ts;
		return;
	}
	if (h->copy_gf == 1)
		st->golden_ts = last;
	else if (h->copy_gf == 2)
		st->golden_ts = alt;
	if (h->copy_arf == 1)
		st->alt_ts = last;
	else if (h->copy_arf == 2)
		st->alt_ts = golden;
	if (h->refresh_golden)
		st->golden_ts = ts;
	if (h->refresh_alt)
		st->alt_ts = ts;
	if (h->refresh_last)
		st->last_ts = ts;
}

/* ---- controls ---- */

static int vp8_get_ctrls(const struct emu_dev_cfg *cfg, struct emu_ctrl_desc *descs, int max)
{
	(void)cfg;
	if (max < 1)
		return 0;
	/* No control is required in every request (see h264.c): a request without VP8_FRAME
	 * decodes with the instance's current value, which the checks below then see. */
	memset(descs, 0, sizeof(*descs));
	descs[0].id = V4L2_CID_STATELESS_VP8_FRAME;
	descs[0].name = "VP8 Frame Parameters";
	descs[0].type = V4L2_CTRL_TYPE_VP8_FRAME;
	descs[0].elem_size = sizeof(struct v4l2_ctrl_vp8_frame);
	descs[0].step = 1;
	descs[0].flags = V4L2_CTRL_FLAG_HAS_PAYLOAD;
	return 1;
}

/* std_validate_compound(): num_dct_parts 1, 2, 4 or 8 (the paddings it zeroes are not read). */
static int vp8_try_ctrl(const struct emu_dev_cfg *cfg, uint32_t id, const void *data, uint32_t size)
{
	const struct v4l2_ctrl_vp8_frame *f = data;

	(void)cfg;
	if (id != V4L2_CID_STATELESS_VP8_FRAME)
		return 0;
	if (size < sizeof(*f))
		return -EINVAL;
	switch (f->num_dct_parts) {
	case 1:
	case 2:
	case 4:
	case 8:
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- decoding instance ---- */

struct vp8_ctx {
	struct emu_instance *inst;
	struct emu_lavc lavc;
	bool have_frame;
	struct vp8_state st;
};

static void vp8_close(void *priv)
{
	struct vp8_ctx *c = priv;

	if (!c)
		return;
	emu_lavc_close(&c->lavc);
	free(c);
}

static void *vp8_open(struct emu_instance *inst)
{
	struct vp8_ctx *c = calloc(1, sizeof(*c));

	if (!c || emu_lavc_open(&c->lavc, AV_CODEC_ID_VP8, 0)) {
		free(c);
		return NULL;
	}
	c->inst = inst;
	return c;
}

/* ---- checks ---- */

#define CHECK(field, got, want)                                                                    \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (g_ != w_) {                                                                    \
			emu_violation(job, "vp8-frame",                                            \
				      "\"field\":\"%s\",\"got\":%lld,\"want\":%lld", field, g_,    \
				      w_);                                                         \
			bad = true;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_ARRAY(field, got, want, n)                                                           \
	do {                                                                                       \
		for (size_t i_ = 0; i_ < (size_t)(n); i_++) {                                      \
			if ((got)[i_] != (want)[i_]) {                                             \
				emu_violation(                                                     \
				    job, "vp8-frame",                                              \
				    "\"field\":\"%s\",\"index\":%zu,\"got\":%d,\"want\":%d",       \
				    field, i_, (int)(got)[i_], (int)(want)[i_]);                   \
				bad = true;                                                        \
				break;                                                             \
			}                                                                          \
		}                                                                                  \
	} while (0)

/* A reference: the model's buffer, still held by a CAPTURE buffer. */
static bool check_ref(const struct emu_job *job, struct vp8_ctx *c, const char *field, uint64_t got,
		      uint64_t want)
{
	if (got != want) {
		emu_violation(job, "vp8-reference",
			      "\"field\":\"%s\",\"got\":%" PRIu64 ",\"want\":%" PRIu64, field, got,
			      want);
		return false;
	}
	if (emu_inst_find_capture(c->inst, got) < 0) {
		emu_violation(job, "vp8-reference",
			      "\"field\":\"%s\",\"ts\":%" PRIu64 ",\"error\":\"no CAPTURE buffer\"",
			      field, got);
		return false;
	}
	return true;
}

/* Every field of the control against the device's parse. Fields hardware does not read in a
 * frame (see tests/emu_vp8) are not compared. */
static bool check_frame(const struct emu_job *job, struct vp8_ctx *c,
			const struct v4l2_ctrl_vp8_frame *f, const struct vp8_hdr *h,
			const struct vp8_state *before)
{
	const struct vp8_state *st = &c->st;
	bool bad = false;
	uint32_t seg = f->segment.flags, lf = f->lf.flags;

	CHECK("flags.KEY_FRAME", !!(f->flags & V4L2_VP8_FRAME_FLAG_KEY_FRAME), h->key);
	CHECK("flags.SHOW_FRAME", !!(f->flags & V4L2_VP8_FRAME_FLAG_SHOW_FRAME), h->show);
	CHECK("flags.MB_NO_SKIP_COEFF", !!(f->flags & V4L2_VP8_FRAME_FLAG_MB_NO_SKIP_COEFF),
	      h->no_skip);
	CHECK("version", f->version, h->version);
	CHECK("width", f->width, st->width);
	CHECK("height", f->height, st->height);
	CHECK("horizontal_scale", f->horizontal_scale, st->hscale);
	CHECK("vertical_scale", f->vertical_scale, st->vscale);

	CHECK("segment.flags.ENABLED", !!(seg & V4L2_VP8_SEGMENT_FLAG_ENABLED), h->seg_enabled);
	CHECK("segment.flags.UPDATE_MAP", !!(seg & V4L2_VP8_SEGMENT_FLAG_UPDATE_MAP),
	      h->update_map);
	CHECK("segment.flags.UPDATE_FEATURE_DATA",
	      !!(seg & V4L2_VP8_SEGMENT_FLAG_UPDATE_FEATURE_DATA), h->update_data);
	if (h->seg_enabled) {
		CHECK("segment.flags.DELTA_VALUE_MODE",
		      !!(seg & V4L2_VP8_SEGMENT_FLAG_DELTA_VALUE_MODE), !st->seg_abs);
		CHECK_ARRAY("segment.quant_update", f->segment.quant_update, st->seg_quant, 4);
		CHECK_ARRAY("segment.lf_update", f->segment.lf_update, st->seg_lf, 4);
		if (h->update_map)
			CHECK_ARRAY("segment.segment_probs", f->segment.segment_probs, h->seg_probs,
				    3);
	}

	CHECK("lf.level", f->lf.level, h->level);
	CHECK("lf.sharpness_level", f->lf.sharpness_level, h->sharpness);
	CHECK("lf.flags.FILTER_TYPE_SIMPLE", !!(lf & V4L2_VP8_LF_FILTER_TYPE_SIMPLE),
	      h->filter_simple);
	CHECK("lf.flags.ADJ_ENABLE", !!(lf & V4L2_VP8_LF_ADJ_ENABLE), h->lf_adj);
	CHECK("lf.flags.DELTA_UPDATE", !!(lf & V4L2_VP8_LF_DELTA_UPDATE), h->lf_update);
	if (h->lf_adj) {
		CHECK_ARRAY("lf.ref_frm_delta", f->lf.ref_frm_delta, st->ref_delta, 4);
		CHECK_ARRAY("lf.mb_mode_delta", f->lf.mb_mode_delta, st->mode_delta, 4);
	}

	CHECK("quant.y_ac_qi", f->quant.y_ac_qi, h->y_ac_qi);
	CHECK("quant.y_dc_delta", f->quant.y_dc_delta, h->y_dc);
	CHECK("quant.y2_dc_delta", f->quant.y2_dc_delta, h->y2_dc);
	CHECK("quant.y2_ac_delta", f->quant.y2_ac_delta, h->y2_ac);
	CHECK("quant.uv_dc_delta", f->quant.uv_dc_delta, h->uv_dc);
	CHECK("quant.uv_ac_delta", f->quant.uv_ac_delta, h->uv_ac);

	CHECK_ARRAY("entropy.coeff_probs", &f->entropy.coeff_probs[0][0][0][0],
		    &h->probs.coeff[0][0][0][0], sizeof(h->probs.coeff));
	CHECK_ARRAY("entropy.y_mode_probs", f->entropy.y_mode_probs, h->probs.ymode, 4);
	CHECK_ARRAY("entropy.uv_mode_probs", f->entropy.uv_mode_probs, h->probs.uvmode, 3);

	CHECK("coder_state.range", f->coder_state.range, h->cs_range);
	CHECK("coder_state.value", f->coder_state.value, h->cs_value);
	CHECK("coder_state.bit_count", f->coder_state.bit_count, h->cs_count);
	CHECK("first_part_size", f->first_part_size, h->first_part_size);
	CHECK("first_part_header_bits", f->first_part_header_bits, h->header_bits);
	CHECK("num_dct_parts", f->num_dct_parts, h->nparts);
	CHECK_ARRAY("dct_part_sizes", f->dct_part_sizes, h->part_sizes, h->nparts);
	if (h->no_skip)
		CHECK("prob_skip_false", f->prob_skip_false, h->prob_skip);

	if (!h->key) {
		CHECK("flags.SIGN_BIAS_GOLDEN", !!(f->flags & V4L2_VP8_FRAME_FLAG_SIGN_BIAS_GOLDEN),
		      h->sign_golden);
		CHECK("flags.SIGN_BIAS_ALT", !!(f->flags & V4L2_VP8_FRAME_FLAG_SIGN_BIAS_ALT),
		      h->sign_alt);
		CHECK("prob_intra", f->prob_intra, h->prob_intra);
		CHECK("prob_last", f->prob_last, h->prob_last);
		CHECK("prob_gf", f->prob_gf, h->prob_gf);
		for (int i = 0; i < 2; i++)
			CHECK_ARRAY(i ? "entropy.mv_probs[1]" : "entropy.mv_probs[0]",
				    f->entropy.mv_probs[i], h->probs.mv[i], 19);
		bad |= !check_ref(job, c, "last_frame_ts", f->last_frame_ts, before->last_ts);
		bad |= !check_ref(job, c, "golden_frame_ts", f->golden_frame_ts, before->golden_ts);
		bad |= !check_ref(job, c, "alt_frame_ts", f->alt_frame_ts, before->alt_ts);
	}
	return !bad;
}

static int vp8_submit(void *priv, const struct emu_job *job)
{
	struct vp8_ctx *c = priv;
	const struct v4l2_ctrl_vp8_frame *f;
	struct vp8_state before;
	struct vp8_hdr h;
	const char *err;
	uint32_t size;
	uint8_t *pkt;
	bool ok = true;
	int ret;

	if (!c)
		return -1;
	c->have_frame = false;
	f = emu_job_ctrl(job, V4L2_CID_STATELESS_VP8_FRAME, &size);
	if (!f || size < sizeof(*f)) {
		emu_violation(job, "missing-control", "\"control\":\"VP8_FRAME\"");
		return -1;
	}
	before = c->st;
	err = vp8_parse(job->data, job->size, &c->st, &h);
	if (err) {
		c->st = before;
		emu_violation(job, "vp8-bitstream", "\"error\":\"%s\"", err);
		return -1;
	}
	ok = check_frame(job, c, f, &h, &before);
	vp8_update_refs(&c->st, &h, job->timestamp);

	/* Hardware writes every frame it decodes, shown or not: libavcodec outputs only frames
	 * with show_frame set, so it gets a copy with the bit set. */
	pkt = emu_lavc_packet(&c->lavc, job->size);
	if (!pkt)
		return -1;
	memcpy(pkt, job->data, job->size);
	pkt[0] |= 0x10;
	ret = emu_lavc_send(&c->lavc);
	if (ret >= 0)
		ret = emu_lavc_take(&c->lavc, false);
	if (ret < 0) {
		emu_debug("vp8: libavcodec error %d on request %" PRIu64 "\n", ret, job->seq);
		return -1;
	}
	c->have_frame = true;
	return ok ? 0 : -1;
}

static int vp8_finish(void *priv, const struct emu_job *job, struct emu_picture *out)
{
	struct vp8_ctx *c = priv;
	const AVPixFmtDescriptor *d;

	(void)job;
	if (!c || !c->have_frame)
		return -1;
	d = av_pix_fmt_desc_get(c->lavc.out->format);
	if (!d || d->nb_components != 3 || d->log2_chroma_w != 1 || d->log2_chroma_h != 1 ||
	    d->comp[0].depth != 8)
		return -1;
	out->width = c->lavc.out->width;
	out->height = c->lavc.out->height;
	out->bit_depth = 8;
	for (int i = 0; i < 3; i++) {
		out->plane[i] = c->lavc.out->data[i];
		out->stride[i] = c->lavc.out->linesize[i];
	}
	return 0;
}

/* ---- trace ---- */

static void dump_s8(FILE *f, const char *name, const int8_t *p, int n)
{
	fprintf(f, "\"%s\":[", name);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? "," : "", p[i]);
	fputs("],", f);
}

static void dump_u8(FILE *f, const char *name, const uint8_t *p, int n)
{
	fprintf(f, "\"%s\":[", name);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", p[i]);
	fputs("],", f);
}

static void vp8_dump_ctrl(FILE *f, uint32_t id, const void *data, uint32_t size)
{
	const struct v4l2_ctrl_vp8_frame *v = data;

	if (id != V4L2_CID_STATELESS_VP8_FRAME || size < sizeof(*v)) {
		fprintf(f, "{\"size\":%u}", size);
		return;
	}
	fputs("{\"segment\":{", f);
	dump_s8(f, "quant_update", v->segment.quant_update, 4);
	dump_s8(f, "lf_update", v->segment.lf_update, 4);
	dump_u8(f, "segment_probs", v->segment.segment_probs, 3);
	fprintf(f, "\"flags\":%u},\"lf\":{", v->segment.flags);
	dump_s8(f, "ref_frm_delta", v->lf.ref_frm_delta, 4);
	dump_s8(f, "mb_mode_delta", v->lf.mb_mode_delta, 4);
	fprintf(f, "\"sharpness_level\":%u,\"level\":%u,\"flags\":%u},", v->lf.sharpness_level,
		v->lf.level, v->lf.flags);
	fprintf(f,
		"\"quant\":{\"y_ac_qi\":%u,\"y_dc_delta\":%d,\"y2_dc_delta\":%d,"
		"\"y2_ac_delta\":%d,\"uv_dc_delta\":%d,\"uv_ac_delta\":%d},\"entropy\":{",
		v->quant.y_ac_qi, v->quant.y_dc_delta, v->quant.y2_dc_delta, v->quant.y2_ac_delta,
		v->quant.uv_dc_delta, v->quant.uv_ac_delta);
	dump_u8(f, "coeff_probs", &v->entropy.coeff_probs[0][0][0][0],
		(int)sizeof(v->entropy.coeff_probs));
	dump_u8(f, "y_mode_probs", v->entropy.y_mode_probs, 4);
	dump_u8(f, "uv_mode_probs", v->entropy.uv_mode_probs, 3);
	fputs("\"mv_probs\":[", f);
	for (int i = 0; i < 38; i++)
		fprintf(f, "%s%u", i ? "," : "", (&v->entropy.mv_probs[0][0])[i]);
	fprintf(f,
		"]},\"coder_state\":{\"range\":%u,\"value\":%u,\"bit_count\":%u},"
		"\"width\":%u,\"height\":%u,\"horizontal_scale\":%u,\"vertical_scale\":%u,"
		"\"version\":%u,\"prob_skip_false\":%u,\"prob_intra\":%u,\"prob_last\":%u,"
		"\"prob_gf\":%u,\"num_dct_parts\":%u,\"first_part_size\":%u,"
		"\"first_part_header_bits\":%u,",
		v->coder_state.range, v->coder_state.value, v->coder_state.bit_count, v->width,
		v->height, v->horizontal_scale, v->vertical_scale, v->version, v->prob_skip_false,
		v->prob_intra, v->prob_last, v->prob_gf, v->num_dct_parts, v->first_part_size,
		v->first_part_header_bits);
	fputs("\"dct_part_sizes\":[", f);
	for (int i = 0; i < 8; i++)
		fprintf(f, "%s%u", i ? "," : "", v->dct_part_sizes[i]);
	fprintf(f,
		"],\"last_frame_ts\":%" PRIu64 ",\"golden_frame_ts\":%" PRIu64
		",\"alt_frame_ts\":%" PRIu64 ",\"flags\":%llu}",
		(uint64_t)v->last_frame_ts, (uint64_t)v->golden_frame_ts, (uint64_t)v->alt_frame_ts,
		(unsigned long long)v->flags);
}

/* std_init_compound(): num_dct_parts = 1 */
static void vp8_init_ctrl(uint32_t id, void *data, uint32_t size)
{
	struct v4l2_ctrl_vp8_frame *f = data;

	if (id == V4L2_CID_STATELESS_VP8_FRAME && size >= sizeof(*f))
		f->num_dct_parts = 1;
}

const struct emu_codec_ops emu_codec_vp8 = {
    .name = "vp8",
    .coded_fourcc = V4L2_PIX_FMT_VP8_FRAME,
    .get_ctrls = vp8_get_ctrls,
    .try_ctrl = vp8_try_ctrl,
    .open = vp8_open,
    .close = vp8_close,
    .submit = vp8_submit,
    .finish = vp8_finish,
    .dump_ctrl = vp8_dump_ctrl,
    .init_ctrl = vp8_init_ctrl,
};
