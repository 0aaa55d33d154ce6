/* SPDX-License-Identifier: MIT */
/*
 * VA contexts: one open video node each, with its OUTPUT pool set up at creation and CAPTURE
 * allocated lazily when the codec declares the stream (v4l2r_ctx_stream). Also the core
 * services codecs use (codec.h).
 */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

static bool in_limits(const struct v4l2r_device *dev, uint32_t w, uint32_t h)
{
	return w >= dev->min_w && h >= dev->min_h && w >= 1 && h >= 1 && w <= dev->max_w &&
	       h <= dev->max_h;
}

void v4l2r_ctx_destroy(struct v4l2r_driver *drv, struct v4l2r_ctx *ctx)
{
	uint32_t pos = 0;
	struct v4l2r_surface *s;

	/* No new lookups; threads polling its requests (lock dropped) leave first. */
	if (ctx->id)
		v4l2r_table_remove(&drv->contexts, ctx->id);
	ctx->id = 0;
	/* Unreachable now: other threads go on while its last pictures finish (a hung device
	 * costs them nothing). vaTerminate calls this without the lock. */
	if (ctx->video_fd >= 0)
		(void)v4l2r_requests_wait_all(ctx, !drv->terminating);
	while (ctx->waiters)
		pthread_cond_wait(&drv->idle, &drv->lock);
	if (ctx->codec_ready && ctx->cfg.codec->fini)
		ctx->cfg.codec->fini(ctx, ctx->priv);
	v4l2r_buffer_unpin_all(ctx);
	free(ctx->pic_bufs);
	/* Keeps a copy of the decoded pictures: the surfaces outlive the context. */
	v4l2r_video_close(ctx);
	while ((s = v4l2r_table_next(&drv->surfaces, &pos))) {
		if (s->ctx == ctx) {
			s->ctx = NULL;
			s->cap = -1;
			s->last_slot = NULL;
		}
	}
	free(ctx->targets);
	free(ctx->priv);
	free(ctx);
}

