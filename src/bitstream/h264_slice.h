/* SPDX-License-Identifier: MIT */
/* H.264 slice header parser (ITU-T H.264 7.3.3): recovers the fields VA-API does not carry. */
#ifndef V4L2R_H264_SLICE_H
#define V4L2R_H264_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SPS/PPS fields the slice header syntax depends on (known from VA picture params). */
struct v4l2r_h264_ps {
	uint8_t chroma_format_idc;
	bool separate_colour_plane;
	uint8_t log2_max_frame_num_minus4; /* 0..12 */
	bool frame_mbs_only;
	uint8_t pic_order_cnt_type;		   /* 0..2 */
	uint8_t log2_max_pic_order_cnt_lsb_minus4; /* 0..12 */
	bool delta_pic_order_always_zero;
	bool bottom_field_pic_order_in_frame_present;
	bool redundant_pic_cnt_present;
	bool weighted_pred;
	uint8_t weighted_bipred_idc;
	bool entropy_coding_mode;
	bool deblocking_filter_control_present;
	/* Used when a P/B slice has num_ref_idx_active_override_flag == 0. */
	uint8_t num_ref_idx_l0_default_active_minus1;
	uint8_t num_ref_idx_l1_default_active_minus1;
	uint8_t num_slice_groups_minus1;
	uint8_t slice_group_map_type;
	uint32_t slice_group_change_rate_minus1;
	uint32_t pic_size_in_map_units; /* PicWidthInMbs * PicHeightInMapUnits */
};

struct v4l2r_h264_slice_hdr {
	uint8_t nal_ref_idc;
	uint8_t nal_unit_type;
	uint32_t first_mb_in_slice;
	uint8_t slice_type; /* 0..4 (slice_type % 5) */
	uint8_t pic_parameter_set_id;
	uint8_t colour_plane_id;
	uint32_t frame_num;
	bool field_pic;
	bool bottom_field;
	uint16_t idr_pic_id;
	uint32_t pic_order_cnt_lsb;
	int32_t delta_pic_order_cnt_bottom;
	int32_t delta_pic_order_cnt[2];
	uint8_t redundant_pic_cnt;
	bool direct_spatial_mv_pred;
	bool num_ref_idx_active_override;
	uint8_t num_ref_idx_l0_active_minus1;
	uint8_t num_ref_idx_l1_active_minus1;
	uint8_t luma_log2_weight_denom;
	uint8_t chroma_log2_weight_denom;
	bool long_term_reference; /* IDR */
	bool adaptive_ref_pic_marking;
	bool mmco5; /* memory_management_control_operation 5 present */
	uint8_t cabac_init_idc;
	int8_t slice_qp_delta;
	bool sp_for_switch;
	int8_t slice_qs_delta;
	uint8_t disable_deblocking_filter_idc;
	int8_t slice_alpha_c0_offset_div2;
	int8_t slice_beta_offset_div2;
	uint32_t slice_group_change_cycle;
	/* Sizes in bits, emulation-prevention bytes excluded. */
	uint32_t pic_order_cnt_bit_size; /* pic_order_cnt_lsb .. delta_pic_order_cnt[1] */
	uint32_t dec_ref_pic_marking_bit_size;
	uint32_t header_bit_size; /* NAL header byte + slice_header(), up to slice_data() */
};

/* `nal` starts at the NAL header byte (no start code). Returns 0, or -1 for a malformed or
 * unsupported (not nal_unit_type 1/5) slice. */
int v4l2r_h264_parse_slice_header(const uint8_t *nal, size_t size, const struct v4l2r_h264_ps *ps,
				  struct v4l2r_h264_slice_hdr *hdr);

#endif
