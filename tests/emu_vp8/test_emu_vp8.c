/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the emulated VP8 codec (emu/codec/vp8.c, included to reach its parser and checks)
 * on a fake core:
 *  - the VP8 test vectors decode through it frame by frame to the MD5s of their .ivf.md5 files,
 *    with controls built from the device's own parse (no violation);
 *  - mutation check: in every frame, every byte of V4L2_CID_STATELESS_VP8_FRAME (bits 0 and 7;
 *    each defined bit of the flags fields) changed alone must be caught, unless the field is one
 *    hardware does not read in that frame (ignored(): the reason is listed there); every field
 *    must be caught somewhere in the set;
 *  - try_ctrl / the default value, a missing control, a reference no CAPTURE buffer holds,
 *    truncated frames.
 *
 *   test_emu_vp8 VECTOR_DIR
 */
#include "../../emu/codec/vp8.c"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>

#include <libavutil/md5.h>

#include "../emu_h264/fake_core.h"

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

/* ---- the control a correct client sends, from the device's parse ---- */

static void build_ctrl(struct v4l2_ctrl_vp8_frame *f, const struct vp8_hdr *h,
		       const struct vp8_state *after, const struct vp8_state *before)
{
	memset(f, 0, sizeof(*f));
	if (h->seg_enabled) {
		f->segment.flags =
		    V4L2_VP8_SEGMENT_FLAG_ENABLED |
		    (h->update_map ? V4L2_VP8_SEGMENT_FLAG_UPDATE_MAP : 0) |
		    (h->update_data ? V4L2_VP8_SEGMENT_FLAG_UPDATE_FEATURE_DATA : 0) |
		    (after->seg_abs ? 0 : V4L2_VP8_SEGMENT_FLAG_DELTA_VALUE_MODE);
		memcpy(f->segment.quant_update, after->seg_quant, 4);
		memcpy(f->segment.lf_update, after->seg_lf, 4);
		memcpy(f->segment.segment_probs, h->seg_probs, 3);
	}
	memcpy(f->lf.ref_frm_delta, after->ref_delta, 4);
	memcpy(f->lf.mb_mode_delta, after->mode_delta, 4);
	f->lf.sharpness_level = (uint8_t)h->sharpness;
	f->lf.level = (uint8_t)h->level;
	f->lf.flags = (h->lf_adj ? V4L2_VP8_LF_ADJ_ENABLE : 0) |
		      (h->lf_update ? V4L2_VP8_LF_DELTA_UPDATE : 0) |
		      (h->filter_simple ? V4L2_VP8_LF_FILTER_TYPE_SIMPLE : 0);
	f->quant.y_ac_qi = (uint8_t)h->y_ac_qi;
	f->quant.y_dc_delta = (int8_t)h->y_dc;
	f->quant.y2_dc_delta = (int8_t)h->y2_dc;
	f->quant.y2_ac_delta = (int8_t)h->y2_ac;
	f->quant.uv_dc_delta = (int8_t)h->uv_dc;
	f->quant.uv_ac_delta = (int8_t)h->uv_ac;
	memcpy(f->entropy.coeff_probs, h->probs.coeff, sizeof(f->entropy.coeff_probs));
	memcpy(f->entropy.y_mode_probs, h->probs.ymode, 4);
	memcpy(f->entropy.uv_mode_probs, h->probs.uvmode, 3);
	memcpy(f->entropy.mv_probs, h->probs.mv, sizeof(f->entropy.mv_probs));
	f->coder_state.range = h->cs_range;
	f->coder_state.value = h->cs_value;
	f->coder_state.bit_count = h->cs_count;
	f->width = after->width;
	f->height = after->height;
	f->horizontal_scale = after->hscale;
	f->vertical_scale = after->vscale;
	f->version = (uint8_t)h->version;
	f->prob_skip_false = (uint8_t)h->prob_skip;
	f->prob_intra = (uint8_t)h->prob_intra;
	f->prob_last = (uint8_t)h->prob_last;
	f->prob_gf = (uint8_t)h->prob_gf;
	f->num_dct_parts = (uint8_t)h->nparts;
	f->first_part_size = h->first_part_size;
	f->first_part_header_bits = h->header_bits;
	memcpy(f->dct_part_sizes, h->part_sizes, sizeof(f->dct_part_sizes));
	if (!h->key) {
		f->last_frame_ts = before->last_ts;
		f->golden_frame_ts = before->golden_ts;
		f->alt_frame_ts = before->alt_ts;
	}
	f->flags = (h->key ? V4L2_VP8_FRAME_FLAG_KEY_FRAME : 0) |
		   (h->show ? V4L2_VP8_FRAME_FLAG_SHOW_FRAME : 0) |
		   (h->no_skip ? V4L2_VP8_FRAME_FLAG_MB_NO_SKIP_COEFF : 0) |
		   (h->sign_golden ? V4L2_VP8_FRAME_FLAG_SIGN_BIAS_GOLDEN : 0) |
		   (h->sign_alt ? V4L2_VP8_FRAME_FLAG_SIGN_BIAS_ALT : 0);
}

