/* SPDX-License-Identifier: MIT */
/*
 * MPEG-2 (ISO/IEC 13818-2): VA picture/IQ/slice buffers -> V4L2 stateless MPEG-2 controls
 * (SEQUENCE, PICTURE, QUANTISATION). One request per picture (a frame, or one field: the second
 * field of a pair goes into the first field's CAPTURE buffer under the same timestamp); the
 * OUTPUT buffer holds the picture's slices with their start codes, as hantro and cedrus take them.
 *
 * VA omits the sequence header's vbv_buffer_size, profile_and_level_indication, chroma_format and
 * progressive_sequence. Decoders ignore the first two (they are filled from the VA profile);
 * VA decodes 4:2:0 only. progressive_sequence is recovered from the slices where it matters: an
 * interlaced sequence codes 2 * ceil(vertical_size / 32) macroblock rows, a progressive one
 * ceil(vertical_size / 16) (6.3.3), and the last slice's start code names the last row. Where
 * both counts are equal the two kinds decode identically, and the flag follows the pictures: a
 * progressive sequence has only progressive frame pictures (6.3.10), so it stays cleared once
 * the stream has shown a field picture or an interlaced frame.
 */
#include "codec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/v4l2-controls.h>

#include "slices.h"

#define MPEG2_MAX_SLICES 4096	     /* per picture: at most one per macroblock row and column */
#define MPEG2_MAX_DATA	 (32u << 20) /* per picture */

static const VAProfile mpeg2_profiles[] = {VAProfileMPEG2Simple, VAProfileMPEG2Main};

static bool mpeg2_profile_is_10bit(VAProfile profile)
{
	(void)profile;
	return false;
}

struct mpeg2_slice {
	struct v4l2r_slice_span span; /* the slice, start code first (in the VA buffer) */
	VASliceParameterBufferMPEG2 param;
};

struct mpeg2_priv {
	VAProfile profile;

	/* Current picture. */
	bool have_pic, have_iq;
	VAPictureParameterBufferMPEG2 pic;
	VAIQMatrixBufferMPEG2 iq;
	struct v4l2r_slices sl; /* records: struct mpeg2_slice */

	/* Matrices in force: a quant_matrix_extension keeps them until the next sequence header,
	 * which VA does not show, so the last ones loaded stay (VA clients send them all). */
	struct v4l2_ctrl_mpeg2_quantisation quant;
	bool interlaced_seen;  /* a field picture, an interlaced frame or interlaced rows */
	bool progressive_rows; /* the slices reach the progressive row count only */
	bool first_field_valid;
	uint8_t first_field_type; /* picture_coding_type of the pending first field */
	/* The last two reference pictures (I, P frames or field pairs) queued on this context,
	 * newest first: what P and B pictures may name, while their surfaces still hold them. */
	struct mpeg2_refpic {
		struct v4l2r_surface *surface;
		uint64_t ts;
	} refpics[2];

	bool streamed;
	struct v4l2r_stream_params stream;
	struct v4l2_ctrl_mpeg2_sequence stream_seq;

	struct v4l2_ctrl_mpeg2_sequence seq;
	struct v4l2_ctrl_mpeg2_picture picture;
};

/* Default intra matrix (6.3.11), in zigzag scanning order; the default non-intra one is flat. */
static const uint8_t default_intra_zigzag[64] = {
    8,	16, 16, 19, 16, 19, 22, 22, 22, 22, 22, 22, 26, 24, 26, 27, 27, 27, 26, 26, 26, 26,
    27, 27, 27, 29, 29, 29, 34, 34, 34, 29, 29, 29, 27, 27, 29, 29, 32, 32, 34, 34, 37, 38,
    37, 35, 35, 34, 35, 38, 38, 40, 40, 40, 48, 48, 46, 46, 56, 56, 58, 69, 69, 83,
};

static void default_matrices(struct v4l2_ctrl_mpeg2_quantisation *q)
{
	memcpy(q->intra_quantiser_matrix, default_intra_zigzag, 64);
	memset(q->non_intra_quantiser_matrix, 16, 64);
	memcpy(q->chroma_intra_quantiser_matrix, default_intra_zigzag, 64);
	memset(q->chroma_non_intra_quantiser_matrix, 16, 64);
}

