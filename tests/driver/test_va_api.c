/* SPDX-License-Identifier: MIT */
/*
 * The driver's VA entry points, called as libva would (dlopen + __vaDriverInit_1_x with a driver
 * context filled here, no display needed), on the emulated device (LD_PRELOAD set by meson):
 * exact statuses for every error case, object lifetimes, export before decoding.
 *
 *   test_va_api DRIVER.so MODE
 *     api       device(s) from V4L2_EMU_DEVICES (cedrus expected): everything below
 *     nodevice  V4L2_EMU_DEVICES empty: initialisation must fail
 *     single    a single-instance cedrus: a second context gets VA_STATUS_ERROR_HW_BUSY
 *     linear    cedrus:layout=nv12: LINEAR export, direct vaDeriveImage
 *     tiled4l4  rkvdec:layout=nv12_4l4: export and vaDeriveImage refused
 *     override  hantro-g1,cedrus with LIBVA_V4L2_REQUEST_VIDEO_PATH/_MEDIA_PATH naming cedrus:
 *               the override wins over discovery; one of the two alone fails initialisation
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_backend_vpp.h>
#include <va/va_drmcommon.h>

#include "check.h"

static int errors_reported;

static void on_error(VADriverContextP ctx, const char *msg)
{
	errors_reported++;
	fprintf(stderr, "driver error callback: %s", msg);
}

static void on_info(VADriverContextP ctx, const char *msg)
{
	fprintf(stderr, "driver info callback: %s", msg);
}

struct drv {
	void *handle;
	struct VADriverContext ctx;
	struct VADriverVTable vtable;
	struct VADriverVTableVPP vtable_vpp;
	VAStatus init_status;
};

static void drv_open(struct drv *d, const char *path)
{
	char sym[32];
	VAStatus (*init)(VADriverContextP) = NULL;

	memset(d, 0, sizeof(*d));
	d->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!d->handle) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		exit(1);
	}
	/* As libva does: the newest entry point first. */
	for (int minor = VA_MINOR_VERSION; minor >= 0 && !init; minor--) {
		snprintf(sym, sizeof(sym), "__vaDriverInit_%d_%d", VA_MAJOR_VERSION, minor);
		init = (VAStatus(*)(VADriverContextP))dlsym(d->handle, sym);
	}
	CHECK(init != NULL, "no __vaDriverInit_1_x");
	snprintf(sym, sizeof(sym), "__vaDriverInit_%d_%d", VA_MAJOR_VERSION, VA_MINOR_VERSION + 1);
	CHECK(dlsym(d->handle, sym) == NULL, "exports %s beyond the libva it was built for", sym);
	CHECK(dlsym(d->handle, "__vaDriverInit_1_0") != NULL, "no __vaDriverInit_1_0");
	CHECK(dlsym(d->handle, "v4l2r_discover") == NULL, "internal symbols are exported");
	if (!init)
		exit(1);
	d->ctx.vtable = &d->vtable;
	d->ctx.vtable_vpp = &d->vtable_vpp;
	d->ctx.version_major = VA_MAJOR_VERSION;
	d->ctx.version_minor = VA_MINOR_VERSION;
	d->ctx.display_type = VA_DISPLAY_DRM;
	d->ctx.error_callback = on_error;
	d->ctx.info_callback = on_info;
	d->init_status = init(&d->ctx);
}

static void drv_close(struct drv *d)
{
	if (d->init_status == VA_STATUS_SUCCESS)
		ST(d->vtable.vaTerminate(&d->ctx), VA_STATUS_SUCCESS);
	dlclose(d->handle);
}

