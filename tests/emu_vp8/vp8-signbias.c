/* SPDX-License-Identifier: MIT */
/*
 * Rewrites a VP8 IVF stream so that every inter frame has sign_bias_golden = 1 (libvpx never
 * sets it; none of the test vectors has it), keeping every decoded pixel: the first partition
 * of each inter frame is bool-decoded (RFC 6386 19.2 header, 19.3 per-macroblock modes and
 * motion vectors) and re-encoded with the flag set. The flag inverts the motion vectors of
 * neighbours that reference a frame of the other sign bias when the near/nearest/best vectors
 * are formed (find_near_mvs), so each inter macroblock is coded again against the new
 * candidates: the same final vectors (NEAREST/NEAR when a candidate equals the vector, else
 * NEW relative to the new best vector; ZERO and SPLIT stay, split NEW4x4 vectors re-coded),
 * with the mode probabilities of the new candidate counts. Everything else (header, segment
 * ids, skip flags, reference frames, intra modes, token partitions) is copied symbol by
 * symbol. The software decode of the output therefore equals that of the input, frame by frame.
 *
 *   vp8-signbias IN.ivf OUT.ivf
 * Prints the number of inter frames rewritten and of macroblocks whose candidates changed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vp8_tables.h"

/* ---- tables (RFC 6386) ---- */

/* 16.3 */
static const uint8_t mode_contexts[6][4] = {
    {7, 1, 1, 143},    {14, 18, 14, 107},   {135, 64, 57, 68},
    {60, 56, 128, 65}, {159, 134, 128, 34}, {234, 188, 128, 28},
};
/* 16.4 */
static const uint8_t sub_mv_ref_prob[5][3] = {
    {147, 136, 18}, {106, 145, 1}, {179, 121, 1}, {223, 1, 34}, {208, 1, 1},
};
static const uint8_t mvpartition_probs[3] = {110, 111, 150};
enum { PART_16X8, PART_8X16, PART_QUARTERS, PART_4X4, PART_NONE };
static const uint8_t mbsplits[5][16] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},
    {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1},
    {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {0},
};
static const int mbsplit_count[4] = {2, 2, 4, 16};
/* 11.2 / 16.1: B modes of inter frames use fixed probabilities */
static const uint8_t bmode_prob_inter[9] = {120, 90, 79, 133, 87, 85, 80, 111, 151};

/* Trees: positive entries index the tree, others are leaves (negated values). */
static const int8_t ymode_tree[8] = {-0, 2, 4, 6, -1, -2, -3, -4}; /* DC V H TM B */
static const int8_t uvmode_tree[6] = {-0, 2, -1, 4, -2, -3};
static const int8_t bmode_tree[18] = {-0, 2,  -1, 4,  -2, 6,  8,  12, -3,
				      10, -4, -5, -6, 14, -7, 16, -8, -9};
static const int8_t segment_tree[6] = {2, 4, -0, -1, -2, -3};
enum { MV_ZERO, MV_NEAREST, MV_NEAR, MV_NEW, MV_SPLIT };
static const int8_t mv_ref_tree[8] = {-MV_ZERO, 2, -MV_NEAREST, 4, -MV_NEAR, 6, -MV_NEW, -MV_SPLIT};
static const int8_t mvpartition_tree[6] = {-PART_4X4, 2, -PART_QUARTERS, 4, -PART_16X8, -PART_8X16};
enum { SUB_LEFT, SUB_ABOVE, SUB_ZERO, SUB_NEW };
static const int8_t sub_mv_ref_tree[6] = {-SUB_LEFT, 2, -SUB_ABOVE, 4, -SUB_ZERO, -SUB_NEW};
static const int8_t small_mv_tree[14] = {2, 8, 4, 6, -0, -1, -2, -3, 10, 12, -4, -5, -6, -7};

/* ---- boolean decoder and encoder (RFC 6386 7.3) ---- */

struct benc {
	uint8_t *buf;
	size_t len, cap;
	uint32_t range, bottom;
	int bit_count;
};

static void die(const char *msg)
{
	fprintf(stderr, "vp8-signbias: %s\n", msg);
	exit(1);
}

static void enc_byte(struct benc *e, uint8_t b)
{
	if (e->len == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 4096;
		e->buf = realloc(e->buf, e->cap);
		if (!e->buf)
			die("out of memory");
	}
	e->buf[e->len++] = b;
}

