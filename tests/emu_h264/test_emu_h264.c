/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the emulated H.264 codec (emu/codec/h264*.c) against a fake core:
 * - every conformance stream decodes from rebuilt SPS/PPS to the manifest MD5, frame-based
 *   (Annex B) and slice-based (no start code, held capture buffer), with zero violations;
 * - a mutated SPS/PPS field changes the picture or fails it;
 * - a mutated DECODE_PARAMS / DPB entry / SLICE_PARAMS field gives a violation;
 * - control descriptions and try_ctrl follow the kernel.
 * Usage: test_emu_h264 CONFORMANCE_DIR [CLIP.264...]
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/md5.h>

#include "../../emu/codec/h264_int.h"
#include "fake_core.h"
#include "stream.h"

static int failures;

#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

static const struct emu_dev_cfg cfg_hantro = {
    .profile = "hantro-g1",
    .driver = "hantro-vpu",
    .mode = EMU_MODE_FRAME_BASED,
    .start_code = EMU_START_CODE_ANNEX_B,
    .capture_fourcc = V4L2_PIX_FMT_NV12,
    .min_width = 48,
    .min_height = 48,
    .max_width = 1920,
    .max_height = 1088,
};
static const struct emu_dev_cfg cfg_rkvdec = {
    .profile = "rkvdec",
    .driver = "rkvdec",
    .mode = EMU_MODE_FRAME_BASED,
    .start_code = EMU_START_CODE_ANNEX_B,
    .capture_fourcc = V4L2_PIX_FMT_NV12,
    .min_width = 48,
    .min_height = 48,
    .max_width = 4096,
    .max_height = 2304,
    .ten_bit = true,
};
static const struct emu_dev_cfg cfg_cedrus = {
    .profile = "cedrus",
    .driver = "cedrus",
    .mode = EMU_MODE_SLICE_BASED,
    .start_code = EMU_START_CODE_NONE,
    .capture_fourcc = V4L2_PIX_FMT_NV12_32L32,
    .min_width = 16,
    .min_height = 16,
    .max_width = 4096,
    .max_height = 2304,
};

/* ---- the request a client would build for one access unit ---- */

struct req {
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;
	struct v4l2_ctrl_h264_scaling_matrix sm;
	struct v4l2_ctrl_h264_decode_params dp;
	struct v4l2_ctrl_h264_slice_params sp; /* per slice */
	struct v4l2_ctrl_h264_pred_weights pw;
	bool has_pw;
};

/* A hook that may change a request; `slice` is -1 for the picture-level controls. */
typedef void (*mutate_fn)(struct req *r, int arg);

struct run {
	const struct emu_dev_cfg *cfg;
	int stop_au;   /* decode AUs [0, stop_au) (all if <= 0) */
	int mutate_au; /* -1: none */
	mutate_fn mutate;
	int arg;
	/* results */
	int n_aus, n_fail, violations;
	int mutated_result, mutated_violations;
	uint8_t mutated_md5[16];
	uint8_t **pics; /* cropped yuv420p per AU (decode order), NULL if failed */
	size_t pic_size;
	int width, height;
};

static void fill_dpb(const struct h264_model *m, struct v4l2_ctrl_h264_decode_params *dp)
{
	int k = 0;

	for (int i = 0; i < H264_MAX_FS && k < V4L2_H264_NUM_DPB_ENTRIES; i++) {
		const struct h264_fs *f = &m->fs[i];
		struct v4l2_h264_dpb_entry *e;
		bool lt;

		if (!f->in_use || f->non_existing || !(f->ref[0] || f->ref[1]))
			continue;
		e = &dp->dpb[k++];
		lt = f->ref[0] == 2 || f->ref[1] == 2;
		e->reference_ts = f->ts;
		e->frame_num = (uint16_t)(lt ? f->long_term_frame_idx : f->frame_num);
		e->pic_num = (uint32_t)(lt ? (int32_t)f->long_term_frame_idx : f->frame_num_wrap);
		e->fields = (uint8_t)((f->ref[0] ? V4L2_H264_TOP_FIELD_REF : 0) |
				      (f->ref[1] ? V4L2_H264_BOTTOM_FIELD_REF : 0));
		e->top_field_order_cnt = f->poc[0];
		e->bottom_field_order_cnt = f->poc[1];
		e->flags = V4L2_H264_DPB_ENTRY_FLAG_VALID | V4L2_H264_DPB_ENTRY_FLAG_ACTIVE;
		if (lt)
			e->flags |= V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM;
		if (f->field_coded)
			e->flags |= V4L2_H264_DPB_ENTRY_FLAG_FIELD;
	}
}

static void fill_slice_params(const struct h264_slice *s, struct req *r, const struct h264_model *m,
			      const struct v4l2_ctrl_h264_sps *sps, const struct h264_cur_poc *poc)
{
	struct v4l2_ctrl_h264_slice_params *sp = &r->sp;

	memset(sp, 0, sizeof(*sp));
	sp->header_bit_size = s->header_bits[1];
	sp->first_mb_in_slice = s->first_mb_in_slice;
	sp->slice_type = (uint8_t)s->slice_type;
	sp->colour_plane_id = (uint8_t)s->colour_plane_id;
	sp->redundant_pic_cnt = (uint8_t)s->redundant_pic_cnt;
	sp->cabac_init_idc = (uint8_t)s->cabac_init_idc;
	sp->slice_qp_delta = (int8_t)s->slice_qp_delta;
	sp->slice_qs_delta = (int8_t)s->slice_qs_delta;
	sp->disable_deblocking_filter_idc = (uint8_t)s->disable_deblocking_filter_idc;
	sp->slice_alpha_c0_offset_div2 = (int8_t)s->alpha_div2;
	sp->slice_beta_offset_div2 = (int8_t)s->beta_div2;
	sp->num_ref_idx_l0_active_minus1 = (uint8_t)s->num_ref_idx_active_minus1[0];
	sp->num_ref_idx_l1_active_minus1 = (uint8_t)s->num_ref_idx_active_minus1[1];
	if (s->direct_spatial_mv_pred)
		sp->flags |= V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED;
	if (s->sp_for_switch)
		sp->flags |= V4L2_H264_SLICE_FLAG_SP_FOR_SWITCH;
	{
		struct h264_ref lists[2][33];
		int n[2];

		if (!h264_model_ref_lists(m, sps, s, poc, lists, n)) {
			for (int l = 0; l < 2; l++) {
				struct v4l2_h264_reference *out =
				    l ? sp->ref_pic_list1 : sp->ref_pic_list0;

				for (int i = 0; i < n[l] && i < V4L2_H264_REF_LIST_LEN; i++) {
					const struct h264_ref *w = &lists[l][i];

					if (w->fs < 0)
						continue;
					for (int k = 0; k < V4L2_H264_NUM_DPB_ENTRIES; k++)
						if (r->dp.dpb[k].flags &&
						    r->dp.dpb[k].reference_ts == m->fs[w->fs].ts)
							out[i].index = (uint8_t)k;
					out[i].fields = w->parity < 0 ? V4L2_H264_FRAME_REF
							: w->parity   ? V4L2_H264_BOTTOM_FIELD_REF
								      : V4L2_H264_TOP_FIELD_REF;
				}
			}
		}
	}
	r->has_pw = s->has_pwt;
	if (s->has_pwt)
		r->pw = s->pwt;
}

static void set_ctrls(struct fake_job *fj, struct req *r, bool slice_based)
{
	fj->nreq = 0;
	fj->req[fj->nreq++] =
	    (struct fake_ctrl){V4L2_CID_STATELESS_H264_SPS, &r->sps, sizeof(r->sps)};
	fj->req[fj->nreq++] =
	    (struct fake_ctrl){V4L2_CID_STATELESS_H264_PPS, &r->pps, sizeof(r->pps)};
	fj->req[fj->nreq++] =
	    (struct fake_ctrl){V4L2_CID_STATELESS_H264_SCALING_MATRIX, &r->sm, sizeof(r->sm)};
	fj->req[fj->nreq++] =
	    (struct fake_ctrl){V4L2_CID_STATELESS_H264_DECODE_PARAMS, &r->dp, sizeof(r->dp)};
	if (slice_based) {
		fj->req[fj->nreq++] =
		    (struct fake_ctrl){V4L2_CID_STATELESS_H264_SLICE_PARAMS, &r->sp, sizeof(r->sp)};
		if (r->has_pw)
			fj->req[fj->nreq++] = (struct fake_ctrl){
			    V4L2_CID_STATELESS_H264_PRED_WEIGHTS, &r->pw, sizeof(r->pw)};
	}
}

