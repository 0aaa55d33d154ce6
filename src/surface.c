/* SPDX-License-Identifier: MIT */
/*
 * VA surfaces. Creating one touches no device (clients create surfaces before the context, and
 * CAPTURE formats depend on the stream); a surface gets its CAPTURE buffer from the context it
 * decodes in, keeps it while that context's stream lasts, and outlives the context.
 */
#include "driver.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <va/va_drmcommon.h>

struct v4l2r_surface *v4l2r_surface_get(struct v4l2r_driver *drv, VASurfaceID id)
{
	return v4l2r_table_get(&drv->surfaces, id);
}

static VAStatus create(struct v4l2r_driver *drv, unsigned format, unsigned width, unsigned height,
		       VASurfaceID *surfaces, unsigned num)
{
	unsigned i;

	if (format != VA_RT_FORMAT_YUV420 && format != VA_RT_FORMAT_YUV420_10)
		return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
	if (width == 0 || height == 0 || num == 0 || !surfaces)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (width > V4L2R_MAX_SURFACE_DIM || height > V4L2R_MAX_SURFACE_DIM)
		return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
	pthread_mutex_lock(&drv->lock);
	/* More than the table can ever hold fails before allocating any. */
	if (num > V4L2R_OBJ_MAX - (drv->surfaces.n - drv->surfaces.n_free)) {
		pthread_mutex_unlock(&drv->lock);
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	}
	for (i = 0; i < num; i++) {
		struct v4l2r_surface *s = calloc(1, sizeof(*s));

		if (!s)
			break;
		s->drv = drv;
		s->width = width;
		s->height = height;
		s->rt_format = format;
		s->cap = -1;
		s->id = v4l2r_table_add(&drv->surfaces, s);
		if (!s->id) {
			free(s);
			break;
		}
		surfaces[i] = s->id;
	}
	if (i < num) {
		for (unsigned j = 0; j < i; j++) {
			free(v4l2r_table_get(&drv->surfaces, surfaces[j]));
			v4l2r_table_remove(&drv->surfaces, surfaces[j]);
			surfaces[j] = VA_INVALID_SURFACE;
		}
	}
	pthread_mutex_unlock(&drv->lock);
	return i < num ? VA_STATUS_ERROR_ALLOCATION_FAILED : VA_STATUS_SUCCESS;
}

VAStatus v4l2r_CreateSurfaces(VADriverContextP va, int width, int height, int format, int num,
			      VASurfaceID *surfaces)
{
	if (width <= 0 || height <= 0 || num <= 0)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	return create(v4l2r_drv(va), (unsigned)format, (unsigned)width, (unsigned)height, surfaces,
		      (unsigned)num);
}

VAStatus v4l2r_CreateSurfaces2(VADriverContextP va, unsigned int format, unsigned int width,
			       unsigned int height, VASurfaceID *surfaces, unsigned int num,
			       VASurfaceAttrib *attribs, unsigned int num_attribs)
{
	if (num_attribs && !attribs)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	for (unsigned i = 0; i < num_attribs; i++) {
		const VASurfaceAttrib *a = &attribs[i];

		if (!(a->flags & VA_SURFACE_ATTRIB_SETTABLE))
			continue;
		switch (a->type) {
		case VASurfaceAttribPixelFormat:
			if (a->value.type != VAGenericValueTypeInteger)
				return VA_STATUS_ERROR_INVALID_PARAMETER;
			if ((uint32_t)a->value.value.i != VA_FOURCC_NV12 &&
			    (uint32_t)a->value.value.i != VA_FOURCC_P010)
				return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
			if (((uint32_t)a->value.value.i == VA_FOURCC_P010) !=
			    (format == VA_RT_FORMAT_YUV420_10))
				return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
			break;
		case VASurfaceAttribMemoryType:
			if (a->value.type != VAGenericValueTypeInteger)
				return VA_STATUS_ERROR_INVALID_PARAMETER;
			if ((uint32_t)a->value.value.i != VA_SURFACE_ATTRIB_MEM_TYPE_VA)
				return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
			break;
		case VASurfaceAttribUsageHint:
			break;
		case VASurfaceAttribExternalBufferDescriptor:
			return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
		default:
			return VA_STATUS_ERROR_ATTR_NOT_SUPPORTED;
		}
	}
	return create(v4l2r_drv(va), format, width, height, surfaces, num);
}

void v4l2r_surface_drop_snapshot(struct v4l2r_surface *s)
{
	free(s->snap);
	s->snap = NULL;
}