static void check_vtable(struct drv *d)
{
	/* The 39 entry points libva 2.17's va_openDriver requires (CHECK_VTABLE). */
	const struct VADriverVTable *v = &d->vtable;
	const void *fns[] = {
	    v->vaTerminate,
	    v->vaQueryConfigProfiles,
	    v->vaQueryConfigEntrypoints,
	    v->vaQueryConfigAttributes,
	    v->vaCreateConfig,
	    v->vaDestroyConfig,
	    v->vaGetConfigAttributes,
	    v->vaCreateSurfaces,
	    v->vaDestroySurfaces,
	    v->vaCreateContext,
	    v->vaDestroyContext,
	    v->vaCreateBuffer,
	    v->vaBufferSetNumElements,
	    v->vaMapBuffer,
	    v->vaUnmapBuffer,
	    v->vaDestroyBuffer,
	    v->vaBeginPicture,
	    v->vaRenderPicture,
	    v->vaEndPicture,
	    v->vaSyncSurface,
	    v->vaQuerySurfaceStatus,
	    v->vaPutSurface,
	    v->vaQueryImageFormats,
	    v->vaCreateImage,
	    v->vaDeriveImage,
	    v->vaDestroyImage,
	    v->vaSetImagePalette,
	    v->vaGetImage,
	    v->vaPutImage,
	    v->vaQuerySubpictureFormats,
	    v->vaCreateSubpicture,
	    v->vaDestroySubpicture,
	    v->vaSetSubpictureImage,
	    v->vaSetSubpictureChromakey,
	    v->vaSetSubpictureGlobalAlpha,
	    v->vaAssociateSubpicture,
	    v->vaDeassociateSubpicture,
	    v->vaQueryDisplayAttributes,
	    v->vaGetDisplayAttributes,
	    v->vaSetDisplayAttributes,
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		CHECK(fns[i] != NULL, "vtable entry %zu is NULL", i);
	CHECK(v->vaExportSurfaceHandle != NULL, "no vaExportSurfaceHandle");
	CHECK(v->vaQuerySurfaceAttributes != NULL, "no vaQuerySurfaceAttributes");
	CHECK(v->vaCreateSurfaces2 != NULL, "no vaCreateSurfaces2");
	CHECK(d->ctx.str_vendor && strstr(d->ctx.str_vendor, "v4l2-request"), "vendor '%s'",
	      d->ctx.str_vendor ? d->ctx.str_vendor : "(null)");
	CHECK(d->ctx.max_profiles >= 3 && d->ctx.max_entrypoints >= 1 &&
		  d->ctx.max_attributes >= 1 && d->ctx.max_image_formats >= 1 &&
		  d->ctx.max_subpic_formats >= 1 && d->ctx.max_display_attributes >= 1,
	      "max_* not all positive");
}

static void test_configs(struct drv *d, VAConfigID *config)
{
	VADriverContextP c = &d->ctx;
	const struct VADriverVTable *v = &d->vtable;
	VAProfile profiles[64];
	VAEntrypoint eps[16];
	VAConfigAttrib attr;
	int n = -1;
	VAConfigID id = 0;

	ST(v->vaQueryConfigProfiles(c, profiles, &n), VA_STATUS_SUCCESS);
	CHECK(n == 6, "%d profiles, want 6", n);
	bool seen[6] = {false, false, false, false, false, false};
	for (int i = 0; i < n && i < 64; i++) {
		seen[0] |= profiles[i] == VAProfileH264ConstrainedBaseline;
		seen[1] |= profiles[i] == VAProfileH264Main;
		seen[2] |= profiles[i] == VAProfileH264High;
		seen[3] |= profiles[i] == VAProfileMPEG2Simple;
		seen[4] |= profiles[i] == VAProfileMPEG2Main;
		seen[5] |= profiles[i] == VAProfileVP8Version0_3;
	}
	CHECK(seen[0] && seen[1] && seen[2], "H.264 CB/Main/High not all listed");
	CHECK(seen[3] && seen[4], "MPEG-2 Simple/Main not both listed");
	CHECK(seen[5], "VP8 not listed");

	ST(v->vaQueryConfigEntrypoints(c, VAProfileVC1Main, eps, &n),
	   VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
	ST(v->vaQueryConfigEntrypoints(c, VAProfileH264Main, eps, &n), VA_STATUS_SUCCESS);
	CHECK(n == 1 && eps[0] == VAEntrypointVLD, "entrypoints n=%d", n);

	attr.type = VAConfigAttribRTFormat;
	ST(v->vaGetConfigAttributes(c, VAProfileH264High, VAEntrypointVLD, &attr, 1),
	   VA_STATUS_SUCCESS);
	CHECK(attr.value == VA_RT_FORMAT_YUV420, "RT format %#x", attr.value);
	ST(v->vaGetConfigAttributes(c, VAProfileVP9Profile0, VAEntrypointVLD, &attr, 1),
	   VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
	ST(v->vaGetConfigAttributes(c, VAProfileH264High, VAEntrypointEncSlice, &attr, 1),
	   VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT);

	ST(v->vaCreateConfig(c, VAProfileVC1Main, VAEntrypointVLD, NULL, 0, &id),
	   VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
	ST(v->vaCreateConfig(c, VAProfileNone, VAEntrypointVideoProc, NULL, 0, &id),
	   VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointEncSlice, NULL, 0, &id),
	   VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT);
	attr.value = VA_RT_FORMAT_YUV422;
	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, &attr, 1, &id),
	   VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT);
	attr.value = VA_RT_FORMAT_YUV420;
	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, &attr, 1, &id),
	   VA_STATUS_SUCCESS);
	CHECK(id != 0 && id != VA_INVALID_ID, "config id %#x", id);
	ST(v->vaDestroyConfig(c, id), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, id), VA_STATUS_ERROR_INVALID_CONFIG);
	ST(v->vaDestroyConfig(c, 0), VA_STATUS_ERROR_INVALID_CONFIG);
	ST(v->vaDestroyConfig(c, VA_INVALID_ID), VA_STATUS_ERROR_INVALID_CONFIG);

	ST(v->vaCreateConfig(c, VAProfileH264High, VAEntrypointVLD, NULL, 0, config),
	   VA_STATUS_SUCCESS);
	VAProfile p;
	VAEntrypoint e;
	VAConfigAttrib attrs[8];
	ST(v->vaQueryConfigAttributes(c, *config, &p, &e, attrs, &n), VA_STATUS_SUCCESS);
	CHECK(p == VAProfileH264High && e == VAEntrypointVLD && n == 1 &&
		  attrs[0].type == VAConfigAttribRTFormat && attrs[0].value == VA_RT_FORMAT_YUV420,
	      "config attributes");
	ST(v->vaQueryConfigAttributes(c, *config + 1, &p, &e, attrs, &n),
	   VA_STATUS_ERROR_INVALID_CONFIG);

	/* Surface attributes: the emulated cedrus's limits (docs/design.md). */
	VASurfaceAttrib sa[16];
	unsigned ns = 0;
	ST(v->vaQuerySurfaceAttributes(c, *config, NULL, &ns), VA_STATUS_SUCCESS);
	CHECK(ns > 0 && ns <= 16, "%u surface attributes", ns);
	ST(v->vaQuerySurfaceAttributes(c, *config, sa, &ns), VA_STATUS_SUCCESS);
	int minw = -1, minh = -1, maxw = -1, maxh = -1, fourcc = -1, memtype = -1;
	for (unsigned i = 0; i < ns && i < 16; i++) {
		switch (sa[i].type) {
		case VASurfaceAttribMinWidth:
			minw = sa[i].value.value.i;
			break;
		case VASurfaceAttribMinHeight:
			minh = sa[i].value.value.i;
			break;
		case VASurfaceAttribMaxWidth:
			maxw = sa[i].value.value.i;
			break;
		case VASurfaceAttribMaxHeight:
			maxh = sa[i].value.value.i;
			break;
		case VASurfaceAttribPixelFormat:
			fourcc = sa[i].value.value.i;
			break;
		case VASurfaceAttribMemoryType:
			memtype = sa[i].value.value.i;
			break;
		default:
			break;
		}
	}
	CHECK(minw == 16 && minh == 16 && maxw == 4096 && maxh == 2304,
	      "limits %dx%d..%dx%d, want 16x16..4096x2304", minw, minh, maxw, maxh);
	CHECK(fourcc == (int)VA_FOURCC_NV12, "pixel format %#x", fourcc);
	CHECK(memtype == VA_SURFACE_ATTRIB_MEM_TYPE_VA, "memory types %#x (no import)", memtype);
	ST(v->vaQuerySurfaceAttributes(c, VA_INVALID_ID, sa, &ns), VA_STATUS_ERROR_INVALID_CONFIG);
}

