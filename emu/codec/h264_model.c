/* SPDX-License-Identifier: MIT */
/*
 * Emulated H.264 decoder: the device's own model of picture order count (8.2.1) and of
 * decoded reference picture marking (8.2.5: IDR, sliding window, MMCO 1-6, gaps in frame_num,
 * fields and complementary field pairs). Used to check DECODE_PARAMS and the DPB of each request.
 */
#include <stdint.h>
#include <string.h>

#include "h264_int.h"

void h264_model_reset(struct h264_model *m)
{
	memset(m, 0, sizeof(*m));
	m->max_long_term_frame_idx = -1;
	m->prev_field_fs = -1;
}

static uint32_t max_frame_num(const struct v4l2_ctrl_h264_sps *sps)
{
	return 1u << (sps->log2_max_frame_num_minus4 + 4);
}

bool h264_model_is_second_field(const struct h264_model *m, const struct h264_slice *s)
{
	return m->have_prev_field && s->field_pic && s->bottom_field != m->prev_field_bottom &&
	       s->frame_num == m->prev_field_frame_num && (m->prev_field_ref || !s->nal_ref_idc);
}

/* Two's complement wrap to 32 bits: garbage controls must not overflow (UB); valid streams
 * never leave the int32 range, where this is exact. */
static int32_t w32(uint64_t v)
{
	return (int32_t)(uint32_t)v;
}

static int32_t frame_num_offset(const struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
				const struct h264_slice *s)
{
	if (s->idr)
		return 0;
	if (m->prev_frame_num > s->frame_num)
		return w32((uint64_t)(int64_t)m->prev_frame_num_offset + max_frame_num(sps));
	return m->prev_frame_num_offset;
}

void h264_model_poc(const struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
		    const struct h264_slice *s, struct h264_cur_poc *poc)
{
	bool top_only = s->field_pic && !s->bottom_field;
	bool bottom_only = s->field_pic && s->bottom_field;

	poc->top = poc->bottom = 0;
	if (sps->pic_order_cnt_type == 0) {
		int64_t max_lsb = (int64_t)1 << (sps->log2_max_pic_order_cnt_lsb_minus4 + 4);
		int64_t prev_msb = s->idr ? 0 : m->prev_poc_msb;
		int64_t prev_lsb = s->idr ? 0 : m->prev_poc_lsb;
		int64_t lsb = s->poc_lsb, msb;

		if (lsb < prev_lsb && prev_lsb - lsb >= max_lsb / 2)
			msb = prev_msb + max_lsb;
		else if (lsb > prev_lsb && lsb - prev_lsb > max_lsb / 2)
			msb = prev_msb - max_lsb;
		else
			msb = prev_msb;
		if (!bottom_only)
			poc->top = w32((uint64_t)(msb + lsb));
		if (!s->field_pic)
			poc->bottom =
			    w32((uint64_t)poc->top + (uint64_t)(int64_t)s->delta_poc_bottom);
		else if (bottom_only)
			poc->bottom = w32((uint64_t)(msb + lsb));
	} else if (sps->pic_order_cnt_type == 1) {
		/* modular (unsigned) arithmetic: exact for valid streams, defined for garbage */
		int64_t fno = frame_num_offset(m, sps, s);
		int n = sps->num_ref_frames_in_pic_order_cnt_cycle;
		int64_t abs = n ? fno + s->frame_num : 0;
		uint64_t expected = 0;

		if (s->nal_ref_idc == 0 && abs > 0)
			abs--;
		if (abs > 0) {
			uint64_t delta_cycle = 0, cycle_cnt = (uint64_t)((abs - 1) / n);
			int in_cycle = (int)((abs - 1) % n);

			for (int i = 0; i < n; i++)
				delta_cycle += (uint64_t)(int64_t)sps->offset_for_ref_frame[i];
			expected = cycle_cnt * delta_cycle;
			for (int i = 0; i <= in_cycle; i++)
				expected += (uint64_t)(int64_t)sps->offset_for_ref_frame[i];
		}
		if (s->nal_ref_idc == 0)
			expected += (uint64_t)(int64_t)sps->offset_for_non_ref_pic;
		if (!s->field_pic) {
			poc->top = w32(expected + (uint64_t)(int64_t)s->delta_poc[0]);
			poc->bottom = w32((uint64_t)(int64_t)poc->top +
					  (uint64_t)(int64_t)sps->offset_for_top_to_bottom_field +
					  (uint64_t)(int64_t)s->delta_poc[1]);
		} else if (top_only) {
			poc->top = w32(expected + (uint64_t)(int64_t)s->delta_poc[0]);
		} else {
			poc->bottom =
			    w32(expected + (uint64_t)(int64_t)sps->offset_for_top_to_bottom_field +
				(uint64_t)(int64_t)s->delta_poc[0]);
		}
	} else {
		int64_t fno = frame_num_offset(m, sps, s), t;

		if (s->idr)
			t = 0;
		else if (s->nal_ref_idc == 0)
			t = 2 * (fno + s->frame_num) - 1;
		else
			t = 2 * (fno + s->frame_num);
		if (!bottom_only)
			poc->top = w32((uint64_t)t);
		if (!top_only)
			poc->bottom = w32((uint64_t)t);
	}
}

