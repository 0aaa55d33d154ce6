/* SPDX-License-Identifier: MIT */
/*
 * OUTPUT slots (an OUTPUT buffer paired with a media request), queueing a picture's requests
 * and collecting completions. Queueing never waits for the decoder except when every slot is in
 * flight; waits are bounded (drv->wait_ms, LIBVA_V4L2_REQUEST_TIMEOUT_MS) and poll the request
 * fd for POLLPRI.
 *
 * Device faults: a request still in flight when the bound expires means a hung decoder: both
 * queues are stopped and restarted (every picture in flight fails, the next IDR decodes). A
 * device that is gone (ENODEV from an ioctl, POLLERR/POLLHUP from its fds, as after an unbind)
 * kills the context: everything in flight fails at once and nothing waits on it any more.
 *
 * The m2m model decodes a job into the FIRST queued CAPTURE buffer, so the target's CAPTURE
 * buffer is queued right before its picture's first request, and never while a picture in
 * flight still writes it. Pictures in flight that read it as a reference need no wait (jobs run
 * in queue order; see wait_capture_idle).
 */
#include "driver.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <linux/media.h>

/* Every function here has its context in `ctx`. */
#define OUT_TYPE V4L2R_OUT_TYPE(ctx)
#define CAP_TYPE V4L2R_CAP_TYPE(ctx)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A request is reusable once reinitialised; EBUSY while the device still completes it. */
static bool slot_reinit(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot)
{
	if (slot->req_fd >= 0 && v4l2r_xioctl(slot->req_fd, MEDIA_REQUEST_IOC_REINIT, NULL) < 0) {
		v4l2r_debug(ctx->drv, "REINIT request %u: %s\n", slot->index, strerror(errno));
		slot->stale = true;
		return false;
	}
	slot->stale = false;
	return true;
}

static void slot_release(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot)
{
	(void)slot_reinit(ctx, slot);
	slot->queued = false;
	slot->taken = false;
	slot->cap = -1;
	slot->n_refs = 0;
}

/* Everything in flight on the context fails: its pictures' surfaces report a decoding error and
 * no slot or CAPTURE buffer is ours to wait for any more. */
static void fail_in_flight(struct v4l2r_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->n_cap; i++) {
		struct v4l2r_capbuf *c = &ctx->cap[i];

		if (c->queued && c->owner) {
			c->owner->failed = true;
			c->owner->decoded = false;
		}
		c->queued = false;
	}
	for (unsigned i = 0; i < ctx->n_slots; i++) {
		struct v4l2r_slot *slot = &ctx->slots[i];

		if (slot->queued) {
			slot->queued = false;
			slot->taken = false;
			slot->cap = -1;
			slot->n_refs = 0;
			slot->stale = true; /* reinitialised when taken again */
		}
	}
	ctx->pic_cap_queued = false;
}

void v4l2r_ctx_kill(struct v4l2r_ctx *ctx)
{
	if (!ctx->dead)
		v4l2r_error(ctx->drv, "%s: the device is gone\n", ctx->cfg.dev->video_path);
	ctx->dead = true;
	fail_in_flight(ctx);
}

/* After a failed ioctl on the context's fds: a device that is gone kills the context. */
static void check_gone(struct v4l2r_ctx *ctx, int err)
{
	if (err == ENODEV || err == ENXIO)
		v4l2r_ctx_kill(ctx);
}

void v4l2r_requests_reset(struct v4l2r_ctx *ctx)
{
	int out = OUT_TYPE, cap = CAP_TYPE;

	if (ctx->dead)
		return;
	v4l2r_error(ctx->drv, "%s: a request did not complete in %d ms; restarting the queues\n",
		    ctx->cfg.dev->video_path, ctx->drv->wait_ms);
	/* STREAMOFF returns every buffer and completes the requests the device still held. */
	if (ctx->out_on && v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMOFF, &out) < 0)
		check_gone(ctx, errno);
	if (ctx->cap_on && v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMOFF, &cap) < 0)
		check_gone(ctx, errno);
	fail_in_flight(ctx);
	if (ctx->dead)
		return;
	if (ctx->out_on && v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMON, &out) < 0) {
		ctx->out_on = false;
		check_gone(ctx, errno);
	}
	if (ctx->cap_on && v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMON, &cap) < 0) {
		ctx->cap_on = false;
		check_gone(ctx, errno);
	}
}

