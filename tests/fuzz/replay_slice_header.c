/* SPDX-License-Identifier: MIT */
/*
 * Replay side of tests/h264/fuzz_slice_header.c (4 bytes selecting the parameter sets, then one
 * NAL unit): each Annex B file gives every NAL unit under a spread of parameter sets, whole and
 * truncated.
 */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

void fuzz_replay_builtin(void)
{
	/* IDR, I slice, POC type 0 lsb, a few header fields. */
	static const uint8_t idr[] = {0, 0, 0, 0, 0x65, 0x88, 0x84, 0x00, 0x21, 0xff, 0xf3, 0x0c};

	/* Regression (h264-diff): P slice, POC type 0, 67 memory_management_control_operations;
	 * the driver took up to 100, decoders keep at most 66. */
	static const uint8_t mmco67[] = {0x17, 0x00, 0x00, 0x00, 0x41, 0x55, 0x55, 0x55, 0x24,
					 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xaf};

	fuzz_input(idr, sizeof(idr));
	fuzz_input(mmco67, sizeof(mmco67));
}

void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned nal_count = 0;

	fuzz_input(d, n);
	while (i + 3 <= n) {
		if (!(d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1)) {
			i++;
			continue;
		}
		size_t s = i + 3, e = s;
		while (e + 3 <= n && !(d[e] == 0 && d[e + 1] == 0 && d[e + 2] == 1))
			e++;
		if (e + 3 > n)
			e = n;
		i = e;
		/* slices only (types 1 and 5), the first 64 of a stream under every selection */
		if (e == s || ((d[s] & 0x1f) != 1 && (d[s] & 0x1f) != 5) || nal_count++ >= 64)
			continue;
		size_t len = e - s;
		uint8_t *buf = malloc(len + 4);
		if (!buf)
			abort();
		memcpy(buf + 4, d + s, len);
		for (uint32_t k = 0; k < 16; k++) {
			uint32_t b = k * 0x9e3779b9u;

			memcpy(buf, &b, 4);
			fuzz_input(buf, len + 4);
			fuzz_input(buf, 4 + (len * k) / 16);
		}
		free(buf);
	}
}

int fuzz_replay_finish(void)
{
	return 0;
}
