/* SPDX-License-Identifier: MIT */
/*
 * The video node of a context: OUTPUT (coded) and CAPTURE (decoded) queues, their formats and
 * buffers. OUTPUT is set up when the context is created; CAPTURE only once the stream's
 * parameters are known (its formats depend on the SPS), and again when they change.
 */
#include "driver.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/media.h>

/* Every function here has its context in `ctx`. */
#define OUT_TYPE    V4L2R_OUT_TYPE(ctx)
#define CAP_TYPE    V4L2R_CAP_TYPE(ctx)
#define MAX_CAPTURE 64 /* VIDEO_MAX_FRAME */

VAStatus v4l2r_video_open(struct v4l2r_ctx *ctx)
{
	const struct v4l2r_device *dev = ctx->cfg.dev;

	ctx->video_fd = open(dev->video_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (ctx->video_fd < 0) {
		int err = errno;

		v4l2r_debug(ctx->drv, "open %s: %s\n", dev->video_path, strerror(err));
		return err == EBUSY ? VA_STATUS_ERROR_HW_BUSY : VA_STATUS_ERROR_OPERATION_FAILED;
	}
	ctx->media_fd = open(dev->media_path, O_RDWR | O_CLOEXEC);
	if (ctx->media_fd < 0) {
		int err = errno;

		v4l2r_debug(ctx->drv, "open %s: %s\n", dev->media_path, strerror(err));
		return err == EBUSY ? VA_STATUS_ERROR_HW_BUSY : VA_STATUS_ERROR_OPERATION_FAILED;
	}
	return VA_STATUS_SUCCESS;
}

void v4l2r_video_output_teardown(struct v4l2r_ctx *ctx)
{
	int type = OUT_TYPE;
	struct v4l2_requestbuffers rb = {.count = 0, .type = OUT_TYPE, .memory = V4L2_MEMORY_MMAP};

	if (ctx->video_fd < 0)
		return;
	if (ctx->out_on)
		(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMOFF, &type);
	ctx->out_on = false;
	for (unsigned i = 0; i < ctx->n_slots; i++) {
		struct v4l2r_slot *s = &ctx->slots[i];

		if (s->map)
			munmap(s->map, s->length);
		s->map = NULL;
		s->taken = s->queued = s->retired = false;
	}
	if (ctx->n_slots)
		(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_REQBUFS, &rb);
	ctx->n_slots = 0;
}

/*
 * OUTPUT buffer size. Coded frames are far smaller than the raw picture except in near-lossless
 * streams, so the buffers start at a quarter of the 8-bit 4:2:0 picture (1080p: 0.78 MB against
 * 3.13 MB; Chromium's stateless decoders take 1 MB up to 1080p and 4 MB above), at least 256 KiB
 * (GStreamer v4l2codecs' IMAGE_MINSZ, which itself takes the luma plane size). A frame larger
 * than a free slot gets a larger buffer (v4l2r_video_output_grow): every codec asks for its
 * frame's size (v4l2r_slot_get_size).
 */
#define OUTPUT_MIN_SIZE (256u << 10)
#define OUTPUT_MAX_SIZE (64u << 20)

static uint32_t initial_size(uint32_t w, uint32_t h)
{
	uint64_t size = (uint64_t)w * h * 3 / 2 / 4;

	if (size < OUTPUT_MIN_SIZE)
		size = OUTPUT_MIN_SIZE;
	if (size > OUTPUT_MAX_SIZE)
		size = OUTPUT_MAX_SIZE;
	return (uint32_t)size;
}

/* QUERYBUF + mmap of OUTPUT buffer i into slots[i], its state reset (its request kept). */
static int map_slot(struct v4l2r_ctx *ctx, unsigned i)
{
	struct v4l2r_slot *s = &ctx->slots[i];
	struct v4l2_plane plane;
	struct v4l2_buffer b;

	v4l2r_buf_init(&b, &plane, OUT_TYPE, i);
	s->index = i;
	s->map = NULL;
	s->length = 0;
	s->taken = s->queued = s->stale = s->retired = false;
	s->cap = -1;
	s->n_refs = 0;
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_QUERYBUF, &b) < 0 || v4l2r_buf_length(&b) < 1)
		return -1;
	void *p = mmap(NULL, v4l2r_buf_length(&b), PROT_READ | PROT_WRITE, MAP_SHARED,
		       ctx->video_fd, v4l2r_buf_offset(&b));
	if (p == MAP_FAILED)
		return -1;
	s->map = p;
	s->length = v4l2r_buf_length(&b);
	return 0;
}

