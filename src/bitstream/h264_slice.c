/* SPDX-License-Identifier: MIT */
#include "h264_slice.h"

#include <string.h>

#include "bitreader.h"

enum { SLICE_P = 0, SLICE_B = 1, SLICE_I = 2, SLICE_SP = 3, SLICE_SI = 4 };

#define V4L2R_H264_MAX_MMCO 66

/* Value ranges from the spec; anything outside means a broken header. */
static bool ue_max(struct v4l2r_br *br, uint32_t max, uint32_t *out)
{
	uint32_t v = v4l2r_br_ue(br);

	*out = v;
	return !br->error && v <= max;
}

static bool se_range(struct v4l2r_br *br, int32_t min, int32_t max, int32_t *out)
{
	int32_t v = v4l2r_br_se(br);

	*out = v;
	return !br->error && v >= min && v <= max;
}

static bool ref_pic_list_modification(struct v4l2r_br *br)
{
	if (!v4l2r_br_flag(br))
		return !br->error;
	/* At most one modification per list entry (32) plus the terminating 3. */
	for (unsigned i = 0; i < 33; i++) {
		uint32_t idc, v;

		if (!ue_max(br, 3, &idc))
			return false;
		if (idc == 3)
			return true;
		if (!ue_max(br, UINT32_MAX - 1, &v))
			return false;
	}
	return false;
}

static bool pred_weight_list(struct v4l2r_br *br, unsigned n, bool chroma)
{
	for (unsigned i = 0; i < n; i++) {
		int32_t v;

		if (v4l2r_br_flag(br) &&
		    (!se_range(br, -128, 127, &v) || !se_range(br, -128, 127, &v)))
			return false;
		if (chroma && v4l2r_br_flag(br)) {
			for (unsigned j = 0; j < 4; j++)
				if (!se_range(br, -128, 127, &v))
					return false;
		}
	}
	return !br->error;
}

static bool dec_ref_pic_marking(struct v4l2r_br *br, bool idr, struct v4l2r_h264_slice_hdr *hdr)
{
	if (idr) {
		v4l2r_br_flag(br); /* no_output_of_prior_pics_flag */
		hdr->long_term_reference = v4l2r_br_flag(br);
		return !br->error;
	}
	hdr->adaptive_ref_pic_marking = v4l2r_br_flag(br);
	if (!hdr->adaptive_ref_pic_marking)
		return !br->error;
	/* At most 66 operations (each of 32 reference fields marked unused or long-term, plus
	 * operations 4 and 5), as decoders that keep the list bound it; then the ending 0. */
	for (unsigned i = 0; i <= V4L2R_H264_MAX_MMCO; i++) {
		uint32_t op, v;

		if (!ue_max(br, 6, &op))
			return false;
		if (op == 0)
			return true;
		if (op == 5)
			hdr->mmco5 = true;
		if ((op == 1 || op == 3) && !ue_max(br, UINT32_MAX - 1, &v))
			return false;
		if (op == 2 && !ue_max(br, UINT32_MAX - 1, &v))
			return false;
		if ((op == 3 || op == 6) && !ue_max(br, UINT32_MAX - 1, &v))
			return false;
		if (op == 4 && !ue_max(br, UINT32_MAX - 1, &v))
			return false;
	}
	return false;
}

/* Ceil(Log2(size / rate + 1)) with exact division (the spec's ÷): smallest n with
 * 2^n * rate >= size + rate. */
static unsigned change_cycle_bits(uint64_t size, uint64_t rate)
{
	unsigned n = 0;

	while (n < 33 && (rate << n) < size + rate)
		n++;
	return n;
}

int v4l2r_h264_parse_slice_header(const uint8_t *nal, size_t size, const struct v4l2r_h264_ps *ps,
				  struct v4l2r_h264_slice_hdr *hdr)
{
	struct v4l2r_br br;
	uint32_t v;
	int32_t s;
	size_t start;

	memset(hdr, 0, sizeof(*hdr));
	if (!nal || !ps || ps->log2_max_frame_num_minus4 > 12 || ps->pic_order_cnt_type > 2 ||
	    ps->log2_max_pic_order_cnt_lsb_minus4 > 12 || ps->weighted_bipred_idc > 2 ||
	    ps->chroma_format_idc > 3)
		return -1;
	v4l2r_br_init(&br, nal, size);

	if (v4l2r_br_u(&br, 1) != 0) /* forbidden_zero_bit */
		return -1;
	hdr->nal_ref_idc = v4l2r_br_u(&br, 2);
	hdr->nal_unit_type = v4l2r_br_u(&br, 5);
	if (br.error || (hdr->nal_unit_type != 1 && hdr->nal_unit_type != 5))
		return -1;
	bool idr = hdr->nal_unit_type == 5;

	if (!ue_max(&br, 139264 - 1, &v)) /* max frame size in MBs (level 6.2) */
		return -1;
	hdr->first_mb_in_slice = v;
	if (!ue_max(&br, 9, &v))
		return -1;
	hdr->slice_type = v % 5;
	if (!ue_max(&br, 255, &v))
		return -1;
	hdr->pic_parameter_set_id = v;
	if (ps->separate_colour_plane)
		hdr->colour_plane_id = v4l2r_br_u(&br, 2);
	hdr->frame_num = v4l2r_br_u(&br, ps->log2_max_frame_num_minus4 + 4);
	if (!ps->frame_mbs_only) {
		hdr->field_pic = v4l2r_br_flag(&br);
		if (hdr->field_pic)
			hdr->bottom_field = v4l2r_br_flag(&br);
	}
	if (idr) {
		if (!ue_max(&br, 65535, &v))
			return -1;
		hdr->idr_pic_id = v;
	}

