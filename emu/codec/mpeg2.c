/* SPDX-License-Identifier: MIT */
/*
 * Emulated MPEG-2 stateless decoder (hantro-g1, cedrus): the kernel's MPEG-2 control set
 * (SEQUENCE, PICTURE, QUANTISATION), their validation, decoding with libavcodec from headers
 * REBUILT from the controls (sequence header + sequence extension, picture header + picture coding
 * extension, quant matrix extension) followed by the request's slices, and the check of the
 * reference timestamps against the device's own model of I/P reference updates.
 *
 * What a wrong control does here is what it does on hardware: fields the hardware programs change
 * the pixels or fail the decode; fields it never programs (vbv_buffer_size,
 * profile_and_level_indication, display-only flags) are ignored, as listed in
 * tests/emu_mpeg2/test_emu_mpeg2.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/v4l2-controls.h>

#include <libavutil/pixdesc.h>

#include "../emu_codec.h"
#include "lavc.h"

#define MPEG2_MAX_PACKET (16u << 20)

#define COMPOUND(cid, nm, t, st)                                                                   \
	{                                                                                          \
		.id = (cid), .name = (nm), .type = (t), .elem_size = sizeof(st),                   \
		.flags = V4L2_CTRL_FLAG_HAS_PAYLOAD, .step = 1,                                    \
	}

static int mpeg2_get_ctrls(const struct emu_dev_cfg *cfg, struct emu_ctrl_desc *descs, int max)
{
	/* Names as v4l2_ctrl_get_name() gives them; no control is required per request (hantro
	 * never had the check, cedrus dropped it in 5.11). */
	const struct emu_ctrl_desc all[] = {
	    COMPOUND(V4L2_CID_STATELESS_MPEG2_SEQUENCE, "MPEG-2 Sequence Header",
		     V4L2_CTRL_TYPE_MPEG2_SEQUENCE, struct v4l2_ctrl_mpeg2_sequence),
	    COMPOUND(V4L2_CID_STATELESS_MPEG2_PICTURE, "MPEG-2 Picture Header",
		     V4L2_CTRL_TYPE_MPEG2_PICTURE, struct v4l2_ctrl_mpeg2_picture),
	    COMPOUND(V4L2_CID_STATELESS_MPEG2_QUANTISATION, "MPEG-2 Quantisation Matrices",
		     V4L2_CTRL_TYPE_MPEG2_QUANTISATION, struct v4l2_ctrl_mpeg2_quantisation),
	};
	int i;

	(void)cfg;
	for (i = 0; i < 3 && i < max; i++)
		descs[i] = all[i];
	return i;
}

/* std_validate_compound() of v4l2-ctrls-core.c; neither hantro nor cedrus adds a try_ctrl for
 * MPEG-2. (The kernel zeroes picture.reserved instead of rejecting it.) */
static int mpeg2_try_ctrl(const struct emu_dev_cfg *cfg, uint32_t id, const void *data,
			  uint32_t size)
{
	(void)cfg;
	switch (id) {
	case V4L2_CID_STATELESS_MPEG2_SEQUENCE: {
		const struct v4l2_ctrl_mpeg2_sequence *s = data;

		if (size < sizeof(*s))
			return -EINVAL;
		if (s->chroma_format < 1 || s->chroma_format > 3)
			return -EINVAL;
		return 0;
	}
	case V4L2_CID_STATELESS_MPEG2_PICTURE: {
		const struct v4l2_ctrl_mpeg2_picture *p = data;

		if (size < sizeof(*p))
			return -EINVAL;
		if (p->intra_dc_precision > 3)
			return -EINVAL;
		if (p->picture_structure < V4L2_MPEG2_PIC_TOP_FIELD ||
		    p->picture_structure > V4L2_MPEG2_PIC_FRAME)
			return -EINVAL;
		if (p->picture_coding_type < V4L2_MPEG2_PIC_CODING_TYPE_I ||
		    p->picture_coding_type > V4L2_MPEG2_PIC_CODING_TYPE_B)
			return -EINVAL;
		return 0;
	}
	case V4L2_CID_STATELESS_MPEG2_QUANTISATION:
		return size < sizeof(struct v4l2_ctrl_mpeg2_quantisation) ? -EINVAL : 0;
	default:
		return 0;
	}
}