/* Dequeue whatever completed, on both queues, without blocking. */
void v4l2r_requests_drain(struct v4l2r_ctx *ctx)
{
	if (ctx->dead)
		return;
	for (;;) {
		struct v4l2_plane plane;
		struct v4l2_buffer b;

		v4l2r_buf_init(&b, &plane, OUT_TYPE, 0);
		if (v4l2r_xioctl(ctx->video_fd, VIDIOC_DQBUF, &b) < 0) {
			check_gone(ctx, errno);
			if (ctx->dead)
				return;
			break;
		}
		if (b.index < ctx->n_slots && ctx->slots[b.index].queued)
			slot_release(ctx, &ctx->slots[b.index]);
	}
	for (;;) {
		struct v4l2_plane plane;
		struct v4l2_buffer b;

		v4l2r_buf_init(&b, &plane, CAP_TYPE, 0);
		if (!ctx->cap_on)
			break;
		if (v4l2r_xioctl(ctx->video_fd, VIDIOC_DQBUF, &b) < 0) {
			check_gone(ctx, errno);
			break;
		}
		if (b.index >= ctx->n_cap)
			continue;
		struct v4l2r_capbuf *c = &ctx->cap[b.index];
		if (!c->queued) {
			/* Not ours to complete: a buffer we did not queue (device bug). */
			v4l2r_debug(ctx->drv, "CAPTURE %u dequeued but not queued\n", b.index);
			continue;
		}
		c->queued = false;
		if (c->owner) {
			/* failed was cleared when the buffer was queued for a new frame; a
			 * second field keeps the first field's error. */
			if (b.flags & V4L2_BUF_FLAG_ERROR)
				c->owner->failed = true;
			c->owner->decoded = !c->owner->failed;
			if (c->owner->failed)
				v4l2r_debug(ctx->drv, "surface %#x: decoding error\n",
					    c->owner->id);
		}
	}
}

/* poll(), without the driver lock when asked: the context stays alive meanwhile (its
 * destruction waits for ctx->waiters to drop to 0). */
static int poll_ctx(struct v4l2r_ctx *ctx, struct pollfd *p, int ms, bool unlock)
{
	int r, err;

	if (!unlock)
		return poll(p, 1, ms);
	ctx->waiters++;
	pthread_mutex_unlock(&ctx->drv->lock);
	r = poll(p, 1, ms);
	err = errno;
	pthread_mutex_lock(&ctx->drv->lock);
	if (--ctx->waiters == 0)
		pthread_cond_broadcast(&ctx->drv->idle);
	errno = err;
	return r;
}

VAStatus v4l2r_requests_wait_slot(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot, int timeout_ms,
				  bool unlock)
{
	struct pollfd p = {.fd = slot->req_fd, .events = POLLPRI};
	int64_t end = now_ms() + timeout_ms;
	uint64_t seq = slot->seq; /* another thread may complete and reuse the slot meanwhile */

	while (slot->queued && slot->seq == seq && !ctx->dead) {
		int64_t left = end - now_ms();
		int r;

		if (left < 0)
			left = 0;
		p.revents = 0;
		r = poll_ctx(ctx, &p, (int)left, unlock);
		if (!slot->queued || slot->seq != seq || ctx->dead)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			v4l2r_error(ctx->drv, "poll request: %s\n", strerror(errno));
			return VA_STATUS_ERROR_OPERATION_FAILED;
		}
		if (r == 0) {
			v4l2r_debug(ctx->drv, "request %u: timed out\n", slot->index);
			return VA_STATUS_ERROR_TIMEDOUT;
		}
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			/* A queued request never reports an error by itself: is the device gone? */
			struct v4l2_capability caps;

			if (v4l2r_xioctl(ctx->video_fd, VIDIOC_QUERYCAP, &caps) < 0)
				check_gone(ctx, errno);
			if (ctx->dead)
				break;
		}
		v4l2r_requests_drain(ctx);
		if (slot->queued && slot->seq == seq) {
			/* Completed, but its OUTPUT buffer is not dequeueable yet: give it a
			 * moment. */
			if (now_ms() >= end)
				return VA_STATUS_ERROR_TIMEDOUT;
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
			v4l2r_requests_drain(ctx);
		}
	}
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_requests_wait_all(struct v4l2r_ctx *ctx, bool unlock)
{
	VAStatus ret = VA_STATUS_SUCCESS;

	v4l2r_requests_drain(ctx);
	for (unsigned i = 0; i < ctx->n_slots; i++) {
		if (ctx->slots[i].queued) {
			VAStatus st = v4l2r_requests_wait_slot(ctx, &ctx->slots[i],
							       ctx->drv->wait_ms, unlock);

			if (st == VA_STATUS_ERROR_TIMEDOUT) {
				v4l2r_requests_reset(ctx);
				return st;
			}
			if (st != VA_STATUS_SUCCESS)
				ret = st;
		}
	}
	return ret;
}