static void enc_carry(struct benc *e)
{
	size_t i = e->len;

	while (i > 0 && e->buf[i - 1] == 255)
		e->buf[--i] = 0;
	if (i == 0)
		die("carry past the start of the partition");
	e->buf[i - 1]++;
}

static void enc_bool(struct benc *e, int prob, int bit)
{
	uint32_t split = 1 + (((e->range - 1) * (uint32_t)prob) >> 8);

	if (bit) {
		e->bottom += split;
		e->range -= split;
	} else {
		e->range = split;
	}
	while (e->range < 128) {
		e->range <<= 1;
		if (e->bottom & (1u << 31))
			enc_carry(e);
		e->bottom <<= 1;
		if (!--e->bit_count) {
			enc_byte(e, (uint8_t)(e->bottom >> 24));
			e->bottom &= (1u << 24) - 1;
			e->bit_count = 8;
		}
	}
}

static void enc_flush(struct benc *e)
{
	for (int i = 0; i < 32; i++)
		enc_bool(e, 128, 0);
}

struct bdec {
	const uint8_t *buf;
	size_t size, pos;
	uint32_t value, range;
	int bit_count;
	struct benc *echo; /* every symbol read is written here too, unless NULL */
};

static uint8_t dec_byte(struct bdec *d)
{
	return d->pos < d->size ? d->buf[d->pos++] : (d->pos++, 0);
}

static int dec_bool(struct bdec *d, int prob)
{
	uint32_t split = 1 + (((d->range - 1) * (uint32_t)prob) >> 8), bigsplit = split << 8;
	int bit = d->value >= bigsplit;

	if (bit) {
		d->range -= split;
		d->value -= bigsplit;
	} else {
		d->range = split;
	}
	while (d->range < 128) {
		d->value <<= 1;
		d->range <<= 1;
		if (++d->bit_count == 8) {
			d->bit_count = 0;
			d->value |= dec_byte(d);
		}
	}
	if (d->echo)
		enc_bool(d->echo, prob, bit);
	return bit;
}

static unsigned dec_lit(struct bdec *d, int n)
{
	unsigned v = 0;

	while (n--)
		v = (v << 1) | (unsigned)dec_bool(d, 128);
	return v;
}

static void dec_opt_signed(struct bdec *d, int n)
{
	if (dec_lit(d, 1))
		dec_lit(d, n + 1);
}

static int dec_tree(struct bdec *d, const int8_t *t, const uint8_t *p)
{
	int i = 0;

	while ((i = t[i + dec_bool(d, p[i >> 1])]) > 0)
		;
	return -i;
}

static bool tree_path(const int8_t *t, int i, int value, int *path, int *depth)
{
	for (int b = 0; b < 2; b++) {
		int next = t[i + b];

		if (*depth >= 16)
			return false;
		path[(*depth)++] = b;
		if (next > 0 ? tree_path(t, next, value, path, depth) : -next == value)
			return true;
		(*depth)--;
	}
	return false;
}

static void enc_tree(struct benc *e, const int8_t *t, const uint8_t *p, int value)
{
	int path[16], depth = 0, i = 0;

	if (!tree_path(t, 0, value, path, &depth))
		die("value not in tree");
	for (int k = 0; k < depth; k++) {
		enc_bool(e, p[i >> 1], path[k]);
		i = t[i + path[k]];
	}
}

/* ---- motion vectors ---- */

struct mv {
	int16_t y, x;
};

static bool mv_eq(struct mv a, struct mv b)
{
	return a.y == b.y && a.x == b.x;
}

static bool mv_zero(struct mv a)
{
	return !a.y && !a.x;
}

static int dec_mv_component(struct bdec *d, const uint8_t *p)
{
	int a = 0;

	if (dec_bool(d, p[0])) {
		for (int i = 0; i < 3; i++)
			a += dec_bool(d, p[9 + i]) << i;
		for (int i = 9; i > 3; i--)
			a += dec_bool(d, p[9 + i]) << i;
		if (!(a & 0xfff0) || dec_bool(d, p[9 + 3]))
			a += 8;
	} else {
		a = dec_tree(d, small_mv_tree, p + 2);
	}
	return a && dec_bool(d, p[1]) ? -a : a;
}