/* Default intra matrix (6.3.11) in zigzag scanning order; the non-intra default is flat 16. */
static const uint8_t default_intra[64] = {
    8,	16, 16, 19, 16, 19, 22, 22, 22, 22, 22, 22, 26, 24, 26, 27, 27, 27, 26, 26, 26, 26,
    27, 27, 27, 29, 29, 29, 34, 34, 34, 29, 29, 29, 27, 27, 29, 29, 32, 32, 34, 34, 37, 38,
    37, 35, 35, 34, 35, 38, 38, 40, 40, 40, 48, 48, 46, 46, 56, 56, 58, 69, 69, 83,
};

/* std_init_compound(): 4:2:0; an I top field; the default matrices. */
static void mpeg2_init_ctrl(uint32_t id, void *data, uint32_t size)
{
	switch (id) {
	case V4L2_CID_STATELESS_MPEG2_SEQUENCE:
		if (size >= sizeof(struct v4l2_ctrl_mpeg2_sequence))
			((struct v4l2_ctrl_mpeg2_sequence *)data)->chroma_format = 1;
		break;
	case V4L2_CID_STATELESS_MPEG2_PICTURE:
		if (size >= sizeof(struct v4l2_ctrl_mpeg2_picture)) {
			struct v4l2_ctrl_mpeg2_picture *p = data;

			p->picture_structure = V4L2_MPEG2_PIC_TOP_FIELD;
			p->picture_coding_type = V4L2_MPEG2_PIC_CODING_TYPE_I;
		}
		break;
	case V4L2_CID_STATELESS_MPEG2_QUANTISATION:
		if (size >= sizeof(struct v4l2_ctrl_mpeg2_quantisation)) {
			struct v4l2_ctrl_mpeg2_quantisation *q = data;

			memcpy(q->intra_quantiser_matrix, default_intra, 64);
			memset(q->non_intra_quantiser_matrix, 16, 64);
			memcpy(q->chroma_intra_quantiser_matrix, default_intra, 64);
			memset(q->chroma_non_intra_quantiser_matrix, 16, 64);
		}
		break;
	default:
		break;
	}
}

static int mpeg2_bit_depth(struct emu_instance *inst)
{
	(void)inst;
	return 8;
}

/* ---- bit writer ---- */

struct bw {
	uint8_t *buf;
	size_t len, cap;
	uint32_t acc;
	int nacc;
	bool err;
};

static void bw_byte(struct bw *w, uint8_t b)
{
	if (w->len == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		uint8_t *n = cap > MPEG2_MAX_PACKET ? NULL : realloc(w->buf, cap);

		if (!n) {
			w->err = true;
			return;
		}
		w->buf = n;
		w->cap = cap;
	}
	w->buf[w->len++] = b;
}

static void bw_bits(struct bw *w, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		w->acc = (w->acc << 1) | ((v >> i) & 1);
		if (++w->nacc == 8) {
			bw_byte(w, (uint8_t)w->acc);
			w->acc = 0;
			w->nacc = 0;
		}
	}
}

static void bw_align(struct bw *w)
{
	while (w->nacc)
		bw_bits(w, 0, 1);
}

static void bw_start(struct bw *w, uint8_t code)
{
	bw_align(w);
	bw_bits(w, 0x000001, 24);
	bw_bits(w, code, 8);
}

