/* SPDX-License-Identifier: MIT */
/*
 * Emulated H.264 stateless decoder: the kernel's H.264 control set, its validation, decoding from
 * the controls with libavcodec (SPS/PPS NAL units rebuilt from the controls), and the checks of
 * every request against the device's own slice-header parser and reference model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/v4l2-controls.h>

#include <libavutil/pixdesc.h>

#include "../emu_codec.h"
#include "h264_int.h"
#include "lavc.h"

#define COMPOUND(cid, nm, t, st)                                                                   \
	{                                                                                          \
		.id = (cid), .name = (nm), .type = (t), .elem_size = sizeof(st),                   \
		.flags = V4L2_CTRL_FLAG_HAS_PAYLOAD, .step = 1,                                    \
	}

static int h264_get_ctrls(const struct emu_dev_cfg *cfg, struct emu_ctrl_desc *descs, int max)
{
	bool slice = cfg->mode == EMU_MODE_SLICE_BASED;
	int64_t mode = slice ? V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED
			     : V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED;
	int64_t sc = cfg->start_code == EMU_START_CODE_ANNEX_B
			 ? V4L2_STATELESS_H264_START_CODE_ANNEX_B
			 : V4L2_STATELESS_H264_START_CODE_NONE;
	/* Menu masks: the kernel drivers register the menus with min = max = def, no skip mask. */
	struct emu_ctrl_desc all[] = {
	    {.id = V4L2_CID_STATELESS_H264_DECODE_MODE,
	     .name = "H264 Decode Mode",
	     .type = V4L2_CTRL_TYPE_MENU,
	     .elem_size = sizeof(int32_t),
	     .minimum = mode,
	     .maximum = mode,
	     .default_value = mode,
	     .step = 1},
	    {.id = V4L2_CID_STATELESS_H264_START_CODE,
	     .name = "H264 Start Code",
	     .type = V4L2_CTRL_TYPE_MENU,
	     .elem_size = sizeof(int32_t),
	     .minimum = sc,
	     .maximum = sc,
	     .default_value = sc,
	     .step = 1},
	    COMPOUND(V4L2_CID_STATELESS_H264_SPS, "H264 Sequence Parameter Set",
		     V4L2_CTRL_TYPE_H264_SPS, struct v4l2_ctrl_h264_sps),
	    COMPOUND(V4L2_CID_STATELESS_H264_PPS, "H264 Picture Parameter Set",
		     V4L2_CTRL_TYPE_H264_PPS, struct v4l2_ctrl_h264_pps),
	    COMPOUND(V4L2_CID_STATELESS_H264_SCALING_MATRIX, "H264 Scaling Matrix",
		     V4L2_CTRL_TYPE_H264_SCALING_MATRIX, struct v4l2_ctrl_h264_scaling_matrix),
	    COMPOUND(V4L2_CID_STATELESS_H264_DECODE_PARAMS, "H264 Decode Parameters",
		     V4L2_CTRL_TYPE_H264_DECODE_PARAMS, struct v4l2_ctrl_h264_decode_params),
	    COMPOUND(V4L2_CID_STATELESS_H264_SLICE_PARAMS, "H264 Slice Parameters",
		     V4L2_CTRL_TYPE_H264_SLICE_PARAMS, struct v4l2_ctrl_h264_slice_params),
	    COMPOUND(V4L2_CID_STATELESS_H264_PRED_WEIGHTS, "H264 Prediction Weight Table",
		     V4L2_CTRL_TYPE_H264_PRED_WEIGHTS, struct v4l2_ctrl_h264_pred_weights),
	};
	int n = slice ? 8 : 6, i;

	/*
	 * No control is required in every request: cedrus lost its per-control check in 5.11
	 * ("media: cedrus: Remove checking for required controls"); since then
	 * cedrus_request_validate() only wants *some* control object in the request (ENOENT
	 * otherwise, the core's business), and hantro / rkvdec never had one. Clients such as
	 * GStreamer send the SPS once per sequence and PPS / DECODE_PARAMS once per picture.
	 */
	for (i = 0; i < n && i < max; i++)
		descs[i] = all[i];
	return i;
}

/* std_validate_compound() of v4l2-ctrls-core.c (the rejecting part; it also zeroes fields that
 * are not valid for the syntax, which never changes what we decode) + the drivers' try_ctrl. */
