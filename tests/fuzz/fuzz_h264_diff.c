/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzz target: the driver's H.264 slice-header parser (src/bitstream/h264_slice.c)
 * against the emulated device's own (emu/codec/h264_syntax.c, written independently), on the
 * same NAL unit under the same parameter sets (the driver's v4l2r_h264_ps and the SPS/PPS
 * controls it becomes). A header the driver accepts must be accepted by the device's parser
 * with the same values and bit sizes: the driver sends these values in its controls, and a
 * disagreement is a control the device would reject or misread. Input: 4 bytes selecting the
 * parameter sets (as tests/h264/fuzz_slice_header.c), then the NAL unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../emu/codec/h264_int.h"
#include "h264_slice.h"
#include "replay.h"

#define DIFF(field, a, b)                                                                          \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "fuzz_h264_diff: %s: driver %lld, device %lld\n", field,   \
				a_, b_);                                                           \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v4l2r_h264_slice_hdr h;
	static struct h264_slice e;
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;

	if (size < 4)
		return 0;
	uint32_t b = fuzz_le32(data);
	struct v4l2r_h264_ps ps = {
	    .chroma_format_idc = b & 3,
	    .separate_colour_plane = (b & 3) == 3 && (b >> 2 & 1),
	    .log2_max_frame_num_minus4 = (b >> 3 & 15) % 13,
	    .frame_mbs_only = b >> 7 & 1,
	    .pic_order_cnt_type = (b >> 8 & 3) % 3,
	    .log2_max_pic_order_cnt_lsb_minus4 = (b >> 10 & 15) % 13,
	    .delta_pic_order_always_zero = b >> 14 & 1,
	    .bottom_field_pic_order_in_frame_present = b >> 15 & 1,
	    .redundant_pic_cnt_present = b >> 16 & 1,
	    .weighted_pred = b >> 17 & 1,
	    .weighted_bipred_idc = (b >> 18 & 3) % 3,
	    .entropy_coding_mode = b >> 20 & 1,
	    .deblocking_filter_control_present = b >> 21 & 1,
	    .num_ref_idx_l0_default_active_minus1 = (b >> 22 & 3) * 10,
	    .num_ref_idx_l1_default_active_minus1 = (b >> 24 & 1) * 31,
	    .pic_size_in_map_units = 99,
	};
	memset(&sps, 0, sizeof(sps));
	sps.profile_idc = 100;
	sps.chroma_format_idc = ps.chroma_format_idc;
	sps.log2_max_frame_num_minus4 = ps.log2_max_frame_num_minus4;
	sps.pic_order_cnt_type = ps.pic_order_cnt_type;
	sps.log2_max_pic_order_cnt_lsb_minus4 = ps.log2_max_pic_order_cnt_lsb_minus4;
	sps.flags =
	    (ps.separate_colour_plane ? V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE : 0) |
	    (ps.frame_mbs_only ? V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY : 0) |
	    (ps.delta_pic_order_always_zero ? V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO : 0);
	memset(&pps, 0, sizeof(pps));
	pps.num_ref_idx_l0_default_active_minus1 = ps.num_ref_idx_l0_default_active_minus1;
	pps.num_ref_idx_l1_default_active_minus1 = ps.num_ref_idx_l1_default_active_minus1;
	pps.weighted_bipred_idc = ps.weighted_bipred_idc;
	pps.flags =
	    (ps.bottom_field_pic_order_in_frame_present
		 ? V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT
		 : 0) |
	    (ps.redundant_pic_cnt_present ? V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT : 0) |
	    (ps.weighted_pred ? V4L2_H264_PPS_FLAG_WEIGHTED_PRED : 0) |
	    (ps.entropy_coding_mode ? V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE : 0) |
	    (ps.deblocking_filter_control_present
		 ? V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT
		 : 0);

	const uint8_t *nal = data + 4;
	size_t n = size - 4;
	if (v4l2r_h264_parse_slice_header(nal, n, &ps, &h))
		return 0;
	if (h264_parse_slice(nal, n, &sps, &pps, &e)) {
		fprintf(stderr, "fuzz_h264_diff: the driver accepts a header the device refuses\n");
		abort();
	}
	bool pb = h.slice_type != 2 && h.slice_type != 4;
	DIFF("nal_ref_idc", h.nal_ref_idc, e.nal_ref_idc);
	DIFF("nal_unit_type", h.nal_unit_type, e.nal_unit_type);
	DIFF("first_mb_in_slice", h.first_mb_in_slice, e.first_mb_in_slice);
	DIFF("slice_type", h.slice_type, e.slice_type);
	DIFF("pic_parameter_set_id", h.pic_parameter_set_id, e.pps_id);
	DIFF("colour_plane_id", h.colour_plane_id, e.colour_plane_id);
	DIFF("frame_num", h.frame_num, e.frame_num);
	DIFF("field_pic", h.field_pic, e.field_pic);
	DIFF("bottom_field", h.bottom_field, e.bottom_field);
	DIFF("idr_pic_id", h.idr_pic_id, e.idr_pic_id);
	DIFF("pic_order_cnt_lsb", h.pic_order_cnt_lsb, e.poc_lsb);
	DIFF("delta_pic_order_cnt_bottom", h.delta_pic_order_cnt_bottom, e.delta_poc_bottom);
	DIFF("delta_pic_order_cnt[0]", h.delta_pic_order_cnt[0], e.delta_poc[0]);
	DIFF("delta_pic_order_cnt[1]", h.delta_pic_order_cnt[1], e.delta_poc[1]);
	DIFF("redundant_pic_cnt", h.redundant_pic_cnt, e.redundant_pic_cnt);
	DIFF("direct_spatial_mv_pred", h.direct_spatial_mv_pred, e.direct_spatial_mv_pred);
	if (pb)
		DIFF("num_ref_idx_l0_active_minus1", h.num_ref_idx_l0_active_minus1,
		     e.num_ref_idx_active_minus1[0]);
	if (h.slice_type == 1)
		DIFF("num_ref_idx_l1_active_minus1", h.num_ref_idx_l1_active_minus1,
		     e.num_ref_idx_active_minus1[1]);
	if (e.has_pwt) {
		DIFF("luma_log2_weight_denom", h.luma_log2_weight_denom,
		     e.pwt.luma_log2_weight_denom);
		DIFF("chroma_log2_weight_denom", h.chroma_log2_weight_denom,
		     e.pwt.chroma_log2_weight_denom);
	}
	DIFF("long_term_reference", h.long_term_reference, e.long_term_reference_flag);
	DIFF("adaptive_ref_pic_marking", h.adaptive_ref_pic_marking, e.adaptive_marking);
	bool mmco5 = false;
	for (int i = 0; i < e.n_mmco; i++)
		mmco5 |= e.mmco[i].op == 5;
	DIFF("mmco5", h.mmco5, mmco5);
	DIFF("cabac_init_idc", h.cabac_init_idc, e.cabac_init_idc);
	DIFF("slice_qp_delta", h.slice_qp_delta, e.slice_qp_delta);
	DIFF("sp_for_switch", h.sp_for_switch, e.sp_for_switch);
	DIFF("slice_qs_delta", h.slice_qs_delta, e.slice_qs_delta);
	DIFF("disable_deblocking_filter_idc", h.disable_deblocking_filter_idc,
	     e.disable_deblocking_filter_idc);
	DIFF("slice_alpha_c0_offset_div2", h.slice_alpha_c0_offset_div2, e.alpha_div2);
	DIFF("slice_beta_offset_div2", h.slice_beta_offset_div2, e.beta_div2);
	DIFF("pic_order_cnt_bit_size", h.pic_order_cnt_bit_size, e.poc_bits[0]);
	DIFF("dec_ref_pic_marking_bit_size", h.dec_ref_pic_marking_bit_size, e.marking_bits[0]);
	DIFF("header_bit_size", h.header_bit_size, 8 + e.header_bits[0]);
	return 0;
}
