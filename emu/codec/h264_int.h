/* SPDX-License-Identifier: MIT */
/*
 * Internals of the emulated H.264 decoder: bit reader/writer, parameter-set rebuild, slice-header
 * parser and the reference model (8.2.1 POC, 8.2.5 marking). Independent of src/ by design.
 */
#ifndef EMU_H264_INT_H
#define EMU_H264_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/v4l2-controls.h>

/* Bit reader over a NAL unit payload; skips emulation-prevention bytes and counts both RBSP bits
 * and raw (escaped) bits so that bit sizes can be checked in either convention. */
struct h264_br {
	const uint8_t *p;
	size_t size; /* bytes */
	size_t byte; /* next raw byte index */
	int bit;     /* bits already consumed of p[byte] (0..7) */
	size_t epb;  /* emulation-prevention bytes skipped so far */
	int zeros;   /* consecutive zero bytes before `byte` */
	bool err;
};

void h264_br_init(struct h264_br *br, const uint8_t *p, size_t size);
uint32_t h264_br_u(struct h264_br *br, int n);
uint32_t h264_br_ue(struct h264_br *br);
int32_t h264_br_se(struct h264_br *br);
/* Position in RBSP bits / raw bits from the start. */
size_t h264_br_rbsp_pos(const struct h264_br *br);
size_t h264_br_raw_pos(const struct h264_br *br);
bool h264_br_more_rbsp_data(struct h264_br *br);

/* Bit writer for an escaped NAL unit (with emulation prevention), growing as needed. */
struct h264_bw {
	uint8_t *buf;
	size_t len, cap;
	uint32_t acc;
	int nacc; /* bits in acc */
	int zeros;
	bool err;
};

void h264_bw_init(struct h264_bw *bw);
void h264_bw_free(struct h264_bw *bw);
void h264_bw_raw(struct h264_bw *bw, const uint8_t *p, size_t n); /* no escaping */
void h264_bw_u(struct h264_bw *bw, int n, uint32_t v);
void h264_bw_ue(struct h264_bw *bw, uint32_t v);
void h264_bw_se(struct h264_bw *bw, int32_t v);
void h264_bw_trailing(struct h264_bw *bw);

/* What the kernel's std_validate_compound() leaves of an SPS control value (it zeroes fields
 * that are not valid for the syntax and forces 4:2:0 8-bit without a High profile). */
void h264_normalize_sps(struct v4l2_ctrl_h264_sps *sps);

/* Append 00 00 00 01 + SPS / PPS NAL units rebuilt from the controls. */
int h264_write_sps(struct h264_bw *bw, const struct v4l2_ctrl_h264_sps *sps);
int h264_write_pps(struct h264_bw *bw, const struct v4l2_ctrl_h264_sps *sps,
		   const struct v4l2_ctrl_h264_pps *pps,
		   const struct v4l2_ctrl_h264_scaling_matrix *sm);

/* 4x4 and 8x8 zig-zag scan: bitstream index -> raster index. */
extern const uint8_t h264_zigzag4x4[16];
extern const uint8_t h264_zigzag8x8[64];

#define H264_MAX_MMCO 66

struct h264_mmco {
	uint32_t op, diff_pic_nums_minus1, long_term_pic_num, long_term_frame_idx,
	    max_long_term_frame_idx_plus1;
};

struct h264_rplm {
	uint32_t idc, val;
};

