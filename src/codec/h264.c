/* SPDX-License-Identifier: MIT */
/*
 * H.264: VA picture/IQ/slice buffers -> V4L2 stateless H.264 controls (SPS, PPS, SCALING_MATRIX,
 * DECODE_PARAMS, and SLICE_PARAMS/PRED_WEIGHTS in slice-based mode).
 *
 * VA omits fields the kernel needs (nal_ref_idc, idr_pic_id, POC syntax and bit sizes, the PPS
 * default reference counts, ...); they are recovered by parsing the slice headers
 * (bitstream/h264_slice.c) with the SPS/PPS values VA does carry.
 */
#include "codec.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/v4l2-controls.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "h264_slice.h"
#include "slices.h"

#define H264_MAX_SLICES 1024	    /* per picture; more is not a real stream */
#define H264_MAX_DATA	(64u << 20) /* per picture */

static const VAProfile h264_profiles[] = {
    VAProfileH264ConstrainedBaseline, VAProfileH264Main, VAProfileH264High,
#if VA_CHECK_VERSION(1, 18, 0)
    VAProfileH264High10, /* enum added in libva 1.18 */
#endif
};

static bool h264_profile_is_10bit(VAProfile profile)
{
#if VA_CHECK_VERSION(1, 18, 0)
	return profile == VAProfileH264High10;
#else
	(void)profile;
	return false;
#endif
}

struct h264_slice {
	struct v4l2r_slice_span span; /* the NAL unit, header byte first (in the VA buffer) */
	VASliceParameterBufferH264 param;
	struct v4l2r_h264_slice_hdr hdr;
};

struct h264_priv {
	VAProfile profile;
	bool frame_based;
	bool annexb;

	/* Current picture. */
	bool have_pic, have_iq;
	VAPictureParameterBufferH264 pic;
	VAIQMatrixBufferH264 iq;
	struct v4l2r_slices sl; /* records: struct h264_slice */

	/* PPS default reference counts learned from slices without override, per pps id. */
	uint8_t ref_default[256][2];
	bool ref_default_known[256];

	/* Picture order counts (8.2.1), computed here: clients' values may be offset (ffmpeg adds
	 * 2^16 to type 0 counts) or not reset by memory_management_control_operation 5. */
	struct {
		int32_t prev_ref_msb, prev_ref_lsb;
		bool prev_ref_mmco5, prev_ref_bottom;
		int32_t prev_ref_top_after; /* TopFieldOrderCnt after the mmco5 reset */
		uint32_t prev_frame_num, prev_frame_num_offset;
		bool prev_mmco5;
		bool overflow; /* the last picture's counts did not fit 32 bits */
	} poc;
	/* Counts of the pictures in surfaces, for DPB entries. */
	struct {
		VASurfaceID id;
		int32_t top, bottom;
		bool field_coded; /* decoded as field picture(s) */
	} poc_map[64];
	unsigned poc_map_next;
	bool poc_computed; /* the stream's counts are computed here (types 0 and 2) */
	int32_t cur_top, cur_bottom;

	/* The last first field, to recognise its second field (same frame, other parity). */
	bool first_field_valid, first_field_bottom;
	VASurfaceID first_field_surface;
	uint16_t first_field_frame_num;

	/* Last stream declaration, to call v4l2r_ctx_stream() only on change. */
	bool streamed;
	struct v4l2r_stream_params stream;
	struct v4l2_ctrl_h264_sps stream_sps;

	/* Controls of the picture being queued. */
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;
	struct v4l2_ctrl_h264_scaling_matrix scaling;
	struct v4l2_ctrl_h264_decode_params decode;
	struct v4l2_ctrl_h264_slice_params slice;
	struct v4l2_ctrl_h264_pred_weights weights;
};

/* --- device mode --------------------------------------------------------------------------- */

/* Bitmask of the menu values the device offers for `id`, 0 if the control is absent. */
static unsigned menu_values(int fd, uint32_t id, int32_t *cur)
{
	struct v4l2_query_ext_ctrl q = {.id = id};
	unsigned mask = 0;

	if (fd < 0 || ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q) < 0)
		return 0;
	for (int64_t v = q.minimum; v <= q.maximum && v < 32; v++) {
		struct v4l2_querymenu m = {.id = id, .index = (uint32_t)v};

		if (v >= 0 && ioctl(fd, VIDIOC_QUERYMENU, &m) == 0)
			mask |= 1u << v;
	}
	*cur = (int32_t)q.default_value;

	struct v4l2_ext_control c = {.id = id};
	struct v4l2_ext_controls cs = {
	    .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c};
	if (ioctl(fd, VIDIOC_G_EXT_CTRLS, &cs) == 0)
		*cur = c.value;
	return mask;
}

static void set_mode_ctrl(int fd, uint32_t id, int32_t value)
{
	struct v4l2_ext_control c = {.id = id, .value = value};
	struct v4l2_ext_controls cs = {
	    .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c};

	/* Failure leaves the device's current value, which is what we then assume. */
	(void)ioctl(fd, VIDIOC_S_EXT_CTRLS, &cs);
}

static VAStatus h264_init(struct v4l2r_ctx *ctx, void *priv_, VAProfile profile)
{
	struct h264_priv *priv = priv_;
	int fd = v4l2r_ctx_fd(ctx);
	int32_t cur_mode = V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED;
	int32_t cur_sc = V4L2_STATELESS_H264_START_CODE_ANNEX_B;
	unsigned modes = menu_values(fd, V4L2_CID_STATELESS_H264_DECODE_MODE, &cur_mode);
	unsigned scs = menu_values(fd, V4L2_CID_STATELESS_H264_START_CODE, &cur_sc);

	priv->profile = profile;
	v4l2r_slices_init(&priv->sl, sizeof(struct h264_slice), offsetof(struct h264_slice, param),
			  sizeof(VASliceParameterBufferH264), H264_MAX_SLICES, H264_MAX_DATA);
	/* Frame-based: one request per picture, the decoder builds its own lists. */
	if (modes & (1u << V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED))
		priv->frame_based = true;
	else if (modes & (1u << V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED))
		priv->frame_based = false;
	else
		priv->frame_based = cur_mode != V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED;

	if (priv->frame_based && (scs & (1u << V4L2_STATELESS_H264_START_CODE_ANNEX_B)))
		priv->annexb = true;
	else if (scs & (1u << cur_sc))
		priv->annexb = cur_sc == V4L2_STATELESS_H264_START_CODE_ANNEX_B;
	else if (scs)
		priv->annexb = scs & (1u << V4L2_STATELESS_H264_START_CODE_ANNEX_B);
	else
		priv->annexb = cur_sc == V4L2_STATELESS_H264_START_CODE_ANNEX_B;

	int32_t mode = priv->frame_based ? V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED
					 : V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED;
	int32_t sc = priv->annexb ? V4L2_STATELESS_H264_START_CODE_ANNEX_B
				  : V4L2_STATELESS_H264_START_CODE_NONE;
	if (modes && mode != cur_mode)
		set_mode_ctrl(fd, V4L2_CID_STATELESS_H264_DECODE_MODE, mode);
	if (scs && sc != cur_sc)
		set_mode_ctrl(fd, V4L2_CID_STATELESS_H264_START_CODE, sc);
	v4l2r_ctx_debug(ctx, "h264: %s-based, %s\n", priv->frame_based ? "frame" : "slice",
			priv->annexb ? "Annex B start codes" : "no start codes");
	return VA_STATUS_SUCCESS;
}