static int h264_try_ctrl(const struct emu_dev_cfg *cfg, uint32_t id, const void *data,
			 uint32_t size)
{
	switch (id) {
	case V4L2_CID_STATELESS_H264_SPS: {
		const struct v4l2_ctrl_h264_sps *sps = data;
		unsigned int cf = sps->chroma_format_idc, bl = sps->bit_depth_luma_minus8,
			     bc = sps->bit_depth_chroma_minus8;

		if (size < sizeof(*sps))
			return -EINVAL;
		if (!(sps->profile_idc == 100 || sps->profile_idc == 110 ||
		      sps->profile_idc == 122 || sps->profile_idc == 244 ||
		      sps->profile_idc == 44 || sps->profile_idc == 83 || sps->profile_idc == 86 ||
		      sps->profile_idc == 118 || sps->profile_idc == 128 ||
		      sps->profile_idc == 138 || sps->profile_idc == 139 ||
		      sps->profile_idc == 134 || sps->profile_idc == 135)) {
			/* !V4L2_H264_SPS_HAS_CHROMA_FORMAT: the kernel forces 4:2:0 8-bit */
			cf = 1;
			bl = bc = 0;
		}
		if (sps->profile_idc < 122 && cf > 1)
			return -EINVAL;
		if (sps->profile_idc < 244 && cf > 2)
			return -EINVAL;
		if (cf > 3 || bl > 6 || bc > 6 || sps->log2_max_frame_num_minus4 > 12 ||
		    sps->pic_order_cnt_type > 2 ||
		    (sps->pic_order_cnt_type == 0 && sps->log2_max_pic_order_cnt_lsb_minus4 > 12) ||
		    sps->max_num_ref_frames > V4L2_H264_REF_LIST_LEN)
			return -EINVAL;
		/* hantro_try_ctrl / rkvdec_try_ctrl / cedrus_try_ctrl */
		if (cf > 1 || (!strcmp(cfg->profile, "cedrus") && cf != 1))
			return -EINVAL;
		if (bl != bc)
			return -EINVAL;
		if (bl != 0 && !(cfg->ten_bit && bl == 2))
			return -EINVAL;
		return 0;
	}
	case V4L2_CID_STATELESS_H264_PPS: {
		const struct v4l2_ctrl_h264_pps *pps = data;

		if (size < sizeof(*pps))
			return -EINVAL;
		if (pps->num_slice_groups_minus1 > 7 ||
		    pps->num_ref_idx_l0_default_active_minus1 > V4L2_H264_REF_LIST_LEN - 1 ||
		    pps->num_ref_idx_l1_default_active_minus1 > V4L2_H264_REF_LIST_LEN - 1 ||
		    pps->weighted_bipred_idc > 2 || pps->pic_init_qp_minus26 < -62 ||
		    pps->pic_init_qp_minus26 > 25 || pps->pic_init_qs_minus26 < -26 ||
		    pps->pic_init_qs_minus26 > 25 || pps->chroma_qp_index_offset < -12 ||
		    pps->chroma_qp_index_offset > 12 || pps->second_chroma_qp_index_offset < -12 ||
		    pps->second_chroma_qp_index_offset > 12)
			return -EINVAL;
		return 0;
	}
	case V4L2_CID_STATELESS_H264_PRED_WEIGHTS: {
		const struct v4l2_ctrl_h264_pred_weights *w = data;

		if (size < sizeof(*w))
			return -EINVAL;
		if (w->luma_log2_weight_denom > 7 || w->chroma_log2_weight_denom > 7)
			return -EINVAL;
		return 0;
	}
	case V4L2_CID_STATELESS_H264_SLICE_PARAMS: {
		const struct v4l2_ctrl_h264_slice_params *sp = data;
		unsigned int l0 = sp->num_ref_idx_l0_active_minus1,
			     l1 = sp->num_ref_idx_l1_active_minus1;

		if (size < sizeof(*sp))
			return -EINVAL;
		if (sp->colour_plane_id > 2 || sp->cabac_init_idc > 2 ||
		    sp->disable_deblocking_filter_idc > 2 || sp->slice_alpha_c0_offset_div2 < -6 ||
		    sp->slice_alpha_c0_offset_div2 > 6 || sp->slice_beta_offset_div2 < -6 ||
		    sp->slice_beta_offset_div2 > 6)
			return -EINVAL;
		if (sp->slice_type == V4L2_H264_SLICE_TYPE_I ||
		    sp->slice_type == V4L2_H264_SLICE_TYPE_SI)
			l0 = 0;
		if (sp->slice_type != V4L2_H264_SLICE_TYPE_B)
			l1 = 0;
		if (l0 > V4L2_H264_REF_LIST_LEN - 1 || l1 > V4L2_H264_REF_LIST_LEN - 1)
			return -EINVAL;
		return 0;
	}
	case V4L2_CID_STATELESS_H264_DECODE_PARAMS: {
		const struct v4l2_ctrl_h264_decode_params *dp = data;

		if (size < sizeof(*dp))
			return -EINVAL;
		return dp->nal_ref_idc > 3 ? -EINVAL : 0;
	}
	case V4L2_CID_STATELESS_H264_SCALING_MATRIX:
		return size < sizeof(struct v4l2_ctrl_h264_scaling_matrix) ? -EINVAL : 0;
	default:
		return 0;
	}
}

static int h264_bit_depth(struct emu_instance *inst)
{
	uint32_t size = 0;
	const struct v4l2_ctrl_h264_sps *sps =
	    emu_inst_ctrl(inst, V4L2_CID_STATELESS_H264_SPS, &size);

	struct v4l2_ctrl_h264_sps n;

	if (!sps || size < sizeof(*sps))
		return 8;
	n = *sps;
	h264_normalize_sps(&n);
	return n.bit_depth_luma_minus8 == 2 ? 10 : 8;
}

/* ---- decoding instance ---- */

struct h264_ctx {
	struct emu_instance *inst;
	struct emu_lavc lavc; /* out: the picture of the last finished access unit */
	struct h264_model model;
	/* the access unit being collected */
	struct h264_bw au;
	int au_slices;
	bool au_failed;
	int au_capture;
	uint64_t au_ts;
	struct h264_slice first;
	struct h264_cur_poc poc;
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;
	struct v4l2_ctrl_h264_scaling_matrix sm;
	bool has_sm;
	struct h264_slice cur; /* scratch */
};

static void h264_close(void *priv)
{
	struct h264_ctx *c = priv;

	if (!c)
		return;
	emu_lavc_close(&c->lavc);
	h264_bw_free(&c->au);
	free(c);
}

static void *h264_open(struct emu_instance *inst)
{
	struct h264_ctx *c = calloc(1, sizeof(*c));

	/* Hardware shows every picture it decodes, even before the first key frame. */
	if (!c || emu_lavc_open(&c->lavc, AV_CODEC_ID_H264, AV_CODEC_FLAG2_SHOW_ALL)) {
		free(c);
		return NULL;
	}
	c->inst = inst;
	h264_model_reset(&c->model);
	h264_bw_init(&c->au);
	c->au_capture = -1;
	return c;
}

/* ---- checks ---- */

#define CHECK(job, rule, field, got, want)                                                         \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (g_ != w_) {                                                                    \
			emu_violation(job, rule, "\"field\":\"%s\",\"got\":%lld,\"want\":%lld",    \
				      field, g_, w_);                                              \
			bad = true;                                                                \
		}                                                                                  \
	} while (0)

static bool size_ok(uint32_t got, const uint32_t want[2])
{
	return got == want[0] || got == want[1];
}

/*
 * DECODE_PARAMS against the parsed first slice and the POC model. Not checked, with the reason:
 * - slice_group_change_cycle: no slice groups (FMO cannot be expressed by the uAPI PPS);
 * - flags PFRAME / BFRAME: hints that no 6.1 driver (hantro, rkvdec, cedrus) reads;
 * - idr_pic_id on non-IDR pictures, POC syntax elements absent from the slice header.
 */