/* A parsed slice header (7.3.3), with the bit sizes the uAPI asks for. */
struct h264_slice {
	int nal_ref_idc, nal_unit_type;
	bool idr;
	uint32_t first_mb_in_slice, slice_type, slice_type_raw, pps_id, colour_plane_id;
	uint32_t frame_num;
	bool field_pic, bottom_field;
	uint32_t idr_pic_id;
	uint32_t poc_lsb;
	int32_t delta_poc_bottom, delta_poc[2];
	uint32_t redundant_pic_cnt;
	bool direct_spatial_mv_pred;
	uint32_t num_ref_idx_active_minus1[2];
	bool rplm_flag[2];
	int n_rplm[2];
	struct h264_rplm rplm[2][33];
	bool has_pwt;
	struct v4l2_ctrl_h264_pred_weights pwt;
	bool no_output_of_prior_pics, long_term_reference_flag, adaptive_marking;
	int n_mmco;
	struct h264_mmco mmco[H264_MAX_MMCO];
	uint32_t cabac_init_idc;
	int32_t slice_qp_delta, slice_qs_delta;
	bool sp_for_switch;
	uint32_t disable_deblocking_filter_idc;
	int32_t alpha_div2, beta_div2;
	/* bit sizes: [0] RBSP bits, [1] raw bits (with emulation-prevention bytes) */
	uint32_t poc_bits[2], marking_bits[2], header_bits[2];
};

/* Parse the slice header of one NAL unit (header byte included). 0 or -1. */
int h264_parse_slice(const uint8_t *nal, size_t size, const struct v4l2_ctrl_h264_sps *sps,
		     const struct v4l2_ctrl_h264_pps *pps, struct h264_slice *s);

/* --- reference model --- */
#define H264_MAX_FS 17

struct h264_fs { /* a frame store holding a reference frame, field pair or field */
	bool in_use;
	int ref[2]; /* per parity (0 top, 1 bottom): 0 unused, 1 short-term, 2 long-term */
	bool decoded[2];
	bool field_coded; /* decoded as field(s) */
	bool non_existing;
	uint32_t frame_num;
	int32_t frame_num_wrap;
	uint32_t long_term_frame_idx;
	int32_t poc[2];
	int capture_index;
	uint64_t ts;
};

struct h264_model {
	/* POC state (8.2.1) */
	int32_t prev_poc_msb, prev_poc_lsb;
	int32_t prev_frame_num_offset;
	uint32_t prev_frame_num;
	/* marking (8.2.5) */
	uint32_t prev_ref_frame_num;
	int max_long_term_frame_idx; /* -1: no long-term frame indices */
	struct h264_fs fs[H264_MAX_FS];
	/* the picture being decoded */
	bool have_prev_field; /* last picture was a first field */
	int prev_field_fs;    /* its frame store (index), -1 if it was non-reference */
	bool prev_field_bottom;
	uint32_t prev_field_frame_num;
	bool prev_field_ref;
	int prev_field_capture;
	bool started;
};

struct h264_cur_poc {
	int32_t top, bottom; /* of the current picture (the missing one of a field: unset) */
};

void h264_model_reset(struct h264_model *m);
/* POC of the current picture (8.2.1), without changing the state. */
void h264_model_poc(const struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
		    const struct h264_slice *s, struct h264_cur_poc *poc);
/* Whether slice `s` is the second field of the field pair whose first field was decoded last. */
bool h264_model_is_second_field(const struct h264_model *m, const struct h264_slice *s);
/* Frame stores of the gaps-in-frame_num process, applied before the checks of a picture. */
void h264_model_gaps(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
		     const struct h264_slice *s);
/* After decoding the picture of slice `s`: marking + POC state update. */
void h264_model_finish(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
		       const struct h264_slice *s, const struct h264_cur_poc *poc,
		       int capture_index, uint64_t ts);
/* One entry of a reference picture list: a frame store and which of it (-1 frame, 0 top field,
 * 1 bottom field). */
struct h264_ref {
	int fs, parity;
};

/* Build the reference picture lists (8.2.4: initialisation + modification) for slice `s` of
 * the current picture (before h264_model_finish). Returns 0, or -1 when the slice asks for a
 * picture the model does not hold; n[l] = num_ref_idx_active (entries past the initial list
 * are {-1, -1}: "no reference picture"). */
int h264_model_ref_lists(const struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps,
			 const struct h264_slice *s, const struct h264_cur_poc *poc,
			 struct h264_ref list[2][33], int n[2]);

#endif