VAStatus v4l2r_video_output_setup(struct v4l2r_ctx *ctx, uint32_t w, uint32_t h)
{
	struct v4l2_format fmt;
	struct v4l2_requestbuffers rb = {
	    .count = V4L2R_OUTPUT_SLOTS,
	    .type = OUT_TYPE,
	    .memory = V4L2_MEMORY_MMAP,
	};
	int type = OUT_TYPE;
	uint32_t size = initial_size(w, h);

	v4l2r_fmt_set(&fmt, OUT_TYPE, ctx->cfg.codec->coded_fourcc, w, h, size);
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_S_FMT, &fmt) < 0) {
		v4l2r_error(ctx->drv, "S_FMT OUTPUT %ux%u: %s\n", w, h, strerror(errno));
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}
	if (v4l2r_fmt_get(&fmt).fourcc != ctx->cfg.codec->coded_fourcc) {
		v4l2r_error(ctx->drv, "device refused the coded format\n");
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}
	ctx->out_w = w;
	ctx->out_h = h;
	ctx->out_sizeimage = v4l2r_fmt_get(&fmt).sizeimage;
	if (ctx->out_sizeimage == 0) {
		v4l2r_error(ctx->drv, "device gave OUTPUT sizeimage 0\n");
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}

	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_REQBUFS, &rb) < 0 || rb.count == 0) {
		v4l2r_error(ctx->drv, "REQBUFS OUTPUT: %s\n", strerror(errno));
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	}
	if (rb.count > V4L2R_OUTPUT_BUFFERS) {
		v4l2r_error(ctx->drv, "REQBUFS OUTPUT gave %u buffers\n", rb.count);
		(void)v4l2r_xioctl(
		    ctx->video_fd, VIDIOC_REQBUFS,
		    &(struct v4l2_requestbuffers){.type = OUT_TYPE, .memory = V4L2_MEMORY_MMAP});
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	}
	/* Buffers beyond the slots (a device that wants more) stay unused. */
	ctx->n_slots = rb.count;
	for (unsigned i = V4L2R_OUTPUT_SLOTS; i < rb.count; i++) {
		ctx->slots[i] = (struct v4l2r_slot){
		    .index = i, .req_fd = ctx->slots[i].req_fd, .cap = -1, .retired = true};
	}
	for (unsigned i = 0; i < ctx->n_slots && i < V4L2R_OUTPUT_SLOTS; i++) {
		struct v4l2r_slot *s = &ctx->slots[i];

		if (map_slot(ctx, i) < 0)
			goto fail;
		if (s->req_fd < 0 &&
		    v4l2r_xioctl(ctx->media_fd, MEDIA_IOC_REQUEST_ALLOC, &s->req_fd) < 0) {
			s->req_fd = -1;
			v4l2r_error(ctx->drv, "MEDIA_IOC_REQUEST_ALLOC: %s\n", strerror(errno));
			goto fail;
		}
	}
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMON, &type) < 0) {
		v4l2r_error(ctx->drv, "STREAMON OUTPUT: %s\n", strerror(errno));
		goto fail;
	}
	ctx->out_on = true;
	return VA_STATUS_SUCCESS;
fail:
	v4l2r_video_output_teardown(ctx);
	return VA_STATUS_ERROR_ALLOCATION_FAILED;
}