static void surface_destroy(struct v4l2r_driver *drv, struct v4l2r_surface *s)
{
	/* No new lookups; threads waiting on it (lock dropped) leave first. */
	v4l2r_table_remove(&drv->surfaces, s->id);
	while (s->waiters)
		pthread_cond_wait(&drv->idle, &drv->lock);
	if (s->ctx) {
		(void)v4l2r_surface_wait(s, false);
		if (s->cap >= 0 && (unsigned)s->cap < s->ctx->n_cap &&
		    s->ctx->cap[s->cap].owner == s)
			s->ctx->cap[s->cap].owner = NULL;
	}
	/* The target of an open picture in any context (not necessarily the one it is bound to:
	 * a surface gets its CAPTURE buffer only when its first picture is queued). */
	uint32_t pos = 0;
	struct v4l2r_ctx *ctx;
	while ((ctx = v4l2r_table_next(&drv->contexts, &pos))) {
		if (ctx->target == s) {
			ctx->target = NULL;
			ctx->in_picture = false;
		}
	}
	v4l2r_surface_drop_snapshot(s);
	free(s);
}

VAStatus v4l2r_DestroySurfaces(VADriverContextP va, VASurfaceID *list, int num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	VAStatus st = VA_STATUS_SUCCESS;

	if (num < 0 || (num > 0 && !list))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	for (int i = 0; i < num; i++)
		if (!v4l2r_surface_get(drv, list[i]))
			st = VA_STATUS_ERROR_INVALID_SURFACE;
	if (st == VA_STATUS_SUCCESS)
		for (int i = 0; i < num; i++) {
			struct v4l2r_surface *s = v4l2r_surface_get(drv, list[i]);

			if (s) /* a duplicate in the list is gone already */
				surface_destroy(drv, s);
		}
	pthread_mutex_unlock(&drv->lock);
	return st;
}

static VAStatus sync_locked(struct v4l2r_driver *drv, VASurfaceID id)
{
	struct v4l2r_surface *s = v4l2r_surface_get(drv, id);
	VAStatus st;

	if (!s)
		return VA_STATUS_ERROR_INVALID_SURFACE;
	if (s->ctx && s->ctx->in_picture && s->ctx->target == s)
		return VA_STATUS_ERROR_SURFACE_BUSY; /* between Begin and EndPicture */
	st = v4l2r_surface_wait(s, true);
	if (st != VA_STATUS_SUCCESS)
		return st;
	return s->failed ? VA_STATUS_ERROR_DECODING_ERROR : VA_STATUS_SUCCESS;
}

VAStatus v4l2r_SyncSurface(VADriverContextP va, VASurfaceID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	VAStatus st;

	pthread_mutex_lock(&drv->lock);
	st = sync_locked(drv, id);
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_SyncSurface2(VADriverContextP va, VASurfaceID id, uint64_t timeout_ns)
{
	/* Waits are bounded by drv->wait_ms; a shorter timeout waits that long and leaves the
	 * picture in flight (VA_STATUS_ERROR_TIMEDOUT, the client may sync again). */
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_surface *s;
	VAStatus st;
	uint64_t ms = timeout_ns / 1000000u + (timeout_ns % 1000000u != 0);

	pthread_mutex_lock(&drv->lock);
	s = v4l2r_surface_get(drv, id);
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
	} else if (s->ctx && s->ctx->in_picture && s->ctx->target == s) {
		st = VA_STATUS_ERROR_SURFACE_BUSY; /* between Begin and EndPicture */
	} else {
		st = v4l2r_surface_wait_ms(s, true, ms >= (uint64_t)drv->wait_ms ? -1 : (int)ms);
		if (st == VA_STATUS_SUCCESS && s->failed)
			st = VA_STATUS_ERROR_DECODING_ERROR;
	}
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_QuerySurfaceStatus(VADriverContextP va, VASurfaceID id, VASurfaceStatus *status)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_surface *s;
	VAStatus st = VA_STATUS_SUCCESS;

	if (!status)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	s = v4l2r_surface_get(drv, id);
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
	} else {
		bool busy = false;

		if (s->ctx && s->cap >= 0 && (unsigned)s->cap < s->ctx->n_cap) {
			v4l2r_requests_drain(s->ctx);
			if (s->ctx->cap[s->cap].queued)
				v4l2r_requests_check_hung(s->ctx); /* a poller never hangs */
			busy = s->ctx->cap[s->cap].queued;
		}
		if (s->ctx && s->ctx->in_picture && s->ctx->target == s)
			busy = true;
		/* VASurfaceSkipped is for encoders; a failed decode is reported by vaSyncSurface
		 * and vaQuerySurfaceError. */
		*status = busy ? VASurfaceRendering : VASurfaceReady;
	}
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_QuerySurfaceError(VADriverContextP va, VASurfaceID id, VAStatus error, void **info)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_surface *s;
	VAStatus st = VA_STATUS_SUCCESS;

	if (!info)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	s = v4l2r_surface_get(drv, id);
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
	} else if (error != VA_STATUS_ERROR_DECODING_ERROR) {
		st = VA_STATUS_ERROR_UNIMPLEMENTED;
	} else {
		/* V4L2 reports no macroblock detail: a failed picture failed as a whole. The array
		 * ends with status -1 (clients walk it), and lives as long as the surface. */
		uint32_t mbs = ((s->width + 15) / 16) * ((s->height + 15) / 16);
		unsigned n = 0;

		memset(s->mb_errors, 0, sizeof(s->mb_errors));
		if (s->failed)
			s->mb_errors[n++] = (VASurfaceDecodeMBErrors){
			    .status = 1,
			    .start_mb = 0,
			    .end_mb = mbs - 1,
			    .decode_error_type = VADecodeMBError,
			    .num_mb = mbs,
			};
		s->mb_errors[n].status = -1;
		*info = s->mb_errors;
	}
	pthread_mutex_unlock(&drv->lock);
	return st;
}