static void copy_picture(struct run *rn, const struct au *au, const struct emu_picture *p, int idx)
{
	int cl = au->sps.crop[0], cr = au->sps.crop[1], ct = au->sps.crop[2], cb = au->sps.crop[3];
	int w = p->width - cl - cr, h = p->height - ct - cb;
	size_t bps = p->bit_depth > 8 ? 2 : 1;
	uint8_t *dst;

	if (w <= 0 || h <= 0)
		return;
	if (!rn->pic_size) {
		rn->width = w;
		rn->height = h;
		rn->pic_size = (size_t)w * h * 3 / 2 * bps;
	}
	if (w != rn->width || h != rn->height || rn->pic_size != (size_t)w * h * 3 / 2 * bps)
		return;
	dst = malloc(rn->pic_size);
	if (!dst)
		return;
	rn->pics[idx] = dst;
	for (int y = 0; y < h; y++, dst += w * bps)
		memcpy(dst, p->plane[0] + (size_t)(y + ct) * p->stride[0] + cl * bps, w * bps);
	for (int c = 1; c < 3; c++)
		for (int y = 0; y < h / 2; y++, dst += w / 2 * bps)
			memcpy(dst,
			       p->plane[c] + (size_t)(y + ct / 2) * p->stride[c] + cl / 2 * bps,
			       w / 2 * bps);
}

static void md5_picture(const struct emu_picture *p, uint8_t out[16])
{
	struct AVMD5 *md5 = av_md5_alloc();
	int bps = p->bit_depth > 8 ? 2 : 1;

	av_md5_init(md5);
	for (int c = 0; c < 3; c++) {
		int w = (c ? p->width / 2 : p->width) * bps, h = c ? p->height / 2 : p->height;

		for (int y = 0; y < h; y++)
			av_md5_update(md5, p->plane[c] + (size_t)y * p->stride[c], w);
	}
	av_md5_final(md5, out);
	av_free(md5);
}

/* Decode a stream through the codec as a client would drive it. */
static int run_stream(const struct stream *st, struct run *rn)
{
	struct emu_instance inst;
	struct h264_model model;
	void *priv;
	int n = rn->stop_au > 0 && rn->stop_au < st->n_aus ? rn->stop_au : st->n_aus;
	bool slice_based = rn->cfg->mode == EMU_MODE_SLICE_BASED;
	static struct req r;

	memset(&inst, 0, sizeof(inst));
	inst.cfg = *rn->cfg;
	h264_model_reset(&model);
	fake_violations = 0;
	rn->n_aus = n;
	rn->pics = calloc((size_t)n, sizeof(*rn->pics));
	priv = emu_codec_h264.open(&inst);
	if (!priv || !rn->pics)
		return -1;
	for (int a = 0; a < n; a++) {
		const struct au *au = &st->aus[a];
		struct fake_job fj;
		struct h264_slice s0, s;
		struct h264_cur_poc poc;
		struct emu_picture pic;
		int capture = a % FAKE_MAX_CAPTURE, nslices = 0, last = -1, res = 0,
		    v0 = fake_violations;
		uint64_t ts = (uint64_t)(a + 1) * 1000;
		size_t plen = 0;
		bool last_ok = false;
		uint8_t *payload = malloc(st->size + 4 * (size_t)au->n_nals);

		/* which slices (primary, type 1/5) */
		for (int k = au->first_nal; k < au->first_nal + au->n_nals; k++) {
			const struct nal *nl = &st->nals[k];

			if ((nl->type == 1 || nl->type == 5) &&
			    !h264_parse_slice(nl->p, nl->n, &au->sps.v, &au->pps.v, &s) &&
			    s.redundant_pic_cnt == 0) {
				if (!nslices++)
					s0 = s;
				last = k;
			}
		}
		memset(&r, 0, sizeof(r));
		r.sps = au->sps.v;
		r.pps = au->pps.v;
		if (au->sps.has_sm || au->pps.has_sm) {
			r.pps.flags |= V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT;
			stream_scaling_matrix(au, &r.sm);
		}
		/* DECODE_PARAMS from the parsed first slice + the client's DPB */
		h264_model_gaps(&model, &r.sps, &s0);
		h264_model_poc(&model, &r.sps, &s0, &poc);
		r.dp.nal_ref_idc = (uint16_t)s0.nal_ref_idc;
		r.dp.frame_num = (uint16_t)s0.frame_num;
		r.dp.top_field_order_cnt = poc.top;
		r.dp.bottom_field_order_cnt = poc.bottom;
		r.dp.idr_pic_id = (uint16_t)s0.idr_pic_id;
		r.dp.pic_order_cnt_lsb = (uint16_t)s0.poc_lsb;
		r.dp.delta_pic_order_cnt_bottom = s0.delta_poc_bottom;
		r.dp.delta_pic_order_cnt0 = s0.delta_poc[0];
		r.dp.delta_pic_order_cnt1 = s0.delta_poc[1];
		r.dp.dec_ref_pic_marking_bit_size = s0.marking_bits[1];
		r.dp.pic_order_cnt_bit_size = s0.poc_bits[1];
		if (s0.idr)
			r.dp.flags |= V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC;
		if (s0.field_pic)
			r.dp.flags |= V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC;
		if (s0.bottom_field)
			r.dp.flags |= V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD;
		fill_dpb(&model, &r.dp);
		if (a == rn->mutate_au && rn->mutate)
			rn->mutate(&r, rn->arg);

		inst.capture_valid[capture] = false; /* the buffer is being decoded into */
		memset(&fj, 0, sizeof(fj));
		fj.job.inst = &inst;
		fj.job.timestamp = ts;
		fj.job.capture_index = capture;
		if (!slice_based) {
			for (int k = au->first_nal; k <= last; k++) {
				const struct nal *nl = &st->nals[k];

				if (nl->type != 1 && nl->type != 5)
					continue;
				/* alternate 3- and 4-byte start codes */
				if (k & 1)
					payload[plen++] = 0;
				payload[plen++] = 0;
				payload[plen++] = 0;
				payload[plen++] = 1;
				memcpy(payload + plen, nl->p, nl->n);
				plen += nl->n;
			}
			set_ctrls(&fj, &r, false);
			fj.job.seq = (uint64_t)a;
			fj.job.data = payload;
			fj.job.size = plen;
			last_ok = emu_codec_h264.submit(priv, &fj.job) == 0;
			if (!last_ok)
				res = -1;
		} else {
			int done = 0;

			for (int k = au->first_nal; k <= last; k++) {
				const struct nal *nl = &st->nals[k];

				if ((nl->type != 1 && nl->type != 5) ||
				    h264_parse_slice(nl->p, nl->n, &au->sps.v, &au->pps.v, &s) ||
				    s.redundant_pic_cnt)
					continue;
				fill_slice_params(&s, &r, &model, &r.sps, &poc);
				if (a == rn->mutate_au && rn->mutate && rn->arg >= 1000)
					rn->mutate(&r, rn->arg);
				set_ctrls(&fj, &r, true);
				fj.job.seq = (uint64_t)a * 1000 + (uint64_t)done;
				fj.job.data = nl->p;
				fj.job.size = nl->n;
				fj.job.hold = ++done < nslices;
				last_ok = emu_codec_h264.submit(priv, &fj.job) == 0;
				if (!last_ok)
					res = -1;
			}
		}
		/* as the core: no finish() after a failed (non-held) request */
		if (!last_ok || emu_codec_h264.finish(priv, &fj.job, &pic))
			res = -1;
		free(payload);
		inst.capture_ts[capture] = ts;
		inst.capture_valid[capture] = true;
		if (res) {
			rn->n_fail++;
		} else {
			copy_picture(rn, au, &pic, a);
			if (a == rn->mutate_au)
				md5_picture(&pic, rn->mutated_md5);
		}
		if (a == rn->mutate_au) {
			rn->mutated_result = res;
			rn->mutated_violations = fake_violations - v0;
		}
		h264_model_finish(&model, &r.sps, &s0, &poc, capture, ts);
	}
	rn->violations = fake_violations;
	emu_codec_h264.close(priv);
	return 0;
}

static void run_free(struct run *rn)
{
	for (int i = 0; rn->pics && i < rn->n_aus; i++)
		free(rn->pics[i]);
	free(rn->pics);
	rn->pics = NULL;
}

/* ---- display order from a reference decode of the original stream ---- */