static void enc_mv_component(struct benc *e, const uint8_t *p, int v)
{
	int a = v < 0 ? -v : v;

	if (a > 1023)
		die("motion vector difference out of range");
	if (a >= 8) {
		enc_bool(e, p[0], 1);
		for (int i = 0; i < 3; i++)
			enc_bool(e, p[9 + i], (a >> i) & 1);
		for (int i = 9; i > 3; i--)
			enc_bool(e, p[9 + i], (a >> i) & 1);
		if (a & 0xfff0)
			enc_bool(e, p[9 + 3], (a >> 3) & 1);
	} else {
		enc_bool(e, p[0], 0);
		enc_tree(e, small_mv_tree, p + 2, a);
	}
	if (a)
		enc_bool(e, p[1], v < 0);
}

/* ---- per-frame state ---- */

struct mb {
	int ref;  /* 0 intra, 1 last, 2 golden, 3 altref */
	int mode; /* MV_* for inter macroblocks */
	int part; /* PART_* */
	struct mv mv, bmv[16];
};

struct state {
	uint8_t ymode[4], uvmode[3], mv[2][19];
};

struct frame_ctx {
	int mbw, mbh;
	struct mb *mbs; /* (mbh + 1) x (mbw + 1), row 0 and column 0 are the intra border */
	int sign_bias[4];
	struct state st;
	uint8_t seg_prob[3];
	bool seg_map, skip_enabled;
	uint8_t prob_skip, prob_intra, prob_last, prob_gf;
};

static struct mb *mb_at(struct frame_ctx *f, int x, int y)
{
	return &f->mbs[(y + 1) * (f->mbw + 1) + x + 1];
}

static struct mv clamp_mv(const struct frame_ctx *f, struct mv v, int x, int y)
{
	int minx = -(x * 64) - 64, maxx = (f->mbw - 1 - x) * 64 + 64;
	int miny = -(y * 64) - 64, maxy = (f->mbh - 1 - y) * 64 + 64;

	v.x = (int16_t)(v.x < minx ? minx : v.x > maxx ? maxx : v.x);
	v.y = (int16_t)(v.y < miny ? miny : v.y > maxy ? maxy : v.y);
	return v;
}

