/* SPDX-License-Identifier: MIT */
/*
 * The core services a codec translation (the files of src/codec/) links against, for unit
 * tests that compile a codec file in and test its static functions: none of them is reached
 * there. Included once, after the codec file.
 */
#ifndef V4L2R_TESTS_CODEC_CORE_STUB_H
#define V4L2R_TESTS_CODEC_CORE_STUB_H

int v4l2r_ctx_fd(struct v4l2r_ctx *ctx)
{
	return -1;
}
struct v4l2r_surface *v4l2r_ctx_target(struct v4l2r_ctx *ctx)
{
	return NULL;
}
uint64_t v4l2r_ctx_picture_ts(struct v4l2r_ctx *ctx)
{
	return 0;
}
void v4l2r_ctx_continue_ts(struct v4l2r_ctx *ctx)
{
}
struct v4l2r_surface *v4l2r_ctx_surface(struct v4l2r_ctx *ctx, VASurfaceID id)
{
	return NULL;
}
uint64_t v4l2r_surface_ts(const struct v4l2r_surface *surface)
{
	return 0;
}
VAStatus v4l2r_ctx_stream(struct v4l2r_ctx *ctx, const struct v4l2r_stream_params *params)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}
VAStatus v4l2r_slot_get(struct v4l2r_ctx *ctx, struct v4l2r_slot **slot, uint8_t **data,
			size_t *capacity)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}
VAStatus v4l2r_slot_get_size(struct v4l2r_ctx *ctx, size_t need, struct v4l2r_slot **slot,
			     uint8_t **data, size_t *capacity)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}
void v4l2r_slot_put(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot)
{
}
VAStatus v4l2r_slot_queue(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot, size_t bytesused,
			  struct v4l2_ext_control *ctrls, unsigned n_ctrls, unsigned flags,
			  struct v4l2r_surface *const *refs, unsigned n_refs)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}
void v4l2r_ctx_debug(struct v4l2r_ctx *ctx, const char *fmt, ...)
{
}

#endif