static bool fs_is_ref(const struct h264_fs *f)
{
	return f->in_use && (f->ref[0] || f->ref[1]);
}

static void fs_release_unused(struct h264_model *m)
{
	for (int i = 0; i < H264_MAX_FS; i++)
		if (m->fs[i].in_use && !fs_is_ref(&m->fs[i]))
			m->fs[i].in_use = false;
}

static void update_wrap(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
			uint32_t frame_num)
{
	for (int i = 0; i < H264_MAX_FS; i++) {
		struct h264_fs *f = &m->fs[i];

		if (!f->in_use)
			continue;
		f->frame_num_wrap = f->frame_num > frame_num
					? (int32_t)f->frame_num - (int32_t)max_frame_num(sps)
					: (int32_t)f->frame_num;
	}
}

static void sliding_window(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
			   const struct h264_fs *exclude)
{
	int num = 0, oldest = -1;
	int max = sps->max_num_ref_frames ? sps->max_num_ref_frames : 1;

	for (int i = 0; i < H264_MAX_FS; i++) {
		struct h264_fs *f = &m->fs[i];

		if (!fs_is_ref(f) || f == exclude)
			continue;
		num++;
		if ((f->ref[0] == 1 || f->ref[1] == 1) &&
		    (oldest < 0 || f->frame_num_wrap < m->fs[oldest].frame_num_wrap))
			oldest = i;
	}
	if (num >= max && oldest >= 0) {
		struct h264_fs *f = &m->fs[oldest];

		for (int p = 0; p < 2; p++)
			if (f->ref[p] == 1)
				f->ref[p] = 0;
	}
	fs_release_unused(m);
}

static struct h264_fs *fs_alloc(struct h264_model *m)
{
	for (int i = 0; i < H264_MAX_FS; i++) {
		if (!m->fs[i].in_use) {
			memset(&m->fs[i], 0, sizeof(m->fs[i]));
			m->fs[i].in_use = true;
			m->fs[i].capture_index = -1;
			return &m->fs[i];
		}
	}
	return NULL;
}

void h264_model_gaps(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
		     const struct h264_slice *s)
{
	uint32_t max = max_frame_num(sps), n;
	int guard = 0;

	if (h264_model_is_second_field(m, s))
		return;
	/* An IDR picture is decoded with an empty DPB (8.2.5.1: all references are dropped). */
	if (s->idr) {
		for (int i = 0; i < H264_MAX_FS; i++)
			m->fs[i].in_use = false;
		return;
	}
	if (!m->started)
		return;
	if (s->frame_num == m->prev_ref_frame_num ||
	    s->frame_num == (m->prev_ref_frame_num + 1) % max)
		return;
	for (n = (m->prev_ref_frame_num + 1) % max; n != s->frame_num && guard < 65536;
	     n = (n + 1) % max, guard++) {
		struct h264_fs *f;

		update_wrap(m, sps, n);
		sliding_window(m, sps, NULL);
		f = fs_alloc(m);
		if (!f)
			break;
		f->non_existing = true;
		f->frame_num = n;
		f->frame_num_wrap = (int32_t)n;
		f->ref[0] = f->ref[1] = 1;
		f->decoded[0] = f->decoded[1] = true;
		m->prev_ref_frame_num = n;
		if (m->prev_frame_num > n)
			m->prev_frame_num_offset =
			    w32((uint64_t)(int64_t)m->prev_frame_num_offset + max);
		m->prev_frame_num = n;
	}
	m->have_prev_field = false;
}