struct refdec {
	struct AVMD5 *md5; /* of the output, cropped, when set */
	const uint8_t *alloc_ptr[8192];
	int n_alloc;
	int order[8192]; /* output order: AU indices */
	int n_out;
};

static int ref_get_buffer(AVCodecContext *avctx, AVFrame *frame, int flags)
{
	struct refdec *rd = avctx->opaque;
	int ret = avcodec_default_get_buffer2(avctx, frame, flags);

	if (ret >= 0 && rd->n_alloc < 8192)
		rd->alloc_ptr[rd->n_alloc++] = frame->buf[0]->data;
	return ret;
}

static void ref_collect(AVCodecContext *avctx, AVFrame *fr, struct refdec *rd)
{
	while (avcodec_receive_frame(avctx, fr) >= 0) {
		for (int i = rd->n_alloc - 1; i >= 0; i--) {
			if (rd->alloc_ptr[i] == fr->buf[0]->data) {
				if (rd->n_out < 8192)
					rd->order[rd->n_out++] = i;
				break;
			}
		}
		if (rd->md5) {
			int bps = fr->format == AV_PIX_FMT_YUV420P ? 1 : 2;

			for (int c = 0; c < 3; c++) {
				int w = (c ? fr->width / 2 : fr->width) * bps;
				int h = c ? fr->height / 2 : fr->height;

				for (int y = 0; y < h; y++)
					av_md5_update(rd->md5,
						      fr->data[c] + (size_t)y * fr->linesize[c], w);
			}
		}
		av_frame_unref(fr);
	}
}

/* Decode the whole stream one AU per packet (with its parameter sets in-band); the allocation
 * index of each output picture is its AU index (second fields allocate nothing, and are
 * grouped with their first field by the caller's AU indexing: streams here are progressive). */
static int reference_order(const struct stream *st, struct refdec *rd)
{
	const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
	AVCodecContext *avctx = avcodec_alloc_context3(codec);
	AVPacket *pkt = av_packet_alloc();
	AVFrame *fr = av_frame_alloc();

	rd->n_alloc = rd->n_out = 0;
	avctx->opaque = rd;
	avctx->get_buffer2 = ref_get_buffer;
	avctx->thread_count = 1;
	avctx->thread_type = 0;
	if (avcodec_open2(avctx, codec, NULL) < 0)
		return -1;
	for (int a = 0; a < st->n_aus; a++) {
		const uint8_t *b = a ? st->nals[st->aus[a].first_nal].p - 3 : st->data;
		const uint8_t *e = a + 1 < st->n_aus ? st->nals[st->aus[a + 1].first_nal].p - 3
						     : st->data + st->size;

		/* parameter sets before the next AU's first slice belong to it: cut there */
		if (a + 1 < st->n_aus) {
			int k = st->aus[a + 1].first_nal;

			while (k > 0 && st->nals[k - 1].type != 1 && st->nals[k - 1].type != 5)
				k--;
			e = st->nals[k].p - 3;
		}
		if (a) {
			int k = st->aus[a].first_nal;

			while (k > 0 && st->nals[k - 1].type != 1 && st->nals[k - 1].type != 5)
				k--;
			b = st->nals[k].p - 3;
		}
		av_new_packet(pkt, (int)(e - b));
		memcpy(pkt->data, b, (size_t)(e - b));
		avcodec_send_packet(avctx, pkt);
		av_packet_unref(pkt);
		ref_collect(avctx, fr, rd);
	}
	avcodec_send_packet(avctx, NULL);
	ref_collect(avctx, fr, rd);
	avcodec_free_context(&avctx);
	av_packet_free(&pkt);
	av_frame_free(&fr);
	return 0;
}

