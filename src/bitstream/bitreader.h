/* SPDX-License-Identifier: MIT */
/* MSB-first bit reader over an H.264/HEVC RBSP-in-NAL payload: skips emulation-prevention
 * bytes (00 00 03) transparently. Reads past the end set `error` and return 0, never read OOB. */
#ifndef V4L2R_BITREADER_H
#define V4L2R_BITREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct v4l2r_br {
	const uint8_t *data;
	size_t size;
	size_t pos;	/* byte index of the next byte to load */
	unsigned zeros; /* consecutive zero bytes before pos (for 00 00 03) */
	uint8_t cur;	/* byte being consumed */
	unsigned left;	/* bits left in cur */
	size_t bits;	/* payload bits consumed (emulation-prevention bytes excluded) */
	bool error;
};

void v4l2r_br_init(struct v4l2r_br *br, const uint8_t *data, size_t size);
uint32_t v4l2r_br_u(struct v4l2r_br *br, unsigned n); /* n <= 32 */
bool v4l2r_br_flag(struct v4l2r_br *br);
uint32_t v4l2r_br_ue(struct v4l2r_br *br); /* values up to 2^32-2 */
int32_t v4l2r_br_se(struct v4l2r_br *br);
/* Bits consumed so far, not counting emulation-prevention bytes. */
static inline size_t v4l2r_br_bits(const struct v4l2r_br *br)
{
	return br->bits;
}

#endif
