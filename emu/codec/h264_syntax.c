/* SPDX-License-Identifier: MIT */
/*
 * Emulated H.264 decoder: bit reader and writer, SPS/PPS NAL rebuild from the uAPI controls and
 * the device's own slice-header parser (7.3.3).
 */
#include <stdlib.h>
#include <string.h>

#include "h264_int.h"

const uint8_t h264_zigzag4x4[16] = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};

const uint8_t h264_zigzag8x8[64] = {
    0,	1,  8,	16, 9,	2,  3,	10, 17, 24, 32, 25, 18, 11, 4,	5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,	14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

/* ---- reader ---- */

void h264_br_init(struct h264_br *br, const uint8_t *p, size_t size)
{
	memset(br, 0, sizeof(*br));
	br->p = p;
	br->size = size;
}

static int br_bit(struct h264_br *br)
{
	int v;

	if (br->bit == 0 && br->byte < br->size && br->zeros >= 2 && br->p[br->byte] == 3) {
		br->byte++;
		br->epb++;
		br->zeros = 0;
	}
	if (br->byte >= br->size) {
		br->err = true;
		return 0;
	}
	v = (br->p[br->byte] >> (7 - br->bit)) & 1;
	if (++br->bit == 8) {
		br->zeros = br->p[br->byte] == 0 ? br->zeros + 1 : 0;
		br->bit = 0;
		br->byte++;
	}
	return v;
}

uint32_t h264_br_u(struct h264_br *br, int n)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 1) | (uint32_t)br_bit(br);
	return v;
}

uint32_t h264_br_ue(struct h264_br *br)
{
	int lz = 0;

	while (!br_bit(br)) {
		if (br->err || ++lz > 31) {
			br->err = true;
			return 0;
		}
	}
	return (uint32_t)(((uint64_t)1 << lz) - 1 + h264_br_u(br, lz));
}