/*
 * A frame larger than every free slot: the free slot `old` is replaced by a new buffer
 * (VIDIOC_CREATE_BUFS: vb2 takes a sizeimage >= the format's, while streaming too; each buffer
 * keeps its own size). Sizes go by classes, the initial sizeimage times 2^k, a buffer straight to
 * the class the frame needs: a slot grows at most three times up to 8 x the initial size (twice
 * the raw picture), which the 24 buffers left to a context beyond its 8 slots always allow.
 * The replaced buffer stays allocated until the queue is freed (a 6.1 kernel frees no single
 * buffer); only its map goes.
 */
VAStatus v4l2r_video_output_grow(struct v4l2r_ctx *ctx, struct v4l2r_slot *old, size_t need,
				 struct v4l2r_slot **grown)
{
	struct v4l2_create_buffers cb = {.count = 1, .memory = V4L2_MEMORY_MMAP};
	uint64_t size = ctx->out_sizeimage;
	unsigned idx = ctx->n_slots;

	if (!old || old->taken || old->retired || size == 0)
		return VA_STATUS_ERROR_OPERATION_FAILED;
	while (size < need && size < OUTPUT_MAX_SIZE)
		size *= 2;
	if (size > OUTPUT_MAX_SIZE)
		size = OUTPUT_MAX_SIZE;
	if (need > size || idx >= V4L2R_OUTPUT_BUFFERS) {
		v4l2r_debug(ctx->drv, "no OUTPUT buffer of %zu bytes possible\n", need);
		return VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
	}
	cb.format.type = OUT_TYPE;
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_G_FMT, &cb.format) < 0) {
		v4l2r_error(ctx->drv, "G_FMT OUTPUT: %s\n", strerror(errno));
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}
	if (V4L2_TYPE_IS_MULTIPLANAR(OUT_TYPE))
		cb.format.fmt.pix_mp.plane_fmt[0].sizeimage = (uint32_t)size;
	else
		cb.format.fmt.pix.sizeimage = (uint32_t)size;
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_CREATE_BUFS, &cb) < 0) {
		int err = errno;

		v4l2r_error(ctx->drv, "CREATE_BUFS OUTPUT %" PRIu64 ": %s\n", size, strerror(err));
		return err == ENOBUFS  ? VA_STATUS_ERROR_NOT_ENOUGH_BUFFER
		       : err == ENOMEM ? VA_STATUS_ERROR_ALLOCATION_FAILED
				       : VA_STATUS_ERROR_OPERATION_FAILED;
	}
	if (cb.count == 0)
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	if (cb.index != idx || cb.count != 1) {
		/* Not one buffer at the next index: unusable, freed with the queue. */
		v4l2r_error(ctx->drv, "CREATE_BUFS OUTPUT gave %u buffer(s) at %u\n", cb.count,
			    cb.index);
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}
	ctx->n_slots++;
	struct v4l2r_slot *s = &ctx->slots[idx];
	if (map_slot(ctx, idx) < 0 || s->length < need) {
		v4l2r_error(ctx->drv, "OUTPUT buffer %u: no map of %zu bytes\n", idx, need);
		if (s->map)
			munmap(s->map, s->length);
		s->map = NULL;
		s->retired = true;
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	}
	if (s->req_fd >= 0)
		close(s->req_fd); /* left from an earlier OUTPUT setup */
	s->req_fd = old->req_fd;
	s->stale = old->stale;
	old->req_fd = -1;
	old->retired = true;
	if (old->map)
		munmap(old->map, old->length);
	old->map = NULL;
	v4l2r_debug(ctx->drv, "OUTPUT buffer %u (%zu bytes) replaces %u (%zu) for %zu bytes\n", idx,
		    s->length, old->index, old->length, need);
	*grown = s;
	return VA_STATUS_SUCCESS;
}