static bool check_decode_params(struct h264_ctx *c, const struct emu_job *job,
				const struct v4l2_ctrl_h264_decode_params *dp)
{
	const struct h264_slice *s = &c->first;
	const struct v4l2_ctrl_h264_sps *sps = &c->sps;
	bool bad = false, field_poc_bottom;
	uint32_t fl = dp->flags;

	CHECK(job, "decode-params", "frame_num", dp->frame_num, s->frame_num);
	CHECK(job, "decode-params", "nal_ref_idc", dp->nal_ref_idc, s->nal_ref_idc);
	CHECK(job, "decode-params", "flags.IDR_PIC", !!(fl & V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC),
	      s->idr);
	CHECK(job, "decode-params", "flags.FIELD_PIC",
	      !!(fl & V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC), s->field_pic);
	CHECK(job, "decode-params", "flags.BOTTOM_FIELD",
	      !!(fl & V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD), s->bottom_field);
	if (s->idr)
		CHECK(job, "decode-params", "idr_pic_id", dp->idr_pic_id, s->idr_pic_id);
	field_poc_bottom =
	    (c->pps.flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT) &&
	    !s->field_pic;
	if (sps->pic_order_cnt_type == 0) {
		CHECK(job, "decode-params", "pic_order_cnt_lsb", dp->pic_order_cnt_lsb, s->poc_lsb);
		if (field_poc_bottom)
			CHECK(job, "decode-params", "delta_pic_order_cnt_bottom",
			      dp->delta_pic_order_cnt_bottom, s->delta_poc_bottom);
	}
	if (sps->pic_order_cnt_type == 1 &&
	    !(sps->flags & V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO)) {
		CHECK(job, "decode-params", "delta_pic_order_cnt0", dp->delta_pic_order_cnt0,
		      s->delta_poc[0]);
		if (field_poc_bottom)
			CHECK(job, "decode-params", "delta_pic_order_cnt1",
			      dp->delta_pic_order_cnt1, s->delta_poc[1]);
	}
	if (!size_ok(dp->pic_order_cnt_bit_size, s->poc_bits))
		CHECK(job, "decode-params", "pic_order_cnt_bit_size", dp->pic_order_cnt_bit_size,
		      s->poc_bits[0]);
	if (!size_ok(dp->dec_ref_pic_marking_bit_size, s->marking_bits))
		CHECK(job, "decode-params", "dec_ref_pic_marking_bit_size",
		      dp->dec_ref_pic_marking_bit_size, s->marking_bits[0]);
	/* pic_order_cnt_type 1: the hardware takes the POCs from DECODE_PARAMS and never reads
	 * the SPS cycle (offset_for_ref_frame, ...), which VA-API clients cannot even know; the
	 * model then uses the given POCs (see add_slice) and the DPB checks keep them consistent.
	 */
	if (sps->pic_order_cnt_type == 1)
		return !bad;
	if (!s->field_pic || !s->bottom_field)
		CHECK(job, "decode-params", "top_field_order_cnt", dp->top_field_order_cnt,
		      c->poc.top);
	if (!s->field_pic || s->bottom_field)
		CHECK(job, "decode-params", "bottom_field_order_cnt", dp->bottom_field_order_cnt,
		      c->poc.bottom);
	return !bad;
}

/*
 * The DPB: the VALID|ACTIVE entries must be exactly the reference pictures of the model.
 * VALID entries without ACTIVE (pictures kept for output only) are ignored, as the drivers do.
 * Not checked: pic_num (the drivers derive PicNum themselves: v4l2_h264_init_reflist_builder uses
 * frame_num), and the inferred "non-existing" frames of a frame_num gap (no buffer to name).
 */
static bool check_dpb(struct h264_ctx *c, const struct emu_job *job,
		      const struct v4l2_ctrl_h264_decode_params *dp)
{
	bool bad = false, matched[H264_MAX_FS] = {false};
	int pair_fs =
	    h264_model_is_second_field(&c->model, &c->first) ? c->model.prev_field_fs : -1;

	for (int i = 0; i < V4L2_H264_NUM_DPB_ENTRIES; i++) {
		const struct v4l2_h264_dpb_entry *e = &dp->dpb[i];
		const struct h264_fs *f = NULL;
		int fi = -1, ci, want_fields;
		bool lt;

		if ((e->flags &
		     (V4L2_H264_DPB_ENTRY_FLAG_VALID | V4L2_H264_DPB_ENTRY_FLAG_ACTIVE)) !=
		    (V4L2_H264_DPB_ENTRY_FLAG_VALID | V4L2_H264_DPB_ENTRY_FLAG_ACTIVE))
			continue;
		for (int j = 0; j < H264_MAX_FS; j++) {
			const struct h264_fs *g = &c->model.fs[j];

			if (g->in_use && !g->non_existing && (g->ref[0] || g->ref[1]) &&
			    g->ts == e->reference_ts) {
				f = g;
				fi = j;
				break;
			}
		}
		if (!f) {
			emu_violation(job, "dpb-not-a-reference",
				      "\"entry\":%d,\"reference_ts\":%" PRIu64, i,
				      (uint64_t)e->reference_ts);
			bad = true;
			continue;
		}
		if (matched[fi]) {
			emu_violation(job, "dpb-duplicate",
				      "\"entry\":%d,\"reference_ts\":%" PRIu64, i,
				      (uint64_t)e->reference_ts);
			bad = true;
			continue;
		}
		matched[fi] = true;
		ci = emu_inst_find_capture(c->inst, e->reference_ts);
		if (ci != f->capture_index) {
			emu_violation(
			    job, "dpb-reference-ts",
			    "\"entry\":%d,\"field\":\"capture_index\",\"got\":%d,\"want\":%d", i,
			    ci, f->capture_index);
			bad = true;
		}
		lt = f->ref[0] == 2 || f->ref[1] == 2;
		want_fields = (f->ref[0] ? V4L2_H264_TOP_FIELD_REF : 0) |
			      (f->ref[1] ? V4L2_H264_BOTTOM_FIELD_REF : 0);
		CHECK(job, "dpb-entry", "flags.LONG_TERM",
		      !!(e->flags & V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM), lt);
		CHECK(job, "dpb-entry", lt ? "frame_num(LongTermFrameIdx)" : "frame_num",
		      e->frame_num, lt ? f->long_term_frame_idx : f->frame_num);
		/* The first field of the picture being decoded (second field): clients may already
		 * describe the pair (GStreamer links both fields before decoding the second). */
		if (fi == pair_fs &&
		    e->fields == (want_fields | (c->first.bottom_field ? V4L2_H264_BOTTOM_FIELD_REF
								       : V4L2_H264_TOP_FIELD_REF)))
			want_fields = e->fields;
		CHECK(job, "dpb-entry", "fields", e->fields, want_fields);
		/* "The DPB entry is a single field or a complementary field pair" (uAPI) */
		CHECK(job, "dpb-entry", "flags.FIELD",
		      !!(e->flags & V4L2_H264_DPB_ENTRY_FLAG_FIELD), f->field_coded);
		if (f->decoded[0])
			CHECK(job, "dpb-entry", "top_field_order_cnt", e->top_field_order_cnt,
			      f->poc[0]);
		if (f->decoded[1])
			CHECK(job, "dpb-entry", "bottom_field_order_cnt", e->bottom_field_order_cnt,
			      f->poc[1]);
	}
	for (int j = 0; j < H264_MAX_FS; j++) {
		const struct h264_fs *g = &c->model.fs[j];

		if (g->in_use && !g->non_existing && (g->ref[0] || g->ref[1]) && !matched[j]) {
			emu_violation(job, "dpb-missing-reference",
				      "\"frame_num\":%u,\"long_term\":%d,\"reference_ts\":%" PRIu64,
				      g->frame_num, g->ref[0] == 2 || g->ref[1] == 2, g->ts);
			bad = true;
		}
	}
	return !bad;
}

