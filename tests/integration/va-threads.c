/* SPDX-License-Identifier: MIT */
/*
 * Several decoders at once on one VA display (one driver instance), one thread each, as a browser
 * with several videos does: every stream's output (yuv420p, display order, cropped) must have its
 * reference MD5.
 *
 *   va-threads [-d] [-f MIN[-MAX]] LOOPS IN MD5 [IN MD5...]
 *
 * With -d the frames pool is dynamic (initial_pool_size 0): libavcodec then creates the VA
 * context without render targets and allocates surfaces as it goes (this client also keeps its
 * last HOLD frames, as a player's queue does), so the driver binds surfaces to CAPTURE buffers on
 * first use and creates more (VIDIOC_CREATE_BUFS).
 *
 * With -f (fault injection in the device), MIN to MAX frames in all must fail to sync or to be
 * read back (the VA status reaches the client) and decoding goes on to the end (every other frame
 * read back); MD5s are not checked.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libavutil/md5.h>

struct job {
	const char *in;
	const char *md5;
	int loops;
	AVBufferRef *dev;
	int ok;
	int frames;
	int failed;  /* frames that could not be read back */
	bool faults; /* failures expected: count them, no MD5 */
};

static bool dynamic_pool;
#define HOLD 6

static enum AVPixelFormat pick_vaapi(AVCodecContext *avctx, const enum AVPixelFormat *fmts)
{
	for (; *fmts != AV_PIX_FMT_NONE; fmts++) {
		if (*fmts != AV_PIX_FMT_VAAPI)
			continue;
		if (dynamic_pool) {
			AVBufferRef *frames = NULL;

			if (avcodec_get_hw_frames_parameters(avctx, avctx->hw_device_ctx,
							     AV_PIX_FMT_VAAPI, &frames) < 0)
				return AV_PIX_FMT_NONE;
			((AVHWFramesContext *)frames->data)->initial_pool_size = 0;
			if (av_hwframe_ctx_init(frames) < 0) {
				av_buffer_unref(&frames);
				return AV_PIX_FMT_NONE;
			}
			av_buffer_unref(&avctx->hw_frames_ctx);
			avctx->hw_frames_ctx = frames;
		}
		return *fmts;
	}
	return AV_PIX_FMT_NONE;
}

/* NV12 -> the bytes of a yuv420p frame, into the MD5. */
static int hash_frame(struct AVMD5 *md5, const AVFrame *f)
{
	int w = f->width, h = f->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
	uint8_t *row = malloc((size_t)cw);

	if (!row || f->format != AV_PIX_FMT_NV12) {
		free(row);
		return -1;
	}
	for (int y = 0; y < h; y++)
		av_md5_update(md5, f->data[0] + (size_t)y * f->linesize[0], w);
	for (int c = 0; c < 2; c++)
		for (int y = 0; y < ch; y++) {
			const uint8_t *src = f->data[1] + (size_t)y * f->linesize[1];

			for (int x = 0; x < cw; x++)
				row[x] = src[2 * x + c];
			av_md5_update(md5, row, cw);
		}
	free(row);
	return 0;
}

