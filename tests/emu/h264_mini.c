/* SPDX-License-Identifier: MIT */
/* Small H.264 header reader of the emulator uAPI test (see h264_mini.h). */
#include "h264_mini.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rbsp {
	uint8_t *buf;
	size_t size; /* bytes */
	size_t pos;  /* bits */
	bool overrun;
};

/* Remove emulation prevention bytes (00 00 03 -> 00 00). */
static int rbsp_init(struct rbsp *r, const uint8_t *nal, size_t size)
{
	size_t zeros = 0;

	memset(r, 0, sizeof(*r));
	r->buf = malloc(size ? size : 1);
	if (!r->buf)
		return -1;
	for (size_t i = 0; i < size; i++) {
		if (zeros >= 2 && nal[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		r->buf[r->size++] = nal[i];
	}
	return 0;
}

static void rbsp_free(struct rbsp *r)
{
	free(r->buf);
	r->buf = NULL;
}

static unsigned int rd_u1(struct rbsp *r)
{
	if (r->pos >= r->size * 8) {
		r->overrun = true;
		return 0;
	}
	unsigned int bit = (r->buf[r->pos / 8] >> (7 - r->pos % 8)) & 1;
	r->pos++;
	return bit;
}

static uint32_t rd_u(struct rbsp *r, int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = (v << 1) | rd_u1(r);
	return v;
}

static uint32_t rd_ue(struct rbsp *r)
{
	int lz = 0;

	while (!rd_u1(r)) {
		if (r->overrun || ++lz > 31) {
			r->overrun = true;
			return 0;
		}
	}
	return (uint32_t)((1ull << lz) - 1 + rd_u(r, lz));
}

static int32_t rd_se(struct rbsp *r)
{
	uint32_t k = rd_ue(r);

	return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

/* more_rbsp_data(): is there anything before the rbsp_stop_one_bit? */
static bool more_rbsp_data(const struct rbsp *r)
{
	size_t last = r->size;

	while (last > 0 && r->buf[last - 1] == 0)
		last--;
	if (last == 0)
		return false;
	uint8_t b = r->buf[last - 1];
	int tz = __builtin_ctz(b);
	size_t stop_bit = (last - 1) * 8 + (size_t)(7 - tz);

	return r->pos < stop_bit;
}

static void skip_scaling_list(struct rbsp *r, int n)
{
	int last = 8, next = 8;

	for (int j = 0; j < n; j++) {
		if (next != 0)
			next = (last + rd_se(r) + 256) % 256;
		last = next == 0 ? last : next;
	}
}

int h264_mini_next_nal(const uint8_t *buf, size_t size, size_t *pos, struct h264_mini_nal *nal)
{
	size_t i = *pos, start, end;

	/* find 00 00 01 */
	while (i + 3 <= size && !(buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1))
		i++;
	if (i + 3 > size)
		return -1;
	start = i + 3;
	end = start;
	while (end + 3 <= size &&
	       !(buf[end] == 0 && buf[end + 1] == 0 &&
		 (buf[end + 2] == 1 || (buf[end + 2] == 0 && end + 3 < size && buf[end + 3] == 1))))
		end++;
	if (end + 3 > size)
		end = size;
	/* trailing zero bytes belong to the next start code */
	while (end > start && buf[end - 1] == 0)
		end--;
	if (end <= start)
		return -1;
	nal->data = buf + start;
	nal->size = end - start;
	nal->type = buf[start] & 0x1f;
	nal->ref_idc = (buf[start] >> 5) & 3;
	*pos = end;
	return 0;
}

static void set_err(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

static int parse_sps(struct rbsp *r, struct v4l2_ctrl_h264_sps *s)
{
	memset(s, 0, sizeof(*s));
	rd_u(r, 8); /* NAL header */
	s->profile_idc = (uint8_t)rd_u(r, 8);
	uint32_t cs = rd_u(r, 8);
	for (int i = 0; i < 6; i++)
		if (cs & (0x80u >> i))
			s->constraint_set_flags |= (uint8_t)(1u << i);
	s->level_idc = (uint8_t)rd_u(r, 8);
	s->seq_parameter_set_id = (uint8_t)rd_ue(r);
	s->chroma_format_idc = 1;
	switch (s->profile_idc) {
	case 100:
	case 110:
	case 122:
	case 244:
	case 44:
	case 83:
	case 86:
	case 118:
	case 128:
	case 138:
	case 139:
	case 134:
	case 135:
		s->chroma_format_idc = (uint8_t)rd_ue(r);
		if (s->chroma_format_idc == 3 && rd_u1(r))
			s->flags |= V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE;
		s->bit_depth_luma_minus8 = (uint8_t)rd_ue(r);
		s->bit_depth_chroma_minus8 = (uint8_t)rd_ue(r);
		if (rd_u1(r))
			s->flags |= V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS;
		if (rd_u1(r)) { /* seq_scaling_matrix_present_flag */
			int n = s->chroma_format_idc != 3 ? 8 : 12;
			for (int i = 0; i < n; i++)
				if (rd_u1(r))
					skip_scaling_list(r, i < 6 ? 16 : 64);
		}
		break;
	default:
		break;
	}
	s->log2_max_frame_num_minus4 = (uint8_t)rd_ue(r);
	s->pic_order_cnt_type = (uint8_t)rd_ue(r);
	if (s->pic_order_cnt_type == 0) {
		s->log2_max_pic_order_cnt_lsb_minus4 = (uint8_t)rd_ue(r);
	} else if (s->pic_order_cnt_type == 1) {
		if (rd_u1(r))
			s->flags |= V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO;
		s->offset_for_non_ref_pic = rd_se(r);
		s->offset_for_top_to_bottom_field = rd_se(r);
		uint32_t n = rd_ue(r);
		if (n > 255)
			return -1;
		s->num_ref_frames_in_pic_order_cnt_cycle = (uint8_t)n;
		for (uint32_t i = 0; i < n; i++)
			s->offset_for_ref_frame[i] = rd_se(r);
	}
	s->max_num_ref_frames = (uint8_t)rd_ue(r);
	if (rd_u1(r))
		s->flags |= V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED;
	s->pic_width_in_mbs_minus1 = (uint16_t)rd_ue(r);
	s->pic_height_in_map_units_minus1 = (uint16_t)rd_ue(r);
	if (rd_u1(r))
		s->flags |= V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY;
	else if (rd_u1(r))
		s->flags |= V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD;
	if (rd_u1(r))
		s->flags |= V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE;
	/* cropping and VUI are not carried by the control */
	return r->overrun ? -1 : 0;
}

static int parse_pps(struct rbsp *r, const struct v4l2_ctrl_h264_sps *sps,
		     struct v4l2_ctrl_h264_pps *p)
{
	memset(p, 0, sizeof(*p));
	rd_u(r, 8);
	p->pic_parameter_set_id = (uint8_t)rd_ue(r);
	p->seq_parameter_set_id = (uint8_t)rd_ue(r);
	if (rd_u1(r))
		p->flags |= V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE;
	if (rd_u1(r))
		p->flags |= V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT;
	p->num_slice_groups_minus1 = (uint8_t)rd_ue(r);
	if (p->num_slice_groups_minus1 > 0)
		return -1; /* FMO: not needed by this test */
	p->num_ref_idx_l0_default_active_minus1 = (uint8_t)rd_ue(r);
	p->num_ref_idx_l1_default_active_minus1 = (uint8_t)rd_ue(r);
	if (rd_u1(r))
		p->flags |= V4L2_H264_PPS_FLAG_WEIGHTED_PRED;
	p->weighted_bipred_idc = (uint8_t)rd_u(r, 2);
	p->pic_init_qp_minus26 = (int8_t)rd_se(r);
	p->pic_init_qs_minus26 = (int8_t)rd_se(r);
	p->chroma_qp_index_offset = (int8_t)rd_se(r);
	p->second_chroma_qp_index_offset = p->chroma_qp_index_offset;
	if (rd_u1(r))
		p->flags |= V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT;
	if (rd_u1(r))
		p->flags |= V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED;
	if (rd_u1(r))
		p->flags |= V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT;
	if (more_rbsp_data(r)) {
		if (rd_u1(r))
			p->flags |= V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE;
		if (rd_u1(r)) {
			int n = 6 + ((sps->chroma_format_idc != 3) ? 2 : 6) *
					!!(p->flags & V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE);
			p->flags |= V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT;
			for (int i = 0; i < n; i++)
				if (rd_u1(r))
					skip_scaling_list(r, i < 6 ? 16 : 64);
		}
		p->second_chroma_qp_index_offset = (int8_t)rd_se(r);
	}
	return r->overrun ? -1 : 0;
}

/* Slice header of an IDR I slice (7.3.3), filling DECODE_PARAMS and SLICE_PARAMS. */
static int parse_idr_slice(struct rbsp *r, const struct h264_mini_nal *nal,
			   const struct v4l2_ctrl_h264_sps *sps,
			   const struct v4l2_ctrl_h264_pps *pps,
			   struct v4l2_ctrl_h264_decode_params *d,
			   struct v4l2_ctrl_h264_slice_params *sl)
{
	memset(d, 0, sizeof(*d));
	memset(sl, 0, sizeof(*sl));
	rd_u(r, 8);
	sl->first_mb_in_slice = rd_ue(r);
	uint32_t slice_type = rd_ue(r) % 5;
	if (slice_type != 2 && slice_type != 4)
		return -1; /* an IDR picture has I or SI slices only */
	sl->slice_type = slice_type == 2 ? V4L2_H264_SLICE_TYPE_I : V4L2_H264_SLICE_TYPE_SI;
	if (rd_ue(r) != pps->pic_parameter_set_id)
		return -1;
	if (sps->flags & V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE)
		sl->colour_plane_id = (uint8_t)rd_u(r, 2);
	d->frame_num = (uint16_t)rd_u(r, sps->log2_max_frame_num_minus4 + 4);
	if (!(sps->flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY) && rd_u1(r))
		return -1; /* field pictures: not needed here */
	d->idr_pic_id = (uint16_t)rd_ue(r);
	size_t poc_start = r->pos;
	if (sps->pic_order_cnt_type == 0) {
		d->pic_order_cnt_lsb =
		    (uint16_t)rd_u(r, sps->log2_max_pic_order_cnt_lsb_minus4 + 4);
		if (pps->flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT)
			d->delta_pic_order_cnt_bottom = rd_se(r);
	} else if (sps->pic_order_cnt_type == 1 &&
		   !(sps->flags & V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO)) {
		d->delta_pic_order_cnt0 = rd_se(r);
		if (pps->flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT)
			d->delta_pic_order_cnt1 = rd_se(r);
	}
	d->pic_order_cnt_bit_size = (uint32_t)(r->pos - poc_start);
	if (pps->flags & V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT)
		sl->redundant_pic_cnt = (uint8_t)rd_ue(r);
	/* I slice: no ref list syntax, no pred weight table */
	size_t marking_start = r->pos;
	if (nal->ref_idc) {
		rd_u1(r); /* no_output_of_prior_pics_flag */
		rd_u1(r); /* long_term_reference_flag */
	}
	d->dec_ref_pic_marking_bit_size = (uint32_t)(r->pos - marking_start);
	sl->slice_qp_delta = (int8_t)rd_se(r);
	if (sl->slice_type == V4L2_H264_SLICE_TYPE_SI)
		sl->slice_qs_delta = (int8_t)rd_se(r);
	if (pps->flags & V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT) {
		sl->disable_deblocking_filter_idc = (uint8_t)rd_ue(r);
		if (sl->disable_deblocking_filter_idc != 1) {
			sl->slice_alpha_c0_offset_div2 = (int8_t)rd_se(r);
			sl->slice_beta_offset_div2 = (int8_t)rd_se(r);
		}
	}
	/* header_bit_size: from the NAL header byte to slice_data(), emulation prevention
	 * bytes excluded (what GStreamer and FFmpeg send). CABAC would add alignment bits. */
	if (pps->flags & V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE)
		while (r->pos % 8)
			rd_u1(r);
	sl->header_bit_size = (uint32_t)r->pos;
	sl->num_ref_idx_l0_active_minus1 = 0;
	sl->num_ref_idx_l1_active_minus1 = 0;

	d->nal_ref_idc = (uint16_t)nal->ref_idc;
	d->flags = V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC;
	/* 8.2.1 for an IDR picture: prevPicOrderCntMsb = 0, FrameNumOffset = 0 */
	switch (sps->pic_order_cnt_type) {
	case 0:
		d->top_field_order_cnt = d->pic_order_cnt_lsb;
		d->bottom_field_order_cnt = d->top_field_order_cnt + d->delta_pic_order_cnt_bottom;
		break;
	case 1: {
		int32_t expected = 0; /* absFrameNum = 0 for frame_num 0 */
		d->top_field_order_cnt = expected + d->delta_pic_order_cnt0;
		d->bottom_field_order_cnt = d->top_field_order_cnt +
					    sps->offset_for_top_to_bottom_field +
					    d->delta_pic_order_cnt1;
		break;
	}
	default:
		d->top_field_order_cnt = 0;
		d->bottom_field_order_cnt = 0;
		break;
	}
	return r->overrun ? -1 : 0;
}

/* Slice header of a P slice of a frame (CAVLC or CABAC), enough for a picture that refers to
 * the preceding IDR only: no reordering, no weighted prediction, sliding-window marking. */
static int parse_p_slice(struct rbsp *r, const struct h264_mini_nal *nal,
			 const struct v4l2_ctrl_h264_sps *sps, const struct v4l2_ctrl_h264_pps *pps,
			 struct v4l2_ctrl_h264_decode_params *d,
			 struct v4l2_ctrl_h264_slice_params *sl)
{
	memset(d, 0, sizeof(*d));
	memset(sl, 0, sizeof(*sl));
	rd_u(r, 8);
	sl->first_mb_in_slice = rd_ue(r);
	if (rd_ue(r) % 5 != 0 || sl->first_mb_in_slice != 0)
		return -1;
	sl->slice_type = V4L2_H264_SLICE_TYPE_P;
	if (rd_ue(r) != pps->pic_parameter_set_id)
		return -1;
	if (sps->flags & V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE)
		sl->colour_plane_id = (uint8_t)rd_u(r, 2);
	d->frame_num = (uint16_t)rd_u(r, sps->log2_max_frame_num_minus4 + 4);
	if (!(sps->flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY) && rd_u1(r))
		return -1;
	size_t poc_start = r->pos;
	if (sps->pic_order_cnt_type == 0) {
		d->pic_order_cnt_lsb =
		    (uint16_t)rd_u(r, sps->log2_max_pic_order_cnt_lsb_minus4 + 4);
		if (pps->flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT)
			d->delta_pic_order_cnt_bottom = rd_se(r);
	} else if (sps->pic_order_cnt_type == 1) {
		return -1; /* not needed by this test */
	}
	d->pic_order_cnt_bit_size = (uint32_t)(r->pos - poc_start);
	if (pps->flags & V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT)
		sl->redundant_pic_cnt = (uint8_t)rd_ue(r);
	sl->num_ref_idx_l0_active_minus1 = pps->num_ref_idx_l0_default_active_minus1;
	if (rd_u1(r)) /* num_ref_idx_active_override_flag */
		sl->num_ref_idx_l0_active_minus1 = (uint8_t)rd_ue(r);
	if (rd_u1(r)) /* ref_pic_list_modification_flag_l0 */
		return -1;
	if (pps->flags & V4L2_H264_PPS_FLAG_WEIGHTED_PRED)
		return -1;
	size_t marking_start = r->pos;
	if (nal->ref_idc && rd_u1(r)) /* adaptive_ref_pic_marking_mode_flag */
		return -1;
	d->dec_ref_pic_marking_bit_size = (uint32_t)(r->pos - marking_start);
	if (pps->flags & V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE)
		sl->cabac_init_idc = (uint8_t)rd_ue(r);
	sl->slice_qp_delta = (int8_t)rd_se(r);
	if (pps->flags & V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT) {
		sl->disable_deblocking_filter_idc = (uint8_t)rd_ue(r);
		if (sl->disable_deblocking_filter_idc != 1) {
			sl->slice_alpha_c0_offset_div2 = (int8_t)rd_se(r);
			sl->slice_beta_offset_div2 = (int8_t)rd_se(r);
		}
	}
	if (pps->flags & V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE)
		while (r->pos % 8)
			rd_u1(r);
	sl->header_bit_size = (uint32_t)r->pos;
	d->nal_ref_idc = (uint16_t)nal->ref_idc;
	d->flags = V4L2_H264_DECODE_PARAM_FLAG_PFRAME;
	/* 8.2.1 after an IDR (prevFrameNumOffset 0, no wrap) */
	if (sps->pic_order_cnt_type == 0) {
		d->top_field_order_cnt = d->pic_order_cnt_lsb;
		d->bottom_field_order_cnt = d->top_field_order_cnt + d->delta_pic_order_cnt_bottom;
	} else {
		int32_t poc = 2 * d->frame_num - (nal->ref_idc ? 0 : 1);
		d->top_field_order_cnt = poc;
		d->bottom_field_order_cnt = poc;
	}
	return r->overrun ? -1 : 0;
}

int h264_mini_parse_first_idr(const uint8_t *buf, size_t size, struct h264_mini_picture *pic,
			      char *err, size_t err_size)
{
	struct h264_mini_nal nal;
	size_t pos = 0;
	bool have_sps = false, have_pps = false;
	struct rbsp r;

	memset(pic, 0, sizeof(*pic));
	while (h264_mini_next_nal(buf, size, &pos, &nal) == 0) {
		if (rbsp_init(&r, nal.data, nal.size)) {
			set_err(err, err_size, "out of memory");
			return -1;
		}
		int ret = 0;
		if (nal.type == 7 && !have_sps) {
			ret = parse_sps(&r, &pic->sps);
			have_sps = ret == 0;
		} else if (nal.type == 8 && have_sps && !have_pps) {
			ret = parse_pps(&r, &pic->sps, &pic->pps);
			have_pps = ret == 0;
		} else if (nal.type == 5 && have_pps) {
			struct v4l2_ctrl_h264_decode_params d;
			struct v4l2_ctrl_h264_slice_params sl;
			ret = parse_idr_slice(&r, &nal, &pic->sps, &pic->pps, &d, &sl);
			rbsp_free(&r);
			if (ret) {
				set_err(err, err_size, "cannot parse the IDR slice header");
				return -1;
			}
			if (pic->n_slices > 0 && sl.first_mb_in_slice == 0)
				break; /* another IDR picture follows */
			if (pic->n_slices == H264_MINI_MAX_SLICES) {
				set_err(err, err_size, "too many slices");
				return -1;
			}
			if (pic->n_slices == 0)
				pic->decode = d;
			pic->slice[pic->n_slices] = sl;
			pic->slice_nal[pic->n_slices] = nal;
			pic->n_slices++;
			continue;
		} else if (pic->n_slices > 0 && nal.type == 1) {
			/* the next picture: keep it if it is a single-slice P picture */
			ret = parse_p_slice(&r, &nal, &pic->sps, &pic->pps, &pic->p_decode,
					    &pic->p_slice);
			rbsp_free(&r);
			struct h264_mini_nal next;
			size_t p2 = pos;
			bool more_slices = h264_mini_next_nal(buf, size, &p2, &next) == 0 &&
					   next.type == 1 && (next.data[1] & 0x80) == 0;
			pic->has_p = ret == 0 && !more_slices;
			if (pic->has_p)
				pic->p_nal = nal;
			break;
		} else if (pic->n_slices > 0 && nal.type >= 1 && nal.type <= 5) {
			rbsp_free(&r);
			break;
		}
		rbsp_free(&r);
		if (ret) {
			set_err(err, err_size, "cannot parse NAL type %d", nal.type);
			return -1;
		}
	}
	if (pic->n_slices == 0) {
		set_err(err, err_size, "no SPS/PPS/IDR slice in the stream");
		return -1;
	}
	pic->width = (pic->sps.pic_width_in_mbs_minus1 + 1) * 16;
	pic->height = (pic->sps.pic_height_in_map_units_minus1 + 1) * 16 *
		      ((pic->sps.flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY) ? 1 : 2);
	return 0;
}
