/* SPDX-License-Identifier: MIT */
#include "vp8_frame.h"

#include <string.h>

/* Boolean entropy decoder (RFC 6386 section 7) with a wide window: `bits` valid bits at the top
 * of `win`, refilled a byte at a time. */
struct vp8_bool {
	const uint8_t *p, *end;
	uint64_t win;
	int bits;
	unsigned range;
	size_t shifts; /* bits consumed */
};

static void fill(struct vp8_bool *b)
{
	while (b->bits <= 48) {
		uint64_t byte = 0;

		if (b->p < b->end)
			byte = *b->p++;
		b->win |= byte << (56 - b->bits);
		b->bits += 8;
	}
}

static bool get_bool(struct vp8_bool *b, unsigned prob)
{
	unsigned split = 1 + (((b->range - 1) * prob) >> 8);
	uint64_t big = (uint64_t)split << 56;
	bool bit = b->win >= big;

	if (bit) {
		b->range -= split;
		b->win -= big;
	} else {
		b->range = split;
	}
	while (b->range < 128) {
		b->range <<= 1;
		b->win <<= 1;
		b->bits--;
		b->shifts++;
	}
	if (b->bits < 16)
		fill(b);
	return bit;
}

static unsigned get_uint(struct vp8_bool *b, int n)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 1) | get_bool(b, 128);
	return v;
}

/* Optional signed value: flag, magnitude, sign. */
static int get_opt_signed(struct vp8_bool *b, int n)
{
	int v;

	if (!get_bool(b, 128))
		return 0;
	v = (int)get_uint(b, n);
	return get_bool(b, 128) ? -v : v;
}

bool v4l2r_vp8_parse_header(const uint8_t *data, size_t size, bool key,
			    struct v4l2r_vp8_persist *st, struct v4l2r_vp8_frame_hdr *h)
{
	struct vp8_bool b = {.p = data, .end = data + size, .range = 255};

	memset(h, 0, sizeof(*h));
	fill(&b);
	if (key) {
		memset(st, 0, sizeof(*st));
		get_uint(&b, 2); /* color_space, clamping_type */
	}
	h->seg_enabled = get_bool(&b, 128);
	if (h->seg_enabled) {
		h->seg_update_map = get_bool(&b, 128);
		h->seg_update_data = get_bool(&b, 128);
		if (h->seg_update_data) {
			st->seg_abs = get_bool(&b, 128);
			for (int i = 0; i < 4; i++)
				st->seg_quant[i] = (int8_t)get_opt_signed(&b, 7);
			for (int i = 0; i < 4; i++)
				st->seg_lf[i] = (int8_t)get_opt_signed(&b, 6);
		}
		if (h->seg_update_map)
			for (int i = 0; i < 3; i++)
				h->seg_probs[i] =
				    get_bool(&b, 128) ? (uint8_t)get_uint(&b, 8) : 255;
	}
	h->filter_simple = get_bool(&b, 128);
	h->level = (uint8_t)get_uint(&b, 6);
	h->sharpness = (uint8_t)get_uint(&b, 3);
	h->lf_adj = get_bool(&b, 128);
	if (h->lf_adj) {
		h->lf_delta_update = get_bool(&b, 128);
		if (h->lf_delta_update) {
			for (int i = 0; i < 8; i++) {
				int8_t *d = i < 4 ? &st->ref_delta[i] : &st->mode_delta[i - 4];

				if (get_bool(&b, 128)) {
					int v = (int)get_uint(&b, 6);

					*d = (int8_t)(get_bool(&b, 128) ? -v : v);
				}
			}
		}
	}
	h->nparts = (uint8_t)(1u << get_uint(&b, 2));
	h->y_ac_qi = (uint8_t)get_uint(&b, 7);
	h->y_dc_delta = (int8_t)get_opt_signed(&b, 4);
	h->y2_dc_delta = (int8_t)get_opt_signed(&b, 4);
	h->y2_ac_delta = (int8_t)get_opt_signed(&b, 4);
	h->uv_dc_delta = (int8_t)get_opt_signed(&b, 4);
	h->uv_ac_delta = (int8_t)get_opt_signed(&b, 4);
	/* The header's bits must lie within the partition. */
	return (b.shifts + 7) / 8 <= size;
}