static void bw_raw(struct bw *w, const uint8_t *p, size_t n)
{
	if (w->err)
		return;
	if (n > MPEG2_MAX_PACKET - w->len) {
		w->err = true;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < w->len + n)
			cap *= 2;
		uint8_t *b = realloc(w->buf, cap);
		if (!b) {
			w->err = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* ---- header syntax (13818-2 6.2.2, 6.2.3) from the controls ---- */

static void write_sequence(struct bw *w, const struct v4l2_ctrl_mpeg2_sequence *s)
{
	bw_start(w, 0xb3); /* sequence_header */
	bw_bits(w, s->horizontal_size & 0xfff, 12);
	bw_bits(w, s->vertical_size & 0xfff, 12);
	bw_bits(w, 1, 4);	 /* aspect_ratio_information: square samples */
	bw_bits(w, 3, 4);	 /* frame_rate_code: 25 Hz, display only */
	bw_bits(w, 0x3ffff, 18); /* bit_rate_value */
	bw_bits(w, 1, 1);	 /* marker_bit */
	bw_bits(w, s->vbv_buffer_size & 0x3ff, 10);
	bw_bits(w, 0, 1); /* constrained_parameters_flag */
	bw_bits(w, 0, 1); /* load_intra_quantiser_matrix: the quant matrix extension does */
	bw_bits(w, 0, 1); /* load_non_intra_quantiser_matrix */

	bw_start(w, 0xb5); /* sequence_extension */
	bw_bits(w, 1, 4);
	bw_bits(w, s->profile_and_level_indication & 0xff, 8);
	bw_bits(w, !!(s->flags & V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE), 1);
	bw_bits(w, s->chroma_format & 3, 2);
	bw_bits(w, (s->horizontal_size >> 12) & 3, 2);
	bw_bits(w, (s->vertical_size >> 12) & 3, 2);
	bw_bits(w, 0, 12); /* bit_rate_extension */
	bw_bits(w, 1, 1);  /* marker_bit */
	bw_bits(w, (s->vbv_buffer_size >> 10) & 0xff, 8);
	bw_bits(w, 0, 1); /* low_delay */
	bw_bits(w, 0, 2); /* frame_rate_extension_n */
	bw_bits(w, 0, 5); /* frame_rate_extension_d */
}

static void write_picture(struct bw *w, const struct v4l2_ctrl_mpeg2_picture *p)
{
	uint32_t f = p->flags;

	bw_start(w, 0x00); /* picture_header */
	bw_bits(w, 0, 10); /* temporal_reference: display order only */
	bw_bits(w, p->picture_coding_type & 7, 3);
	bw_bits(w, 0xffff, 16); /* vbv_delay */
	if (p->picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_P ||
	    p->picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_B)
		bw_bits(w, 0x7, 4); /* full_pel_forward_vector 0, forward_f_code 7 (MPEG-1) */
	if (p->picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_B)
		bw_bits(w, 0x7, 4);
	bw_bits(w, 0, 1); /* extra_bit_picture */

	bw_start(w, 0xb5); /* picture_coding_extension */
	bw_bits(w, 8, 4);
	bw_bits(w, p->f_code[0][0] & 0xf, 4);
	bw_bits(w, p->f_code[0][1] & 0xf, 4);
	bw_bits(w, p->f_code[1][0] & 0xf, 4);
	bw_bits(w, p->f_code[1][1] & 0xf, 4);
	bw_bits(w, p->intra_dc_precision & 3, 2);
	bw_bits(w, p->picture_structure & 3, 2);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_CONCEALMENT_MV), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_Q_SCALE_TYPE), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_INTRA_VLC), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_ALT_SCAN), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_REPEAT_FIRST), 1);
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_PROGRESSIVE), 1); /* chroma_420_type */
	bw_bits(w, !!(f & V4L2_MPEG2_PIC_FLAG_PROGRESSIVE), 1);
	bw_bits(w, 0, 1); /* composite_display_flag */
}

/* The control and the bitstream both carry the matrices in zigzag scanning order (6.3.11). */
static void write_quant(struct bw *w, const struct v4l2_ctrl_mpeg2_quantisation *q, bool chroma)
{
	bw_start(w, 0xb5); /* quant_matrix_extension */
	bw_bits(w, 3, 4);
	bw_bits(w, 1, 1);
	for (int i = 0; i < 64; i++)
		bw_bits(w, q->intra_quantiser_matrix[i], 8);
	bw_bits(w, 1, 1);
	for (int i = 0; i < 64; i++)
		bw_bits(w, q->non_intra_quantiser_matrix[i], 8);
	bw_bits(w, chroma, 1);
	for (int i = 0; chroma && i < 64; i++)
		bw_bits(w, q->chroma_intra_quantiser_matrix[i], 8);
	bw_bits(w, chroma, 1);
	for (int i = 0; chroma && i < 64; i++)
		bw_bits(w, q->chroma_non_intra_quantiser_matrix[i], 8);
	bw_align(w);
}

/* ---- decoding instance ---- */

struct mpeg2_ref {
	bool valid;
	int capture;
	uint64_t ts;
};