static void unbind_all(struct v4l2r_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->n_cap; i++) {
		struct v4l2r_capbuf *c = &ctx->cap[i];

		if (c->owner) {
			struct v4l2r_surface *o = c->owner;
			const uint8_t *src = o->decoded && !ctx->drv->terminating
						 ? v4l2r_video_cap_map(ctx, (int)i)
						 : NULL;

			/* A surface rebound without a new picture keeps the copy it has. */
			if (src)
				v4l2r_surface_drop_snapshot(o);
			if (src && (o->snap = malloc(c->length))) {
				memcpy(o->snap, src, c->length);
				o->snap_layout = (struct v4l2r_layout){
				    .fourcc = ctx->cap_fourcc,
				    .bpl = ctx->cap_bpl,
				    .uv_offset = ctx->cap_uv_offset,
				    .width = ctx->cap_w,
				    .height = ctx->cap_h,
				    .size = c->length,
				};
			}
			o->cap = -1;
			o->decoded = false;
		}
		c->owner = NULL;
		if (c->map && c->borrower) {
			/* A derived image still reads it: the image's buffer owns the map now. */
			c->borrower->borrow_ctx = NULL;
			c->borrower->map_length = c->length;
		} else if (c->map) {
			munmap(c->map, c->length);
		}
		c->borrower = NULL;
		c->map = NULL;
	}
}

void v4l2r_video_capture_teardown(struct v4l2r_ctx *ctx)
{
	int type = CAP_TYPE;
	struct v4l2_requestbuffers rb = {.count = 0, .type = CAP_TYPE, .memory = V4L2_MEMORY_MMAP};

	if (ctx->video_fd < 0 || !ctx->cap)
		return;
	if (ctx->cap_on)
		(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMOFF, &type);
	ctx->cap_on = false;
	unbind_all(ctx);
	(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_REQBUFS, &rb);
	free(ctx->cap);
	ctx->cap = NULL;
	ctx->n_cap = 0;
}

static int query_cap(struct v4l2r_ctx *ctx, unsigned i)
{
	struct v4l2_plane plane;
	struct v4l2_buffer b;

	v4l2r_buf_init(&b, &plane, CAP_TYPE, i);
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_QUERYBUF, &b) < 0 || v4l2r_buf_length(&b) < 1)
		return -1;
	ctx->cap[i] = (struct v4l2r_capbuf){
	    .length = v4l2r_buf_length(&b),
	    .offset = v4l2r_buf_offset(&b),
	};
	return 0;
}

/* CAPTURE format preference: linear first (direct maps, any consumer), then tiled. */
static uint32_t pick_capture_format(struct v4l2r_ctx *ctx, unsigned depth)
{
	static const uint32_t pref8[] = {V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_NV12_32L32,
					 V4L2_PIX_FMT_NV12_4L4};
	static const uint32_t pref10[] = {V4L2_PIX_FMT_P010};
	const uint32_t *pref = depth > 8 ? pref10 : pref8;
	unsigned n_pref = depth > 8 ? 1 : 3;
	uint32_t offered[32];
	unsigned n = 0;

	for (uint32_t i = 0; n < 32; i++) {
		struct v4l2_fmtdesc d = {.index = i, .type = CAP_TYPE};

		if (v4l2r_xioctl(ctx->video_fd, VIDIOC_ENUM_FMT, &d) < 0)
			break;
		offered[n++] = d.pixelformat;
	}
	for (unsigned p = 0; p < n_pref; p++)
		for (unsigned i = 0; i < n; i++)
			if (offered[i] == pref[p])
				return pref[p];
	return 0;
}

