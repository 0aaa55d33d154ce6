/* SPDX-License-Identifier: MIT */
/*
 * Contract between the driver core (VA objects, devices, queues, requests) and one codec's
 * translation from VA buffers to V4L2 stateless controls (src/codec/X.c).
 *
 * A codec never touches file descriptors for queueing, never allocates CAPTURE buffers and never
 * waits: it gathers the VA buffers of a picture, then at vaEndPicture fills OUTPUT slots (bitstream
 * + controls) through the core's functions below. Adding a codec = one file here + one line in
 * the table in codec.c.
 */
#ifndef V4L2R_CODEC_H
#define V4L2R_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/videodev2.h>
#include <va/va.h>
#include <va/va_backend.h>

struct v4l2r_ctx;     /* a decoding context (one open video fd) — core */
struct v4l2r_surface; /* core */
struct v4l2r_slot;    /* an OUTPUT buffer paired with a media request — core */

/* One VA buffer as vaRenderPicture passes it. The data is only valid during render(): copy,
 * except a VASliceDataBufferType buffer's, which stays valid until the picture ends (end()
 * returned, the next begin(), or fini()): codecs keep pointers into it (slices.h) and copy
 * the bitstream once, at end(), into the OUTPUT buffer. */
struct v4l2r_va_buffer {
	VABufferType type;
	const void *data;
	uint32_t size; /* size of one element */
	uint32_t num_elements;
};

/* What the stream needs from the CAPTURE queue; the core (re)allocates when this changes. */
struct v4l2r_stream_params {
	uint32_t width, height; /* coded size in pixels (macroblock aligned for H.264) */
	unsigned bit_depth;	/* 8 or 10 */
	unsigned min_buffers;	/* DPB size + 1 */
	/* Header controls to set as current values (V4L2_CTRL_WHICH_CUR_VAL) before the CAPTURE
	 * format is chosen, e.g. the H.264 SPS: drivers derive the CAPTURE formats from them. */
	struct v4l2_ext_control *hdr_ctrls;
	unsigned n_hdr_ctrls;
};

struct v4l2r_codec {
	const char *name;	   /* "h264" */
	uint32_t coded_fourcc;	   /* V4L2_PIX_FMT_H264_SLICE */
	const VAProfile *profiles; /* every profile the codec can translate */
	unsigned n_profiles;
	/* Does `profile` need a 10-bit capture format? (The core offers it only when the device
	 * has one.) */
	bool (*profile_is_10bit)(VAProfile profile);

	size_t priv_size; /* per-context state, zeroed by the core */
	/* After the context's video fd is open with the coded OUTPUT format set. Reads the device's
	 * mode controls (DECODE_MODE, START_CODE) through v4l2r_ctx_fd(). */
	VAStatus (*init)(struct v4l2r_ctx *ctx, void *priv, VAProfile profile);
	void (*fini)(struct v4l2r_ctx *ctx, void *priv);
	/* vaBeginPicture: forget the previous picture's buffers. */
	VAStatus (*begin)(struct v4l2r_ctx *ctx, void *priv);
	/* vaRenderPicture, once per buffer: check sizes and types, copy what is needed (slice
	 * data: keep the pointer). VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE for a type the codec does
	 * not take. */
	VAStatus (*render)(struct v4l2r_ctx *ctx, void *priv, const struct v4l2r_va_buffer *buf);
	/* vaEndPicture: call v4l2r_ctx_stream() when needed, then fill and queue one slot
	 * (frame-based) or one per slice (slice-based). Never waits for the decoder. */
	VAStatus (*end)(struct v4l2r_ctx *ctx, void *priv);
};

/* The codec table (codec.c). */
extern const struct v4l2r_codec v4l2r_codec_h264;
extern const struct v4l2r_codec v4l2r_codec_vp8;
extern const struct v4l2r_codec v4l2r_codec_mpeg2;
const struct v4l2r_codec *v4l2r_codec_for_profile(VAProfile profile);
const struct v4l2r_codec *const *v4l2r_codecs(unsigned *count);

/*
 * Core services for codecs (implemented in the core).
 */
/* The context's video fd, for QUERY_EXT_CTRL / G_EXT_CTRLS on mode controls only. */
int v4l2r_ctx_fd(struct v4l2r_ctx *ctx);
/* The render target of the current picture. */
struct v4l2r_surface *v4l2r_ctx_target(struct v4l2r_ctx *ctx);
/* Timestamp (ns) that the requests of the current picture carry. Stays the target's timestamp
 * once the picture is queued. */
uint64_t v4l2r_ctx_picture_ts(struct v4l2r_ctx *ctx);
/* The current picture is the second field of the target's previous picture: its requests carry
 * that picture's timestamp, so the DPB entry naming the first field and the CAPTURE buffer both
 * fields are written into keep one timestamp. */
void v4l2r_ctx_continue_ts(struct v4l2r_ctx *ctx);
/* A surface of this driver by ID, or NULL. */
struct v4l2r_surface *v4l2r_ctx_surface(struct v4l2r_ctx *ctx, VASurfaceID id);
/* Timestamp (ns) of the last picture queued for decoding into the surface, 0 if none: the value
 * for reference_ts-like fields. */
uint64_t v4l2r_surface_ts(const struct v4l2r_surface *surface);
/* Declare or update the stream's needs; (re)allocates CAPTURE if they changed. Must be called
 * before the first slot is queued. */
VAStatus v4l2r_ctx_stream(struct v4l2r_ctx *ctx, const struct v4l2r_stream_params *params);

/* Take a free OUTPUT slot (waits for one only if all are in flight; bounded). */
VAStatus v4l2r_slot_get(struct v4l2r_ctx *ctx, struct v4l2r_slot **slot, uint8_t **data,
			size_t *capacity);
/* v4l2r_slot_get() for at least `need` bytes: a free slot that large, else a free slot whose
 * buffer is replaced by a larger one (VIDIOC_CREATE_BUFS while streaming; never waits for
 * that). VA_STATUS_ERROR_NOT_ENOUGH_BUFFER beyond what the device can allocate. */
VAStatus v4l2r_slot_get_size(struct v4l2r_ctx *ctx, size_t need, struct v4l2r_slot **slot,
			     uint8_t **data, size_t *capacity);
/* Give back a slot that was not queued (error path). */
void v4l2r_slot_put(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot);

#define V4L2R_SLOT_HOLD_CAPTURE (1u << 0) /* more slices of this picture follow */

/* Set the controls in the slot's request, queue the OUTPUT buffer (bytesused) and the target's
 * CAPTURE buffer if not yet queued, and queue the request. `refs` are the surfaces this picture
 * references: the core will not requeue their CAPTURE buffers while this request is in flight.
 * On failure the slot is released and the target surface is marked failed. */
VAStatus v4l2r_slot_queue(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot, size_t bytesused,
			  struct v4l2_ext_control *ctrls, unsigned n_ctrls, unsigned flags,
			  struct v4l2r_surface *const *refs, unsigned n_refs);

/* Debug log, only when LIBVA_V4L2_REQUEST_DEBUG is set. */
void v4l2r_ctx_debug(struct v4l2r_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