VAStatus v4l2r_QuerySurfaceAttributes(VADriverContextP va, VAConfigID config,
				      VASurfaceAttrib *attribs, unsigned int *num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_config *cfg;
	VASurfaceAttrib a[8];
	unsigned n = 0;

	if (!num)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	cfg = v4l2r_table_get(&drv->configs, config);
	if (!cfg) {
		pthread_mutex_unlock(&drv->lock);
		return VA_STATUS_ERROR_INVALID_CONFIG;
	}
#define ATTR(t, fl, v)                                                                             \
	a[n++] = (VASurfaceAttrib)                                                                 \
	{                                                                                          \
		.type = (t), .flags = (fl), .value = {                                             \
			.type = VAGenericValueTypeInteger,                                         \
			.value = {.i = (int)(v)}                                                   \
		}                                                                                  \
	}
	ATTR(VASurfaceAttribPixelFormat, VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE,
	     cfg->rt_format == VA_RT_FORMAT_YUV420_10 ? VA_FOURCC_P010 : VA_FOURCC_NV12);
	ATTR(VASurfaceAttribMinWidth, VA_SURFACE_ATTRIB_GETTABLE, cfg->dev->min_w);
	ATTR(VASurfaceAttribMinHeight, VA_SURFACE_ATTRIB_GETTABLE, cfg->dev->min_h);
	ATTR(VASurfaceAttribMaxWidth, VA_SURFACE_ATTRIB_GETTABLE, cfg->dev->max_w);
	ATTR(VASurfaceAttribMaxHeight, VA_SURFACE_ATTRIB_GETTABLE, cfg->dev->max_h);
	/* Surfaces are allocated by the decoder, never imported; DRM PRIME 2 is for export
	 * (vaExportSurfaceHandle), which this attribute does not describe. */
	ATTR(VASurfaceAttribMemoryType, VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE,
	     VA_SURFACE_ATTRIB_MEM_TYPE_VA);
#undef ATTR
	pthread_mutex_unlock(&drv->lock);

	if (!attribs) {
		*num = n;
		return VA_STATUS_SUCCESS;
	}
	if (*num < n) {
		*num = n;
		return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
	}
	for (unsigned i = 0; i < n; i++)
		attribs[i] = a[i];
	*num = n;
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_PutSurface(VADriverContextP va, VASurfaceID surface, void *draw, short srcx,
			  short srcy, unsigned short srcw, unsigned short srch, short destx,
			  short desty, unsigned short destw, unsigned short desth,
			  VARectangle *cliprects, unsigned int n_cliprects, unsigned int flags)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

VAStatus v4l2r_LockSurface(VADriverContextP va, VASurfaceID surface, unsigned int *fourcc,
			   unsigned int *luma_stride, unsigned int *chroma_u_stride,
			   unsigned int *chroma_v_stride, unsigned int *luma_offset,
			   unsigned int *chroma_u_offset, unsigned int *chroma_v_offset,
			   unsigned int *buffer_name, void **buffer)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

VAStatus v4l2r_UnlockSurface(VADriverContextP va, VASurfaceID surface)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}
