/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../emu/codec/h264_int.h"
#include "stream.h"

static const uint8_t def4[2][16] = {
    {6, 13, 13, 20, 20, 20, 28, 28, 28, 28, 32, 32, 32, 37, 37, 42},
    {10, 14, 14, 20, 20, 20, 24, 24, 24, 24, 27, 27, 27, 30, 30, 34},
};
static const uint8_t def8[2][64] = {
    {6,	 10, 10, 13, 11, 13, 16, 16, 16, 16, 18, 18, 18, 18, 18, 23, 23, 23, 23, 23, 23, 25,
     25, 25, 25, 25, 25, 25, 27, 27, 27, 27, 27, 27, 27, 27, 29, 29, 29, 29, 29, 29, 29, 31,
     31, 31, 31, 31, 31, 33, 33, 33, 33, 33, 36, 36, 36, 36, 38, 38, 38, 40, 40, 42},
    {9,	 13, 13, 15, 13, 15, 17, 17, 17, 17, 19, 19, 19, 19, 19, 21, 21, 21, 21, 21, 21, 22,
     22, 22, 22, 22, 22, 22, 24, 24, 24, 24, 24, 24, 24, 24, 25, 25, 25, 25, 25, 25, 25, 27,
     27, 27, 27, 27, 27, 28, 28, 28, 28, 28, 30, 30, 30, 30, 32, 32, 32, 33, 33, 35},
};

/* Reads one scaling list into raster order; returns 1 when the default list is to be used. */
static int read_list(struct h264_br *br, uint8_t *raster, const uint8_t *zz, int n)
{
	int last = 8, next = 8;

	for (int j = 0; j < n; j++) {
		if (next != 0) {
			next = (last + h264_br_se(br) + 256) % 256;
			if (j == 0 && next == 0)
				return 1;
		}
		raster[zz[j]] = (uint8_t)(next == 0 ? last : next);
		last = raster[zz[j]];
	}
	return 0;
}

static void to_raster(uint8_t *raster, const uint8_t *zzvals, const uint8_t *zz, int n)
{
	for (int j = 0; j < n; j++)
		raster[zz[j]] = zzvals[j];
}

/* Scaling lists with fall-back rule A (SPS, fb == NULL) or B (PPS, fb = the SPS lists). */
static void read_lists(struct h264_br *br, int n8, uint8_t sl4[6][16], uint8_t sl8[6][64],
		       const uint8_t (*fb4)[16], const uint8_t (*fb8)[64])
{
	for (int i = 0; i < 6 + n8; i++) {
		bool present = h264_br_u(br, 1);
		bool is4 = i < 6;
		uint8_t *dst = is4 ? sl4[i] : sl8[i - 6];
		int use_default = 0;

		if (present)
			use_default = read_list(br, dst, is4 ? h264_zigzag4x4 : h264_zigzag8x8,
						is4 ? 16 : 64);
		if (present && !use_default)
			continue;
		if (use_default) {
			if (is4)
				to_raster(dst, def4[i >= 3], h264_zigzag4x4, 16);
			else
				to_raster(dst, def8[(i - 6) & 1], h264_zigzag8x8, 64);
			continue;
		}
		/* not present: fall back */
		if (is4 && (i == 0 || i == 3)) {
			if (fb4)
				memcpy(dst, fb4[i], 16);
			else
				to_raster(dst, def4[i == 3], h264_zigzag4x4, 16);
		} else if (is4) {
			memcpy(dst, sl4[i - 1], 16);
		} else if (i == 6 || i == 7) {
			if (fb8)
				memcpy(dst, fb8[i - 6], 64);
			else
				to_raster(dst, def8[i - 6], h264_zigzag8x8, 64);
		} else {
			memcpy(dst, sl8[i - 8], 64);
		}
	}
}