static VAStatus mpeg2_init(struct v4l2r_ctx *ctx, void *priv_, VAProfile profile)
{
	struct mpeg2_priv *priv = priv_;

	(void)ctx;
	priv->profile = profile;
	v4l2r_slices_init(&priv->sl, sizeof(struct mpeg2_slice),
			  offsetof(struct mpeg2_slice, param), sizeof(VASliceParameterBufferMPEG2),
			  MPEG2_MAX_SLICES, MPEG2_MAX_DATA);
	default_matrices(&priv->quant);
	return VA_STATUS_SUCCESS;
}

static void mpeg2_fini(struct v4l2r_ctx *ctx, void *priv_)
{
	struct mpeg2_priv *priv = priv_;

	(void)ctx;
	v4l2r_slices_free(&priv->sl);
}

static VAStatus mpeg2_begin(struct v4l2r_ctx *ctx, void *priv_)
{
	struct mpeg2_priv *priv = priv_;

	(void)ctx;
	priv->have_pic = false;
	priv->have_iq = false;
	v4l2r_slices_reset(&priv->sl);
	return VA_STATUS_SUCCESS;
}

/* --- render -------------------------------------------------------------------------------- */

static VAStatus mpeg2_render(struct v4l2r_ctx *ctx, void *priv_, const struct v4l2r_va_buffer *buf)
{
	struct mpeg2_priv *priv = priv_;

	(void)ctx;
	if (!buf || !buf->data)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	switch (buf->type) {
	case VAPictureParameterBufferType:
		if (buf->size != sizeof(priv->pic) || buf->num_elements != 1)
			return VA_STATUS_ERROR_INVALID_BUFFER;
		memcpy(&priv->pic, buf->data, sizeof(priv->pic));
		priv->have_pic = true;
		return VA_STATUS_SUCCESS;
	case VAIQMatrixBufferType:
		if (buf->size != sizeof(priv->iq) || buf->num_elements != 1)
			return VA_STATUS_ERROR_INVALID_BUFFER;
		memcpy(&priv->iq, buf->data, sizeof(priv->iq));
		priv->have_iq = true;
		return VA_STATUS_SUCCESS;
	case VASliceParameterBufferType:
		return v4l2r_slices_add_params(&priv->sl, buf);
	case VASliceDataBufferType: {
		unsigned first;

		return v4l2r_slices_add_data(&priv->sl, buf, &first);
	}
	default:
		return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
	}
}

/* --- end ----------------------------------------------------------------------------------- */

/* What the stream's shape is with this picture (see the top of the file): an interlaced picture
 * or interlaced rows seen; frames showing the progressive row count only. The slices' start
 * codes are checked (0x01..0xaf). */
struct mpeg2_shape {
	bool interlaced_seen, progressive_rows;
	unsigned last_row; /* the largest slice_vertical_position + 1 */
};

static struct mpeg2_shape stream_shape(const struct mpeg2_priv *priv)
{
	const VAPictureParameterBufferMPEG2 *p = &priv->pic;
	unsigned structure = p->picture_coding_extension.bits.picture_structure;
	unsigned v = p->vertical_size, prog_rows = (v + 15) / 16, il_rows = 2 * ((v + 31) / 32);
	struct mpeg2_shape sh = {priv->interlaced_seen, priv->progressive_rows, 0};

	if (structure != 3 || !p->picture_coding_extension.bits.progressive_frame)
		sh.interlaced_seen = true;
	for (unsigned i = 0; i < priv->sl.n; i++) {
		const struct mpeg2_slice *s = v4l2r_slices_rec(&priv->sl, i);
		unsigned row = s->span.data[3];

		sh.last_row = row > sh.last_row ? row : sh.last_row;
	}
	if (structure == 3 && prog_rows != il_rows) {
		if (sh.last_row == il_rows)
			sh.interlaced_seen = true;
		else if (sh.last_row == prog_rows && !sh.interlaced_seen)
			sh.progressive_rows = true;
	}
	return sh;
}