int32_t h264_br_se(struct h264_br *br)
{
	uint32_t k = h264_br_ue(br);

	return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

size_t h264_br_raw_pos(const struct h264_br *br)
{
	return br->byte * 8 + (size_t)br->bit;
}

size_t h264_br_rbsp_pos(const struct h264_br *br)
{
	return h264_br_raw_pos(br) - br->epb * 8;
}

bool h264_br_more_rbsp_data(struct h264_br *br)
{
	size_t last = br->size;

	while (last > 0 && br->p[last - 1] == 0)
		last--;
	if (last == 0)
		return false;
	/* raw position of the stop bit */
	size_t stop = (last - 1) * 8 + 7;
	for (uint8_t b = br->p[last - 1]; !(b & 1); b >>= 1)
		stop--;
	return h264_br_raw_pos(br) < stop && !br->err;
}

/* ---- writer ---- */

void h264_bw_init(struct h264_bw *bw)
{
	memset(bw, 0, sizeof(*bw));
}

void h264_bw_free(struct h264_bw *bw)
{
	free(bw->buf);
	memset(bw, 0, sizeof(*bw));
}

static void bw_byte(struct h264_bw *bw, uint8_t b)
{
	if (bw->len + 1 > bw->cap) {
		size_t cap = bw->cap ? bw->cap * 2 : 1024;
		uint8_t *nb = realloc(bw->buf, cap);

		if (!nb) {
			bw->err = true;
			return;
		}
		bw->buf = nb;
		bw->cap = cap;
	}
	bw->buf[bw->len++] = b;
}

void h264_bw_raw(struct h264_bw *bw, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bw_byte(bw, p[i]);
	bw->zeros = 0;
}

static void bw_escaped(struct h264_bw *bw, uint8_t b)
{
	if (bw->zeros >= 2 && b <= 3) {
		bw_byte(bw, 3);
		bw->zeros = 0;
	}
	bw_byte(bw, b);
	bw->zeros = b == 0 ? bw->zeros + 1 : 0;
}

void h264_bw_u(struct h264_bw *bw, int n, uint32_t v)
{
	for (int i = n - 1; i >= 0; i--) {
		bw->acc = (bw->acc << 1) | ((v >> i) & 1);
		if (++bw->nacc == 8) {
			bw_escaped(bw, (uint8_t)bw->acc);
			bw->acc = 0;
			bw->nacc = 0;
		}
	}
}

void h264_bw_ue(struct h264_bw *bw, uint32_t v)
{
	uint64_t x = (uint64_t)v + 1;
	int len = 0;

	while ((x >> len) > 1)
		len++;
	h264_bw_u(bw, len, 0);
	/* write len + 1 bits of x, possibly 33 bits */
	if (len >= 32) {
		h264_bw_u(bw, 1, 1);
		h264_bw_u(bw, 32, (uint32_t)x);
	} else {
		h264_bw_u(bw, len + 1, (uint32_t)x);
	}
}

void h264_bw_se(struct h264_bw *bw, int32_t v)
{
	h264_bw_ue(bw, v > 0 ? (uint32_t)v * 2 - 1 : (uint32_t)(-(int64_t)v) * 2);
}

void h264_bw_trailing(struct h264_bw *bw)
{
	h264_bw_u(bw, 1, 1);
	while (bw->nacc)
		h264_bw_u(bw, 1, 0);
}

static const uint8_t start_code[4] = {0, 0, 0, 1};

static bool high_profile(unsigned int p)
{
	return p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 ||
	       p == 118 || p == 128 || p == 138 || p == 139 || p == 134 || p == 135;
}

void h264_normalize_sps(struct v4l2_ctrl_h264_sps *sps)
{
	if (sps->pic_order_cnt_type != 0) {
		sps->log2_max_pic_order_cnt_lsb_minus4 = 0;
	} else {
		sps->num_ref_frames_in_pic_order_cnt_cycle = 0;
		sps->offset_for_non_ref_pic = 0;
		sps->offset_for_top_to_bottom_field = 0;
		memset(sps->offset_for_ref_frame, 0, sizeof(sps->offset_for_ref_frame));
	}
	if (!high_profile(sps->profile_idc)) {
		sps->chroma_format_idc = 1;
		sps->bit_depth_luma_minus8 = 0;
		sps->bit_depth_chroma_minus8 = 0;
		sps->flags &= ~(uint32_t)(V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS |
					  V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE);
	}
	if (sps->flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY)
		sps->flags &= ~(uint32_t)V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD;
}

int h264_write_sps(struct h264_bw *bw, const struct v4l2_ctrl_h264_sps *sps)
{
	uint32_t fl = sps->flags;
	bool high = high_profile(sps->profile_idc);
	unsigned int cf = high ? sps->chroma_format_idc : 1;
	unsigned int bl = high ? sps->bit_depth_luma_minus8 : 0;
	unsigned int bc = high ? sps->bit_depth_chroma_minus8 : 0;

	/*
	 * Hardware ignores profile_idc / constraint flags / level_idc; it decodes what the other
	 * fields say. So the rebuilt SPS always has the High-profile syntax (a reference decoder
	 * would otherwise skip PPS fields such as transform_8x8_mode_flag for Baseline), with the
	 * values the kernel keeps for a profile without chroma_format_idc (4:2:0, 8-bit).
	 */
	h264_bw_raw(bw, start_code, 4);
	h264_bw_u(bw, 8, 0x67);
	h264_bw_u(bw, 8, cf == 3 ? 244 : cf == 2 ? 122 : bl || bc ? 110 : 100);
	h264_bw_u(bw, 8, 0); /* constraint_set0..5_flag, reserved_zero_2bits */
	h264_bw_u(bw, 8, sps->level_idc);
	h264_bw_ue(bw, sps->seq_parameter_set_id);
	h264_bw_ue(bw, cf);
	if (cf == 3)
		h264_bw_u(bw, 1, !!(fl & V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE));
	h264_bw_ue(bw, bl);
	h264_bw_ue(bw, bc);
	h264_bw_u(bw, 1, high && (fl & V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS));
	/* The uAPI carries one merged matrix (SCALING_MATRIX): it goes into the PPS. */
	h264_bw_u(bw, 1, 0);
	h264_bw_ue(bw, sps->log2_max_frame_num_minus4);
	h264_bw_ue(bw, sps->pic_order_cnt_type);
	if (sps->pic_order_cnt_type == 0) {
		h264_bw_ue(bw, sps->log2_max_pic_order_cnt_lsb_minus4);
	} else if (sps->pic_order_cnt_type == 1) {
		h264_bw_u(bw, 1, !!(fl & V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO));
		h264_bw_se(bw, sps->offset_for_non_ref_pic);
		h264_bw_se(bw, sps->offset_for_top_to_bottom_field);
		h264_bw_ue(bw, sps->num_ref_frames_in_pic_order_cnt_cycle);
		for (int i = 0; i < sps->num_ref_frames_in_pic_order_cnt_cycle; i++)
			h264_bw_se(bw, sps->offset_for_ref_frame[i]);
	}
	h264_bw_ue(bw, sps->max_num_ref_frames);
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED));
	h264_bw_ue(bw, sps->pic_width_in_mbs_minus1);
	h264_bw_ue(bw, sps->pic_height_in_map_units_minus1);
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY));
	if (!(fl & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY))
		h264_bw_u(bw, 1, !!(fl & V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD));
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE));
	h264_bw_u(bw, 1, 0); /* frame_cropping_flag: the core crops */
	h264_bw_u(bw, 1, 0); /* vui_parameters_present_flag */
	h264_bw_trailing(bw);
	return bw->err ? -1 : 0;
}

