/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the codec translations (src/codec/h264.c, mpeg2.c, vp8.c with the slice gathering
 * and the bitstream parsers they call) on a stubbed core, fast enough for millions of pictures.
 * Input: va_input.h. Per picture: begin, render every buffer, end. The stub core checks what a
 * codec hands it: stream parameters in range, every slot it takes queued or given back exactly
 * once, bytesused within the slot, control payloads readable, references that are surfaces.
 * Statuses must be VA statuses. H.264 frame-/slice-based and Annex B modes come from the input.
 */
#include "../../src/codec/h264.c"

#include <stdio.h>

#include "replay.h"
#include "va_input.h"

/* --- stub core ------------------------------------------------------------------------------ */

struct v4l2r_surface {
	unsigned index;
	uint64_t ts;
};

#define SURF_ID(i) (0x03000001u + (i))
#define SLOT_BYTES (256u * 1024)

static struct v4l2r_surface surfaces[FZ_SURFACES];
static unsigned cur_target;
static uint64_t picture_ts;
static unsigned slots_out;	/* taken and not yet queued or put back */
static unsigned long queued;	/* requests queued */
static VAStatus end_status[32]; /* vaEndPicture of the pictures of the last input */
static unsigned n_end;
static bool streamed;
static volatile uint8_t sink;

struct v4l2r_slot {
	uint8_t *data;
	size_t cap;
};

int v4l2r_ctx_fd(struct v4l2r_ctx *ctx)
{
	return -1;
}

struct v4l2r_surface *v4l2r_ctx_target(struct v4l2r_ctx *ctx)
{
	return &surfaces[cur_target];
}

uint64_t v4l2r_ctx_picture_ts(struct v4l2r_ctx *ctx)
{
	return picture_ts;
}

void v4l2r_ctx_continue_ts(struct v4l2r_ctx *ctx)
{
}

struct v4l2r_surface *v4l2r_ctx_surface(struct v4l2r_ctx *ctx, VASurfaceID id)
{
	return id >= SURF_ID(0) && id < SURF_ID(FZ_SURFACES) ? &surfaces[id - SURF_ID(0)] : NULL;
}

uint64_t v4l2r_surface_ts(const struct v4l2r_surface *surface)
{
	if (surface < surfaces || surface >= surfaces + FZ_SURFACES)
		abort();
	return surface->ts;
}

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= b[i];
	sink = x;
}

VAStatus v4l2r_ctx_stream(struct v4l2r_ctx *ctx, const struct v4l2r_stream_params *p)
{
	if (!p || p->width == 0 || p->height == 0 || p->width > 16384 || p->height > 16384 ||
	    (p->bit_depth != 8 && p->bit_depth != 10) || p->min_buffers < 1 ||
	    p->min_buffers > 64 || (p->n_hdr_ctrls && !p->hdr_ctrls))
		abort();
	for (unsigned i = 0; i < p->n_hdr_ctrls; i++)
		touch(p->hdr_ctrls[i].ptr, p->hdr_ctrls[i].size);
	/* As a device refusing the stream's headers: the core then has no stream until the next
	 * declaration succeeds (and slot_get aborts if a codec queues without one). */
	streamed = p->height <= 1024;
	return streamed ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_OPERATION_FAILED;
}

/* A slot of SLOT_BYTES, or of `need` bytes when larger (the core grows one) up to 64 MiB, as the
 * core: beyond, NOT_ENOUGH_BUFFER. */