static void hex(const uint8_t md5[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", md5[i]);
}

/* ---- tests ---- */

static bool caught(const struct run *good, const struct run *bad);

static void transpose_sm(struct req *r, int arg)
{
	struct v4l2_ctrl_h264_scaling_matrix t = r->sm;

	for (int i = 0; i < 6; i++) {
		for (int k = 0; k < 16; k++)
			t.scaling_list_4x4[i][k] = r->sm.scaling_list_4x4[i][(k % 4) * 4 + k / 4];
		for (int k = 0; k < 64; k++)
			t.scaling_list_8x8[i][k] = r->sm.scaling_list_8x8[i][(k % 8) * 8 + k / 8];
	}
	r->sm = t;
}

/* Decode `st` on a device configuration and compare the output (display order) to `want`. */
static void check_stream(const char *name, const struct stream *st, const struct refdec *rd,
			 const struct emu_dev_cfg *cfg, const char *want)
{
	struct run rn = {.cfg = cfg, .mutate_au = -1};
	struct AVMD5 *md5 = av_md5_alloc();
	uint8_t digest[16];
	char got[33];
	bool complete = true;

	run_stream(st, &rn);
	av_md5_init(md5);
	for (int i = 0; i < rd->n_out; i++) {
		int a = rd->order[i];

		if (a >= rn.n_aus || !rn.pics[a]) {
			complete = false;
			continue;
		}
		av_md5_update(md5, rn.pics[a], (int)rn.pic_size);
	}
	av_md5_final(md5, digest);
	av_free(md5);
	hex(digest, got);
	EXPECT(complete && !strcmp(got, want) && rn.n_fail == 0 && rn.violations == 0 &&
		   rd->n_out > 0,
	       "%s on %s: md5 %s want %s, %d/%d AUs failed, %d violations, %d out", name,
	       cfg->profile, got, want, rn.n_fail, rn.n_aus, rn.violations, rd->n_out);
	printf("%-16s %-9s aus=%d out=%d fail=%d violations=%d md5 %s\n", name, cfg->profile,
	       rn.n_aus, rd->n_out, rn.n_fail, rn.violations,
	       strcmp(got, want) ? "MISMATCH" : "ok");
	run_free(&rn);
}

/* Encoder clips (High profile tools the conformance set lacks: CABAC, B slices, weighted
 * prediction, 8x8 transform, scaling matrices, MBAFF, 10-bit, several slices, cropping). The
 * reference is libavcodec's own output of the original stream. */
static void test_clip(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct stream st;
	struct refdec *rd = calloc(1, sizeof(*rd));
	uint8_t digest[16];
	char want[33];

	if (stream_load(&st, path) || !st.n_aus || !rd) {
		EXPECT(0, "cannot load clip %s", path);
		free(rd);
		return;
	}
	rd->md5 = av_md5_alloc();
	av_md5_init(rd->md5);
	EXPECT(reference_order(&st, rd) == 0, "%s: reference decode", name);
	av_md5_final(rd->md5, digest);
	av_free(rd->md5);
	rd->md5 = NULL;
	hex(digest, want);
	struct req sym = {0};

	stream_scaling_matrix(&st.aus[0], &sym.sm);
	{
		struct v4l2_ctrl_h264_scaling_matrix orig = sym.sm;

		transpose_sm(&sym, 0);
		/* symmetric lists (e.g. the default ones) do not show a transposition */
		sym.has_pw = memcmp(&orig, &sym.sm, sizeof(orig)) != 0;
	}
	if ((st.aus[0].sps.has_sm || st.aus[0].pps.has_sm) && sym.has_pw) {
		/* the uAPI lists are in raster order: a transposed (or zig-zag) list must show */
		struct run good = {.cfg = &cfg_hantro, .mutate_au = -1, .stop_au = 3};
		struct run bad = {
		    .cfg = &cfg_hantro, .mutate_au = 0, .stop_au = 3, .mutate = transpose_sm};

		run_stream(&st, &good);
		run_stream(&st, &bad);
		EXPECT(caught(&good, &bad) && !bad.violations,
		       "%s: transposed scaling lists not seen in the pixels", name);
		run_free(&good);
		run_free(&bad);
	}
	if (st.aus[0].sps.v.bit_depth_luma_minus8) {
		check_stream(name, &st, rd, &cfg_rkvdec, want);
	} else {
		check_stream(name, &st, rd, &cfg_hantro, want);
		check_stream(name, &st, rd, &cfg_cedrus, want);
	}
	free(rd);
	stream_free(&st);
}

static void test_conformance(const char *dir)
{
	char path[4096], line[1024];
	FILE *man;
	int streams = 0;

	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	man = fopen(path, "r");
	EXPECT(man, "no manifest %s", path);
	if (!man)
		return;
	while (fgets(line, sizeof(line), man)) {
		char name[256], file[256], fmt[64], want[64];
		struct stream st;
		struct refdec *rd;

		if (line[0] == '#' ||
		    sscanf(line, "%255s %255s %63s %63s", name, file, fmt, want) != 4)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		EXPECT(stream_load(&st, path) == 0, "%s: cannot load", name);
		if (!st.n_aus) {
			stream_free(&st);
			continue;
		}
		rd = calloc(1, sizeof(*rd));
		EXPECT(rd && reference_order(&st, rd) == 0, "%s: reference decode", name);
		const struct emu_dev_cfg *cfgs[] = {&cfg_hantro, &cfg_cedrus};
		for (int c = 0; c < 2 && rd; c++) {
			struct run rn = {.cfg = cfgs[c], .mutate_au = -1};
			struct AVMD5 *md5 = av_md5_alloc();
			uint8_t digest[16];
			char got[33];
			bool complete = true;

			run_stream(&st, &rn);
			av_md5_init(md5);
			for (int i = 0; i < rd->n_out; i++) {
				int a = rd->order[i];

				if (a >= rn.n_aus || !rn.pics[a]) {
					complete = false;
					continue;
				}
				av_md5_update(md5, rn.pics[a], (int)rn.pic_size);
			}
			av_md5_final(md5, digest);
			av_free(md5);
			hex(digest, got);
			EXPECT(complete && !strcmp(got, want) && rn.n_fail == 0 &&
				   rn.violations == 0,
			       "%s on %s: md5 %s want %s, %d/%d AUs failed, %d violations, %d out",
			       name, cfgs[c]->profile, got, want, rn.n_fail, rn.n_aus,
			       rn.violations, rd->n_out);
			printf("%-16s %-9s aus=%d out=%d fail=%d violations=%d md5 %s\n", name,
			       cfgs[c]->profile, rn.n_aus, rd->n_out, rn.n_fail, rn.violations,
			       strcmp(got, want) ? "MISMATCH" : "ok");
			run_free(&rn);
		}
		free(rd);
		stream_free(&st);
		streams++;
	}
	fclose(man);
	EXPECT(streams >= 10, "only %d conformance streams", streams);
}

static void test_ctrls(void)
{
	struct emu_ctrl_desc d[16];
	int n;
	struct v4l2_ctrl_h264_sps sps;
	struct v4l2_ctrl_h264_pps pps;
	struct v4l2_ctrl_h264_pred_weights pw;
	struct v4l2_ctrl_h264_decode_params dp;
	struct v4l2_ctrl_h264_slice_params sp;

	n = emu_codec_h264.get_ctrls(&cfg_hantro, d, 16);
	EXPECT(n == 6, "hantro: %d controls", n);
	EXPECT(d[0].id == V4L2_CID_STATELESS_H264_DECODE_MODE &&
		   d[0].minimum == V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED &&
		   d[0].maximum == d[0].minimum && d[0].default_value == d[0].minimum,
	       "hantro decode mode");
	EXPECT(d[1].default_value == V4L2_STATELESS_H264_START_CODE_ANNEX_B, "hantro start code");
	for (int i = 0; i < n; i++)
		EXPECT(!d[i].required_per_request, "hantro requires %s", d[i].name);
	EXPECT(!strcmp(d[2].name, "H264 Sequence Parameter Set") &&
		   d[2].elem_size == sizeof(struct v4l2_ctrl_h264_sps) &&
		   d[2].type == V4L2_CTRL_TYPE_H264_SPS,
	       "sps desc");
	n = emu_codec_h264.get_ctrls(&cfg_cedrus, d, 16);
	EXPECT(n == 8, "cedrus: %d controls", n);
	EXPECT(d[0].default_value == V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED &&
		   d[1].default_value == V4L2_STATELESS_H264_START_CODE_NONE,
	       "cedrus menus");
	{
		int req = 0;

		for (int i = 0; i < n; i++)
			req += d[i].required_per_request;
		/* cedrus_request_validate() checks no particular control since 5.11 */
		EXPECT(req == 0, "cedrus: %d required controls", req);
	}

	memset(&sps, 0, sizeof(sps));
	sps.profile_idc = 100;
	sps.chroma_format_idc = 1;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == 0,
	       "valid sps");
	sps.bit_depth_luma_minus8 = sps.bit_depth_chroma_minus8 = 2;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "10-bit on hantro-g1");
	EXPECT(emu_codec_h264.try_ctrl(&cfg_rkvdec, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == 0,
	       "10-bit on rkvdec (ten_bit)");
	sps.bit_depth_chroma_minus8 = 0;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_rkvdec, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "luma != chroma depth");
	sps.bit_depth_luma_minus8 = 0;
	sps.chroma_format_idc = 2;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_rkvdec, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "4:2:2");
	sps.chroma_format_idc = 0;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "4:0:0 on cedrus");
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == 0,
	       "4:0:0 on hantro");
	sps.chroma_format_idc = 1;
	sps.log2_max_frame_num_minus4 = 13;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "log2_max_frame_num_minus4 13");
	sps.log2_max_frame_num_minus4 = 0;
	sps.pic_order_cnt_type = 3;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "poc type 3");
	sps.pic_order_cnt_type = 0;
	sps.max_num_ref_frames = 33;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL,
	       "max_num_ref_frames 33");
	{
		struct emu_instance inst = {.cfg = cfg_rkvdec};

		EXPECT(emu_codec_h264.bit_depth(&inst) == 8, "bit depth without an SPS");
		memset(&sps, 0, sizeof(sps));
		sps.profile_idc = 110;
		sps.chroma_format_idc = 1;
		sps.bit_depth_luma_minus8 = sps.bit_depth_chroma_minus8 = 2;
		inst.cur[inst.ncur++] =
		    (struct fake_ctrl){V4L2_CID_STATELESS_H264_SPS, &sps, sizeof(sps)};
		EXPECT(emu_codec_h264.bit_depth(&inst) == 10, "High 10 SPS: 10-bit");
		sps.profile_idc = 77; /* the kernel keeps 8-bit for Main */
		EXPECT(emu_codec_h264.bit_depth(&inst) == 8, "Main SPS: 8-bit");
		memset(&sps, 0, sizeof(sps));
	}
	memset(&pps, 0, sizeof(pps));
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_PPS, &pps,
				       sizeof(pps)) == 0,
	       "valid pps");
	pps.weighted_bipred_idc = 3;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_PPS, &pps,
				       sizeof(pps)) == -EINVAL,
	       "weighted_bipred_idc 3");
	pps.weighted_bipred_idc = 0;
	pps.pic_init_qp_minus26 = 26;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_PPS, &pps,
				       sizeof(pps)) == -EINVAL,
	       "pic_init_qp_minus26 26");
	memset(&pw, 0, sizeof(pw));
	pw.chroma_log2_weight_denom = 8;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_PRED_WEIGHTS, &pw,
				       sizeof(pw)) == -EINVAL,
	       "chroma denom 8");
	memset(&dp, 0, sizeof(dp));
	dp.nal_ref_idc = 4;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_DECODE_PARAMS, &dp,
				       sizeof(dp)) == -EINVAL,
	       "nal_ref_idc 4");
	memset(&sp, 0, sizeof(sp));
	sp.slice_type = V4L2_H264_SLICE_TYPE_I;
	sp.num_ref_idx_l0_active_minus1 = 40; /* ignored (zeroed) for I slices */
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &sp,
				       sizeof(sp)) == 0,
	       "I slice l0 count ignored");
	sp.slice_type = V4L2_H264_SLICE_TYPE_P;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &sp,
				       sizeof(sp)) == -EINVAL,
	       "P slice l0 count 41");
	sp.num_ref_idx_l0_active_minus1 = 0;
	sp.slice_beta_offset_div2 = 7;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &sp,
				       sizeof(sp)) == -EINVAL,
	       "beta 7");
}

/* ---- mutations ---- */

enum { SPS, PPS, DP, DPB, SP, PW };

struct mutation {
	int what; /* SPS, PPS, DP (decode params), DPB (entry field, entry index in arg2), SP */
	const char *name;
	const char *ignored; /* reason a real decoder ignores it here; NULL: must be caught */
};

