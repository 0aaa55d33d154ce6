/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: one emulated codec of emu/codec/ (FUZZ_EMU_MPEG2: header rebuild, syntax and slice
 * checks, reference model, libavcodec decode; FUZZ_EMU_VP8: the frame parse, the control checks,
 * the decode) through its emu_codec_ops on the fake core of tests/emu_h264. Input: jobs until
 * the input ends, each the codec's control structures (their bytes as they are), a 16-bit
 * length and the OUTPUT payload. Per job: try_ctrl and the trace dump of every control, submit,
 * finish when it succeeded. Replay: the hand-made known picture (MPEG-2: must decode, every
 * sample 128) and IVF files (VP8: each frame with zeroed controls).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emu_h264/fake_core.h"
#include "replay.h"

#if defined(FUZZ_EMU_MPEG2)
#define CODEC emu_codec_mpeg2
static const uint32_t ctrl_ids[] = {V4L2_CID_STATELESS_MPEG2_SEQUENCE,
				    V4L2_CID_STATELESS_MPEG2_PICTURE,
				    V4L2_CID_STATELESS_MPEG2_QUANTISATION};
static const uint32_t ctrl_sizes[] = {sizeof(struct v4l2_ctrl_mpeg2_sequence),
				      sizeof(struct v4l2_ctrl_mpeg2_picture),
				      sizeof(struct v4l2_ctrl_mpeg2_quantisation)};
#elif defined(FUZZ_EMU_VP8)
#define CODEC emu_codec_vp8
static const uint32_t ctrl_ids[] = {V4L2_CID_STATELESS_VP8_FRAME};
static const uint32_t ctrl_sizes[] = {sizeof(struct v4l2_ctrl_vp8_frame)};
#else
#error "FUZZ_EMU_MPEG2 or FUZZ_EMU_VP8"
#endif
#define N_CTRLS (sizeof(ctrl_ids) / sizeof(ctrl_ids[0]))
#define NCAP	8

static FILE *devnull;
static unsigned long decoded; /* jobs that finished with a picture */
static int last_flat;	      /* the value of every sample of the last picture, or -1 */

static size_t ctrls_size(void)
{
	size_t n = 0;

	for (size_t i = 0; i < N_CTRLS; i++)
		n += ctrl_sizes[i];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emu_instance inst;
	static struct fake_job fj;
	const size_t csize = ctrls_size();
	void *ctrls[N_CTRLS]; /* each control in its own (aligned) allocation, as the core's */
	void *priv;

	for (size_t i = 0; i < N_CTRLS; i++)
		if (!(ctrls[i] = malloc(ctrl_sizes[i])))
			abort();
	memset(&inst, 0, sizeof(inst));
	inst.cfg.profile = "hantro-g1";
	inst.cfg.driver = "hantro-vpu";
	inst.cfg.mode = EMU_MODE_FRAME_BASED;
	inst.cfg.capture_fourcc = V4L2_PIX_FMT_NV12;
	inst.cfg.min_width = inst.cfg.min_height = 48;
	inst.cfg.max_width = 1920;
	inst.cfg.max_height = 1088;
	priv = CODEC.open(&inst);
	if (!priv)
		abort();
	for (uint64_t seq = 0; size >= csize + 2; seq++) {
		struct emu_picture out;
		size_t off = 0, len;

		for (size_t i = 0; i < N_CTRLS; i++) {
			memcpy(ctrls[i], data + off, ctrl_sizes[i]);
			off += ctrl_sizes[i];
		}
		len = fuzz_le16(data + csize);
		data += csize + 2;
		size -= csize + 2;
		if (len > size)
			len = size;
		memset(&fj, 0, sizeof(fj));
		for (size_t i = 0; i < N_CTRLS; i++) {
			if (CODEC.try_ctrl)
				CODEC.try_ctrl(&inst.cfg, ctrl_ids[i], ctrls[i], ctrl_sizes[i]);
			if (CODEC.dump_ctrl)
				CODEC.dump_ctrl(devnull, ctrl_ids[i], ctrls[i], ctrl_sizes[i]);
			fj.req[fj.nreq++] =
			    (struct fake_ctrl){ctrl_ids[i], ctrls[i], ctrl_sizes[i]};
		}
		/* a copy of exactly the payload: ASan sees reads past it */
		uint8_t *payload = malloc(len ? len : 1);
		if (!payload)
			abort();
		memcpy(payload, data, len);
		data += len;
		size -= len;
		fj.job.inst = &inst;
		fj.job.seq = seq;
		fj.job.data = payload;
		fj.job.size = len;
		fj.job.timestamp = 1000 * (seq + 1);
		fj.job.capture_index = (int)(seq % NCAP);
		inst.capture_valid[seq % NCAP] = false;
		memset(&out, 0, sizeof(out));
		if (CODEC.submit(priv, &fj.job) == 0 && CODEC.finish(priv, &fj.job, &out) == 0) {
			if (out.width <= 0 || out.height <= 0 || !out.plane[0] || !out.plane[1] ||
			    !out.plane[2])
				abort();
			/* the whole picture is readable (ASan); is it flat? */
			last_flat = out.plane[0][0];
			for (int p = 0; p < 3; p++) {
				int h = p ? (out.height + 1) / 2 : out.height;
				int w = p ? (out.width + 1) / 2 : out.width;
				size_t row = (size_t)w * (out.bit_depth > 8 ? 2 : 1);

				for (int y = 0; y < h; y++)
					for (size_t x = 0; x < row; x++)
						if (out.plane[p][(size_t)y * out.stride[p] + x] !=
						    last_flat)
							last_flat = -1;
			}
			decoded++;
		}
		free(payload);
		inst.capture_ts[seq % NCAP] = fj.job.timestamp;
		inst.capture_valid[seq % NCAP] = true;
	}
	CODEC.close(priv);
	for (size_t i = 0; i < N_CTRLS; i++)
		free(ctrls[i]);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	fake_quiet = !getenv("V4L2R_FUZZ_VERBOSE"); /* violations on stderr */
	return 0;
}

