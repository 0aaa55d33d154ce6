/* SPDX-License-Identifier: MIT */
/*
 * Picture order counts as the H.264 translation computes them (8.2.1, types 0 and 2): lsb
 * wrap-around both ways, non-reference pictures, fields, frame_num wrap, and the resets of
 * memory_management_control_operation 5 — against values worked out by hand from the spec.
 * The codec's static functions are tested directly (the file is included); the core services it
 * calls are stubbed and never reached here.
 */
#include "../../src/codec/h264.c"

#include <stdio.h>

#include "codec_core_stub.h"

static int failures, checks;

struct pic {
	int nal_type, ref_idc;
	unsigned frame_num, lsb;
	int delta_bottom;
	char structure; /* 'F' frame, 'T' top field, 'B' bottom field */
	bool mmco5;
	int32_t top, bottom; /* expected (only the coded fields are compared) */
};

static void run(const char *name, unsigned type, unsigned log2_lsb, unsigned log2_fn,
		const struct pic *pics, unsigned n)
{
	static struct h264_priv priv;

	memset(&priv, 0, sizeof(priv));
	priv.pic.seq_fields.bits.pic_order_cnt_type = type;
	priv.pic.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 = log2_lsb - 4;
	priv.pic.seq_fields.bits.log2_max_frame_num_minus4 = log2_fn - 4;
	for (unsigned i = 0; i < n; i++) {
		const struct pic *p = &pics[i];
		struct v4l2r_h264_slice_hdr h = {
		    .nal_unit_type = (uint8_t)p->nal_type,
		    .nal_ref_idc = (uint8_t)p->ref_idc,
		    .frame_num = p->frame_num,
		    .pic_order_cnt_lsb = p->lsb,
		    .delta_pic_order_cnt_bottom = p->delta_bottom,
		    .field_pic = p->structure != 'F',
		    .bottom_field = p->structure == 'B',
		    .mmco5 = p->mmco5,
		};
		int32_t top = 0, bottom = 0;

		priv.pic.pic_fields.bits.field_pic_flag = p->structure != 'F';
		priv.pic.CurrPic.flags = p->structure == 'B'   ? VA_PICTURE_H264_BOTTOM_FIELD
					 : p->structure == 'T' ? VA_PICTURE_H264_TOP_FIELD
							       : 0;
		checks++;
		if (!compute_poc(&priv, &h, &top, &bottom)) {
			failures++;
			fprintf(stderr, "%s #%u: not computed\n", name, i);
			continue;
		}
		bool bad = (p->structure != 'B' && top != p->top) ||
			   (p->structure != 'T' && bottom != p->bottom);
		if (bad) {
			failures++;
			fprintf(stderr, "%s #%u: top %d bottom %d, want %d %d\n", name, i, top,
				bottom, p->top, p->bottom);
		}
	}
}

int main(void)
{
	/* Type 0, MaxPicOrderCntLsb 16: the lsb wraps (msb +16), then steps back (msb -16). */
	const struct pic t0_wrap[] = {
	    {5, 3, 0, 0, 0, 'F', false, 0, 0},	 {1, 2, 1, 4, 0, 'F', false, 4, 4},
	    {1, 2, 2, 8, 1, 'F', false, 8, 9},	 {1, 2, 3, 12, 0, 'F', false, 12, 12},
	    {1, 2, 4, 2, 0, 'F', false, 18, 18}, {1, 0, 5, 14, 0, 'F', false, 14, 14},
	    {1, 2, 5, 6, 0, 'F', false, 22, 22},
	};
	run("type0-wrap", 0, 4, 4, t0_wrap, sizeof(t0_wrap) / sizeof(t0_wrap[0]));

	/* Non-reference pictures do not move prevPicOrderCntMsb/Lsb: after lsb 12 (non-ref)
	 * and lsb 2 (ref), lsb 2 is compared with the previous *reference* lsb 8. */
	const struct pic t0_nonref[] = {
	    {5, 3, 0, 0, 0, 'F', false, 0, 0},
	    {1, 2, 1, 8, 0, 'F', false, 8, 8},
	    {1, 0, 2, 12, 0, 'F', false, 12, 12},
	    {1, 2, 2, 2, 0, 'F', false, 2, 2},
	};
	run("type0-nonref", 0, 4, 4, t0_nonref, sizeof(t0_nonref) / sizeof(t0_nonref[0]));

	/* mmco5 on a frame (POC 8): the next reference picture starts from prevLsb 0, msb 0, so
	 * lsb 12 (> 0 + 16/2) gives msb -16, POC -4. An IDR after a 2^16 offset is 0 again. */
	const struct pic t0_mmco5[] = {
	    {5, 3, 0, 0, 0, 'F', false, 0, 0}, {1, 2, 1, 4, 0, 'F', false, 4, 4},
	    {1, 2, 2, 8, 0, 'F', true, 8, 8},  {1, 2, 1, 12, 0, 'F', false, -4, -4},
	    {5, 3, 0, 6, 0, 'F', false, 6, 6},
	};
	run("type0-mmco5", 0, 4, 4, t0_mmco5, sizeof(t0_mmco5) / sizeof(t0_mmco5[0]));

	/* Fields: each field takes its own lsb. */
	const struct pic t0_fields[] = {
	    {5, 3, 0, 0, 0, 'T', false, 0, 0},
	    {1, 3, 0, 1, 0, 'B', false, 0, 1},
	    {1, 2, 1, 4, 0, 'T', false, 4, 0},
	    {1, 2, 1, 5, 0, 'B', false, 0, 5},
	};
	run("type0-fields", 0, 4, 4, t0_fields, sizeof(t0_fields) / sizeof(t0_fields[0]));

	/* Type 2, MaxFrameNum 16: 2 * FrameNumOffset + frame_num, minus 1 for non-reference;
	 * frame_num wraps (offset +16); mmco5 makes the next offset 0 and frame_num 0. */
	const struct pic t2[] = {
	    {5, 3, 0, 0, 0, 'F', false, 0, 0},	  {1, 2, 1, 0, 0, 'F', false, 2, 2},
	    {1, 0, 2, 0, 0, 'F', false, 3, 3},	  {1, 2, 2, 0, 0, 'F', false, 4, 4},
	    {1, 2, 15, 0, 0, 'F', false, 30, 30}, {1, 2, 0, 0, 0, 'F', false, 32, 32},
	    {1, 2, 1, 0, 0, 'F', true, 34, 34},	  {1, 2, 1, 0, 0, 'F', false, 2, 2},
	};
	run("type2", 2, 4, 4, t2, sizeof(t2) / sizeof(t2[0]));

	/* The DPB keeps an mmco5 picture's counts relative to PicOrderCnt (8.2.1): a frame
	 * 10/12 becomes 0/2. */
	static struct h264_priv priv;
	poc_map_store(&priv, 7, false, false, 10, 12, true);
	int m = poc_map_find(&priv, 7);
	checks++;
	if (m < 0 || priv.poc_map[m].top != 0 || priv.poc_map[m].bottom != 2) {
		failures++;
		fprintf(stderr, "mmco5 DPB counts wrong\n");
	}
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