/* ref_pic_list0/1 against the lists of 8.2.4 built from the model: each active entry must name
 * (by DPB index) the entry holding that picture, with fields = which field (or FRAME_REF).
 * Entries past the initial list ("no reference picture") and non-existing frames are skipped. */
static bool check_ref_lists(struct h264_ctx *c, const struct emu_job *job,
			    const struct h264_slice *s,
			    const struct v4l2_ctrl_h264_slice_params *sp)
{
	struct h264_ref lists[2][33];
	int n[2];
	uint32_t size = 0;
	bool bad = false;
	const struct v4l2_ctrl_h264_decode_params *dp =
	    emu_job_ctrl(job, V4L2_CID_STATELESS_H264_DECODE_PARAMS, &size);

	if (!dp || size < sizeof(*dp))
		return false;
	if (h264_model_ref_lists(&c->model, &c->sps, s, &c->poc, lists, n)) {
		emu_violation(job, "ref-pic-list-modification",
			      "\"field\":\"picture not held by the DPB model\"");
		return false;
	}
	for (int l = 0; l < 2; l++) {
		const struct v4l2_h264_reference *got = l ? sp->ref_pic_list1 : sp->ref_pic_list0;

		for (int i = 0; i < n[l] && i < V4L2_H264_REF_LIST_LEN; i++) {
			const struct h264_ref *w = &lists[l][i];
			const struct h264_fs *f;
			int want_fields;
			char name[48];

			if (w->fs < 0)
				continue;
			f = &c->model.fs[w->fs];
			if (f->non_existing)
				continue;
			want_fields = w->parity < 0 ? V4L2_H264_FRAME_REF
				      : w->parity   ? V4L2_H264_BOTTOM_FIELD_REF
						    : V4L2_H264_TOP_FIELD_REF;
			snprintf(name, sizeof(name), "ref_pic_list%d[%d].index", l, i);
			if (got[i].index >= V4L2_H264_NUM_DPB_ENTRIES ||
			    dp->dpb[got[i].index].reference_ts != f->ts) {
				int want_idx = -1;

				for (int k = 0; k < V4L2_H264_NUM_DPB_ENTRIES; k++)
					if ((dp->dpb[k].flags & V4L2_H264_DPB_ENTRY_FLAG_VALID) &&
					    dp->dpb[k].reference_ts == f->ts)
						want_idx = k;
				CHECK(job, "slice-params", name, got[i].index, want_idx);
			}
			snprintf(name, sizeof(name), "ref_pic_list%d[%d].fields", l, i);
			CHECK(job, "slice-params", name, got[i].fields, want_fields);
		}
	}
	return !bad;
}

/*
 * SLICE_PARAMS (slice-based devices). header_bit_size ("offset in bits to slice_data() from the
 * beginning of this slice") is accepted in the conventions clients use: RBSP or escaped bits,
 * with or without the NAL header byte, and GStreamer's (header byte + escaped bits - number of
 * escape bytes); they differ only when the header holds an emulation-prevention byte.
 */