/* Mark the short-term picture picNumX (frame or field) unused, or return it. */
static struct h264_fs *find_short(struct h264_model *m, const struct h264_slice *s, int32_t pic_num,
				  int *parity)
{
	int cur_par = s->bottom_field ? 1 : 0;

	for (int i = 0; i < H264_MAX_FS; i++) {
		struct h264_fs *f = &m->fs[i];

		if (!f->in_use)
			continue;
		if (!s->field_pic) {
			if (f->ref[0] == 1 && f->ref[1] == 1 && f->frame_num_wrap == pic_num) {
				*parity = -1;
				return f;
			}
			continue;
		}
		for (int p = 0; p < 2; p++) {
			if (f->ref[p] == 1 && 2 * f->frame_num_wrap + (p == cur_par) == pic_num) {
				*parity = p;
				return f;
			}
		}
	}
	return NULL;
}

static struct h264_fs *find_long(struct h264_model *m, const struct h264_slice *s, uint32_t lt_num,
				 int *parity)
{
	int cur_par = s->bottom_field ? 1 : 0;

	for (int i = 0; i < H264_MAX_FS; i++) {
		struct h264_fs *f = &m->fs[i];

		if (!f->in_use)
			continue;
		if (!s->field_pic) {
			if (f->ref[0] == 2 && f->ref[1] == 2 && f->long_term_frame_idx == lt_num) {
				*parity = -1;
				return f;
			}
			continue;
		}
		for (int p = 0; p < 2; p++) {
			if (f->ref[p] == 2 &&
			    2 * f->long_term_frame_idx + (uint32_t)(p == cur_par) == lt_num) {
				*parity = p;
				return f;
			}
		}
	}
	return NULL;
}

static void unmark(struct h264_fs *f, int parity, int kind)
{
	for (int p = 0; p < 2; p++)
		if ((parity < 0 || parity == p) && f->ref[p] == kind)
			f->ref[p] = 0;
}

/* Free LongTermFrameIdx `idx` unless it belongs to frame store `keep`. */
static void free_ltfi(struct h264_model *m, uint32_t idx, const struct h264_fs *keep)
{
	for (int i = 0; i < H264_MAX_FS; i++) {
		struct h264_fs *f = &m->fs[i];

		if (f == keep || !f->in_use || f->long_term_frame_idx != idx)
			continue;
		unmark(f, -1, 2);
	}
}