/* ---- fields, and when hardware legitimately ignores them ---- */

#define F(m)                                                                                       \
	{                                                                                          \
#m, offsetof(struct v4l2_ctrl_vp8_frame, m),                                       \
		    sizeof(((struct v4l2_ctrl_vp8_frame *)0)->m)                                   \
	}
static const struct field {
	const char *name;
	size_t off, size;
} fields[] = {
    F(segment.quant_update),
    F(segment.lf_update),
    F(segment.segment_probs),
    F(segment.padding),
    F(segment.flags),
    F(lf.ref_frm_delta),
    F(lf.mb_mode_delta),
    F(lf.sharpness_level),
    F(lf.level),
    F(lf.padding),
    F(lf.flags),
    F(quant.y_ac_qi),
    F(quant.y_dc_delta),
    F(quant.y2_dc_delta),
    F(quant.y2_ac_delta),
    F(quant.uv_dc_delta),
    F(quant.uv_ac_delta),
    F(quant.padding),
    F(entropy.coeff_probs),
    F(entropy.y_mode_probs),
    F(entropy.uv_mode_probs),
    F(entropy.mv_probs),
    F(entropy.padding),
    F(coder_state.range),
    F(coder_state.value),
    F(coder_state.bit_count),
    F(coder_state.padding),
    F(width),
    F(height),
    F(horizontal_scale),
    F(vertical_scale),
    F(version),
    F(prob_skip_false),
    F(prob_intra),
    F(prob_last),
    F(prob_gf),
    F(num_dct_parts),
    F(first_part_size),
    F(first_part_header_bits),
    F(dct_part_sizes),
    F(last_frame_ts),
    F(golden_frame_ts),
    F(alt_frame_ts),
    F(flags),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static bool is_field(const struct field *fd, const char *name)
{
	return !strcmp(fd->name, name);
}

/* Why a change of `fd` (byte `off`, or flag bit `bit`) goes unseen by hardware in this frame;
 * NULL when it must be caught. */
static const char *ignored(const struct field *fd, size_t off, uint64_t bit,
			   const struct vp8_hdr *h)
{
	if (strstr(fd->name, "padding"))
		return "padding: std_validate_compound() zeroes it";
	if (!h->seg_enabled &&
	    (is_field(fd, "segment.quant_update") || is_field(fd, "segment.lf_update") ||
	     (is_field(fd, "segment.flags") && bit == V4L2_VP8_SEGMENT_FLAG_DELTA_VALUE_MODE)))
		return "segmentation disabled: no segment value is read";
	if (is_field(fd, "segment.segment_probs") && !(h->seg_enabled && h->update_map))
		return "segment map not updated: its probabilities are not read";
	if (!h->lf_adj && (is_field(fd, "lf.ref_frm_delta") || is_field(fd, "lf.mb_mode_delta")))
		return "loop filter adjustments disabled: deltas not read";
	if (is_field(fd, "prob_skip_false") && !h->no_skip)
		return "mb_no_coeff_skip off: no skip flag is decoded";
	if (h->key &&
	    (is_field(fd, "prob_intra") || is_field(fd, "prob_last") || is_field(fd, "prob_gf") ||
	     is_field(fd, "entropy.mv_probs") || strstr(fd->name, "_frame_ts") ||
	     (is_field(fd, "flags") && (bit == V4L2_VP8_FRAME_FLAG_SIGN_BIAS_GOLDEN ||
					bit == V4L2_VP8_FRAME_FLAG_SIGN_BIAS_ALT))))
		return "key frame: intra only, no reference, no motion vector";
	if (is_field(fd, "dct_part_sizes") && (off - fd->off) / 4 >= (size_t)h->nparts)
		return "beyond num_dct_parts";
	if (is_field(fd, "flags") && bit == V4L2_VP8_FRAME_FLAG_EXPERIMENTAL)
		return "EXPERIMENTAL: no driver reads it (hantro, cedrus)";
	return NULL;
}

static const uint64_t frame_flag_bits[] = {
    V4L2_VP8_FRAME_FLAG_KEY_FRAME,	  V4L2_VP8_FRAME_FLAG_EXPERIMENTAL,
    V4L2_VP8_FRAME_FLAG_SHOW_FRAME,	  V4L2_VP8_FRAME_FLAG_MB_NO_SKIP_COEFF,
    V4L2_VP8_FRAME_FLAG_SIGN_BIAS_GOLDEN, V4L2_VP8_FRAME_FLAG_SIGN_BIAS_ALT};
static const uint64_t seg_flag_bits[] = {
    V4L2_VP8_SEGMENT_FLAG_ENABLED, V4L2_VP8_SEGMENT_FLAG_UPDATE_MAP,
    V4L2_VP8_SEGMENT_FLAG_UPDATE_FEATURE_DATA, V4L2_VP8_SEGMENT_FLAG_DELTA_VALUE_MODE};
static const uint64_t lf_flag_bits[] = {V4L2_VP8_LF_ADJ_ENABLE, V4L2_VP8_LF_DELTA_UPDATE,
					V4L2_VP8_LF_FILTER_TYPE_SIMPLE};

static unsigned caught_count[NFIELDS];
static unsigned long n_mutations, n_ignored;

static bool mutant_caught(const struct emu_job *job, struct vp8_ctx *c,
			  const struct v4l2_ctrl_vp8_frame *m, const struct vp8_hdr *h,
			  const struct vp8_state *before)
{
	int v0 = fake_violations;
	bool ok = check_frame(job, c, m, h, before);

	return !ok && fake_violations > v0;
}

static void mutate_frame(const struct emu_job *job, struct vp8_ctx *c,
			 const struct v4l2_ctrl_vp8_frame *good, const struct vp8_hdr *h,
			 const struct vp8_state *before, const char *name, int frame)
{
	struct v4l2_ctrl_vp8_frame m;

	EXPECT(!mutant_caught(job, c, good, h, before), "%s frame %d: correct control flagged",
	       name, frame);
	for (size_t k = 0; k < NFIELDS; k++) {
		const struct field *fd = &fields[k];
		const uint64_t *bits = NULL;
		size_t nbits = 0;

		if (is_field(fd, "flags")) {
			bits = frame_flag_bits;
			nbits = sizeof(frame_flag_bits) / 8;
		} else if (is_field(fd, "segment.flags")) {
			bits = seg_flag_bits;
			nbits = sizeof(seg_flag_bits) / 8;
		} else if (is_field(fd, "lf.flags")) {
			bits = lf_flag_bits;
			nbits = sizeof(lf_flag_bits) / 8;
		}
		if (bits) {
			for (size_t b = 0; b < nbits; b++) {
				const char *why = ignored(fd, fd->off, bits[b], h);
				uint64_t v = 0;
				bool caught;

				m = *good;
				memcpy(&v, (uint8_t *)&m + fd->off, fd->size);
				v ^= bits[b];
				memcpy((uint8_t *)&m + fd->off, &v, fd->size);
				caught = mutant_caught(job, c, &m, h, before);
				n_mutations++;
				if (why) {
					n_ignored++;
					EXPECT(!caught,
					       "%s frame %d: %s bit %#llx flagged though %s", name,
					       frame, fd->name, (unsigned long long)bits[b], why);
				} else {
					caught_count[k] += caught;
					EXPECT(caught,
					       "%s frame %d: %s bit %#llx changed, not caught",
					       name, frame, fd->name, (unsigned long long)bits[b]);
				}
			}
			continue;
		}
		for (size_t off = fd->off; off < fd->off + fd->size; off++) {
			for (int bit = 0; bit < 8; bit += 7) {
				const char *why = ignored(fd, off, 0, h);
				bool caught;

				m = *good;
				((uint8_t *)&m)[off] ^= (uint8_t)(1u << bit);
				caught = mutant_caught(job, c, &m, h, before);
				n_mutations++;
				if (why) {
					n_ignored++;
					/* An ignored field may still be compared when
					 * equal-by-chance does not matter: only require it not to
					 * be caught. */
					EXPECT(!caught,
					       "%s frame %d: %s byte %zu flagged though %s", name,
					       frame, fd->name, off - fd->off, why);
				} else {
					caught_count[k] += caught;
					EXPECT(
					    caught,
					    "%s frame %d: %s byte %zu bit %d changed, not caught",
					    name, frame, fd->name, off - fd->off, bit);
				}
			}
		}
	}
}

/* ---- streams ---- */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

static void picture_md5(const struct emu_picture *p, char out[33])
{
	struct AVMD5 *md5 = av_md5_alloc();
	uint8_t d[16];

	av_md5_init(md5);
	for (int pl = 0; pl < 3; pl++) {
		int w = pl ? (p->width + 1) / 2 : p->width,
		    hh = pl ? (p->height + 1) / 2 : p->height;

		for (int y = 0; y < hh; y++)
			av_md5_update(md5, p->plane[pl] + (size_t)y * (size_t)p->stride[pl],
				      (size_t)w);
	}
	av_md5_final(md5, d);
	av_free(md5);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Decode one .ivf through the codec; mutation-check every frame. Returns frames decoded. */
static int run_vector(const char *dir, const char *name)
{
	char path[1024], line[256], md5[33];
	size_t size = 0, off;
	uint8_t *ivf;
	FILE *ref;
	struct emu_instance inst;
	struct vp8_ctx *c;
	int frame = 0, shown = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ivf = read_file(path, &size);
	EXPECT(ivf && size >= 32 && !memcmp(ivf, "DKIF", 4), "%s: not an IVF file", name);
	if (!ivf || size < 32)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.md5", dir, name);
	ref = fopen(path, "r");
	EXPECT(ref, "%s: no .md5 file", name);
	memset(&inst, 0, sizeof(inst));
	inst.cfg.profile = "hantro-g1";
	c = vp8_open(&inst);
	EXPECT(c, "%s: open failed", name);
	for (off = 32; c && ref && off + 12 <= size; frame++) {
		uint32_t len = ivf[off] | ivf[off + 1] << 8 | ivf[off + 2] << 16 |
			       (uint32_t)ivf[off + 3] << 24;
		struct fake_job fj;
		struct v4l2_ctrl_vp8_frame good;
		struct vp8_state before = c->st, after = c->st;
		struct vp8_hdr h;
		struct emu_picture pic;
		const char *err;

		off += 12;
		if (len > size - off) {
			EXPECT(0, "%s: frame %d truncated", name, frame);
			break;
		}
		memset(&fj, 0, sizeof(fj));
		fj.job.inst = &inst;
		fj.job.seq = (uint64_t)frame;
		fj.job.data = ivf + off;
		fj.job.size = len;
		fj.job.timestamp = 1000u * (uint64_t)(frame + 1);
		fj.job.capture_index = frame % FAKE_MAX_CAPTURE;
		err = vp8_parse(fj.job.data, fj.job.size, &after, &h);
		EXPECT(!err, "%s frame %d: parse: %s", name, frame, err ? err : "");
		if (err)
			break;
		build_ctrl(&good, &h, &after, &before);
		c->st = after;
		mutate_frame(&fj.job, c, &good, &h, &before, name, frame);
		c->st = before;

		fj.req[0] = (struct fake_ctrl){V4L2_CID_STATELESS_VP8_FRAME, &good, sizeof(good)};
		fj.nreq = 1;
		{
			int v0 = fake_violations;

			EXPECT(vp8_submit(c, &fj.job) == 0 && fake_violations == v0,
			       "%s frame %d: correct request failed (%s)", name, frame,
			       fake_last_rule);
		}
		/* The CAPTURE buffer now holds this frame. */
		inst.capture_ts[fj.job.capture_index] = fj.job.timestamp;
		inst.capture_valid[fj.job.capture_index] = true;
		EXPECT(vp8_finish(c, &fj.job, &pic) == 0, "%s frame %d: no picture", name, frame);
		if (h.show) {
			picture_md5(&pic, md5);
			if (!fgets(line, sizeof(line), ref)) {
				EXPECT(0, "%s: more shown frames than MD5 lines", name);
				break;
			}
			EXPECT(!strncmp(line, md5, 32),
			       "%s frame %d (shown %d): md5 %s, want %.32s", name, frame, shown,
			       md5, line);
			shown++;
		}
		off += len;
	}
	if (ref) {
		EXPECT(!fgets(line, sizeof(line), ref), "%s: fewer frames than MD5 lines", name);
		fclose(ref);
	}
	vp8_close(c);
	free(ivf);
	return frame;
}

/* ---- the rest of the contract ---- */

static void test_try_and_default(void)
{
	struct emu_ctrl_desc d[4];
	struct v4l2_ctrl_vp8_frame f;
	struct emu_dev_cfg cfg = {.profile = "cedrus"};

	EXPECT(vp8_get_ctrls(&cfg, d, 4) == 1 && d[0].id == V4L2_CID_STATELESS_VP8_FRAME &&
		   d[0].type == V4L2_CTRL_TYPE_VP8_FRAME && d[0].elem_size == sizeof(f) &&
		   !strcmp(d[0].name, "VP8 Frame Parameters"),
	       "control description");
	memset(&f, 0, sizeof(f));
	vp8_init_ctrl(V4L2_CID_STATELESS_VP8_FRAME, &f, sizeof(f));
	EXPECT(f.num_dct_parts == 1, "default num_dct_parts %u", f.num_dct_parts);
	for (unsigned n = 0; n <= 9; n++) {
		int want = (n == 1 || n == 2 || n == 4 || n == 8) ? 0 : -EINVAL;

		f.num_dct_parts = (uint8_t)n;
		EXPECT(vp8_try_ctrl(&cfg, V4L2_CID_STATELESS_VP8_FRAME, &f, sizeof(f)) == want,
		       "try_ctrl num_dct_parts %u", n);
	}
}

/* Missing control, a reference no CAPTURE buffer holds, truncated frames. */
static void test_errors(const char *dir)
{
	char path[1024];
	size_t size = 0;
	uint8_t *ivf;
	struct emu_instance inst;
	struct vp8_ctx *c;
	struct fake_job fj;
	struct v4l2_ctrl_vp8_frame f;
	struct vp8_state after;
	struct vp8_hdr h;
	uint32_t len0, len1;
	int v0;

	snprintf(path, sizeof(path), "%s/vp80-00-comprehensive-001.ivf", dir);
	ivf = read_file(path, &size);
	EXPECT(ivf && size > 100, "vp80-00-comprehensive-001.ivf missing");
	if (!ivf)
		return;
	len0 = ivf[32] | ivf[33] << 8 | ivf[34] << 16 | (uint32_t)ivf[35] << 24;
	len1 = ivf[44 + len0] | ivf[45 + len0] << 8 | ivf[46 + len0] << 16;
	memset(&inst, 0, sizeof(inst));
	c = vp8_open(&inst);

	/* No VP8_FRAME in the request nor as current value. */
	memset(&fj, 0, sizeof(fj));
	fj.job.inst = &inst;
	fj.job.data = ivf + 44;
	fj.job.size = len0;
	fj.job.timestamp = 1000;
	v0 = fake_violations;
	EXPECT(vp8_submit(c, &fj.job) < 0 && fake_violations == v0 + 1 &&
		   !strcmp(fake_last_rule, "missing-control"),
	       "missing control: rule %s", fake_last_rule);

	/* Truncated key frame: a bitstream violation, state unchanged. */
	after = c->st;
	EXPECT(vp8_parse(ivf + 44, len0, &after, &h) == NULL, "key frame parse");
	build_ctrl(&f, &h, &after, &c->st);
	fj.req[0] = (struct fake_ctrl){V4L2_CID_STATELESS_VP8_FRAME, &f, sizeof(f)};
	fj.nreq = 1;
	fj.job.size = 9;
	v0 = fake_violations;
	EXPECT(vp8_submit(c, &fj.job) < 0 && !strcmp(fake_last_rule, "vp8-bitstream"),
	       "truncated frame: rule %s", fake_last_rule);
	fj.job.size = len0;
	EXPECT(vp8_submit(c, &fj.job) == 0 && fake_violations == v0 + 1, "key frame decodes");
	inst.capture_ts[0] = 1000;
	inst.capture_valid[0] = true;

	/* Inter frame whose references (the key frame, ts 1000) are no longer in a CAPTURE
	 * buffer: caught, as is a control naming another timestamp. */
	{
		struct vp8_state before = c->st;

		after = c->st;
		EXPECT(vp8_parse(ivf + 56 + len0, len1, &after, &h) == NULL, "inter frame parse");
		build_ctrl(&f, &h, &after, &before);
		EXPECT(f.last_frame_ts == 1000 && f.golden_frame_ts == 1000 &&
			   f.alt_frame_ts == 1000,
		       "references after a key frame");
		inst.capture_valid[0] = false;
		c->st = after;
		v0 = fake_violations;
		EXPECT(!check_frame(&fj.job, c, &f, &h, &before) && fake_violations == v0 + 3 &&
			   !strcmp(fake_last_rule, "vp8-reference"),
		       "references without CAPTURE buffer: %d violations", fake_violations - v0);
		c->st = before;
	}
	vp8_close(c);
	free(ivf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	char *names[64];
	int n = 0, frames = 0;
	DIR *d;
	struct dirent *e;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "FAIL: no vector directory %s\n", argv[1]);
		return 1;
	}
	while ((e = readdir(d)) && n < 64) {
		size_t l = strlen(e->d_name);

		if (l > 4 && !strcmp(e->d_name + l - 4, ".ivf"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	EXPECT(n == 31, "%d vectors, want 31", n);

	test_try_and_default();
	test_errors(argv[1]);
	for (int i = 0; i < n; i++) {
		frames += run_vector(argv[1], names[i]);
		free(names[i]);
	}
	for (size_t k = 0; k < NFIELDS; k++) {
		if (strstr(fields[k].name, "padding"))
			continue;
		EXPECT(caught_count[k] > 0, "field %s never caught", fields[k].name);
	}
	printf("%d vectors, %d frames, %lu mutations (%lu of fields hardware ignores there), "
	       "%d failures\n",
	       n, frames, n_mutations, n_ignored, failures);
	return failures ? 1 : 0;
}