/* find_near_mvs (RFC 6386 16.3, as libavcodec implements it) with the given sign biases */
static void near_mvs(struct frame_ctx *f, int x, int y, int ref, const int *bias, struct mv near[3],
		     int cnt[4], struct mv *best)
{
	const struct mb *edge[3] = {mb_at(f, x, y - 1), mb_at(f, x - 1, y), mb_at(f, x - 1, y - 1)};
	struct mv nm[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
	int idx = 0;

	memset(cnt, 0, 4 * sizeof(*cnt));
	for (int n = 0; n < 3; n++) {
		const struct mb *e = edge[n];

		if (!e->ref)
			continue;
		if (!mv_zero(e->mv)) {
			struct mv v = e->mv;

			if (bias[e->ref] != bias[ref]) {
				v.x = (int16_t)-v.x;
				v.y = (int16_t)-v.y;
			}
			if (!n || !mv_eq(v, nm[idx]))
				nm[++idx] = v;
			cnt[idx] += 1 + (n != 2);
		} else {
			cnt[0] += 1 + (n != 2);
		}
	}
	if (cnt[3] && mv_eq(nm[1], nm[3]))
		cnt[1] += 1;
	cnt[3] = (edge[1]->mode == MV_SPLIT && edge[1]->ref) * 2 +
		 (edge[0]->mode == MV_SPLIT && edge[0]->ref) * 2 +
		 (edge[2]->mode == MV_SPLIT && edge[2]->ref);
	if (cnt[2] > cnt[1]) {
		int t = cnt[1];
		struct mv v = nm[1];

		cnt[1] = cnt[2];
		cnt[2] = t;
		nm[1] = nm[2];
		nm[2] = v;
	}
	*best = clamp_mv(f, cnt[1] >= cnt[0] ? nm[1] : nm[0], x, y);
	near[1] = clamp_mv(f, nm[1], x, y);
	near[2] = clamp_mv(f, nm[2], x, y);
}

static struct mv sub_left(struct frame_ctx *f, int x, int y, const struct mb *cur, int k)
{
	if (k & 3)
		return cur->bmv[k - 1];
	const struct mb *l = mb_at(f, x - 1, y);
	return l->ref ? l->bmv[k + 3] : (struct mv){0, 0};
}

static struct mv sub_above(struct frame_ctx *f, int x, int y, const struct mb *cur, int k)
{
	if (k > 3)
		return cur->bmv[k - 4];
	const struct mb *a = mb_at(f, x, y - 1);
	return a->ref ? a->bmv[k + 12] : (struct mv){0, 0};
}

static int sub_ctx(struct mv l, struct mv a)
{
	if (mv_eq(l, a))
		return mv_zero(a) ? 4 : 3;
	if (mv_zero(a))
		return 2;
	return mv_zero(l) ? 1 : 0;
}

/* One inter macroblock: decode with the old sign biases, encode with the new ones. */
static int inter_mb(struct frame_ctx *f, struct bdec *d, struct benc *e, int x, int y,
		    const int *old_bias)
{
	struct mb *m = mb_at(f, x, y);
	struct mv near[3], best, nbest;
	int cnt[4], ncnt[4];
	uint8_t p[4];
	struct benc *echo = d->echo;
	int changed;

	near_mvs(f, x, y, m->ref, old_bias, near, cnt, &best);
	for (int i = 0; i < 4; i++)
		p[i] = mode_contexts[cnt[i]][i];
	d->echo = NULL;
	m->mode = dec_tree(d, mv_ref_tree, p);
	m->part = PART_NONE;
	switch (m->mode) {
	case MV_ZERO:
		m->mv = (struct mv){0, 0};
		break;
	case MV_NEAREST:
		m->mv = near[1];
		break;
	case MV_NEAR:
		m->mv = near[2];
		break;
	case MV_NEW:
		m->mv.y = (int16_t)(best.y + dec_mv_component(d, f->st.mv[0]));
		m->mv.x = (int16_t)(best.x + dec_mv_component(d, f->st.mv[1]));
		break;
	default: {
		int sub_mode[16];

		m->part = dec_tree(d, mvpartition_tree, mvpartition_probs);
		for (int n = 0, k = 0; n < mbsplit_count[m->part]; n++) {
			struct mv v;

			while (mbsplits[m->part][k] != n)
				k++;
			struct mv l = sub_left(f, x, y, m, k), a = sub_above(f, x, y, m, k);
			sub_mode[n] = dec_tree(d, sub_mv_ref_tree, sub_mv_ref_prob[sub_ctx(l, a)]);
			switch (sub_mode[n]) {
			case SUB_LEFT:
				v = l;
				break;
			case SUB_ABOVE:
				v = a;
				break;
			case SUB_ZERO:
				v = (struct mv){0, 0};
				break;
			default:
				v.y = (int16_t)(best.y + dec_mv_component(d, f->st.mv[0]));
				v.x = (int16_t)(best.x + dec_mv_component(d, f->st.mv[1]));
				break;
			}
			for (int j = 0; j < 16; j++)
				if (mbsplits[m->part][j] == n)
					m->bmv[j] = v;
		}
		m->mv = m->bmv[15];
		/* re-encode below with the new best vector */
		int nb[4];
		near_mvs(f, x, y, m->ref, f->sign_bias, near, nb, &nbest);
		for (int i = 0; i < 4; i++)
			p[i] = mode_contexts[nb[i]][i];
		enc_tree(e, mv_ref_tree, p, MV_SPLIT);
		enc_tree(e, mvpartition_tree, mvpartition_probs, m->part);
		for (int n = 0, k = 0; n < mbsplit_count[m->part]; n++) {
			while (mbsplits[m->part][k] != n)
				k++;
			struct mv l = sub_left(f, x, y, m, k), a = sub_above(f, x, y, m, k);
			const uint8_t *sp = sub_mv_ref_prob[sub_ctx(l, a)];

			enc_tree(e, sub_mv_ref_tree, sp, sub_mode[n]);
			if (sub_mode[n] == SUB_NEW) {
				enc_mv_component(e, f->st.mv[0], m->bmv[k].y - nbest.y);
				enc_mv_component(e, f->st.mv[1], m->bmv[k].x - nbest.x);
			}
		}
		d->echo = echo;
		return !mv_eq(best, nbest) || memcmp(nb, cnt, sizeof(nb));
	}
	}
	for (int j = 0; j < 16; j++)
		m->bmv[j] = m->mv;
	d->echo = echo;

	/* the same vector against the new candidates */
	near_mvs(f, x, y, m->ref, f->sign_bias, near, ncnt, &nbest);
	changed = !mv_eq(best, nbest) || memcmp(ncnt, cnt, sizeof(cnt));
	for (int i = 0; i < 4; i++)
		p[i] = mode_contexts[ncnt[i]][i];
	if (m->mode == MV_ZERO) {
		enc_tree(e, mv_ref_tree, p, MV_ZERO);
	} else if (mv_eq(m->mv, near[1])) {
		enc_tree(e, mv_ref_tree, p, MV_NEAREST);
	} else if (mv_eq(m->mv, near[2])) {
		enc_tree(e, mv_ref_tree, p, MV_NEAR);
	} else {
		enc_tree(e, mv_ref_tree, p, MV_NEW);
		enc_mv_component(e, f->st.mv[0], m->mv.y - nbest.y);
		enc_mv_component(e, f->st.mv[1], m->mv.x - nbest.x);
	}
	/* the loop filter tells ZERO and SPLIT from the other modes only */
	if (m->mode != MV_ZERO)
		m->mode = MV_NEW;
	return changed;
}

/* Rewrites the first partition of an inter frame; returns the macroblocks whose candidates
 * changed. `out` gets the new partition. */
static int rewrite_partition(struct frame_ctx *f, struct state *saved, const uint8_t *part,
			     size_t size, struct benc *out)
{
	struct bdec d = {.buf = part, .size = size, .range = 255, .echo = out};
	int old_bias[4] = {0, 0, 0, 0}, changed = 0;
	bool refresh_entropy;

	d.value = (uint32_t)dec_byte(&d) << 8;
	d.value |= dec_byte(&d);
	out->range = 255;
	out->bit_count = 24;

	/* 19.2 frame header of an inter frame */
	f->seg_map = false;
	memset(f->seg_prob, 255, 3);
	if (dec_lit(&d, 1)) { /* segmentation_enabled */
		f->seg_map = dec_lit(&d, 1);
		if (dec_lit(&d, 1)) { /* update_segment_feature_data */
			dec_lit(&d, 1);
			for (int i = 0; i < 4; i++)
				dec_opt_signed(&d, 7);
			for (int i = 0; i < 4; i++)
				dec_opt_signed(&d, 6);
		}
		if (f->seg_map)
			for (int i = 0; i < 3; i++)
				f->seg_prob[i] = dec_lit(&d, 1) ? (uint8_t)dec_lit(&d, 8) : 255;
	}
	dec_lit(&d, 1 + 6 + 3); /* filter_type, loop_filter_level, sharpness_level */
	if (dec_lit(&d, 1) && dec_lit(&d, 1))
		for (int i = 0; i < 8; i++)
			dec_opt_signed(&d, 6);
	dec_lit(&d, 2); /* log2_nbr_of_dct_partitions */
	dec_lit(&d, 7);
	for (int i = 0; i < 5; i++)
		dec_opt_signed(&d, 4);
	bool refresh_golden = dec_lit(&d, 1), refresh_alt = dec_lit(&d, 1);
	if (!refresh_golden)
		dec_lit(&d, 2);
	if (!refresh_alt)
		dec_lit(&d, 2);
	d.echo = NULL;
	old_bias[2] = (int)dec_lit(&d, 1);
	enc_bool(out, 128, 1); /* sign_bias_golden */
	d.echo = out;
	old_bias[3] = (int)dec_lit(&d, 1);
	f->sign_bias[0] = f->sign_bias[1] = 0;
	f->sign_bias[2] = 1;
	f->sign_bias[3] = old_bias[3];
	refresh_entropy = dec_lit(&d, 1);
	if (!refresh_entropy)
		*saved = f->st;
	dec_lit(&d, 1); /* refresh_last */
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 3; k++)
				for (int l = 0; l < 11; l++)
					if (dec_bool(&d, vp8_coeff_update[i][j][k][l]))
						dec_lit(&d, 8);
	f->skip_enabled = dec_lit(&d, 1);
	f->prob_skip = f->skip_enabled ? (uint8_t)dec_lit(&d, 8) : 0;
	f->prob_intra = (uint8_t)dec_lit(&d, 8);
	f->prob_last = (uint8_t)dec_lit(&d, 8);
	f->prob_gf = (uint8_t)dec_lit(&d, 8);
	if (dec_lit(&d, 1))
		for (int i = 0; i < 4; i++)
			f->st.ymode[i] = (uint8_t)dec_lit(&d, 8);
	if (dec_lit(&d, 1))
		for (int i = 0; i < 3; i++)
			f->st.uvmode[i] = (uint8_t)dec_lit(&d, 8);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 19; j++)
			if (dec_bool(&d, mv_update[i][j])) {
				unsigned v = dec_lit(&d, 7);

				f->st.mv[i][j] = (uint8_t)(v ? v << 1 : 1);
			}

	/* 19.3 macroblock headers */
	memset(f->mbs, 0, sizeof(*f->mbs) * (size_t)(f->mbw + 1) * (size_t)(f->mbh + 1));
	for (int y = 0; y < f->mbh; y++)
		for (int x = 0; x < f->mbw; x++) {
			struct mb *m = mb_at(f, x, y);

			if (f->seg_map)
				dec_tree(&d, segment_tree, f->seg_prob);
			if (f->skip_enabled)
				dec_bool(&d, f->prob_skip);
			if (dec_bool(&d, f->prob_intra)) {
				m->ref = 1;
				if (dec_bool(&d, f->prob_last))
					m->ref = 2 + dec_bool(&d, f->prob_gf);
				changed += inter_mb(f, &d, out, x, y, old_bias);
			} else {
				m->ref = 0;
				if (dec_tree(&d, ymode_tree, f->st.ymode) == 4)
					for (int i = 0; i < 16; i++)
						dec_tree(&d, bmode_tree, bmode_prob_inter);
				dec_tree(&d, uvmode_tree, f->st.uvmode);
			}
		}
	if (d.pos > d.size + 2)
		die("first partition overrun");
	enc_flush(out);
	if (!refresh_entropy)
		f->st = *saved;
	return changed;
}

