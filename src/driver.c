/* SPDX-License-Identifier: MIT */
/*
 * Driver entry: __vaDriverInit_1_*, vaTerminate, the vtable, logging and what libva asks the
 * driver to report about itself. Entry points that do not apply to a decoder (subpictures,
 * display attributes, MF contexts) live here too.
 */
#include "driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef V4L2R_VERSION
#define V4L2R_VERSION "unknown"
#endif

#define V4L2R_VENDOR "v4l2-request " V4L2R_VERSION

__attribute__((format(printf, 3, 0))) static void vlog(struct v4l2r_driver *drv, bool error,
						       const char *fmt, va_list ap)
{
	char msg[512];
	int n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg) - 1)
		n = (int)sizeof(msg) - 2;
	if (n == 0 || msg[n - 1] != '\n') {
		msg[n] = '\n';
		msg[n + 1] = 0;
	}
	if (drv->debug)
		fprintf(stderr, "v4l2-request: %s", msg);
	else if (error && drv->va->error_callback)
		drv->va->error_callback(drv->va, msg);
}

void v4l2r_error(struct v4l2r_driver *drv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(drv, true, fmt, ap);
	va_end(ap);
}

void v4l2r_debug(struct v4l2r_driver *drv, const char *fmt, ...)
{
	va_list ap;

	if (!drv->debug)
		return;
	va_start(ap, fmt);
	vlog(drv, false, fmt, ap);
	va_end(ap);
}

void v4l2r_ctx_debug(struct v4l2r_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->drv->debug)
		return;
	va_start(ap, fmt);
	vlog(ctx->drv, false, fmt, ap);
	va_end(ap);
}

/* --- entry points that do not apply to a decoder ------------------------------------------ */

static VAStatus v4l2r_QuerySubpictureFormats(VADriverContextP va, VAImageFormat *list,
					     unsigned int *flags, unsigned int *num)
{
	if (num)
		*num = 0;
	return VA_STATUS_SUCCESS;
}

