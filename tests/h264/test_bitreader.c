/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "bitreader.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

int main(void)
{
	struct v4l2r_br br;
	/* ue: 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3; se: 00101 -> -2; then 6 bits u(6)=0b101010 */
	static const uint8_t a[] = { 0xa6, 0x42, 0xd5, 0x40 };
	v4l2r_br_init(&br, a, sizeof(a));
	CHECK(v4l2r_br_ue(&br) == 0);
	CHECK(v4l2r_br_ue(&br) == 1);
	CHECK(v4l2r_br_ue(&br) == 2);
	CHECK(v4l2r_br_ue(&br) == 3);
	CHECK(v4l2r_br_se(&br) == -2);
	CHECK(v4l2r_br_bits(&br) == 17);
	CHECK(v4l2r_br_u(&br, 8) == 0xaa);
	CHECK(!br.error);

	/* emulation prevention: 00 00 03 01 -> payload 00 00 01, 24 bits */
	static const uint8_t b[] = { 0x00, 0x00, 0x03, 0x01 };
	v4l2r_br_init(&br, b, sizeof(b));
	CHECK(v4l2r_br_u(&br, 24) == 0x000001);
	CHECK(v4l2r_br_bits(&br) == 24);
	CHECK(!br.error);
	v4l2r_br_u(&br, 1);
	CHECK(br.error);

	/* all-zero ue must fail, not loop or overread */
	static const uint8_t z[] = { 0, 0, 0, 0, 0, 0 };
	v4l2r_br_init(&br, z, sizeof(z));
	CHECK(v4l2r_br_ue(&br) == 0 && br.error);

	if (failures)
		return 1;
	puts("bitreader: ok");
	return 0;
}