static void h264_fini(struct v4l2r_ctx *ctx, void *priv_)
{
	struct h264_priv *priv = priv_;

	v4l2r_slices_free(&priv->sl);
}

static VAStatus h264_begin(struct v4l2r_ctx *ctx, void *priv_)
{
	struct h264_priv *priv = priv_;

	priv->have_pic = false;
	priv->have_iq = false;
	v4l2r_slices_reset(&priv->sl);
	return VA_STATUS_SUCCESS;
}

/* --- render -------------------------------------------------------------------------------- */

static VAStatus render_slice_params(struct h264_priv *priv, const struct v4l2r_va_buffer *buf)
{
	const VASliceParameterBufferH264 *p = buf->data;

	if (buf->size != sizeof(*p) || buf->num_elements < 1)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	for (unsigned i = 0; i < buf->num_elements && i < H264_MAX_SLICES; i++)
		if (p[i].slice_type > 9 || p[i].num_ref_idx_l0_active_minus1 > 31 ||
		    p[i].num_ref_idx_l1_active_minus1 > 31 || p[i].luma_log2_weight_denom > 7 ||
		    p[i].chroma_log2_weight_denom > 7)
			return VA_STATUS_ERROR_INVALID_PARAMETER;
	return v4l2r_slices_add_params(&priv->sl, buf);
}

/* A data buffer holds the slices of the parameter buffers rendered since the previous one. */
static VAStatus render_slice_data(struct h264_priv *priv, const struct v4l2r_va_buffer *buf)
{
	unsigned first;
	VAStatus st = v4l2r_slices_add_data(&priv->sl, buf, &first);

	if (st != VA_STATUS_SUCCESS)
		return st;
	for (unsigned i = first; i < priv->sl.n; i++) {
		struct h264_slice *s = v4l2r_slices_rec(&priv->sl, i);

		/* Zero bytes after the NAL unit belong to the next start code (ffmpeg keeps one):
		 * a NAL unit never ends with 0x00, and decoders get exactly the NAL unit. */
		while (s->span.size > 1 && s->span.data[s->span.size - 1] == 0)
			s->span.size--;
	}
	return VA_STATUS_SUCCESS;
}

static VAStatus h264_render(struct v4l2r_ctx *ctx, void *priv_, const struct v4l2r_va_buffer *buf)
{
	struct h264_priv *priv = priv_;

	if (!buf || !buf->data)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	switch (buf->type) {
	case VAPictureParameterBufferType:
		if (buf->size != sizeof(priv->pic) || buf->num_elements != 1)
			return VA_STATUS_ERROR_INVALID_BUFFER;
		memcpy(&priv->pic, buf->data, sizeof(priv->pic));
		priv->have_pic = true;
		return VA_STATUS_SUCCESS;
	case VAIQMatrixBufferType:
		if (buf->size != sizeof(priv->iq) || buf->num_elements != 1)
			return VA_STATUS_ERROR_INVALID_BUFFER;
		memcpy(&priv->iq, buf->data, sizeof(priv->iq));
		priv->have_iq = true;
		return VA_STATUS_SUCCESS;
	case VASliceParameterBufferType:
		return render_slice_params(priv, buf);
	case VASliceDataBufferType:
		return render_slice_data(priv, buf);
	default:
		return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
	}
}

/* --- picture order counts ------------------------------------------------------------------ */

/* ffmpeg leaves INT_MAX for a field that was never decoded. */
static int32_t poc(int32_t v)
{
	return v == INT32_MAX ? 0 : v;
}

static bool fits32(int64_t v)
{
	return v >= -INT32_MAX && v <= INT32_MAX;
}

/* 8.2.1 for POC types 0 and 2; type 1 needs SPS offsets VA does not carry: the client's counts
 * are taken then. Returns false when the client's counts are to be used. Counts that do not fit
 * 32 bits (a broken stream or hostile client values: the spec keeps them in range) set
 * priv->poc.overflow and leave the state as it was. */
static bool compute_poc(struct h264_priv *priv, const struct v4l2r_h264_slice_hdr *h, int32_t *top,
			int32_t *bottom)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;
	bool idr = h->nal_unit_type == 5;
	bool field = p->pic_fields.bits.field_pic_flag;
	bool bottom_field = field && (p->CurrPic.flags & VA_PICTURE_H264_BOTTOM_FIELD);
	unsigned type = p->seq_fields.bits.pic_order_cnt_type;
	uint32_t max_frame_num = 1u << (p->seq_fields.bits.log2_max_frame_num_minus4 + 4);
	bool computed = true;
	/* 64-bit working values, stored once they are known to fit */
	int64_t t = poc(p->CurrPic.TopFieldOrderCnt), b = poc(p->CurrPic.BottomFieldOrderCnt);
	int64_t msb = 0, lsb = 0;
	uint64_t offset = 0;

	priv->poc.overflow = false;
	if (type == 0) {
		int64_t max_lsb = (int64_t)1
				  << (p->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 + 4);
		int64_t prev_msb, prev_lsb;

		lsb = h->pic_order_cnt_lsb;
		if (idr) {
			prev_msb = prev_lsb = 0;
		} else if (priv->poc.prev_ref_mmco5) {
			prev_msb = 0;
			prev_lsb = priv->poc.prev_ref_bottom ? 0 : priv->poc.prev_ref_top_after;
		} else {
			prev_msb = priv->poc.prev_ref_msb;
			prev_lsb = priv->poc.prev_ref_lsb;
		}
		if (lsb < prev_lsb && prev_lsb - lsb >= max_lsb / 2)
			msb = prev_msb + max_lsb;
		else if (lsb > prev_lsb && lsb - prev_lsb > max_lsb / 2)
			msb = prev_msb - max_lsb;
		else
			msb = prev_msb;
		if (!bottom_field) {
			t = msb + lsb;
			if (!field)
				b = t + h->delta_pic_order_cnt_bottom;
		} else {
			b = msb + lsb;
		}
	} else if (type == 2) {
		uint64_t prev_offset = priv->poc.prev_mmco5 ? 0 : priv->poc.prev_frame_num_offset;
		int64_t v;

		if (idr)
			offset = 0;
		else if (priv->poc.prev_frame_num > h->frame_num)
			offset = prev_offset + max_frame_num;
		else
			offset = prev_offset;
		if (idr)
			v = 0;
		else
			v = 2 * (int64_t)(offset + h->frame_num) - (h->nal_ref_idc == 0);
		if (!field)
			t = b = v;
		else if (bottom_field)
			b = v;
		else
			t = v;
	} else {
		computed = false;
	}
	/* The counts and their difference (an mmco5 subtracts one from the other) fit. */
	if (!fits32(t) || !fits32(b) || !fits32(t - b) || !fits32(b - t) || !fits32(msb) ||
	    offset > UINT32_MAX) {
		priv->poc.overflow = true;
		return false;
	}
	if (type == 0 && h->nal_ref_idc) {
		priv->poc.prev_ref_msb = (int32_t)msb;
		priv->poc.prev_ref_lsb = (int32_t)lsb;
	}
	if (type == 2)
		priv->poc.prev_frame_num_offset = (uint32_t)offset;
	*top = (int32_t)t;
	*bottom = (int32_t)b;
	priv->poc.prev_frame_num = h->mmco5 ? 0 : h->frame_num;
	priv->poc.prev_mmco5 = h->mmco5;
	if (h->nal_ref_idc) {
		priv->poc.prev_ref_mmco5 = h->mmco5;
		priv->poc.prev_ref_bottom = bottom_field;
		/* After mmco5 the picture's counts are relative to PicOrderCnt(CurrPic). */
		priv->poc.prev_ref_top_after = !field ? (int32_t)(t - (t < b ? t : b)) : 0;
	}
	return computed;
}

