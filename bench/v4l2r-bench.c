/* SPDX-License-Identifier: MIT */
/*
 * VA client benchmarks of the driver (run by bench/run on the emulated device). Each mode prints
 * one JSON line on stdout; errors go to stderr with a non-zero exit.
 *
 *   v4l2r-bench decode CLIP SKIP [sync]
 *                                     decode with libavcodec's VA hwaccel, no display; without
 *                                     `sync` no per-frame vaSyncSurface (as `ffmpeg -f null`),
 *                                     with it each frame is synced as it comes out (a client that
 *                                     reads every frame at once); steady-state fps over the frames
 *                                     after the first SKIP, peak RSS
 *   v4l2r-bench image CLIP ITER       on the last decoded surface: vaGetImage and
 *                                     vaDeriveImage + vaMapBuffer + reading the bytes, against
 *                                     memcpy of the same bytes (best of ITER runs of each,
 *                                     the three alternating)
 *   v4l2r-bench startup ITER          vaInitialize + vaQueryConfigProfiles (median of ITER), on
 *                                     the X11 display named by DISPLAY
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <X11/Xlib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <va/va.h>
#include <va/va_x11.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double best(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static enum AVPixelFormat pick_vaapi(AVCodecContext *avctx, const enum AVPixelFormat *fmts)
{
	for (; *fmts != AV_PIX_FMT_NONE; fmts++)
		if (*fmts == AV_PIX_FMT_VAAPI)
			return *fmts;
	fprintf(stderr, "v4l2r-bench: VA-API hwaccel not offered\n");
	return AV_PIX_FMT_NONE;
}

struct dec {
	AVFormatContext *fmt;
	AVCodecContext *avctx;
	AVBufferRef *dev;
	VADisplay dpy;
	int stream;
	bool sync_each; /* vaSyncSurface on each frame as it comes out (a client that reads it) */
};

static int dec_open(struct dec *d, const char *path)
{
	const AVCodec *codec = NULL;

	memset(d, 0, sizeof(*d));
	if (avformat_open_input(&d->fmt, path, NULL, NULL) < 0 ||
	    avformat_find_stream_info(d->fmt, NULL) < 0) {
		fprintf(stderr, "v4l2r-bench: cannot read %s\n", path);
		return -1;
	}
	d->stream = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (d->stream < 0 || !codec)
		return -1;
	if (av_hwdevice_ctx_create(&d->dev, AV_HWDEVICE_TYPE_VAAPI, getenv("DISPLAY"), NULL, 0) <
	    0) {
		fprintf(stderr, "v4l2r-bench: no VA-API device\n");
		return -1;
	}
	d->dpy = ((AVVAAPIDeviceContext *)((AVHWDeviceContext *)d->dev->data)->hwctx)->display;
	d->avctx = avcodec_alloc_context3(codec);
	if (!d->avctx ||
	    avcodec_parameters_to_context(d->avctx, d->fmt->streams[d->stream]->codecpar) < 0)
		return -1;
	d->avctx->hw_device_ctx = av_buffer_ref(d->dev);
	d->avctx->get_format = pick_vaapi;
	d->avctx->thread_count = 1;
	if (avcodec_open2(d->avctx, codec, NULL) < 0)
		return -1;
	return 0;
}

static void dec_close(struct dec *d)
{
	avcodec_free_context(&d->avctx);
	av_buffer_unref(&d->dev);
	avformat_close_input(&d->fmt);
}

/*
 * Decode the whole clip. Keeps the last frame in *last (if given). t_skip: time when frame
 * `skip` came out; returns the number of frames, -1 on error.
 */