static void test_surfaces_context(struct drv *d, VAConfigID config)
{
	VADriverContextP c = &d->ctx;
	const struct VADriverVTable *v = &d->vtable;
	VASurfaceID s[4], bad = 0x7fffffff;
	VAContextID ctx = 0, ctx2 = 0;
	VABufferID buf = 0, buf2 = 0;
	VASurfaceStatus status;

	ST(v->vaCreateSurfaces(c, 176, 144, VA_RT_FORMAT_YUV422, 4, s),
	   VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT);
	ST(v->vaCreateSurfaces(c, 0, 144, VA_RT_FORMAT_YUV420, 4, s),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateSurfaces(c, 176, 144, VA_RT_FORMAT_YUV420, 0, s),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	VASurfaceAttrib mem = {.type = VASurfaceAttribMemoryType,
			       .flags = VA_SURFACE_ATTRIB_SETTABLE,
			       .value = {.type = VAGenericValueTypeInteger,
					 .value = {.i = VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2}}};
	ST(v->vaCreateSurfaces2(c, VA_RT_FORMAT_YUV420, 176, 144, s, 1, &mem, 1),
	   VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE);
	/* Surfaces before the context, as ffmpeg does. */
	ST(v->vaCreateSurfaces(c, 176, 144, VA_RT_FORMAT_YUV420, 4, s), VA_STATUS_SUCCESS);
	for (int i = 0; i < 4; i++)
		CHECK(s[i] != 0 && s[i] != VA_INVALID_SURFACE, "surface id %#x", s[i]);
	ST(v->vaQuerySurfaceStatus(c, s[0], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceReady, "status %d", status);
	ST(v->vaQuerySurfaceStatus(c, bad, &status), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaSyncSurface(c, bad), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);

	ST(v->vaCreateContext(c, config + 7, 176, 144, VA_PROGRESSIVE, s, 4, &ctx),
	   VA_STATUS_ERROR_INVALID_CONFIG);
	VASurfaceID with_bad[2] = {s[0], bad};
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, with_bad, 2, &ctx),
	   VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaCreateContext(c, config, 8192, 8192, VA_PROGRESSIVE, s, 4, &ctx),
	   VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED);
	/* Below the device's minimum (hantro-g1, rkvdec 48x48; cedrus 16x16), as
	 * VIDIOC_ENUM_FRAMESIZES and vaQuerySurfaceAttributes give it. */
	ST(v->vaCreateContext(c, config, 8, 8, VA_PROGRESSIVE, s, 4, &ctx),
	   VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED);
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, s, 4, &ctx), VA_STATUS_SUCCESS);
	CHECK(ctx != 0 && ctx != VA_INVALID_ID, "context id %#x", ctx);

	/* Buffers */
	ST(v->vaCreateBuffer(c, ctx + 1, VAPictureParameterBufferType, 16, 1, NULL, &buf),
	   VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaCreateBuffer(c, ctx, VAEncCodedBufferType, 16, 1, NULL, &buf),
	   VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 0, 1, NULL, &buf),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 0x10000, 0x10000, NULL, &buf),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	unsigned char payload[64];
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)i;
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 16, 4, payload, &buf),
	   VA_STATUS_SUCCESS);
	void *p = NULL;
	ST(v->vaMapBuffer(c, buf, &p), VA_STATUS_SUCCESS);
	CHECK(p && memcmp(p, payload, 64) == 0, "buffer content not copied");
	ST(v->vaUnmapBuffer(c, buf), VA_STATUS_SUCCESS);
	ST(v->vaMapBuffer(c, buf + 1000, &p), VA_STATUS_ERROR_INVALID_BUFFER);
	VABufferType type;
	unsigned size, num;
	ST(v->vaBufferInfo(c, buf, &type, &size, &num), VA_STATUS_SUCCESS);
	CHECK(type == VASliceDataBufferType && size == 16 && num == 4, "buffer info");
	ST(v->vaBufferSetNumElements(c, buf, 5), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaBufferSetNumElements(c, buf, 2), VA_STATUS_SUCCESS);
	ST(v->vaBufferSetNumElements(c, ctx, 2), VA_STATUS_ERROR_INVALID_BUFFER);

	/* Pictures */
	ST(v->vaBeginPicture(c, ctx + 1, s[0]), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaBeginPicture(c, ctx, bad), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
	ST(v->vaQuerySurfaceStatus(c, s[0], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceRendering, "status %d during a picture", status);
	VABufferID wrong = s[1];
	ST(v->vaRenderPicture(c, ctx, &wrong, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaCreateBuffer(c, ctx, VAProbabilityBufferType, 16, 1, NULL, &buf2),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &buf2, 1), VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
	VAPictureParameterBufferH264 pic;
	memset(&pic, 0, sizeof(pic));
	VABufferID picbuf = 0;
	ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(pic) - 4, 1, &pic,
			     &picbuf),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &picbuf, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, picbuf), VA_STATUS_SUCCESS);
	/* Slice data without slice parameters. */
	ST(v->vaRenderPicture(c, ctx, &buf, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	/* No picture parameters: nothing to decode. */
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_OPERATION_FAILED); /* no picture begun */
	ST(v->vaEndPicture(c, ctx + 1), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaQuerySurfaceStatus(c, s[0], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceReady, "status %d after the picture", status);

	/* Images */
	VAImageFormat fmts[8];
	int nf = 0;
	ST(v->vaQueryImageFormats(c, fmts, &nf), VA_STATUS_SUCCESS);
	CHECK(nf == 1 && fmts[0].fourcc == VA_FOURCC_NV12, "%d image formats", nf);
	VAImage img;
	VAImageFormat yv12 = {
	    .fourcc = VA_FOURCC_YV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	ST(v->vaCreateImage(c, &yv12, 176, 144, &img), VA_STATUS_ERROR_INVALID_IMAGE_FORMAT);
	ST(v->vaCreateImage(c, &fmts[0], 0, 144, &img), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateImage(c, &fmts[0], 176, 144, &img), VA_STATUS_SUCCESS);
	CHECK(img.image_id != VA_INVALID_ID && img.buf != VA_INVALID_ID && img.num_planes == 2 &&
		  img.pitches[0] >= 176 && img.offsets[1] >= img.pitches[0] * 144 &&
		  img.data_size >= img.offsets[1] + img.pitches[1] * 72,
	      "image layout");
	ST(v->vaGetImage(c, bad, 0, 0, 176, 144, img.image_id), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaGetImage(c, s[0], 0, 0, 176, 144, img.image_id + 1), VA_STATUS_ERROR_INVALID_IMAGE);
	ST(v->vaGetImage(c, s[0], 2, 0, 176, 144, img.image_id), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaGetImage(c, s[0], -2, 0, 16, 16, img.image_id), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaGetImage(c, s[0], 0, 0, 176, 146, img.image_id), VA_STATUS_ERROR_INVALID_PARAMETER);
	/* Nothing decoded into it yet. */
	ST(v->vaGetImage(c, s[1], 0, 0, 176, 144, img.image_id), VA_STATUS_ERROR_OPERATION_FAILED);
	VAImage derived;
	ST(v->vaDeriveImage(c, bad, &derived), VA_STATUS_ERROR_INVALID_SURFACE);
	/* cedrus's default layout is tiled: clients must fall back to vaGetImage. */
	ST(v->vaDeriveImage(c, s[1], &derived), VA_STATUS_ERROR_OPERATION_FAILED);
	ST(v->vaPutImage(c, s[0], img.image_id, 0, 0, 16, 16, 0, 0, 16, 16),
	   VA_STATUS_ERROR_UNIMPLEMENTED);
	ST(v->vaDestroyBuffer(c, img.buf), VA_STATUS_ERROR_INVALID_BUFFER); /* owned by the image */
	ST(v->vaDestroyImage(c, img.image_id), VA_STATUS_SUCCESS);
	ST(v->vaDestroyImage(c, img.image_id), VA_STATUS_ERROR_INVALID_IMAGE);

	/* Subpictures and display attributes do not apply. */
	VASubpictureID sub;
	ST(v->vaCreateSubpicture(c, 1, &sub), VA_STATUS_ERROR_UNIMPLEMENTED);
	VADisplayAttribute da = {.type = VADisplayAttribBrightness};
	ST(v->vaGetDisplayAttributes(c, &da, 1), VA_STATUS_ERROR_UNIMPLEMENTED);

	/* Export before anything was decoded: cedrus NV12_32L32 176x144. */
	VADRMPRIMESurfaceDescriptor desc;
	ST(v->vaExportSurfaceHandle(c, s[2], VA_SURFACE_ATTRIB_MEM_TYPE_VA,
				    VA_EXPORT_SURFACE_SEPARATE_LAYERS, &desc),
	   VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE);
	ST(v->vaExportSurfaceHandle(c, bad, VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
				    VA_EXPORT_SURFACE_SEPARATE_LAYERS, &desc),
	   VA_STATUS_ERROR_INVALID_SURFACE);
	memset(&desc, 0xff, sizeof(desc));
	ST(v->vaExportSurfaceHandle(c, s[2], VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
				    VA_EXPORT_SURFACE_SEPARATE_LAYERS | VA_EXPORT_SURFACE_READ_ONLY,
				    &desc),
	   VA_STATUS_SUCCESS);
	/* bpl = ALIGN(176, 32) = 192; CbCr at 192 * ALIGN(144, 32) = 30720;
	 * size = 192 * (160 + ALIGN(72, 32)) = 49152 */
	CHECK(desc.fourcc == VA_FOURCC_NV12 && desc.width == 176 && desc.height == 144,
	      "desc %#x %ux%u", desc.fourcc, desc.width, desc.height);
	CHECK(desc.num_objects == 1 && desc.objects[0].fd >= 0 && desc.objects[0].size >= 49152 &&
		  desc.objects[0].drm_format_modifier == DRM_FORMAT_MOD_ALLWINNER_TILED,
	      "object fd %d size %u modifier %#llx", desc.objects[0].fd, desc.objects[0].size,
	      (unsigned long long)desc.objects[0].drm_format_modifier);
	CHECK(desc.num_layers == 2 && desc.layers[0].drm_format == DRM_FORMAT_R8 &&
		  desc.layers[0].num_planes == 1 && desc.layers[0].offset[0] == 0 &&
		  desc.layers[0].pitch[0] == 192 && desc.layers[1].drm_format == DRM_FORMAT_GR88 &&
		  desc.layers[1].offset[0] == 30720 && desc.layers[1].pitch[0] == 192,
	      "layers %u: %#x off %u pitch %u / %#x off %u pitch %u", desc.num_layers,
	      desc.layers[0].drm_format, desc.layers[0].offset[0], desc.layers[0].pitch[0],
	      desc.layers[1].drm_format, desc.layers[1].offset[0], desc.layers[1].pitch[0]);
	if (desc.objects[0].fd >= 0) {
		void *m =
		    mmap(NULL, desc.objects[0].size, PROT_READ, MAP_SHARED, desc.objects[0].fd, 0);
		CHECK(m != MAP_FAILED, "exported fd cannot be mapped");
		if (m != MAP_FAILED)
			munmap(m, desc.objects[0].size);
		close(desc.objects[0].fd);
	}
	ST(v->vaExportSurfaceHandle(c, s[2], VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
				    VA_EXPORT_SURFACE_COMPOSED_LAYERS, &desc),
	   VA_STATUS_SUCCESS);
	CHECK(desc.num_layers == 1 && desc.layers[0].drm_format == DRM_FORMAT_NV12 &&
		  desc.layers[0].num_planes == 2 && desc.layers[0].offset[1] == 30720 &&
		  desc.layers[0].pitch[0] == 192 && desc.layers[0].pitch[1] == 192,
	      "composed layer");
	if (desc.num_objects == 1)
		close(desc.objects[0].fd);

	/* A second context on a multi-instance device works alongside. */
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, NULL, 0, &ctx2),
	   VA_STATUS_SUCCESS);
	CHECK(ctx2 != ctx, "same context id twice");
	ST(v->vaDestroyContext(c, ctx2), VA_STATUS_SUCCESS);

	/* Surfaces outlive the context; buffers of a dead context are still destroyable. */
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_ERROR_INVALID_CONTEXT);
	/* s[0]'s picture failed in vaEndPicture: it holds no picture. */
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_ERROR_DECODING_ERROR);
	ST(v->vaSyncSurface(c, s[1]), VA_STATUS_SUCCESS);
	ST(v->vaQuerySurfaceStatus(c, s[2], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceReady, "status %d", status);
	ST(v->vaExportSurfaceHandle(c, s[2], VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
				    VA_EXPORT_SURFACE_SEPARATE_LAYERS, &desc),
	   VA_STATUS_ERROR_OPERATION_FAILED);
	ST(v->vaDestroyBuffer(c, buf), VA_STATUS_SUCCESS);
	ST(v->vaDestroyBuffer(c, buf2), VA_STATUS_SUCCESS);
	ST(v->vaDestroyBuffer(c, buf), VA_STATUS_ERROR_INVALID_BUFFER);
	VASurfaceID dup[2] = {s[0], bad};
	ST(v->vaDestroySurfaces(c, dup, 2), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaDestroySurfaces(c, s, 4), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_ERROR_INVALID_SURFACE);

	/* A context again, with surfaces created after it was destroyed: IDs are fresh. */
	ST(v->vaCreateSurfaces(c, 176, 144, VA_RT_FORMAT_YUV420, 2, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, s, 2, &ctx), VA_STATUS_SUCCESS);
	/* Destroying surfaces before their context is allowed too. */
	ST(v->vaDestroySurfaces(c, s, 2), VA_STATUS_SUCCESS);
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
}