static int poc_map_find(const struct h264_priv *priv, VASurfaceID id)
{
	for (unsigned i = 0; i < 64; i++)
		if (priv->poc_map[i].id == id)
			return (int)i;
	return -1;
}

/* Remember the counts of the picture just queued into `id` (after any mmco5 reset). */
static void poc_map_store(struct h264_priv *priv, VASurfaceID id, bool field, bool bottom_field,
			  int32_t top, int32_t bottom, bool mmco5)
{
	int i = poc_map_find(priv, id);

	if (i < 0) {
		i = (int)(priv->poc_map_next++ % 64);
		priv->poc_map[i].id = id;
		priv->poc_map[i].top = priv->poc_map[i].bottom = 0;
	}
	if (mmco5) {
		/* 8.2.1: tempPicOrderCnt = PicOrderCnt(CurrPic) is subtracted. */
		int32_t t = !field ? (top < bottom ? top : bottom) : (bottom_field ? bottom : top);

		top -= t;
		bottom -= t;
	}
	priv->poc_map[i].field_coded = field;
	if (!field || !bottom_field)
		priv->poc_map[i].top = top;
	if (!field || bottom_field)
		priv->poc_map[i].bottom = bottom;
}

/* --- end: controls ------------------------------------------------------------------------- */

static bool pic_is_valid_ref(const VAPictureH264 *p)
{
	return !(p->flags & VA_PICTURE_H264_INVALID) && p->picture_id != VA_INVALID_SURFACE &&
	       (p->flags &
		(VA_PICTURE_H264_SHORT_TERM_REFERENCE | VA_PICTURE_H264_LONG_TERM_REFERENCE));
}

static uint8_t va_fields(uint32_t flags)
{
	bool top = flags & VA_PICTURE_H264_TOP_FIELD, bottom = flags & VA_PICTURE_H264_BOTTOM_FIELD;

	if (top && !bottom)
		return V4L2_H264_TOP_FIELD_REF;
	if (bottom && !top)
		return V4L2_H264_BOTTOM_FIELD_REF;
	return V4L2_H264_FRAME_REF;
}

static VAStatus check_pic(const struct h264_priv *priv)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;

	if (p->seq_fields.bits.log2_max_frame_num_minus4 > 12 ||
	    p->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 > 12 ||
	    p->seq_fields.bits.pic_order_cnt_type > 2 ||
	    p->pic_fields.bits.weighted_bipred_idc > 2 || p->num_ref_frames > 16 ||
	    p->picture_width_in_mbs_minus1 > 1023 || p->picture_height_in_mbs_minus1 > 1023 ||
	    (!p->seq_fields.bits.frame_mbs_only_flag && !(p->picture_height_in_mbs_minus1 & 1)))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (p->bit_depth_luma_minus8 > 6 || p->bit_depth_chroma_minus8 > 6)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	/* Valid H.264, but stateless decoders output 8 or 10 bits, luma and chroma alike (the
	 * core decides whether the device and the profile allow 10): the client can fall back. */
	if ((p->bit_depth_luma_minus8 != 0 && p->bit_depth_luma_minus8 != 2) ||
	    p->bit_depth_chroma_minus8 != p->bit_depth_luma_minus8)
		return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
	if (p->pic_init_qp_minus26 < -(26 + 6 * p->bit_depth_luma_minus8) ||
	    p->pic_init_qp_minus26 > 25 || p->pic_init_qs_minus26 < -26 ||
	    p->pic_init_qs_minus26 > 25 || p->chroma_qp_index_offset < -12 ||
	    p->chroma_qp_index_offset > 12 || p->second_chroma_qp_index_offset < -12 ||
	    p->second_chroma_qp_index_offset > 12)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	return VA_STATUS_SUCCESS;
}

static void fill_ps(const struct h264_priv *priv, const struct h264_slice *s,
		    struct v4l2r_h264_ps *ps)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;
	unsigned map_h =
	    (p->picture_height_in_mbs_minus1 + 1u) >> !p->seq_fields.bits.frame_mbs_only_flag;

	*ps = (struct v4l2r_h264_ps){
	    .chroma_format_idc = p->seq_fields.bits.chroma_format_idc,
	    .separate_colour_plane = p->seq_fields.bits.residual_colour_transform_flag,
	    .log2_max_frame_num_minus4 = p->seq_fields.bits.log2_max_frame_num_minus4,
	    .frame_mbs_only = p->seq_fields.bits.frame_mbs_only_flag,
	    .pic_order_cnt_type = p->seq_fields.bits.pic_order_cnt_type,
	    .log2_max_pic_order_cnt_lsb_minus4 =
		p->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4,
	    .delta_pic_order_always_zero = p->seq_fields.bits.delta_pic_order_always_zero_flag,
	    .bottom_field_pic_order_in_frame_present = p->pic_fields.bits.pic_order_present_flag,
	    .redundant_pic_cnt_present = p->pic_fields.bits.redundant_pic_cnt_present_flag,
	    .weighted_pred = p->pic_fields.bits.weighted_pred_flag,
	    .weighted_bipred_idc = p->pic_fields.bits.weighted_bipred_idc,
	    .entropy_coding_mode = p->pic_fields.bits.entropy_coding_mode_flag,
	    .deblocking_filter_control_present =
		p->pic_fields.bits.deblocking_filter_control_present_flag,
	    /* VA's counts are the active ones, equal to the defaults when not overridden. */
	    .num_ref_idx_l0_default_active_minus1 = s->param.num_ref_idx_l0_active_minus1,
	    .num_ref_idx_l1_default_active_minus1 = s->param.num_ref_idx_l1_active_minus1,
	    /* FMO (slice groups) is Extended/Baseline only, outside the VA profiles we take;
	     * libva deprecated those fields. */
	    .num_slice_groups_minus1 = 0,
	    .pic_size_in_map_units = (p->picture_width_in_mbs_minus1 + 1u) * map_h,
	};
}

