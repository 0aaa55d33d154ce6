/* SPDX-License-Identifier: MIT */
/* vaBeginPicture / vaRenderPicture / vaEndPicture: hand the buffers to the context's codec. */
#include "driver.h"

#include <inttypes.h>

VAStatus v4l2r_BeginPicture(VADriverContextP va, VAContextID context, VASurfaceID target)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_ctx *ctx;
	struct v4l2r_surface *s;
	VAStatus st;

	pthread_mutex_lock(&drv->lock);
	ctx = v4l2r_table_get(&drv->contexts, context);
	s = v4l2r_surface_get(drv, target);
	if (!ctx) {
		st = VA_STATUS_ERROR_INVALID_CONTEXT;
		goto out;
	}
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
		goto out;
	}
	if ((s->rt_format & ctx->cfg.rt_format) == 0) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
		goto out;
	}
	/* A second vaBeginPicture without vaEndPicture abandons the open picture: nothing of it
	 * was queued yet. */
	v4l2r_buffer_unpin_all(ctx);
	ctx->target = s;
	ctx->in_picture = true;
	ctx->pic_cap_queued = false;
	ctx->pic_continues = false;
	ctx->pic_bad_ref = false;
	/* One timestamp per picture, never reused: the DPB names references by it. */
	ctx->pic_ts = ++ctx->ts_counter * 1000;
	st = ctx->cfg.codec->begin(ctx, ctx->priv);
	if (st != VA_STATUS_SUCCESS)
		ctx->in_picture = false;
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_RenderPicture(VADriverContextP va, VAContextID context, VABufferID *buffers, int num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_ctx *ctx;
	VAStatus st = VA_STATUS_SUCCESS;

	pthread_mutex_lock(&drv->lock);
	ctx = v4l2r_table_get(&drv->contexts, context);
	if (!ctx) {
		st = VA_STATUS_ERROR_INVALID_CONTEXT;
		goto out;
	}
	if (num < 0 || (num > 0 && !buffers)) {
		st = VA_STATUS_ERROR_INVALID_PARAMETER;
		goto out;
	}
	if (!ctx->in_picture || !ctx->target) {
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	for (int i = 0; i < num; i++) {
		struct v4l2r_buffer *b = v4l2r_table_get(&drv->buffers, buffers[i]);

		if (!b || b->context != context) {
			st = VA_STATUS_ERROR_INVALID_BUFFER;
			goto out;
		}
	}
	for (int i = 0; i < num; i++) {
		struct v4l2r_buffer *b = v4l2r_table_get(&drv->buffers, buffers[i]);
		struct v4l2r_va_buffer vb = {
		    .type = b->type,
		    .data = b->data,
		    .size = b->size,
		    .num_elements = b->num_elements,
		};

		/* Slice data is read at vaEndPicture, from the buffer itself (one copy, into the
		 * OUTPUT buffer): it stays alive until then, whatever the client destroys. */
		bool pin = b->type == VASliceDataBufferType;
		if (pin) {
			st = v4l2r_buffer_pin_room(ctx);
			if (st != VA_STATUS_SUCCESS)
				goto out;
		}
		st = ctx->cfg.codec->render(ctx, ctx->priv, &vb);
		if (st != VA_STATUS_SUCCESS)
			goto out;
		if (pin)
			v4l2r_buffer_pin(ctx, b);
	}
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_EndPicture(VADriverContextP va, VAContextID context)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_ctx *ctx;
	VAStatus st;

	pthread_mutex_lock(&drv->lock);
	ctx = v4l2r_table_get(&drv->contexts, context);
	if (!ctx) {
		st = VA_STATUS_ERROR_INVALID_CONTEXT;
		goto out;
	}
	if (!ctx->in_picture || !ctx->target) {
		v4l2r_buffer_unpin_all(ctx);
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	/* All slots in flight: wait for one without the driver lock, so that other contexts and
	 * threads go on meanwhile (the target and the context stay alive: their destruction waits
	 * for us). */
	struct v4l2r_surface *target = ctx->target;
	target->waiters++;
	st = v4l2r_requests_reserve(ctx);
	if (--target->waiters == 0)
		pthread_cond_broadcast(&drv->idle);
	if (st == VA_STATUS_ERROR_INVALID_CONTEXT)
		goto out; /* destroyed while we waited */
	if (ctx->target != target || !ctx->in_picture) {
		v4l2r_buffer_unpin_all(ctx);
		st = VA_STATUS_ERROR_INVALID_SURFACE; /* the target was destroyed meanwhile */
		goto out;
	}
	if (st == VA_STATUS_SUCCESS)
		st = ctx->cfg.codec->end(ctx, ctx->priv);
	if (ctx->drv->debug) {
		unsigned n = 0;

		for (unsigned i = 0; i < ctx->n_slots; i++)
			n += ctx->slots[i].queued;
		v4l2r_debug(drv,
			    "picture %" PRIu64 " queued into surface %#x, %u requests in flight\n",
			    ctx->pic_ts / 1000, ctx->target->id, n);
	}
	if (st != VA_STATUS_SUCCESS) {
		ctx->target->failed = true;
		v4l2r_debug(drv, "picture into surface %#x: %s\n", ctx->target->id, vaErrorStr(st));
	}
	v4l2r_buffer_unpin_all(ctx);
	ctx->in_picture = false;
	ctx->target = NULL;
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}
