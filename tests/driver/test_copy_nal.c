/* SPDX-License-Identifier: MIT */
/*
 * The H.264 copy into the OUTPUT buffer fused with the start code check (copy_nal() and its
 * vector steps in src/codec/h264.c, compiled in here): against a plain reference on random NAL
 * units of every length up to 700 bytes, zero bytes from rare to most of them, and every start
 * code prefix (00 00 00/01/02) planted at every position of short units and around the steps'
 * edges of long ones. Each implementation the CPU runs (AVX2, SSE2, NEON, portable) is checked:
 * the answer, and when there is no start code, the copy byte for byte with nothing written past
 * it. copy-nal-qemu.sh runs it for aarch64 under qemu.
 */
#include "h264.c"

#include <stdio.h>

#include "../h264/codec_core_stub.h"

enum impl { IMPL_AUTO, IMPL_AVX2, IMPL_SSE2, IMPL_NEON, IMPL_C, N_IMPL };
static const char *const impl_name[N_IMPL] = {"auto", "avx2", "sse2", "neon", "c"};

/* copy_nal() with the vector steps of `impl` (the same tail). */
static bool copy_with(enum impl impl, uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

	switch (impl) {
	case IMPL_AUTO:
		return copy_nal(dst, src, n);
#if defined(__x86_64__) || defined(__i386__)
	case IMPL_AVX2:
		i = copy_steps_avx2(dst, src, n);
		break;
#endif
#if defined(__SSE2__)
	case IMPL_SSE2:
		i = copy_steps_sse2(dst, src, n);
		break;
#endif
#if defined(__aarch64__)
	case IMPL_NEON:
		i = copy_steps_neon(dst, src, n);
		break;
#endif
	default:
		break;
	}
	if (i == SIZE_MAX)
		return true;
	memcpy(dst + i, src + i, n - i);
	i = i >= 2 ? i - 2 : 0;
	return has_start_code(dst + i, n - i);
}

static bool available(enum impl impl)
{
	switch (impl) {
#if defined(__x86_64__) || defined(__i386__)
	case IMPL_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
#if defined(__SSE2__)
	case IMPL_SSE2:
		return true;
#endif
#if defined(__aarch64__)
	case IMPL_NEON:
		return true;
#endif
	case IMPL_AUTO:
	case IMPL_C:
		return true;
	default:
		return false;
	}
}

static bool reference(const uint8_t *p, size_t n)
{
	for (size_t j = 0; j + 2 < n; j++)
		if (p[j] == 0 && p[j + 1] == 0 && p[j + 2] <= 2)
			return true;
	return false;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

#define MAX_N 700
#define GUARD 64
static unsigned checks, failures, positives;

/* src: n bytes in a buffer of exactly n (ASan sees any read past it). */
static void check_one(enum impl impl, const uint8_t *in, size_t n, const char *what)
{
	uint8_t *src = malloc(n ? n : 1), dst[MAX_N + GUARD];
	bool want = reference(in, n), got;

	memcpy(src, in, n);
	memset(dst, 0xee, sizeof(dst));
	got = copy_with(impl, dst, src, n);
	checks++;
	positives += want;
	if (got != want) {
		if (failures++ < 10)
			fprintf(stderr, "%s %s n=%zu: start code %s, want %s\n", impl_name[impl],
				what, n, got ? "found" : "not found", want ? "found" : "none");
	} else if (!want) {
		bool bad = memcmp(dst, in, n) != 0;

		for (size_t k = n; k < sizeof(dst); k++)
			bad |= dst[k] != 0xee;
		if (bad && failures++ < 10)
			fprintf(stderr, "%s %s n=%zu: copy differs or writes past the end\n",
				impl_name[impl], what, n);
	}
	free(src);
}

int main(void)
{
	static uint8_t buf[MAX_N];

	for (enum impl impl = 0; impl < N_IMPL; impl++) {
		if (!available(impl)) {
			printf("%s: not on this CPU\n", impl_name[impl]);
			continue;
		}
		/* random units, zero bytes 1 in 256 .. 1 in 2, bytes after zeros small or not */
		for (unsigned it = 0; it < 60000; it++) {
			size_t n = next() % (MAX_N + 1);
			unsigned zero_one_in = 1u << (1 + next() % 8), small = next() % 2;

			for (size_t k = 0; k < n; k++)
				buf[k] = next() % zero_one_in == 0 ? 0
					 : small		   ? (uint8_t)(1 + next() % 4)
								   : (uint8_t)(1 + next() % 255);
			check_one(impl, buf, n, "random");
		}
		/* one prefix, everywhere: short units entirely, long ones around 16/32/64/128-byte
		 * edges; and 00 00 03 (the emulation prevention, no start code) the same way */
		static const size_t lens[] = {3, 17, 79, 80, 81, 159, 160, 161, 200, 300, 700};
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t n = lens[l];

			for (size_t at = 0; at + 3 <= n; at++) {
				if (n > 200 && at % 64 > 3 && at % 64 < 60 && at + 8 < n)
					continue;
				for (uint8_t third = 0; third <= 3; third++) {
					memset(buf, 0x5a, n);
					buf[at] = 0;
					buf[at + 1] = 0;
					buf[at + 2] = third;
					check_one(impl, buf, n, "planted");
				}
			}
		}
		printf("%s: checked\n", impl_name[impl]);
	}
	printf("%u checks (%u with a start code), %u failed\n", checks, positives, failures);
	return failures ? 1 : 0;
}