/* Wait until the surface's CAPTURE buffer is back from the decoder, at most `ms`. `hung`: the
 * whole bound is waited, so a request still in flight at the end is a hung decoder. */
static VAStatus surface_wait(struct v4l2r_surface *s, bool unlock, int ms, bool hung)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		struct v4l2r_ctx *ctx = s->ctx; /* re-read: it may go while the lock is dropped */
		int64_t left = end - now_ms();

		if (!ctx || s->cap < 0 || (unsigned)s->cap >= ctx->n_cap)
			return VA_STATUS_SUCCESS;
		v4l2r_requests_drain(ctx);
		if (!ctx->cap[s->cap].queued)
			return VA_STATUS_SUCCESS;
		if (left <= 0) {
			if (hung) {
				v4l2r_requests_reset(ctx);
			} else {
				/* A short wait (polling): hung once in flight longer than the
				 * bound. */
				v4l2r_requests_check_hung(ctx);
				if (!ctx->cap[s->cap].queued)
					return VA_STATUS_SUCCESS;
			}
			return VA_STATUS_ERROR_TIMEDOUT;
		}

		struct v4l2r_slot *slot = s->last_slot;
		if (slot && slot->seq == s->last_seq && slot->queued) {
			VAStatus st = v4l2r_requests_wait_slot(ctx, slot, (int)left, unlock);

			if (st != VA_STATUS_SUCCESS && st != VA_STATUS_ERROR_TIMEDOUT)
				return st;
			/* A timeout is decided above, with the surface's state re-read (the
			 * context may be gone meanwhile). */
		} else {
			struct pollfd p = {.fd = ctx->video_fd, .events = POLLIN};

			(void)poll_ctx(ctx, &p, left < 5 ? (int)left : 5, unlock);
		}
	}
}

VAStatus v4l2r_surface_wait_ms(struct v4l2r_surface *s, bool unlock, int ms)
{
	VAStatus st;
	int bound = s->drv->wait_ms;

	/* The surface stays alive while we wait: its destruction waits for s->waiters. */
	s->waiters++;
	st = surface_wait(s, unlock, ms < 0 || ms > bound ? bound : ms, ms < 0 || ms >= bound);
	if (--s->waiters == 0 && unlock)
		pthread_cond_broadcast(&s->drv->idle);
	return st;
}

VAStatus v4l2r_surface_wait(struct v4l2r_surface *s, bool unlock)
{
	return v4l2r_surface_wait_ms(s, unlock, -1);
}

void v4l2r_requests_check_hung(struct v4l2r_ctx *ctx)
{
	int64_t now = now_ms();

	for (unsigned i = 0; i < ctx->n_slots; i++) {
		if (ctx->slots[i].queued && now - ctx->slots[i].queued_ms > ctx->drv->wait_ms) {
			v4l2r_requests_reset(ctx);
			return;
		}
	}
}

VAStatus v4l2r_requests_reserve(struct v4l2r_ctx *ctx)
{
	for (;;) {
		struct v4l2r_slot *oldest = NULL;

		v4l2r_requests_drain(ctx);
		if (ctx->dead)
			return VA_STATUS_ERROR_OPERATION_FAILED;
		for (unsigned i = 0; i < ctx->n_slots; i++) {
			struct v4l2r_slot *s = &ctx->slots[i];

			if (s->retired)
				continue;
			if (!s->taken)
				return VA_STATUS_SUCCESS;
			if (s->queued && (!oldest || s->seq < oldest->seq))
				oldest = s;
		}
		if (!oldest)
			return VA_STATUS_SUCCESS; /* v4l2r_slot_get() reports it */
		VAStatus st = v4l2r_requests_wait_slot(ctx, oldest, ctx->drv->wait_ms, true);
		if (ctx->id == 0)
			return VA_STATUS_ERROR_INVALID_CONTEXT; /* destroyed meanwhile */
		if (st == VA_STATUS_ERROR_TIMEDOUT)
			v4l2r_requests_reset(ctx);
		else if (st != VA_STATUS_SUCCESS)
			return st;
	}
}

static void slot_take(struct v4l2r_slot *s, struct v4l2r_slot **slot, uint8_t **data,
		      size_t *capacity)
{
	s->taken = true;
	*slot = s;
	*data = s->map;
	*capacity = s->length;
}