	start = v4l2r_br_bits(&br);
	if (ps->pic_order_cnt_type == 0) {
		hdr->pic_order_cnt_lsb = v4l2r_br_u(&br, ps->log2_max_pic_order_cnt_lsb_minus4 + 4);
		if (ps->bottom_field_pic_order_in_frame_present && !hdr->field_pic) {
			if (!se_range(&br, INT32_MIN + 1, INT32_MAX, &s))
				return -1;
			hdr->delta_pic_order_cnt_bottom = s;
		}
	}
	if (ps->pic_order_cnt_type == 1 && !ps->delta_pic_order_always_zero) {
		if (!se_range(&br, INT32_MIN + 1, INT32_MAX, &s))
			return -1;
		hdr->delta_pic_order_cnt[0] = s;
		if (ps->bottom_field_pic_order_in_frame_present && !hdr->field_pic) {
			if (!se_range(&br, INT32_MIN + 1, INT32_MAX, &s))
				return -1;
			hdr->delta_pic_order_cnt[1] = s;
		}
	}
	hdr->pic_order_cnt_bit_size = v4l2r_br_bits(&br) - start;

	if (ps->redundant_pic_cnt_present) {
		if (!ue_max(&br, 127, &v))
			return -1;
		hdr->redundant_pic_cnt = v;
	}
	bool is_p = hdr->slice_type == SLICE_P || hdr->slice_type == SLICE_SP;
	bool is_b = hdr->slice_type == SLICE_B;
	if (is_b)
		hdr->direct_spatial_mv_pred = v4l2r_br_flag(&br);
	hdr->num_ref_idx_l0_active_minus1 = ps->num_ref_idx_l0_default_active_minus1;
	hdr->num_ref_idx_l1_active_minus1 = ps->num_ref_idx_l1_default_active_minus1;
	if (is_p || is_b) {
		hdr->num_ref_idx_active_override = v4l2r_br_flag(&br);
		if (hdr->num_ref_idx_active_override) {
			if (!ue_max(&br, 31, &v))
				return -1;
			hdr->num_ref_idx_l0_active_minus1 = v;
			if (is_b) {
				if (!ue_max(&br, 31, &v))
					return -1;
				hdr->num_ref_idx_l1_active_minus1 = v;
			}
		}
	}
	if (hdr->num_ref_idx_l0_active_minus1 > 31 || hdr->num_ref_idx_l1_active_minus1 > 31)
		return -1;

	if (hdr->slice_type != SLICE_I && hdr->slice_type != SLICE_SI &&
	    !ref_pic_list_modification(&br))
		return -1;
	if (is_b && !ref_pic_list_modification(&br))
		return -1;

	if ((ps->weighted_pred && is_p) || (ps->weighted_bipred_idc == 1 && is_b)) {
		bool chroma = !ps->separate_colour_plane && ps->chroma_format_idc != 0;

		if (!ue_max(&br, 7, &v))
			return -1;
		hdr->luma_log2_weight_denom = v;
		if (chroma) {
			if (!ue_max(&br, 7, &v))
				return -1;
			hdr->chroma_log2_weight_denom = v;
		}
		if (!pred_weight_list(&br, hdr->num_ref_idx_l0_active_minus1 + 1u, chroma))
			return -1;
		if (is_b && !pred_weight_list(&br, hdr->num_ref_idx_l1_active_minus1 + 1u, chroma))
			return -1;
	}

	if (hdr->nal_ref_idc) {
		start = v4l2r_br_bits(&br);
		if (!dec_ref_pic_marking(&br, idr, hdr))
			return -1;
		hdr->dec_ref_pic_marking_bit_size = v4l2r_br_bits(&br) - start;
	}

	if (ps->entropy_coding_mode && hdr->slice_type != SLICE_I && hdr->slice_type != SLICE_SI) {
		if (!ue_max(&br, 2, &v))
			return -1;
		hdr->cabac_init_idc = v;
	}
	/* Wider than 26+QpBdOffset allows, to accept any bit depth up to 14. */
	if (!se_range(&br, -87, 77, &s))
		return -1;
	hdr->slice_qp_delta = s;
	if (hdr->slice_type == SLICE_SP || hdr->slice_type == SLICE_SI) {
		if (hdr->slice_type == SLICE_SP)
			hdr->sp_for_switch = v4l2r_br_flag(&br);
		if (!se_range(&br, -51, 51, &s))
			return -1;
		hdr->slice_qs_delta = s;
	}
	if (ps->deblocking_filter_control_present) {
		if (!ue_max(&br, 2, &v))
			return -1;
		hdr->disable_deblocking_filter_idc = v;
		if (v != 1) {
			if (!se_range(&br, -6, 6, &s))
				return -1;
			hdr->slice_alpha_c0_offset_div2 = s;
			if (!se_range(&br, -6, 6, &s))
				return -1;
			hdr->slice_beta_offset_div2 = s;
		}
	}
	if (ps->num_slice_groups_minus1 > 0 && ps->slice_group_map_type >= 3 &&
	    ps->slice_group_map_type <= 5) {
		uint64_t rate = (uint64_t)ps->slice_group_change_rate_minus1 + 1;
		unsigned bits = change_cycle_bits(ps->pic_size_in_map_units, rate);

		if (bits > 32)
			return -1;
		hdr->slice_group_change_cycle = v4l2r_br_u(&br, bits);
	}
	if (br.error)
		return -1;
	hdr->header_bit_size = v4l2r_br_bits(&br);
	return 0;
}