static void fill_sps(struct h264_priv *priv)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;
	struct v4l2_ctrl_h264_sps *sps = &priv->sps;
	unsigned w = p->picture_width_in_mbs_minus1 + 1u, h = p->picture_height_in_mbs_minus1 + 1u;

	memset(sps, 0, sizeof(*sps));
	/* VA carries no profile_idc: the VA profile and the features in use decide. */
	if (p->bit_depth_luma_minus8 || p->bit_depth_chroma_minus8)
		sps->profile_idc = 110;
	else if (priv->profile == VAProfileH264High || p->seq_fields.bits.chroma_format_idc != 1 ||
		 p->pic_fields.bits.transform_8x8_mode_flag)
		sps->profile_idc = 100;
	else if (priv->profile == VAProfileH264Main)
		sps->profile_idc = 77;
	else {
		sps->profile_idc = 66;
		sps->constraint_set_flags =
		    V4L2_H264_SPS_CONSTRAINT_SET0_FLAG | V4L2_H264_SPS_CONSTRAINT_SET1_FLAG;
	}
	/* Not in VA; the highest level for the frame size, so DPB limits never bite. */
	sps->level_idc = w * h > 36864 ? 60 : 51;
	sps->seq_parameter_set_id = 0;
	sps->chroma_format_idc = p->seq_fields.bits.chroma_format_idc;
	sps->bit_depth_luma_minus8 = p->bit_depth_luma_minus8;
	sps->bit_depth_chroma_minus8 = p->bit_depth_chroma_minus8;
	sps->log2_max_frame_num_minus4 = p->seq_fields.bits.log2_max_frame_num_minus4;
	sps->pic_order_cnt_type = p->seq_fields.bits.pic_order_cnt_type;
	sps->log2_max_pic_order_cnt_lsb_minus4 =
	    p->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4;
	sps->max_num_ref_frames = p->num_ref_frames;
	/* POC type 1 cycle: not in VA; POCs reach the kernel computed (decode params). */
	sps->pic_width_in_mbs_minus1 = p->picture_width_in_mbs_minus1;
	sps->pic_height_in_map_units_minus1 = (h >> !p->seq_fields.bits.frame_mbs_only_flag) - 1;
	if (p->seq_fields.bits.residual_colour_transform_flag)
		sps->flags |= V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE;
	if (p->seq_fields.bits.delta_pic_order_always_zero_flag)
		sps->flags |= V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO;
	if (p->seq_fields.bits.gaps_in_frame_num_value_allowed_flag)
		sps->flags |= V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED;
	if (p->seq_fields.bits.frame_mbs_only_flag)
		sps->flags |= V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY;
	if (p->seq_fields.bits.mb_adaptive_frame_field_flag)
		sps->flags |= V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD;
	if (p->seq_fields.bits.direct_8x8_inference_flag)
		sps->flags |= V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE;
}

static bool iq_is_flat(const VAIQMatrixBufferH264 *iq)
{
	for (unsigned i = 0; i < 6; i++)
		for (unsigned j = 0; j < 16; j++)
			if (iq->ScalingList4x4[i][j] != 16)
				return false;
	for (unsigned i = 0; i < 2; i++)
		for (unsigned j = 0; j < 64; j++)
			if (iq->ScalingList8x8[i][j] != 16)
				return false;
	return true;
}