static bool check_slice_params(struct h264_ctx *c, const struct emu_job *job,
			       const struct h264_slice *s,
			       const struct v4l2_ctrl_h264_slice_params *sp)
{
	bool bad = false;
	uint32_t hb = sp->header_bit_size;
	uint32_t st = s->slice_type;

	/* GStreamer: 8 * NAL header bytes + escaped header bits - number of escape bytes */
	uint32_t gst = s->header_bits[1] + 8 - (s->header_bits[1] - s->header_bits[0]) / 8;

	if (hb != s->header_bits[0] && hb != s->header_bits[1] && hb != s->header_bits[0] + 8 &&
	    hb != s->header_bits[1] + 8 && hb != gst)
		CHECK(job, "slice-params", "header_bit_size", hb, s->header_bits[0] + 8);
	CHECK(job, "slice-params", "first_mb_in_slice", sp->first_mb_in_slice,
	      s->first_mb_in_slice);
	CHECK(job, "slice-params", "slice_type", sp->slice_type, st);
	CHECK(job, "slice-params", "colour_plane_id", sp->colour_plane_id, s->colour_plane_id);
	CHECK(job, "slice-params", "redundant_pic_cnt", sp->redundant_pic_cnt,
	      s->redundant_pic_cnt);
	CHECK(job, "slice-params", "cabac_init_idc", sp->cabac_init_idc, s->cabac_init_idc);
	CHECK(job, "slice-params", "slice_qp_delta", sp->slice_qp_delta, s->slice_qp_delta);
	if (st == 3 || st == 4)
		CHECK(job, "slice-params", "slice_qs_delta", sp->slice_qs_delta, s->slice_qs_delta);
	CHECK(job, "slice-params", "disable_deblocking_filter_idc",
	      sp->disable_deblocking_filter_idc, s->disable_deblocking_filter_idc);
	if (s->disable_deblocking_filter_idc != 1) {
		CHECK(job, "slice-params", "slice_alpha_c0_offset_div2",
		      sp->slice_alpha_c0_offset_div2, s->alpha_div2);
		CHECK(job, "slice-params", "slice_beta_offset_div2", sp->slice_beta_offset_div2,
		      s->beta_div2);
	}
	if (st != 2 && st != 4)
		CHECK(job, "slice-params", "num_ref_idx_l0_active_minus1",
		      sp->num_ref_idx_l0_active_minus1, s->num_ref_idx_active_minus1[0]);
	if (st == 1) {
		CHECK(job, "slice-params", "num_ref_idx_l1_active_minus1",
		      sp->num_ref_idx_l1_active_minus1, s->num_ref_idx_active_minus1[1]);
		CHECK(job, "slice-params", "flags.DIRECT_SPATIAL_MV_PRED",
		      !!(sp->flags & V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED),
		      s->direct_spatial_mv_pred);
	}
	if (st == 3)
		CHECK(job, "slice-params", "flags.SP_FOR_SWITCH",
		      !!(sp->flags & V4L2_H264_SLICE_FLAG_SP_FOR_SWITCH), s->sp_for_switch);
	bad = !check_ref_lists(c, job, s, sp) || bad;
	if (s->has_pwt) {
		uint32_t size = 0;
		const struct v4l2_ctrl_h264_pred_weights *w =
		    emu_job_ctrl(job, V4L2_CID_STATELESS_H264_PRED_WEIGHTS, &size);
		const struct v4l2_ctrl_h264_pred_weights *x = &s->pwt;
		bool chroma = c->sps.chroma_format_idc != 0 &&
			      !(c->sps.flags & V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE);
		char name[64];

		if (!w || size < sizeof(*w)) {
			emu_violation(job, "pred-weights-missing", "\"field\":\"pred_weights\"");
			return false;
		}
		CHECK(job, "pred-weights", "luma_log2_weight_denom", w->luma_log2_weight_denom,
		      x->luma_log2_weight_denom);
		if (chroma)
			CHECK(job, "pred-weights", "chroma_log2_weight_denom",
			      w->chroma_log2_weight_denom, x->chroma_log2_weight_denom);
		for (int l = 0; l < (st == 1 ? 2 : 1); l++) {
			const struct v4l2_h264_weight_factors *a = &w->weight_factors[l],
							      *b = &x->weight_factors[l];

			for (uint32_t i = 0; i <= s->num_ref_idx_active_minus1[l]; i++) {
				snprintf(name, sizeof(name), "l%d.luma_weight[%u]", l, i);
				CHECK(job, "pred-weights", name, a->luma_weight[i],
				      b->luma_weight[i]);
				snprintf(name, sizeof(name), "l%d.luma_offset[%u]", l, i);
				CHECK(job, "pred-weights", name, a->luma_offset[i],
				      b->luma_offset[i]);
				for (int j = 0; chroma && j < 2; j++) {
					snprintf(name, sizeof(name), "l%d.chroma_weight[%u][%d]", l,
						 i, j);
					CHECK(job, "pred-weights", name, a->chroma_weight[i][j],
					      b->chroma_weight[i][j]);
					snprintf(name, sizeof(name), "l%d.chroma_offset[%u][%d]", l,
						 i, j);
					CHECK(job, "pred-weights", name, a->chroma_offset[i][j],
					      b->chroma_offset[i][j]);
				}
			}
		}
	}
	return !bad;
}

/* ---- access units ---- */

static void au_reset(struct h264_ctx *c)
{
	c->au.len = 0;
	c->au.nacc = 0;
	c->au.acc = 0;
	c->au.zeros = 0;
	c->au.err = false;
	c->au_slices = 0;
	c->au_failed = false;
	c->au_capture = -1;
}

/* Decode the collected access unit; the picture goes to c->lavc.out. 0 or -1. */
static int au_decode(struct h264_ctx *c, const struct emu_job *job)
{
	struct h264_bw hdr;
	uint8_t *pkt;
	bool second;
	int ret = -1;

	if (!c->au_slices)
		return -1; /* nothing was submitted for this picture */
	h264_bw_init(&hdr);
	/* A request the device refused decodes nothing: a stateless decoder keeps nothing from
	 * it, so libavcodec never sees it (what it left there reached later pictures, even past
	 * an IDR). The reference model still records it: the client's DPB goes on naming it. */
	if (c->au_failed)
		goto model;
	if (h264_write_sps(&hdr, &c->sps) ||
	    h264_write_pps(&hdr, &c->sps, &c->pps, c->has_sm ? &c->sm : NULL) || c->au.err) {
		emu_debug("h264: cannot rebuild SPS/PPS\n");
		goto model;
	}
	pkt = emu_lavc_packet(&c->lavc, hdr.len + c->au.len);
	if (!pkt)
		goto model;
	memcpy(pkt, hdr.buf, hdr.len);
	memcpy(pkt + hdr.len, c->au.buf, c->au.len);
	ret = emu_lavc_send(&c->lavc);
	if (ret < 0) {
		emu_debug("h264: libavcodec error %d on request %" PRIu64 "\n", ret, job->seq);
		/* Nothing of the damaged picture may stay: a new decoder, on which the pictures
		 * that reference it (or anything before it) fail up to the next IDR. */
		if (emu_lavc_reset(&c->lavc))
			emu_debug("h264: no new decoder: every later picture fails\n");
		ret = -1;
		goto model;
	}
	second = h264_model_is_second_field(&c->model, &c->first);
	/* A second field decodes into its first field's picture: no new buffer then. */
	ret = emu_lavc_take(&c->lavc, second);
	if (ret)
		emu_debug("h264: request %" PRIu64 ": no picture decoded (%d slices)\n", job->seq,
			  c->au_slices);
model:
	h264_model_finish(&c->model, &c->sps, &c->first, &c->poc, c->au_capture, c->au_ts);
	h264_bw_free(&hdr);
	return ret;
}

