/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the emulated H.264 codec (emu/codec/h264*.c) against a fake core:
 * - every conformance stream decodes from rebuilt SPS/PPS to the manifest MD5, frame-based
 *   (Annex B) and slice-based (no start code, held capture buffer), with zero violations;
 * - a mutated SPS/PPS field changes the picture or fails it;
 * - a mutated DECODE_PARAMS / DPB entry / SLICE_PARAMS field gives a violation;
 * - control descriptions and try_ctrl follow the kernel.
 * Usage: test_emu_h264 CONFORMANCE_DIR
 */
#include <errno.h>
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
	.profile = "hantro-g1", .driver = "hantro-vpu", .mode = EMU_MODE_FRAME_BASED,
	.start_code = EMU_START_CODE_ANNEX_B, .capture_fourcc = V4L2_PIX_FMT_NV12,
	.min_width = 48, .min_height = 48, .max_width = 1920, .max_height = 1088,
};
static const struct emu_dev_cfg cfg_rkvdec = {
	.profile = "rkvdec", .driver = "rkvdec", .mode = EMU_MODE_FRAME_BASED,
	.start_code = EMU_START_CODE_ANNEX_B, .capture_fourcc = V4L2_PIX_FMT_NV12,
	.min_width = 48, .min_height = 48, .max_width = 4096, .max_height = 2304, .ten_bit = true,
};
static const struct emu_dev_cfg cfg_cedrus = {
	.profile = "cedrus", .driver = "cedrus", .mode = EMU_MODE_SLICE_BASED,
	.start_code = EMU_START_CODE_NONE, .capture_fourcc = V4L2_PIX_FMT_NV12_32L32,
	.min_width = 16, .min_height = 16, .max_width = 4096, .max_height = 2304,
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
	int stop_au;         /* decode AUs [0, stop_au) (all if <= 0) */
	int mutate_au;       /* -1: none */
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
		if (e->fields != V4L2_H264_FRAME_REF)
			e->flags |= V4L2_H264_DPB_ENTRY_FLAG_FIELD;
	}
}

static void fill_slice_params(const struct h264_slice *s, struct req *r)
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
	r->has_pw = s->has_pwt;
	if (s->has_pwt)
		r->pw = s->pwt;
}

static void set_ctrls(struct fake_job *fj, struct req *r, bool slice_based)
{
	fj->nreq = 0;
	fj->req[fj->nreq++] = (struct fake_ctrl){ V4L2_CID_STATELESS_H264_SPS, &r->sps, sizeof(r->sps) };
	fj->req[fj->nreq++] = (struct fake_ctrl){ V4L2_CID_STATELESS_H264_PPS, &r->pps, sizeof(r->pps) };
	fj->req[fj->nreq++] = (struct fake_ctrl){ V4L2_CID_STATELESS_H264_SCALING_MATRIX, &r->sm,
						  sizeof(r->sm) };
	fj->req[fj->nreq++] = (struct fake_ctrl){ V4L2_CID_STATELESS_H264_DECODE_PARAMS, &r->dp,
						  sizeof(r->dp) };
	if (slice_based) {
		fj->req[fj->nreq++] = (struct fake_ctrl){ V4L2_CID_STATELESS_H264_SLICE_PARAMS,
							  &r->sp, sizeof(r->sp) };
		if (r->has_pw)
			fj->req[fj->nreq++] = (struct fake_ctrl){
				V4L2_CID_STATELESS_H264_PRED_WEIGHTS, &r->pw, sizeof(r->pw)
			};
	}
}