static void default_state(struct state *st)
{
	memcpy(st->ymode, ymode_default, 4);
	memcpy(st->uvmode, uvmode_default, 3);
	memcpy(st->mv, mv_default, sizeof(st->mv));
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	uint8_t hdr[32], fh[12];
	struct frame_ctx f;
	struct state saved;
	int frames = 0, rewritten = 0, changed = 0;

	if (argc != 3)
		die("usage: vp8-signbias IN.ivf OUT.ivf");
	in = fopen(argv[1], "rb");
	out = fopen(argv[2], "wb");
	if (!in || !out || fread(hdr, 1, 32, in) != 32 || memcmp(hdr, "DKIF", 4))
		die("cannot read the IVF input or write the output");
	fwrite(hdr, 1, 32, out);
	memset(&f, 0, sizeof(f));
	default_state(&f.st);
	while (fread(fh, 1, 12, in) == 12) {
		uint32_t size = fh[0] | fh[1] << 8 | fh[2] << 16 | (uint32_t)fh[3] << 24;
		uint8_t *fr = size >= 3 && size < (64u << 20) ? malloc(size) : NULL;

		if (!fr || fread(fr, 1, size, in) != size)
			die("truncated frame");
		frames++;
		uint32_t tag = fr[0] | fr[1] << 8 | (uint32_t)fr[2] << 16, first = tag >> 5;
		if (!(tag & 1)) { /* key frame: dimensions, probabilities back to their defaults */
			if (size < 10)
				die("short key frame");
			int w = (fr[6] | fr[7] << 8) & 0x3fff, h = (fr[8] | fr[9] << 8) & 0x3fff;

			f.mbw = (w + 15) / 16;
			f.mbh = (h + 15) / 16;
			free(f.mbs);
			f.mbs = calloc((size_t)(f.mbw + 1) * (size_t)(f.mbh + 1), sizeof(*f.mbs));
			if (!f.mbs)
				die("out of memory");
			default_state(&f.st);
			fwrite(fh, 1, 12, out);
			fwrite(fr, 1, size, out);
			free(fr);
			continue;
		}
		if (!f.mbs || first > size - 3)
			die("inter frame before a key frame, or bad partition size");
		struct benc e = {0};

		changed += rewrite_partition(&f, &saved, fr + 3, first, &e);
		if (e.len >= (1u << 19))
			die("first partition too large");
		uint32_t nsize = 3 + (uint32_t)e.len + (size - 3 - first);
		uint32_t ntag = (tag & 0x1f) | (uint32_t)e.len << 5;
		uint8_t nfh[12],
		    t[3] = {(uint8_t)ntag, (uint8_t)(ntag >> 8), (uint8_t)(ntag >> 16)};

		memcpy(nfh, fh, 12);
		for (int i = 0; i < 4; i++)
			nfh[i] = (uint8_t)(nsize >> (8 * i));
		fwrite(nfh, 1, 12, out);
		fwrite(t, 1, 3, out);
		fwrite(e.buf, 1, e.len, out);
		fwrite(fr + 3 + first, 1, size - 3 - first, out);
		free(e.buf);
		free(fr);
		rewritten++;
	}
	free(f.mbs);
	fclose(in);
	if (fclose(out))
		die("write error");
	printf("%d frames, %d inter frames rewritten with sign_bias_golden=1, %d macroblocks with "
	       "other candidates\n",
	       frames, rewritten, changed);
	return rewritten ? 0 : 1;
}
