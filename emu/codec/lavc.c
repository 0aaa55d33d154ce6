/* SPDX-License-Identifier: MIT */
/* libavcodec plumbing shared by the emulated codecs (see lavc.h). */
#include "lavc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int get_buffer(AVCodecContext *avctx, AVFrame *frame, int flags)
{
	struct emu_lavc *l = avctx->opaque;
	int ret = avcodec_default_get_buffer2(avctx, frame, flags);

	if (ret < 0)
		return ret;
	av_frame_unref(l->alloc);
	if (av_frame_ref(l->alloc, frame) < 0)
		return AVERROR(ENOMEM);
	l->alloc_new = true;
	return 0;
}

void emu_lavc_close(struct emu_lavc *l)
{
	avcodec_free_context(&l->avctx);
	av_packet_free(&l->pkt);
	av_frame_free(&l->alloc);
	av_frame_free(&l->drain);
	av_frame_free(&l->out);
}

int emu_lavc_open(struct emu_lavc *l, enum AVCodecID id, int flags2)
{
	const AVCodec *codec = avcodec_find_decoder(id);

	memset(l, 0, sizeof(*l));
	l->id = id;
	l->flags2 = flags2;
	if (!codec)
		return -1;
	l->avctx = avcodec_alloc_context3(codec);
	l->pkt = av_packet_alloc();
	l->alloc = av_frame_alloc();
	l->drain = av_frame_alloc();
	l->out = av_frame_alloc();
	if (!l->avctx || !l->pkt || !l->alloc || !l->drain || !l->out)
		goto fail;
	l->avctx->opaque = l;
	l->avctx->get_buffer2 = get_buffer;
	l->avctx->thread_count = 1;
	l->avctx->thread_type = 0;
	l->avctx->err_recognition |= AV_EF_EXPLODE;
	l->avctx->flags2 |= flags2;
	/* Quiet unless debugging, without touching the client's global av_log level. */
	if (!getenv("V4L2_EMU_DEBUG"))
		l->avctx->log_level_offset = 64;
	if (avcodec_open2(l->avctx, codec, NULL) < 0)
		goto fail;
	return 0;
fail:
	emu_lavc_close(l);
	return -1;
}

uint8_t *emu_lavc_packet(struct emu_lavc *l, size_t size)
{
	if (!l->pkt)
		return NULL; /* a reset could not open a new decoder */
	av_packet_unref(l->pkt);
	if (size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE || av_new_packet(l->pkt, (int)size) < 0)
		return NULL;
	return l->pkt->data;
}

int emu_lavc_send(struct emu_lavc *l)
{
	int ret;

	l->alloc_new = false;
	if (!l->avctx)
		return AVERROR(EINVAL);
	ret = avcodec_send_packet(l->avctx, l->pkt);
	while (avcodec_receive_frame(l->avctx, l->drain) >= 0)
		av_frame_unref(l->drain);
	return ret;
}

int emu_lavc_reset(struct emu_lavc *l)
{
	enum AVCodecID id = l->id;
	int flags2 = l->flags2;

	emu_lavc_close(l);
	return emu_lavc_open(l, id, flags2);
}

int emu_lavc_take(struct emu_lavc *l, bool same_picture)
{
	if (!l->alloc || (!l->alloc_new && !(same_picture && l->alloc->buf[0])))
		return -1;
	av_frame_unref(l->out);
	return av_frame_ref(l->out, l->alloc) < 0 ? -1 : 0;
}