static void write_list(struct h264_bw *bw, const uint8_t *raster, const uint8_t *zz, int n)
{
	int last = 8;

	for (int i = 0; i < n; i++) {
		int v = raster[zz[i]];
		int d = v - last;

		/* delta_scale in -128..127, wrapping modulo 256 as (last + delta + 256) % 256 */
		if (d > 127)
			d -= 256;
		if (d < -128)
			d += 256;
		h264_bw_se(bw, d);
		last = v;
	}
}

int h264_write_pps(struct h264_bw *bw, const struct v4l2_ctrl_h264_sps *sps,
		   const struct v4l2_ctrl_h264_pps *pps,
		   const struct v4l2_ctrl_h264_scaling_matrix *sm)
{
	uint32_t fl = pps->flags;
	bool t8 = fl & V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE;
	bool scaling = (fl & V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT) && sm;

	/* The uAPI has no slice-group map: FMO cannot be expressed (no V4L2 decoder does it). */
	if (pps->num_slice_groups_minus1 > 0)
		return -1;
	h264_bw_raw(bw, start_code, 4);
	h264_bw_u(bw, 8, 0x68);
	h264_bw_ue(bw, pps->pic_parameter_set_id);
	h264_bw_ue(bw, sps->seq_parameter_set_id); /* pps->seq_parameter_set_id is checked */
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE));
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT));
	h264_bw_ue(bw, 0);
	h264_bw_ue(bw, pps->num_ref_idx_l0_default_active_minus1);
	h264_bw_ue(bw, pps->num_ref_idx_l1_default_active_minus1);
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_PPS_FLAG_WEIGHTED_PRED));
	h264_bw_u(bw, 2, pps->weighted_bipred_idc);
	h264_bw_se(bw, pps->pic_init_qp_minus26);
	h264_bw_se(bw, pps->pic_init_qs_minus26);
	h264_bw_se(bw, pps->chroma_qp_index_offset);
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT));
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED));
	h264_bw_u(bw, 1, !!(fl & V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT));
	if (t8 || scaling || pps->second_chroma_qp_index_offset != pps->chroma_qp_index_offset) {
		h264_bw_u(bw, 1, t8);
		h264_bw_u(bw, 1, scaling);
		if (scaling) {
			int n8 =
			    t8 ? (high_profile(sps->profile_idc) && sps->chroma_format_idc == 3 ? 6
												: 2)
			       : 0;

			/* uAPI lists are in raster order, in the bitstream's list order */
			for (int i = 0; i < 6; i++) {
				h264_bw_u(bw, 1, 1);
				write_list(bw, sm->scaling_list_4x4[i], h264_zigzag4x4, 16);
			}
			for (int i = 0; i < n8; i++) {
				h264_bw_u(bw, 1, 1);
				write_list(bw, sm->scaling_list_8x8[i], h264_zigzag8x8, 64);
			}
		}
		h264_bw_se(bw, pps->second_chroma_qp_index_offset);
	}
	h264_bw_trailing(bw);
	return bw->err ? -1 : 0;
}

/* ---- slice header ---- */