void h264_model_finish(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
		       const struct h264_slice *s, const struct h264_cur_poc *poc,
		       int capture_index, uint64_t ts)
{
	bool second = h264_model_is_second_field(m, s);
	int par = s->bottom_field ? 1 : 0;
	struct h264_fs *cur = NULL;
	bool mmco5 = false, cur_long = false;
	int64_t top = poc->top, bottom = poc->bottom;

	m->started = true;
	update_wrap(m, sps, s->frame_num);
	if (second && m->prev_field_fs >= 0)
		cur = &m->fs[m->prev_field_fs];

	if (s->nal_ref_idc) {
		if (s->idr) {
			for (int i = 0; i < H264_MAX_FS; i++)
				if (&m->fs[i] != cur)
					m->fs[i].in_use = false;
			if (s->long_term_reference_flag) {
				cur_long = true;
				m->max_long_term_frame_idx = 0;
			} else {
				m->max_long_term_frame_idx = -1;
			}
		} else if (s->adaptive_marking) {
			int32_t curr_pic_num =
			    s->field_pic ? 2 * (int32_t)s->frame_num + 1 : (int32_t)s->frame_num;

			for (int i = 0; i < s->n_mmco; i++) {
				const struct h264_mmco *op = &s->mmco[i];
				struct h264_fs *f;
				int p;

				switch (op->op) {
				case 1:
					f = find_short(m, s,
						       curr_pic_num -
							   (int32_t)(op->diff_pic_nums_minus1 + 1),
						       &p);
					if (f)
						unmark(f, p, 1);
					break;
				case 2:
					f = find_long(m, s, op->long_term_pic_num, &p);
					if (f)
						unmark(f, p, 2);
					break;
				case 3:
					f = find_short(m, s,
						       curr_pic_num -
							   (int32_t)(op->diff_pic_nums_minus1 + 1),
						       &p);
					if (!f)
						break;
					free_ltfi(m, op->long_term_frame_idx, f);
					/* a field joining a long-term field of another index */
					if (f->long_term_frame_idx != op->long_term_frame_idx)
						unmark(f, -1, 2);
					for (int q = 0; q < 2; q++)
						if ((p < 0 || p == q) && f->ref[q] == 1)
							f->ref[q] = 2;
					f->long_term_frame_idx = op->long_term_frame_idx;
					break;
				case 4:
					m->max_long_term_frame_idx =
					    (int)op->max_long_term_frame_idx_plus1 - 1;
					for (int j = 0; j < H264_MAX_FS; j++) {
						struct h264_fs *g = &m->fs[j];

						if (g->in_use && (int)g->long_term_frame_idx >
								     m->max_long_term_frame_idx)
							unmark(g, -1, 2);
					}
					break;
				case 5:
					for (int j = 0; j < H264_MAX_FS; j++)
						if (&m->fs[j] != cur) {
							unmark(&m->fs[j], -1, 1);
							unmark(&m->fs[j], -1, 2);
						}
					m->max_long_term_frame_idx = -1;
					mmco5 = true;
					break;
				case 6:
					free_ltfi(m, op->long_term_frame_idx, cur);
					cur_long = true;
					if (cur)
						cur->long_term_frame_idx = op->long_term_frame_idx;
					break;
				default:
					break;
				}
			}
		} else if (!(second && cur)) {
			sliding_window(m, sps, cur);
		}
		fs_release_unused(m);
		if (!cur)
			cur = fs_alloc(m);
		if (cur) {
			/* the first field's store stays even when an MMCO unmarked that field */
			cur->in_use = true;
			uint32_t ltfi = cur->long_term_frame_idx;

			if (!cur->decoded[0] && !cur->decoded[1]) {
				/* new store */
				ltfi = 0;
				for (int i = 0; i < s->n_mmco; i++)
					if (s->mmco[i].op == 6)
						ltfi = s->mmco[i].long_term_frame_idx;
			}
			cur->frame_num = mmco5 ? 0 : s->frame_num;
			cur->frame_num_wrap = (int32_t)cur->frame_num;
			cur->long_term_frame_idx = cur_long ? ltfi : cur->long_term_frame_idx;
			cur->field_coded = s->field_pic;
			for (int p = 0; p < 2; p++) {
				if (s->field_pic && p != par)
					continue;
				cur->ref[p] = cur_long ? 2 : 1;
				cur->decoded[p] = true;
			}
			cur->capture_index = capture_index;
			cur->ts = ts;
		}
	}

	/* POC bookkeeping */
	if (mmco5) {
		int64_t tmp;

		if (!s->field_pic) {
			tmp = top < bottom ? top : bottom;
			top -= tmp;
			bottom -= tmp;
		} else if (s->bottom_field) {
			bottom = 0;
		} else {
			top = 0;
		}
	}
	if (cur && s->nal_ref_idc) {
		if (!s->field_pic || !s->bottom_field)
			cur->poc[0] = w32((uint64_t)top);
		if (!s->field_pic || s->bottom_field)
			cur->poc[1] = w32((uint64_t)bottom);
	}
	if (s->nal_ref_idc) {
		if (sps->pic_order_cnt_type == 0) {
			if (mmco5) {
				m->prev_poc_msb = 0;
				m->prev_poc_lsb =
				    (s->field_pic && s->bottom_field) ? 0 : w32((uint64_t)top);
			} else {
				int32_t v =
				    (s->field_pic && s->bottom_field) ? poc->bottom : poc->top;

				m->prev_poc_lsb = (int32_t)s->poc_lsb;
				m->prev_poc_msb = w32((uint64_t)((int64_t)v - s->poc_lsb));
			}
		}
		m->prev_ref_frame_num = mmco5 ? 0 : s->frame_num;
	}
	m->prev_frame_num_offset = mmco5 ? 0 : frame_num_offset(m, sps, s);
	m->prev_frame_num = mmco5 ? 0 : s->frame_num;

	/* field pairing state */
	if (s->field_pic && !second) {
		m->have_prev_field = true;
		m->prev_field_bottom = s->bottom_field;
		m->prev_field_frame_num = s->frame_num;
		m->prev_field_ref = s->nal_ref_idc != 0;
		m->prev_field_fs = (s->nal_ref_idc && cur) ? (int)(cur - m->fs) : -1;
		m->prev_field_capture = capture_index;
	} else {
		m->have_prev_field = false;
		m->prev_field_fs = -1;
	}
}

/* ---- reference picture lists (8.2.4) ---- */

struct ref_cand {
	int fs;
	int32_t key;
};