static VAStatus v4l2r_CreateSubpicture(VADriverContextP va, VAImageID image, VASubpictureID *id)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus v4l2r_DestroySubpicture(VADriverContextP va, VASubpictureID id)
{
	return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus v4l2r_SetSubpictureImage(VADriverContextP va, VASubpictureID id, VAImageID image)
{
	return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus v4l2r_SetSubpictureChromakey(VADriverContextP va, VASubpictureID id,
					     unsigned int min, unsigned int max, unsigned int mask)
{
	return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus v4l2r_SetSubpictureGlobalAlpha(VADriverContextP va, VASubpictureID id, float a)
{
	return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus v4l2r_AssociateSubpicture(VADriverContextP va, VASubpictureID id,
					  VASurfaceID *targets, int n, short src_x, short src_y,
					  unsigned short src_w, unsigned short src_h, short dst_x,
					  short dst_y, unsigned short dst_w, unsigned short dst_h,
					  unsigned int flags)
{
	return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus v4l2r_DeassociateSubpicture(VADriverContextP va, VASubpictureID id,
					    VASurfaceID *targets, int n)
{
	return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus v4l2r_QueryDisplayAttributes(VADriverContextP va, VADisplayAttribute *list,
					     int *num)
{
	if (num)
		*num = 0;
	return VA_STATUS_SUCCESS;
}

static VAStatus v4l2r_GetDisplayAttributes(VADriverContextP va, VADisplayAttribute *list, int num)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus v4l2r_SetDisplayAttributes(VADriverContextP va, VADisplayAttribute *list, int num)
{
	return VA_STATUS_ERROR_UNIMPLEMENTED;
}

/* --- init / terminate --------------------------------------------------------------------- */

static void driver_free(struct v4l2r_driver *drv)
{
	uint32_t pos = 0;
	void *o;

	/* Contexts first: they reference surfaces. */
	drv->terminating = true;
	while ((o = v4l2r_table_next(&drv->contexts, &pos)))
		v4l2r_ctx_destroy(drv, o);
	pos = 0;
	while ((o = v4l2r_table_next(&drv->images, &pos)))
		free(o); /* its buffer is freed with the buffers */
	pos = 0;
	while ((o = v4l2r_table_next(&drv->buffers, &pos)))
		v4l2r_buffer_free(drv, o);
	pos = 0;
	while ((o = v4l2r_table_next(&drv->surfaces, &pos))) {
		v4l2r_surface_drop_snapshot(o);
		free(o);
	}
	pos = 0;
	while ((o = v4l2r_table_next(&drv->configs, &pos)))
		free(o);
	v4l2r_table_fini(&drv->contexts);
	v4l2r_table_fini(&drv->images);
	v4l2r_table_fini(&drv->buffers);
	for (unsigned i = 0; i < drv->n_spares; i++)
		free(drv->spares[i].p);
	v4l2r_table_fini(&drv->surfaces);
	v4l2r_table_fini(&drv->configs);
	pthread_cond_destroy(&drv->idle);
	pthread_mutex_destroy(&drv->lock);
	free(drv);
}

static VAStatus v4l2r_Terminate(VADriverContextP va)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);

	if (drv) {
		pthread_mutex_lock(&drv->lock);
		pthread_mutex_unlock(&drv->lock);
		driver_free(drv);
	}
	va->pDriverData = NULL;
	return VA_STATUS_SUCCESS;
}

static const struct VADriverVTable v4l2r_vtable = {
    .vaTerminate = v4l2r_Terminate,
    .vaQueryConfigProfiles = v4l2r_QueryConfigProfiles,
    .vaQueryConfigEntrypoints = v4l2r_QueryConfigEntrypoints,
    .vaGetConfigAttributes = v4l2r_GetConfigAttributes,
    .vaCreateConfig = v4l2r_CreateConfig,
    .vaDestroyConfig = v4l2r_DestroyConfig,
    .vaQueryConfigAttributes = v4l2r_QueryConfigAttributes,
    .vaCreateSurfaces = v4l2r_CreateSurfaces,
    .vaDestroySurfaces = v4l2r_DestroySurfaces,
    .vaCreateContext = v4l2r_CreateContext,
    .vaDestroyContext = v4l2r_DestroyContext,
    .vaCreateBuffer = v4l2r_CreateBuffer,
    .vaBufferSetNumElements = v4l2r_BufferSetNumElements,
    .vaMapBuffer = v4l2r_MapBuffer,
    .vaUnmapBuffer = v4l2r_UnmapBuffer,
    .vaDestroyBuffer = v4l2r_DestroyBuffer,
    .vaBeginPicture = v4l2r_BeginPicture,
    .vaRenderPicture = v4l2r_RenderPicture,
    .vaEndPicture = v4l2r_EndPicture,
    .vaSyncSurface = v4l2r_SyncSurface,
    .vaQuerySurfaceStatus = v4l2r_QuerySurfaceStatus,
    .vaQuerySurfaceError = v4l2r_QuerySurfaceError,
    .vaPutSurface = v4l2r_PutSurface,
    .vaQueryImageFormats = v4l2r_QueryImageFormats,
    .vaCreateImage = v4l2r_CreateImage,
    .vaDeriveImage = v4l2r_DeriveImage,
    .vaDestroyImage = v4l2r_DestroyImage,
    .vaSetImagePalette = v4l2r_SetImagePalette,
    .vaGetImage = v4l2r_GetImage,
    .vaPutImage = v4l2r_PutImage,
    .vaQuerySubpictureFormats = v4l2r_QuerySubpictureFormats,
    .vaCreateSubpicture = v4l2r_CreateSubpicture,
    .vaDestroySubpicture = v4l2r_DestroySubpicture,
    .vaSetSubpictureImage = v4l2r_SetSubpictureImage,
    .vaSetSubpictureChromakey = v4l2r_SetSubpictureChromakey,
    .vaSetSubpictureGlobalAlpha = v4l2r_SetSubpictureGlobalAlpha,
    .vaAssociateSubpicture = v4l2r_AssociateSubpicture,
    .vaDeassociateSubpicture = v4l2r_DeassociateSubpicture,
    .vaQueryDisplayAttributes = v4l2r_QueryDisplayAttributes,
    .vaGetDisplayAttributes = v4l2r_GetDisplayAttributes,
    .vaSetDisplayAttributes = v4l2r_SetDisplayAttributes,
    .vaBufferInfo = v4l2r_BufferInfo,
    .vaLockSurface = v4l2r_LockSurface,
    .vaUnlockSurface = v4l2r_UnlockSurface,
    .vaCreateSurfaces2 = v4l2r_CreateSurfaces2,
    .vaQuerySurfaceAttributes = v4l2r_QuerySurfaceAttributes,
    .vaAcquireBufferHandle = v4l2r_AcquireBufferHandle,
    .vaReleaseBufferHandle = v4l2r_ReleaseBufferHandle,
    .vaExportSurfaceHandle = v4l2r_ExportSurfaceHandle,
#if VA_CHECK_VERSION(1, 9, 0)
    .vaSyncSurface2 = v4l2r_SyncSurface2,
#endif
};

static VAStatus driver_init(VADriverContextP va)
{
	struct v4l2r_driver *drv;
	const char *dbg = getenv("LIBVA_V4L2_REQUEST_DEBUG");
	const char *tmo = getenv("LIBVA_V4L2_REQUEST_TIMEOUT_MS");
	unsigned n_profiles = 0, n_codecs;
	const struct v4l2r_codec *const *codecs = v4l2r_codecs(&n_codecs);

	if (!va)
		return VA_STATUS_ERROR_INVALID_CONTEXT;
	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	drv->va = va;
	drv->debug = dbg && *dbg && strcmp(dbg, "0") != 0;
	drv->wait_ms = V4L2R_WAIT_MS;
	if (tmo && *tmo) {
		char *end = NULL;
		long v = strtol(tmo, &end, 10);

		if (end && !*end && v >= 1 && v <= 600000)
			drv->wait_ms = (int)v;
	}
	pthread_mutex_init(&drv->lock, NULL);
	pthread_cond_init(&drv->idle, NULL);
	v4l2r_table_init(&drv->configs, V4L2R_OBJ_CONFIG);
	v4l2r_table_init(&drv->contexts, V4L2R_OBJ_CONTEXT);
	v4l2r_table_init(&drv->surfaces, V4L2R_OBJ_SURFACE);
	v4l2r_table_init(&drv->buffers, V4L2R_OBJ_BUFFER);
	v4l2r_table_init(&drv->images, V4L2R_OBJ_IMAGE);

	if (v4l2r_discover(drv) < 0 || drv->n_devs == 0) {
		/* A single-instance decoder in use (by another display or process): the caller can
		 * tell "busy, try later" from "no hardware". */
		bool busy = drv->n_devs == 0 && drv->n_busy > 0;

		v4l2r_debug(drv, "no stateless decoder found%s\n", busy ? " (one is busy)" : "");
		driver_free(drv);
		return busy ? VA_STATUS_ERROR_HW_BUSY : VA_STATUS_ERROR_OPERATION_FAILED;
	}

	for (unsigned i = 0; i < n_codecs; i++)
		n_profiles += codecs[i]->n_profiles;
	va->pDriverData = drv;
	va->version_major = VA_MAJOR_VERSION;
	va->version_minor = VA_MINOR_VERSION;
	va->max_profiles = (int)(n_profiles ? n_profiles : 1);
	va->max_entrypoints = 1;
	va->max_attributes = 8;
	va->max_image_formats = 2;
	va->max_subpic_formats = 1;
	va->max_display_attributes = 1;
	va->str_vendor = V4L2R_VENDOR;
	*va->vtable = v4l2r_vtable;
	return VA_STATUS_SUCCESS;
}

/* libva looks for __vaDriverInit_<major>_<minor> from its own minor version down. */
#define V4L2R_INIT(minor)                                                                          \
	__attribute__((visibility("default")))                                                     \
	VAStatus __vaDriverInit_1_##minor(VADriverContextP);                                       \
	VAStatus __vaDriverInit_1_##minor(VADriverContextP va)                                     \
	{                                                                                          \
		return driver_init(va);                                                            \
	}

V4L2R_INIT(0)
V4L2R_INIT(1)
V4L2R_INIT(2)
V4L2R_INIT(3)
V4L2R_INIT(4)
V4L2R_INIT(5)
V4L2R_INIT(6)
V4L2R_INIT(7)
V4L2R_INIT(8)
V4L2R_INIT(9)
V4L2R_INIT(10)
V4L2R_INIT(11)
V4L2R_INIT(12)
V4L2R_INIT(13)
V4L2R_INIT(14)
V4L2R_INIT(15)
V4L2R_INIT(16)
V4L2R_INIT(17)
#if VA_CHECK_VERSION(1, 18, 0)
V4L2R_INIT(18)
#endif
#if VA_CHECK_VERSION(1, 19, 0)
V4L2R_INIT(19)
#endif
#if VA_CHECK_VERSION(1, 20, 0)
V4L2R_INIT(20)
#endif
