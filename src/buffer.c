/* SPDX-License-Identifier: MIT */
/* VA buffers: client memory for parameters and slice data, and the storage of images. */
#include "driver.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Under AddressSanitizer freed storage goes back to malloc: a use after free is then caught. */
#if defined(__SANITIZE_ADDRESS__)
#define KEEP_SPARES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_SPARES 0
#endif
#endif
#ifndef KEEP_SPARES
#define KEEP_SPARES 1
#endif

static void storage_free(struct v4l2r_driver *drv, struct v4l2r_buffer *b)
{
	if (b->borrow_ctx) {
		struct v4l2r_ctx *ctx = b->borrow_ctx;

		if (b->borrow_cap >= 0 && (unsigned)b->borrow_cap < ctx->n_cap &&
		    ctx->cap[b->borrow_cap].borrower == b)
			ctx->cap[b->borrow_cap].borrower = NULL;
	} else if (b->map_length) {
		munmap(b->data, b->map_length);
	} else if (KEEP_SPARES && drv->n_spares < V4L2R_SPARES &&
		   b->alloc <= V4L2R_SPARE_BYTES - drv->spare_bytes) {
		drv->spares[drv->n_spares].p = b->data;
		drv->spares[drv->n_spares++].size = b->alloc;
		drv->spare_bytes += b->alloc;
	} else {
		free(b->data);
	}
}

struct v4l2r_buffer *v4l2r_buffer_new(struct v4l2r_driver *drv, VAContextID context,
				      VABufferType type, uint32_t size, uint32_t num)
{
	struct v4l2r_buffer *b;
	uint64_t total = (uint64_t)size * num;

	if (total == 0 || total > V4L2R_MAX_BUFFER_SIZE)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	/* Not zeroed: the caller fills it (a client's data is copied over it whole). */
	int best = -1;
	for (unsigned i = 0; i < drv->n_spares; i++) {
		size_t n = drv->spares[i].size;

		if (n >= total && n / 4 <= total && (best < 0 || n < drv->spares[best].size))
			best = (int)i;
	}
	if (best >= 0) {
		b->data = drv->spares[best].p;
		b->alloc = drv->spares[best].size;
		drv->spare_bytes -= b->alloc;
		drv->spares[best] = drv->spares[--drv->n_spares];
	} else {
		b->data = malloc((size_t)total);
		b->alloc = (size_t)total;
	}
	if (!b->data) {
		free(b);
		return NULL;
	}
	b->context = context;
	b->type = type;
	b->size = size;
	b->num_elements = num;
	b->id = v4l2r_table_add(&drv->buffers, b);
	if (!b->id) {
		storage_free(drv, b);
		free(b);
		return NULL;
	}
	return b;
}

void v4l2r_buffer_free(struct v4l2r_driver *drv, struct v4l2r_buffer *b)
{
	if (!b)
		return;
	if (!b->unlisted)
		v4l2r_table_remove(&drv->buffers, b->id);
	b->unlisted = true;
	if (b->pins)
		return; /* a picture still reads it: freed at its last unpin */
	storage_free(drv, b);
	free(b);
}

VAStatus v4l2r_buffer_pin_room(struct v4l2r_ctx *ctx)
{
	if (ctx->n_pic_bufs == ctx->cap_pic_bufs) {
		unsigned cap = ctx->cap_pic_bufs ? 2 * ctx->cap_pic_bufs : 16;
		struct v4l2r_buffer **p = realloc(ctx->pic_bufs, cap * sizeof(*p));

		if (!p)
			return VA_STATUS_ERROR_ALLOCATION_FAILED;
		ctx->pic_bufs = p;
		ctx->cap_pic_bufs = cap;
	}
	return VA_STATUS_SUCCESS;
}

void v4l2r_buffer_pin(struct v4l2r_ctx *ctx, struct v4l2r_buffer *b)
{
	ctx->pic_bufs[ctx->n_pic_bufs++] = b;
	b->pins++;
}

void v4l2r_buffer_unpin_all(struct v4l2r_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->n_pic_bufs; i++) {
		struct v4l2r_buffer *b = ctx->pic_bufs[i];

		if (--b->pins == 0 && b->unlisted) {
			storage_free(ctx->drv, b);
			free(b);
		}
	}
	ctx->n_pic_bufs = 0;
}

