/* SPDX-License-Identifier: MIT */
/*
 * vaExportSurfaceHandle as DRM PRIME 2: one object, the surface's CAPTURE buffer (VIDIOC_EXPBUF),
 * described with its DRM modifier. Layouts no modifier describes are refused, never exported as
 * something a consumer would misread. Clients export before decoding (mpv, Chromium): the
 * surface's CAPTURE buffer is then allocated with the context's size.
 */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <va/va_drmcommon.h>

VAStatus v4l2r_ExportSurfaceHandle(VADriverContextP va, VASurfaceID surface, uint32_t mem_type,
				   uint32_t flags, void *descriptor)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	VADRMPRIMESurfaceDescriptor *d = descriptor;
	struct v4l2r_surface *s;
	struct v4l2r_ctx *ctx;
	VAStatus st;
	bool ok;

	if (mem_type != VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2)
		return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
	if (!d)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	s = v4l2r_surface_get(drv, surface);
	if (!s) {
		st = VA_STATUS_ERROR_INVALID_SURFACE;
		goto out;
	}
	ctx = s->ctx;
	if (!ctx) {
		/* No context: no decoder memory backs it yet. */
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	if (!ctx->cap_on) {
		struct v4l2r_stream_params p = {
		    .width = (ctx->width + 15) & ~15u,
		    .height = (ctx->height + 15) & ~15u,
		    .bit_depth = s->rt_format == VA_RT_FORMAT_YUV420_10 ? 10 : 8,
		    .min_buffers = 1,
		};

		st = v4l2r_ctx_stream(ctx, &p);
		if (st != VA_STATUS_SUCCESS)
			goto out;
	}
	st = v4l2r_video_bind(ctx, s);
	if (st != VA_STATUS_SUCCESS)
		goto out;
	uint64_t modifier = v4l2r_format_modifier(ctx->cap_fourcc, &ok);
	if (!ok) {
		v4l2r_debug(drv, "export: %.4s has no DRM modifier\n",
			    (const char *)&ctx->cap_fourcc);
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	struct v4l2_exportbuffer eb = {
	    .type = V4L2R_CAP_TYPE(ctx),
	    .index = (uint32_t)s->cap,
	    .plane = 0,
	    .flags = O_CLOEXEC | ((flags & VA_EXPORT_SURFACE_WRITE_ONLY) ||
					  (flags & VA_EXPORT_SURFACE_READ_WRITE)
				      ? O_RDWR
				      : O_RDONLY),
	};
	if (v4l2r_xioctl(ctx->video_fd, VIDIOC_EXPBUF, &eb) < 0) {
		v4l2r_error(drv, "EXPBUF: %s\n", strerror(errno));
		st = VA_STATUS_ERROR_OPERATION_FAILED;
		goto out;
	}
	bool p010 = ctx->cap_fourcc == V4L2_PIX_FMT_P010;
	memset(d, 0, sizeof(*d));
	d->fourcc = p010 ? VA_FOURCC_P010 : VA_FOURCC_NV12;
	d->width = s->width < ctx->cap_w ? s->width : ctx->cap_w;
	d->height = s->height < ctx->cap_h ? s->height : ctx->cap_h;
	d->num_objects = 1;
	d->objects[0].fd = eb.fd;
	d->objects[0].size = (uint32_t)ctx->cap[s->cap].length;
	d->objects[0].drm_format_modifier = modifier;
	if (flags & VA_EXPORT_SURFACE_COMPOSED_LAYERS) {
		d->num_layers = 1;
		d->layers[0].drm_format = p010 ? DRM_FORMAT_P010 : DRM_FORMAT_NV12;
		d->layers[0].num_planes = 2;
		d->layers[0].offset[1] = ctx->cap_uv_offset;
		d->layers[0].pitch[0] = d->layers[0].pitch[1] = ctx->cap_bpl;
	} else {
		d->num_layers = 2;
		d->layers[0].drm_format = p010 ? DRM_FORMAT_R16 : DRM_FORMAT_R8;
		d->layers[0].num_planes = 1;
		d->layers[0].pitch[0] = ctx->cap_bpl;
		d->layers[1].drm_format = p010 ? DRM_FORMAT_GR1616 : DRM_FORMAT_GR88;
		d->layers[1].num_planes = 1;
		d->layers[1].offset[0] = ctx->cap_uv_offset;
		d->layers[1].pitch[0] = ctx->cap_bpl;
	}
	st = VA_STATUS_SUCCESS;
out:
	pthread_mutex_unlock(&drv->lock);
	return st;
}
