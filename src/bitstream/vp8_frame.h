/* SPDX-License-Identifier: MIT */
/*
 * VP8 frame header (RFC 6386 section 9 / 19.2): the part of the first partition up to the
 * quantiser indices, for what the VA buffers omit (raw segment, loop filter level and
 * quantiser values, the segment value mode).
 */
#ifndef V4L2R_VP8_FRAME_H
#define V4L2R_VP8_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values that persist from frame to frame; zero them for a new stream. */
struct v4l2r_vp8_persist {
	bool seg_abs; /* segment values are absolute (else deltas) */
	int8_t seg_quant[4], seg_lf[4];
	int8_t ref_delta[4], mode_delta[4];
};

struct v4l2r_vp8_frame_hdr {
	bool seg_enabled, seg_update_map, seg_update_data;
	uint8_t seg_probs[3];
	bool filter_simple;
	uint8_t level, sharpness;
	bool lf_adj, lf_delta_update;
	uint8_t nparts;
	uint8_t y_ac_qi;
	int8_t y_dc_delta, y2_dc_delta, y2_ac_delta, uv_dc_delta, uv_ac_delta;
};

/* Parse the start of the first partition (`data`, `size` bytes) of a frame; `key` from the frame
 * tag. Key frames reset `st` first. Returns false if the header runs past `size`. */
bool v4l2r_vp8_parse_header(const uint8_t *data, size_t size, bool key,
			    struct v4l2r_vp8_persist *st, struct v4l2r_vp8_frame_hdr *h);

#endif