VAStatus v4l2r_CreateBuffer(VADriverContextP va, VAContextID context, VABufferType type,
			    unsigned int size, unsigned int num, void *data, VABufferID *id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_buffer *b;
	VAStatus st = VA_STATUS_SUCCESS;

	if (!id)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	switch (type) {
	case VAPictureParameterBufferType:
	case VAIQMatrixBufferType:
	case VASliceParameterBufferType:
	case VASliceDataBufferType:
	case VAProbabilityBufferType:
	case VAHuffmanTableBufferType:
	case VAImageBufferType:
		break;
	default:
		return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
	}
	if (size == 0 || num == 0 || (uint64_t)size * num > V4L2R_MAX_BUFFER_SIZE)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	if (!v4l2r_table_get(&drv->contexts, context)) {
		st = VA_STATUS_ERROR_INVALID_CONTEXT;
		goto out;
	}
	b = v4l2r_buffer_new(drv, context, type, size, num);
	if (!b) {
		st = VA_STATUS_ERROR_ALLOCATION_FAILED;
		goto out;
	}
	if (data)
		memcpy(b->data, data, (size_t)size * num);
	else
		memset(b->data, 0, (size_t)size * num);
	*id = b->id;
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_BufferSetNumElements(VADriverContextP va, VABufferID id, unsigned int num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_buffer *b;
	VAStatus st = VA_STATUS_SUCCESS;

	pthread_mutex_lock(&drv->lock);
	b = v4l2r_table_get(&drv->buffers, id);
	if (!b)
		st = VA_STATUS_ERROR_INVALID_BUFFER;
	else if (num == 0 || num > b->num_elements || b->map_length || b->borrow_ctx)
		st = VA_STATUS_ERROR_INVALID_PARAMETER; /* cannot grow the storage */
	else
		b->num_elements = num;
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_MapBuffer(VADriverContextP va, VABufferID id, void **pbuf)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_buffer *b;
	VAStatus st = VA_STATUS_SUCCESS;

	if (!pbuf)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	b = v4l2r_table_get(&drv->buffers, id);
	if (!b) {
		st = VA_STATUS_ERROR_INVALID_BUFFER;
	} else {
		b->mapped = true;
		*pbuf = b->data;
	}
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_UnmapBuffer(VADriverContextP va, VABufferID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_buffer *b;
	VAStatus st = VA_STATUS_SUCCESS;

	pthread_mutex_lock(&drv->lock);
	b = v4l2r_table_get(&drv->buffers, id);
	if (!b)
		st = VA_STATUS_ERROR_INVALID_BUFFER;
	else if (!b->mapped)
		st = VA_STATUS_ERROR_OPERATION_FAILED;
	else
		b->mapped = false;
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_DestroyBuffer(VADriverContextP va, VABufferID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_buffer *b;
	VAStatus st = VA_STATUS_SUCCESS;
	uint32_t pos = 0;
	struct v4l2r_image *img;

	pthread_mutex_lock(&drv->lock);
	b = v4l2r_table_get(&drv->buffers, id);
	if (!b) {
		st = VA_STATUS_ERROR_INVALID_BUFFER;
		goto out;
	}
	/* An image's buffer goes with the image (vaDestroyImage). */
	while ((img = v4l2r_table_next(&drv->images, &pos))) {
		if (img->buf == b) {
			st = VA_STATUS_ERROR_INVALID_BUFFER;
			goto out;
		}
	}
	v4l2r_buffer_free(drv, b);
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_BufferInfo(VADriverContextP va, VABufferID id, VABufferType *type,
			  unsigned int *size, unsigned int *num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_buffer *b;
	VAStatus st = VA_STATUS_SUCCESS;

	if (!type || !size || !num)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	b = v4l2r_table_get(&drv->buffers, id);
	if (!b) {
		st = VA_STATUS_ERROR_INVALID_BUFFER;
	} else {
		*type = b->type;
		*size = b->size;
		*num = b->num_elements;
	}
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_AcquireBufferHandle(VADriverContextP va, VABufferID id, VABufferInfo *info)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	bool ok;

	pthread_mutex_lock(&drv->lock);
	ok = v4l2r_table_get(&drv->buffers, id) != NULL;
	pthread_mutex_unlock(&drv->lock);
	/* Buffers are plain memory, there is no handle to share. */
	return ok ? VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE : VA_STATUS_ERROR_INVALID_BUFFER;
}

VAStatus v4l2r_ReleaseBufferHandle(VADriverContextP va, VABufferID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	bool ok;

	pthread_mutex_lock(&drv->lock);
	ok = v4l2r_table_get(&drv->buffers, id) != NULL;
	pthread_mutex_unlock(&drv->lock);
	return ok ? VA_STATUS_ERROR_INVALID_PARAMETER : VA_STATUS_ERROR_INVALID_BUFFER;
}