/* Picture-level mutations on Baseline streams (CAVLC, P only, frames). */
static const struct mutation mutations[] = {
    {SPS, "profile_idc", "not used by the hardware (the kernel only derives 4:2:0 8-bit from it)"},
    {SPS, "constraint_set_flags", "not used by the hardware"},
    {SPS, "level_idc", "not used by the hardware"},
    {SPS, "seq_parameter_set_id", NULL},
    {SPS, "chroma_format_idc", "profile_idc 66: the kernel forces 4:2:0"},
    {SPS, "bit_depth_luma_minus8", "profile_idc 66: the kernel forces 8-bit"},
    {SPS, "bit_depth_chroma_minus8", "profile_idc 66: the kernel forces 8-bit"},
    {SPS, "log2_max_frame_num_minus4", NULL},
    {SPS, "pic_order_cnt_type", NULL},
    {SPS, "log2_max_pic_order_cnt_lsb_minus4", NULL},
    {SPS, "max_num_ref_frames", NULL},
    {SPS, "num_ref_frames_in_pic_order_cnt_cycle",
     "pic_order_cnt_type 0: unused (kernel zeroes it)"},
    {SPS, "offset_for_ref_frame[0]", "pic_order_cnt_type 0: unused (kernel zeroes it)"},
    {SPS, "offset_for_non_ref_pic", "pic_order_cnt_type 0: unused (kernel zeroes it)"},
    {SPS, "offset_for_top_to_bottom_field", "pic_order_cnt_type 0: unused (kernel zeroes it)"},
    {SPS, "pic_width_in_mbs_minus1", NULL},
    {SPS, "pic_height_in_map_units_minus1", NULL},
    {SPS, "flags.SEPARATE_COLOUR_PLANE", "only with chroma_format_idc 3"},
    {SPS, "flags.QPPRIME_Y_ZERO_TRANSFORM_BYPASS",
     "profile_idc 66: kernel clears it; lossless only at qp 0"},
    {SPS, "flags.DELTA_PIC_ORDER_ALWAYS_ZERO", "pic_order_cnt_type 0: unused"},
    {SPS, "flags.GAPS_IN_FRAME_NUM_VALUE_ALLOWED", "the stream has no frame_num gaps"},
    {SPS, "flags.FRAME_MBS_ONLY", NULL},
    {SPS, "flags.MB_ADAPTIVE_FRAME_FIELD", "frame_mbs_only: kernel clears it"},
    {SPS, "flags.DIRECT_8X8_INFERENCE", "used by B direct prediction only: no B slices"},
    {PPS, "pic_parameter_set_id", NULL},
    {PPS, "seq_parameter_set_id", NULL},
    {PPS, "num_slice_groups_minus1", NULL},
    {PPS, "num_ref_idx_l0_default_active_minus1", NULL},
    {PPS, "num_ref_idx_l1_default_active_minus1", "B slices only: none in the stream"},
    {PPS, "weighted_bipred_idc", "B slices only: none in the stream"},
    {PPS, "pic_init_qp_minus26", NULL},
    {PPS, "pic_init_qs_minus26", "SP/SI slices only: none in the stream"},
    {PPS, "chroma_qp_index_offset", NULL},
    {PPS, "second_chroma_qp_index_offset", NULL},
    {PPS, "flags.ENTROPY_CODING_MODE", NULL},
    {PPS, "flags.BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT", NULL},
    {PPS, "flags.WEIGHTED_PRED", NULL},
    {PPS, "flags.DEBLOCKING_FILTER_CONTROL_PRESENT", NULL},
    {PPS, "flags.CONSTRAINED_INTRA_PRED", NULL},
    {PPS, "flags.REDUNDANT_PIC_CNT_PRESENT", NULL},
    {PPS, "flags.TRANSFORM_8X8_MODE", NULL},
    {PPS, "flags.SCALING_MATRIX_PRESENT", NULL},
    {DP, "nal_ref_idc", NULL},
    {DP, "frame_num", NULL},
    {DP, "top_field_order_cnt", NULL},
    {DP, "bottom_field_order_cnt", NULL},
    {DP, "idr_pic_id", "not an IDR picture"},
    {DP, "pic_order_cnt_lsb", NULL},
    {DP, "delta_pic_order_cnt_bottom",
     "not in the slice header (bottom_field_pic_order_in_frame_present 0)"},
    {DP, "delta_pic_order_cnt0", "pic_order_cnt_type 0: not in the slice header"},
    {DP, "delta_pic_order_cnt1", "pic_order_cnt_type 0: not in the slice header"},
    {DP, "dec_ref_pic_marking_bit_size", NULL},
    {DP, "pic_order_cnt_bit_size", NULL},
    {DP, "slice_group_change_cycle", "no slice groups"},
    {DP, "flags.IDR_PIC", NULL},
    {DP, "flags.FIELD_PIC", NULL},
    {DP, "flags.BOTTOM_FIELD", NULL},
    {DP, "flags.PFRAME", "not read by the 6.1 drivers"},
    {DP, "flags.BFRAME", "not read by the 6.1 drivers"},
    {DPB, "reference_ts", NULL},
    {DPB, "pic_num", "drivers derive PicNum from frame_num (v4l2_h264_init_reflist_builder)"},
    {DPB, "frame_num", NULL},
    {DPB, "fields", NULL},
    {DPB, "top_field_order_cnt", NULL},
    {DPB, "bottom_field_order_cnt", NULL},
    {DPB, "flags.VALID", NULL},
    {DPB, "flags.ACTIVE", NULL},
    {DPB, "flags.LONG_TERM", NULL},
    {DPB, "flags.FIELD", NULL},
    {SP, "header_bit_size", NULL},
    {SP, "first_mb_in_slice", NULL},
    {SP, "slice_type", NULL},
    {SP, "colour_plane_id", NULL},
    {SP, "redundant_pic_cnt", NULL},
    {SP, "cabac_init_idc", NULL},
    {SP, "slice_qp_delta", NULL},
    {SP, "slice_qs_delta", "SP/SI slices only"},
    {SP, "disable_deblocking_filter_idc", NULL},
    {SP, "slice_alpha_c0_offset_div2", NULL},
    {SP, "slice_beta_offset_div2", NULL},
    {SP, "num_ref_idx_l0_active_minus1", NULL},
    {SP, "num_ref_idx_l1_active_minus1", "B slices only"},
    {SP, "ref_pic_list0", NULL},
    {SP, "flags.DIRECT_SPATIAL_MV_PRED", "B slices only (the kernel clears it)"},
    {SP, "flags.SP_FOR_SWITCH", "SP slices only"},
};

static const struct mutation *cur_mutation;
static int cur_entry;

#define FLIP(v, f) ((v) ^= (f))