VAStatus v4l2r_video_capture_setup(struct v4l2r_ctx *ctx, const struct v4l2r_stream_params *p)
{
	struct v4l2_format fmt;
	int type = CAP_TYPE;
	VAStatus st;

	if (p->n_hdr_ctrls) {
		struct v4l2_ext_controls cs = {
		    .which = V4L2_CTRL_WHICH_CUR_VAL,
		    .count = p->n_hdr_ctrls,
		    .controls = p->hdr_ctrls,
		};

		if (v4l2r_xioctl(ctx->video_fd, VIDIOC_S_EXT_CTRLS, &cs) < 0) {
			v4l2r_error(ctx->drv, "setting the stream headers: %s\n", strerror(errno));
			return VA_STATUS_ERROR_OPERATION_FAILED;
		}
	}
	uint32_t fourcc = pick_capture_format(ctx, p->bit_depth);
	if (!fourcc) {
		v4l2r_error(ctx->drv, "no usable CAPTURE format for %u-bit\n", p->bit_depth);
		return p->bit_depth > 8 ? VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT
					: VA_STATUS_ERROR_OPERATION_FAILED;
	}
	v4l2r_fmt_set(&fmt, CAP_TYPE, fourcc, p->width, p->height, 0);
	struct v4l2r_fmt got;
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_S_FMT, &fmt) < 0 ||
	    (got = v4l2r_fmt_get(&fmt)).fourcc != fourcc || got.num_planes != 1 ||
	    got.width < p->width || got.height < p->height) {
		v4l2r_error(ctx->drv, "S_FMT CAPTURE %ux%u failed\n", p->width, p->height);
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}
	ctx->cap_fourcc = fourcc;
	ctx->cap_w = got.width;
	ctx->cap_h = got.height;
	ctx->cap_bpl = got.bpl;
	ctx->cap_sizeimage = got.sizeimage;
	ctx->cap_uv_offset = v4l2r_format_uv_offset(fourcc, ctx->cap_bpl, ctx->cap_h);
	ctx->cap_depth = p->bit_depth;
	if ((uint64_t)ctx->cap_bpl < ctx->cap_w || ctx->cap_uv_offset >= ctx->cap_sizeimage) {
		v4l2r_error(ctx->drv, "inconsistent CAPTURE format\n");
		return VA_STATUS_ERROR_OPERATION_FAILED;
	}

	/* What the stream needs, not one per render target: ffmpeg names 20 targets and cycles
	 * through a few. Other surfaces get theirs when they are first used or exported
	 * (v4l2r_video_bind, CREATE_BUFS). */
	unsigned count = p->min_buffers ? p->min_buffers : 1;
	if (count > MAX_CAPTURE)
		count = MAX_CAPTURE;
	struct v4l2_requestbuffers rb = {
	    .count = count, .type = CAP_TYPE, .memory = V4L2_MEMORY_MMAP};
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_REQBUFS, &rb) < 0 || rb.count == 0) {
		v4l2r_error(ctx->drv, "REQBUFS CAPTURE %u: %s\n", count, strerror(errno));
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	}
	ctx->cap = calloc(rb.count, sizeof(*ctx->cap));
	if (!ctx->cap) {
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto fail;
	}
	ctx->n_cap = rb.count;
	for (unsigned i = 0; i < ctx->n_cap; i++) {
		if (query_cap(ctx, i) < 0) {
			st = VA_STATUS_ERROR_ALLOCATION_FAILED;
			goto fail;
		}
	}
	/* Render targets keep the CAPTURE buffer of their index for the stream's lifetime. */
	for (unsigned i = 0; i < ctx->n_targets && i < ctx->n_cap; i++) {
		struct v4l2r_surface *s = v4l2r_surface_get(ctx->drv, ctx->targets[i]);

		if (!s || (s->ctx && s->ctx != ctx))
			continue;
		s->ctx = ctx;
		s->cap = (int)i;
		s->decoded = false;
		ctx->cap[i].owner = s;
	}
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_STREAMON, &type) < 0) {
		v4l2r_error(ctx->drv, "STREAMON CAPTURE: %s\n", strerror(errno));
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto fail;
	}
	ctx->cap_on = true;
	v4l2r_debug(ctx->drv, "CAPTURE %.4s %ux%u bpl %u size %u, %u buffers\n",
		    (const char *)&ctx->cap_fourcc, ctx->cap_w, ctx->cap_h, ctx->cap_bpl,
		    ctx->cap_sizeimage, ctx->n_cap);
	return VA_STATUS_SUCCESS;
fail:
	if (!ctx->cap) {
		struct v4l2_requestbuffers rb0 = {
		    .count = 0, .type = CAP_TYPE, .memory = V4L2_MEMORY_MMAP};
		(void)v4l2r_xioctl(ctx->video_fd, VIDIOC_REQBUFS, &rb0);
	}
	v4l2r_video_capture_teardown(ctx);
	return st;
}

