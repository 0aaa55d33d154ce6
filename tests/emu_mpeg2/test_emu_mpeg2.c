/* SPDX-License-Identifier: MIT */
/*
 * The emulated MPEG-2 codec (emu/codec/mpeg2.c) on a fake core, as hantro-g1 and cedrus:
 *  - clips made by ffmpeg's mpeg2video encoder (and by tests/integration/mpeg2-fields.py: field
 *    pictures of both orders, four different f_codes) are parsed here (own header parser: sequence,
 * extensions, picture headers) into the three controls, one job per picture (a field pair: two jobs
 * on one CAPTURE buffer and timestamp) with its slices; every frame's MD5 (display order) must
 *    equal ffmpeg's software decode (-f framemd5);
 *  - mutation check (first clip and clips named mut-*): every field of SEQUENCE, PICTURE and
 *    QUANTISATION mutated on an I, a P and a B picture, and the f_code pairs swapped, must be
 *    caught (violation, failed job or different pixels), unless listed below as ignored by the
 *    hardware with the reason (then it must NOT change anything);
 *  - try_ctrl (std_validate_compound) and the std_init_compound defaults.
 *
 *   test_emu_mpeg2 MUTATION_CLIP.m2v MUTATION_CLIP.framemd5 [CLIP.m2v CLIP.framemd5]...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/v4l2-controls.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "fake_core.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* ---- the stream, parsed here ---- */

#define MAX_PICS 64

struct pic {
	struct v4l2_ctrl_mpeg2_sequence seq;
	struct v4l2_ctrl_mpeg2_picture pic; /* reference timestamps filled at decode */
	struct v4l2_ctrl_mpeg2_quantisation quant;
	const uint8_t *data; /* slices, start code first */
	size_t size;
	bool second; /* the second field of a pair */
	int first;   /* the frame's first picture: this one, or the first field */
	int frame;   /* decode-order frame number */
};

struct stream {
	uint8_t *buf;
	size_t len;
	struct pic pics[MAX_PICS];
	int n;
	char want[MAX_PICS][33]; /* display order, from framemd5 */
	int nwant;
};

struct br {
	const uint8_t *p;
	size_t len, pos; /* bits */
};

static unsigned bits(struct br *b, int n)
{
	unsigned v = 0;

	while (n--) {
		unsigned bit = 0;

		if (b->pos / 8 < b->len)
			bit = (b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1;
		b->pos++;
		v = (v << 1) | bit;
	}
	return v;
}

static const uint8_t default_intra[64] = {
    8,	16, 16, 19, 16, 19, 22, 22, 22, 22, 22, 22, 26, 24, 26, 27, 27, 27, 26, 26, 26, 26,
    27, 27, 27, 29, 29, 29, 34, 34, 34, 29, 29, 29, 27, 27, 29, 29, 32, 32, 34, 34, 37, 38,
    37, 35, 35, 34, 35, 38, 38, 40, 40, 40, 48, 48, 46, 46, 56, 56, 58, 69, 69, 83,
};

static void load(struct br *b, uint8_t *m)
{
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)bits(b, 8); /* zigzag scanning order, as the control */
}