static VAStatus check_pic(const struct mpeg2_priv *priv)
{
	const VAPictureParameterBufferMPEG2 *p = &priv->pic;
	unsigned structure = p->picture_coding_extension.bits.picture_structure;

	if (p->horizontal_size == 0 || p->vertical_size == 0 || p->horizontal_size > 4096 ||
	    p->vertical_size > 4096)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (p->picture_coding_type < 1 || p->picture_coding_type > 3 || structure < 1)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	for (unsigned i = 0; i < 4; i++) {
		unsigned f = (p->f_code >> (12 - 4 * i)) & 0xf;

		if (f == 0 || (f > 9 && f != 15))
			return VA_STATUS_ERROR_INVALID_PARAMETER;
	}
	/* 6.3.10: a progressive frame is a frame picture predicted and transformed as a frame; a
	 * field picture uses field prediction and DCT. */
	bool progressive_frame = p->picture_coding_extension.bits.progressive_frame;
	bool frame_dct = p->picture_coding_extension.bits.frame_pred_frame_dct;

	if (progressive_frame && (structure != 3 || !frame_dct))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (structure != 3 && frame_dct)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	/* Slices carry their start code (00 00 01 01..AF). */
	for (unsigned i = 0; i < priv->sl.n; i++) {
		const struct mpeg2_slice *s = v4l2r_slices_rec(&priv->sl, i);
		const uint8_t *d = s->span.data;

		if (s->span.size < 5 || d[0] || d[1] || d[2] != 1 || d[3] < 0x01 || d[3] > 0xaf)
			return VA_STATUS_ERROR_INVALID_PARAMETER;
	}
	/* A progressive sequence has progressive frame pictures only (6.3.10). */
	struct mpeg2_shape sh = stream_shape(priv);
	bool progressive = sh.progressive_rows || !sh.interlaced_seen;

	if (progressive && (structure != 3 || !progressive_frame))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	/* The start code's last byte is slice_vertical_position + 1; the slices reach the
	 * picture's last macroblock row and none beyond (6.3.3: an interlaced sequence codes whole
	 * field rows, a field picture half of them), as the device decodes down to that row. A
	 * picture taller than 175 rows names its rows with slice_vertical_position_extension:
	 * not checked. */
	unsigned v = p->vertical_size;
	unsigned rows = progressive ? (v + 15) / 16 : 2 * ((v + 31) / 32);

	if (structure != 3)
		rows /= 2;
	if (rows <= 0xaf && sh.last_row != rows)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	/* A frame's two fields are both B pictures or neither. */
	if (structure != 3 && !p->picture_coding_extension.bits.is_first_field &&
	    priv->first_field_valid &&
	    (priv->first_field_type == 3) != (p->picture_coding_type == 3))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	return VA_STATUS_SUCCESS;
}

static void fill_controls(struct mpeg2_priv *priv)
{
	const VAPictureParameterBufferMPEG2 *p = &priv->pic;
	const VAIQMatrixBufferMPEG2 *iq = &priv->iq;
	struct v4l2_ctrl_mpeg2_sequence *seq = &priv->seq;
	struct v4l2_ctrl_mpeg2_picture *pic = &priv->picture;
	unsigned structure = p->picture_coding_extension.bits.picture_structure;
	bool progressive_frame = p->picture_coding_extension.bits.progressive_frame;

	struct mpeg2_shape sh = stream_shape(priv);

	priv->interlaced_seen = sh.interlaced_seen;
	priv->progressive_rows = sh.progressive_rows;

	memset(seq, 0, sizeof(*seq));
	seq->horizontal_size = (uint16_t)p->horizontal_size;
	seq->vertical_size = (uint16_t)p->vertical_size;
	/* Not in VA and not used for decoding: the level's maximum (Table 8-13, ML). */
	seq->vbv_buffer_size = 1835008 / 8;
	seq->profile_and_level_indication = priv->profile == VAProfileMPEG2Simple ? 0x58 : 0x48;
	seq->chroma_format = 1; /* 4:2:0 */
	if (priv->progressive_rows || !priv->interlaced_seen)
		seq->flags |= V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE;

	memset(pic, 0, sizeof(*pic));
	pic->f_code[0][0] = (p->f_code >> 12) & 0xf;
	pic->f_code[0][1] = (p->f_code >> 8) & 0xf;
	pic->f_code[1][0] = (p->f_code >> 4) & 0xf;
	pic->f_code[1][1] = p->f_code & 0xf;
	pic->picture_coding_type = (uint8_t)p->picture_coding_type;
	pic->picture_structure = (uint8_t)structure;
	pic->intra_dc_precision = (uint8_t)p->picture_coding_extension.bits.intra_dc_precision;
	/* A field picture's top_field_first bit is 0 (6.3.10); hantro and cedrus tell the
	 * second field of a pair from picture_structure and this flag, so it gives the frame's
	 * field order: the parity of its first field. */
	if (structure != 3) {
		bool first = p->picture_coding_extension.bits.is_first_field;

		if ((structure == 1) == first)
			pic->flags |= V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST;
	} else if (p->picture_coding_extension.bits.top_field_first) {
		pic->flags |= V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST;
	}
	if (p->picture_coding_extension.bits.frame_pred_frame_dct)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT;
	if (p->picture_coding_extension.bits.concealment_motion_vectors)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_CONCEALMENT_MV;
	if (p->picture_coding_extension.bits.q_scale_type)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_Q_SCALE_TYPE;
	if (p->picture_coding_extension.bits.intra_vlc_format)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_INTRA_VLC;
	if (p->picture_coding_extension.bits.alternate_scan)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_ALT_SCAN;
	if (p->picture_coding_extension.bits.repeat_first_field)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_REPEAT_FIRST;
	if (progressive_frame)
		pic->flags |= V4L2_MPEG2_PIC_FLAG_PROGRESSIVE;

	/* VA and V4L2 both keep the matrices in zigzag scanning order. A matrix not loaded keeps
	 * the one in force; the chroma ones follow the luma ones until loaded (6.3.11). */
	if (priv->have_iq) {
		struct v4l2_ctrl_mpeg2_quantisation *q = &priv->quant;

		if (iq->load_intra_quantiser_matrix) {
			memcpy(q->intra_quantiser_matrix, iq->intra_quantiser_matrix, 64);
			memcpy(q->chroma_intra_quantiser_matrix, iq->intra_quantiser_matrix, 64);
		}
		if (iq->load_non_intra_quantiser_matrix) {
			memcpy(q->non_intra_quantiser_matrix, iq->non_intra_quantiser_matrix, 64);
			memcpy(q->chroma_non_intra_quantiser_matrix, iq->non_intra_quantiser_matrix,
			       64);
		}
		if (iq->load_chroma_intra_quantiser_matrix)
			memcpy(q->chroma_intra_quantiser_matrix, iq->chroma_intra_quantiser_matrix,
			       64);
		if (iq->load_chroma_non_intra_quantiser_matrix)
			memcpy(q->chroma_non_intra_quantiser_matrix,
			       iq->chroma_non_intra_quantiser_matrix, 64);
	}
}