static void sort_cands(struct ref_cand *c, int n, bool descending)
{
	for (int i = 1; i < n; i++) {
		struct ref_cand t = c[i];
		int j = i - 1;

		while (j >= 0 && (descending ? c[j].key < t.key : c[j].key > t.key)) {
			c[j + 1] = c[j];
			j--;
		}
		c[j + 1] = t;
	}
}

/* POC of a frame store for list ordering: the minimum over its fields marked with `kind`. */
static int32_t fs_poc(const struct h264_fs *f, int kind)
{
	int32_t v = INT32_MAX;

	for (int p = 0; p < 2; p++)
		if (f->ref[p] == kind && f->decoded[p] && f->poc[p] < v)
			v = f->poc[p];
	return v;
}

/* 8.2.4.2.5: alternate fields of the ordered frame list, same parity first. */
static int alternate(const struct h264_model *m, const struct ref_cand *frames, int nf, int kind,
		     int cur_par, struct h264_ref *out, int max)
{
	int idx[2] = {0, 0}, n = 0, par = cur_par;

	for (;;) {
		int *i = &idx[par];

		while (*i < nf && m->fs[frames[*i].fs].ref[par] != kind)
			(*i)++;
		if (*i < nf) {
			if (n < max)
				out[n++] = (struct h264_ref){frames[*i].fs, par};
			(*i)++;
			par ^= 1;
			continue;
		}
		/* this parity is exhausted: the rest of the other parity, in order */
		par ^= 1;
		for (int *k = &idx[par]; *k < nf; (*k)++)
			if (m->fs[frames[*k].fs].ref[par] == kind && n < max)
				out[n++] = (struct h264_ref){frames[*k].fs, par};
		return n;
	}
}

static int init_list(const struct h264_model *m, const struct h264_slice *s, int32_t cur_poc, int l,
		     struct h264_ref *out)
{
	struct ref_cand st[H264_MAX_FS], lt[H264_MAX_FS];
	int nst = 0, nlt = 0, n = 0, cur_par = s->bottom_field ? 1 : 0;
	bool b = s->slice_type == 1;

	for (int i = 0; i < H264_MAX_FS; i++) {
		const struct h264_fs *f = &m->fs[i];
		bool any_st = f->ref[0] == 1 || f->ref[1] == 1;
		bool any_lt = f->ref[0] == 2 || f->ref[1] == 2;

		if (!f->in_use)
			continue;
		if (!s->field_pic) {
			/* frames: both fields must be marked the same */
			any_st = f->ref[0] == 1 && f->ref[1] == 1;
			any_lt = f->ref[0] == 2 && f->ref[1] == 2;
		}
		if (any_st && !(b && f->non_existing)) {
			st[nst].fs = i;
			st[nst++].key = b ? fs_poc(f, 1) : f->frame_num_wrap;
		}
		if (any_lt) {
			lt[nlt].fs = i;
			lt[nlt++].key = (int32_t)f->long_term_frame_idx;
		}
	}
	sort_cands(lt, nlt, false);
	if (!b) {
		sort_cands(st, nst, true);
	} else {
		/* l0: POC before (or equal, fields) descending, then after ascending; l1 reversed
		 */
		struct ref_cand before[H264_MAX_FS], after[H264_MAX_FS];
		int nb = 0, na = 0;

		for (int i = 0; i < nst; i++) {
			bool is_before = s->field_pic ? st[i].key <= cur_poc : st[i].key < cur_poc;

			if (is_before)
				before[nb++] = st[i];
			else
				after[na++] = st[i];
		}
		sort_cands(before, nb, true);
		sort_cands(after, na, false);
		nst = 0;
		for (int i = 0; i < (l == 0 ? nb : na); i++)
			st[nst++] = l == 0 ? before[i] : after[i];
		for (int i = 0; i < (l == 0 ? na : nb); i++)
			st[nst++] = l == 0 ? after[i] : before[i];
	}
	if (!s->field_pic) {
		for (int i = 0; i < nst; i++)
			out[n++] = (struct h264_ref){st[i].fs, -1};
		for (int i = 0; i < nlt; i++)
			out[n++] = (struct h264_ref){lt[i].fs, -1};
		return n;
	}
	n = alternate(m, st, nst, 1, cur_par, out, 32);
	n += alternate(m, lt, nlt, 2, cur_par, out + n, 32 - n);
	return n;
}

