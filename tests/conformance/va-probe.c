/* SPDX-License-Identifier: MIT */
/*
 * Configuration-time probe of a VA driver, as a client sets up a decoder: vaCreateConfig with
 * the stream's profile and render-target format, vaCreateSurfaces and vaCreateContext at the
 * stream's coded size. Prints the first call that fails and its VA status, or "ok".
 *
 *   va-probe PROFILE RTFORMAT WIDTH HEIGHT
 *     PROFILE   cb (Constrained Baseline), main, high
 *     RTFORMAT  yuv420, yuv422, yuv444, yuv420_10
 *
 * The display comes from libavutil's VA-API device (DISPLAY or a DRM node), as ffmpeg opens it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <va/va.h>

static const char *status_name(VAStatus st)
{
	switch (st) {
	case VA_STATUS_SUCCESS:
		return "VA_STATUS_SUCCESS";
	case VA_STATUS_ERROR_UNSUPPORTED_PROFILE:
		return "VA_STATUS_ERROR_UNSUPPORTED_PROFILE";
	case VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT:
		return "VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT";
	case VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT:
		return "VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT";
	case VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED:
		return "VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED";
	case VA_STATUS_ERROR_INVALID_PARAMETER:
		return "VA_STATUS_ERROR_INVALID_PARAMETER";
	case VA_STATUS_ERROR_ALLOCATION_FAILED:
		return "VA_STATUS_ERROR_ALLOCATION_FAILED";
	default:
		return "VA_STATUS_ERROR_(other)";
	}
}

static int report(const char *call, VAStatus st)
{
	printf("%s %s (0x%x)\n", call, status_name(st), (unsigned)st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		VAProfile profile;
	} profiles[] = {
	    {"cb", VAProfileH264ConstrainedBaseline},
	    {"main", VAProfileH264Main},
	    {"high", VAProfileH264High},
	};
	static const struct {
		const char *name;
		unsigned rt;
	} formats[] = {
	    {"yuv420", VA_RT_FORMAT_YUV420},
	    {"yuv422", VA_RT_FORMAT_YUV422},
	    {"yuv444", VA_RT_FORMAT_YUV444},
	    {"yuv420_10", VA_RT_FORMAT_YUV420_10},
	};
	VAProfile profile = VAProfileNone;
	unsigned rt = 0;
	AVBufferRef *dev = NULL;
	VADisplay dpy;
	VAConfigAttrib attr = {.type = VAConfigAttribRTFormat};
	VAConfigID cfg;
	VASurfaceID surface;
	VAContextID ctx;
	VAStatus st;
	long w, h;
	char *end;

	if (argc != 5) {
		fprintf(stderr, "usage: va-probe PROFILE RTFORMAT WIDTH HEIGHT\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(argv[1], profiles[i].name))
			profile = profiles[i].profile;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(argv[2], formats[i].name))
			rt = formats[i].rt;
	w = strtol(argv[3], &end, 10);
	if (*end || w <= 0 || w > 65536)
		w = 0;
	h = strtol(argv[4], &end, 10);
	if (*end || h <= 0 || h > 65536)
		h = 0;
	if (profile == VAProfileNone || !rt || !w || !h) {
		fprintf(stderr, "va-probe: bad arguments\n");
		return 2;
	}
	if (av_hwdevice_ctx_create(&dev, AV_HWDEVICE_TYPE_VAAPI, getenv("DISPLAY"), NULL, 0) < 0) {
		fprintf(stderr, "va-probe: no VA-API device\n");
		return 1;
	}
	dpy = ((AVVAAPIDeviceContext *)((AVHWDeviceContext *)dev->data)->hwctx)->display;

	attr.value = rt;
	st = vaCreateConfig(dpy, profile, VAEntrypointVLD, &attr, 1, &cfg);
	if (st != VA_STATUS_SUCCESS)
		return report("vaCreateConfig", st) + (av_buffer_unref(&dev), 0);
	st = vaCreateSurfaces(dpy, rt, (unsigned)w, (unsigned)h, &surface, 1, NULL, 0);
	if (st != VA_STATUS_SUCCESS) {
		report("vaCreateSurfaces", st);
		vaDestroyConfig(dpy, cfg);
		av_buffer_unref(&dev);
		return 0;
	}
	st = vaCreateContext(dpy, cfg, (int)w, (int)h, VA_PROGRESSIVE, &surface, 1, &ctx);
	if (st != VA_STATUS_SUCCESS)
		report("vaCreateContext", st);
	else
		printf("ok\n");
	if (st == VA_STATUS_SUCCESS)
		vaDestroyContext(dpy, ctx);
	vaDestroySurfaces(dpy, &surface, 1);
	vaDestroyConfig(dpy, cfg);
	av_buffer_unref(&dev);
	return 0;
}
