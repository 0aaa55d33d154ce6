/* SPDX-License-Identifier: MIT */
/*
 * Test helper: one slice per stdin line, "<20 parameter-set numbers> <NAL in hex>", in the order
 * of struct v4l2r_h264_ps below; prints the parsed header as key=value pairs (or "error").
 * check_slice_headers.py compares the output with ffmpeg's trace_headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h264_slice.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int main(void)
{
	static char line[1 << 22];
	static uint8_t nal[1 << 21];

	while (fgets(line, sizeof(line), stdin)) {
		unsigned long p[20];
		char *s = line;
		size_t n = 0;

		for (unsigned i = 0; i < 20; i++)
			p[i] = strtoul(s, &s, 10);
		while (*s == ' ')
			s++;
		while (hexval(s[0]) >= 0 && hexval(s[1]) >= 0 && n < sizeof(nal)) {
			nal[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
			s += 2;
		}
		struct v4l2r_h264_ps ps = {
			.chroma_format_idc = p[0],
			.separate_colour_plane = p[1],
			.log2_max_frame_num_minus4 = p[2],
			.frame_mbs_only = p[3],
			.pic_order_cnt_type = p[4],
			.log2_max_pic_order_cnt_lsb_minus4 = p[5],
			.delta_pic_order_always_zero = p[6],
			.bottom_field_pic_order_in_frame_present = p[7],
			.redundant_pic_cnt_present = p[8],
			.weighted_pred = p[9],
			.weighted_bipred_idc = p[10],
			.entropy_coding_mode = p[11],
			.deblocking_filter_control_present = p[12],
			.num_ref_idx_l0_default_active_minus1 = p[13],
			.num_ref_idx_l1_default_active_minus1 = p[14],
			.num_slice_groups_minus1 = p[15],
			.slice_group_map_type = p[16],
			.slice_group_change_rate_minus1 = p[17],
			.pic_size_in_map_units = p[18],
		};
		struct v4l2r_h264_slice_hdr h;

		if (v4l2r_h264_parse_slice_header(nal, n, &ps, &h)) {
			puts("error");
			continue;
		}
		printf("nal_ref_idc=%u nal_unit_type=%u first_mb_in_slice=%u slice_type=%u "
		       "pic_parameter_set_id=%u colour_plane_id=%u frame_num=%u field_pic_flag=%u "
		       "bottom_field_flag=%u idr_pic_id=%u pic_order_cnt_lsb=%u "
		       "delta_pic_order_cnt_bottom=%d delta_pic_order_cnt[0]=%d "
		       "delta_pic_order_cnt[1]=%d redundant_pic_cnt=%u "
		       "direct_spatial_mv_pred_flag=%u num_ref_idx_active_override_flag=%u "
		       "num_ref_idx_l0_active_minus1=%u num_ref_idx_l1_active_minus1=%u "
		       "luma_log2_weight_denom=%u chroma_log2_weight_denom=%u "
		       "long_term_reference_flag=%u adaptive_ref_pic_marking_mode_flag=%u "
		       "cabac_init_idc=%u slice_qp_delta=%d sp_for_switch_flag=%u slice_qs_delta=%d "
		       "disable_deblocking_filter_idc=%u slice_alpha_c0_offset_div2=%d "
		       "slice_beta_offset_div2=%d slice_group_change_cycle=%u "
		       "pic_order_cnt_bit_size=%u dec_ref_pic_marking_bit_size=%u header_bit_size=%u\n",
		       h.nal_ref_idc, h.nal_unit_type, h.first_mb_in_slice, h.slice_type,
		       h.pic_parameter_set_id, h.colour_plane_id, h.frame_num, h.field_pic,
		       h.bottom_field, h.idr_pic_id, h.pic_order_cnt_lsb, h.delta_pic_order_cnt_bottom,
		       h.delta_pic_order_cnt[0], h.delta_pic_order_cnt[1], h.redundant_pic_cnt,
		       h.direct_spatial_mv_pred, h.num_ref_idx_active_override,
		       h.num_ref_idx_l0_active_minus1, h.num_ref_idx_l1_active_minus1,
		       h.luma_log2_weight_denom, h.chroma_log2_weight_denom, h.long_term_reference,
		       h.adaptive_ref_pic_marking, h.cabac_init_idc, h.slice_qp_delta,
		       h.sp_for_switch, h.slice_qs_delta, h.disable_deblocking_filter_idc,
		       h.slice_alpha_c0_offset_div2, h.slice_beta_offset_div2,
		       h.slice_group_change_cycle, h.pic_order_cnt_bit_size,
		       h.dec_ref_pic_marking_bit_size, h.header_bit_size);
	}
	return 0;
}