static int parse_sps(const struct nal *nal, struct ps_sps *out)
{
	struct h264_br br;
	struct v4l2_ctrl_h264_sps *v = &out->v;
	unsigned int p;

	memset(out, 0, sizeof(*out));
	h264_br_init(&br, nal->p + 1, nal->n - 1);
	p = v->profile_idc = (uint8_t)h264_br_u(&br, 8);
	for (int i = 0; i < 6; i++)
		v->constraint_set_flags |= (uint8_t)(h264_br_u(&br, 1) << i);
	h264_br_u(&br, 2);
	v->level_idc = (uint8_t)h264_br_u(&br, 8);
	v->seq_parameter_set_id = (uint8_t)h264_br_ue(&br);
	v->chroma_format_idc = 1;
	if (p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 ||
	    p == 118 || p == 128 || p == 138 || p == 139 || p == 134 || p == 135) {
		v->chroma_format_idc = (uint8_t)h264_br_ue(&br);
		if (v->chroma_format_idc == 3 && h264_br_u(&br, 1))
			v->flags |= V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE;
		v->bit_depth_luma_minus8 = (uint8_t)h264_br_ue(&br);
		v->bit_depth_chroma_minus8 = (uint8_t)h264_br_ue(&br);
		if (h264_br_u(&br, 1))
			v->flags |= V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS;
		if (h264_br_u(&br, 1)) {
			out->has_sm = true;
			read_lists(&br, v->chroma_format_idc == 3 ? 6 : 2, out->sl4, out->sl8, NULL,
				   NULL);
		}
	}
	v->log2_max_frame_num_minus4 = (uint8_t)h264_br_ue(&br);
	v->pic_order_cnt_type = (uint8_t)h264_br_ue(&br);
	if (v->pic_order_cnt_type == 0) {
		v->log2_max_pic_order_cnt_lsb_minus4 = (uint8_t)h264_br_ue(&br);
	} else if (v->pic_order_cnt_type == 1) {
		if (h264_br_u(&br, 1))
			v->flags |= V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO;
		v->offset_for_non_ref_pic = h264_br_se(&br);
		v->offset_for_top_to_bottom_field = h264_br_se(&br);
		v->num_ref_frames_in_pic_order_cnt_cycle = (uint8_t)h264_br_ue(&br);
		for (int i = 0; i < v->num_ref_frames_in_pic_order_cnt_cycle; i++)
			v->offset_for_ref_frame[i] = h264_br_se(&br);
	}
	v->max_num_ref_frames = (uint8_t)h264_br_ue(&br);
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED;
	v->pic_width_in_mbs_minus1 = (uint16_t)h264_br_ue(&br);
	v->pic_height_in_map_units_minus1 = (uint16_t)h264_br_ue(&br);
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY;
	else if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD;
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE;
	if (h264_br_u(&br, 1)) {
		int cx = v->chroma_format_idc == 3 ? 1 : 2;
		int cy = (v->chroma_format_idc == 1 ? 2 : 1) *
			 ((v->flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY) ? 1 : 2);

		for (int i = 0; i < 4; i++)
			out->crop[i] = (int)h264_br_ue(&br) * (i < 2 ? cx : cy);
	}
	out->valid = !br.err;
	return br.err ? -1 : 0;
}

static int parse_pps(const struct nal *nal, const struct ps_sps *spss, struct ps_pps *out)
{
	struct h264_br br;
	struct v4l2_ctrl_h264_pps *v = &out->v;
	const struct ps_sps *sps;

	memset(out, 0, sizeof(*out));
	h264_br_init(&br, nal->p + 1, nal->n - 1);
	v->pic_parameter_set_id = (uint8_t)h264_br_ue(&br);
	v->seq_parameter_set_id = (uint8_t)h264_br_ue(&br);
	if (v->seq_parameter_set_id >= 32 || !spss[v->seq_parameter_set_id].valid)
		return -1;
	sps = &spss[v->seq_parameter_set_id];
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE;
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT;
	v->num_slice_groups_minus1 = (uint8_t)h264_br_ue(&br);
	if (v->num_slice_groups_minus1)
		return -1;
	v->num_ref_idx_l0_default_active_minus1 = (uint8_t)h264_br_ue(&br);
	v->num_ref_idx_l1_default_active_minus1 = (uint8_t)h264_br_ue(&br);
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_PPS_FLAG_WEIGHTED_PRED;
	v->weighted_bipred_idc = (uint8_t)h264_br_u(&br, 2);
	v->pic_init_qp_minus26 = (int8_t)h264_br_se(&br);
	v->pic_init_qs_minus26 = (int8_t)h264_br_se(&br);
	v->chroma_qp_index_offset = (int8_t)h264_br_se(&br);
	v->second_chroma_qp_index_offset = v->chroma_qp_index_offset;
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT;
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED;
	if (h264_br_u(&br, 1))
		v->flags |= V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT;
	if (h264_br_more_rbsp_data(&br)) {
		bool t8 = h264_br_u(&br, 1);

		if (t8)
			v->flags |= V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE;
		if (h264_br_u(&br, 1)) {
			out->has_sm = true;
			if (sps->has_sm)
				read_lists(&br, t8 ? (sps->v.chroma_format_idc == 3 ? 6 : 2) : 0,
					   out->sl4, out->sl8, sps->sl4, sps->sl8);
			else
				read_lists(&br, t8 ? (sps->v.chroma_format_idc == 3 ? 6 : 2) : 0,
					   out->sl4, out->sl8, NULL, NULL);
		}
		v->second_chroma_qp_index_offset = (int8_t)h264_br_se(&br);
	}
	out->valid = !br.err;
	return br.err ? -1 : 0;
}

