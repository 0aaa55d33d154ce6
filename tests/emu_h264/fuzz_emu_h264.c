/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the emulated H.264 codec's own parser and reference model: the input is
 * an SPS control, a PPS control, then NAL units (Annex B) that go through the slice-header
 * parser, POC, gaps, reference lists and marking. Without -DV4L2R_LIBFUZZER a replay main is
 * built: each file given is run whole with the controls taken from its first bytes, and cut into
 * NAL units that are run with the controls of a 4:2:0 8-bit stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../emu/codec/h264_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;
	static struct h264_model m;
	static struct h264_slice s;
	size_t i, start = SIZE_MAX;

	if (size < sizeof(sps) + sizeof(pps))
		return 0;
	memcpy(&sps, data, sizeof(sps));
	memcpy(&pps, data + sizeof(sps), sizeof(pps));
	/* what the kernel's std validation guarantees before the codec sees them */
	sps.log2_max_frame_num_minus4 %= 13;
	sps.log2_max_pic_order_cnt_lsb_minus4 %= 13;
	sps.pic_order_cnt_type %= 3;
	sps.max_num_ref_frames %= 33;
	pps.num_ref_idx_l0_default_active_minus1 %= 32;
	pps.num_ref_idx_l1_default_active_minus1 %= 32;
	pps.weighted_bipred_idc %= 3;
	data += sizeof(sps) + sizeof(pps);
	size -= sizeof(sps) + sizeof(pps);
	h264_model_reset(&m);
	for (i = 0; i <= size; i++) {
		bool at = i + 2 < size && data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1;

		if (!at && i < size)
			continue;
		if (start != SIZE_MAX && i > start) {
			struct h264_cur_poc poc;
			struct h264_ref lists[2][33];
			int n[2];

			if (!h264_parse_slice(data + start, i - start, &sps, &pps, &s)) {
				h264_model_gaps(&m, &sps, &s);
				h264_model_poc(&m, &sps, &s, &poc);
				h264_model_ref_lists(&m, &sps, &s, &poc, lists, n);
				h264_model_finish(&m, &sps, &s, &poc, (int)(i & 15), i);
			}
		}
		start = i + 3;
		i += 2;
	}
	return 0;
}

#ifndef V4L2R_LIBFUZZER
int main(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		FILE *f = fopen(argv[a], "rb");
		uint8_t *d;
		long sz;
		struct v4l2_ctrl_h264_sps sps = {0};
		struct v4l2_ctrl_h264_pps pps = {0};
		size_t hdr = sizeof(sps) + sizeof(pps);

		if (!f) {
			fprintf(stderr, "cannot open %s\n", argv[a]);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		sz = ftell(f);
		fseek(f, 0, SEEK_SET);
		d = malloc((size_t)sz + hdr);
		if (!d || fread(d + hdr, 1, (size_t)sz, f) != (size_t)sz) {
			fclose(f);
			free(d);
			return 1;
		}
		fclose(f);
		/* 1: the file's bytes as controls and NALs */
		LLVMFuzzerTestOneInput(d + hdr, (size_t)sz);
		/* 2: plausible controls (Baseline/Main 4:2:0, POC types 0..2), the file's NALs */
		for (int t = 0; t < 3; t++) {
			sps.chroma_format_idc = 1;
			sps.log2_max_frame_num_minus4 = (uint8_t)(t * 2);
			sps.pic_order_cnt_type = (uint8_t)t;
			sps.log2_max_pic_order_cnt_lsb_minus4 = 4;
			sps.max_num_ref_frames = (uint8_t)(4 + t * 6);
			sps.num_ref_frames_in_pic_order_cnt_cycle = 2;
			sps.offset_for_ref_frame[0] = 2;
			sps.offset_for_ref_frame[1] = -1;
			sps.flags = t == 1 ? 0 : V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY;
			pps.flags =
			    (uint16_t)(t == 2
					   ? V4L2_H264_PPS_FLAG_WEIGHTED_PRED |
						 V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE
					   : V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT);
			pps.weighted_bipred_idc = (uint8_t)t;
			memcpy(d, &sps, sizeof(sps));
			memcpy(d + sizeof(sps), &pps, sizeof(pps));
			LLVMFuzzerTestOneInput(d, (size_t)sz + hdr);
		}
		free(d);
	}
	return 0;
}
#endif
