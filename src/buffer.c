/* SPDX-License-Identifier: MIT */
/* VA buffers: client memory for parameters and slice data, and the storage of images. */
#include "driver.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	b->data = malloc((size_t)total);
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
		free(b->data);
		free(b);
		return NULL;
	}
	return b;
}

void v4l2r_buffer_free(struct v4l2r_driver *drv, struct v4l2r_buffer *b)
{
	if (!b)
		return;
	if (b->borrow_ctx) {
		struct v4l2r_ctx *ctx = b->borrow_ctx;

		if (b->borrow_cap >= 0 && (unsigned)b->borrow_cap < ctx->n_cap &&
		    ctx->cap[b->borrow_cap].borrower == b)
			ctx->cap[b->borrow_cap].borrower = NULL;
	} else if (b->map_length) {
		munmap(b->data, b->map_length);
	} else {
		free(b->data);
	}
	v4l2r_table_remove(&drv->buffers, b->id);
	free(b);
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