static int add_slice(struct h264_ctx *c, const struct emu_job *job, const uint8_t *nal, size_t n)
{
	static const uint8_t sc[4] = {0, 0, 0, 1};
	struct h264_slice *s = &c->cur;
	uint32_t size = 0;
	int type;

	if (n < 1)
		return 0;
	type = nal[0] & 31;
	/* Hardware decodes slices only: parameter sets come from the controls, SEI/AUD/... are
	 * skipped. Data partitioning is not supported by any V4L2 decoder. */
	if (type != 1 && type != 5) {
		if (type >= 2 && type <= 4) {
			emu_violation(job, "unsupported-nal", "\"nal_unit_type\":%d", type);
			return -1;
		}
		return 0;
	}
	if (h264_parse_slice(nal, n, &c->sps, &c->pps, s)) {
		emu_violation(job, "slice-header", "\"field\":\"parse\",\"nal_unit_type\":%d",
			      type);
		return -1;
	}
	if (c->pps.seq_parameter_set_id != c->sps.seq_parameter_set_id) {
		emu_violation(job, "sps-id",
			      "\"field\":\"pps.seq_parameter_set_id\",\"got\":%u,\"want\":%u",
			      c->pps.seq_parameter_set_id, c->sps.seq_parameter_set_id);
		return -1;
	}
	if (s->pps_id != c->pps.pic_parameter_set_id) {
		emu_violation(job, "pps-id",
			      "\"field\":\"pic_parameter_set_id\",\"got\":%u,\"want\":%u",
			      c->pps.pic_parameter_set_id, s->pps_id);
		return -1;
	}
	if (!c->au_slices) {
		const struct v4l2_ctrl_h264_decode_params *dp =
		    emu_job_ctrl(job, V4L2_CID_STATELESS_H264_DECODE_PARAMS, &size);
		bool ok;

		c->first = *s;
		h264_model_gaps(&c->model, &c->sps, s);
		h264_model_poc(&c->model, &c->sps, s, &c->poc);
		if (!dp || size < sizeof(*dp)) {
			emu_violation(job, "missing-control", "\"field\":\"decode_params\"");
			return -1;
		}
		if (c->sps.pic_order_cnt_type == 1) {
			c->poc.top = dp->top_field_order_cnt;
			c->poc.bottom = dp->bottom_field_order_cnt;
		}
		ok = check_decode_params(c, job, dp);
		ok = check_dpb(c, job, dp) && ok;
		if (!ok)
			c->au_failed = true;
	} else if (s->frame_num != c->first.frame_num || s->idr != c->first.idr ||
		   s->field_pic != c->first.field_pic || s->bottom_field != c->first.bottom_field ||
		   (s->idr && s->idr_pic_id != c->first.idr_pic_id)) {
		emu_violation(job, "access-unit", "\"field\":\"slice of another picture\"");
		c->au_failed = true;
	}
	if (emu_inst_cfg(c->inst)->mode == EMU_MODE_SLICE_BASED) {
		const struct v4l2_ctrl_h264_slice_params *sp =
		    emu_job_ctrl(job, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &size);

		if (!sp || size < sizeof(*sp)) {
			emu_violation(job, "missing-control", "\"field\":\"slice_params\"");
			c->au_failed = true;
		} else if (!check_slice_params(c, job, s, sp)) {
			c->au_failed = true;
		}
	}
	h264_bw_raw(&c->au, sc, 4);
	h264_bw_raw(&c->au, nal, n);
	c->au_slices++;
	return c->au_failed ? -1 : 0;
}

static int h264_submit(void *priv, const struct emu_job *job)
{
	struct h264_ctx *c = priv;
	const struct emu_dev_cfg *cfg;
	const void *v;
	uint32_t size = 0;
	int ret = 0;

	if (!c)
		return -1;
	cfg = emu_inst_cfg(c->inst);
	/* A picture whose buffer was never finished (failed request): keep the models in step. */
	/* The core does not call finish() for a request whose submit failed: a pending access
	 * unit ends at the next picture (frame-based: every request; slice-based: a new
	 * timestamp, which is also what releases the held buffer). */
	if (c->au_slices && (cfg->mode == EMU_MODE_FRAME_BASED || c->au_ts != job->timestamp ||
			     c->au_capture != job->capture_index)) {
		au_decode(c, job);
		au_reset(c);
	}
	if (!c->au_slices) {
		au_reset(c);
		v = emu_job_ctrl(job, V4L2_CID_STATELESS_H264_SPS, &size);
		if (!v || size < sizeof(c->sps))
			goto missing;
		memcpy(&c->sps, v, sizeof(c->sps));
		h264_normalize_sps(&c->sps);
		v = emu_job_ctrl(job, V4L2_CID_STATELESS_H264_PPS, &size);
		if (!v || size < sizeof(c->pps))
			goto missing;
		memcpy(&c->pps, v, sizeof(c->pps));
		c->has_sm = false;
		if (c->pps.flags & V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT) {
			v = emu_job_ctrl(job, V4L2_CID_STATELESS_H264_SCALING_MATRIX, &size);
			if (!v || size < sizeof(c->sm))
				goto missing;
			memcpy(&c->sm, v, sizeof(c->sm));
			c->has_sm = true;
		}
		c->au_capture = job->capture_index;
		c->au_ts = job->timestamp;
		/* the core validated them; the parser's bit counts rely on it, so make sure */
		if (h264_try_ctrl(cfg, V4L2_CID_STATELESS_H264_SPS, &c->sps, sizeof(c->sps)) ||
		    h264_try_ctrl(cfg, V4L2_CID_STATELESS_H264_PPS, &c->pps, sizeof(c->pps))) {
			emu_violation(job, "invalid-control", "\"field\":\"sps/pps\"");
			c->au_failed = true;
			return -1;
		}
	}
	if (cfg->start_code == EMU_START_CODE_NONE) {
		ret = add_slice(c, job, job->data, job->size);
	} else {
		/* Annex B: NAL units after 00 00 01 (a preceding zero byte belongs to the start
		 * code); trailing zero bytes belong to the next start code. */
		size_t i = 0, start = SIZE_MAX;
		int nals = 0;

		while (i + 2 < job->size || (start != SIZE_MAX && i <= job->size)) {
			bool at_sc = i + 2 < job->size && job->data[i] == 0 &&
				     job->data[i + 1] == 0 && job->data[i + 2] == 1;

			if (at_sc || i >= job->size) {
				if (start != SIZE_MAX) {
					size_t end = i;

					while (end > start && job->data[end - 1] == 0)
						end--;
					if (add_slice(c, job, job->data + start, end - start))
						ret = -1;
					nals++;
					start = SIZE_MAX;
				}
				if (i >= job->size)
					break;
				i += 3;
				start = i;
				continue;
			}
			i++;
		}
		if (!nals) {
			emu_violation(job, "annex-b", "\"field\":\"no start code\"");
			ret = -1;
		}
	}
	if (ret)
		c->au_failed = true;
	return ret;
missing:
	emu_violation(job, "missing-control", "\"field\":\"sps/pps/scaling_matrix\"");
	c->au_failed = true;
	return -1;
}