static void fill_pps_scaling(struct h264_priv *priv, const struct v4l2r_h264_slice_hdr *hdr)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;
	struct v4l2_ctrl_h264_pps *pps = &priv->pps;
	unsigned id = hdr->pic_parameter_set_id;

	memset(pps, 0, sizeof(*pps));
	pps->pic_parameter_set_id = id;
	pps->seq_parameter_set_id = 0;
	pps->num_slice_groups_minus1 = 0; /* no FMO, see fill_ps() */
	pps->num_ref_idx_l0_default_active_minus1 = priv->ref_default[id][0];
	pps->num_ref_idx_l1_default_active_minus1 = priv->ref_default[id][1];
	pps->weighted_bipred_idc = p->pic_fields.bits.weighted_bipred_idc;
	pps->pic_init_qp_minus26 = p->pic_init_qp_minus26;
	pps->pic_init_qs_minus26 = p->pic_init_qs_minus26;
	pps->chroma_qp_index_offset = p->chroma_qp_index_offset;
	pps->second_chroma_qp_index_offset = p->second_chroma_qp_index_offset;
	if (p->pic_fields.bits.entropy_coding_mode_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE;
	if (p->pic_fields.bits.pic_order_present_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT;
	if (p->pic_fields.bits.weighted_pred_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_WEIGHTED_PRED;
	if (p->pic_fields.bits.deblocking_filter_control_present_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT;
	if (p->pic_fields.bits.constrained_intra_pred_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED;
	if (p->pic_fields.bits.redundant_pic_cnt_present_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT;
	if (p->pic_fields.bits.transform_8x8_mode_flag)
		pps->flags |= V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE;

	/* VA does not say whether the stream had a matrix (ffmpeg always sends one): a flat
	 * matrix decodes exactly like no matrix, so only a non-flat one is forwarded. */
	if (priv->have_iq && !iq_is_flat(&priv->iq)) {
		pps->flags |= V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT;
		/* Both are in raster order; 4x4 lists in the same order. */
		memcpy(priv->scaling.scaling_list_4x4, priv->iq.ScalingList4x4,
		       sizeof(priv->scaling.scaling_list_4x4));
		/* Kernel 8x8 order: Intra Y, Inter Y, Intra Cb, Inter Cb, Intra Cr, Inter Cr. VA
		 * has only the luma two; chroma ones (4:4:4) fall back to luma (table 7-2 rule A).
		 */
		for (unsigned i = 0; i < 6; i++)
			memcpy(priv->scaling.scaling_list_8x8[i], priv->iq.ScalingList8x8[i & 1],
			       64);
	}
}

/* DPB from ReferenceFrames, sentinels and foreign surfaces stripped. `dpb_ids` maps the kernel
 * DPB index back to the VA surface for the reference lists. */
static unsigned fill_dpb(struct v4l2r_ctx *ctx, struct h264_priv *priv,
			 const struct v4l2r_h264_slice_hdr *hdr, VASurfaceID *dpb_ids,
			 struct v4l2r_surface **refs, unsigned *n_refs)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;
	struct v4l2_ctrl_h264_decode_params *d = &priv->decode;
	struct v4l2r_surface *target = v4l2r_ctx_target(ctx);
	uint32_t max_frame_num = 1u << (p->seq_fields.bits.log2_max_frame_num_minus4 + 4);
	bool field = p->pic_fields.bits.field_pic_flag;
	bool bottom = p->CurrPic.flags & VA_PICTURE_H264_BOTTOM_FIELD;
	unsigned n = 0;

	*n_refs = 0;
	for (unsigned i = 0; i < 16; i++) {
		const VAPictureH264 *r = &p->ReferenceFrames[i];
		struct v4l2r_surface *surf;
		bool dup = false;

		if (!pic_is_valid_ref(r) || !(surf = v4l2r_ctx_surface(ctx, r->picture_id)))
			continue;
		for (unsigned j = 0; j < n; j++)
			dup |= dpb_ids[j] == r->picture_id;
		if (dup)
			continue;

		struct v4l2_h264_dpb_entry *e = &d->dpb[n];
		int m = poc_map_find(priv, r->picture_id);
		bool lt = r->flags & VA_PICTURE_H264_LONG_TERM_REFERENCE;
		uint32_t num = r->frame_idx;

		e->reference_ts = v4l2r_surface_ts(surf);
		e->fields = va_fields(r->flags);
		e->top_field_order_cnt =
		    m >= 0 && priv->poc_computed ? priv->poc_map[m].top : poc(r->TopFieldOrderCnt);
		e->bottom_field_order_cnt = m >= 0 && priv->poc_computed
						? priv->poc_map[m].bottom
						: poc(r->BottomFieldOrderCnt);
		e->flags = V4L2_H264_DPB_ENTRY_FLAG_VALID | V4L2_H264_DPB_ENTRY_FLAG_ACTIVE;
		/* FIELD: the reference was coded as field picture(s) (uAPI: "a field picture"). */
		if (m >= 0 ? priv->poc_map[m].field_coded : e->fields != V4L2_H264_FRAME_REF)
			e->flags |= V4L2_H264_DPB_ENTRY_FLAG_FIELD;
		if (lt) {
			/* LongTermFrameIdx goes in frame_num; pic_num is LongTermPicNum (8-3). */
			e->flags |= V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM;
			num &= 0xffff;
		} else {
			num %= max_frame_num;
			/* FrameNumWrap (8-27) */
			if (num > hdr->frame_num)
				num = (uint32_t)((int64_t)num - max_frame_num);
		}
		e->frame_num = (uint16_t)(lt ? r->frame_idx : r->frame_idx % max_frame_num);
		if (field) {
			/* 8-28..8-31: same parity 2n+1, opposite 2n */
			bool same = (e->fields & (bottom ? V4L2_H264_BOTTOM_FIELD_REF
							 : V4L2_H264_TOP_FIELD_REF));
			num = 2 * num + (same ? 1 : 0);
		}
		e->pic_num = num;
		dpb_ids[n++] = r->picture_id;
		if (surf != target)
			refs[(*n_refs)++] = surf;
	}
	return n;
}

static void fill_decode(struct h264_priv *priv, const struct h264_slice *first)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;
	const struct v4l2r_h264_slice_hdr *h = &first->hdr;
	struct v4l2_ctrl_h264_decode_params *d = &priv->decode;

	d->nal_ref_idc = h->nal_ref_idc;
	d->frame_num = h->frame_num; /* the bitstream's: a client's VA value may disagree */
	d->top_field_order_cnt = priv->cur_top;
	d->bottom_field_order_cnt = priv->cur_bottom;
	d->idr_pic_id = h->idr_pic_id;
	d->pic_order_cnt_lsb = h->pic_order_cnt_lsb;
	d->delta_pic_order_cnt_bottom = h->delta_pic_order_cnt_bottom;
	d->delta_pic_order_cnt0 = h->delta_pic_order_cnt[0];
	d->delta_pic_order_cnt1 = h->delta_pic_order_cnt[1];
	d->dec_ref_pic_marking_bit_size = h->dec_ref_pic_marking_bit_size;
	d->pic_order_cnt_bit_size = h->pic_order_cnt_bit_size;
	d->slice_group_change_cycle = h->slice_group_change_cycle;
	d->flags = 0;
	if (h->nal_unit_type == 5)
		d->flags |= V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC;
	if (p->pic_fields.bits.field_pic_flag) {
		d->flags |= V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC;
		if (p->CurrPic.flags & VA_PICTURE_H264_BOTTOM_FIELD)
			d->flags |= V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD;
	}
	/* B if any slice is B, else P if any is P/SP. */
	for (unsigned i = 0; i < priv->sl.n; i++) {
		uint8_t t = ((struct h264_slice *)v4l2r_slices_rec(&priv->sl, i))->hdr.slice_type;

		if (t == V4L2_H264_SLICE_TYPE_B)
			d->flags |= V4L2_H264_DECODE_PARAM_FLAG_BFRAME;
		else if (t == V4L2_H264_SLICE_TYPE_P || t == V4L2_H264_SLICE_TYPE_SP)
			d->flags |= V4L2_H264_DECODE_PARAM_FLAG_PFRAME;
	}
	if (d->flags & V4L2_H264_DECODE_PARAM_FLAG_BFRAME)
		d->flags &= ~(uint32_t)V4L2_H264_DECODE_PARAM_FLAG_PFRAME;
}

static void fill_ref_list(struct v4l2_h264_reference *out, const VAPictureH264 *in, unsigned n,
			  const VASurfaceID *dpb_ids, unsigned n_dpb)
{
	for (unsigned i = 0; i < n; i++) {
		out[i].index = 0;
		out[i].fields = 0;
		if (in[i].picture_id == VA_INVALID_SURFACE ||
		    (in[i].flags & VA_PICTURE_H264_INVALID))
			continue;
		for (unsigned j = 0; j < n_dpb; j++) {
			if (dpb_ids[j] == in[i].picture_id) {
				out[i].index = (uint8_t)j;
				out[i].fields = va_fields(in[i].flags);
				break;
			}
		}
	}
}

static void fill_slice(struct h264_priv *priv, const struct h264_slice *s,
		       const VASurfaceID *dpb_ids, unsigned n_dpb)
{
	const VASliceParameterBufferH264 *p = &s->param;
	struct v4l2_ctrl_h264_slice_params *sp = &priv->slice;
	struct v4l2_ctrl_h264_pred_weights *w = &priv->weights;

	memset(sp, 0, sizeof(*sp));
	sp->header_bit_size = s->hdr.header_bit_size;
	sp->first_mb_in_slice = p->first_mb_in_slice;
	sp->slice_type = s->hdr.slice_type;
	sp->colour_plane_id = s->hdr.colour_plane_id;
	sp->redundant_pic_cnt = s->hdr.redundant_pic_cnt;
	sp->cabac_init_idc = p->cabac_init_idc;
	sp->slice_qp_delta = p->slice_qp_delta;
	sp->slice_qs_delta = s->hdr.slice_qs_delta;
	sp->disable_deblocking_filter_idc = p->disable_deblocking_filter_idc;
	sp->slice_alpha_c0_offset_div2 = p->slice_alpha_c0_offset_div2;
	sp->slice_beta_offset_div2 = p->slice_beta_offset_div2;
	if (sp->slice_type != V4L2_H264_SLICE_TYPE_I && sp->slice_type != V4L2_H264_SLICE_TYPE_SI) {
		sp->num_ref_idx_l0_active_minus1 = p->num_ref_idx_l0_active_minus1;
		fill_ref_list(sp->ref_pic_list0, p->RefPicList0,
			      p->num_ref_idx_l0_active_minus1 + 1u, dpb_ids, n_dpb);
	}
	if (sp->slice_type == V4L2_H264_SLICE_TYPE_B) {
		sp->num_ref_idx_l1_active_minus1 = p->num_ref_idx_l1_active_minus1;
		fill_ref_list(sp->ref_pic_list1, p->RefPicList1,
			      p->num_ref_idx_l1_active_minus1 + 1u, dpb_ids, n_dpb);
	}
	if (p->direct_spatial_mv_pred_flag)
		sp->flags |= V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED;
	if (s->hdr.sp_for_switch)
		sp->flags |= V4L2_H264_SLICE_FLAG_SP_FOR_SWITCH;

	memset(w, 0, sizeof(*w));
	w->luma_log2_weight_denom = p->luma_log2_weight_denom;
	w->chroma_log2_weight_denom = p->chroma_log2_weight_denom;
	/* VA lists carry the effective (default-filled) weights for every entry. */
	memcpy(w->weight_factors[0].luma_weight, p->luma_weight_l0, sizeof(p->luma_weight_l0));
	memcpy(w->weight_factors[0].luma_offset, p->luma_offset_l0, sizeof(p->luma_offset_l0));
	memcpy(w->weight_factors[0].chroma_weight, p->chroma_weight_l0,
	       sizeof(p->chroma_weight_l0));
	memcpy(w->weight_factors[0].chroma_offset, p->chroma_offset_l0,
	       sizeof(p->chroma_offset_l0));
	memcpy(w->weight_factors[1].luma_weight, p->luma_weight_l1, sizeof(p->luma_weight_l1));
	memcpy(w->weight_factors[1].luma_offset, p->luma_offset_l1, sizeof(p->luma_offset_l1));
	memcpy(w->weight_factors[1].chroma_weight, p->chroma_weight_l1,
	       sizeof(p->chroma_weight_l1));
	memcpy(w->weight_factors[1].chroma_offset, p->chroma_offset_l1,
	       sizeof(p->chroma_offset_l1));
}

static struct v4l2r_stream_params stream_params(const struct h264_priv *priv)
{
	const VAPictureParameterBufferH264 *p = &priv->pic;

	return (struct v4l2r_stream_params){
	    .width = (p->picture_width_in_mbs_minus1 + 1u) * 16,
	    .height = (p->picture_height_in_mbs_minus1 + 1u) * 16,
	    .bit_depth = 8 + p->bit_depth_luma_minus8,
	    .min_buffers = (p->num_ref_frames ? p->num_ref_frames : 1) + 1u,
	};
}

/* The picture's stream (fill_sps done) is the one last declared: declare_stream() does nothing. */
static bool stream_declared(const struct h264_priv *priv)
{
	struct v4l2r_stream_params sp = stream_params(priv);

	return priv->streamed && priv->stream.width == sp.width &&
	       priv->stream.height == sp.height && priv->stream.bit_depth == sp.bit_depth &&
	       priv->stream.min_buffers == sp.min_buffers &&
	       !memcmp(&priv->stream_sps, &priv->sps, sizeof(priv->sps));
}

static VAStatus declare_stream(struct v4l2r_ctx *ctx, struct h264_priv *priv)
{
	struct v4l2_ext_control ctrl = {
	    .id = V4L2_CID_STATELESS_H264_SPS,
	    .size = sizeof(priv->sps),
	    .ptr = &priv->sps,
	};
	struct v4l2r_stream_params sp = stream_params(priv);

	if (stream_declared(priv))
		return VA_STATUS_SUCCESS;
	sp.hdr_ctrls = &ctrl;
	sp.n_hdr_ctrls = 1;
	VAStatus st = v4l2r_ctx_stream(ctx, &sp);
	if (st != VA_STATUS_SUCCESS) {
		/* The core has no stream now: declare it again with the next picture, even one
		 * like the last that worked. */
		priv->streamed = false;
		return st;
	}
	priv->streamed = true;
	priv->stream = sp;
	priv->stream.hdr_ctrls = NULL;
	priv->stream.n_hdr_ctrls = 0;
	priv->stream_sps = priv->sps;
	return VA_STATUS_SUCCESS;
}

/* 00 00 00, 00 00 01 or 00 00 02 inside a NAL unit (7.4.1: emulation prevention keeps them
 * out): the decoder would take the rest as another NAL unit, one the client smuggled in. */
static bool has_start_code(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n, *z = p;

	while (end - z >= 3 && (z = memchr(z, 0, (size_t)(end - z - 2)))) {
		if (z[1] == 0 && z[2] <= 2)
			return true;
		z++;
	}
	return false;
}

/* Any start code in the picture's slices (in the VA buffers). */
static int find_start_code(const struct h264_priv *priv)
{
	for (unsigned i = 0; i < priv->sl.n; i++) {
		const struct h264_slice *s = v4l2r_slices_rec(&priv->sl, i);

		if (has_start_code(s->span.data, s->span.size))
			return (int)i;
	}
	return -1;
}

/*
 * copy_nal(): dst = the n bytes at src, and whether they hold a start code (has_start_code()),
 * in one pass over the source. Every byte checked is a byte stored (each block is loaded once):
 * what the device gets is what was checked, whatever the client writes into a mapped VA buffer
 * meanwhile. dst is left partly written when true.
 *
 * The vector steps: whole steps from the start, with the next step's first vector loaded ahead;
 * a bit mask of the zero bytes (bit j: byte i + j) and of the zero pairs (bytes j and j + 1).
 * Pairs are rare in slice data (mostly 00 00 03, the emulation prevention): the byte after one
 * is looked at in the copy, stored by then. They return how many bytes they copied and checked
 * (every start code beginning before them was looked for), or SIZE_MAX at a start code.
 */
#define NO_START_CODE(q, pairs, base)                                                              \
	do {                                                                                       \
		for (uint64_t m_ = (pairs); m_; m_ &= m_ - 1)                                      \
			if ((q)[(base) + __builtin_ctzll(m_) + 2] <= 2)                            \
				return SIZE_MAX;                                                   \
	} while (0)

#if defined(__x86_64__) || defined(__i386__)
/* 128 bytes a step. */
__attribute__((target("avx2"))) static size_t copy_steps_avx2(uint8_t *dst, const uint8_t *src,
							      size_t n)
{
	size_t i = 0;

	if (n < 160)
		return 0;
	const __m256i zero = _mm256_setzero_si256();
	__m256i a0 = _mm256_loadu_si256((const __m256i *)src);
	uint64_t z0 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a0, zero));

	for (; i <= n - 160; i += 128) {
		const uint8_t *p = src + i;
		uint8_t *q = dst + i;
		__m256i a1 = _mm256_loadu_si256((const __m256i *)(p + 32));
		__m256i a2 = _mm256_loadu_si256((const __m256i *)(p + 64));
		__m256i a3 = _mm256_loadu_si256((const __m256i *)(p + 96));
		__m256i a4 = _mm256_loadu_si256((const __m256i *)(p + 128));

		_mm256_storeu_si256((__m256i *)q, a0);
		_mm256_storeu_si256((__m256i *)(q + 32), a1);
		_mm256_storeu_si256((__m256i *)(q + 64), a2);
		_mm256_storeu_si256((__m256i *)(q + 96), a3);
		uint64_t z1 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a1, zero));
		uint64_t z2 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a2, zero));
		uint64_t z3 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a3, zero));
		uint64_t z4 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a4, zero));
		uint64_t lo = z0 | z1 << 32, hi = z2 | z3 << 32;
		uint64_t pairs_lo = lo & (lo >> 1 | z2 << 63), pairs_hi = hi & (hi >> 1 | z4 << 63);

		if (pairs_lo | pairs_hi) {
			_mm256_storeu_si256((__m256i *)(q + 128), a4); /* bytes 128, 129 */
			NO_START_CODE(q, pairs_lo, 0);
			NO_START_CODE(q, pairs_hi, 64);
		}
		a0 = a4;
		z0 = z4;
	}
	return i;
}
#endif