static int decode_once(struct job *j)
{
	AVFormatContext *fmt = NULL;
	AVCodecContext *avctx = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *frame = av_frame_alloc(), *sw = av_frame_alloc();
	struct AVMD5 *md5 = av_md5_alloc();
	int ret = -1, stream, err, eof = 0;
	uint8_t digest[16];
	char hex[33];
	AVFrame *held[HOLD] = {NULL};
	unsigned n_held = 0;

	if (!pkt || !frame || !sw || !md5)
		goto done;
	av_md5_init(md5);
	if (avformat_open_input(&fmt, j->in, NULL, NULL) < 0 ||
	    avformat_find_stream_info(fmt, NULL) < 0)
		goto done;
	stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (stream < 0)
		goto done;
	const AVCodec *codec = avcodec_find_decoder(fmt->streams[stream]->codecpar->codec_id);
	avctx = avcodec_alloc_context3(codec);
	if (!avctx || avcodec_parameters_to_context(avctx, fmt->streams[stream]->codecpar) < 0)
		goto done;
	avctx->hw_device_ctx = av_buffer_ref(j->dev);
	avctx->get_format = pick_vaapi;
	avctx->hwaccel_flags |= AV_HWACCEL_FLAG_ALLOW_PROFILE_MISMATCH;
	if (avcodec_open2(avctx, codec, NULL) < 0)
		goto done;
	while (!eof) {
		err = av_read_frame(fmt, pkt);
		if (err < 0) {
			eof = 1;
			err = avcodec_send_packet(avctx, NULL);
		} else {
			if (pkt->stream_index == stream)
				err = avcodec_send_packet(avctx, pkt);
			av_packet_unref(pkt);
		}
		if (err < 0 && err != AVERROR_EOF && !j->faults)
			goto done;
		while ((err = avcodec_receive_frame(avctx, frame)) >= 0) {
			if (frame->format != AV_PIX_FMT_VAAPI) {
				fprintf(stderr, "va-threads: %s: frame not decoded by VA-API\n",
					j->in);
				goto done;
			}
			if (av_hwframe_transfer_data(sw, frame, 0) < 0) {
				if (!j->faults) {
					fprintf(stderr, "va-threads: %s: cannot read a frame\n",
						j->in);
					goto done;
				}
				j->failed++;
				av_frame_unref(frame);
				continue;
			}
			sw->width = frame->width;
			sw->height = frame->height;
			if (hash_frame(md5, sw) < 0)
				goto done;
			j->frames++;
			av_frame_unref(sw);
			if (dynamic_pool) {
				AVFrame **slot = &held[n_held++ % HOLD];

				av_frame_free(slot);
				*slot = av_frame_clone(frame);
			}
			av_frame_unref(frame);
		}
		if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
			goto done;
	}
	av_md5_final(md5, digest);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	ret = j->faults || strcmp(hex, j->md5) == 0 ? 0 : -1;
	if (ret)
		fprintf(stderr, "va-threads: %s: md5 %s, want %s\n", j->in, hex, j->md5);
done:
	for (unsigned i = 0; i < HOLD; i++)
		av_frame_free(&held[i]);
	av_free(md5);
	av_frame_free(&sw);
	av_frame_free(&frame);
	av_packet_free(&pkt);
	avcodec_free_context(&avctx);
	avformat_close_input(&fmt);
	return ret;
}

static void *run(void *arg)
{
	struct job *j = arg;

	j->ok = 1;
	for (int i = 0; i < j->loops && j->ok; i++)
		if (decode_once(j) < 0)
			j->ok = 0;
	return NULL;
}

int main(int argc, char **argv)
{
	AVBufferRef *dev = NULL;
	int n, loops, failed = 0, frames = 0, bad_frames = 0, want_bad = -1, max_bad = -1;

	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		dynamic_pool = true;
		argv++;
		argc--;
	}
	if (argc > 2 && strcmp(argv[1], "-f") == 0) {
		const char *dash = strchr(argv[2], '-');

		want_bad = atoi(argv[2]);
		max_bad = dash ? atoi(dash + 1) : want_bad;
		argv += 2;
		argc -= 2;
	}
	if (argc < 4 || (argc - 2) % 2) {
		fprintf(stderr, "usage: va-threads [-d] [-f MIN[-MAX]] LOOPS IN MD5 [IN MD5...]\n");
		return 2;
	}
	/* Injected faults make libavcodec log: keep that quiet, the counts are checked here. */
	av_log_set_level(want_bad >= 0 ? AV_LOG_QUIET : AV_LOG_ERROR);
	loops = atoi(argv[1]);
	n = (argc - 2) / 2;
	if (av_hwdevice_ctx_create(&dev, AV_HWDEVICE_TYPE_VAAPI, getenv("DISPLAY"), NULL, 0) < 0) {
		fprintf(stderr, "va-threads: no VA-API device\n");
		return 1;
	}
	struct job *jobs = calloc((size_t)n, sizeof(*jobs));
	pthread_t *tids = calloc((size_t)n, sizeof(*tids));
	if (!jobs || !tids)
		return 1;
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){.in = argv[2 + 2 * i],
				       .md5 = argv[3 + 2 * i],
				       .loops = loops,
				       .dev = dev,
				       .faults = want_bad >= 0};
		if (pthread_create(&tids[i], NULL, run, &jobs[i]))
			return 1;
	}
	for (int i = 0; i < n; i++) {
		pthread_join(tids[i], NULL);
		failed += !jobs[i].ok;
		frames += jobs[i].frames;
		bad_frames += jobs[i].failed;
	}
	printf("%d decoders x %d loops: %d frames, %d unreadable, %d failed\n", n, loops, frames,
	       bad_frames, failed);
	if (want_bad >= 0 && (bad_frames < want_bad || bad_frames > max_bad)) {
		fprintf(stderr, "va-threads: %d unreadable frames, want %d..%d\n", bad_frames,
			want_bad, max_bad);
		failed++;
	}
	av_buffer_unref(&dev);
	free(jobs);
	free(tids);
	return failed ? 1 : 0;
}