VAStatus v4l2r_slot_get_size(struct v4l2r_ctx *ctx, size_t need, struct v4l2r_slot **slot,
			     uint8_t **data, size_t *capacity)
{
	size_t cap = need > SLOT_BYTES ? need : SLOT_BYTES;
	struct v4l2r_slot *s;

	if (!streamed)
		abort(); /* a slot before the stream is declared */
	if (cap > (64u << 20))
		return VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
	s = malloc(sizeof(*s));
	if (!s || !(s->data = malloc(cap)))
		abort();
	s->cap = cap;
	slots_out++;
	*slot = s;
	*data = s->data;
	*capacity = cap;
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_slot_get(struct v4l2r_ctx *ctx, struct v4l2r_slot **slot, uint8_t **data,
			size_t *capacity)
{
	return v4l2r_slot_get_size(ctx, 0, slot, data, capacity);
}

void v4l2r_slot_put(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot)
{
	if (!slots_out)
		abort();
	slots_out--;
	free(slot->data);
	free(slot);
}

VAStatus v4l2r_slot_queue(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot, size_t bytesused,
			  struct v4l2_ext_control *ctrls, unsigned n_ctrls, unsigned flags,
			  struct v4l2r_surface *const *refs, unsigned n_refs)
{
	if (bytesused == 0 || bytesused > slot->cap || n_ctrls > 8 || n_refs > 16)
		abort();
	touch(slot->data, bytesused);
	for (unsigned i = 0; i < n_ctrls; i++) {
		if (!ctrls[i].ptr || !ctrls[i].size)
			abort();
		touch(ctrls[i].ptr, ctrls[i].size);
	}
	for (unsigned i = 0; i < n_refs; i++)
		v4l2r_surface_ts(refs[i]);
	surfaces[cur_target].ts = picture_ts;
	queued++;
	v4l2r_slot_put(ctx, slot);
	return VA_STATUS_SUCCESS;
}

void v4l2r_ctx_debug(struct v4l2r_ctx *ctx, const char *fmt, ...)
{
}

/* --- target ---------------------------------------------------------------------------------- */

static bool is_va_status(VAStatus st)
{
	return (uint32_t)st <= VA_STATUS_ERROR_TIMEDOUT || (uint32_t)st == VA_STATUS_ERROR_UNKNOWN;
}

static VASurfaceID map(void *opaque, uint32_t v)
{
	/* 8..15: surfaces of no context here, i.e. IDs the core does not know */
	return v < FZ_SURFACES ? SURF_ID(v) : 0x7f000000u + v;
}

static const struct v4l2r_codec *const codecs[FZ_NCODECS] = {&v4l2r_codec_h264, &v4l2r_codec_mpeg2,
							     &v4l2r_codec_vp8};
static const VAProfile profiles[FZ_NCODECS] = {VAProfileH264High, VAProfileMPEG2Main,
					       VAProfileVP8Version0_3};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_reader r = {data, size};
	struct fz_pic pic;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	r.p++;
	r.left--;
	enum fz_codec c = (enum fz_codec)((sel & 3) % 3);
	const struct v4l2r_codec *codec = codecs[c];
	void *priv = calloc(1, codec->priv_size);
	if (!priv)
		abort();
	memset(surfaces, 0, sizeof(surfaces));
	streamed = false;
	n_end = 0;
	if (codec->init(NULL, priv, profiles[c]) != VA_STATUS_SUCCESS)
		abort();
	if (c == FZ_H264) {
		struct h264_priv *hp = priv;

		hp->frame_based = !(sel & 4);
		hp->annexb = !(sel & 8);
	}
	for (unsigned n = 0; fz_next_pic(&r, c, &pic, map, NULL); n++) {
		VAStatus st;

		cur_target = pic.target;
		picture_ts = 1000u * (n + 1);
		st = codec->begin(NULL, priv);
		if (!is_va_status(st))
			abort();
		for (unsigned i = 0; i < pic.n; i++) {
			struct v4l2r_va_buffer b = {pic.bufs[i].type, pic.bufs[i].data,
						    pic.bufs[i].size, pic.bufs[i].num};

			if (!is_va_status(codec->render(NULL, priv, &b)))
				abort();
		}
		st = pic.no_end ? VA_STATUS_SUCCESS : codec->end(NULL, priv);
		if (n_end < 32)
			end_status[n_end++] = st;
		if (!is_va_status(st))
			abort();
		if (slots_out)
			abort(); /* a slot neither queued nor given back */
		fz_pic_free(&pic);
	}
	codec->fini(NULL, priv);
	free(priv);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

#ifdef V4L2R_FUZZ_REPLAY
static int known_failures;

/* The vaEndPicture statuses of the last input's pictures must be `want`. */
static void expect_ends(const char *what, const VAStatus *want, unsigned n)
{
	for (unsigned i = 0; !fuzz_writing_seeds() && i < n; i++) {
		if (i >= n_end || end_status[i] != want[i]) {
			fprintf(stderr, "%s: picture %u: vaEndPicture %#x, want %#x\n", what, i,
				i < n_end ? (unsigned)end_status[i] : 0u, (unsigned)want[i]);
			known_failures++;
		}
	}
}

/* Runs (or writes) an input; a known one must queue `want` requests. */
static void seed(struct fz_writer *w, unsigned long want)
{
	unsigned long before = queued;

	fuzz_input(w->p, w->n);
	w->n = 0;
	if (!fuzz_writing_seeds() && want && queued - before != want) {
		fprintf(stderr, "known pictures: %lu requests queued, want %lu\n", queued - before,
			want);
		known_failures++;
	}
}

void fuzz_replay_builtin(void)
{
	struct fz_writer w = {0};

	/* the known pictures in every H.264 mode, twice in a row */
	for (uint8_t mode = 0; mode < 4; mode++) {
		fzw_u8(&w, (uint8_t)(FZ_H264 | mode << 2));
		fz_known_h264(&w, true);
		fz_known_h264(&w, true);
		seed(&w, 4);
	}
	/* regression: a bottom field count past INT32_MAX is refused, the next picture decodes */
	fzw_u8(&w, FZ_H264);
	fz_h264_poc_bottom(&w, 2, INT32_MAX);
	fz_h264_poc_bottom(&w, 3, 1);
	seed(&w, 1);
	/* regression: a start code inside slice data is refused, the next picture decodes */
	fzw_u8(&w, FZ_H264);
	fz_h264_start_code(&w, 2);
	fz_h264_poc_bottom(&w, 3, 1);
	seed(&w, 1);
	/* regression: after a stream the core could not set up, the same stream as before is
	 * declared again (was: cached as set up, every later picture failed) */
	fzw_u8(&w, FZ_H264);
	fz_known_h264(&w, false);
	fz_h264_size(&w, 2, 3, 66);
	fz_known_h264(&w, false);
	seed(&w, 2);
	/* regression: bit depths other than 8 and 10, or luma and chroma apart, are refused
	 * (INVALID_PARAMETER beyond 14 bits, UNSUPPORTED_RT_FORMAT for valid ones) */
	fzw_u8(&w, FZ_H264);
	fz_h264_bit_depth(&w, 2, 7, 7);
	fz_h264_bit_depth(&w, 2, 4, 4);
	fz_h264_bit_depth(&w, 2, 1, 1);
	fz_h264_bit_depth(&w, 2, 0, 2);
	fz_h264_bit_depth(&w, 3, 2, 2);
	fz_h264_bit_depth(&w, 4, 0, 0);
	seed(&w, 2);
	static const VAStatus want[] = {VA_STATUS_ERROR_INVALID_PARAMETER,
					VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT,
					VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT,
					VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT,
					VA_STATUS_SUCCESS,
					VA_STATUS_SUCCESS};
	expect_ends("bit depths", want, 6);
	fzw_u8(&w, FZ_MPEG2);
	fz_known_mpeg2(&w);
	fz_known_mpeg2(&w);
	seed(&w, 2);
	/* regression (MPEG-2): after a stream the core could not set up, the same stream as
	 * before is declared again (was: cached as set up, the stub aborted in slot_get) */
	fzw_u8(&w, FZ_MPEG2);
	fz_mpeg2_picture(&w, 0, FZ_MPEG2_I, 0, 0);
	fz_mpeg2_picture(&w, 1, FZ_MPEG2_TALL, 0, 0);
	fz_mpeg2_picture(&w, 2, FZ_MPEG2_I, 0, 0);
	seed(&w, 2);
	static const VAStatus want_stream[] = {VA_STATUS_SUCCESS, VA_STATUS_ERROR_OPERATION_FAILED,
					       VA_STATUS_SUCCESS};
	expect_ends("mpeg2 stream", want_stream, 3);
	/* regression (MPEG-2): pictures the device refuses are refused with a precise status
	 * (were queued): slices beyond the picture's rows, the 6.3.10 rules, references that are
	 * no reference picture of this context */
	static const struct {
		unsigned target;
		enum fz_mpeg2_kind kind;
		unsigned fwd, bwd;
		VAStatus want;
	} mpeg2[] = {
	    {0, FZ_MPEG2_I, 0, 0, VA_STATUS_SUCCESS},
	    {1, FZ_MPEG2_ROW_BEYOND, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {1, FZ_MPEG2_EMBEDDED, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {1, FZ_MPEG2_PROGRESSIVE_FIELD, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {1, FZ_MPEG2_PROGRESSIVE_FIELD_DCT, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {1, FZ_MPEG2_FIELD_FRAME_DCT, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    /* 48 lines in 3 rows: a progressive sequence (an interlaced one codes 4) */
	    {1, FZ_MPEG2_INTERLACED, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {1, FZ_MPEG2_SHORT, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {1, FZ_MPEG2_P, 2, 0, VA_STATUS_ERROR_INVALID_SURFACE},	 /* holds no picture */
	    {1, FZ_MPEG2_P, 9, 0, VA_STATUS_ERROR_INVALID_SURFACE},	 /* no surface */
	    {1, FZ_MPEG2_P_WIDE, 0, 0, VA_STATUS_ERROR_INVALID_SURFACE}, /* a new stream */
	    {1, FZ_MPEG2_P, 0, 0, VA_STATUS_SUCCESS},
	    {2, FZ_MPEG2_P, 0, 0, VA_STATUS_ERROR_INVALID_SURFACE}, /* not the newest */
	    {2, FZ_MPEG2_B, 1, 0, VA_STATUS_ERROR_INVALID_SURFACE}, /* swapped */
	    {2, FZ_MPEG2_B, 0, 1, VA_STATUS_SUCCESS},
	    {3, FZ_MPEG2_B, 2, 1, VA_STATUS_ERROR_INVALID_SURFACE}, /* a B picture */
	    {3, FZ_MPEG2_B, 0, 9, VA_STATUS_ERROR_INVALID_SURFACE},
	    {0, FZ_MPEG2_P, 1, 0, VA_STATUS_SUCCESS},
	    {1, FZ_MPEG2_B, 1, 0, VA_STATUS_SUCCESS},
	    {2, FZ_MPEG2_P, 1, 0, VA_STATUS_ERROR_INVALID_SURFACE}, /* overwritten by a B */
	    {2, FZ_MPEG2_P, 0, 0, VA_STATUS_SUCCESS},
	    {3, FZ_MPEG2_B, 0, 2, VA_STATUS_SUCCESS},
	};
	VAStatus want_mpeg2[sizeof(mpeg2) / sizeof(mpeg2[0])];
	unsigned long n_ok = 0;

	fzw_u8(&w, FZ_MPEG2);
	for (unsigned i = 0; i < sizeof(mpeg2) / sizeof(mpeg2[0]); i++) {
		fz_mpeg2_picture(&w, mpeg2[i].target, mpeg2[i].kind, mpeg2[i].fwd, mpeg2[i].bwd);
		want_mpeg2[i] = mpeg2[i].want;
		n_ok += mpeg2[i].want == VA_STATUS_SUCCESS;
	}
	seed(&w, n_ok);
	expect_ends("mpeg2 refusals", want_mpeg2, sizeof(mpeg2) / sizeof(mpeg2[0]));
	/* regression (MPEG-2): field pairs: the P second field of an I frame predicts from the
	 * reference before it (none here); a frame's fields are both B or neither */
	fzw_u8(&w, FZ_MPEG2);
	fz_mpeg2_picture(&w, 0, FZ_MPEG2_FIELD_I, 0, 0);
	fz_mpeg2_picture(&w, 0, FZ_MPEG2_FIELD_P, 0, 0); /* the I field: not a reference */
	fz_mpeg2_picture(&w, 0, FZ_MPEG2_FIELD_B, VA_INVALID_SURFACE, VA_INVALID_SURFACE);
	fz_mpeg2_picture(&w, 0, FZ_MPEG2_FIELD_P, VA_INVALID_SURFACE, 0);
	fz_mpeg2_picture(&w, 1, FZ_MPEG2_FIELD_I, 0, 0);
	fz_mpeg2_picture(&w, 1, FZ_MPEG2_FIELD_P, 0, 0);
	seed(&w, 4);
	static const VAStatus want_fields[] = {VA_STATUS_SUCCESS,
					       VA_STATUS_ERROR_INVALID_SURFACE,
					       VA_STATUS_ERROR_INVALID_PARAMETER,
					       VA_STATUS_SUCCESS,
					       VA_STATUS_SUCCESS,
					       VA_STATUS_SUCCESS};
	expect_ends("mpeg2 fields", want_fields, 6);
	free(w.p);
}

/* Files: VP8 frames (IVF) become slice data with zeroed VP8 parameters of the right sizes;
 * anything else is an input as it is. */
void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	struct fz_writer w = {0};
	size_t off = 32;
	unsigned frames = 0;

	fuzz_input(d, n);
	if (n < 32 || memcmp(d, "DKIF", 4))
		return;
	fzw_u8(&w, FZ_VP8);
	while (off + 12 <= n && frames < 8) {
		uint32_t fs = fuzz_le32(d + off);
		VAPictureParameterBufferVP8 pp = {0};
		VASliceParameterBufferVP8 sp = {0};
		VAProbabilityDataBufferVP8 prob = {0};

		off += 12;
		if (fs > n - off || fs > 60000)
			break;
		pp.frame_width = fuzz_le16(d + 12);
		pp.frame_height = fuzz_le16(d + 14);
		pp.pic_fields.bits.key_frame = d[off] & 1;
		pp.last_ref_frame = pp.golden_ref_frame = pp.alt_ref_frame = frames ? 0 : ~0u;
		sp.slice_data_size = fs;
		sp.slice_data_flag = VA_SLICE_DATA_FLAG_ALL;
		sp.num_of_partitions = 2;
		sp.partition_size[0] = (d[off] | d[off + 1] << 8 | d[off + 2] << 16) >> 5;
		sp.partition_size[1] =
		    fs > sp.partition_size[0] + 10 ? fs - sp.partition_size[0] - 10 : 0;
		sp.macroblock_offset = 8 * (d[off] & 1 ? 3 : 10);
		fzw_pic(&w, frames % FZ_SURFACES);
		fzw_buf(&w, FZ_PIC, &pp, sizeof(pp));
		fzw_buf(&w, FZ_PROB, &prob, sizeof(prob));
		fzw_slices(&w, &sp, sizeof(sp), 1);
		fzw_buf(&w, FZ_DATA, d + off, fs);
		fzw_u8(&w, FZ_END);
		off += fs;
		frames++;
	}
	seed(&w, 0);
	free(w.p);
}

int fuzz_replay_finish(void)
{
	return known_failures ? 1 : 0;
}
#endif