static VAStatus declare_stream(struct v4l2r_ctx *ctx, struct mpeg2_priv *priv)
{
	struct v4l2_ext_control ctrl = {
	    .id = V4L2_CID_STATELESS_MPEG2_SEQUENCE,
	    .size = sizeof(priv->seq),
	    .ptr = &priv->seq,
	};
	bool progressive = priv->seq.flags & V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE;
	/* Macroblock rows: an interlaced sequence codes whole field macroblock rows (6.3.3). */
	uint32_t rows = progressive ? (priv->seq.vertical_size + 15u) / 16
				    : 2 * ((priv->seq.vertical_size + 31u) / 32);
	struct v4l2r_stream_params sp = {
	    .width = (priv->seq.horizontal_size + 15u) & ~15u,
	    .height = rows * 16,
	    .bit_depth = 8,
	    .min_buffers = 3, /* two references + the picture being decoded */
	    .hdr_ctrls = &ctrl,
	    .n_hdr_ctrls = 1,
	};

	if (priv->streamed && priv->stream.width == sp.width && priv->stream.height == sp.height &&
	    !memcmp(&priv->stream_seq, &priv->seq, sizeof(priv->seq)))
		return VA_STATUS_SUCCESS;
	VAStatus st = v4l2r_ctx_stream(ctx, &sp);
	if (st != VA_STATUS_SUCCESS) {
		/* The core has no stream now: declare it again with the next picture, even one
		 * like the last that worked. */
		priv->streamed = false;
		return st;
	}
	/* CAPTURE buffers of another size: the reference pictures are gone with the old ones */
	if (!priv->streamed || priv->stream.width != sp.width || priv->stream.height != sp.height)
		memset(priv->refpics, 0, sizeof(priv->refpics));
	priv->streamed = true;
	priv->stream = sp;
	priv->stream.hdr_ctrls = NULL;
	priv->stream.n_hdr_ctrls = 0;
	priv->stream_seq = priv->seq;
	return VA_STATUS_SUCCESS;
}

/* The slice without what follows it up to the end of the VA buffer: ffmpeg hands the last slice
 * of a packet with a start code that ends exactly at the packet's end (a sequence_end_code),
 * which is not slice data. Slices are checked to start with their own start code. */
static size_t slice_size(const uint8_t *d, size_t size)
{
	for (size_t i = 4; i + 3 < size; i++)
		if (!d[i] && !d[i + 1] && d[i + 2] == 1 && (d[i + 3] < 0x01 || d[i + 3] > 0xaf))
			return i;
	return size;
}