#if defined(__SSE2__)
/* 64 bytes a step. */
static size_t copy_steps_sse2(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

	if (n < 80)
		return 0;
	const __m128i zero = _mm_setzero_si128();
	__m128i a0 = _mm_loadu_si128((const __m128i *)src);
	uint64_t z0 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a0, zero));

	for (; i <= n - 80; i += 64) {
		const uint8_t *p = src + i;
		uint8_t *q = dst + i;
		__m128i a1 = _mm_loadu_si128((const __m128i *)(p + 16));
		__m128i a2 = _mm_loadu_si128((const __m128i *)(p + 32));
		__m128i a3 = _mm_loadu_si128((const __m128i *)(p + 48));
		__m128i a4 = _mm_loadu_si128((const __m128i *)(p + 64));

		_mm_storeu_si128((__m128i *)q, a0);
		_mm_storeu_si128((__m128i *)(q + 16), a1);
		_mm_storeu_si128((__m128i *)(q + 32), a2);
		_mm_storeu_si128((__m128i *)(q + 48), a3);
		uint64_t z1 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a1, zero));
		uint64_t z2 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a2, zero));
		uint64_t z3 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a3, zero));
		uint64_t z4 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a4, zero));
		uint64_t z = z0 | z1 << 16 | z2 << 32 | z3 << 48;
		uint64_t pairs = z & (z >> 1 | z4 << 63);

		if (pairs) {
			_mm_storeu_si128((__m128i *)(q + 64), a4); /* bytes 64, 65 */
			NO_START_CODE(q, pairs, 0);
		}
		a0 = a4;
		z0 = z4;
	}
	return i;
}
#endif

