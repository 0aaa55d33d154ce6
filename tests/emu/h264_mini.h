/* SPDX-License-Identifier: MIT */
/*
 * A deliberately small H.264 header reader for the emulator's uAPI test: enough to fill the
 * stateless controls of one intra picture (SPS, PPS, DECODE_PARAMS, SLICE_PARAMS). It is the
 * test's own code: it shares nothing with the driver's or the emulator's parsers, so that the
 * three can disagree and a test can notice.
 */
#ifndef EMU_TEST_H264_MINI_H
#define EMU_TEST_H264_MINI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/v4l2-controls.h>

struct h264_mini_nal {
	const uint8_t *data; /* NAL unit without start code, starting at the NAL header byte */
	size_t size;
	int type;
	int ref_idc;
};

#define H264_MINI_MAX_SLICES 8

struct h264_mini_picture {
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;
	struct v4l2_ctrl_h264_decode_params decode;
	/* the slices of the first IDR picture, in bitstream order */
	struct v4l2_ctrl_h264_slice_params slice[H264_MINI_MAX_SLICES];
	struct h264_mini_nal slice_nal[H264_MINI_MAX_SLICES];
	int n_slices;
	int width, height; /* coded size in pixels */
	/* the picture after the IDR, when it is a single-slice P picture referring to the IDR
	 * (parsed for a two-picture decode; has_p false otherwise) */
	bool has_p;
	struct v4l2_ctrl_h264_decode_params p_decode;
	struct v4l2_ctrl_h264_slice_params p_slice;
	struct h264_mini_nal p_nal;
};

/* Find the next Annex B NAL unit at or after *pos; 0 when found, -1 at the end. */
int h264_mini_next_nal(const uint8_t *buf, size_t size, size_t *pos, struct h264_mini_nal *nal);

/* Fill `pic` from the first SPS, PPS and IDR picture (all its slices) of an Annex B stream.
 * 0 or -1 (message in `err`). Only IDR frames of progressive streams are handled. */
int h264_mini_parse_first_idr(const uint8_t *buf, size_t size, struct h264_mini_picture *pic,
			      char *err, size_t err_size);

#endif
