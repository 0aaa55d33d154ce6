/* SPDX-License-Identifier: MIT */
#include "bitreader.h"

void v4l2r_br_init(struct v4l2r_br *br, const uint8_t *data, size_t size)
{
	*br = (struct v4l2r_br){.data = data, .size = size};
}

static unsigned br_bit(struct v4l2r_br *br)
{
	if (!br->left) {
		if (br->pos >= br->size) {
			br->error = true;
			return 0;
		}
		uint8_t b = br->data[br->pos++];
		/* 00 00 03 -> the 03 is not payload */
		if (br->zeros >= 2 && b == 3) {
			br->zeros = 0;
			if (br->pos >= br->size) {
				br->error = true;
				return 0;
			}
			b = br->data[br->pos++];
		}
		br->zeros = b ? 0 : br->zeros + 1;
		br->cur = b;
		br->left = 8;
	}
	br->left--;
	br->bits++;
	return (br->cur >> br->left) & 1;
}

uint32_t v4l2r_br_u(struct v4l2r_br *br, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n && i < 32; i++)
		v = (v << 1) | br_bit(br);
	return br->error ? 0 : v;
}

bool v4l2r_br_flag(struct v4l2r_br *br)
{
	return v4l2r_br_u(br, 1);
}

uint32_t v4l2r_br_ue(struct v4l2r_br *br)
{
	unsigned lz = 0;

	while (!br_bit(br)) {
		if (br->error || ++lz > 31) {
			br->error = true;
			return 0;
		}
	}
	uint32_t v = lz ? v4l2r_br_u(br, lz) : 0;
	return br->error ? 0 : (uint32_t)((1ull << lz) - 1 + v);
}

int32_t v4l2r_br_se(struct v4l2r_br *br)
{
	uint32_t k = v4l2r_br_ue(br);

	/* k odd -> positive (k+1)/2, even -> -k/2 */
	return (k & 1) ? (int32_t)((k >> 1) + 1) : -(int32_t)(k >> 1);
}
