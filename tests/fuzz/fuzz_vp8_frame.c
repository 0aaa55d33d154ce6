/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the driver's VP8 frame-header parser (src/bitstream/vp8_frame.c). Input: one flag
 * byte (bit 0: key frame), then the first partition. The same partition is parsed again as an
 * inter frame on the state the first parse left. Every value must be in its syntax range.
 * Replay: IVF files (the VP8 test vectors) give one input per frame.
 */
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "vp8_frame.h"

static void check(const struct v4l2r_vp8_persist *st, const struct v4l2r_vp8_frame_hdr *h)
{
	if (h->nparts != 1 && h->nparts != 2 && h->nparts != 4 && h->nparts != 8)
		abort();
	if (h->level > 63 || h->sharpness > 7 || h->y_ac_qi > 127)
		abort();
	const int8_t d[5] = {h->y_dc_delta, h->y2_dc_delta, h->y2_ac_delta, h->uv_dc_delta,
			     h->uv_ac_delta};
	for (int i = 0; i < 5; i++)
		if (d[i] < -15 || d[i] > 15)
			abort();
	for (int i = 0; i < 4; i++)
		if (st->seg_quant[i] < -127 || st->seg_lf[i] < -63 || st->seg_lf[i] > 63 ||
		    st->ref_delta[i] < -63 || st->ref_delta[i] > 63 || st->mode_delta[i] < -63 ||
		    st->mode_delta[i] > 63)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v4l2r_vp8_persist st;
	struct v4l2r_vp8_frame_hdr h;

	if (size < 1)
		return 0;
	memset(&st, 0x55, sizeof(st)); /* a key frame must reset it */
	bool key = data[0] & 1;
	if (!key)
		memset(&st, 0, sizeof(st));
	v4l2r_vp8_parse_header(data + 1, size - 1, key, &st, &h);
	check(&st, &h);
	v4l2r_vp8_parse_header(data + 1, size - 1, false, &st, &h);
	check(&st, &h);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

#ifdef V4L2R_FUZZ_REPLAY
void fuzz_replay_builtin(void)
{
	static const uint8_t seeds[][8] = {
	    {1, 0, 0, 0, 0, 0, 0, 0},
	    {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	    {1, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06},
	};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		fuzz_input(seeds[i], sizeof(seeds[i]));
}

/* IVF: 32-byte file header, then 12-byte frame headers (size LE32, pts LE64) and frames. */
void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	size_t off = 32;

	fuzz_input(d, n);
	if (n < 32 || memcmp(d, "DKIF", 4))
		return;
	while (off + 12 <= n) {
		uint32_t fs = fuzz_le32(d + off);
		const uint8_t *f = d + off + 12;

		off += 12;
		if (fs > n - off)
			break;
		off += fs;
		if (fs < 3)
			continue;
		bool key = !(f[0] & 1);
		size_t hdr = key ? 10 : 3, part = (f[0] | f[1] << 8 | f[2] << 16) >> 5;
		if (fs < hdr)
			continue;
		if (part > fs - hdr)
			part = fs - hdr;
		uint8_t *in = malloc(part + 1);
		if (!in)
			abort();
		in[0] = key;
		memcpy(in + 1, f + hdr, part);
		fuzz_input(in, part + 1);
		free(in);
	}
}

int fuzz_replay_finish(void)
{
	return 0;
}
#endif
