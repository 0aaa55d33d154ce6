/* SPDX-License-Identifier: MIT */
/*
 * libavcodec plumbing shared by the emulated codecs: one decoder per instance, one packet per
 * request (or access unit), pictures taken in DECODE order as the hardware writes them: the
 * picture libavcodec allocates for a packet (get_buffer2) is the one the request decoded, while
 * its output queue (display order) is drained and dropped.
 */
#ifndef EMU_CODEC_LAVC_H
#define EMU_CODEC_LAVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

struct emu_lavc {
	AVCodecContext *avctx;
	AVPacket *pkt;
	AVFrame *alloc; /* the picture libavcodec allocated last (decode order) */
	AVFrame *drain; /* receive_frame output, dropped */
	AVFrame *out;	/* the picture of the last request taken */
	bool alloc_new; /* alloc was allocated by the last packet sent */
	enum AVCodecID id;
	int flags2;
};

/* Opens a single-threaded decoder (get_buffer2 on the calling thread, pictures in decode order)
 * that fails on any bitstream error (AV_EF_EXPLODE) and stays quiet unless V4L2_EMU_DEBUG is
 * set. `flags2` is or-ed into avctx->flags2. 0, or -1 (everything freed). */
int emu_lavc_open(struct emu_lavc *l, enum AVCodecID id, int flags2);
void emu_lavc_close(struct emu_lavc *l);
/* The payload of the next packet, `size` bytes to fill; NULL when it cannot be allocated. */
uint8_t *emu_lavc_packet(struct emu_lavc *l, size_t size);
/* Sends the packet and drops what libavcodec outputs; its status (< 0: error). */
int emu_lavc_send(struct emu_lavc *l);
/* A new decoder in place of this one, as after emu_lavc_open() (l->out released too): what a
 * decoding error left half done in libavcodec must not reach later pictures. It did, even past
 * an IDR, and also after avcodec_flush_buffers(). 0, or -1 (everything freed). */
int emu_lavc_reset(struct emu_lavc *l);
/* l->out = the picture the packet decoded into: a new one, or with `same_picture` (a second
 * field, decoded into the first field's picture) the last one allocated. 0, or -1 when no
 * picture was decoded. */
int emu_lavc_take(struct emu_lavc *l, bool same_picture);

#endif
