/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the slice gathering every codec uses (src/codec/slices.c). The input is a list of
 * operations on one picture: slice parameter buffers (element size, count and the elements'
 * size/offset/flag from the input), slice data buffers (size from the input) and vaBeginPicture
 * resets. After each one: statuses are the documented ones and every paired slice lies inside
 * a data buffer added since the last reset (the records point into the buffers, which stay
 * alive until the picture ends, as the driver core keeps them).
 */
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "slices.h"

struct rec {
	struct v4l2r_slice_span span;
	uint32_t param[6]; /* size, offset, flag, 3 codec words */
};

#define MAX_SLICES 16
#define MAX_DATA   4096

/* The buffers given to the slices since the last reset: alive until the picture ends. */
static struct {
	uint8_t *p;
	size_t n;
} held[MAX_SLICES];
static unsigned n_held;

static void release(void)
{
	for (unsigned i = 0; i < n_held; i++)
		free(held[i].p);
	n_held = 0;
}

static bool in_held(const uint8_t *p, size_t n)
{
	for (unsigned i = 0; i < n_held; i++)
		if (p >= held[i].p && p <= held[i].p + held[i].n &&
		    n <= held[i].n - (size_t)(p - held[i].p))
			return true;
	return false;
}

static void check(const struct v4l2r_slices *s)
{
	if (s->n > MAX_SLICES || s->first_unpaired > s->n || s->data_size > MAX_DATA)
		abort();
	for (unsigned i = 0; i < s->first_unpaired; i++) {
		const struct rec *r = v4l2r_slices_rec(s, i);

		if (r->span.size == 0 || !in_held(r->span.data, r->span.size))
			abort();
		/* the bytes are readable (ASan) */
		volatile uint8_t sink = r->span.data[0] ^ r->span.data[r->span.size - 1];
		(void)sink;
	}
	if (v4l2r_slices_complete(s) != (s->n > 0 && s->first_unpaired == s->n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v4l2r_slices s;
	size_t i = 0;

	v4l2r_slices_init(&s, sizeof(struct rec), offsetof(struct rec, param), 24, MAX_SLICES,
			  MAX_DATA);
	while (i + 4 <= size) {
		uint8_t op = data[i], count = data[i + 1];
		uint16_t len = fuzz_le16(data + i + 2);
		struct v4l2r_va_buffer buf = {0};
		VAStatus st;
		unsigned first = ~0u;
		uint8_t *copy;

		i += 4;
		if (len > size - i)
			len = (uint16_t)(size - i);
		copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, data + i, len);
		i += len;
		switch (op % 4) {
		case 0: /* slice parameters: count elements of len/count bytes (24 when op bit 7) */
			buf.type = VASliceParameterBufferType;
			buf.num_elements = count;
			buf.size = (op & 0x80) ? 24 : (count ? len / count : len);
			if ((uint64_t)buf.size * buf.num_elements > len)
				buf.num_elements = buf.size ? len / buf.size : count;
			buf.data = (op & 0x40) ? NULL : copy;
			st = v4l2r_slices_add_params(&s, &buf);
			if (st != VA_STATUS_SUCCESS && st != VA_STATUS_ERROR_INVALID_BUFFER &&
			    st != VA_STATUS_ERROR_INVALID_PARAMETER)
				abort();
			break;
		case 1: /* slice data: len bytes as count elements when they divide it */
			buf.type = VASliceDataBufferType;
			buf.size = len;
			buf.num_elements = 1;
			if (count > 1 && len % count == 0) {
				buf.size = len / count;
				buf.num_elements = count;
			}
			buf.data = (op & 0x40) ? NULL : copy;
			st = v4l2r_slices_add_data(&s, &buf, &first);
			if (st == VA_STATUS_SUCCESS && first >= s.n)
				abort();
			if (st == VA_STATUS_SUCCESS && n_held < sizeof(held) / sizeof(held[0])) {
				held[n_held].p = copy;
				held[n_held++].n = len;
				copy = NULL; /* the records point into it now */
			} else if (st == VA_STATUS_SUCCESS) {
				abort(); /* more data buffers than records: add_data refuses them */
			}
			if (st != VA_STATUS_SUCCESS && st != VA_STATUS_ERROR_INVALID_BUFFER &&
			    st != VA_STATUS_ERROR_INVALID_PARAMETER)
				abort();
			break;
		case 2:
			v4l2r_slices_reset(&s);
			release();
			break;
		default:
			if (v4l2r_slices_complete(&s) && s.n == 0)
				abort();
			break;
		}
		free(copy);
		check(&s);
	}
	v4l2r_slices_free(&s);
	release();
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

#ifdef V4L2R_FUZZ_REPLAY
/* Two slices in one parameter buffer, their data, then a third slice with its own data. */
/* clang-format off */
static const uint8_t seed_two[] = {
    0x80, 2, 48, 0,
    8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
    4, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0,
    1, 1, 12, 0, 0x65, 0x88, 0x84, 0x00, 0x21, 0xff, 0xf3, 0x0c, 0x41, 0x9a, 0x22, 0x11,
    0x80, 1, 24, 0,
    3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 4, 0, 0, 0x41, 0x9b, 0x02,
    3, 0, 0, 0,
};
/* clang-format on */

void fuzz_replay_builtin(void)
{
	fuzz_input(seed_two, sizeof(seed_two));
}

void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	fuzz_input(d, n);
}

int fuzz_replay_finish(void)
{
	return 0;
}
#endif