static void copy_picture(struct run *rn, const struct au *au, const struct emu_picture *p, int idx)
{
	int cl = au->sps.crop[0], cr = au->sps.crop[1], ct = au->sps.crop[2], cb = au->sps.crop[3];
	int w = p->width - cl - cr, h = p->height - ct - cb;
	uint8_t *dst;

	if (p->bit_depth != 8 || w <= 0 || h <= 0)
		return;
	if (!rn->pic_size) {
		rn->width = w;
		rn->height = h;
		rn->pic_size = (size_t)w * h * 3 / 2;
	}
	if (w != rn->width || h != rn->height)
		return;
	dst = malloc(rn->pic_size);
	if (!dst)
		return;
	rn->pics[idx] = dst;
	for (int y = 0; y < h; y++, dst += w)
		memcpy(dst, p->plane[0] + (size_t)(y + ct) * p->stride[0] + cl, (size_t)w);
	for (int c = 1; c < 3; c++)
		for (int y = 0; y < h / 2; y++, dst += w / 2)
			memcpy(dst, p->plane[c] + (size_t)(y + ct / 2) * p->stride[c] + cl / 2,
			       (size_t)w / 2);
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
		int capture = a % FAKE_MAX_CAPTURE, nslices = 0, last = -1, res = 0, v0 = fake_violations;
		uint64_t ts = (uint64_t)(a + 1) * 1000;
		size_t plen = 0;
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
			if (emu_codec_h264.submit(priv, &fj.job))
				res = -1;
		} else {
			int done = 0;

			for (int k = au->first_nal; k <= last; k++) {
				const struct nal *nl = &st->nals[k];

				if ((nl->type != 1 && nl->type != 5) ||
				    h264_parse_slice(nl->p, nl->n, &au->sps.v, &au->pps.v, &s) ||
				    s.redundant_pic_cnt)
					continue;
				fill_slice_params(&s, &r);
				if (a == rn->mutate_au && rn->mutate && rn->arg >= 1000)
					rn->mutate(&r, rn->arg);
				set_ctrls(&fj, &r, true);
				fj.job.seq = (uint64_t)a * 1000 + (uint64_t)done;
				fj.job.data = nl->p;
				fj.job.size = nl->n;
				fj.job.hold = ++done < nslices;
				if (emu_codec_h264.submit(priv, &fj.job))
					res = -1;
			}
		}
		if (emu_codec_h264.finish(priv, &fj.job, &pic))
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

	memset(rd, 0, sizeof(*rd));
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

		if (line[0] == '#' || sscanf(line, "%255s %255s %63s %63s", name, file, fmt, want) != 4)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		EXPECT(stream_load(&st, path) == 0, "%s: cannot load", name);
		if (!st.n_aus) {
			stream_free(&st);
			continue;
		}
		rd = calloc(1, sizeof(*rd));
		EXPECT(rd && reference_order(&st, rd) == 0, "%s: reference decode", name);
		const struct emu_dev_cfg *cfgs[] = { &cfg_hantro, &cfg_cedrus };
		for (int c = 0; c < 2 && rd; c++) {
			struct run rn = { .cfg = cfgs[c], .mutate_au = -1 };
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
			EXPECT(complete && !strcmp(got, want) && rn.n_fail == 0 && rn.violations == 0,
			       "%s on %s: md5 %s want %s, %d/%d AUs failed, %d violations, %d out",
			       name, cfgs[c]->profile, got, want, rn.n_fail, rn.n_aus, rn.violations,
			       rd->n_out);
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
		EXPECT(req == 4, "cedrus: %d required controls", req);
	}

	memset(&sps, 0, sizeof(sps));
	sps.profile_idc = 100;
	sps.chroma_format_idc = 1;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == 0, "valid sps");
	sps.bit_depth_luma_minus8 = sps.bit_depth_chroma_minus8 = 2;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "10-bit on hantro-g1");
	EXPECT(emu_codec_h264.try_ctrl(&cfg_rkvdec, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == 0, "10-bit on rkvdec (ten_bit)");
	sps.bit_depth_chroma_minus8 = 0;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_rkvdec, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "luma != chroma depth");
	sps.bit_depth_luma_minus8 = 0;
	sps.chroma_format_idc = 2;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_rkvdec, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "4:2:2");
	sps.chroma_format_idc = 0;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "4:0:0 on cedrus");
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == 0, "4:0:0 on hantro");
	sps.chroma_format_idc = 1;
	sps.log2_max_frame_num_minus4 = 13;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "log2_max_frame_num_minus4 13");
	sps.log2_max_frame_num_minus4 = 0;
	sps.pic_order_cnt_type = 3;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "poc type 3");
	sps.pic_order_cnt_type = 0;
	sps.max_num_ref_frames = 33;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_SPS, &sps,
				       sizeof(sps)) == -EINVAL, "max_num_ref_frames 33");
	memset(&pps, 0, sizeof(pps));
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_PPS, &pps,
				       sizeof(pps)) == 0, "valid pps");
	pps.weighted_bipred_idc = 3;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_PPS, &pps,
				       sizeof(pps)) == -EINVAL, "weighted_bipred_idc 3");
	pps.weighted_bipred_idc = 0;
	pps.pic_init_qp_minus26 = 26;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_PPS, &pps,
				       sizeof(pps)) == -EINVAL, "pic_init_qp_minus26 26");
	memset(&pw, 0, sizeof(pw));
	pw.chroma_log2_weight_denom = 8;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_PRED_WEIGHTS, &pw,
				       sizeof(pw)) == -EINVAL, "chroma denom 8");
	memset(&dp, 0, sizeof(dp));
	dp.nal_ref_idc = 4;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_hantro, V4L2_CID_STATELESS_H264_DECODE_PARAMS, &dp,
				       sizeof(dp)) == -EINVAL, "nal_ref_idc 4");
	memset(&sp, 0, sizeof(sp));
	sp.slice_type = V4L2_H264_SLICE_TYPE_I;
	sp.num_ref_idx_l0_active_minus1 = 40; /* ignored (zeroed) for I slices */
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &sp,
				       sizeof(sp)) == 0, "I slice l0 count ignored");
	sp.slice_type = V4L2_H264_SLICE_TYPE_P;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &sp,
				       sizeof(sp)) == -EINVAL, "P slice l0 count 41");
	sp.num_ref_idx_l0_active_minus1 = 0;
	sp.slice_beta_offset_div2 = 7;
	EXPECT(emu_codec_h264.try_ctrl(&cfg_cedrus, V4L2_CID_STATELESS_H264_SLICE_PARAMS, &sp,
				       sizeof(sp)) == -EINVAL, "beta 7");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CONFORMANCE_H264_DIR\n", argv[0]);
		return 2;
	}
	fake_quiet = !getenv("EMU_H264_TEST_VERBOSE");
	test_ctrls();
	test_conformance(argv[1]);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
