/* SPDX-License-Identifier: MIT */
/*
 * VA images: NV12 (P010) in client-visible memory. vaGetImage reads any CAPTURE layout
 * (detiled); vaDeriveImage maps a linear CAPTURE buffer directly and refuses tiled ones, so that
 * clients fall back to vaGetImage instead of reading tiles as lines.
 */
#include "driver.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGN(v, a) (((v) + (a)-1) / (a) * (a))

static const VAImageFormat fmt_nv12 = {
    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
static const VAImageFormat fmt_p010 = {
    .fourcc = VA_FOURCC_P010, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 24};

static bool has_10bit(struct v4l2r_driver *drv)
{
	unsigned n_codecs;
	const struct v4l2r_codec *const *codecs = v4l2r_codecs(&n_codecs);

	for (unsigned i = 0; i < n_codecs; i++)
		for (unsigned j = 0; j < codecs[i]->n_profiles; j++)
			if (codecs[i]->profile_is_10bit &&
			    codecs[i]->profile_is_10bit(codecs[i]->profiles[j]) &&
			    v4l2r_profile_supported(drv, codecs[i]->profiles[j], NULL, NULL))
				return true;
	return false;
}

int v4l2r_image_formats(struct v4l2r_driver *drv, VAImageFormat *list)
{
	int n = 0;

	list[n++] = fmt_nv12;
	if (has_10bit(drv))
		list[n++] = fmt_p010;
	return n;
}

VAStatus v4l2r_QueryImageFormats(VADriverContextP va, VAImageFormat *list, int *num)
{
	if (!list || !num)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	*num = v4l2r_image_formats(v4l2r_drv(va), list);
	return VA_STATUS_SUCCESS;
}

static VAStatus image_register(struct v4l2r_driver *drv, struct v4l2r_image *img)
{
	img->image.image_id = v4l2r_table_add(&drv->images, img);
	if (!img->image.image_id)
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	img->image.buf = img->buf->id;
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_CreateImage(VADriverContextP va, VAImageFormat *format, int width, int height,
			   VAImage *image)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_image *img;
	uint32_t bps, pitch, h2;
	uint64_t size;
	VAStatus st;

	if (!format || !image)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (width <= 0 || height <= 0 || width > V4L2R_MAX_SURFACE_DIM ||
	    height > V4L2R_MAX_SURFACE_DIM)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (format->fourcc == VA_FOURCC_NV12)
		bps = 1;
	else if (format->fourcc == VA_FOURCC_P010)
		bps = 2;
	else
		return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
	pitch = ALIGN((uint32_t)width * bps, 16u);
	h2 = ALIGN((uint32_t)height, 2u);
	size = (uint64_t)pitch * h2 * 3 / 2;

	img = calloc(1, sizeof(*img));
	if (!img)
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	pthread_mutex_lock(&drv->lock);
	img->buf = v4l2r_buffer_new(drv, VA_INVALID_ID, VAImageBufferType, (uint32_t)size, 1);
	if (!img->buf) {
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto fail;
	}
	memset(img->buf->data, 0, (size_t)size);
	img->image = (VAImage){
	    .format = bps == 1 ? fmt_nv12 : fmt_p010,
	    .width = (uint16_t)width,
	    .height = (uint16_t)height,
	    .data_size = (uint32_t)size,
	    .num_planes = 2,
	    .pitches = {pitch, pitch},
	    .offsets = {0, pitch * h2},
	};
	st = image_register(drv, img);
	if (st != VA_STATUS_SUCCESS)
		goto fail;
	*image = img->image;
	pthread_mutex_unlock(&drv->lock);
	return VA_STATUS_SUCCESS;
fail:
	if (img->buf)
		v4l2r_buffer_free(drv, img->buf);
	pthread_mutex_unlock(&drv->lock);
	free(img);
	return st;
}

VAStatus v4l2r_DeriveImage(VADriverContextP va, VASurfaceID surface, VAImage *image)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_surface *s;
	struct v4l2r_image *img = NULL;
	struct v4l2r_ctx *ctx;
	VAStatus st;

	if (!image)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	s = v4l2r_surface_get(drv, surface);
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
		goto out;
	}
	ctx = s->ctx;
	/* Only a decoded picture in a linear 8-bit layout can be handed out as is. */
	if (!ctx || s->cap < 0 || !ctx->cap_on || ctx->cap_fourcc != V4L2_PIX_FMT_NV12) {
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	st = v4l2r_surface_wait(s, true);
	if (st != VA_STATUS_SUCCESS)
		goto out;
	ctx = s->ctx; /* may have changed while waiting */
	if (!ctx || s->cap < 0 || !ctx->cap_on || ctx->cap_fourcc != V4L2_PIX_FMT_NV12) {
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	struct v4l2r_capbuf *c = &ctx->cap[s->cap];
	/* The first derived image of a buffer borrows the context's persistent map (its pages are
	 * faulted in once, not per image); a second one at the same time maps it anew. */
	bool borrow = !c->borrower;
	void *p = borrow ? v4l2r_video_cap_map(ctx, s->cap) : NULL;
	if (!borrow) {
		p = mmap(NULL, c->length, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->video_fd,
			 c->offset);
		if (p == MAP_FAILED)
			p = NULL;
	}
	if (!p) {
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	img = calloc(1, sizeof(*img));
	struct v4l2r_buffer *b = img ? calloc(1, sizeof(*b)) : NULL;
	if (!b) {
		if (!borrow)
			munmap(p, c->length);
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto out;
	}
	b->context = VA_INVALID_ID;
	b->type = VAImageBufferType;
	b->size = (uint32_t)c->length;
	b->num_elements = 1;
	b->data = p;
	if (borrow) {
		b->borrow_ctx = ctx;
		b->borrow_cap = s->cap;
	} else {
		b->map_length = c->length;
	}
	b->id = v4l2r_table_add(&drv->buffers, b);
	if (!b->id) {
		if (!borrow)
			munmap(p, c->length);
		free(b);
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto out;
	}
	if (borrow)
		c->borrower = b;
	img->buf = b;
	img->image = (VAImage){
	    .format = fmt_nv12,
	    .width = (uint16_t)(s->width < ctx->cap_w ? s->width : ctx->cap_w),
	    .height = (uint16_t)(s->height < ctx->cap_h ? s->height : ctx->cap_h),
	    .data_size = (uint32_t)c->length,
	    .num_planes = 2,
	    .pitches = {ctx->cap_bpl, ctx->cap_bpl},
	    .offsets = {0, ctx->cap_uv_offset},
	};
	st = image_register(drv, img);
	if (st != VA_STATUS_SUCCESS) {
		v4l2r_buffer_free(drv, b);
		goto out;
	}
	*image = img->image;
	img = NULL;
out:
	free(img);
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_DestroyImage(VADriverContextP va, VAImageID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_image *img;

	pthread_mutex_lock(&drv->lock);
	img = v4l2r_table_get(&drv->images, id);
	if (img) {
		v4l2r_table_remove(&drv->images, id);
		v4l2r_buffer_free(drv, img->buf);
		free(img);
	}
	pthread_mutex_unlock(&drv->lock);
	return img ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_IMAGE;
}

VAStatus v4l2r_SetImagePalette(VADriverContextP va, VAImageID id, unsigned char *palette)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

VAStatus v4l2r_GetImage(VADriverContextP va, VASurfaceID surface, int x, int y, unsigned int width,
			unsigned int height, VAImageID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_surface *s;
	struct v4l2r_image *img;
	struct v4l2r_ctx *ctx;
	VAStatus st;

	pthread_mutex_lock(&drv->lock);
	s = v4l2r_surface_get(drv, surface);
	img = v4l2r_table_get(&drv->images, id);
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
		goto out;
	}
	if (!img) {
		st = VA_STATUS_ERROR_INVALID_IMAGE;
		goto out;
	}
	if (x < 0 || y < 0 || width == 0 || height == 0 || (uint64_t)x + width > s->width ||
	    (uint64_t)y + height > s->height || width > img->image.width ||
	    height > img->image.height) {
		st = VA_STATUS_ERROR_INVALID_PARAMETER;
		goto out;
	}
	if (img->buf->map_length || img->buf->borrow_ctx) { /* a derived image is the surface */
		st = VA_STATUS_ERROR_INVALID_IMAGE;
		goto out;
	}
	st = v4l2r_surface_wait(s, true);
	if (st != VA_STATUS_SUCCESS)
		goto out;
	/* The image may have been destroyed while the lock was dropped. */
	img = v4l2r_table_get(&drv->images, id);
	if (!img) {
		st = VA_STATUS_ERROR_INVALID_IMAGE;
		goto out;
	}
	ctx = s->ctx;
	const uint8_t *src;
	struct v4l2r_layout l;
	if (ctx && s->cap >= 0 && ctx->cap_on && s->decoded) {
		src = v4l2r_video_cap_map(ctx, s->cap);
		l = (struct v4l2r_layout){
		    .fourcc = ctx->cap_fourcc,
		    .bpl = ctx->cap_bpl,
		    .uv_offset = ctx->cap_uv_offset,
		    .width = ctx->cap_w,
		    .height = ctx->cap_h,
		    .size = ctx->cap[s->cap].length,
		};
	} else if (s->snap) {
		src = s->snap; /* its context is gone */
		l = s->snap_layout;
	} else {
		st = VA_STATUS_ERROR_OPERATION_FAILED; /* nothing decoded into it */
		goto out;
	}
	if (!src) {
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	bool want10 = l.fourcc == V4L2_PIX_FMT_P010;
	if ((img->image.format.fourcc == VA_FOURCC_P010) != want10) {
		st = VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
		goto out;
	}
	/* The image must hold the rectangle as its pitches and offsets say. */
	uint64_t bps = want10 ? 2 : 1;
	if ((uint64_t)img->image.pitches[0] < width * bps ||
	    (uint64_t)img->image.pitches[1] < ((width + 1) & ~1u) * bps ||
	    (uint64_t)img->image.offsets[0] + (uint64_t)img->image.pitches[0] * height >
		img->image.data_size ||
	    (uint64_t)img->image.offsets[1] + (uint64_t)img->image.pitches[1] * ((height + 1) / 2) >
		img->image.data_size) {
		st = VA_STATUS_ERROR_INVALID_IMAGE;
		goto out;
	}
	uint8_t *dst = img->buf->data;
	if (v4l2r_format_read(&l, src, (uint32_t)x, (uint32_t)y, width, height,
			      dst + img->image.offsets[0], img->image.pitches[0],
			      dst + img->image.offsets[1], img->image.pitches[1]) < 0) {
		st = VA_STATUS_ERROR_INVALID_PARAMETER;
		goto out;
	}
	st = VA_STATUS_SUCCESS;
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_PutImage(VADriverContextP va, VASurfaceID surface, VAImageID image, int src_x,
			int src_y, unsigned int src_w, unsigned int src_h, int dst_x, int dst_y,
			unsigned int dst_w, unsigned int dst_h)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}