#if defined(__aarch64__)
/* 64 bytes a step. NEON has no byte mask move: the pairs are found with whole vectors (a zero
 * byte's 0xff and the next byte's, shifted in with vext), a nibble mask only for a step that has
 * one. */
static size_t copy_steps_neon(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

	if (n < 80)
		return 0;
	uint8x16_t a0 = vld1q_u8(src), e0 = vceqzq_u8(a0);

	for (; i <= n - 80; i += 64) {
		const uint8_t *p = src + i;
		uint8_t *q = dst + i;
		uint8x16_t a1 = vld1q_u8(p + 16), a2 = vld1q_u8(p + 32), a3 = vld1q_u8(p + 48),
			   a4 = vld1q_u8(p + 64);

		vst1q_u8(q, a0);
		vst1q_u8(q + 16, a1);
		vst1q_u8(q + 32, a2);
		vst1q_u8(q + 48, a3);
		uint8x16_t e1 = vceqzq_u8(a1), e2 = vceqzq_u8(a2), e3 = vceqzq_u8(a3),
			   e4 = vceqzq_u8(a4);
		/* byte j of pk: bytes 16k + j and 16k + j + 1 both zero */
		uint8x16_t p0 = vandq_u8(e0, vextq_u8(e0, e1, 1)),
			   p1 = vandq_u8(e1, vextq_u8(e1, e2, 1)),
			   p2 = vandq_u8(e2, vextq_u8(e2, e3, 1)),
			   p3 = vandq_u8(e3, vextq_u8(e3, e4, 1));

		if (vmaxvq_u8(vorrq_u8(vorrq_u8(p0, p1), vorrq_u8(p2, p3)))) {
			const uint8x16_t pk[4] = {p0, p1, p2, p3};

			vst1q_u8(q + 64, a4); /* bytes 64, 65 */
			for (unsigned k = 0; k < 4; k++) {
				/* 4 bits a byte (byte j: bits 4j..4j+3), the top one kept */
				uint64_t m = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(
							       vreinterpretq_u16_u8(pk[k]), 4)),
							   0) &
					     0x8888888888888888u;

				for (; m; m &= m - 1)
					if (q[16 * k + __builtin_ctzll(m) / 4 + 2] <= 2)
						return SIZE_MAX;
			}
		}
		a0 = a4;
		e0 = e4;
	}
	return i;
}
#endif

static bool copy_nal(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_cpu_supports("avx2"))
		i = copy_steps_avx2(dst, src, n);
#if defined(__SSE2__)
	else
		i = copy_steps_sse2(dst, src, n);
#endif
#elif defined(__aarch64__)
	i = copy_steps_neon(dst, src, n);
#endif
	if (i == SIZE_MAX)
		return true;
	/* The rest, checked in dst from the last step's last two bytes on (their patterns read
	 * bytes of the rest: the bytes copied now must be the ones checked). */
	memcpy(dst + i, src + i, n - i);
	i = i >= 2 ? i - 2 : 0;
	return has_start_code(dst + i, n - i);
}

/* The NAL unit of `s` at dst (Annex B: after a start code); false when it holds a start code. */
static bool write_nal(uint8_t *dst, const struct h264_priv *priv, const struct h264_slice *s,
		      size_t *written)
{
	size_t n = 0;

	if (priv->annexb) {
		dst[0] = 0;
		dst[1] = 0;
		dst[2] = 1;
		n = 3;
	}
	*written = n + s->span.size;
	return !copy_nal(dst + n, s->span.data, s->span.size);
}