static int h264_finish(void *priv, const struct emu_job *job, struct emu_picture *out)
{
	struct h264_ctx *c = priv;
	const AVPixFmtDescriptor *d;
	int ret, w, h;

	if (!c)
		return -1;
	ret = au_decode(c, job);
	if (c->au_failed)
		ret = -1;
	if (ret)
		emu_debug("h264: request %" PRIu64 ": picture failed (slices %d, checks %s)\n",
			  job->seq, c->au_slices, c->au_failed ? "failed" : "ok");
	au_reset(c);
	if (ret)
		return -1;
	d = av_pix_fmt_desc_get(c->lavc.out->format);
	w = 16 * (c->sps.pic_width_in_mbs_minus1 + 1);
	h = 16 * (c->sps.pic_height_in_map_units_minus1 + 1) *
	    ((c->sps.flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY) ? 1 : 2);
	if (!d || d->nb_components != 3 || d->log2_chroma_w != 1 || d->log2_chroma_h != 1 ||
	    (d->flags & AV_PIX_FMT_FLAG_BE) || c->lavc.out->width < w || c->lavc.out->height < h)
		return -1;
	out->width = w;
	out->height = h;
	out->bit_depth = d->comp[0].depth;
	for (int i = 0; i < 3; i++) {
		out->plane[i] = c->lavc.out->data[i];
		out->stride[i] = c->lavc.out->linesize[i];
	}
	return 0;
}

/* ---- trace ---- */

static void dump_ints(FILE *f, const char *name, const void *p, int n, int size, bool sgn)
{
	fprintf(f, "\"%s\":[", name);
	for (int i = 0; i < n; i++) {
		long long v;

		if (size == 1)
			v = sgn ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i];
		else if (size == 2)
			v = sgn ? ((const int16_t *)p)[i] : ((const uint16_t *)p)[i];
		else
			v = sgn ? (long long)((const int32_t *)p)[i]
				: (long long)((const uint32_t *)p)[i];
		fprintf(f, "%s%lld", i ? "," : "", v);
	}
	fputc(']', f);
}

/* rows x cols array as nested JSON arrays */
static void dump_2d(FILE *f, const char *name, const void *p, int rows, int cols, int size,
		    bool sgn)
{
	fprintf(f, "\"%s\":[", name);
	for (int r = 0; r < rows; r++) {
		const uint8_t *row = (const uint8_t *)p + (size_t)r * cols * size;

		fputs(r ? ",[" : "[", f);
		for (int k = 0; k < cols; k++) {
			long long v;

			if (size == 1)
				v = sgn ? ((const int8_t *)row)[k] : ((const uint8_t *)row)[k];
			else
				v = sgn ? ((const int16_t *)row)[k] : ((const uint16_t *)row)[k];
			fprintf(f, "%s%lld", k ? "," : "", v);
		}
		fputc(']', f);
	}
	fputc(']', f);
}

static void dump_refs(FILE *f, const char *name, const struct v4l2_h264_reference *r)
{
	fprintf(f, "\"%s\":[", name);
	for (int i = 0; i < V4L2_H264_REF_LIST_LEN; i++)
		fprintf(f, "%s{\"fields\":%u,\"index\":%u}", i ? "," : "", r[i].fields, r[i].index);
	fputc(']', f);
}