struct mpeg2_ctx {
	struct emu_instance *inst;
	struct emu_lavc lavc;
	/* Reference model (7.6): I and P frames are references; B pictures predict from the
	 * older (forward) and the newer (backward) one, P from the newer one. */
	struct mpeg2_ref older, newer;
	/* A first field waiting for its second field (same CAPTURE buffer and timestamp). */
	bool field_pending;
	int field_capture;
	uint64_t field_ts;
	uint8_t field_structure, field_type;
	/* the request being decoded */
	struct v4l2_ctrl_mpeg2_sequence seq;
	struct v4l2_ctrl_mpeg2_picture pic;
	struct v4l2_ctrl_mpeg2_quantisation quant;
	bool failed;
	struct bw w;
};

static void mpeg2_close(void *priv)
{
	struct mpeg2_ctx *c = priv;

	if (!c)
		return;
	emu_lavc_close(&c->lavc);
	free(c->w.buf);
	free(c);
}

static void *mpeg2_open(struct emu_instance *inst)
{
	struct mpeg2_ctx *c = calloc(1, sizeof(*c));

	if (!c || emu_lavc_open(&c->lavc, AV_CODEC_ID_MPEG2VIDEO, AV_CODEC_FLAG2_SHOW_ALL)) {
		free(c);
		return NULL;
	}
	c->inst = inst;
	return c;
}

/* ---- checks ---- */

/* The reference named by `ts` must be the CAPTURE buffer the model holds for it. */
static bool check_ref(struct mpeg2_ctx *c, const struct emu_job *job, const char *field,
		      uint64_t ts, const struct mpeg2_ref *want)
{
	int got;

	if (!want->valid)
		return true; /* no reference yet: the hardware predicts from the current buffer */
	got = emu_inst_find_capture(c->inst, ts);
	if (got != want->capture) {
		emu_violation(job, "reference-ts",
			      "\"field\":\"%s\",\"got\":%d,\"want\":%d,\"ts\":%" PRIu64, field, got,
			      want->capture, ts);
		return false;
	}
	return true;
}

/* Semantic constraints of 6.3.5 / 6.3.10 that the decoding process relies on. */
static bool check_syntax(struct mpeg2_ctx *c, const struct emu_job *job, bool second_field)
{
	const struct v4l2_ctrl_mpeg2_picture *p = &c->pic;
	bool progressive_frame = p->flags & V4L2_MPEG2_PIC_FLAG_PROGRESSIVE;
	bool bad = false;

	if (c->seq.chroma_format != 1) {
		/* hantro-g1 and cedrus decode 4:2:0 only */
		emu_violation(job, "unsupported", "\"field\":\"chroma_format\",\"got\":%u",
			      c->seq.chroma_format);
		bad = true;
	}
	if (c->seq.horizontal_size == 0 || c->seq.vertical_size == 0) {
		emu_violation(job, "invalid-control",
			      "\"field\":\"horizontal_size/vertical_size\"");
		bad = true;
	}
	if ((c->seq.flags & V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE) &&
	    (!progressive_frame || p->picture_structure != V4L2_MPEG2_PIC_FRAME)) {
		emu_violation(job, "syntax", "\"field\":\"progressive_frame\",\"rule\":\"6.3.10\"");
		bad = true;
	}
	if (progressive_frame && (p->picture_structure != V4L2_MPEG2_PIC_FRAME ||
				  !(p->flags & V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT))) {
		emu_violation(job, "syntax",
			      "\"field\":\"progressive_frame\",\"rule\":\"frame_pred_frame_dct\"");
		bad = true;
	}
	if (p->picture_structure != V4L2_MPEG2_PIC_FRAME &&
	    (p->flags & V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT)) {
		emu_violation(job, "syntax",
			      "\"field\":\"frame_pred_frame_dct\",\"rule\":\"field\"");
		bad = true;
	}
	if (second_field && c->field_type == V4L2_MPEG2_PIC_CODING_TYPE_B &&
	    p->picture_coding_type != V4L2_MPEG2_PIC_CODING_TYPE_B) {
		emu_violation(job, "syntax",
			      "\"field\":\"picture_coding_type\",\"rule\":\"B pair\"");
		bad = true;
	}
	/* hantro (and cedrus, whose MP12HDR register takes the same flag) tells a second field
	 * from picture_structure and TOP_FIELD_FIRST: only then does a P field predict from the
	 * opposite-parity field already in the CAPTURE buffer, otherwise it takes both fields
	 * from forward_ref_ts. The flag must give the field order of the frame (a field picture's
	 * top_field_first bit is 0 in the bitstream, 6.3.10). */
	if (p->picture_structure != V4L2_MPEG2_PIC_FRAME &&
	    p->picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_P) {
		bool tff = p->flags & V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST;
		bool hw_second = (p->picture_structure == V4L2_MPEG2_PIC_TOP_FIELD) != tff;

		if (hw_second != second_field) {
			emu_violation(
			    job, "reference-field",
			    "\"field\":\"flags.TOP_FIELD_FIRST\",\"got\":%d,\"structure\":%u,"
			    "\"second_field\":%d",
			    tff, p->picture_structure, second_field);
			bad = true;
		}
	}
	switch (p->picture_coding_type) {
	case V4L2_MPEG2_PIC_CODING_TYPE_P:
		bad |= !check_ref(c, job, "forward_ref_ts", p->forward_ref_ts, &c->newer);
		break;
	case V4L2_MPEG2_PIC_CODING_TYPE_B:
		bad |= !check_ref(c, job, "forward_ref_ts", p->forward_ref_ts, &c->older);
		bad |= !check_ref(c, job, "backward_ref_ts", p->backward_ref_ts, &c->newer);
		break;
	default:
		break;
	}
	return !bad;
}