static VAStatus h264_end(struct v4l2r_ctx *ctx, void *priv_)
{
	struct h264_priv *priv = priv_;
	struct v4l2r_surface *refs[16];
	VASurfaceID dpb_ids[16];
	unsigned n_refs, n_dpb;
	struct v4l2r_h264_ps ps;
	VAStatus st;

	if (!priv->have_pic || priv->sl.n == 0 || !v4l2r_slices_complete(&priv->sl))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	st = check_pic(priv);
	if (st != VA_STATUS_SUCCESS)
		return st;

	for (unsigned i = 0; i < priv->sl.n; i++) {
		struct h264_slice *s = v4l2r_slices_rec(&priv->sl, i);

		fill_ps(priv, s, &ps);
		if (v4l2r_h264_parse_slice_header(s->span.data, s->span.size, &ps, &s->hdr)) {
			v4l2r_ctx_debug(ctx, "h264: slice %u: malformed slice header\n", i);
			return VA_STATUS_ERROR_INVALID_PARAMETER;
		}
		/* Without override the active counts are the PPS defaults (needed by decoders
		 * that parse slice headers themselves). */
		unsigned id = s->hdr.pic_parameter_set_id;
		bool p_or_b = s->hdr.slice_type != V4L2_H264_SLICE_TYPE_I &&
			      s->hdr.slice_type != V4L2_H264_SLICE_TYPE_SI;
		if (p_or_b && !s->hdr.num_ref_idx_active_override) {
			priv->ref_default[id][0] = s->param.num_ref_idx_l0_active_minus1;
			if (s->hdr.slice_type == V4L2_H264_SLICE_TYPE_B)
				priv->ref_default[id][1] = s->param.num_ref_idx_l1_active_minus1;
			priv->ref_default_known[id] = true;
		} else if (!priv->ref_default_known[id] && p_or_b) {
			priv->ref_default[id][0] = s->param.num_ref_idx_l0_active_minus1;
			priv->ref_default[id][1] = s->param.num_ref_idx_l1_active_minus1;
		}
	}

	const struct h264_slice *first = v4l2r_slices_rec(&priv->sl, 0);
	fill_sps(priv);
	/* Start codes inside slice data are looked for while the data is copied into the OUTPUT
	 * buffer, once the slot is known; before anything of the picture reaches the device
	 * anyway: first when the picture (re)declares the stream (the device is not set up for a
	 * picture refused) and in slice-based mode (one request per slice). */
	if (!priv->frame_based || !stream_declared(priv)) {
		int bad = find_start_code(priv);

		if (bad >= 0) {
			v4l2r_ctx_debug(ctx, "h264: slice %d: start code inside the NAL unit\n",
					bad);
			return VA_STATUS_ERROR_INVALID_PARAMETER;
		}
	}
	fill_pps_scaling(priv, &first->hdr);
	memset(&priv->decode, 0, sizeof(priv->decode));
	n_dpb = fill_dpb(ctx, priv, &first->hdr, dpb_ids, refs, &n_refs);
	priv->poc_computed = compute_poc(priv, &first->hdr, &priv->cur_top, &priv->cur_bottom);
	if (priv->poc.overflow) {
		v4l2r_ctx_debug(ctx, "h264: picture order counts beyond 32 bits\n");
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	}
	poc_map_store(priv, priv->pic.CurrPic.picture_id, priv->pic.pic_fields.bits.field_pic_flag,
		      priv->pic.CurrPic.flags & VA_PICTURE_H264_BOTTOM_FIELD, priv->cur_top,
		      priv->cur_bottom, first->hdr.mmco5);
	fill_decode(priv, first);

	st = declare_stream(ctx, priv);
	if (st != VA_STATUS_SUCCESS)
		return st;

	if (priv->pic.pic_fields.bits.field_pic_flag) {
		bool bottom = priv->pic.CurrPic.flags & VA_PICTURE_H264_BOTTOM_FIELD;

		if (priv->first_field_valid &&
		    priv->first_field_surface == priv->pic.CurrPic.picture_id &&
		    priv->first_field_bottom != bottom &&
		    priv->first_field_frame_num == priv->pic.frame_num) {
			v4l2r_ctx_continue_ts(ctx);
			priv->first_field_valid = false;
		} else {
			priv->first_field_valid = true;
			priv->first_field_bottom = bottom;
			priv->first_field_surface = priv->pic.CurrPic.picture_id;
			priv->first_field_frame_num = priv->pic.frame_num;
		}
	} else {
		priv->first_field_valid = false;
	}

	struct v4l2_ext_control ctrls[6] = {
	    {.id = V4L2_CID_STATELESS_H264_SPS, .size = sizeof(priv->sps), .ptr = &priv->sps},
	    {.id = V4L2_CID_STATELESS_H264_PPS, .size = sizeof(priv->pps), .ptr = &priv->pps},
	    {.id = V4L2_CID_STATELESS_H264_DECODE_PARAMS,
	     .size = sizeof(priv->decode),
	     .ptr = &priv->decode},
	};
	unsigned n_ctrls = 3;
	if (priv->pps.flags & V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT)
		ctrls[n_ctrls++] = (struct v4l2_ext_control){
		    .id = V4L2_CID_STATELESS_H264_SCALING_MATRIX,
		    .size = sizeof(priv->scaling),
		    .ptr = &priv->scaling,
		};

	if (priv->frame_based) {
		struct v4l2r_slot *slot;
		uint8_t *data;
		size_t cap, used = 0, total = 0;

		for (unsigned i = 0; i < priv->sl.n; i++) {
			const struct h264_slice *s = v4l2r_slices_rec(&priv->sl, i);
			size_t n = (priv->annexb ? 3 : 0) + (size_t)s->span.size;

			total = n > SIZE_MAX - total ? SIZE_MAX : total + n;
		}
		st = v4l2r_slot_get_size(ctx, total, &slot, &data, &cap);
		if (st == VA_STATUS_ERROR_NOT_ENOUGH_BUFFER && find_start_code(priv) >= 0)
			return VA_STATUS_ERROR_INVALID_PARAMETER; /* the first reason */
		if (st != VA_STATUS_SUCCESS)
			return st;
		for (unsigned i = 0; i < priv->sl.n; i++) {
			const struct h264_slice *s = v4l2r_slices_rec(&priv->sl, i);
			size_t need = (priv->annexb ? 3 : 0) + (size_t)s->span.size, n;

			if (need > cap - used) {
				v4l2r_slot_put(ctx, slot);
				/* a start code anywhere is the first reason */
				if (find_start_code(priv) >= 0)
					return VA_STATUS_ERROR_INVALID_PARAMETER;
				return VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
			}
			if (!write_nal(data + used, priv, s, &n)) {
				v4l2r_slot_put(ctx, slot);
				v4l2r_ctx_debug(
				    ctx, "h264: slice %u: start code inside the NAL unit\n", i);
				return VA_STATUS_ERROR_INVALID_PARAMETER;
			}
			used += n;
		}
		return v4l2r_slot_queue(ctx, slot, used, ctrls, n_ctrls, 0, refs, n_refs);
	}

	/* Slice-based: one request per slice; CAPTURE is held until the last one. */
	for (unsigned i = 0; i < priv->sl.n; i++) {
		const struct h264_slice *s = v4l2r_slices_rec(&priv->sl, i);
		unsigned n = n_ctrls;
		struct v4l2r_slot *slot;
		uint8_t *data;
		size_t cap;

		fill_slice(priv, s, dpb_ids, n_dpb);
		ctrls[n++] = (struct v4l2_ext_control){
		    .id = V4L2_CID_STATELESS_H264_SLICE_PARAMS,
		    .size = sizeof(priv->slice),
		    .ptr = &priv->slice,
		};
		if (V4L2_H264_CTRL_PRED_WEIGHTS_REQUIRED(&priv->pps, &priv->slice))
			ctrls[n++] = (struct v4l2_ext_control){
			    .id = V4L2_CID_STATELESS_H264_PRED_WEIGHTS,
			    .size = sizeof(priv->weights),
			    .ptr = &priv->weights,
			};
		st = v4l2r_slot_get_size(ctx, (priv->annexb ? 3 : 0) + (size_t)s->span.size, &slot,
					 &data, &cap);
		if (st != VA_STATUS_SUCCESS)
			return st;
		if ((priv->annexb ? 3 : 0) + (size_t)s->span.size > cap) {
			v4l2r_slot_put(ctx, slot);
			return VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
		}
		size_t used;
		if (!write_nal(data, priv, s, &used)) {
			/* checked above: the client rewrote the buffer meanwhile */
			v4l2r_slot_put(ctx, slot);
			return VA_STATUS_ERROR_INVALID_PARAMETER;
		}
		st = v4l2r_slot_queue(ctx, slot, used, ctrls, n,
				      i + 1 < priv->sl.n ? V4L2R_SLOT_HOLD_CAPTURE : 0, refs,
				      n_refs);
		if (st != VA_STATUS_SUCCESS)
			return st;
	}
	return VA_STATUS_SUCCESS;
}

const struct v4l2r_codec v4l2r_codec_h264 = {
    .name = "h264",
    .coded_fourcc = V4L2_PIX_FMT_H264_SLICE,
    .profiles = h264_profiles,
    .n_profiles = sizeof(h264_profiles) / sizeof(h264_profiles[0]),
    .profile_is_10bit = h264_profile_is_10bit,
    .priv_size = sizeof(struct h264_priv),
    .init = h264_init,
    .fini = h264_fini,
    .begin = h264_begin,
    .render = h264_render,
    .end = h264_end,
};