static int parse(struct stream *s)
{
	struct v4l2_ctrl_mpeg2_sequence seq = {0};
	struct v4l2_ctrl_mpeg2_quantisation q;
	struct pic *cur = NULL;
	size_t i = 0;

	memcpy(q.intra_quantiser_matrix, default_intra, 64);
	memset(q.non_intra_quantiser_matrix, 16, 64);
	memcpy(q.chroma_intra_quantiser_matrix, default_intra, 64);
	memset(q.chroma_non_intra_quantiser_matrix, 16, 64);
	while (i + 3 < s->len) {
		if (s->buf[i] || s->buf[i + 1] || s->buf[i + 2] != 1) {
			i++;
			continue;
		}
		uint8_t code = s->buf[i + 3];
		struct br b = {s->buf + i + 4, s->len - i - 4, 0};

		if (code >= 0x01 && code <= 0xaf) {
			if (!cur)
				return -1;
			if (!cur->data)
				cur->data = s->buf + i;
			cur->size = 0; /* set at the next non-slice start code */
			i += 4;
			continue;
		}
		if (cur && cur->data && !cur->size)
			cur->size = (size_t)(s->buf + i - cur->data);
		if (code == 0xb3) {
			seq.horizontal_size = (uint16_t)bits(&b, 12);
			seq.vertical_size = (uint16_t)bits(&b, 12);
			bits(&b, 4 + 4 + 18 + 1);
			seq.vbv_buffer_size = bits(&b, 10);
			bits(&b, 1);
			memcpy(q.intra_quantiser_matrix, default_intra, 64);
			memset(q.non_intra_quantiser_matrix, 16, 64);
			if (bits(&b, 1))
				load(&b, q.intra_quantiser_matrix);
			if (bits(&b, 1))
				load(&b, q.non_intra_quantiser_matrix);
			memcpy(q.chroma_intra_quantiser_matrix, q.intra_quantiser_matrix, 64);
			memcpy(q.chroma_non_intra_quantiser_matrix, q.non_intra_quantiser_matrix,
			       64);
		} else if (code == 0xb5) {
			unsigned id = bits(&b, 4);

			if (id == 1) {
				seq.profile_and_level_indication = (uint16_t)bits(&b, 8);
				seq.flags = bits(&b, 1) ? V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE : 0;
				seq.chroma_format = (uint8_t)bits(&b, 2);
				seq.horizontal_size |= (uint16_t)(bits(&b, 2) << 12);
				seq.vertical_size |= (uint16_t)(bits(&b, 2) << 12);
				bits(&b, 12 + 1);
				seq.vbv_buffer_size |= bits(&b, 8) << 10;
			} else if (id == 3) {
				if (bits(&b, 1)) {
					load(&b, q.intra_quantiser_matrix);
					memcpy(q.chroma_intra_quantiser_matrix,
					       q.intra_quantiser_matrix, 64);
				}
				if (bits(&b, 1)) {
					load(&b, q.non_intra_quantiser_matrix);
					memcpy(q.chroma_non_intra_quantiser_matrix,
					       q.non_intra_quantiser_matrix, 64);
				}
				if (bits(&b, 1))
					load(&b, q.chroma_intra_quantiser_matrix);
				if (bits(&b, 1))
					load(&b, q.chroma_non_intra_quantiser_matrix);
			} else if (id == 8 && cur) {
				struct v4l2_ctrl_mpeg2_picture *p = &cur->pic;
				static const uint32_t fl[] = {
				    V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST,
				    V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT,
				    V4L2_MPEG2_PIC_FLAG_CONCEALMENT_MV,
				    V4L2_MPEG2_PIC_FLAG_Q_SCALE_TYPE,
				    V4L2_MPEG2_PIC_FLAG_INTRA_VLC,
				    V4L2_MPEG2_PIC_FLAG_ALT_SCAN,
				    V4L2_MPEG2_PIC_FLAG_REPEAT_FIRST,
				};

				for (int k = 0; k < 4; k++)
					p->f_code[k / 2][k % 2] = (uint8_t)bits(&b, 4);
				p->intra_dc_precision = (uint8_t)bits(&b, 2);
				p->picture_structure = (uint8_t)bits(&b, 2);
				for (int k = 0; k < 7; k++)
					if (bits(&b, 1))
						p->flags |= fl[k];
				bits(&b, 1); /* chroma_420_type */
				if (bits(&b, 1))
					p->flags |= V4L2_MPEG2_PIC_FLAG_PROGRESSIVE;
			}
			if (cur && cur->data == NULL)
				cur->quant = q, cur->seq = seq;
		} else if (code == 0x00) {
			if (s->n == MAX_PICS)
				return -1;
			cur = &s->pics[s->n++];
			memset(cur, 0, sizeof(*cur));
			bits(&b, 10);
			cur->pic.picture_coding_type = (uint8_t)bits(&b, 3);
			cur->seq = seq;
			cur->quant = q;
		}
		i += 4;
	}
	if (cur && cur->data && !cur->size)
		cur->size = (size_t)(s->buf + s->len - cur->data);
	for (int k = 0; k < s->n; k++) {
		struct pic *p = &s->pics[k], *prev = k ? &s->pics[k - 1] : NULL;
		uint8_t ps = p->pic.picture_structure;

		if (!p->data || !p->size)
			return -1;
		p->first = k;
		p->frame = prev ? prev->frame + 1 : 0;
		if (ps != V4L2_MPEG2_PIC_FRAME && prev && !prev->second &&
		    prev->pic.picture_structure != V4L2_MPEG2_PIC_FRAME &&
		    prev->pic.picture_structure != ps) {
			p->second = true;
			p->first = k - 1;
			p->frame = prev->frame;
		}
		/* as the driver sends it: a field picture's TOP_FIELD_FIRST is the frame's field
		 * order (the bitstream bit is 0 in field pictures, 6.3.10) */
		if (ps != V4L2_MPEG2_PIC_FRAME) {
			p->pic.flags &= ~V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST;
			if (s->pics[p->first].pic.picture_structure == V4L2_MPEG2_PIC_TOP_FIELD)
				p->pic.flags |= V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST;
		}
	}
	return s->n ? 0 : -1;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc((size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	(*buf)[n] = 0;
	*len = (size_t)n;
	fclose(f);
	return 0;
}

static int load_stream(struct stream *s, const char *clip, const char *md5file)
{
	uint8_t *txt;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (read_file(clip, &s->buf, &s->len) || parse(s))
		return -1;
	if (read_file(md5file, &txt, &len))
		return -1;
	for (char *line = strtok((char *)txt, "\n"); line; line = strtok(NULL, "\n")) {
		char *m = strrchr(line, ',');

		if (line[0] == '#' || !m || s->nwant == MAX_PICS)
			continue;
		while (*++m == ' ')
			;
		snprintf(s->want[s->nwant++], 33, "%s", m);
	}
	free(txt);
	int frames = 0;
	for (int k = 0; k < s->n; k++)
		frames += !s->pics[k].second;
	return s->nwant == frames ? 0 : -1;
}

/* ---- decoding through the codec ---- */

#define NCAP 8

struct run {
	struct emu_instance inst;
	void *priv;
	struct mpeg2_ref_model {
		int older, newer; /* picture indices, -1 none */
	} refs;
	char md5[MAX_PICS][33]; /* decode order; "" when the picture failed */
	int violations;
};

static void md5_picture(const struct emu_picture *p, int w, int h, char out[33])
{
	struct AVMD5 *ctx = av_md5_alloc();
	uint8_t d[16];

	av_md5_init(ctx);
	for (int c = 0; c < 3; c++) {
		int cw = c ? (w + 1) / 2 : w, ch = c ? (h + 1) / 2 : h;

		for (int y = 0; y < ch; y++)
			av_md5_update(ctx, p->plane[c] + (size_t)y * (size_t)p->stride[c],
				      (size_t)cw);
	}
	av_md5_final(ctx, d);
	av_free(ctx);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static uint64_t ts_of(int i)
{
	return 1000u * (uint64_t)(i + 1);
}

static void run_open(struct run *r, const char *profile)
{
	memset(r, 0, sizeof(*r));
	r->inst.cfg.profile = profile;
	r->inst.cfg.mode = EMU_MODE_FRAME_BASED;
	r->refs.older = r->refs.newer = -1;
	r->priv = emu_codec_mpeg2.open(&r->inst);
}

/* Decode picture i of s (its controls possibly mutated). Returns 0 if it decoded. */
static int run_pic(struct run *r, const struct stream *s, int i,
		   const struct v4l2_ctrl_mpeg2_sequence *seq, struct v4l2_ctrl_mpeg2_picture *pic,
		   const struct v4l2_ctrl_mpeg2_quantisation *quant, bool fill_refs)
{
	struct fake_job fj;
	struct emu_picture out;
	int before = fake_violations, ret, first = s->pics[i].first, cap = s->pics[i].frame % NCAP;

	if (fill_refs) {
		if (pic->picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_P && r->refs.newer >= 0)
			pic->forward_ref_ts = ts_of(r->refs.newer);
		if (pic->picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_B) {
			if (r->refs.older >= 0)
				pic->forward_ref_ts = ts_of(r->refs.older);
			if (r->refs.newer >= 0)
				pic->backward_ref_ts = ts_of(r->refs.newer);
		}
	}
	memset(&fj, 0, sizeof(fj));
	fj.job.inst = &r->inst;
	fj.job.seq = (uint64_t)i;
	fj.job.data = s->pics[i].data;
	fj.job.size = s->pics[i].size;
	/* a field pair shares its CAPTURE buffer and timestamp */
	fj.job.timestamp = ts_of(first);
	fj.job.capture_index = cap;
	fj.req[0] = (struct fake_ctrl){V4L2_CID_STATELESS_MPEG2_SEQUENCE, seq, sizeof(*seq)};
	fj.req[1] = (struct fake_ctrl){V4L2_CID_STATELESS_MPEG2_PICTURE, pic, sizeof(*pic)};
	fj.req[2] =
	    (struct fake_ctrl){V4L2_CID_STATELESS_MPEG2_QUANTISATION, quant, sizeof(*quant)};
	fj.nreq = 3;
	r->inst.capture_valid[cap] = false; /* the buffer is being rewritten */
	ret = emu_codec_mpeg2.submit(r->priv, &fj.job);
	memset(&out, 0, sizeof(out));
	if (ret == 0)
		ret = emu_codec_mpeg2.finish(r->priv, &fj.job, &out);
	r->md5[i][0] = 0;
	if (ret == 0)
		md5_picture(&out, s->pics[i].seq.horizontal_size, s->pics[i].seq.vertical_size,
			    r->md5[i]);
	r->inst.capture_ts[cap] = ts_of(first);
	r->inst.capture_valid[cap] = true;
	/* a frame is a reference once complete (an I/P field pair is one) */
	bool complete =
	    s->pics[i].second || s->pics[i].pic.picture_structure == V4L2_MPEG2_PIC_FRAME;
	if (complete && s->pics[i].pic.picture_coding_type != V4L2_MPEG2_PIC_CODING_TYPE_B) {
		r->refs.older = r->refs.newer;
		r->refs.newer = first;
	}
	r->violations += fake_violations - before;
	return ret;
}

static void run_close(struct run *r)
{
	emu_codec_mpeg2.close(r->priv);
}

static void decode_all(struct run *r, const struct stream *s)
{
	for (int i = 0; i < s->n; i++) {
		struct v4l2_ctrl_mpeg2_picture pic = s->pics[i].pic;

		run_pic(r, s, i, &s->pics[i].seq, &pic, &s->pics[i].quant, true);
	}
}

/* Display order of decode-order picture md5s: a reference waits for the next one. */
static void check_display_order(const struct run *r, const struct stream *s, const char *what)
{
	int out = 0, pending = -1;

	for (int i = 0; i <= s->n; i++) {
		int emit = -1;

		if (i < s->n - 1 && s->pics[i + 1].second)
			continue; /* a first field: the frame is complete after its second field */
		if (i == s->n)
			emit = pending;
		else if (s->pics[i].pic.picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_B)
			emit = i;
		else {
			emit = pending;
			pending = i;
		}
		if (emit < 0)
			continue;
		CHECK(out < s->nwant && !strcmp(r->md5[emit], s->want[out]),
		      "%s: display frame %d (decode %d): md5 %s, want %s", what, out, emit,
		      r->md5[emit], out < s->nwant ? s->want[out] : "-");
		out++;
	}
	CHECK(out == s->nwant, "%s: %d frames, want %d", what, out, s->nwant);
	CHECK(r->violations == 0, "%s: %d violations", what, r->violations);
}

/* ---- mutations ---- */

enum expect { CAUGHT, IGNORED, EITHER };

struct mutation {
	const char *name;
	enum expect expect[4]; /* by picture_coding_type 1..3 */
	const char *reason;    /* for IGNORED / EITHER */
};

static void bump(uint8_t *m, int n)
{
	for (int i = 0; i < n; i++)
		m[i] = (uint8_t)(m[i] < 128 ? m[i] * 2 : m[i] - 64);
}

/* Apply mutation `m` to the copies; returns its description, NULL past the last one. */
static bool mutate(int m, const char *profile, struct v4l2_ctrl_mpeg2_sequence *seq,
		   struct v4l2_ctrl_mpeg2_picture *pic, struct v4l2_ctrl_mpeg2_quantisation *q,
		   struct mutation *d)
{
	static const struct {
		uint32_t flag;
		const char *name;
	} flags[] = {
	    {V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST, "flags.TOP_FIELD_FIRST"},
	    {V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT, "flags.FRAME_PRED_DCT"},
	    {V4L2_MPEG2_PIC_FLAG_CONCEALMENT_MV, "flags.CONCEALMENT_MV"},
	    {V4L2_MPEG2_PIC_FLAG_Q_SCALE_TYPE, "flags.Q_SCALE_TYPE"},
	    {V4L2_MPEG2_PIC_FLAG_INTRA_VLC, "flags.INTRA_VLC"},
	    {V4L2_MPEG2_PIC_FLAG_ALT_SCAN, "flags.ALT_SCAN"},
	    {V4L2_MPEG2_PIC_FLAG_REPEAT_FIRST, "flags.REPEAT_FIRST"},
	    {V4L2_MPEG2_PIC_FLAG_PROGRESSIVE, "flags.PROGRESSIVE"},
	};
	bool cedrus = !strcmp(profile, "cedrus");
	const enum expect C = CAUGHT, I = IGNORED, E = EITHER;

	memset(d, 0, sizeof(*d));
	for (int t = 1; t <= 3; t++)
		d->expect[t] = C;
	switch (m) {
	case 0:
		d->name = "sequence.horizontal_size";
		seq->horizontal_size += 16;
		return true;
	case 1:
		d->name = "sequence.vertical_size";
		seq->vertical_size += 16;
		return true;
	case 2:
		d->name = "sequence.vbv_buffer_size";
		seq->vbv_buffer_size ^= 0x155;
		d->expect[1] = d->expect[2] = d->expect[3] = I;
		d->reason = "the encoder's buffer model: hantro/cedrus never program it";
		return true;
	case 3:
		d->name = "sequence.profile_and_level_indication";
		seq->profile_and_level_indication ^= 0x10;
		d->expect[1] = d->expect[2] = d->expect[3] = I;
		d->reason = "capability signalling: hantro/cedrus never program it";
		return true;
	case 4:
		d->name = "sequence.chroma_format";
		seq->chroma_format = 2;
		return true;
	case 5:
		d->name = "sequence.flags.PROGRESSIVE";
		seq->flags ^= V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE;
		return true;
	case 6:
		d->name = "picture.backward_ref_ts";
		pic->backward_ref_ts += 1;
		d->expect[1] = d->expect[2] = I;
		d->reason = "I and P pictures have no backward prediction (7.6)";
		return true;
	case 7:
		d->name = "picture.forward_ref_ts";
		pic->forward_ref_ts += 1;
		d->expect[1] = I;
		d->reason = "I pictures have no prediction (7.6)";
		return true;
	case 8 ... 15: {
		int k = m - 8;

		d->name = flags[k].name;
		pic->flags ^= flags[k].flag;
		if (flags[k].flag == V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST &&
		    pic->picture_structure != V4L2_MPEG2_PIC_FRAME) {
			d->expect[1] = d->expect[3] = I;
			d->reason = "I and B fields: the device takes no reference field by it (P "
				    "fields tell the second field of a pair by it)";
		} else if (flags[k].flag == V4L2_MPEG2_PIC_FLAG_TOP_FIELD_FIRST) {
			d->expect[1] = d->expect[2] = d->expect[3] = I;
			d->reason = "frame pictures: the display order of the fields only (6.3.10)";
		} else if (flags[k].flag == V4L2_MPEG2_PIC_FLAG_REPEAT_FIRST) {
			d->expect[1] = d->expect[2] = d->expect[3] = I;
			d->reason = "display only (6.3.10)";
		} else if (flags[k].flag == V4L2_MPEG2_PIC_FLAG_CONCEALMENT_MV ||
			   flags[k].flag == V4L2_MPEG2_PIC_FLAG_INTRA_VLC) {
			d->expect[2] = d->expect[3] = E;
			d->reason = "P/B: changes only intra macroblocks, if the picture has any";
		}
		return true;
	}
	case 16 ... 19: {
		int s = (m - 16) / 2, t = (m - 16) % 2;
		static const char *const names[] = {"picture.f_code[0][0]", "picture.f_code[0][1]",
						    "picture.f_code[1][0]", "picture.f_code[1][1]"};

		d->name = names[m - 16];
		pic->f_code[s][t] = (uint8_t)(pic->f_code[s][t] >= 9 ? 1 : pic->f_code[s][t] + 1);
		d->expect[1] = I;
		if (s == 1)
			d->expect[2] = I;
		d->reason = "no motion vectors of that direction in this picture type (I without "
			    "concealment vectors; P: forward only)";
		return true;
	}
	case 20:
		d->name = "picture.picture_coding_type";
		pic->picture_coding_type = (uint8_t)(pic->picture_coding_type % 3 + 1);
		return true;
	case 21:
		d->name = "picture.picture_structure";
		pic->picture_structure = pic->picture_structure == 3 ? 1 : 3;
		return true;
	case 22:
		d->name = "picture.intra_dc_precision";
		pic->intra_dc_precision = (uint8_t)((pic->intra_dc_precision + 1) % 4);
		d->expect[2] = d->expect[3] = E;
		d->reason = "P/B: changes only intra macroblocks, if the picture has any";
		return true;
	case 23:
		d->name = "quantisation.intra_quantiser_matrix";
		bump(q->intra_quantiser_matrix, 64);
		d->expect[2] = d->expect[3] = E;
		d->reason = "P/B: used only by intra macroblocks, if the picture has any";
		return true;
	case 24:
		d->name = "quantisation.intra_quantiser_matrix[0]";
		bump(q->intra_quantiser_matrix, 1);
		d->expect[1] = d->expect[2] = d->expect[3] = I;
		d->reason = "intra DC is scaled by intra_dc_mult, never by the matrix (7.4.2.1)";
		return true;
	case 25:
		d->name = "quantisation.non_intra_quantiser_matrix";
		bump(q->non_intra_quantiser_matrix, 64);
		d->expect[1] = I;
		d->reason = "I pictures have no non-intra blocks";
		return true;
	case 26:
		d->name = "quantisation.chroma_intra_quantiser_matrix";
		bump(q->chroma_intra_quantiser_matrix, 64);
		d->expect[2] = d->expect[3] = E;
		d->reason = "P/B: used only by intra macroblocks, if the picture has any";
		if (cedrus) {
			d->expect[1] = d->expect[2] = d->expect[3] = I;
			d->reason = "cedrus programs only the luma matrices (4:2:0 uses them for "
				    "chroma, 6.3.11)";
		}
		return true;
	case 27:
		d->name = "quantisation.chroma_non_intra_quantiser_matrix";
		bump(q->chroma_non_intra_quantiser_matrix, 64);
		d->expect[1] = I;
		d->reason = "I pictures have no non-intra blocks";
		if (cedrus) {
			d->expect[2] = d->expect[3] = I;
			d->reason = "cedrus programs only the luma matrices (4:2:0 uses them for "
				    "chroma, 6.3.11)";
		}
		return true;
	case 28: {
		uint8_t h = pic->f_code[0][0], v = pic->f_code[0][1];

		d->name = "picture.f_code[0] horizontal/vertical swapped";
		pic->f_code[0][0] = v;
		pic->f_code[0][1] = h;
		d->expect[1] = I;
		d->reason = "I pictures have no motion vectors";
		if (h == v) {
			d->expect[2] = d->expect[3] = I;
			d->reason = "equal f_codes: the swap changes nothing";
		}
		return true;
	}
	case 29: {
		uint8_t f[2];

		d->name = "picture.f_code forward/backward swapped";
		memcpy(f, pic->f_code[0], 2);
		memcpy(pic->f_code[0], pic->f_code[1], 2);
		memcpy(pic->f_code[1], f, 2);
		d->expect[1] = I;
		d->reason = "I pictures have no motion vectors";
		if (!memcmp(pic->f_code[0], pic->f_code[1], 2)) {
			d->expect[2] = d->expect[3] = I;
			d->reason = "equal f_codes: the swap changes nothing";
		}
		return true;
	}
	default:
		return false;
	}
}

static void mutation_check(const struct stream *s, const char *profile)
{
	struct run base;
	int targets[4] = {-1, -1, -1, -1}; /* first I, P, B (decode order), not picture 0 for I */
	int caught = 0, ignored = 0, either = 0;

	run_open(&base, profile);
	decode_all(&base, s);
	run_close(&base);
	for (int i = 0; i < s->n; i++) {
		int t = s->pics[i].pic.picture_coding_type;

		if (t >= 1 && t <= 3 && targets[t] < 0 && (t != 1 || i > 0))
			targets[t] = i;
	}
	for (int t = 1; t <= 3; t++) {
		CHECK(targets[t] >= 0, "%s: no picture of type %d to mutate", profile, t);
		if (targets[t] < 0)
			continue;
		for (int m = 0;; m++) {
			int k = targets[t];
			struct v4l2_ctrl_mpeg2_sequence seq = s->pics[k].seq;
			struct v4l2_ctrl_mpeg2_picture pic = s->pics[k].pic;
			struct v4l2_ctrl_mpeg2_quantisation q = s->pics[k].quant;
			struct mutation d;
			struct run r;
			int ret;

			run_open(&r, profile);
			for (int i = 0; i < k; i++) {
				struct v4l2_ctrl_mpeg2_picture p = s->pics[i].pic;

				run_pic(&r, s, i, &s->pics[i].seq, &p, &s->pics[i].quant, true);
			}
			/* references as the model wants them, then the mutation */
			if (pic.picture_coding_type == 2 && r.refs.newer >= 0)
				pic.forward_ref_ts = ts_of(r.refs.newer);
			if (pic.picture_coding_type == 3) {
				pic.forward_ref_ts = ts_of(r.refs.older);
				pic.backward_ref_ts = ts_of(r.refs.newer);
			}
			if (!mutate(m, profile, &seq, &pic, &q, &d)) {
				run_close(&r);
				break;
			}
			r.violations = 0;
			ret = run_pic(&r, s, k, &seq, &pic, &q, false);
			bool hit = ret != 0 || r.violations > 0 || strcmp(r.md5[k], base.md5[k]);
			if (k + 1 < s->n && s->pics[k + 1].second) {
				/* a first field: the frame is complete after its second field */
				struct v4l2_ctrl_mpeg2_picture p2 = s->pics[k + 1].pic;

				ret = run_pic(&r, s, k + 1, &s->pics[k + 1].seq, &p2,
					      &s->pics[k + 1].quant, true);
				hit |= ret != 0 || r.violations > 0 ||
				       strcmp(r.md5[k + 1], base.md5[k + 1]);
			}
			enum expect e = d.expect[t];

			if (e == CAUGHT) {
				CHECK(hit, "%s: %s on a %c picture (%d) not caught", profile,
				      d.name, " IPB"[t], k);
				caught += hit;
			} else if (e == IGNORED) {
				CHECK(!hit,
				      "%s: %s on a %c picture (%d) changed the decode, but is "
				      "listed as ignored (%s)",
				      profile, d.name, " IPB"[t], k, d.reason);
				ignored += !hit;
			} else {
				either++;
			}
			run_close(&r);
		}
	}
	printf("%s: mutations caught %d, ignored by the hardware %d, content-dependent %d\n",
	       profile, caught, ignored, either);
}

/* ---- controls ---- */

static void check_ctrls(void)
{
	struct emu_dev_cfg cfg = {.profile = "hantro-g1"};
	struct emu_ctrl_desc d[8];
	struct v4l2_ctrl_mpeg2_sequence seq;
	struct v4l2_ctrl_mpeg2_picture pic;
	struct v4l2_ctrl_mpeg2_quantisation q;
	int n = emu_codec_mpeg2.get_ctrls(&cfg, d, 8);

	CHECK(n == 3, "%d controls", n);
	CHECK(n == 3 && d[0].id == V4L2_CID_STATELESS_MPEG2_SEQUENCE &&
		  d[0].type == V4L2_CTRL_TYPE_MPEG2_SEQUENCE && d[0].elem_size == 12 &&
		  d[1].type == V4L2_CTRL_TYPE_MPEG2_PICTURE && d[1].elem_size == 32 &&
		  d[2].type == V4L2_CTRL_TYPE_MPEG2_QUANTISATION && d[2].elem_size == 256,
	      "control descriptions");
	memset(&seq, 0, sizeof(seq));
	memset(&pic, 0, sizeof(pic));
	memset(&q, 0, sizeof(q));
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[0].id, &seq, sizeof(seq)) == -EINVAL,
	      "chroma_format 0 accepted");
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[1].id, &pic, sizeof(pic)) == -EINVAL,
	      "picture_structure 0 accepted");
	emu_codec_mpeg2.init_ctrl(d[0].id, &seq, sizeof(seq));
	emu_codec_mpeg2.init_ctrl(d[1].id, &pic, sizeof(pic));
	emu_codec_mpeg2.init_ctrl(d[2].id, &q, sizeof(q));
	CHECK(seq.chroma_format == 1 && pic.picture_structure == V4L2_MPEG2_PIC_TOP_FIELD &&
		  pic.picture_coding_type == V4L2_MPEG2_PIC_CODING_TYPE_I &&
		  q.intra_quantiser_matrix[63] == 83 && q.non_intra_quantiser_matrix[0] == 16,
	      "std_init_compound defaults");
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[0].id, &seq, sizeof(seq)) == 0, "default seq");
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[1].id, &pic, sizeof(pic)) == 0, "default pic");
	pic.intra_dc_precision = 4;
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[1].id, &pic, sizeof(pic)) == -EINVAL,
	      "intra_dc_precision 4 accepted");
	pic.intra_dc_precision = 0;
	pic.picture_coding_type = 4; /* D pictures: not in the uAPI */
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[1].id, &pic, sizeof(pic)) == -EINVAL,
	      "picture_coding_type 4 accepted");
	seq.chroma_format = 4;
	CHECK(emu_codec_mpeg2.try_ctrl(&cfg, d[0].id, &seq, sizeof(seq)) == -EINVAL,
	      "chroma_format 4 accepted");
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

int main(int argc, char **argv)
{
	static struct stream s;
	static const char *const profiles[] = {"hantro-g1", "cedrus"};

	if (argc < 3 || argc % 2 == 0) {
		fprintf(stderr, "usage: %s CLIP.m2v CLIP.framemd5 [...]\n", argv[0]);
		return 1;
	}
	check_ctrls();
	for (int a = 1; a + 1 < argc; a += 2) {
		if (load_stream(&s, argv[a], argv[a + 1])) {
			fprintf(stderr, "%s: cannot load the clip or its framemd5\n", argv[a]);
			return 1;
		}
		for (int p = 0; p < 2; p++) {
			struct run r;
			char what[512];

			snprintf(what, sizeof(what), "%s on %s", argv[a], profiles[p]);
			run_open(&r, profiles[p]);
			CHECK(r.priv, "open failed");
			decode_all(&r, &s);
			check_display_order(&r, &s, what);
			run_close(&r);
			printf("%s: %d pictures decoded\n", what, s.n);
			if (a == 1 || !strncmp(base_name(argv[a]), "mut-", 4))
				mutation_check(&s, profiles[p]);
		}
		free(s.buf);
	}
	printf("%s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