static void mutate(struct req *r, int arg)
{
	const struct mutation *m = cur_mutation;
	const char *n = m->name;
	struct v4l2_ctrl_h264_sps *sps = &r->sps;
	struct v4l2_ctrl_h264_pps *pps = &r->pps;
	struct v4l2_ctrl_h264_decode_params *dp = &r->dp;
	struct v4l2_h264_dpb_entry *e = &r->dp.dpb[cur_entry];
	struct v4l2_ctrl_h264_slice_params *sp = &r->sp;

	if ((m->what == SP || m->what == PW) != (arg >= 1000))
		return;
#define F(struct_, field, expr) else if (!strcmp(n, #field)) struct_->field = expr
	if (m->what == SPS) {
		if (0) {
		}
		F(sps, profile_idc, sps->profile_idc == 66 ? 77 : 66);
		F(sps, constraint_set_flags, sps->constraint_set_flags ^ 1);
		F(sps, level_idc, sps->level_idc + 1);
		F(sps, seq_parameter_set_id, sps->seq_parameter_set_id + 1);
		F(sps, chroma_format_idc, 0);
		F(sps, bit_depth_luma_minus8, 2);
		F(sps, bit_depth_chroma_minus8, 2);
		F(sps, log2_max_frame_num_minus4, sps->log2_max_frame_num_minus4 + 1);
		F(sps, pic_order_cnt_type, sps->pic_order_cnt_type == 2 ? 0 : 2);
		F(sps, log2_max_pic_order_cnt_lsb_minus4,
		  sps->log2_max_pic_order_cnt_lsb_minus4 + 1);
		F(sps, max_num_ref_frames, sps->max_num_ref_frames - 1);
		F(sps, num_ref_frames_in_pic_order_cnt_cycle,
		  sps->num_ref_frames_in_pic_order_cnt_cycle + 1);
		F(sps, offset_for_non_ref_pic, sps->offset_for_non_ref_pic + 1);
		F(sps, offset_for_top_to_bottom_field, sps->offset_for_top_to_bottom_field + 1);
		F(sps, pic_width_in_mbs_minus1, sps->pic_width_in_mbs_minus1 + 1);
		F(sps, pic_height_in_map_units_minus1, sps->pic_height_in_map_units_minus1 + 1);
		else if (!strcmp(n, "offset_for_ref_frame[0]")) sps->offset_for_ref_frame[0] += 1;
		else if (!strcmp(n, "flags.SEPARATE_COLOUR_PLANE"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE);
		else if (!strcmp(n, "flags.QPPRIME_Y_ZERO_TRANSFORM_BYPASS"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS);
		else if (!strcmp(n, "flags.DELTA_PIC_ORDER_ALWAYS_ZERO"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO);
		else if (!strcmp(n, "flags.GAPS_IN_FRAME_NUM_VALUE_ALLOWED"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED);
		else if (!strcmp(n, "flags.FRAME_MBS_ONLY"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY);
		else if (!strcmp(n, "flags.MB_ADAPTIVE_FRAME_FIELD"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD);
		else if (!strcmp(n, "flags.DIRECT_8X8_INFERENCE"))
		    FLIP(sps->flags, V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE);
	} else if (m->what == PPS) {
		if (0) {
		}
		F(pps, pic_parameter_set_id, pps->pic_parameter_set_id + 1);
		F(pps, seq_parameter_set_id, pps->seq_parameter_set_id + 1);
		F(pps, num_slice_groups_minus1, pps->num_slice_groups_minus1 + 1);
		F(pps, num_ref_idx_l0_default_active_minus1,
		  pps->num_ref_idx_l0_default_active_minus1 ? 0 : 1);
		F(pps, num_ref_idx_l1_default_active_minus1,
		  pps->num_ref_idx_l1_default_active_minus1 + 1);
		F(pps, weighted_bipred_idc, pps->weighted_bipred_idc ? 0 : 2);
		F(pps, pic_init_qp_minus26, pps->pic_init_qp_minus26 + 1);
		F(pps, pic_init_qs_minus26, pps->pic_init_qs_minus26 + 1);
		F(pps, chroma_qp_index_offset, pps->chroma_qp_index_offset + 1);
		F(pps, second_chroma_qp_index_offset, pps->second_chroma_qp_index_offset + 1);
		else if (!strcmp(n, "flags.ENTROPY_CODING_MODE"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE);
		else if (!strcmp(n, "flags.BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT);
		else if (!strcmp(n, "flags.WEIGHTED_PRED"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_WEIGHTED_PRED);
		else if (!strcmp(n, "flags.DEBLOCKING_FILTER_CONTROL_PRESENT"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT);
		else if (!strcmp(n, "flags.CONSTRAINED_INTRA_PRED"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED);
		else if (!strcmp(n, "flags.REDUNDANT_PIC_CNT_PRESENT"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT);
		else if (!strcmp(n, "flags.TRANSFORM_8X8_MODE"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE);
		else if (!strcmp(n, "flags.SCALING_MATRIX_PRESENT"))
		    FLIP(pps->flags, V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT);
	} else if (m->what == DP) {
		if (0) {
		}
		F(dp, nal_ref_idc, dp->nal_ref_idc ? dp->nal_ref_idc - 1 : 1);
		F(dp, frame_num, dp->frame_num + 1);
		F(dp, top_field_order_cnt, dp->top_field_order_cnt + 1);
		F(dp, bottom_field_order_cnt, dp->bottom_field_order_cnt + 1);
		F(dp, idr_pic_id, dp->idr_pic_id + 1);
		F(dp, pic_order_cnt_lsb, dp->pic_order_cnt_lsb + 1);
		F(dp, delta_pic_order_cnt_bottom, dp->delta_pic_order_cnt_bottom + 1);
		F(dp, delta_pic_order_cnt0, dp->delta_pic_order_cnt0 + 1);
		F(dp, delta_pic_order_cnt1, dp->delta_pic_order_cnt1 + 1);
		F(dp, dec_ref_pic_marking_bit_size, dp->dec_ref_pic_marking_bit_size + 1);
		F(dp, pic_order_cnt_bit_size, dp->pic_order_cnt_bit_size + 1);
		F(dp, slice_group_change_cycle, dp->slice_group_change_cycle + 1);
		else if (!strcmp(n, "flags.IDR_PIC"))
		    FLIP(dp->flags, V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC);
		else if (!strcmp(n, "flags.FIELD_PIC"))
		    FLIP(dp->flags, V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC);
		else if (!strcmp(n, "flags.BOTTOM_FIELD"))
		    FLIP(dp->flags, V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD);
		else if (!strcmp(n, "flags.PFRAME"))
		    FLIP(dp->flags, V4L2_H264_DECODE_PARAM_FLAG_PFRAME);
		else if (!strcmp(n, "flags.BFRAME"))
		    FLIP(dp->flags, V4L2_H264_DECODE_PARAM_FLAG_BFRAME);
	} else if (m->what == DPB) {
		if (0) {
		}
		F(e, reference_ts, e->reference_ts + 1000); /* another existing picture's buffer */
		F(e, pic_num, e->pic_num + 1);
		F(e, frame_num, e->frame_num + 1);
		F(e, fields, e->fields ^ V4L2_H264_TOP_FIELD_REF);
		F(e, top_field_order_cnt, e->top_field_order_cnt + 1);
		F(e, bottom_field_order_cnt, e->bottom_field_order_cnt + 1);
		else if (!strcmp(n, "flags.VALID")) FLIP(e->flags, V4L2_H264_DPB_ENTRY_FLAG_VALID);
		else if (!strcmp(n, "flags.ACTIVE"))
		    FLIP(e->flags, V4L2_H264_DPB_ENTRY_FLAG_ACTIVE);
		else if (!strcmp(n, "flags.LONG_TERM"))
		    FLIP(e->flags, V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM);
		else if (!strcmp(n, "flags.FIELD")) FLIP(e->flags, V4L2_H264_DPB_ENTRY_FLAG_FIELD);
	} else {
		if (0) {
		}
		F(sp, header_bit_size, sp->header_bit_size + 1);
		F(sp, first_mb_in_slice, sp->first_mb_in_slice + 1);
		F(sp, slice_type, sp->slice_type == 0 ? 2 : 0);
		F(sp, colour_plane_id, sp->colour_plane_id + 1);
		F(sp, redundant_pic_cnt, sp->redundant_pic_cnt + 1);
		F(sp, cabac_init_idc, sp->cabac_init_idc + 1);
		F(sp, slice_qp_delta, sp->slice_qp_delta + 1);
		F(sp, slice_qs_delta, sp->slice_qs_delta + 1);
		F(sp, disable_deblocking_filter_idc, sp->disable_deblocking_filter_idc ^ 1);
		F(sp, slice_alpha_c0_offset_div2, sp->slice_alpha_c0_offset_div2 + 1);
		F(sp, slice_beta_offset_div2, sp->slice_beta_offset_div2 + 1);
		F(sp, num_ref_idx_l0_active_minus1, sp->num_ref_idx_l0_active_minus1 + 1);
		F(sp, num_ref_idx_l1_active_minus1, sp->num_ref_idx_l1_active_minus1 + 1);
		else if (!strcmp(n, "ref_pic_list1")) sp->ref_pic_list1[0].index ^= 1;
		else if (!strcmp(n, "ref_pic_list0")) sp->ref_pic_list0[0].index ^= 1;
		else if (!strcmp(n, "flags.DIRECT_SPATIAL_MV_PRED"))
		    FLIP(sp->flags, V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED);
		else if (!strcmp(n, "flags.SP_FOR_SWITCH"))
		    FLIP(sp->flags, V4L2_H264_SLICE_FLAG_SP_FOR_SWITCH);
	}
	if (m->what == PW) {
		struct v4l2_h264_weight_factors *w0 = &r->pw.weight_factors[0];

		if (!strcmp(n, "luma_log2_weight_denom"))
			r->pw.luma_log2_weight_denom ^= 1;
		else if (!strcmp(n, "chroma_log2_weight_denom"))
			r->pw.chroma_log2_weight_denom ^= 1;
		else if (!strcmp(n, "luma_weight[0]"))
			w0->luma_weight[0]++;
		else if (!strcmp(n, "luma_offset[0]"))
			w0->luma_offset[0]++;
		else if (!strcmp(n, "chroma_weight[0][1]"))
			w0->chroma_weight[0][1]++;
		else if (!strcmp(n, "chroma_offset[0][0]"))
			w0->chroma_offset[0][0]++;
		else if (!strcmp(n, "absent"))
			r->has_pw = false;
	}
#undef F
}

/* Whether a mutated run differs from the good one: a failed or different picture, or a violation.
 */
static bool caught(const struct run *good, const struct run *bad)
{
	if (bad->violations || bad->n_fail)
		return true;
	for (int a = 0; a < good->n_aus; a++) {
		if (!bad->pics[a] != !good->pics[a])
			return true;
		if (bad->pics[a] && memcmp(bad->pics[a], good->pics[a], good->pic_size))
			return true;
	}
	return false;
}

static void test_mutations(const char *dir)
{
	char path[4096];
	struct stream st;
	struct run good = {.cfg = &cfg_hantro, .mutate_au = -1, .stop_au = 12};
	struct run good_sl = {.cfg = &cfg_cedrus, .mutate_au = -1, .stop_au = 12};
	int n_caught = 0, n_ignored = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, "BA_MW_D.264");
	if (stream_load(&st, path) || st.n_aus < 12) {
		EXPECT(0, "cannot load %s", path);
		return;
	}
	run_stream(&st, &good);
	run_stream(&st, &good_sl);
	EXPECT(good.violations == 0 && good.n_fail == 0, "unmutated run");
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		int entries = m->what == DPB ? 4 : 1;

		cur_mutation = m;
		for (cur_entry = 0; cur_entry < entries; cur_entry++) {
			/* AU 4: a P picture with a full DPB (4 short-term references) and intra
			 * macroblocks next to inter ones (constrained_intra_pred matters) */
			struct run bad = {.cfg = m->what == SP ? &cfg_cedrus : &cfg_hantro,
					  .mutate_au = 4,
					  .stop_au = 12,
					  .mutate = mutate,
					  .arg = m->what == SP ? 1000 : 0};
			bool c;

			run_stream(&st, &bad);
			c = caught(m->what == SP ? &good_sl : &good, &bad);
			if (m->ignored) {
				n_ignored++;
				if (getenv("EMU_H264_TEST_VERBOSE"))
					printf("mutation %-4s %-44s ignored (%s)%s\n",
					       m->what == SPS	? "SPS"
					       : m->what == PPS ? "PPS"
					       : m->what == DP	? "DP"
					       : m->what == DPB ? "DPB"
								: "SP",
					       m->name, m->ignored, c ? ", caught anyway" : "");
			} else {
				n_caught += c;
				EXPECT(c, "mutation of %s (entry %d) not caught", m->name,
				       cur_entry);
				if (getenv("EMU_H264_TEST_VERBOSE"))
					printf("mutation %-44s entry %d: %s (violations %d, failed "
					       "%d, rule %s)\n",
					       m->name, cur_entry, c ? "caught" : "MISSED",
					       bad.violations, bad.n_fail, fake_last_rule);
			}
			run_free(&bad);
		}
	}
	printf("mutations: %d caught, %d listed as ignored\n", n_caught, n_ignored);
	run_free(&good);
	run_free(&good_sl);
	stream_free(&st);
}

/* ---- the reference model on field pictures (no field stream in the conformance set) ---- */

static void field_pic(struct h264_model *m, const struct v4l2_ctrl_h264_sps *sps, int frame_num,
		      bool bottom, int lsb, bool idr, int slice_type, int capture,
		      struct h264_slice *s, struct h264_cur_poc *poc)
{
	memset(s, 0, sizeof(*s));
	s->nal_ref_idc = 1;
	s->idr = idr;
	s->nal_unit_type = idr ? 5 : 1;
	s->frame_num = (uint32_t)frame_num;
	s->field_pic = true;
	s->bottom_field = bottom;
	s->poc_lsb = (uint32_t)lsb;
	s->slice_type = (uint32_t)slice_type;
	h264_model_gaps(m, sps, s);
	h264_model_poc(m, sps, s, poc);
	(void)capture;
}

static void test_model_fields(void)
{
	struct v4l2_ctrl_h264_sps sps = {0};
	struct h264_model m;
	struct h264_slice s;
	struct h264_cur_poc poc;
	struct h264_ref lists[2][33];
	int n[2], fs0 = -1, nref;

	sps.max_num_ref_frames = 1;
	sps.log2_max_frame_num_minus4 = 0;
	sps.log2_max_pic_order_cnt_lsb_minus4 = 2;
	h264_model_reset(&m);

	/* IDR top field + its bottom field (P, non-IDR): one complementary reference pair */
	field_pic(&m, &sps, 0, false, 0, true, 2, 0, &s, &poc);
	EXPECT(poc.top == 0, "field: IDR top poc %d", poc.top);
	h264_model_finish(&m, &sps, &s, &poc, 0, 1000);
	field_pic(&m, &sps, 0, true, 1, false, 0, 0, &s, &poc);
	EXPECT(h264_model_is_second_field(&m, &s), "field: second field not paired");
	EXPECT(poc.bottom == 1, "field: bottom poc %d", poc.bottom);
	EXPECT(!h264_model_ref_lists(&m, &sps, &s, &poc, lists, n) && lists[0][0].parity == 0,
	       "field: second field references the first (top)");
	h264_model_finish(&m, &sps, &s, &poc, 0, 1000);
	nref = 0;
	for (int i = 0; i < H264_MAX_FS; i++) {
		if (m.fs[i].in_use) {
			nref++;
			fs0 = i;
		}
	}
	EXPECT(nref == 1 && m.fs[fs0].ref[0] == 1 && m.fs[fs0].ref[1] == 1 &&
		   m.fs[fs0].field_coded && m.fs[fs0].poc[0] == 0 && m.fs[fs0].poc[1] == 1 &&
		   m.fs[fs0].ts == 1000,
	       "field: one short-term pair after the first frame");

	/* next frame, top field P: list = pair's top (same parity) then bottom */
	field_pic(&m, &sps, 1, false, 4, false, 0, 1, &s, &poc);
	s.num_ref_idx_active_minus1[0] = 1;
	EXPECT(!h264_model_is_second_field(&m, &s), "field: new frame paired");
	EXPECT(poc.top == 4, "field: top poc %d", poc.top);
	EXPECT(!h264_model_ref_lists(&m, &sps, &s, &poc, lists, n) && n[0] == 2 &&
		   lists[0][0].fs == fs0 && lists[0][0].parity == 0 && lists[0][1].fs == fs0 &&
		   lists[0][1].parity == 1,
	       "field: P top list (%d,%d) (%d,%d)", lists[0][0].fs, lists[0][0].parity,
	       lists[0][1].fs, lists[0][1].parity);
	h264_model_finish(&m, &sps, &s, &poc, 1, 2000);
	/* sliding window with max_num_ref_frames 1: the first pair is gone */
	EXPECT(!m.fs[fs0].in_use || m.fs[fs0].ts == 2000, "field: sliding window kept the pair");

	/* its bottom field: only the top field of the same frame is a reference */
	field_pic(&m, &sps, 1, true, 5, false, 0, 1, &s, &poc);
	EXPECT(h264_model_is_second_field(&m, &s), "field: second field of frame 1");
	EXPECT(!h264_model_ref_lists(&m, &sps, &s, &poc, lists, n) &&
		   m.fs[lists[0][0].fs].ts == 2000 && lists[0][0].parity == 0 && lists[0][1].fs < 0,
	       "field: P bottom list");
	/* MMCO 1 on a field: picNumX = CurrPicNum - 1 = 2*1+1-1 = 2 = same-parity? no: the top
	 * field of this frame has PicNum 2*FrameNumWrap = 2 (opposite parity) */
	s.adaptive_marking = true;
	s.n_mmco = 1;
	s.mmco[0].op = 1;
	s.mmco[0].diff_pic_nums_minus1 = 0;
	h264_model_finish(&m, &sps, &s, &poc, 1, 2000);
	nref = 0;
	for (int i = 0; i < H264_MAX_FS; i++)
		if (m.fs[i].in_use && m.fs[i].ts == 2000)
			nref += (m.fs[i].ref[0] != 0) + 2 * (m.fs[i].ref[1] != 0);
	EXPECT(nref == 2, "field: MMCO 1 should leave only the bottom field (got mask %d)", nref);
}

/* Corrupted slice data and random controls must fail cleanly (run under ASan in CI setups). */
static void test_garbage(const char *dir)
{
	char path[4096];
	struct stream st;
	struct emu_instance inst;
	void *priv;
	uint32_t seed = 12345;
	int ok = 0, failed = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, "CI_MW_D.264");
	if (stream_load(&st, path) || st.n_aus < 10) {
		EXPECT(0, "cannot load %s", path);
		return;
	}
	for (int c = 0; c < 2; c++) {
		memset(&inst, 0, sizeof(inst));
		inst.cfg = c ? cfg_cedrus : cfg_hantro;
		priv = emu_codec_h264.open(&inst);
		EXPECT(priv, "open");
		for (int a = 0; priv && a < st.n_aus; a++) {
			const struct au *au = &st.aus[a];
			static struct req r;
			struct fake_job fj;
			struct emu_picture pic;
			uint8_t buf[65536];
			size_t len = 0;

			for (int k = au->first_nal; k < au->first_nal + au->n_nals; k++) {
				const struct nal *nl = &st.nals[k];

				if (len + nl->n + 4 > sizeof(buf))
					break;
				if (!c) {
					memcpy(buf + len, "\0\0\1", 3);
					len += 3;
				}
				memcpy(buf + len, nl->p, nl->n);
				len += nl->n;
				if (c)
					break;
			}
			/* flip bytes; and every 7th request random controls */
			for (int i = 0; i < 8 && len; i++) {
				seed = seed * 1103515245 + 12345;
				buf[(seed >> 8) % len] ^= (uint8_t)(seed >> 24);
			}
			memset(&r, 0, sizeof(r));
			r.sps = au->sps.v;
			r.pps = au->pps.v;
			if (a % 7 == 3) {
				uint8_t *p = (uint8_t *)&r;

				for (size_t i = 0; i < offsetof(struct req, has_pw); i++) {
					seed = seed * 1103515245 + 12345;
					p[i] = (uint8_t)(seed >> 16);
				}
				r.has_pw = seed & 1;
			}
			memset(&fj, 0, sizeof(fj));
			fj.job.inst = &inst;
			fj.job.seq = (uint64_t)a;
			fj.job.timestamp = (uint64_t)(a + 1) * 1000;
			fj.job.capture_index = a % FAKE_MAX_CAPTURE;
			fj.job.data = buf;
			fj.job.size = len;
			set_ctrls(&fj, &r, c == 1);
			if (emu_codec_h264.submit(priv, &fj.job) == 0 &&
			    emu_codec_h264.finish(priv, &fj.job, &pic) == 0)
				ok++;
			else
				failed++;
		}
		if (priv)
			emu_codec_h264.close(priv);
	}
	/* DPBs are empty here, so P pictures fail the DPB check: most requests fail */
	EXPECT(failed > 0, "garbage: nothing failed (%d ok)", ok);
	printf("garbage: %d requests failed cleanly, %d decoded\n", failed, ok);
	stream_free(&st);
}

/* ---- dump_ctrl: one JSON object per control ---- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"')
		p++;
	return *p ? p + 1 : NULL;
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_string(json_ws(p));
				if (!p || *(p = json_ws(p)) != ':')
					return NULL;
				p++;
			}
			p = json_value(p);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static void test_dump(void)
{
	static const struct {
		uint32_t id;
		const char *key;
		uint32_t size;
	} ctrls[] = {
	    {V4L2_CID_STATELESS_H264_SPS, "\"offset_for_ref_frame\":[",
	     sizeof(struct v4l2_ctrl_h264_sps)},
	    {V4L2_CID_STATELESS_H264_PPS,
	     "\"second_chroma_qp_index_offset\":", sizeof(struct v4l2_ctrl_h264_pps)},
	    {V4L2_CID_STATELESS_H264_SCALING_MATRIX, "\"scaling_list_8x8\":[[",
	     sizeof(struct v4l2_ctrl_h264_scaling_matrix)},
	    {V4L2_CID_STATELESS_H264_DECODE_PARAMS,
	     "\"reference_ts\":", sizeof(struct v4l2_ctrl_h264_decode_params)},
	    {V4L2_CID_STATELESS_H264_SLICE_PARAMS, "\"ref_pic_list1\":[{",
	     sizeof(struct v4l2_ctrl_h264_slice_params)},
	    {V4L2_CID_STATELESS_H264_PRED_WEIGHTS, "\"chroma_offset\":[[",
	     sizeof(struct v4l2_ctrl_h264_pred_weights)},
	};
	static uint8_t payload[sizeof(struct v4l2_ctrl_h264_decode_params) + 4096];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 37 + 11);
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		const char *end;

		EXPECT(f, "open_memstream");
		if (!f)
			return;
		emu_codec_h264.dump_ctrl(f, ctrls[i].id, payload, ctrls[i].size);
		fclose(f);
		end = json_value(buf);
		EXPECT(end && !*json_ws(end) && buf[0] == '{',
		       "dump of control %#x is not one JSON object: %.80s", ctrls[i].id, buf);
		EXPECT(strstr(buf, ctrls[i].key), "dump of %#x lacks %s", ctrls[i].id,
		       ctrls[i].key);
		free(buf);
	}
}

/* Mutations that need B slices and explicit weighted prediction (an x264 clip): all caught. */
static void test_mutations_b(const char *clip)
{
	static const struct mutation b_muts[] = {
	    {SP, "num_ref_idx_l1_active_minus1", NULL},
	    {SP, "flags.DIRECT_SPATIAL_MV_PRED", NULL},
	    {SP, "ref_pic_list1", NULL},
	    {PPS, "weighted_bipred_idc", NULL},
	    {SPS, "flags.DIRECT_8X8_INFERENCE", NULL},
	    {PPS, "flags.TRANSFORM_8X8_MODE", NULL},
	};
	static const struct mutation p_muts[] = {
	    {PW, "luma_log2_weight_denom", NULL},
	    {PW, "chroma_log2_weight_denom", NULL},
	    {PW, "luma_weight[0]", NULL},
	    {PW, "luma_offset[0]", NULL},
	    {PW, "chroma_weight[0][1]", NULL},
	    {PW, "chroma_offset[0][0]", NULL},
	    {PW, "absent", NULL},
	};
	struct stream st;
	int b_au = -1, p_au = -1, n_caught = 0;

	if (stream_load(&st, clip) || st.n_aus < 12) {
		EXPECT(0, "cannot load %s", clip);
		return;
	}
	for (int a = 3; a < 12 && (b_au < 0 || p_au < 0); a++) {
		const struct au *au = &st.aus[a];
		const struct nal *nl = &st.nals[au->first_nal];
		struct h264_slice s;

		if (h264_parse_slice(nl->p, nl->n, &au->sps.v, &au->pps.v, &s))
			continue;
		if (s.slice_type == 1 && b_au < 0)
			b_au = a;
		if (s.slice_type == 0 && s.has_pwt && p_au < 0)
			p_au = a;
	}
	EXPECT(b_au >= 0 && p_au >= 0, "%s: no B / weighted P picture in AUs 3..11", clip);
	for (int set = 0; set < 2 && b_au >= 0 && p_au >= 0; set++) {
		const struct mutation *list = set ? p_muts : b_muts;
		size_t n =
		    set ? sizeof(p_muts) / sizeof(p_muts[0]) : sizeof(b_muts) / sizeof(b_muts[0]);

		for (size_t i = 0; i < n; i++) {
			const struct mutation *m = &list[i];
			bool sl = m->what == SP || m->what == PW;
			struct run good = {
			    .cfg = sl ? &cfg_cedrus : &cfg_hantro, .mutate_au = -1, .stop_au = 12};
			struct run bad = {.cfg = good.cfg,
					  .mutate_au = set ? p_au : b_au,
					  .stop_au = 12,
					  .mutate = mutate,
					  .arg = sl ? 1000 : 0};
			bool c;

			cur_mutation = m;
			cur_entry = 0;
			run_stream(&st, &good);
			run_stream(&st, &bad);
			c = good.violations == 0 && good.n_fail == 0 && caught(&good, &bad);
			n_caught += c;
			EXPECT(c, "%s: mutation of %s at AU %d not caught", clip, m->name,
			       bad.mutate_au);
			run_free(&good);
			run_free(&bad);
		}
	}
	printf("B / weighted-prediction mutations: %d caught\n", n_caught);
	stream_free(&st);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CONFORMANCE_H264_DIR\n", argv[0]);
		return 2;
	}
	fake_quiet = !getenv("EMU_H264_TEST_VERBOSE");
	test_ctrls();
	test_dump();
	test_model_fields();
	test_conformance(argv[1]);
	test_mutations(argv[1]);
	test_garbage(argv[1]);
	for (int i = 2; i < argc; i++) {
		test_clip(argv[i]);
		if (strstr(argv[i], "high-b-wp"))
			test_mutations_b(argv[i]);
	}
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