void stream_scaling_matrix(const struct au *au, struct v4l2_ctrl_h264_scaling_matrix *m)
{
	memset(m, 16, sizeof(*m));
	if (au->pps.has_sm) {
		memcpy(m->scaling_list_4x4, au->pps.sl4, sizeof(m->scaling_list_4x4));
		memcpy(m->scaling_list_8x8, au->pps.sl8, sizeof(m->scaling_list_8x8));
		/* 8x8 lists not sent in the PPS (no 8x8 transform): rule B from the SPS */
		if (!(au->pps.v.flags & V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE) && au->sps.has_sm)
			memcpy(m->scaling_list_8x8, au->sps.sl8, sizeof(m->scaling_list_8x8));
	} else if (au->sps.has_sm) {
		memcpy(m->scaling_list_4x4, au->sps.sl4, sizeof(m->scaling_list_4x4));
		memcpy(m->scaling_list_8x8, au->sps.sl8, sizeof(m->scaling_list_8x8));
	}
}

void stream_free(struct stream *st)
{
	free(st->data);
	free(st->nals);
	free(st->aus);
	memset(st, 0, sizeof(*st));
}

int stream_load(struct stream *st, const char *path)
{
	FILE *f = fopen(path, "rb");
	static struct ps_sps spss[32];
	static struct ps_pps ppss[256];
	struct h264_slice prev, cur;
	bool have_prev = false;
	long len;
	size_t i = 0, start = SIZE_MAX;

	memset(st, 0, sizeof(*st));
	memset(&prev, 0, sizeof(prev));
	memset(spss, 0, sizeof(spss));
	memset(ppss, 0, sizeof(ppss));
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	st->data = malloc((size_t)len + 1);
	if (!st->data || fread(st->data, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return -1;
	}
	fclose(f);
	st->size = (size_t)len;
	st->nals = calloc(st->size / 3 + 1, sizeof(*st->nals));
	st->aus = calloc(st->size / 3 + 1, sizeof(*st->aus));
	if (!st->nals || !st->aus)
		return -1;
	for (;;) {
		bool at = i + 2 < st->size && st->data[i] == 0 && st->data[i + 1] == 0 &&
			  st->data[i + 2] == 1;

		if (at || i >= st->size) {
			if (start != SIZE_MAX) {
				size_t end = i;

				while (end > start && st->data[end - 1] == 0)
					end--;
				if (end > start) {
					struct nal *n = &st->nals[st->n_nals++];

					n->p = st->data + start;
					n->n = end - start;
					n->type = n->p[0] & 31;
				}
			}
			if (i >= st->size)
				break;
			i += 3;
			start = i;
			continue;
		}
		i++;
	}
	for (int k = 0; k < st->n_nals; k++) {
		struct nal *n = &st->nals[k];
		struct ps_sps tmp;
		struct ps_pps ptmp;
		const struct ps_pps *pps;
		bool newpic;

		if (n->type == 7) {
			if (parse_sps(n, &tmp) || tmp.v.seq_parameter_set_id >= 32)
				return -1;
			spss[tmp.v.seq_parameter_set_id] = tmp;
			continue;
		}
		if (n->type == 8) {
			if (parse_pps(n, spss, &ptmp))
				return -1;
			ppss[ptmp.v.pic_parameter_set_id] = ptmp;
			continue;
		}
		if (n->type != 1 && n->type != 5)
			continue;
		/* pps id: parse with any valid pps to reach it (it precedes the dependent bits) */
		{
			struct h264_br br;

			h264_br_init(&br, n->p + 1, n->n - 1);
			h264_br_ue(&br);
			h264_br_ue(&br);
			uint32_t id = h264_br_ue(&br);

			if (id > 255 || !ppss[id].valid)
				return -1;
			pps = &ppss[id];
		}
		if (h264_parse_slice(n->p, n->n, &spss[pps->v.seq_parameter_set_id].v, &pps->v,
				     &cur))
			return -1;
		/* 7.4.1.2.4: first slice of a new primary coded picture */
		newpic =
		    !have_prev || cur.frame_num != prev.frame_num || cur.pps_id != prev.pps_id ||
		    cur.field_pic != prev.field_pic || cur.bottom_field != prev.bottom_field ||
		    (cur.nal_ref_idc == 0) != (prev.nal_ref_idc == 0) ||
		    cur.poc_lsb != prev.poc_lsb || cur.delta_poc_bottom != prev.delta_poc_bottom ||
		    cur.delta_poc[0] != prev.delta_poc[0] ||
		    cur.delta_poc[1] != prev.delta_poc[1] || cur.idr != prev.idr ||
		    (cur.idr && cur.idr_pic_id != prev.idr_pic_id);
		if (cur.redundant_pic_cnt > 0)
			continue; /* primary pictures only */
		if (newpic) {
			struct au *a = &st->aus[st->n_aus++];

			a->first_nal = k;
			a->pps_id = pps->v.pic_parameter_set_id;
			a->sps_id = pps->v.seq_parameter_set_id;
			a->pps = *pps;
			a->sps = spss[a->sps_id];
		}
		st->aus[st->n_aus - 1].n_nals = k - st->aus[st->n_aus - 1].first_nal + 1;
		prev = cur;
		have_prev = true;
	}
	return 0;
}
