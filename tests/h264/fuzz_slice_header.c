/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the H.264 slice-header parser. Input: 4 bytes selecting the parameter
 * sets, then one NAL unit. Without -DV4L2R_LIBFUZZER a replay main is built: each file given is
 * fed as is and, when it is an Annex B stream, every NAL unit in it under many parameter sets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h264_slice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v4l2r_h264_slice_hdr hdr;

	if (size < 4)
		return 0;
	uint32_t b = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
		     (uint32_t)data[3] << 24;
	struct v4l2r_h264_ps ps = {
		.chroma_format_idc = b & 3,
		.separate_colour_plane = b >> 2 & 1,
		.log2_max_frame_num_minus4 = (b >> 3 & 15) % 13,
		.frame_mbs_only = b >> 7 & 1,
		.pic_order_cnt_type = (b >> 8 & 3) % 3,
		.log2_max_pic_order_cnt_lsb_minus4 = (b >> 10 & 15) % 13,
		.delta_pic_order_always_zero = b >> 14 & 1,
		.bottom_field_pic_order_in_frame_present = b >> 15 & 1,
		.redundant_pic_cnt_present = b >> 16 & 1,
		.weighted_pred = b >> 17 & 1,
		.weighted_bipred_idc = (b >> 18 & 3) % 3,
		.entropy_coding_mode = b >> 20 & 1,
		.deblocking_filter_control_present = b >> 21 & 1,
		.num_ref_idx_l0_default_active_minus1 = (b >> 22 & 3) * 10,
		.num_ref_idx_l1_default_active_minus1 = (b >> 24 & 1) * 31,
		.num_slice_groups_minus1 = b >> 25 & 1,
		.slice_group_map_type = 3 + (b >> 26 & 3),
		.slice_group_change_rate_minus1 = (b >> 28 & 1) ? 0 : 7,
		.pic_size_in_map_units = (b >> 29 & 1) ? 99 : 139264,
	};
	/* Copy so that ASan catches any read past the NAL. */
	uint8_t *nal = malloc(size - 4 ? size - 4 : 1);
	if (!nal)
		return 0;
	memcpy(nal, data + 4, size - 4);
	if (v4l2r_h264_parse_slice_header(nal, size - 4, &ps, &hdr) == 0 &&
	    hdr.header_bit_size > (size - 4) * 8)
		abort();
	free(nal);
	return 0;
}

#ifndef V4L2R_LIBFUZZER
static void replay_annexb(const uint8_t *d, size_t n, unsigned long *count)
{
	size_t i = 0;

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
		size_t len = e - s;
		uint8_t *buf = malloc(len + 4);
		if (!buf)
			return;
		memcpy(buf + 4, d + s, len);
		/* A spread of parameter-set selections, plus truncations of the NAL. */
		for (uint32_t k = 0; k < 16; k++) {
			uint32_t b = k * 0x9e3779b9u;
			memcpy(buf, &b, 4);
			LLVMFuzzerTestOneInput(buf, len + 4);
			LLVMFuzzerTestOneInput(buf, 4 + (len * k) / 16);
			*count += 2;
		}
		free(buf);
		i = e;
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 0;

	for (int a = 1; a < argc; a++) {
		FILE *f = fopen(argv[a], "rb");
		if (!f) {
			perror(argv[a]);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		long sz = ftell(f);
		fseek(f, 0, SEEK_SET);
		uint8_t *d = malloc(sz > 0 ? (size_t)sz : 1);
		if (!d || fread(d, 1, (size_t)sz, f) != (size_t)sz) {
			fprintf(stderr, "%s: read error\n", argv[a]);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(d, (size_t)sz);
		replay_annexb(d, (size_t)sz, &count);
		free(d);
		count++;
	}
	printf("fuzz_slice_header: replayed %lu inputs\n", count);
	return 0;
}
#endif