static void test_single(struct drv *d)
{
	VADriverContextP c = &d->ctx;
	const struct VADriverVTable *v = &d->vtable;
	VAConfigID config;
	VASurfaceID s[2];
	VAContextID a = 0, b = 0;

	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &config),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateSurfaces(c, 176, 144, VA_RT_FORMAT_YUV420, 2, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, s, 1, &a), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, s + 1, 1, &b),
	   VA_STATUS_ERROR_HW_BUSY);
	ST(v->vaDestroyContext(c, a), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, s + 1, 1, &b),
	   VA_STATUS_SUCCESS);
	ST(v->vaDestroyContext(c, b), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 2), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, config), VA_STATUS_SUCCESS);
}

/* Layouts: linear NV12 exports with the LINEAR modifier and derives directly; hantro/rkvdec 4x4
 * tiles have no DRM modifier and are neither exported nor derived (clients use vaGetImage). */
static void test_layout(struct drv *d, bool linear)
{
	VADriverContextP c = &d->ctx;
	const struct VADriverVTable *v = &d->vtable;
	VAConfigID config;
	VASurfaceID s[2];
	VAContextID ctx;
	VADRMPRIMESurfaceDescriptor desc;
	VAImage img;

	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &config),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateSurfaces(c, 176, 144, VA_RT_FORMAT_YUV420, 2, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, config, 176, 144, VA_PROGRESSIVE, s, 2, &ctx), VA_STATUS_SUCCESS);
	memset(&desc, 0, sizeof(desc));
	if (linear) {
		ST(v->vaExportSurfaceHandle(c, s[0], VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
					    VA_EXPORT_SURFACE_COMPOSED_LAYERS, &desc),
		   VA_STATUS_SUCCESS);
		/* bpl = ALIGN(176, 16) = 176, CbCr at 176 * 144 = 25344, size 38016 */
		CHECK(desc.num_objects == 1 && desc.objects[0].size >= 38016 &&
			  desc.objects[0].drm_format_modifier == DRM_FORMAT_MOD_LINEAR &&
			  desc.num_layers == 1 && desc.layers[0].num_planes == 2 &&
			  desc.layers[0].pitch[0] == 176 && desc.layers[0].offset[1] == 25344,
		      "linear descriptor: size %u modifier %#llx pitch %u offset %u",
		      desc.objects[0].size, (unsigned long long)desc.objects[0].drm_format_modifier,
		      desc.layers[0].pitch[0], desc.layers[0].offset[1]);
		if (desc.num_objects == 1)
			close(desc.objects[0].fd);
		ST(v->vaDeriveImage(c, s[0], &img), VA_STATUS_SUCCESS);
		CHECK(img.format.fourcc == VA_FOURCC_NV12 && img.width == 176 &&
			  img.height == 144 && img.pitches[0] == 176 && img.offsets[1] == 25344,
		      "derived image %ux%u pitch %u offset %u", img.width, img.height,
		      img.pitches[0], img.offsets[1]);
		void *p = NULL;
		ST(v->vaMapBuffer(c, img.buf, &p), VA_STATUS_SUCCESS);
		CHECK(p != NULL, "derived image not mapped");
		ST(v->vaUnmapBuffer(c, img.buf), VA_STATUS_SUCCESS);
		ST(v->vaDestroyImage(c, img.image_id), VA_STATUS_SUCCESS);
	} else {
		ST(v->vaExportSurfaceHandle(c, s[0], VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
					    VA_EXPORT_SURFACE_SEPARATE_LAYERS, &desc),
		   VA_STATUS_ERROR_OPERATION_FAILED);
		ST(v->vaDeriveImage(c, s[0], &img), VA_STATUS_ERROR_OPERATION_FAILED);
	}
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 2), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, config), VA_STATUS_SUCCESS);
}