VAStatus v4l2r_CreateContext(VADriverContextP va, VAConfigID config, int width, int height,
			     int flag, VASurfaceID *targets, int n_targets, VAContextID *id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_config *cfg;
	struct v4l2r_ctx *ctx = NULL;
	VAStatus st;

	if (!id)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	cfg = v4l2r_table_get(&drv->configs, config);
	if (!cfg) {
		st = VA_STATUS_ERROR_INVALID_CONFIG;
		goto out;
	}
	if (width <= 0 || height <= 0 || n_targets < 0 || (n_targets > 0 && !targets)) {
		st = VA_STATUS_ERROR_INVALID_PARAMETER;
		goto out;
	}
	if (!in_limits(cfg->dev, (uint32_t)width, (uint32_t)height)) {
		st = VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
		goto out;
	}
	for (int i = 0; i < n_targets; i++) {
		if (!v4l2r_table_get(&drv->surfaces, targets[i])) {
			st = VA_STATUS_ERROR_INVALID_SURFACE;
			goto out;
		}
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto out;
	}
	ctx->drv = drv;
	ctx->cfg = *cfg;
	ctx->video_fd = ctx->media_fd = -1;
	for (unsigned i = 0; i < V4L2R_OUTPUT_BUFFERS; i++)
		ctx->slots[i].req_fd = -1;
	ctx->width = (uint32_t)width;
	ctx->height = (uint32_t)height;
	if (n_targets) {
		ctx->targets = malloc((size_t)n_targets * sizeof(*ctx->targets));
		if (!ctx->targets) {
			st = VA_STATUS_ERROR_ALLOCATION_FAILED;
			goto out;
		}
		memcpy(ctx->targets, targets, (size_t)n_targets * sizeof(*targets));
		ctx->n_targets = (unsigned)n_targets;
	}
	ctx->priv = calloc(1, cfg->codec->priv_size ? cfg->codec->priv_size : 1);
	if (!ctx->priv) {
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto out;
	}
	st = v4l2r_video_open(ctx);
	if (st != VA_STATUS_SUCCESS)
		goto out;
	st = v4l2r_video_output_setup(ctx, ctx->width, ctx->height);
	if (st != VA_STATUS_SUCCESS)
		goto out;
	st = cfg->codec->init(ctx, ctx->priv, cfg->profile);
	if (st != VA_STATUS_SUCCESS)
		goto out;
	ctx->codec_ready = true;
	ctx->id = v4l2r_table_add(&drv->contexts, ctx);
	if (!ctx->id) {
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto out;
	}
	/* Render targets belong to this context from now on (their CAPTURE buffers come with
	 * the stream). */
	for (unsigned i = 0; i < ctx->n_targets; i++) {
		struct v4l2r_surface *s = v4l2r_table_get(&drv->surfaces, ctx->targets[i]);

		if (s && !s->ctx) {
			s->ctx = ctx;
			s->cap = -1;
		}
	}
	*id = ctx->id;
	v4l2r_debug(drv, "context %#x: %s on %s, %dx%d, %d targets\n", ctx->id, cfg->codec->name,
		    cfg->dev->video_path, width, height, n_targets);
	st = VA_STATUS_SUCCESS;
	ctx = NULL;
out:
	if (ctx)
		v4l2r_ctx_destroy(drv, ctx);
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_DestroyContext(VADriverContextP va, VAContextID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_ctx *ctx;

	pthread_mutex_lock(&drv->lock);
	ctx = v4l2r_table_get(&drv->contexts, id);
	if (ctx)
		v4l2r_ctx_destroy(drv, ctx);
	pthread_mutex_unlock(&drv->lock);
	return ctx ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_CONTEXT;
}

/* --- core services for codecs ------------------------------------------------------------- */

int v4l2r_ctx_fd(struct v4l2r_ctx *ctx)
{
	return ctx->video_fd;
}

struct v4l2r_surface *v4l2r_ctx_target(struct v4l2r_ctx *ctx)
{
	return ctx->target;
}

uint64_t v4l2r_ctx_picture_ts(struct v4l2r_ctx *ctx)
{
	return ctx->pic_ts;
}

void v4l2r_ctx_continue_ts(struct v4l2r_ctx *ctx)
{
	if (ctx->target && ctx->target->ts) {
		ctx->pic_ts = ctx->target->ts;
		ctx->pic_continues = true;
	}
}

struct v4l2r_surface *v4l2r_ctx_surface(struct v4l2r_ctx *ctx, VASurfaceID id)
{
	struct v4l2r_surface *s = v4l2r_table_get(&ctx->drv->surfaces, id);

	/* Codecs look up the references a picture names: one that is not a surface (destroyed,
	 * or another object's ID) fails the picture with VA_STATUS_ERROR_INVALID_SURFACE. */
	if (!s && id != VA_INVALID_SURFACE && ctx->in_picture)
		ctx->pic_bad_ref = true;
	return s;
}

uint64_t v4l2r_surface_ts(const struct v4l2r_surface *surface)
{
	return surface ? surface->ts : 0;
}

VAStatus v4l2r_ctx_stream(struct v4l2r_ctx *ctx, const struct v4l2r_stream_params *p)
{
	VAStatus st;

	if (!p || !in_limits(ctx->cfg.dev, p->width, p->height))
		return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
	if (p->bit_depth != 8 && p->bit_depth != 10)
		return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
	if (ctx->cap_on && ctx->stream_w == p->width && ctx->stream_h == p->height &&
	    ctx->cap_depth == p->bit_depth && ctx->n_cap >= p->min_buffers) {
		/* Same stream: the headers only need to be current for later format queries. */
		if (p->n_hdr_ctrls) {
			struct v4l2_ext_controls cs = {.which = V4L2_CTRL_WHICH_CUR_VAL,
						       .count = p->n_hdr_ctrls,
						       .controls = p->hdr_ctrls};

			(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_S_EXT_CTRLS, &cs);
		}
		return VA_STATUS_SUCCESS;
	}
	v4l2r_debug(ctx->drv, "stream %ux%u %u-bit, %u buffers\n", p->width, p->height,
		    p->bit_depth, p->min_buffers);

	/* A stream change: everything in flight finishes, then both queues are rebuilt as far as
	 * needed (hantro and cedrus refuse S_FMT OUTPUT while buffers exist). */
	if (ctx->cap_on || ctx->cap) {
		st = v4l2r_requests_wait_all(ctx, false);
		if (st != VA_STATUS_SUCCESS)
			return st;
		v4l2r_video_capture_teardown(ctx);
	}
	if (p->width != ctx->out_w || p->height != ctx->out_h) {
		st = v4l2r_requests_wait_all(ctx, false);
		if (st != VA_STATUS_SUCCESS)
			return st;
		v4l2r_video_output_teardown(ctx);
		st = v4l2r_video_output_setup(ctx, p->width, p->height);
		if (st != VA_STATUS_SUCCESS)
			return st;
	}
	st = v4l2r_video_capture_setup(ctx, p);
	if (st != VA_STATUS_SUCCESS)
		return st;
	ctx->stream_w = p->width;
	ctx->stream_h = p->height;
	return VA_STATUS_SUCCESS;
}
