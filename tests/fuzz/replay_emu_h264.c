/* SPDX-License-Identifier: MIT */
/*
 * Replay side of tests/emu_h264/fuzz_emu_h264.c (SPS control, PPS control, then Annex B NAL
 * units): each stream is run with the controls of a 4:2:0 8-bit stream for POC types 0..2.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/v4l2-controls.h>

#include "replay.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

void fuzz_replay_builtin(void)
{
}

void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	struct v4l2_ctrl_h264_sps sps = {0};
	struct v4l2_ctrl_h264_pps pps = {0};
	size_t hdr = sizeof(sps) + sizeof(pps);
	/* The stream's first 64 KiB: the model's state is what the fuzzer reaches from there. */
	size_t len = n < 65536 ? n : 65536;
	uint8_t *buf = malloc(len + hdr);

	if (!buf)
		abort();
	memcpy(buf + hdr, d, len);
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
		    (uint16_t)(t == 2 ? V4L2_H264_PPS_FLAG_WEIGHTED_PRED |
					    V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE
				      : V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT);
		pps.weighted_bipred_idc = (uint8_t)t;
		memcpy(buf, &sps, sizeof(sps));
		memcpy(buf + sizeof(sps), &pps, sizeof(pps));
		fuzz_input(buf, len + hdr);
	}
	free(buf);
}

int fuzz_replay_finish(void)
{
	return 0;
}