/* Give surface `s` a CAPTURE buffer of this context (clients that named no render targets). */
VAStatus v4l2r_video_bind(struct v4l2r_ctx *ctx, struct v4l2r_surface *s)
{
	int idx = -1;

	if (s->ctx == ctx && s->cap >= 0 && (unsigned)s->cap < ctx->n_cap &&
	    ctx->cap[s->cap].owner == s)
		return VA_STATUS_SUCCESS;
	if (s->ctx && s->ctx != ctx) {
		/* Leave the other context: its picture must be done first. */
		VAStatus st = v4l2r_surface_wait(s, false);

		if (st != VA_STATUS_SUCCESS)
			return st;
		if (s->cap >= 0 && (unsigned)s->cap < s->ctx->n_cap)
			s->ctx->cap[s->cap].owner = NULL;
		s->cap = -1;
		s->decoded = false;
	}
	for (unsigned i = 0; i < ctx->n_cap; i++) {
		if (!ctx->cap[i].owner && !ctx->cap[i].queued) {
			idx = (int)i;
			break;
		}
	}
	if (idx < 0) {
		struct v4l2_create_buffers cb = {.count = 1, .memory = V4L2_MEMORY_MMAP};

		if (ctx->n_cap >= MAX_CAPTURE)
			return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
		cb.format.type = CAP_TYPE;
		if (v4l2r_xioctl(ctx->video_fd, VIDIOC_G_FMT, &cb.format) < 0 ||
		    v4l2r_xioctl(ctx->video_fd, VIDIOC_CREATE_BUFS, &cb) < 0 || cb.count != 1 ||
		    cb.index != ctx->n_cap) {
			v4l2r_error(ctx->drv, "CREATE_BUFS CAPTURE: %s\n", strerror(errno));
			return VA_STATUS_ERROR_ALLOCATION_FAILED;
		}
		struct v4l2r_capbuf *c = realloc(ctx->cap, (ctx->n_cap + 1) * sizeof(*c));
		if (!c)
			return VA_STATUS_ERROR_ALLOCATION_FAILED;
		ctx->cap = c;
		idx = (int)ctx->n_cap++;
		if (query_cap(ctx, (unsigned)idx) < 0)
			return VA_STATUS_ERROR_ALLOCATION_FAILED;
		v4l2r_debug(ctx->drv, "CAPTURE buffer %d created for surface %#x\n", idx, s->id);
	}
	ctx->cap[idx].owner = s;
	s->ctx = ctx;
	s->cap = idx;
	s->decoded = false;
	return VA_STATUS_SUCCESS;
}

uint8_t *v4l2r_video_cap_map(struct v4l2r_ctx *ctx, int index)
{
	struct v4l2r_capbuf *c;

	if (index < 0 || (unsigned)index >= ctx->n_cap)
		return NULL;
	c = &ctx->cap[index];
	if (!c->map) {
		void *p = mmap(NULL, c->length, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->video_fd,
			       c->offset);

		if (p == MAP_FAILED) {
			v4l2r_error(ctx->drv, "mmap CAPTURE %d: %s\n", index, strerror(errno));
			return NULL;
		}
		c->map = p;
	}
	return c->map;
}

void v4l2r_video_close(struct v4l2r_ctx *ctx)
{
	v4l2r_video_capture_teardown(ctx);
	v4l2r_video_output_teardown(ctx);
	for (unsigned i = 0; i < V4L2R_OUTPUT_BUFFERS; i++) {
		if (ctx->slots[i].req_fd >= 0)
			close(ctx->slots[i].req_fd);
		ctx->slots[i].req_fd = -1;
	}
	if (ctx->video_fd >= 0)
		close(ctx->video_fd);
	if (ctx->media_fd >= 0)
		close(ctx->media_fd);
	ctx->video_fd = ctx->media_fd = -1;
}