/* The OUTPUT buffer: slices only, each after its start code 00 00 01 01..AF, down to the last
 * macroblock row of the picture (the hardware would wait for the missing rows). */
static bool check_slices(struct mpeg2_ctx *c, const struct emu_job *job)
{
	bool progressive = c->seq.flags & V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE;
	unsigned rows = progressive ? (c->seq.vertical_size + 15u) / 16
				    : 2 * ((c->seq.vertical_size + 31u) / 32);
	unsigned last = 0;
	int n = 0;

	if (c->pic.picture_structure != V4L2_MPEG2_PIC_FRAME)
		rows /= 2;
	if (job->size < 4 || job->data[0] || job->data[1] || job->data[2] != 1) {
		emu_violation(job, "slice-data", "\"field\":\"no start code at offset 0\"");
		return false;
	}
	for (size_t i = 0; i + 3 < job->size; i++) {
		if (job->data[i] || job->data[i + 1] || job->data[i + 2] != 1)
			continue;
		uint8_t code = job->data[i + 3];

		if (code < 0x01 || code > 0xaf) {
			emu_violation(job, "slice-data",
				      "\"field\":\"start code\",\"got\":%u,\"offset\":%zu", code,
				      i);
			return false;
		}
		if (code > last)
			last = code;
		n++;
		i += 3;
	}
	if (n == 0 || last != rows) {
		emu_violation(job, "slice-data",
			      "\"field\":\"macroblock rows\",\"got\":%u,\"want\":%u", last, rows);
		return false;
	}
	return true;
}

/* Model update once a picture is complete: a frame, or the second field of a pair. */
static void model_update(struct mpeg2_ctx *c, uint8_t type, int capture, uint64_t ts)
{
	if (type == V4L2_MPEG2_PIC_CODING_TYPE_B)
		return;
	c->older = c->newer;
	c->newer = (struct mpeg2_ref){.valid = true, .capture = capture, .ts = ts};
}