VAStatus v4l2r_slot_get_size(struct v4l2r_ctx *ctx, size_t need, struct v4l2r_slot **slot,
			     uint8_t **data, size_t *capacity)
{
	v4l2r_requests_drain(ctx);
	if (ctx->dead)
		return VA_STATUS_ERROR_OPERATION_FAILED;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct v4l2r_slot *oldest = NULL, *fit = NULL, *small = NULL;

		/* The smallest free slot that fits (the larger ones stay for larger frames), else
		 * the smallest free one, which a larger buffer replaces. */
		for (unsigned i = 0; i < ctx->n_slots; i++) {
			struct v4l2r_slot *s = &ctx->slots[i];

			if (s->retired)
				continue;
			if (!s->taken && (!s->stale || slot_reinit(ctx, s))) {
				if (s->length >= need && (!fit || s->length < fit->length))
					fit = s;
				if (!small || s->length < small->length)
					small = s;
			}
			if (s->queued && (!oldest || s->seq < oldest->seq))
				oldest = s;
		}
		if (fit) {
			slot_take(fit, slot, data, capacity);
			return VA_STATUS_SUCCESS;
		}
		if (small) {
			struct v4l2r_slot *grown;
			VAStatus st = v4l2r_video_output_grow(ctx, small, need, &grown);

			if (st != VA_STATUS_SUCCESS)
				return st;
			slot_take(grown, slot, data, capacity);
			return VA_STATUS_SUCCESS;
		}
		if (!oldest)
			break;
		/* Only slices of one picture beyond the slots left by v4l2r_requests_reserve()
		 * get here: a short wait for this context's own requests. */
		VAStatus st = v4l2r_requests_wait_slot(ctx, oldest, ctx->drv->wait_ms, false);
		if (st == VA_STATUS_ERROR_TIMEDOUT)
			v4l2r_requests_reset(ctx);
		if (st != VA_STATUS_SUCCESS)
			return st;
	}
	v4l2r_error(ctx->drv, "no free OUTPUT buffer\n");
	return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
}

VAStatus v4l2r_slot_get(struct v4l2r_ctx *ctx, struct v4l2r_slot **slot, uint8_t **data,
			size_t *capacity)
{
	return v4l2r_slot_get_size(ctx, 0, slot, data, capacity);
}

void v4l2r_slot_put(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot)
{
	if (slot && slot->taken && !slot->queued) {
		slot->taken = false;
		slot->cap = -1;
		slot->n_refs = 0;
	}
}

/* After a failed queueing step with the target's CAPTURE buffer already queued: the next job
 * would decode into it, so take every CAPTURE buffer back (STREAMOFF) once the rest is done. */
static void capture_recover(struct v4l2r_ctx *ctx)
{
	int type = CAP_TYPE;

	(void)v4l2r_requests_wait_all(ctx, false);
	if (ctx->dead)
		return;
	(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMOFF, &type);
	for (unsigned i = 0; i < ctx->n_cap; i++) {
		if (ctx->cap[i].queued && ctx->cap[i].owner) {
			ctx->cap[i].owner->failed = true;
			ctx->cap[i].owner->decoded = false;
		}
		ctx->cap[i].queued = false;
	}
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMON, &type) < 0)
		ctx->cap_on = false;
}