static void h264_dump_ctrl(FILE *f, uint32_t id, const void *data, uint32_t size)
{
	switch (id) {
	case V4L2_CID_STATELESS_H264_SPS: {
		const struct v4l2_ctrl_h264_sps *s = data;

		if (size < sizeof(*s))
			break;
		fprintf(f,
			"{\"profile_idc\":%u,\"constraint_set_flags\":%u,\"level_idc\":%u,"
			"\"seq_parameter_set_id\":%u,\"chroma_format_idc\":%u,"
			"\"bit_depth_luma_minus8\":%u,\"bit_depth_chroma_minus8\":%u,"
			"\"log2_max_frame_num_minus4\":%u,\"pic_order_cnt_type\":%u,"
			"\"log2_max_pic_order_cnt_lsb_minus4\":%u,\"max_num_ref_frames\":%u,"
			"\"num_ref_frames_in_pic_order_cnt_cycle\":%u,",
			s->profile_idc, s->constraint_set_flags, s->level_idc,
			s->seq_parameter_set_id, s->chroma_format_idc, s->bit_depth_luma_minus8,
			s->bit_depth_chroma_minus8, s->log2_max_frame_num_minus4,
			s->pic_order_cnt_type, s->log2_max_pic_order_cnt_lsb_minus4,
			s->max_num_ref_frames, s->num_ref_frames_in_pic_order_cnt_cycle);
		dump_ints(f, "offset_for_ref_frame", s->offset_for_ref_frame, 255, 4, true);
		fprintf(f,
			",\"offset_for_non_ref_pic\":%d,\"offset_for_top_to_bottom_field\":%d,"
			"\"pic_width_in_mbs_minus1\":%u,\"pic_height_in_map_units_minus1\":%u,"
			"\"flags\":%u}",
			s->offset_for_non_ref_pic, s->offset_for_top_to_bottom_field,
			s->pic_width_in_mbs_minus1, s->pic_height_in_map_units_minus1, s->flags);
		return;
	}
	case V4L2_CID_STATELESS_H264_PPS: {
		const struct v4l2_ctrl_h264_pps *p = data;

		if (size < sizeof(*p))
			break;
		fprintf(
		    f,
		    "{\"pic_parameter_set_id\":%u,\"seq_parameter_set_id\":%u,"
		    "\"num_slice_groups_minus1\":%u,\"num_ref_idx_l0_default_active_minus1\":%u,"
		    "\"num_ref_idx_l1_default_active_minus1\":%u,\"weighted_bipred_idc\":%u,"
		    "\"pic_init_qp_minus26\":%d,\"pic_init_qs_minus26\":%d,"
		    "\"chroma_qp_index_offset\":%d,\"second_chroma_qp_index_offset\":%d,"
		    "\"flags\":%u}",
		    p->pic_parameter_set_id, p->seq_parameter_set_id, p->num_slice_groups_minus1,
		    p->num_ref_idx_l0_default_active_minus1,
		    p->num_ref_idx_l1_default_active_minus1, p->weighted_bipred_idc,
		    p->pic_init_qp_minus26, p->pic_init_qs_minus26, p->chroma_qp_index_offset,
		    p->second_chroma_qp_index_offset, p->flags);
		return;
	}
	case V4L2_CID_STATELESS_H264_SCALING_MATRIX: {
		const struct v4l2_ctrl_h264_scaling_matrix *m = data;

		if (size < sizeof(*m))
			break;
		fputc('{', f);
		dump_2d(f, "scaling_list_4x4", m->scaling_list_4x4, 6, 16, 1, false);
		fputc(',', f);
		dump_2d(f, "scaling_list_8x8", m->scaling_list_8x8, 6, 64, 1, false);
		fputc('}', f);
		return;
	}
	case V4L2_CID_STATELESS_H264_DECODE_PARAMS: {
		const struct v4l2_ctrl_h264_decode_params *d = data;

		if (size < sizeof(*d))
			break;
		fputs("{\"dpb\":[", f);
		for (int i = 0; i < V4L2_H264_NUM_DPB_ENTRIES; i++) {
			const struct v4l2_h264_dpb_entry *e = &d->dpb[i];

			fprintf(f,
				"%s{\"reference_ts\":%" PRIu64 ",\"pic_num\":%u,\"frame_num\":%u,"
				"\"fields\":%u,\"top_field_order_cnt\":%d,"
				"\"bottom_field_order_cnt\":%d,\"flags\":%u}",
				i ? "," : "", (uint64_t)e->reference_ts, e->pic_num, e->frame_num,
				e->fields, e->top_field_order_cnt, e->bottom_field_order_cnt,
				e->flags);
		}
		fprintf(f,
			"],\"nal_ref_idc\":%u,\"frame_num\":%u,\"top_field_order_cnt\":%d,"
			"\"bottom_field_order_cnt\":%d,\"idr_pic_id\":%u,\"pic_order_cnt_lsb\":%u,"
			"\"delta_pic_order_cnt_bottom\":%d,\"delta_pic_order_cnt0\":%d,"
			"\"delta_pic_order_cnt1\":%d,\"dec_ref_pic_marking_bit_size\":%u,"
			"\"pic_order_cnt_bit_size\":%u,\"slice_group_change_cycle\":%u,"
			"\"flags\":%u}",
			d->nal_ref_idc, d->frame_num, d->top_field_order_cnt,
			d->bottom_field_order_cnt, d->idr_pic_id, d->pic_order_cnt_lsb,
			d->delta_pic_order_cnt_bottom, d->delta_pic_order_cnt0,
			d->delta_pic_order_cnt1, d->dec_ref_pic_marking_bit_size,
			d->pic_order_cnt_bit_size, d->slice_group_change_cycle, d->flags);
		return;
	}
	case V4L2_CID_STATELESS_H264_SLICE_PARAMS: {
		const struct v4l2_ctrl_h264_slice_params *s = data;

		if (size < sizeof(*s))
			break;
		fprintf(f,
			"{\"header_bit_size\":%u,\"first_mb_in_slice\":%u,\"slice_type\":%u,"
			"\"colour_plane_id\":%u,\"redundant_pic_cnt\":%u,\"cabac_init_idc\":%u,"
			"\"slice_qp_delta\":%d,\"slice_qs_delta\":%d,"
			"\"disable_deblocking_filter_idc\":%u,\"slice_alpha_c0_offset_div2\":%d,"
			"\"slice_beta_offset_div2\":%d,\"num_ref_idx_l0_active_minus1\":%u,"
			"\"num_ref_idx_l1_active_minus1\":%u,",
			s->header_bit_size, s->first_mb_in_slice, s->slice_type, s->colour_plane_id,
			s->redundant_pic_cnt, s->cabac_init_idc, s->slice_qp_delta,
			s->slice_qs_delta, s->disable_deblocking_filter_idc,
			s->slice_alpha_c0_offset_div2, s->slice_beta_offset_div2,
			s->num_ref_idx_l0_active_minus1, s->num_ref_idx_l1_active_minus1);
		dump_refs(f, "ref_pic_list0", s->ref_pic_list0);
		fputc(',', f);
		dump_refs(f, "ref_pic_list1", s->ref_pic_list1);
		fprintf(f, ",\"flags\":%u}", s->flags);
		return;
	}
	case V4L2_CID_STATELESS_H264_PRED_WEIGHTS: {
		const struct v4l2_ctrl_h264_pred_weights *w = data;

		if (size < sizeof(*w))
			break;
		fprintf(f, "{\"luma_log2_weight_denom\":%u,\"chroma_log2_weight_denom\":%u,",
			w->luma_log2_weight_denom, w->chroma_log2_weight_denom);
		fputs("\"weight_factors\":[", f);
		for (int l = 0; l < 2; l++) {
			const struct v4l2_h264_weight_factors *x = &w->weight_factors[l];

			fputs(l ? ",{" : "{", f);
			dump_ints(f, "luma_weight", x->luma_weight, 32, 2, true);
			fputc(',', f);
			dump_ints(f, "luma_offset", x->luma_offset, 32, 2, true);
			fputc(',', f);
			dump_2d(f, "chroma_weight", x->chroma_weight, 32, 2, 2, true);
			fputc(',', f);
			dump_2d(f, "chroma_offset", x->chroma_offset, 32, 2, 2, true);
			fputc('}', f);
		}
		fputs("]}", f);
		return;
	}
	case V4L2_CID_STATELESS_H264_DECODE_MODE:
	case V4L2_CID_STATELESS_H264_START_CODE:
		if (size >= sizeof(int32_t)) {
			fprintf(f, "{\"value\":%d}", *(const int32_t *)data);
			return;
		}
		break;
	default:
		break;
	}
	fprintf(f, "{\"size\":%u}", size);
}

const struct emu_codec_ops emu_codec_h264 = {
    .name = "h264",
    .coded_fourcc = V4L2_PIX_FMT_H264_SLICE,
    .get_ctrls = h264_get_ctrls,
    .try_ctrl = h264_try_ctrl,
    .bit_depth = h264_bit_depth,
    .open = h264_open,
    .close = h264_close,
    .submit = h264_submit,
    .finish = h264_finish,
    .dump_ctrl = h264_dump_ctrl,
};