static void test_override(struct drv *d, const char *path)
{
	VADriverContextP c = &d->ctx;
	const struct VADriverVTable *v = &d->vtable;
	VAConfigID config;
	VASurfaceAttrib sa[16];
	unsigned ns = 16;
	int maxw = -1;

	/* hantro-g1 is found first; the override names cedrus (4096 wide, hantro 1920). */
	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &config),
	   VA_STATUS_SUCCESS);
	ST(v->vaQuerySurfaceAttributes(c, config, sa, &ns), VA_STATUS_SUCCESS);
	for (unsigned i = 0; i < ns && i < 16; i++)
		if (sa[i].type == VASurfaceAttribMaxWidth)
			maxw = sa[i].value.value.i;
	CHECK(maxw == 4096, "max width %d: the override was not used", maxw);
	ST(v->vaDestroyConfig(c, config), VA_STATUS_SUCCESS);
	drv_close(d);

	struct drv d2;
	const char *media = getenv("LIBVA_V4L2_REQUEST_MEDIA_PATH");
	char *saved = media ? strdup(media) : NULL;
	unsetenv("LIBVA_V4L2_REQUEST_MEDIA_PATH");
	drv_open(&d2, path);
	CHECK(d2.init_status != VA_STATUS_SUCCESS, "initialised with only the video path override");
	errors_reported = 0; /* that failure is reported through the error callback, rightly */
	dlclose(d2.handle);
	if (saved)
		setenv("LIBVA_V4L2_REQUEST_MEDIA_PATH", saved, 1);
	free(saved);
	drv_open(d, path); /* for the common drv_close() */
	CHECK(d->init_status == VA_STATUS_SUCCESS, "init with both overrides again");
}