static int decode(struct mpeg2_ctx *c, const struct emu_job *job, bool second_field)
{
	const struct emu_dev_cfg *cfg = emu_inst_cfg(c->inst);
	/* hantro-g1 programs all four matrices; cedrus only the luma ones (4:2:0 uses those for
	 * chroma, 6.3.11). */
	bool chroma = strcmp(cfg->profile, "cedrus") != 0;
	int ret;

	c->w.len = 0;
	c->w.nacc = 0;
	c->w.acc = 0;
	c->w.err = false;
	if (!second_field)
		write_sequence(&c->w, &c->seq);
	write_picture(&c->w, &c->pic);
	write_quant(&c->w, &c->quant, chroma);
	bw_raw(&c->w, job->data, job->size);
	if (c->w.err)
		return -1;
	uint8_t *pkt = emu_lavc_packet(&c->lavc, c->w.len);

	if (!pkt)
		return -1;
	memcpy(pkt, c->w.buf, c->w.len);
	/* libavcodec's error resilience miscounts the macroblocks of field pictures (a field's
	 * slice row is counted as two rows, clipped at the frame's end), so AV_EF_EXPLODE reports
	 * an error on every second field and on bottom first fields. Field pictures decode without
	 * it: a damaged field shows as wrong pixels, as on hardware that conceals. */
	if (c->pic.picture_structure != V4L2_MPEG2_PIC_FRAME)
		c->lavc.avctx->err_recognition &= ~AV_EF_EXPLODE;
	else
		c->lavc.avctx->err_recognition |= AV_EF_EXPLODE;
	ret = emu_lavc_send(&c->lavc);
	if (ret < 0) {
		emu_debug("mpeg2: libavcodec error %d on request %" PRIu64 "\n", ret, job->seq);
		return -1;
	}
	/* a second field decodes into its first field's picture */
	if (emu_lavc_take(&c->lavc, second_field)) {
		emu_debug("mpeg2: request %" PRIu64 ": no picture decoded\n", job->seq);
		return -1;
	}
	return 0;
}

static int mpeg2_submit(void *priv, const struct emu_job *job)
{
	struct mpeg2_ctx *c = priv;
	const struct emu_dev_cfg *cfg;
	const void *v;
	uint32_t size = 0;
	bool second_field, ok;

	if (!c)
		return -1;
	cfg = emu_inst_cfg(c->inst);
	c->failed = true;
	v = emu_job_ctrl(job, V4L2_CID_STATELESS_MPEG2_SEQUENCE, &size);
	if (!v || size < sizeof(c->seq))
		goto missing;
	memcpy(&c->seq, v, sizeof(c->seq));
	v = emu_job_ctrl(job, V4L2_CID_STATELESS_MPEG2_PICTURE, &size);
	if (!v || size < sizeof(c->pic))
		goto missing;
	memcpy(&c->pic, v, sizeof(c->pic));
	v = emu_job_ctrl(job, V4L2_CID_STATELESS_MPEG2_QUANTISATION, &size);
	if (!v || size < sizeof(c->quant))
		goto missing;
	memcpy(&c->quant, v, sizeof(c->quant));
	if (mpeg2_try_ctrl(cfg, V4L2_CID_STATELESS_MPEG2_SEQUENCE, &c->seq, sizeof(c->seq)) ||
	    mpeg2_try_ctrl(cfg, V4L2_CID_STATELESS_MPEG2_PICTURE, &c->pic, sizeof(c->pic))) {
		emu_violation(job, "invalid-control", "\"field\":\"sequence/picture\"");
		return -1;
	}

	/* A field completes the pending first field when it lands in the same buffer with the
	 * opposite parity; anything else abandons the pending one. */
	second_field = c->pic.picture_structure != V4L2_MPEG2_PIC_FRAME && c->field_pending &&
		       c->field_capture == job->capture_index && c->field_ts == job->timestamp &&
		       c->field_structure != c->pic.picture_structure;
	if (c->field_pending && !second_field) {
		model_update(c, c->field_type, c->field_capture, c->field_ts);
		c->field_pending = false;
	}

	ok = check_syntax(c, job, second_field);
	ok &= check_slices(c, job);
	if (ok && decode(c, job, second_field) == 0)
		c->failed = false;

	if (c->pic.picture_structure == V4L2_MPEG2_PIC_FRAME) {
		model_update(c, c->pic.picture_coding_type, job->capture_index, job->timestamp);
	} else if (second_field) {
		model_update(c, c->field_type, c->field_capture, c->field_ts);
		c->field_pending = false;
	} else {
		c->field_pending = true;
		c->field_capture = job->capture_index;
		c->field_ts = job->timestamp;
		c->field_structure = c->pic.picture_structure;
		c->field_type = c->pic.picture_coding_type;
	}
	return c->failed ? -1 : 0;
missing:
	emu_violation(job, "missing-control", "\"field\":\"sequence/picture/quantisation\"");
	return -1;
}