static int parse_pwt(struct h264_br *br, const struct v4l2_ctrl_h264_sps *sps, struct h264_slice *s)
{
	struct v4l2_ctrl_h264_pred_weights *w = &s->pwt;
	/* ChromaArrayType as the rebuilt SPS says: 4:2:0 unless a High profile says otherwise */
	bool chroma = !high_profile(sps->profile_idc) ||
		      (sps->chroma_format_idc != 0 &&
		       !(sps->flags & V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE));

	memset(w, 0, sizeof(*w));
	w->luma_log2_weight_denom = (uint16_t)h264_br_ue(br);
	if (chroma)
		w->chroma_log2_weight_denom = (uint16_t)h264_br_ue(br);
	if (w->luma_log2_weight_denom > 7 || w->chroma_log2_weight_denom > 7)
		return -1;
	for (int l = 0; l < (s->slice_type == 1 ? 2 : 1); l++) {
		struct v4l2_h264_weight_factors *f = &w->weight_factors[l];

		for (uint32_t i = 0; i <= s->num_ref_idx_active_minus1[l]; i++) {
			/* inferred values when absent (7.4.3.2) */
			f->luma_weight[i] = (int16_t)(1 << w->luma_log2_weight_denom);
			f->luma_offset[i] = 0;
			if (h264_br_u(br, 1)) {
				f->luma_weight[i] = (int16_t)h264_br_se(br);
				f->luma_offset[i] = (int16_t)h264_br_se(br);
			}
			if (!chroma)
				continue;
			f->chroma_weight[i][0] = f->chroma_weight[i][1] =
			    (int16_t)(1 << w->chroma_log2_weight_denom);
			if (h264_br_u(br, 1)) {
				for (int j = 0; j < 2; j++) {
					f->chroma_weight[i][j] = (int16_t)h264_br_se(br);
					f->chroma_offset[i][j] = (int16_t)h264_br_se(br);
				}
			}
		}
	}
	return br->err ? -1 : 0;
}