int main(int argc, char **argv)
{
	struct drv d;

	if (argc != 3) {
		fprintf(stderr,
			"usage: %s DRIVER.so api|nodevice|single|linear|tiled4l4|override\n",
			argv[0]);
		return 2;
	}
	/* A missing emulator is a failure, not a skip. */
	const char *emu = getenv("V4L2R_EMU_PRELOAD");
	if (!emu || access(emu, R_OK) != 0) {
		fprintf(stderr, "emulator library missing: %s\n",
			emu ? emu : "(V4L2R_EMU_PRELOAD unset)");
		return 1;
	}
	drv_open(&d, argv[1]);
	if (strcmp(argv[2], "nodevice") == 0) {
		CHECK(d.init_status != VA_STATUS_SUCCESS, "initialised without any decoder");
		CHECK(d.ctx.pDriverData == NULL, "driver data left behind");
	} else {
		CHECK(d.init_status == VA_STATUS_SUCCESS, "init: %s", vaErrorStr(d.init_status));
		if (d.init_status != VA_STATUS_SUCCESS) {
			fprintf(stderr, "%d checks, %d failed\n", checks, failures);
			return 1;
		}
		check_vtable(&d);
		if (strcmp(argv[2], "single") == 0) {
			test_single(&d);
		} else if (strcmp(argv[2], "override") == 0) {
			test_override(&d, argv[1]);
		} else if (strcmp(argv[2], "linear") == 0 || strcmp(argv[2], "tiled4l4") == 0) {
			test_layout(&d, strcmp(argv[2], "linear") == 0);
		} else {
			VAConfigID config = 0;

			test_configs(&d, &config);
			test_surfaces_context(&d, config);
			ST(d.vtable.vaDestroyConfig(&d.ctx, config), VA_STATUS_SUCCESS);
		}
	}
	drv_close(&d);
	CHECK(errors_reported == 0, "%d errors reported through libva's callback", errors_reported);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