static int mpeg2_finish(void *priv, const struct emu_job *job, struct emu_picture *out)
{
	struct mpeg2_ctx *c = priv;
	const AVPixFmtDescriptor *d;
	int rows;

	(void)job;
	if (!c || c->failed || !c->lavc.out->buf[0])
		return -1;
	d = av_pix_fmt_desc_get(c->lavc.out->format);
	/* an interlaced sequence codes whole field macroblock rows (6.3.3) */
	rows = (c->seq.flags & V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE)
		   ? (c->seq.vertical_size + 15) / 16
		   : 2 * ((c->seq.vertical_size + 31) / 32);
	if (!d || d->nb_components != 3 || d->log2_chroma_w != 1 || d->log2_chroma_h != 1 ||
	    d->comp[0].depth != 8 || c->lavc.out->width != c->seq.horizontal_size ||
	    c->lavc.out->height != c->seq.vertical_size)
		return -1;
	out->width = (c->seq.horizontal_size + 15) & ~15;
	/* libavcodec pads MPEG-2 pictures to 32 rows: the coded rows are in the buffer */
	out->height = rows * 16;
	out->bit_depth = 8;
	for (int i = 0; i < 3; i++) {
		out->plane[i] = c->lavc.out->data[i];
		out->stride[i] = c->lavc.out->linesize[i];
	}
	return 0;
}

/* ---- trace ---- */

static void dump_u8s(FILE *f, const char *name, const uint8_t *p, int n)
{
	fprintf(f, "\"%s\":[", name);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", p[i]);
	fputc(']', f);
}

static void mpeg2_dump_ctrl(FILE *f, uint32_t id, const void *data, uint32_t size)
{
	switch (id) {
	case V4L2_CID_STATELESS_MPEG2_SEQUENCE: {
		const struct v4l2_ctrl_mpeg2_sequence *s = data;

		if (size < sizeof(*s))
			break;
		fprintf(f,
			"{\"horizontal_size\":%u,\"vertical_size\":%u,\"vbv_buffer_size\":%u,"
			"\"profile_and_level_indication\":%u,\"chroma_format\":%u,\"flags\":%u}",
			s->horizontal_size, s->vertical_size, s->vbv_buffer_size,
			s->profile_and_level_indication, s->chroma_format, s->flags);
		return;
	}
	case V4L2_CID_STATELESS_MPEG2_PICTURE: {
		const struct v4l2_ctrl_mpeg2_picture *p = data;

		if (size < sizeof(*p))
			break;
		fprintf(f,
			"{\"backward_ref_ts\":%" PRIu64 ",\"forward_ref_ts\":%" PRIu64
			",\"flags\":%u,\"f_code\":[[%u,%u],[%u,%u]],\"picture_coding_type\":%u,"
			"\"picture_structure\":%u,\"intra_dc_precision\":%u}",
			(uint64_t)p->backward_ref_ts, (uint64_t)p->forward_ref_ts, p->flags,
			p->f_code[0][0], p->f_code[0][1], p->f_code[1][0], p->f_code[1][1],
			p->picture_coding_type, p->picture_structure, p->intra_dc_precision);
		return;
	}
	case V4L2_CID_STATELESS_MPEG2_QUANTISATION: {
		const struct v4l2_ctrl_mpeg2_quantisation *q = data;

		if (size < sizeof(*q))
			break;
		fputc('{', f);
		dump_u8s(f, "intra_quantiser_matrix", q->intra_quantiser_matrix, 64);
		fputc(',', f);
		dump_u8s(f, "non_intra_quantiser_matrix", q->non_intra_quantiser_matrix, 64);
		fputc(',', f);
		dump_u8s(f, "chroma_intra_quantiser_matrix", q->chroma_intra_quantiser_matrix, 64);
		fputc(',', f);
		dump_u8s(f, "chroma_non_intra_quantiser_matrix",
			 q->chroma_non_intra_quantiser_matrix, 64);
		fputc('}', f);
		return;
	}
	default:
		break;
	}
	fputs("null", f);
}

const struct emu_codec_ops emu_codec_mpeg2 = {
    .name = "mpeg2",
    .coded_fourcc = V4L2_PIX_FMT_MPEG2_SLICE,
    .get_ctrls = mpeg2_get_ctrls,
    .try_ctrl = mpeg2_try_ctrl,
    .init_ctrl = mpeg2_init_ctrl,
    .bit_depth = mpeg2_bit_depth,
    .open = mpeg2_open,
    .close = mpeg2_close,
    .submit = mpeg2_submit,
    .finish = mpeg2_finish,
    .dump_ctrl = mpeg2_dump_ctrl,
};