static int dec_run(struct dec *d, int skip, double *t_skip, double *t_end, AVFrame **last)
{
	AVPacket *pkt = av_packet_alloc();
	AVFrame *frame = av_frame_alloc(), *keep = av_frame_alloc();
	int n = 0, ret = 0;
	bool eof = false;

	if (!pkt || !frame || !keep)
		return -1;
	*t_skip = now_s();
	while (ret >= 0) {
		if (!eof) {
			ret = av_read_frame(d->fmt, pkt);
			if (ret < 0) {
				eof = true;
				ret = avcodec_send_packet(d->avctx, NULL);
			} else {
				if (pkt->stream_index == d->stream)
					ret = avcodec_send_packet(d->avctx, pkt);
				av_packet_unref(pkt);
			}
			if (ret < 0) {
				fprintf(stderr, "v4l2r-bench: send_packet failed\n");
				break;
			}
		}
		for (;;) {
			ret = avcodec_receive_frame(d->avctx, frame);
			if (ret == AVERROR(EAGAIN)) {
				ret = 0;
				break;
			}
			if (ret == AVERROR_EOF)
				goto done;
			if (ret < 0) {
				fprintf(stderr, "v4l2r-bench: decoding failed\n");
				goto done;
			}
			if (d->sync_each &&
			    vaSyncSurface(d->dpy, (VASurfaceID)(uintptr_t)frame->data[3]) !=
				VA_STATUS_SUCCESS) {
				fprintf(stderr, "v4l2r-bench: vaSyncSurface failed\n");
				ret = -1;
				goto done;
			}
			if (++n == skip)
				*t_skip = now_s();
			av_frame_unref(keep);
			av_frame_move_ref(keep, frame);
		}
	}
done:
	if (ret != AVERROR_EOF)
		n = -1;
	/* The last picture is complete when its surface is. */
	if (n > 0 &&
	    vaSyncSurface(d->dpy, (VASurfaceID)(uintptr_t)keep->data[3]) != VA_STATUS_SUCCESS)
		n = -1;
	*t_end = now_s();
	if (last)
		*last = keep;
	else
		av_frame_free(&keep);
	av_frame_free(&frame);
	av_packet_free(&pkt);
	return n;
}

static int mode_decode(const char *clip, int skip, bool sync_each)
{
	struct dec d;
	double t0, t1;

	if (dec_open(&d, clip) < 0)
		return 1;
	d.sync_each = sync_each;
	int n = dec_run(&d, skip, &t0, &t1, NULL);
	if (n <= skip) {
		fprintf(stderr, "v4l2r-bench: %d frames decoded, need more than %d\n", n, skip);
		return 1;
	}
	printf("{\"frames\":%d,\"timed_frames\":%d,\"seconds\":%.6f,\"fps\":%.3f,\"rss_kb\":%ld}\n",
	       n, n - skip, t1 - t0, (n - skip) / (t1 - t0), rss_kb());
	dec_close(&d);
	return 0;
}

/* vaGetImage of the whole picture into `img`: seconds, -1 on failure. */
static double one_getimage(VADisplay dpy, VASurfaceID surf, int w, int h, VAImageID img)
{
	double t0 = now_s();

	if (vaGetImage(dpy, surf, 0, 0, (unsigned)w, (unsigned)h, img) != VA_STATUS_SUCCESS) {
		fprintf(stderr, "v4l2r-bench: vaGetImage failed\n");
		return -1;
	}
	return now_s() - t0;
}

/*
 * vaDeriveImage + vaMapBuffer + copying the visible picture out of the mapping (a client reads
 * what it maps) + unmap + destroy: seconds, 0 when the driver refuses to derive (tiled), -1 on
 * failure.
 */
static double one_derive(VADisplay dpy, VASurfaceID surf, int w, int h, uint8_t *dst)
{
	double t0 = now_s();
	VAImage img;
	void *p;

	VAStatus st = vaDeriveImage(dpy, surf, &img);
	if (st == VA_STATUS_ERROR_OPERATION_FAILED)
		return 0;
	if (st != VA_STATUS_SUCCESS || vaMapBuffer(dpy, img.buf, &p) != VA_STATUS_SUCCESS) {
		fprintf(stderr, "v4l2r-bench: vaDeriveImage/vaMapBuffer failed\n");
		return -1;
	}
	for (int y = 0; y < h; y++)
		memcpy(dst + (size_t)y * w,
		       (uint8_t *)p + img.offsets[0] + (size_t)y * img.pitches[0], (size_t)w);
	for (int y = 0; y < (h + 1) / 2; y++)
		memcpy(dst + (size_t)w * h + (size_t)y * w,
		       (uint8_t *)p + img.offsets[1] + (size_t)y * img.pitches[1], (size_t)w);
	vaUnmapBuffer(dpy, img.buf);
	vaDestroyImage(dpy, img.image_id);
	return now_s() - t0;
}

static double one_memcpy(uint8_t *dst, const uint8_t *src, size_t n)
{
	double t0 = now_s();

	memcpy(dst, src, n);
	__asm__ volatile("" : : "r"(dst) : "memory");
	return now_s() - t0;
}

