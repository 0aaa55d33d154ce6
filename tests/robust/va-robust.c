/* SPDX-License-Identifier: MIT */
/*
 * Robustness client: decoders at once on one VA display (one driver instance), one thread per
 * stream, each frame of each stream compared with libavcodec's software decode of the same
 * packets (MD5 of the visible yuv420p bytes, display order).
 *
 *   va-robust [-c] [-e] [-f MIN[-MAX][/S]] [-I] [-l LOOPS] [-n] [-r KB] [-s] [-S] [-t N] [-T]
 * STREAM...
 *
 * -c          a new decoder (VA context) for each of the LOOPS passes, flushed at the end of
 *             each: contexts come and go while the other threads decode.
 * -e          also read every frame the zero-copy way (vaExportSurfaceHandle, mmap of the
 *             dma-buf) and compare it too (linear NV12 devices).
 * -l LOOPS    feed each stream's packets LOOPS times to one decoder (no flush in between: a
 *             long run in one context); frame k must equal software frame k mod N.
 * -n          do not compare pixels (device run with V4L2_EMU_NODECODE), count frames only.
 * -r KB       sample the resident set: start, after the first loop (warm), every 100 frames,
 *             after the last loop with the decoder still open (end), and once it is closed;
 *             fail when the end exceeds the warm sample by more than KB. Also the malloc'd
 *             bytes in use (mallinfo2) at warm and end: more than HEAP_GROWTH_KB more fails
 *             (a per-frame leak of ~130 bytes over 2000 frames; sanitizer allocators are not
 *             counted by mallinfo2, so there it stays 0).
 * -s          decode under the seccomp sandbox (sandbox.c), installed once the VA display is
 *             open and the streams are in memory; negative controls first, then no denial may
 *             happen during the decode.
 * -f MIN-MAX[/S]  device faults injected (V4L2_EMU_FAULT): MIN to MAX frames in all fail
 *             to sync or read back, or are refused (the VA status reaches the client), in at
 *             most S streams (the contexts the faults hit), and decoding goes on; every other
 *             frame is still compared (with -n: counted only).
 * -I          as -s, but the filter comes before vaInitialize: libva loads the driver and the
 *             driver discovers its decoders under it (the broker also allows read-only opens
 *             in $LIBVA_DRIVERS_PATH and of the /dev directory).
 * -S          single-instance device checks (V4L2_EMU_DEVICES=...:single): two threads
 *             creating a context at once get one success and one VA_STATUS_ERROR_HW_BUSY; while
 *             the first stream decodes, a second context gets HW_BUSY, the decode stays exact,
 *             and once it is done a new context succeeds.
 * -t N        N libavcodec frame threads per hardware decoder (the driver then gets the
 *             calls of one context from several threads, as ffmpeg and mpv by default).
 * -T          ThreadSanitizer self-test: two threads increment a counter without
 *             synchronisation (a data race TSan must report), nothing else.
 * Prints one summary line on stdout; problems on stderr; exit status 0 when all is well.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <libavutil/md5.h>
#include <libavutil/pixdesc.h>
#include <va/va.h>
#include <va/va_drmcommon.h>
#include <va/va_x11.h>

#include "sandbox.h"

struct job {
	const char *in;
	AVPacket **pkts; /* the stream's packets, in memory */
	unsigned n_pkts;
	AVCodecParameters *par;
	uint8_t (*ref)[16]; /* software decode: one MD5 per output frame */
	unsigned n_ref;
	AVBufferRef *dev;
	VADisplay dpy;
	atomic_uint frames;
	unsigned mismatches;
	unsigned dropped;    /* pictures refused under fault injection (no frame out) */
	unsigned unreadable; /* frames that failed to sync or read back (fault injection) */
	int first_mismatch;
	bool ok;
	/* resident set, kB */
	long rss_start, rss_warm, rss_end, rss_max, rss_after;
	long heap_warm, heap_end; /* malloc'd bytes in use (all arenas + mmapped chunks), kB */
};

#define HEAP_GROWTH_KB 256