#ifdef V4L2R_FUZZ_REPLAY
static int failures;

static void add_job(uint8_t **buf, size_t *n, const void *ctrls, const void *payload, uint16_t len)
{
	size_t csize = ctrls_size();

	*buf = realloc(*buf, *n + csize + 2 + len);
	if (!*buf)
		abort();
	memcpy(*buf + *n, ctrls, csize);
	memcpy(*buf + *n + csize, &len, 2);
	memcpy(*buf + *n + csize + 2, payload, len);
	*n += csize + 2 + len;
}

#if defined(FUZZ_EMU_MPEG2)
#include "va_input.h"

void fuzz_replay_builtin(void)
{
	struct {
		struct v4l2_ctrl_mpeg2_sequence seq;
		struct v4l2_ctrl_mpeg2_picture pic;
		struct v4l2_ctrl_mpeg2_quantisation quant;
	} c;
	uint8_t slices[256], *buf = NULL;
	size_t n = 0, len = fz_known_mpeg2_slices(slices);
	unsigned long before = decoded;

	memset(&c, 0, sizeof(c));
	c.seq.horizontal_size = FZ_KNOWN_W;
	c.seq.vertical_size = FZ_KNOWN_H;
	c.seq.chroma_format = 1;
	c.seq.flags = V4L2_MPEG2_SEQ_FLAG_PROGRESSIVE;
	c.pic.flags = V4L2_MPEG2_PIC_FLAG_FRAME_PRED_DCT | V4L2_MPEG2_PIC_FLAG_PROGRESSIVE;
	memset(c.pic.f_code, 15, sizeof(c.pic.f_code));
	c.pic.picture_coding_type = V4L2_MPEG2_PIC_CODING_TYPE_I;
	c.pic.picture_structure = V4L2_MPEG2_PIC_FRAME;
	memset(&c.quant, 16, sizeof(c.quant));
	uint8_t ctrls[sizeof(c)];
	memcpy(ctrls, &c.seq, sizeof(c.seq));
	memcpy(ctrls + sizeof(c.seq), &c.pic, sizeof(c.pic));
	memcpy(ctrls + sizeof(c.seq) + sizeof(c.pic), &c.quant, sizeof(c.quant));
	add_job(&buf, &n, ctrls, slices, (uint16_t)len);
	add_job(&buf, &n, ctrls, slices, (uint16_t)len);
	fuzz_input(buf, n);
	free(buf);
	if (!fuzz_writing_seeds() && (decoded - before != 2 || last_flat != 128)) {
		fprintf(stderr,
			"known MPEG-2 picture: %lu of 2 decoded, flat value %d (want 128)\n",
			decoded - before, last_flat);
		failures++;
	}
}
#else
void fuzz_replay_builtin(void)
{
}
#endif

/* IVF files: their frames with zeroed controls (the codec parses the frame before checking). */
void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	size_t off = 32, csize = ctrls_size(), len = 0;
	uint8_t *zero = calloc(1, csize), *buf = NULL;

	if (!zero)
		abort();
	fuzz_input(d, n);
	while (n >= 32 && !memcmp(d, "DKIF", 4) && off + 12 <= n) {
		uint32_t fs = fuzz_le32(d + off);

		off += 12;
		if (fs > n - off || fs > 65535)
			break;
		add_job(&buf, &len, zero, d + off, (uint16_t)fs);
		off += fs;
	}
	if (buf)
		fuzz_input(buf, len);
	free(buf);
	free(zero);
}

int fuzz_replay_finish(void)
{
	return failures ? 1 : 0;
}
#endif
