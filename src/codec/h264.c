/* SPDX-License-Identifier: MIT */
/* H.264: VA picture/slice buffers -> V4L2 stateless H.264 controls. */
#include "codec.h"

#include <linux/v4l2-controls.h>

static const VAProfile h264_profiles[] = {
	VAProfileH264ConstrainedBaseline,
	VAProfileH264Main,
	VAProfileH264High,
#if VA_CHECK_VERSION(1, 18, 0)
	VAProfileH264High10, /* enum added in libva 1.18 */
#endif
};

static bool h264_profile_is_10bit(VAProfile profile)
{
#if VA_CHECK_VERSION(1, 18, 0)
	return profile == VAProfileH264High10;
#else
	(void)profile;
	return false;
#endif
}

struct h264_priv {
	int unused;
};

static VAStatus h264_init(struct v4l2r_ctx *ctx, void *priv, VAProfile profile)
{
	return VA_STATUS_SUCCESS;
}

static void h264_fini(struct v4l2r_ctx *ctx, void *priv)
{
}

static VAStatus h264_begin(struct v4l2r_ctx *ctx, void *priv)
{
	return VA_STATUS_SUCCESS;
}

static VAStatus h264_render(struct v4l2r_ctx *ctx, void *priv, const struct v4l2r_va_buffer *buf)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus h264_end(struct v4l2r_ctx *ctx, void *priv)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

const struct v4l2r_codec v4l2r_codec_h264 = {
	.name = "h264",
	.coded_fourcc = V4L2_PIX_FMT_H264_SLICE,
	.profiles = h264_profiles,
	.n_profiles = sizeof(h264_profiles) / sizeof(h264_profiles[0]),
	.profile_is_10bit = h264_profile_is_10bit,
	.priv_size = sizeof(struct h264_priv),
	.init = h264_init,
	.fini = h264_fini,
	.begin = h264_begin,
	.render = h264_render,
	.end = h264_end,
};