/* The reference picture a P or B picture names, which must be refpics[which] (the newest
 * reference picture: 0, the one before: 1) in its surface still: NULL for VA_INVALID_SURFACE
 * (none: the device then predicts from the picture's own buffer), else
 * VA_STATUS_ERROR_INVALID_SURFACE (not a surface, never decoded here, a B picture, another
 * reference picture than the one the device predicts from, overwritten since, or `new_size`:
 * the picture declares a stream of another size, whose new CAPTURE buffers hold none). */
static VAStatus ref_surface(struct v4l2r_ctx *ctx, const struct mpeg2_priv *priv, VASurfaceID id,
			    unsigned which, bool new_size, struct v4l2r_surface **out)
{
	const struct mpeg2_refpic *r = &priv->refpics[which];
	struct v4l2r_surface *s;

	*out = NULL;
	if (id == VA_INVALID_SURFACE)
		return VA_STATUS_SUCCESS;
	s = v4l2r_ctx_surface(ctx, id);
	if (!s || new_size || r->surface != s || !r->ts || r->ts != v4l2r_surface_ts(s))
		return VA_STATUS_ERROR_INVALID_SURFACE;
	*out = s;
	return VA_STATUS_SUCCESS;
}

/* What the device gets, checked where the client can no longer change it (the checks before
 * read the VA buffers, which a client may rewrite meanwhile): slice start codes only (00 00 01
 * 01..AF), the first at offset 0, the largest naming the picture's last row, `rows` (not
 * checked beyond 175 rows, named with slice_vertical_position_extension). */
static bool output_ok(const uint8_t *d, size_t n, unsigned rows)
{
	const uint8_t *p = d + 2, *end = d + n;
	unsigned last = 0;

	if (n < 4 || d[0] || d[1] || d[2] != 1)
		return false;
	while (p < end && (p = memchr(p, 1, (size_t)(end - p)))) {
		if (p[-1] || p[-2]) {
			p++;
			continue;
		}
		if (p + 1 >= end || p[1] < 0x01 || p[1] > 0xaf)
			return false;
		last = p[1] > last ? p[1] : last;
		p += 2;
	}
	return rows > 0xaf || last == rows;
}