int h264_parse_slice(const uint8_t *nal, size_t size, const struct v4l2_ctrl_h264_sps *sps,
		     const struct v4l2_ctrl_h264_pps *pps, struct h264_slice *s)
{
	struct h264_br br;
	size_t r0, w0;
	uint32_t st;
	bool frame_mbs_only = sps->flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY;

	memset(s, 0, sizeof(*s));
	if (size < 2 || (nal[0] & 0x80))
		return -1;
	s->nal_ref_idc = (nal[0] >> 5) & 3;
	s->nal_unit_type = nal[0] & 31;
	if (s->nal_unit_type != 1 && s->nal_unit_type != 5)
		return -1;
	s->idr = s->nal_unit_type == 5;
	h264_br_init(&br, nal + 1, size - 1);
	s->first_mb_in_slice = h264_br_ue(&br);
	s->slice_type_raw = h264_br_ue(&br);
	if (s->slice_type_raw > 9)
		return -1;
	st = s->slice_type = s->slice_type_raw % 5;
	s->pps_id = h264_br_ue(&br);
	if (sps->flags & V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE)
		s->colour_plane_id = h264_br_u(&br, 2);
	s->frame_num = h264_br_u(&br, sps->log2_max_frame_num_minus4 + 4);
	if (!frame_mbs_only) {
		s->field_pic = h264_br_u(&br, 1);
		if (s->field_pic)
			s->bottom_field = h264_br_u(&br, 1);
	}
	if (s->idr)
		s->idr_pic_id = h264_br_ue(&br);
	r0 = h264_br_rbsp_pos(&br);
	w0 = h264_br_raw_pos(&br);
	if (sps->pic_order_cnt_type == 0) {
		s->poc_lsb = h264_br_u(&br, sps->log2_max_pic_order_cnt_lsb_minus4 + 4);
		if ((pps->flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT) &&
		    !s->field_pic)
			s->delta_poc_bottom = h264_br_se(&br);
	}
	if (sps->pic_order_cnt_type == 1 &&
	    !(sps->flags & V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO)) {
		s->delta_poc[0] = h264_br_se(&br);
		if ((pps->flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT) &&
		    !s->field_pic)
			s->delta_poc[1] = h264_br_se(&br);
	}
	s->poc_bits[0] = (uint32_t)(h264_br_rbsp_pos(&br) - r0);
	s->poc_bits[1] = (uint32_t)(h264_br_raw_pos(&br) - w0);
	if (pps->flags & V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT)
		s->redundant_pic_cnt = h264_br_ue(&br);
	if (st == 1)
		s->direct_spatial_mv_pred = h264_br_u(&br, 1);
	s->num_ref_idx_active_minus1[0] = pps->num_ref_idx_l0_default_active_minus1;
	s->num_ref_idx_active_minus1[1] = pps->num_ref_idx_l1_default_active_minus1;
	if (st == 0 || st == 3 || st == 1) {
		if (h264_br_u(&br, 1)) {
			s->num_ref_idx_active_minus1[0] = h264_br_ue(&br);
			if (st == 1)
				s->num_ref_idx_active_minus1[1] = h264_br_ue(&br);
		}
	}
	if (st != 1)
		s->num_ref_idx_active_minus1[1] = 0;
	if (st == 2 || st == 4)
		s->num_ref_idx_active_minus1[0] = 0;
	if (s->num_ref_idx_active_minus1[0] > 31 || s->num_ref_idx_active_minus1[1] > 31)
		return -1;
	for (int l = 0; l < 2; l++) {
		if ((l == 0 && (st == 2 || st == 4)) || (l == 1 && st != 1))
			continue;
		s->rplm_flag[l] = h264_br_u(&br, 1);
		if (!s->rplm_flag[l])
			continue;
		for (;;) {
			uint32_t idc = h264_br_ue(&br);

			if (idc == 3 || br.err)
				break;
			if (idc > 5 || s->n_rplm[l] >= 33)
				return -1;
			s->rplm[l][s->n_rplm[l]].idc = idc;
			s->rplm[l][s->n_rplm[l]++].val = h264_br_ue(&br);
		}
	}
	if (((pps->flags & V4L2_H264_PPS_FLAG_WEIGHTED_PRED) && (st == 0 || st == 3)) ||
	    (pps->weighted_bipred_idc == 1 && st == 1)) {
		s->has_pwt = true;
		if (parse_pwt(&br, sps, s))
			return -1;
	}
	r0 = h264_br_rbsp_pos(&br);
	w0 = h264_br_raw_pos(&br);
	if (s->nal_ref_idc) {
		if (s->idr) {
			s->no_output_of_prior_pics = h264_br_u(&br, 1);
			s->long_term_reference_flag = h264_br_u(&br, 1);
		} else {
			s->adaptive_marking = h264_br_u(&br, 1);
			while (s->adaptive_marking) {
				struct h264_mmco *m;
				uint32_t op = h264_br_ue(&br);

				if (op == 0 || br.err)
					break;
				if (op > 6 || s->n_mmco >= H264_MAX_MMCO)
					return -1;
				m = &s->mmco[s->n_mmco++];
				m->op = op;
				if (op == 1 || op == 3)
					m->diff_pic_nums_minus1 = h264_br_ue(&br);
				if (op == 2)
					m->long_term_pic_num = h264_br_ue(&br);
				if (op == 3 || op == 6)
					m->long_term_frame_idx = h264_br_ue(&br);
				if (op == 4)
					m->max_long_term_frame_idx_plus1 = h264_br_ue(&br);
			}
		}
	}
	s->marking_bits[0] = (uint32_t)(h264_br_rbsp_pos(&br) - r0);
	s->marking_bits[1] = (uint32_t)(h264_br_raw_pos(&br) - w0);
	if ((pps->flags & V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE) && st != 2 && st != 4)
		s->cabac_init_idc = h264_br_ue(&br);
	s->slice_qp_delta = h264_br_se(&br);
	if (st == 3 || st == 4) {
		if (st == 3)
			s->sp_for_switch = h264_br_u(&br, 1);
		s->slice_qs_delta = h264_br_se(&br);
	}
	if (pps->flags & V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT) {
		s->disable_deblocking_filter_idc = h264_br_ue(&br);
		if (s->disable_deblocking_filter_idc != 1) {
			s->alpha_div2 = h264_br_se(&br);
			s->beta_div2 = h264_br_se(&br);
		}
	}
	/* num_slice_groups_minus1 > 0 is refused earlier: no slice_group_change_cycle */
	s->header_bits[0] = (uint32_t)h264_br_rbsp_pos(&br);
	s->header_bits[1] = (uint32_t)h264_br_raw_pos(&br);
	return br.err ? -1 : 0;
}