/* Wait for in-flight work that reads or writes CAPTURE buffer `idx`. */
static VAStatus wait_capture_idle(struct v4l2r_ctx *ctx, int idx)
{
	for (unsigned i = 0; i < ctx->n_slots; i++) {
		struct v4l2r_slot *s = &ctx->slots[i];

		/* Pictures in flight that only READ idx as a reference need no wait: m2m runs a
		 * context's jobs one at a time in queue order, so the job that will write idx
		 * starts after they ended, and queueing a CAPTURE buffer keeps its timestamp (vb2
		 * copies timestamps for OUTPUT queues only), so their reference lookups still find
		 * it. Waiting here kept a single request in flight with two alternating surfaces.
		 */
		if (s->queued && s->cap == idx) {
			VAStatus st = v4l2r_requests_wait_slot(ctx, s, ctx->drv->wait_ms, false);

			if (st == VA_STATUS_ERROR_TIMEDOUT)
				v4l2r_requests_reset(ctx);
			if (st != VA_STATUS_SUCCESS)
				return st;
		}
	}
	if (ctx->cap[idx].queued && ctx->cap[idx].owner)
		return v4l2r_surface_wait(ctx->cap[idx].owner, false);
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_slot_queue(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot, size_t bytesused,
			  struct v4l2_ext_control *ctrls, unsigned n_ctrls, unsigned flags,
			  struct v4l2r_surface *const *refs, unsigned n_refs)
{
	struct v4l2r_surface *target = ctx->target;
	bool cap_queued_here = false;
	VAStatus st;

	if (!slot || !slot->taken || slot->queued || !target)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (ctx->pic_bad_ref) {
		/* The picture names a reference that is no surface of this driver (destroyed, or
		 * another object's ID): nothing of it is queued. */
		st = VA_STATUS_ERROR_INVALID_SURFACE;
		goto fail_slot;
	}
	if (ctx->dead) {
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto fail_slot;
	}
	if (bytesused == 0 || bytesused > slot->length) {
		st = VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
		goto fail_slot;
	}
	if (!ctx->cap_on) {
		v4l2r_error(ctx->drv, "queueing before the stream was declared\n");
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto fail_slot;
	}
	if (!ctx->pic_cap_queued) {
		st = v4l2r_video_bind(ctx, target);
		if (st != VA_STATUS_SUCCESS)
			goto fail_slot;
		st = wait_capture_idle(ctx, target->cap);
		if (st != VA_STATUS_SUCCESS)
			goto fail_slot;
	}

	struct v4l2_ext_controls cs = {
	    .which = V4L2_CTRL_WHICH_REQUEST_VAL,
	    .count = n_ctrls,
	    .request_fd = slot->req_fd,
	    .controls = ctrls,
	};
	if (n_ctrls && v4l2r_xioctl(ctx->video_fd, VIDIOC_S_EXT_CTRLS, &cs) < 0) {
		v4l2r_error(ctx->drv, "S_EXT_CTRLS (control %u of %u): %s\n", cs.error_idx, n_ctrls,
			    strerror(errno));
		check_gone(ctx, errno);
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto fail_slot;
	}

	if (!ctx->pic_cap_queued) {
		struct v4l2_plane plane;
		struct v4l2_buffer b;

		v4l2r_buf_init(&b, &plane, CAP_TYPE, (uint32_t)target->cap);
		if (v4l2r_xioctl(ctx->video_fd, VIDIOC_QBUF, &b) < 0) {
			v4l2r_error(ctx->drv, "QBUF CAPTURE %d: %s\n", target->cap,
				    strerror(errno));
			check_gone(ctx, errno);
			st = VA_STATUS_ERROR_OPERATION_FAILED;
			goto fail_slot;
		}
		ctx->cap[target->cap].queued = true;
		ctx->pic_cap_queued = true;
		cap_queued_here = true;
		target->decoded = false;
		v4l2r_surface_drop_snapshot(target);
		/* A second field completes the buffer again: an error of the first stays. */
		if (!ctx->pic_continues)
			target->failed = false;
	}
	target->ts = ctx->pic_ts;

	struct v4l2_plane plane;
	struct v4l2_buffer ob;

	v4l2r_buf_init(&ob, &plane, OUT_TYPE, slot->index);
	v4l2r_buf_set_bytesused(&ob, (uint32_t)bytesused, (uint32_t)slot->length);
	ob.field = V4L2_FIELD_NONE;
	ob.flags = V4L2_BUF_FLAG_REQUEST_FD;
	ob.request_fd = slot->req_fd;
	ob.timestamp.tv_sec = (time_t)(ctx->pic_ts / 1000000000u);
	ob.timestamp.tv_usec = (suseconds_t)(ctx->pic_ts % 1000000000u / 1000u);
	if (flags & V4L2R_SLOT_HOLD_CAPTURE)
		ob.flags |= V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF;
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_QBUF, &ob) < 0) {
		v4l2r_error(ctx->drv, "QBUF OUTPUT %u: %s\n", slot->index, strerror(errno));
		check_gone(ctx, errno);
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto fail_queued;
	}
	if (v4l2r_xioctl(slot->req_fd, MEDIA_REQUEST_IOC_QUEUE, NULL) < 0) {
		v4l2r_error(ctx->drv, "MEDIA_REQUEST_IOC_QUEUE: %s\n", strerror(errno));
		check_gone(ctx, errno);
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto fail_queued;
	}
	slot->queued = true;
	slot->queued_ms = now_ms();
	slot->seq = ++ctx->seq;
	slot->cap = target->cap;
	slot->n_refs = 0;
	for (unsigned i = 0; i < n_refs && slot->n_refs < 16; i++)
		if (refs[i] && refs[i]->ctx == ctx && refs[i]->cap >= 0)
			slot->refs[slot->n_refs++] = refs[i]->cap;
	target->last_slot = slot;
	target->last_seq = slot->seq;
	return VA_STATUS_SUCCESS;

fail_queued:
	slot_release(ctx, slot);
	target->failed = true;
	(void)cap_queued_here;
	if (!ctx->dead)
		capture_recover(ctx);
	return st;
fail_slot:
	slot_release(ctx, slot);
	target->failed = true;
	return st;
}