static int loops = 1;
static bool nodecode;
static long rss_limit = -1;
static bool sandboxed;
static bool sandbox_init; /* vaInitialize under the filter too */
static bool export_check;
static bool churn;
static int fault_min = -1, fault_max = -1; /* -f: unreadable frames expected */
static int fault_streams = -1;		   /* -f .../S: in at most S streams */
static atomic_uint unreadable, dropped;
static int hw_threads = 1;
static bool hold_first; /* -S: the decode waits after its first frame */
static atomic_int first_frame, checks_done;

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long heap_kb(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static void rss_sample(struct job *j, long *slot)
{
	long v;

	if (rss_limit < 0) /* not asked for (and /proc is out of reach in the sandbox) */
		return;
	v = rss_kb();

	if (slot)
		*slot = v;
	if (v > j->rss_max)
		j->rss_max = v;
}

/* MD5 of the visible picture as yuv420p bytes; NV12 (hardware) or yuv420p (software). */
static int frame_md5(const AVFrame *f, uint8_t out[16])
{
	int w = f->width, h = f->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
	struct AVMD5 *md5 = av_md5_alloc();
	uint8_t *row = malloc((size_t)cw);
	int ret = 0;

	if (!md5 || !row) {
		ret = -1;
		goto out;
	}
	av_md5_init(md5);
	for (int y = 0; y < h; y++)
		av_md5_update(md5, f->data[0] + (size_t)y * f->linesize[0], w);
	if (f->format == AV_PIX_FMT_NV12) {
		for (int c = 0; c < 2; c++)
			for (int y = 0; y < ch; y++) {
				const uint8_t *src = f->data[1] + (size_t)y * f->linesize[1];

				for (int x = 0; x < cw; x++)
					row[x] = src[2 * x + c];
				av_md5_update(md5, row, cw);
			}
	} else if (f->format == AV_PIX_FMT_YUV420P || f->format == AV_PIX_FMT_YUVJ420P) {
		for (int c = 1; c <= 2; c++)
			for (int y = 0; y < ch; y++)
				av_md5_update(md5, f->data[c] + (size_t)y * f->linesize[c], cw);
	} else {
		ret = -1;
	}
	av_md5_final(md5, out);
out:
	free(row);
	av_free(md5);
	return ret;
}

static int load_packets(struct job *j)
{
	AVFormatContext *fmt = NULL;
	AVPacket *pkt = av_packet_alloc();
	int stream, ret = -1;

	if (!pkt || avformat_open_input(&fmt, j->in, NULL, NULL) < 0 ||
	    avformat_find_stream_info(fmt, NULL) < 0)
		goto out;
	stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (stream < 0)
		goto out;
	j->par = avcodec_parameters_alloc();
	if (!j->par || avcodec_parameters_copy(j->par, fmt->streams[stream]->codecpar) < 0)
		goto out;
	while (av_read_frame(fmt, pkt) >= 0) {
		if (pkt->stream_index == stream) {
			AVPacket **p = realloc(j->pkts, (j->n_pkts + 1) * sizeof(*p));

			if (!p)
				goto out;
			j->pkts = p;
			j->pkts[j->n_pkts] = av_packet_clone(pkt);
			if (!j->pkts[j->n_pkts])
				goto out;
			j->n_pkts++;
		}
		av_packet_unref(pkt);
	}
	ret = j->n_pkts ? 0 : -1;
out:
	if (ret)
		fprintf(stderr, "va-robust: %s: cannot read the stream\n", j->in);
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
	return ret;
}

static enum AVPixelFormat pick_vaapi(AVCodecContext *avctx, const enum AVPixelFormat *fmts)
{
	for (; *fmts != AV_PIX_FMT_NONE; fmts++)
		if (*fmts == AV_PIX_FMT_VAAPI)
			return *fmts;
	return AV_PIX_FMT_NONE;
}

static AVCodecContext *open_decoder(struct job *j, bool hw)
{
	const AVCodec *codec = avcodec_find_decoder(j->par->codec_id);
	AVCodecContext *avctx = codec ? avcodec_alloc_context3(codec) : NULL;

	if (!avctx || avcodec_parameters_to_context(avctx, j->par) < 0)
		goto fail;
	avctx->thread_count = 1;
	if (hw && hw_threads > 1) {
		avctx->thread_count = hw_threads;
		avctx->thread_type = FF_THREAD_FRAME;
	}
	if (hw) {
		avctx->hw_device_ctx = av_buffer_ref(j->dev);
		avctx->get_format = pick_vaapi;
		avctx->hwaccel_flags |= AV_HWACCEL_FLAG_ALLOW_PROFILE_MISMATCH;
	}
	if (avcodec_open2(avctx, codec, NULL) < 0)
		goto fail;
	return avctx;
fail:
	avcodec_free_context(&avctx);
	return NULL;
}

/* Software reference: one MD5 per output frame. */
static int reference(struct job *j)
{
	AVCodecContext *avctx = open_decoder(j, false);
	AVFrame *f = av_frame_alloc();
	int ret = -1, err;

	if (!avctx || !f)
		goto out;
	for (unsigned i = 0; i <= j->n_pkts; i++) {
		err = avcodec_send_packet(avctx, i < j->n_pkts ? j->pkts[i] : NULL);
		if (err < 0)
			goto out;
		while ((err = avcodec_receive_frame(avctx, f)) >= 0) {
			void *p = realloc(j->ref, (j->n_ref + 1) * sizeof(*j->ref));

			if (!p)
				goto out;
			j->ref = p;
			if (frame_md5(f, j->ref[j->n_ref]) < 0) {
				fprintf(stderr, "va-robust: %s: software format %s\n", j->in,
					av_get_pix_fmt_name(f->format));
				goto out;
			}
			j->n_ref++;
			av_frame_unref(f);
		}
		if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
			goto out;
	}
	ret = j->n_ref ? 0 : -1;
out:
	if (ret)
		fprintf(stderr, "va-robust: %s: software decode failed\n", j->in);
	av_frame_free(&f);
	avcodec_free_context(&avctx);
	return ret;
}

/* The zero-copy path a browser takes: vaExportSurfaceHandle (DRM PRIME 2, one composed NV12
 * layer), mmap of the object, DMA_BUF_IOCTL_SYNC around the read (the emulator's buffers are
 * memfds, which answer ENOTTY), MD5 of the visible picture. Linear NV12 only. */
static int export_md5(struct job *j, const AVFrame *frame, uint8_t out[16])
{
	VASurfaceID sid = (VASurfaceID)(uintptr_t)frame->data[3];
	VADRMPRIMESurfaceDescriptor d;
	struct dma_buf_sync sync = {.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
	VAStatus st;
	uint8_t *map = MAP_FAILED;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	st = vaExportSurfaceHandle(j->dpy, sid, VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
				   VA_EXPORT_SURFACE_READ_ONLY | VA_EXPORT_SURFACE_COMPOSED_LAYERS,
				   &d);
	if (st != VA_STATUS_SUCCESS) {
		fprintf(stderr, "va-robust: %s: export: %s\n", j->in, vaErrorStr(st));
		return -1;
	}
	if (vaSyncSurface(j->dpy, sid) != VA_STATUS_SUCCESS || d.fourcc != VA_FOURCC_NV12 ||
	    d.num_objects != 1 || d.num_layers != 1 || d.layers[0].num_planes != 2 ||
	    d.objects[0].drm_format_modifier != DRM_FORMAT_MOD_LINEAR) {
		fprintf(stderr, "va-robust: %s: exported surface is not one linear NV12 object\n",
			j->in);
		goto out;
	}
	map = mmap(NULL, d.objects[0].size, PROT_READ, MAP_SHARED, d.objects[0].fd, 0);
	if (map == MAP_FAILED)
		goto out;
	if (ioctl(d.objects[0].fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 && errno != ENOTTY)
		goto out;
	AVFrame f = {.format = AV_PIX_FMT_NV12, .width = frame->width, .height = frame->height};
	uint64_t end_uv = (uint64_t)d.layers[0].offset[1] +
			  (uint64_t)d.layers[0].pitch[1] * (uint64_t)((frame->height + 1) / 2);
	uint64_t end_y = (uint64_t)d.layers[0].offset[0] +
			 (uint64_t)d.layers[0].pitch[0] * (uint64_t)frame->height;
	if (end_y > d.objects[0].size || end_uv > d.objects[0].size) {
		fprintf(stderr, "va-robust: %s: exported planes outside the object\n", j->in);
		goto out;
	}
	f.data[0] = map + d.layers[0].offset[0];
	f.data[1] = map + d.layers[0].offset[1];
	f.linesize[0] = (int)d.layers[0].pitch[0];
	f.linesize[1] = (int)d.layers[0].pitch[1];
	ret = frame_md5(&f, out);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (ioctl(d.objects[0].fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 && errno != ENOTTY)
		ret = -1;
out:
	if (map != MAP_FAILED)
		munmap(map, d.objects[0].size);
	for (uint32_t i = 0; i < d.num_objects && i < 4; i++)
		close(d.objects[i].fd);
	return ret;
}

static int take_frame(struct job *j, AVFrame *frame, AVFrame *sw)
{
	unsigned k = atomic_load(&j->frames);
	uint8_t md5[16];

	if (frame->format != AV_PIX_FMT_VAAPI) {
		fprintf(stderr, "va-robust: %s: frame %u not decoded by VA-API\n", j->in, k);
		return -1;
	}
	if (av_hwframe_transfer_data(sw, frame, 0) < 0) {
		if (fault_min >= 0) { /* an injected device fault reached the client: go on */
			atomic_fetch_add(&unreadable, 1);
			j->unreadable++;
			atomic_fetch_add(&j->frames, 1);
			return 0;
		}
		fprintf(stderr, "va-robust: %s: cannot read frame %u\n", j->in, k);
		return -1;
	}
	sw->width = frame->width;
	sw->height = frame->height;
	if (!nodecode) {
		if (frame_md5(sw, md5) < 0)
			return -1;
		if (memcmp(md5, j->ref[k % j->n_ref], 16) != 0) {
			if (!j->mismatches++)
				j->first_mismatch = (int)k;
		}
		if (export_check) {
			if (export_md5(j, frame, md5) < 0)
				return -1;
			if (memcmp(md5, j->ref[k % j->n_ref], 16) != 0 && !j->mismatches++)
				j->first_mismatch = (int)k;
		}
	}
	av_frame_unref(sw);
	atomic_fetch_add(&j->frames, 1);
	if (hold_first && k == 0) {
		/* -S: the context stays open, mid-stream, until the checks on it are done */
		atomic_store(&first_frame, 1);
		while (!atomic_load(&checks_done))
			usleep(1000);
	}
	if ((k + 1) % 100 == 0)
		rss_sample(j, NULL);
	return 0;
}

static int decode(struct job *j)
{
	AVCodecContext *avctx = open_decoder(j, true);
	AVFrame *frame = av_frame_alloc(), *sw = av_frame_alloc();
	int ret = -1, err;

	if (!avctx || !frame || !sw)
		goto out;
	for (int l = 0; l < loops; l++) {
		bool last = l == loops - 1 || churn; /* flush at the end of this pass */

		for (unsigned i = 0; i < j->n_pkts + last; i++) {
			err = avcodec_send_packet(avctx, i < j->n_pkts ? j->pkts[i] : NULL);
			if (err < 0 && fault_min >= 0 && err != AVERROR_EOF) {
				/* a picture the device refused (vaEndPicture failed): dropped */
				atomic_fetch_add(&dropped, 1);
				j->dropped++;
			} else if (err < 0) {
				fprintf(stderr, "va-robust: %s: decode error %d at packet %u\n",
					j->in, err, i);
				goto out;
			}
			while ((err = avcodec_receive_frame(avctx, frame)) >= 0) {
				if (take_frame(j, frame, sw) < 0)
					goto out;
				av_frame_unref(frame);
			}
			if (err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
				fprintf(stderr, "va-robust: %s: decode error %d\n", j->in, err);
				goto out;
			}
		}
		if (l == 0) {
			rss_sample(j, &j->rss_warm);
			j->heap_warm = heap_kb();
		}
		if (l == loops - 1) { /* the decoder still open */
			rss_sample(j, &j->rss_end);
			j->heap_end = heap_kb();
		} else if (churn) {
			/* a new decoder (VA context) while the other threads decode */
			avcodec_free_context(&avctx);
			avctx = open_decoder(j, true);
			if (!avctx)
				goto out;
		}
	}
	if (atomic_load(&j->frames) + j->dropped != (unsigned)loops * j->n_ref) {
		fprintf(stderr, "va-robust: %s: %u frames + %u dropped, want %u\n", j->in,
			atomic_load(&j->frames), j->dropped, (unsigned)loops * j->n_ref);
		goto out;
	}
	if (j->mismatches) {
		fprintf(stderr, "va-robust: %s: %u frames differ from software decode, first %d\n",
			j->in, j->mismatches, j->first_mismatch);
		goto out;
	}
	ret = 0;
out:
	av_frame_free(&sw);
	av_frame_free(&frame);
	avcodec_free_context(&avctx);
	return ret;
}

static void *run(void *arg)
{
	struct job *j = arg;

	j->ok = decode(j) == 0;
	return NULL;
}

/* --- ThreadSanitizer self-test: a deliberate data race ------------------------------------ */

static volatile int racy_counter;

static void *racer(void *arg)
{
	for (int i = 0; i < 1000; i++)
		racy_counter++;
	return arg;
}

static int tsan_selftest(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, racer, NULL))
		return 1;
	racer(NULL);
	pthread_join(t, NULL);
	printf("racy counter: %d\n", racy_counter);
	return 0;
}

/* --- single-instance device ------------------------------------------------------------- */

struct raw_ctx {
	VADisplay dpy;
	VAConfigID cfg;
	VASurfaceID surf;
	VAContextID ctx;
	VAStatus st;
	pthread_barrier_t *barrier;
};

static VAStatus raw_create(struct raw_ctx *r)
{
	VAStatus st = vaCreateConfig(r->dpy, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &r->cfg);

	if (st != VA_STATUS_SUCCESS)
		return st;
	st = vaCreateSurfaces(r->dpy, VA_RT_FORMAT_YUV420, 176, 144, &r->surf, 1, NULL, 0);
	if (st != VA_STATUS_SUCCESS) {
		vaDestroyConfig(r->dpy, r->cfg);
		return st;
	}
	if (r->barrier)
		pthread_barrier_wait(r->barrier);
	r->st = vaCreateContext(r->dpy, r->cfg, 176, 144, VA_PROGRESSIVE, &r->surf, 1, &r->ctx);
	return r->st;
}

static void raw_destroy(struct raw_ctx *r)
{
	if (r->st == VA_STATUS_SUCCESS)
		vaDestroyContext(r->dpy, r->ctx);
	vaDestroySurfaces(r->dpy, &r->surf, 1);
	vaDestroyConfig(r->dpy, r->cfg);
}

static void *raw_thread(void *arg)
{
	raw_create(arg);
	return NULL;
}

static int single_race(VADisplay dpy, int rounds)
{
	pthread_barrier_t barrier;
	int bad = 0;

	pthread_barrier_init(&barrier, NULL, 2);
	for (int i = 0; i < rounds && !bad; i++) {
		struct raw_ctx r[2] = {{.dpy = dpy, .barrier = &barrier},
				       {.dpy = dpy, .barrier = &barrier}};
		pthread_t t;

		r[0].st = r[1].st = VA_STATUS_ERROR_UNKNOWN;
		if (pthread_create(&t, NULL, raw_thread, &r[1]))
			return -1;
		raw_create(&r[0]);
		pthread_join(t, NULL);
		int ok = (r[0].st == VA_STATUS_SUCCESS) + (r[1].st == VA_STATUS_SUCCESS);
		int busy =
		    (r[0].st == VA_STATUS_ERROR_HW_BUSY) + (r[1].st == VA_STATUS_ERROR_HW_BUSY);
		if (ok != 1 || busy != 1) {
			fprintf(stderr,
				"va-robust: race %d: contexts %s / %s, want one success and "
				"one HW_BUSY\n",
				i, vaErrorStr(r[0].st), vaErrorStr(r[1].st));
			bad = -1;
		}
		raw_destroy(&r[0]);
		raw_destroy(&r[1]);
	}
	pthread_barrier_destroy(&barrier);
	return bad;
}

static VAStatus second_init = VA_STATUS_ERROR_UNKNOWN, second_ctx = VA_STATUS_ERROR_UNKNOWN;

static int single_checks(VADisplay dpy, struct job *j)
{
	struct raw_ctx r = {.dpy = dpy};
	pthread_t t;
	int bad = 0;

	if (single_race(dpy, 20) < 0)
		bad = -1;
	/* A second opener while a decode runs. */
	if (pthread_create(&t, NULL, run, j))
		return -1;
	while (!atomic_load(&first_frame)) {
		usleep(1000);
		/* the decoder may fail before its first frame: then it has ended */
		if (pthread_tryjoin_np(t, NULL) == 0) {
			fprintf(stderr, "va-robust: %s: decode ended before its first frame\n",
				j->in);
			return -1;
		}
	}
	VAStatus st = raw_create(&r);
	raw_destroy(&r);
	if (st != VA_STATUS_ERROR_HW_BUSY) {
		fprintf(stderr, "va-robust: context during a decode: %s, want HW_BUSY\n",
			vaErrorStr(st));
		bad = -1;
	}
	/* A second driver instance starting while the device is taken (a second VA display: another
	 * player probing VA-API): its vaInitialize says the decoder is busy (not "no hardware"). */
	{
		Display *x = XOpenDisplay(NULL);
		VADisplay dpy2 = x ? vaGetDisplay(x) : NULL;
		int major, minor;

		vaSetErrorCallback(dpy2, NULL, NULL); /* libva prints the failure otherwise */
		vaSetInfoCallback(dpy2, NULL, NULL);
		second_init =
		    dpy2 ? vaInitialize(dpy2, &major, &minor) : VA_STATUS_ERROR_INVALID_DISPLAY;
		if (second_init != VA_STATUS_ERROR_HW_BUSY) {
			fprintf(stderr,
				"va-robust: second display while busy: vaInitialize %s, want "
				"HW_BUSY\n",
				vaErrorStr(second_init));
			bad = -1;
		}
		if (second_init == VA_STATUS_SUCCESS) {
			struct raw_ctx r2 = {.dpy = dpy2};

			second_ctx = raw_create(&r2);
			raw_destroy(&r2);
			if (second_ctx == VA_STATUS_SUCCESS) {
				fprintf(stderr, "va-robust: a second display got a context on the "
						"busy device\n");
				bad = -1;
			}
		}
		if (dpy2)
			vaTerminate(dpy2);
		if (x)
			XCloseDisplay(x);
		if (!x || !dpy2) {
			fprintf(stderr, "va-robust: no second display\n");
			bad = -1;
		}
	}
	atomic_store(&checks_done, 1); /* the decode may go on */
	pthread_join(t, NULL);
	if (!j->ok)
		bad = -1;
	/* The device is free again. */
	st = raw_create(&r);
	raw_destroy(&r);
	if (st != VA_STATUS_SUCCESS) {
		fprintf(stderr, "va-robust: context after the decode: %s\n", vaErrorStr(st));
		bad = -1;
	}
	/* And a new driver instance finds it. */
	{
		Display *x = XOpenDisplay(NULL);
		VADisplay dpy2 = x ? vaGetDisplay(x) : NULL;
		int major, minor;

		vaSetInfoCallback(dpy2, NULL, NULL); /* libva's start-up messages */
		st = dpy2 ? vaInitialize(dpy2, &major, &minor) : VA_STATUS_ERROR_INVALID_DISPLAY;
		if (st == VA_STATUS_SUCCESS) {
			struct raw_ctx r2 = {.dpy = dpy2};

			st = raw_create(&r2);
			raw_destroy(&r2);
		}
		if (st != VA_STATUS_SUCCESS) {
			fprintf(stderr, "va-robust: second display after the decode: %s\n",
				vaErrorStr(st));
			bad = -1;
		}
		if (dpy2)
			vaTerminate(dpy2);
		if (x)
			XCloseDisplay(x);
	}
	return bad;
}

/* AVHWDeviceContext.free of a display made here (-I). */
static void close_display(AVHWDeviceContext *hw)
{
	vaTerminate(((AVVAAPIDeviceContext *)hw->hwctx)->display);
	XCloseDisplay(hw->user_opaque);
}

int main(int argc, char **argv)
{
	AVBufferRef *dev = NULL;
	bool single = false;
	int opt, n, failed = 0;
	unsigned frames = 0;

	while ((opt = getopt(argc, argv, "cef:Il:nr:sSt:T")) != -1) {
		switch (opt) {
		case 'c':
			churn = true;
			break;
		case 'e':
			export_check = true;
			break;
		case 'f': {
			const char *dash = strchr(optarg, '-');

			const char *slash = strchr(optarg, '/');

			fault_min = atoi(optarg);
			fault_max = dash ? atoi(dash + 1) : fault_min;
			if (slash)
				fault_streams = atoi(slash + 1);
			break;
		}
		case 't':
			hw_threads = atoi(optarg);
			break;
		case 'l':
			loops = atoi(optarg);
			break;
		case 'n':
			nodecode = true;
			break;
		case 'r':
			rss_limit = atol(optarg);
			break;
		case 's':
			sandboxed = true;
			break;
		case 'I':
			sandboxed = sandbox_init = true;
			break;
		case 'S':
			single = true;
			break;
		case 'T':
			return tsan_selftest();
		default:
			goto usage;
		}
	}
	n = argc - optind;
	if (n < 1 || loops < 1 || (single && n != 1)) {
	usage:
		fprintf(stderr,
			"usage: va-robust [-c] [-e] [-f MIN[-MAX][/S]] [-I] [-l LOOPS] [-n] "
			"[-r KB] [-s] [-S] [-t "
			"N] [-T] STREAM...\n");
		return 2;
	}
	/* Injected faults make libavcodec and libva log: quiet then, the counts are checked. */
	av_log_set_level(fault_min >= 0 ? AV_LOG_QUIET : AV_LOG_ERROR);
	struct job *jobs = calloc((size_t)n, sizeof(*jobs));
	pthread_t *tids = calloc((size_t)n, sizeof(*tids));
	if (!jobs || !tids)
		return 1;
	for (int i = 0; i < n; i++) {
		jobs[i].in = argv[optind + i];
		if (load_packets(&jobs[i]) < 0 || reference(&jobs[i]) < 0)
			return 1;
	}
	if (sandbox_init) {
		/* The X connection first (a browser's media process gets its display handed over),
		 * then the filter, then libva: driver loading and decoder discovery under it. */
		Display *x = XOpenDisplay(NULL);
		VADisplay d = x ? vaGetDisplay(x) : NULL;
		int major, minor, rc;

		if (!d) {
			fprintf(stderr, "va-robust: no X display\n");
			return 1;
		}
		rc = sandbox_install(SANDBOX_DRIVER_LOAD);
		if (rc < 0) {
			fprintf(stderr, "va-robust: sandbox: %s\n", strerror(-rc));
			return 1;
		}
		if (sandbox_check_denials() < 0)
			return 1;
		vaSetInfoCallback(d, NULL, NULL);
		VAStatus st = vaInitialize(d, &major, &minor);
		if (st != VA_STATUS_SUCCESS) {
			fprintf(stderr, "va-robust: vaInitialize under the sandbox: %s\n",
				vaErrorStr(st));
			sandbox_report(2);
			return 1;
		}
		dev = av_hwdevice_ctx_alloc(AV_HWDEVICE_TYPE_VAAPI);
		if (!dev)
			return 1;
		AVHWDeviceContext *hw = (AVHWDeviceContext *)dev->data;
		((AVVAAPIDeviceContext *)hw->hwctx)->display = d;
		hw->user_opaque = x;
		hw->free = close_display;
		if (av_hwdevice_ctx_init(dev) < 0)
			return 1;
	} else if (av_hwdevice_ctx_create(&dev, AV_HWDEVICE_TYPE_VAAPI, getenv("DISPLAY"), NULL,
					  0) < 0) {
		fprintf(stderr, "va-robust: no VA-API device\n");
		return 1;
	}
	VADisplay dpy = ((AVVAAPIDeviceContext *)((AVHWDeviceContext *)dev->data)->hwctx)->display;
	for (int i = 0; i < n; i++) {
		jobs[i].dev = dev;
		jobs[i].dpy = dpy;
	}
	if (sandboxed && !sandbox_init) {
		int rc = sandbox_install(0);

		if (rc < 0) {
			fprintf(stderr, "va-robust: sandbox: %s\n", strerror(-rc));
			return 1;
		}
		if (sandbox_check_denials() < 0)
			return 1;
	}
	for (int i = 0; i < n; i++)
		rss_sample(&jobs[i], &jobs[i].rss_start);
	if (single) {
		hold_first = true;
		failed += single_checks(dpy, &jobs[0]) < 0;
	} else {
		for (int i = 0; i < n; i++)
			if (pthread_create(&tids[i], NULL, run, &jobs[i]))
				return 1;
		for (int i = 0; i < n; i++)
			pthread_join(tids[i], NULL);
	}
	for (int i = 0; i < n; i++) {
		failed += !jobs[i].ok;
		frames += atomic_load(&jobs[i].frames);
		rss_sample(&jobs[i], &jobs[i].rss_after);
	}
	/* The display goes (vaTerminate, the driver's teardown, the X connection) before the
	 * denials are counted: a sandboxed process tears down under its filter too. */
	av_buffer_unref(&dev);
	if (sandboxed && sandbox_denials()) {
		fprintf(stderr, "va-robust: %u system calls denied during the decode\n",
			sandbox_denials());
		sandbox_report(2);
		failed++;
	}
	printf("%d decoders x %d loops: %u frames, %s, %d failed", n, loops, frames,
	       nodecode ? "not compared" : "compared with software decode", failed);
	if (sandboxed)
		printf(", sandboxed%s: %u denials during the decode and teardown",
		       sandbox_init ? " from vaInitialize on" : "", sandbox_denials());
	if (single)
		printf(", second display while busy: vaInitialize %s%s%s", vaErrorStr(second_init),
		       second_init == VA_STATUS_SUCCESS ? ", context " : "",
		       second_init == VA_STATUS_SUCCESS ? vaErrorStr(second_ctx) : "");
	if (fault_min >= 0) {
		unsigned u = atomic_load(&unreadable);

		printf(", %u unreadable + %u dropped (device faults) in streams", u,
		       atomic_load(&dropped));
		int hit = 0;
		for (int i = 0; i < n; i++) {
			printf("%s%u", i ? "," : " ", jobs[i].unreadable + jobs[i].dropped);
			hit += jobs[i].unreadable + jobs[i].dropped > 0;
		}
		u += atomic_load(&dropped);
		if (u < (unsigned)fault_min || u > (unsigned)fault_max) {
			fprintf(stderr, "va-robust: %u unreadable or dropped frames, want %d..%d\n",
				u, fault_min, fault_max);
			failed++;
		}
		if (fault_streams >= 0 && hit > fault_streams) {
			fprintf(stderr, "va-robust: faults reached %d streams, want at most %d\n",
				hit, fault_streams);
			failed++;
		}
	}
	if (rss_limit >= 0) {
		long grow = jobs[0].rss_end - jobs[0].rss_warm;

		printf(", rss_kb start=%ld warm=%ld end=%ld max=%ld closed=%ld, heap_kb warm=%ld "
		       "end=%ld",
		       jobs[0].rss_start, jobs[0].rss_warm, jobs[0].rss_end, jobs[0].rss_max,
		       jobs[0].rss_after, jobs[0].heap_warm, jobs[0].heap_end);
		if (grow > rss_limit) {
			fprintf(stderr, "va-robust: resident set grew by %ld kB after warm-up\n",
				grow);
			failed++;
		}
		if (jobs[0].heap_end - jobs[0].heap_warm > HEAP_GROWTH_KB) {
			fprintf(stderr, "va-robust: heap in use grew by %ld kB after warm-up\n",
				jobs[0].heap_end - jobs[0].heap_warm);
			failed++;
		}
	}
	printf("\n");
	for (int i = 0; i < n; i++) {
		for (unsigned k = 0; k < jobs[i].n_pkts; k++)
			av_packet_free(&jobs[i].pkts[k]);
		free(jobs[i].pkts);
		free(jobs[i].ref);
		avcodec_parameters_free(&jobs[i].par);
	}
	free(jobs);
	free(tids);
	return failed ? 1 : 0;
}