static VAStatus mpeg2_end(struct v4l2r_ctx *ctx, void *priv_)
{
	struct mpeg2_priv *priv = priv_;
	const VAPictureParameterBufferMPEG2 *p = &priv->pic;
	struct v4l2r_surface *refs[2];
	unsigned n_refs = 0;
	VAStatus st;

	if (!priv->have_pic || !v4l2r_slices_complete(&priv->sl))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	st = check_pic(priv);
	if (st != VA_STATUS_SUCCESS)
		return st;

	/* References: P pictures predict from the forward one, B from both (7.6). The P second
	 * field of an I frame takes its opposite-parity field from the first field; when no frame
	 * precedes (the stream starts with an I/P pair, or after a flush) ffmpeg names surface 0,
	 * which is never a surface ID here: no forward reference then. */
	struct v4l2r_surface *fwd = NULL, *bwd = NULL;
	bool ip_second = p->picture_coding_extension.bits.picture_structure != 3 &&
			 !p->picture_coding_extension.bits.is_first_field &&
			 priv->first_field_valid && priv->first_field_type == 1;
	/* P predicts from the newest reference picture, B from the two newest (7.6); the second
	 * field of an I or P frame comes after its first field became the newest: its P predicts
	 * from the one before. */
	unsigned p_ref = p->picture_coding_extension.bits.picture_structure != 3 &&
			 !p->picture_coding_extension.bits.is_first_field &&
			 priv->first_field_valid && priv->first_field_type != 3;
	struct mpeg2_shape sh = stream_shape(priv);
	unsigned v = p->vertical_size;
	unsigned rows =
	    sh.progressive_rows || !sh.interlaced_seen ? (v + 15) / 16 : 2 * ((v + 31) / 32);
	bool new_size = !priv->streamed ||
			priv->stream.width != ((p->horizontal_size + 15u) & ~15u) ||
			priv->stream.height != rows * 16;

	if (p->picture_coding_type == 2 && !(ip_second && p->forward_reference_picture == 0))
		st = ref_surface(ctx, priv, p->forward_reference_picture, p_ref, new_size, &fwd);
	if (p->picture_coding_type == 3) {
		st = ref_surface(ctx, priv, p->forward_reference_picture, 1, new_size, &fwd);
		if (st == VA_STATUS_SUCCESS)
			st = ref_surface(ctx, priv, p->backward_reference_picture, 0, new_size,
					 &bwd);
	}
	if (st != VA_STATUS_SUCCESS)
		return st;
	fill_controls(priv);
	if (fwd) {
		priv->picture.forward_ref_ts = v4l2r_surface_ts(fwd);
		refs[n_refs++] = fwd;
	}
	if (bwd) {
		priv->picture.backward_ref_ts = v4l2r_surface_ts(bwd);
		refs[n_refs++] = bwd;
	}

	st = declare_stream(ctx, priv);
	if (st != VA_STATUS_SUCCESS)
		return st;

	/* The second field of a pair decodes into the first field's CAPTURE buffer. */
	if (priv->picture.picture_structure != 3) {
		bool first = p->picture_coding_extension.bits.is_first_field;

		if (!first && priv->first_field_valid)
			v4l2r_ctx_continue_ts(ctx);
		priv->first_field_valid = first;
		priv->first_field_type = (uint8_t)p->picture_coding_type;
	} else {
		priv->first_field_valid = false;
	}

	struct v4l2_ext_control ctrls[3] = {
	    {.id = V4L2_CID_STATELESS_MPEG2_SEQUENCE, .size = sizeof(priv->seq), .ptr = &priv->seq},
	    {.id = V4L2_CID_STATELESS_MPEG2_PICTURE,
	     .size = sizeof(priv->picture),
	     .ptr = &priv->picture},
	    {.id = V4L2_CID_STATELESS_MPEG2_QUANTISATION,
	     .size = sizeof(priv->quant),
	     .ptr = &priv->quant},
	};
	struct v4l2r_slot *slot;
	uint8_t *data;
	size_t cap, used = 0;

	size_t need = 0;

	for (unsigned i = 0; i < priv->sl.n; i++) {
		const struct mpeg2_slice *s = v4l2r_slices_rec(&priv->sl, i);

		need += slice_size(s->span.data, s->span.size); /* at most MPEG2_MAX_DATA */
	}
	st = v4l2r_slot_get_size(ctx, need, &slot, &data, &cap);
	if (st != VA_STATUS_SUCCESS)
		return st;
	for (unsigned i = 0; i < priv->sl.n; i++) {
		const struct mpeg2_slice *s = v4l2r_slices_rec(&priv->sl, i);
		size_t size = slice_size(s->span.data, s->span.size);

		if (size > cap - used) {
			v4l2r_slot_put(ctx, slot);
			return VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
		}
		memcpy(data + used, s->span.data, size);
		used += size;
	}
	if (!output_ok(data, used, priv->picture.picture_structure != 3 ? rows / 2 : rows)) {
		v4l2r_slot_put(ctx, slot);
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	}
	v4l2r_ctx_debug(ctx, "mpeg2: type %u structure %u, %u slices, %zu bytes\n",
			priv->picture.picture_coding_type, priv->picture.picture_structure,
			priv->sl.n, used);
	st = v4l2r_slot_queue(ctx, slot, used, ctrls, 3, 0, refs, n_refs);
	if (st == VA_STATUS_SUCCESS && p->picture_coding_type != 3) {
		/* a reference picture (the second field of a pair: the same one again) */
		struct v4l2r_surface *target = v4l2r_ctx_target(ctx);
		uint64_t ts = v4l2r_ctx_picture_ts(ctx);

		if (priv->refpics[0].surface != target || priv->refpics[0].ts != ts) {
			priv->refpics[1] = priv->refpics[0];
			priv->refpics[0] = (struct mpeg2_refpic){target, ts};
		}
	}
	return st;
}

const struct v4l2r_codec v4l2r_codec_mpeg2 = {
    .name = "mpeg2",
    .coded_fourcc = V4L2_PIX_FMT_MPEG2_SLICE,
    .profiles = mpeg2_profiles,
    .n_profiles = sizeof(mpeg2_profiles) / sizeof(mpeg2_profiles[0]),
    .profile_is_10bit = mpeg2_profile_is_10bit,
    .priv_size = sizeof(struct mpeg2_priv),
    .init = mpeg2_init,
    .fini = mpeg2_fini,
    .begin = mpeg2_begin,
    .render = mpeg2_render,
    .end = mpeg2_end,
};