static int mode_image(const char *clip, int iter)
{
	VAImageFormat f = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	struct dec d;
	double t0, t1;
	AVFrame *last = NULL;
	VAImage img;

	if (dec_open(&d, clip) < 0)
		return 1;
	if (dec_run(&d, 0, &t0, &t1, &last) <= 0)
		return 1;
	VASurfaceID surf = (VASurfaceID)(uintptr_t)last->data[3];
	int w = last->width, h = last->height;
	size_t bytes = (size_t)w * h + (size_t)w * ((h + 1) / 2);
	uint8_t *a = malloc(bytes), *b = malloc(bytes);
	double *t = calloc(3 * (size_t)iter, sizeof(*t));

	if (!a || !b || !t || vaCreateImage(d.dpy, &f, w, h, &img) != VA_STATUS_SUCCESS)
		return 1;
	memset(a, 1, bytes);
	memset(b, 2, bytes);
	/* The three alternate, so that load from elsewhere on the machine hits them alike; the
	 * first round warms the buffers up. */
	bool derive = true;
	for (int i = 0; i <= iter; i++) {
		double mc = one_memcpy(b, a, bytes);
		double gi = one_getimage(d.dpy, surf, w, h, img.image_id);
		double dr = derive ? one_derive(d.dpy, surf, w, h, b) : 0;

		if (gi < 0 || dr < 0)
			return 1;
		derive = dr > 0;
		if (i) {
			t[i - 1] = mc;
			t[iter + i - 1] = gi;
			t[2 * iter + i - 1] = dr;
		}
	}
	/* Best of ITER: what the code achieves when nothing else on the machine interferes (the
	 * medians swing with the load of other processes on a shared machine). */
	double mc = best(t, iter), gi = best(t + iter, iter);
	double dr = derive ? best(t + 2 * iter, iter) : 0;
	printf(
	    "{\"width\":%d,\"height\":%d,\"bytes\":%zu,\"memcpy_gbs\":%.3f,\"getimage_gbs\":%.3f,"
	    "\"derive_gbs\":%.3f}\n",
	    w, h, bytes, bytes / mc * 1e-9, bytes / gi * 1e-9, dr > 0 ? bytes / dr * 1e-9 : 0.0);
	vaDestroyImage(d.dpy, img.image_id);
	free(t);
	free(a);
	free(b);
	av_frame_free(&last);
	dec_close(&d);
	return 0;
}

static int mode_startup(int iter)
{
	Display *x = XOpenDisplay(NULL);
	double *t = calloc((size_t)iter, sizeof(*t));
	int nprof = 0;

	if (!x || !t) {
		fprintf(stderr, "v4l2r-bench: no X display\n");
		return 1;
	}
	for (int i = 0; i < iter; i++) {
		VADisplay dpy = vaGetDisplay(x);
		int maj, min, max;
		VAProfile *p;

		vaSetInfoCallback(dpy, NULL, NULL);
		double t0 = now_s();
		if (vaInitialize(dpy, &maj, &min) != VA_STATUS_SUCCESS) {
			fprintf(stderr, "v4l2r-bench: vaInitialize failed\n");
			return 1;
		}
		max = vaMaxNumProfiles(dpy);
		p = calloc((size_t)(max > 0 ? max : 1), sizeof(*p));
		if (!p || vaQueryConfigProfiles(dpy, p, &nprof) != VA_STATUS_SUCCESS) {
			fprintf(stderr, "v4l2r-bench: vaQueryConfigProfiles failed\n");
			return 1;
		}
		t[i] = now_s() - t0;
		free(p);
		vaTerminate(dpy);
	}
	printf("{\"iterations\":%d,\"median_us\":%.1f,\"profiles\":%d}\n", iter,
	       median(t, iter) * 1e6, nprof);
	free(t);
	XCloseDisplay(x);
	return 0;
}

int main(int argc, char **argv)
{
	av_log_set_level(AV_LOG_ERROR);
	if ((argc == 4 || (argc == 5 && !strcmp(argv[4], "sync"))) && !strcmp(argv[1], "decode"))
		return mode_decode(argv[2], atoi(argv[3]), argc == 5);
	if (argc == 4 && !strcmp(argv[1], "image") && atoi(argv[3]) > 0)
		return mode_image(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "startup") && atoi(argv[2]) > 0)
		return mode_startup(atoi(argv[2]));
	fprintf(stderr,
		"usage: v4l2r-bench decode CLIP SKIP [sync] | image CLIP ITER | startup ITER\n");
	return 2;
}
