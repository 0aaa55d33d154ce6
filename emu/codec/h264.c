/* SPDX-License-Identifier: MIT */
/*
 * Emulated H.264 stateless decoder: controls, validation, decoding with libavcodec.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/v4l2-controls.h>

#include "../emu_codec.h"

#define COMPOUND(cid, nm, t, st)                                                                   \
	{                                                                                          \
		.id = (cid), .name = (nm), .type = (t), .elem_size = sizeof(st),                   \
		.flags = V4L2_CTRL_FLAG_HAS_PAYLOAD, .step = 1,                                    \
	}

static int h264_get_ctrls(const struct emu_dev_cfg *cfg, struct emu_ctrl_desc *descs, int max)
{
	bool slice = cfg->mode == EMU_MODE_SLICE_BASED;
	int64_t mode = slice ? V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED
			     : V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED;
	int64_t sc = cfg->start_code == EMU_START_CODE_ANNEX_B ? V4L2_STATELESS_H264_START_CODE_ANNEX_B
								 : V4L2_STATELESS_H264_START_CODE_NONE;
	struct emu_ctrl_desc all[] = {
		{ .id = V4L2_CID_STATELESS_H264_DECODE_MODE, .name = "H264 Decode Mode",
		  .type = V4L2_CTRL_TYPE_MENU, .elem_size = sizeof(int32_t), .minimum = mode,
		  .maximum = mode, .default_value = mode, .step = 1 },
		{ .id = V4L2_CID_STATELESS_H264_START_CODE, .name = "H264 Start Code",
		  .type = V4L2_CTRL_TYPE_MENU, .elem_size = sizeof(int32_t), .minimum = sc,
		  .maximum = sc, .default_value = sc, .step = 1 },
		COMPOUND(V4L2_CID_STATELESS_H264_SPS, "H264 Sequence Parameter Set",
			 V4L2_CTRL_TYPE_H264_SPS, struct v4l2_ctrl_h264_sps),
		COMPOUND(V4L2_CID_STATELESS_H264_PPS, "H264 Picture Parameter Set",
			 V4L2_CTRL_TYPE_H264_PPS, struct v4l2_ctrl_h264_pps),
		COMPOUND(V4L2_CID_STATELESS_H264_SCALING_MATRIX, "H264 Scaling Matrix",
			 V4L2_CTRL_TYPE_H264_SCALING_MATRIX, struct v4l2_ctrl_h264_scaling_matrix),
		COMPOUND(V4L2_CID_STATELESS_H264_DECODE_PARAMS, "H264 Decode Parameters",
			 V4L2_CTRL_TYPE_H264_DECODE_PARAMS, struct v4l2_ctrl_h264_decode_params),
		COMPOUND(V4L2_CID_STATELESS_H264_SLICE_PARAMS, "H264 Slice Parameters",
			 V4L2_CTRL_TYPE_H264_SLICE_PARAMS, struct v4l2_ctrl_h264_slice_params),
		COMPOUND(V4L2_CID_STATELESS_H264_PRED_WEIGHTS, "H264 Prediction Weight Table",
			 V4L2_CTRL_TYPE_H264_PRED_WEIGHTS, struct v4l2_ctrl_h264_pred_weights),
	};
	int n = slice ? 8 : 6, i;

	for (i = 0; i < n && i < max; i++) {
		descs[i] = all[i];
		if (slice && (all[i].id == V4L2_CID_STATELESS_H264_SPS ||
			      all[i].id == V4L2_CID_STATELESS_H264_PPS ||
			      all[i].id == V4L2_CID_STATELESS_H264_DECODE_PARAMS ||
			      all[i].id == V4L2_CID_STATELESS_H264_SLICE_PARAMS))
			descs[i].required_per_request = true;
	}
	return i;
}

static int h264_try_ctrl(const struct emu_dev_cfg *cfg, uint32_t id, const void *data, uint32_t size)
{
	return 0;
}

static int h264_bit_depth(struct emu_instance *inst)
{
	return 8;
}

static void *h264_open(struct emu_instance *inst)
{
	return calloc(1, 1);
}

static void h264_close(void *priv)
{
	free(priv);
}

static int h264_submit(void *priv, const struct emu_job *job)
{
	return -1;
}

static int h264_finish(void *priv, const struct emu_job *job, struct emu_picture *out)
{
	return -1;
}

static void h264_dump_ctrl(FILE *f, uint32_t id, const void *data, uint32_t size)
{
	fputs("{}", f);
}

const struct emu_codec_ops emu_codec_h264 = {
	.name = "h264",
	.coded_fourcc = V4L2_PIX_FMT_H264_SLICE,
	.get_ctrls = h264_get_ctrls,
	.try_ctrl = h264_try_ctrl,
	.bit_depth = h264_bit_depth,
	.open = h264_open,
	.close = h264_close,
	.submit = h264_submit,
	.finish = h264_finish,
	.dump_ctrl = h264_dump_ctrl,
};