static int32_t pic_num_of(const struct h264_model *m, const struct h264_slice *s,
			  const struct h264_ref *r, bool lt)
{
	const struct h264_fs *f = &m->fs[r->fs];
	int32_t base = lt ? (int32_t)f->long_term_frame_idx : f->frame_num_wrap;

	if (!s->field_pic)
		return base;
	return 2 * base + (r->parity == (s->bottom_field ? 1 : 0) ? 1 : 0);
}

int h264_model_ref_lists(const struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
			 const struct h264_slice *s, const struct h264_cur_poc *poc,
			 struct h264_ref list[2][33], int n[2])
{
	int32_t cur_poc;
	int32_t max_pic_num = (int32_t)max_frame_num(sps) * (s->field_pic ? 2 : 1);
	int32_t curr_pic_num = s->field_pic ? 2 * (int32_t)s->frame_num + 1 : (int32_t)s->frame_num;
	struct h264_model tmp;
	int ret = 0;

	/* FrameNumWrap relative to the current frame_num */
	tmp = *m;
	update_wrap(&tmp, sps, s->frame_num);
	m = &tmp;
	if (!s->field_pic)
		cur_poc = poc->top < poc->bottom ? poc->top : poc->bottom;
	else
		cur_poc = s->bottom_field ? poc->bottom : poc->top;

	n[0] = n[1] = 0;
	for (int l = 0; l < 2; l++) {
		struct h264_ref *ls = list[l];
		int len, active = (int)s->num_ref_idx_active_minus1[l] + 1;
		int32_t pred = curr_pic_num;

		if ((l == 0 && (s->slice_type == 2 || s->slice_type == 4)) ||
		    (l == 1 && s->slice_type != 1))
			continue;
		len = init_list(m, s, cur_poc, l, ls);
		if (l == 1 && len > 1) {
			/* identical to the initial list 0: swap the first two (8.2.4.2.3/4) */
			struct h264_ref l0[33];
			int k0 = init_list(m, s, cur_poc, 0, l0);
			bool same = k0 == len;

			for (int i = 0; same && i < len; i++)
				same = l0[i].fs == ls[i].fs && l0[i].parity == ls[i].parity;
			if (same) {
				struct h264_ref t = ls[0];

				ls[0] = ls[1];
				ls[1] = t;
			}
		}
		if (len > active)
			len = active;
		for (int i = len; i < 33; i++)
			ls[i] = (struct h264_ref){-1, -1};
		/* modifications (8.2.4.3) */
		for (int k = 0; k < s->n_rplm[l] && k < active; k++) {
			const struct h264_rplm *op = &s->rplm[l][k];
			struct h264_ref found = {-1, -1};
			bool lt = op->idc == 2;
			int32_t target;

			if (op->idc == 0 || op->idc == 1) {
				int32_t d = (int32_t)op->val + 1, nowrap;

				if (op->idc == 0) {
					nowrap = pred - d;
					if (nowrap < 0)
						nowrap += max_pic_num;
				} else {
					nowrap = pred + d;
					if (nowrap >= max_pic_num)
						nowrap -= max_pic_num;
				}
				pred = nowrap;
				target = nowrap > curr_pic_num ? nowrap - max_pic_num : nowrap;
			} else if (op->idc == 2) {
				target = (int32_t)op->val;
			} else {
				continue; /* 4/5: MVC only */
			}
			for (int i = 0; i < H264_MAX_FS && found.fs < 0; i++) {
				const struct h264_fs *f = &m->fs[i];

				for (int p = s->field_pic ? 0 : -1; p < (s->field_pic ? 2 : 0);
				     p++) {
					struct h264_ref r = {i, p};
					bool marked = p < 0 ? (f->ref[0] == (lt ? 2 : 1) &&
							       f->ref[1] == (lt ? 2 : 1))
							    : f->ref[p] == (lt ? 2 : 1);

					if (f->in_use && marked &&
					    pic_num_of(m, s, &r, lt) == target) {
						found = r;
						break;
					}
				}
			}
			if (found.fs < 0) {
				ret = -1;
				continue;
			}
			/* insert at k, shift, drop the later duplicate */
			for (int i = active; i > k; i--)
				ls[i] = ls[i - 1];
			ls[k] = found;
			{
				int w = k + 1;

				for (int i = k + 1; i <= active; i++)
					if (ls[i].fs != found.fs || ls[i].parity != found.parity)
						ls[w++] = ls[i];
				for (; w <= active; w++)
					ls[w] = (struct h264_ref){-1, -1};
			}
		}
		n[l] = active;
	}
	return ret;
}
