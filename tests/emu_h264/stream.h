/* SPDX-License-Identifier: MIT */
/* Test-side H.264 stream reader: NAL split, SPS/PPS to uAPI controls, access units. */
#ifndef EMU_H264_TEST_STREAM_H
#define EMU_H264_TEST_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/v4l2-controls.h>

struct nal {
	const uint8_t *p;
	size_t n;
	int type;
};

struct ps_sps {
	bool valid;
	struct v4l2_ctrl_h264_sps v;
	bool has_sm;
	uint8_t sl4[6][16], sl8[6][64]; /* raster order, after fall-back */
	int crop[4];			/* left right top bottom, in luma samples */
};

struct ps_pps {
	bool valid;
	struct v4l2_ctrl_h264_pps v;
	bool has_sm;
	uint8_t sl4[6][16], sl8[6][64];
};

struct au {
	int first_nal, n_nals; /* slices only, indices into stream.nals */
	int sps_id, pps_id;
	/* parameter sets as they were when this AU was decoded */
	struct ps_sps sps;
	struct ps_pps pps;
};

struct stream {
	uint8_t *data;
	size_t size;
	struct nal *nals;
	int n_nals;
	struct au *aus;
	int n_aus;
};

int stream_load(struct stream *st, const char *path);
void stream_free(struct stream *st);
/* The effective scaling matrix control of an AU. */
void stream_scaling_matrix(const struct au *au, struct v4l2_ctrl_h264_scaling_matrix *m);

#endif
