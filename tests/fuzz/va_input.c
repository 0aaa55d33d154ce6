/* SPDX-License-Identifier: MIT */
/* Input format of the VA-buffer fuzz targets and the known pictures (va_input.h). */
#include "va_input.h"

#include <stdlib.h>
#include <string.h>

#include <va/va_dec_vp8.h>

static const size_t struct_size[FZ_NCODECS][5] = {
    [FZ_H264] = {sizeof(VAPictureParameterBufferH264), sizeof(VAIQMatrixBufferH264),
		 sizeof(VASliceParameterBufferH264), 0, sizeof(VAHuffmanTableBufferJPEGBaseline)},
    [FZ_MPEG2] = {sizeof(VAPictureParameterBufferMPEG2), sizeof(VAIQMatrixBufferMPEG2),
		  sizeof(VASliceParameterBufferMPEG2), 0, sizeof(VAHuffmanTableBufferJPEGBaseline)},
    [FZ_VP8] = {sizeof(VAPictureParameterBufferVP8), sizeof(VAIQMatrixBufferVP8),
		sizeof(VASliceParameterBufferVP8), 0, sizeof(VAProbabilityDataBufferVP8)},
};

static bool take(struct fz_reader *r, void *out, size_t n)
{
	if (r->left < n)
		return false;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static void map_id(VASurfaceID *id, fz_map_fn map, void *opaque)
{
	if (*id < 2 * FZ_SURFACES)
		*id = map(opaque, *id);
}

/* Surface ID fields of full-size picture and slice parameter structures. */
static void remap(enum fz_codec codec, enum fz_kind kind, struct fz_buf *b, fz_map_fn map,
		  void *opaque)
{
	if (b->size != struct_size[codec][kind])
		return;
	for (uint32_t e = 0; e < b->num; e++) {
		uint8_t *p = b->data + (size_t)e * b->size;

		if (codec == FZ_H264 && kind == FZ_PIC) {
			VAPictureParameterBufferH264 *pp = (VAPictureParameterBufferH264 *)p;

			map_id(&pp->CurrPic.picture_id, map, opaque);
			for (int i = 0; i < 16; i++)
				map_id(&pp->ReferenceFrames[i].picture_id, map, opaque);
		} else if (codec == FZ_H264 && kind == FZ_SLICE) {
			VASliceParameterBufferH264 *sp = (VASliceParameterBufferH264 *)p;

			for (int i = 0; i < 32; i++) {
				map_id(&sp->RefPicList0[i].picture_id, map, opaque);
				map_id(&sp->RefPicList1[i].picture_id, map, opaque);
			}
		} else if (codec == FZ_MPEG2 && kind == FZ_PIC) {
			VAPictureParameterBufferMPEG2 *pp = (VAPictureParameterBufferMPEG2 *)p;

			map_id(&pp->forward_reference_picture, map, opaque);
			map_id(&pp->backward_reference_picture, map, opaque);
		} else if (codec == FZ_VP8 && kind == FZ_PIC) {
			VAPictureParameterBufferVP8 *pp = (VAPictureParameterBufferVP8 *)p;

			map_id(&pp->last_ref_frame, map, opaque);
			map_id(&pp->golden_ref_frame, map, opaque);
			map_id(&pp->alt_ref_frame, map, opaque);
		}
	}
}

static VABufferType buffer_type(enum fz_codec codec, enum fz_kind kind)
{
	switch (kind) {
	case FZ_PIC:
	case FZ_BAD_SIZE:
		return VAPictureParameterBufferType;
	case FZ_IQ:
		return VAIQMatrixBufferType;
	case FZ_SLICE:
		return VASliceParameterBufferType;
	case FZ_DATA:
		return VASliceDataBufferType;
	case FZ_PROB:
		return codec == FZ_VP8 ? VAProbabilityBufferType : VAHuffmanTableBufferType;
	default:
		return VAEncSequenceParameterBufferType;
	}
}

bool fz_next_pic(struct fz_reader *r, enum fz_codec codec, struct fz_pic *pic, fz_map_fn map,
		 void *opaque)
{
	uint8_t h;

	memset(pic, 0, sizeof(*pic));
	if (!take(r, &h, 1))
		return false;
	pic->target = h & (FZ_SURFACES - 1);
	pic->no_end = (h & 0xc0) == 0xc0;
	while (pic->n < FZ_MAX_BUFS) {
		uint8_t t, cnt = 1;
		uint16_t esize = 0, len;
		struct fz_buf *b = &pic->bufs[pic->n];

		if (!take(r, &t, 1))
			break;
		enum fz_kind kind = t & 7;
		if (kind == FZ_END)
			break;
		if ((t & 8) && !take(r, &esize, 2))
			break;
		if ((t & 16) && !take(r, &cnt, 1))
			break;
		if (!take(r, &len, 2))
			break;
		if (len > r->left)
			len = (uint16_t)r->left;
		b->type = buffer_type(codec, kind);
		if (t & 8)
			b->size = esize;
		else if (kind == FZ_DATA || kind == FZ_OTHER)
			b->size = len;
		else if (kind == FZ_BAD_SIZE)
			b->size = (uint32_t)struct_size[codec][FZ_PIC] - 1;
		else
			b->size = (uint32_t)struct_size[codec][kind];
		b->num = cnt;
		if ((uint64_t)b->size * b->num > FZ_MAX_BUF_BYTES)
			b->num = b->size ? FZ_MAX_BUF_BYTES / b->size : 0;
		size_t bytes = (size_t)b->size * b->num;
		b->data = calloc(1, bytes ? bytes : 1);
		if (!b->data)
			abort();
		memcpy(b->data, r->p, len < bytes ? len : bytes);
		r->p += len;
		r->left -= len;
		if (kind == FZ_PIC || kind == FZ_SLICE)
			remap(codec, kind, b, map, opaque);
		pic->n++;
	}
	return true;
}

void fz_pic_free(struct fz_pic *pic)
{
	for (unsigned i = 0; i < pic->n; i++)
		free(pic->bufs[i].data);
	pic->n = 0;
}

/* --- writing inputs ------------------------------------------------------------------------ */

void fzw_bytes(struct fz_writer *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;

		while (cap < w->n + n)
			cap *= 2;
		w->p = realloc(w->p, cap);
		if (!w->p)
			abort();
		w->cap = cap;
	}
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

void fzw_u8(struct fz_writer *w, uint8_t v)
{
	fzw_bytes(w, &v, 1);
}

void fzw_pic(struct fz_writer *w, unsigned target)
{
	fzw_u8(w, (uint8_t)target);
}

void fzw_buf(struct fz_writer *w, enum fz_kind kind, const void *data, size_t n)
{
	uint16_t len = (uint16_t)n;

	fzw_u8(w, (uint8_t)kind);
	fzw_bytes(w, &len, 2);
	fzw_bytes(w, data, n);
}

void fzw_slices(struct fz_writer *w, const void *params, size_t size, unsigned count)
{
	uint16_t len = (uint16_t)(size * count);

	fzw_u8(w, FZ_SLICE | 16);
	fzw_u8(w, (uint8_t)count);
	fzw_bytes(w, &len, 2);
	fzw_bytes(w, params, size * count);
}

/* --- known pictures ------------------------------------------------------------------------ */

struct bits {
	uint8_t buf[4096];
	size_t bit;
};

static void put(struct bits *b, uint32_t v, unsigned n)
{
	for (unsigned i = n; i-- > 0;) {
		if (v >> i & 1)
			b->buf[b->bit / 8] |= (uint8_t)(0x80 >> (b->bit % 8));
		b->bit++;
	}
}

static void put_ue(struct bits *b, uint32_t v)
{
	unsigned len = 0;
	uint64_t code = (uint64_t)v + 1;

	while (code >> (len + 1))
		len++;
	put(b, 0, len);
	put(b, (uint32_t)code, len + 1);
}

static void align(struct bits *b)
{
	b->bit = (b->bit + 7) & ~(size_t)7;
}

static uint8_t pcm_sample(int plane, int x, int y)
{
	switch (plane) {
	case 0:
		return (uint8_t)(16 + (x * 7 + y * 13) % 200);
	case 1:
		return (uint8_t)(40 + (x * 5 + y * 3) % 150);
	default:
		return (uint8_t)(60 + (x * 3 + y * 11) % 150);
	}
}

void fz_known_pixels(enum fz_codec codec, uint8_t *y, uint8_t *u, uint8_t *v)
{
	for (int j = 0; j < FZ_KNOWN_H; j++)
		for (int i = 0; i < FZ_KNOWN_W; i++)
			y[j * FZ_KNOWN_W + i] = codec == FZ_H264 ? pcm_sample(0, i, j) : 128;
	for (int j = 0; j < FZ_KNOWN_H / 2; j++) {
		for (int i = 0; i < FZ_KNOWN_W / 2; i++) {
			u[j * FZ_KNOWN_W / 2 + i] = codec == FZ_H264 ? pcm_sample(1, i, j) : 128;
			v[j * FZ_KNOWN_W / 2 + i] = codec == FZ_H264 ? pcm_sample(2, i, j) : 128;
		}
	}
}

/* The RBSP escaped into a NAL unit after the header byte (samples are never 0: no escapes
 * there, but the header bits are checked too). */
static size_t nal(uint8_t *out, uint8_t header, const struct bits *b)
{
	size_t n = 0, zeros = 0, bytes = (b->bit + 7) / 8;

	out[n++] = header;
	for (size_t i = 0; i < bytes; i++) {
		if (zeros >= 2 && b->buf[i] <= 3) {
			out[n++] = 3;
			zeros = 0;
		}
		out[n++] = b->buf[i];
		zeros = b->buf[i] ? 0 : zeros + 1;
	}
	return n;
}

static VAPictureH264 h264_invalid(void)
{
	return (VAPictureH264){.picture_id = VA_INVALID_SURFACE, .flags = VA_PICTURE_H264_INVALID};
}

static const uint8_t damaged_mb[] = {0x9b, 0xa2, 0xa9, 0xb0, 0x54, 0x5b, 0x62, 0x69, 0x70, 0x77,
				     0x7e, 0x85, 0x8c, 0x93, 0x9a, 0xa1, 0xa8, 0xaf, 0xb6, 0xbd,
				     0x61, 0x68, 0x6f, 0x76, 0x7d, 0x84, 0x8b, 0x92, 0x99};

/* The known IDR into `target`; `damaged`: its eighth macroblock damaged, the ninth left out;
 * `self_ref`: its DPB names `target` (a picture the device refuses). Leaves pp and sp as written,
 * for the P. */
static void h264_known_idr(struct fz_writer *w, unsigned target, bool damaged, bool self_ref,
			   VAPictureParameterBufferH264 *out_pp, VASliceParameterBufferH264 *out_sp)
{
	static struct bits b;
	static uint8_t slice[4200];
	VAPictureParameterBufferH264 pp;
	VASliceParameterBufferH264 sp;
	const unsigned mbs = (FZ_KNOWN_W / 16) * (FZ_KNOWN_H / 16);

	memset(&pp, 0, sizeof(pp));
	pp.CurrPic = (VAPictureH264){.picture_id = target};
	for (int i = 0; i < 16; i++)
		pp.ReferenceFrames[i] = h264_invalid();
	if (self_ref)
		pp.ReferenceFrames[0] = (VAPictureH264){
		    .picture_id = target, .flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE};
	pp.picture_width_in_mbs_minus1 = FZ_KNOWN_W / 16 - 1;
	pp.picture_height_in_mbs_minus1 = FZ_KNOWN_H / 16 - 1;
	pp.num_ref_frames = 1;
	pp.seq_fields.bits.chroma_format_idc = 1;
	pp.seq_fields.bits.frame_mbs_only_flag = 1;
	pp.seq_fields.bits.direct_8x8_inference_flag = 1;
	pp.seq_fields.bits.pic_order_cnt_type = 2;
	pp.pic_fields.bits.deblocking_filter_control_present_flag = 1;
	pp.pic_fields.bits.reference_pic_flag = 1;

	/* IDR: I slice of I_PCM macroblocks, POC type 2, deblocking off. */
	memset(&b, 0, sizeof(b));
	put_ue(&b, 0); /* first_mb_in_slice */
	put_ue(&b, 7); /* slice_type: I (all) */
	put_ue(&b, 0); /* pic_parameter_set_id */
	put(&b, 0, 4); /* frame_num */
	put_ue(&b, 0); /* idr_pic_id */
	put(&b, 0, 2); /* no_output_of_prior_pics, long_term_reference */
	put_ue(&b, 0); /* slice_qp_delta se(0) */
	put_ue(&b, 1); /* disable_deblocking_filter_idc */
	size_t header_bits = 8 + b.bit;
	for (unsigned m = 0; m < mbs; m++) {
		int mx = (int)(m % (FZ_KNOWN_W / 16)) * 16, my = (int)(m / (FZ_KNOWN_W / 16)) * 16;

		if (damaged && m == mbs - 2) {
			/* I_NxN whose residual runs into an invalid code after a few blocks (the
			 * macroblock of a fuzzer's finding) */
			for (size_t i = 0; i < sizeof(damaged_mb); i++)
				put(&b, damaged_mb[i], 8);
			break;
		}
		put_ue(&b, 25); /* mb_type I_PCM */
		align(&b);
		for (int j = 0; j < 16; j++)
			for (int i = 0; i < 16; i++)
				put(&b, pcm_sample(0, mx + i, my + j), 8);
		for (int c = 1; c <= 2; c++)
			for (int j = 0; j < 8; j++)
				for (int i = 0; i < 8; i++)
					put(&b, pcm_sample(c, mx / 2 + i, my / 2 + j), 8);
	}
	put(&b, 1, 1); /* rbsp_stop_one_bit */
	size_t n = nal(slice, 0x65, &b);

	memset(&sp, 0, sizeof(sp));
	sp.slice_data_size = (uint32_t)n;
	sp.slice_data_flag = VA_SLICE_DATA_FLAG_ALL;
	sp.slice_data_bit_offset = (uint16_t)header_bits;
	sp.slice_type = 2;
	sp.disable_deblocking_filter_idc = 1;
	for (int i = 0; i < 32; i++)
		sp.RefPicList0[i] = sp.RefPicList1[i] = h264_invalid();
	fzw_pic(w, target);
	fzw_buf(w, FZ_PIC, &pp, sizeof(pp));
	fzw_slices(w, &sp, sizeof(sp), 1);
	fzw_buf(w, FZ_DATA, slice, n);
	fzw_u8(w, FZ_END);
	*out_pp = pp;
	*out_sp = sp;
}

void fz_h264_damaged_idr(struct fz_writer *w, unsigned target, bool self_ref)
{
	VAPictureParameterBufferH264 pp;
	VASliceParameterBufferH264 sp;

	h264_known_idr(w, target, true, self_ref, &pp, &sp);
}

void fz_known_h264(struct fz_writer *w, bool with_p)
{
	static struct bits b;
	static uint8_t slice[4200];
	VAPictureParameterBufferH264 pp;
	VASliceParameterBufferH264 sp;
	const unsigned mbs = (FZ_KNOWN_W / 16) * (FZ_KNOWN_H / 16);
	size_t header_bits, n;

	h264_known_idr(w, 0, false, false, &pp, &sp);
	if (!with_p)
		return;

	/* P: every macroblock skipped, referencing the IDR. */
	pp.CurrPic = (VAPictureH264){
	    .picture_id = 1, .frame_idx = 1, .TopFieldOrderCnt = 2, .BottomFieldOrderCnt = 2};
	pp.ReferenceFrames[0] =
	    (VAPictureH264){.picture_id = 0, .flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE};
	pp.frame_num = 1;
	memset(&b, 0, sizeof(b));
	put_ue(&b, 0); /* first_mb_in_slice */
	put_ue(&b, 5); /* slice_type: P (all) */
	put_ue(&b, 0); /* pic_parameter_set_id */
	put(&b, 1, 4); /* frame_num */
	put(&b, 0, 1); /* num_ref_idx_active_override_flag */
	put(&b, 0, 1); /* ref_pic_list_modification_flag_l0 */
	put(&b, 0, 1); /* adaptive_ref_pic_marking_mode_flag */
	put_ue(&b, 0); /* slice_qp_delta */
	put_ue(&b, 1); /* disable_deblocking_filter_idc */
	header_bits = 8 + b.bit;
	put_ue(&b, mbs); /* mb_skip_run */
	put(&b, 1, 1);
	n = nal(slice, 0x41, &b);
	sp.slice_data_size = (uint32_t)n;
	sp.slice_data_bit_offset = (uint16_t)header_bits;
	sp.slice_type = 0;
	sp.RefPicList0[0] = pp.ReferenceFrames[0];
	fzw_pic(w, 1);
	fzw_buf(w, FZ_PIC, &pp, sizeof(pp));
	fzw_slices(w, &sp, sizeof(sp), 1);
	fzw_buf(w, FZ_DATA, slice, n);
	fzw_u8(w, FZ_END);
}

static void put_se(struct bits *b, int32_t v)
{
	put_ue(b, v > 0 ? 2 * (uint32_t)v - 1 : 2 * (uint32_t) - (int64_t)v);
}

static void h264_poc_idr(struct fz_writer *w, unsigned target, int32_t delta_bottom,
			 const uint8_t *tail, size_t tail_len, unsigned depth_minus8,
			 unsigned mbs_w, unsigned mbs_h)
{
	static struct bits b;
	static uint8_t slice[64];
	VAPictureParameterBufferH264 pp;
	VASliceParameterBufferH264 sp;

	memset(&pp, 0, sizeof(pp));
	pp.CurrPic = (VAPictureH264){.picture_id = target};
	for (int i = 0; i < 16; i++)
		pp.ReferenceFrames[i] = h264_invalid();
	pp.picture_width_in_mbs_minus1 = (uint16_t)(mbs_w - 1);
	pp.picture_height_in_mbs_minus1 = (uint16_t)(mbs_h - 1);
	pp.num_ref_frames = 1;
	pp.seq_fields.bits.chroma_format_idc = 1;
	pp.seq_fields.bits.frame_mbs_only_flag = 1;
	pp.seq_fields.bits.direct_8x8_inference_flag = 1;
	pp.seq_fields.bits.pic_order_cnt_type = 0;
	pp.pic_fields.bits.pic_order_present_flag = 1;
	pp.pic_fields.bits.reference_pic_flag = 1;
	pp.bit_depth_luma_minus8 = (uint8_t)(depth_minus8 & 15);
	pp.bit_depth_chroma_minus8 = (uint8_t)(depth_minus8 >> 4);

	memset(&b, 0, sizeof(b));
	put_ue(&b, 0);		  /* first_mb_in_slice */
	put_ue(&b, 7);		  /* slice_type: I (all) */
	put_ue(&b, 0);		  /* pic_parameter_set_id */
	put(&b, 0, 4);		  /* frame_num */
	put_ue(&b, 0);		  /* idr_pic_id */
	put(&b, 5, 4);		  /* pic_order_cnt_lsb */
	put_se(&b, delta_bottom); /* delta_pic_order_cnt_bottom */
	put(&b, 0, 2);		  /* no_output_of_prior_pics, long_term_reference */
	put_ue(&b, 0);		  /* slice_qp_delta */
	put_ue(&b, 25);		  /* mb_type I_PCM (the samples are left out) */
	put(&b, 1, 1);
	size_t n = nal(slice, 0x65, &b);
	if (tail_len)
		memcpy(slice + n, tail, tail_len);
	n += tail_len;

	memset(&sp, 0, sizeof(sp));
	sp.slice_data_size = (uint32_t)n;
	sp.slice_data_flag = VA_SLICE_DATA_FLAG_ALL;
	sp.slice_type = 2;
	for (int i = 0; i < 32; i++)
		sp.RefPicList0[i] = sp.RefPicList1[i] = h264_invalid();
	fzw_pic(w, target);
	fzw_buf(w, FZ_PIC, &pp, sizeof(pp));
	fzw_slices(w, &sp, sizeof(sp), 1);
	fzw_buf(w, FZ_DATA, slice, n);
	fzw_u8(w, FZ_END);
}

void fz_h264_poc_bottom(struct fz_writer *w, unsigned target, int32_t delta_bottom)
{
	h264_poc_idr(w, target, delta_bottom, NULL, 0, 0, FZ_KNOWN_W / 16, FZ_KNOWN_H / 16);
}

void fz_h264_bit_depth(struct fz_writer *w, unsigned target, unsigned luma_minus8,
		       unsigned chroma_minus8)
{
	h264_poc_idr(w, target, 0, NULL, 0, luma_minus8 | chroma_minus8 << 4, FZ_KNOWN_W / 16,
		     FZ_KNOWN_H / 16);
}

void fz_h264_size(struct fz_writer *w, unsigned target, unsigned mbs_w, unsigned mbs_h)
{
	h264_poc_idr(w, target, 0, NULL, 0, 0, mbs_w, mbs_h);
}

void fz_h264_start_code(struct fz_writer *w, unsigned target)
{
	/* the slice goes on, then 00 00 01 and an SPS NAL header */
	static const uint8_t tail[] = {0x20, 0x44, 0x00, 0x00, 0x01, 0x67, 0x42, 0x00, 0x0a};

	h264_poc_idr(w, target, 0, tail, sizeof(tail), 0, FZ_KNOWN_W / 16, FZ_KNOWN_H / 16);
}

size_t fz_known_mpeg2_slices(uint8_t *out)
{
	const unsigned rows = FZ_KNOWN_H / 16, cols = FZ_KNOWN_W / 16;

	/* One slice per macroblock row: quantiser_scale_code 8, then per macroblock: address
	 * increment 1, type Intra, 4 luma blocks (DC size 0, EOB), 2 chroma blocks (same). */
	for (unsigned r = 0; r < rows; r++) {
		struct bits b;

		memset(&b, 0, sizeof(b));
		put(&b, 0x000001, 24);
		put(&b, r + 1, 8);
		put(&b, 8, 5); /* quantiser_scale_code */
		put(&b, 0, 1); /* extra_bit_slice */
		for (unsigned c = 0; c < cols; c++) {
			put(&b, 1, 1); /* macroblock_address_increment 1 */
			put(&b, 1, 1); /* macroblock_type: Intra */
			for (int k = 0; k < 4; k++) {
				put(&b, 4, 3); /* dct_dc_size_luminance 0 */
				put(&b, 2, 2); /* end of block */
			}
			for (int k = 0; k < 2; k++) {
				put(&b, 0, 2); /* dct_dc_size_chrominance 0 */
				put(&b, 2, 2);
			}
		}
		/* 16 bytes, then one zero byte of stuffing before the next start code */
		memcpy(out + r * 17, b.buf, 17);
	}
	return rows * 17;
}

void fz_mpeg2_picture(struct fz_writer *w, unsigned target, enum fz_mpeg2_kind kind,
		      unsigned forward, unsigned backward)
{
	VAPictureParameterBufferMPEG2 pp;
	VAIQMatrixBufferMPEG2 iq;
	VASliceParameterBufferMPEG2 sp[FZ_KNOWN_H / 16];
	uint8_t data[(FZ_KNOWN_H / 16) * 17];
	const unsigned rows = FZ_KNOWN_H / 16;

	memset(&pp, 0, sizeof(pp));
	pp.horizontal_size = FZ_KNOWN_W;
	pp.vertical_size = kind == FZ_MPEG2_TALL ? 2000 : FZ_KNOWN_H;
	pp.forward_reference_picture = VA_INVALID_SURFACE;
	pp.backward_reference_picture = VA_INVALID_SURFACE;
	pp.picture_coding_type = 1; /* I */
	pp.f_code = 0xffff;
	pp.picture_coding_extension.bits.picture_structure = 3; /* frame */
	pp.picture_coding_extension.bits.frame_pred_frame_dct = 1;
	pp.picture_coding_extension.bits.progressive_frame = 1;
	pp.picture_coding_extension.bits.is_first_field = 1;
	switch (kind) {
	case FZ_MPEG2_P_WIDE:
		pp.horizontal_size = 64;
		/* fall through */
	case FZ_MPEG2_P:
		pp.picture_coding_type = 2;
		pp.f_code = 0x11ff;
		pp.forward_reference_picture = forward;
		break;
	case FZ_MPEG2_B:
		pp.picture_coding_type = 3;
		pp.f_code = 0x1111;
		pp.forward_reference_picture = forward;
		pp.backward_reference_picture = backward;
		break;
	case FZ_MPEG2_PROGRESSIVE_FIELD:
		pp.picture_coding_extension.bits.picture_structure = 1; /* top field */
		pp.picture_coding_extension.bits.frame_pred_frame_dct = 0;
		break;
	case FZ_MPEG2_PROGRESSIVE_FIELD_DCT:
		pp.picture_coding_extension.bits.frame_pred_frame_dct = 0;
		break;
	case FZ_MPEG2_FIELD_FRAME_DCT:
		pp.picture_coding_extension.bits.picture_structure = 1;
		pp.picture_coding_extension.bits.progressive_frame = 0;
		break;
	case FZ_MPEG2_INTERLACED:
		pp.picture_coding_extension.bits.progressive_frame = 0;
		break;
	case FZ_MPEG2_FIELD_I:
	case FZ_MPEG2_FIELD_P:
	case FZ_MPEG2_FIELD_B:
		pp.picture_coding_type = kind == FZ_MPEG2_FIELD_I   ? 1
					 : kind == FZ_MPEG2_FIELD_P ? 2
								    : 3;
		pp.f_code = kind == FZ_MPEG2_FIELD_I ? 0xffff : 0x1111;
		pp.forward_reference_picture = forward;
		pp.backward_reference_picture = backward;
		/* the first field on top, the second at the bottom */
		pp.picture_coding_extension.bits.picture_structure =
		    kind == FZ_MPEG2_FIELD_I ? 1 : 2;
		pp.picture_coding_extension.bits.is_first_field = kind == FZ_MPEG2_FIELD_I;
		pp.picture_coding_extension.bits.top_field_first = 0;
		pp.picture_coding_extension.bits.frame_pred_frame_dct = 0;
		pp.picture_coding_extension.bits.progressive_frame = 0;
		break;
	default:
		break;
	}
	memset(&iq, 0, sizeof(iq));
	iq.load_intra_quantiser_matrix = 1;
	iq.load_non_intra_quantiser_matrix = 1;
	memset(iq.intra_quantiser_matrix, 16, 64);
	iq.intra_quantiser_matrix[0] = 8;
	memset(iq.non_intra_quantiser_matrix, 16, 64);

	memset(sp, 0, sizeof(sp));
	fz_known_mpeg2_slices(data);
	unsigned n = rows;

	if (kind == FZ_MPEG2_ROW_BEYOND)
		data[(rows - 1) * 17 + 3] = 96; /* the last slice's start code: row 96 */
	if (kind == FZ_MPEG2_EMBEDDED)
		memcpy(data + 12, "\x00\x00\x01\x60", 4); /* in the first slice: row 96 */
	if (kind == FZ_MPEG2_TALL)
		data[(rows - 1) * 17 + 3] = 125; /* the last row of 2000 lines */
	if (kind == FZ_MPEG2_SHORT || kind == FZ_MPEG2_FIELD_I || kind == FZ_MPEG2_FIELD_P ||
	    kind == FZ_MPEG2_FIELD_B)
		n = rows - 1; /* a field of a 48-line frame: 2 rows (of 4 in the frame) */
	for (unsigned r = 0; r < n; r++) {
		sp[r].slice_data_size = 17;
		sp[r].slice_data_offset = r * 17;
		sp[r].slice_data_flag = VA_SLICE_DATA_FLAG_ALL;
		sp[r].macroblock_offset = 38;
		sp[r].slice_vertical_position = data[r * 17 + 3] - 1u;
		sp[r].quantiser_scale_code = 8;
	}
	fzw_pic(w, target);
	fzw_buf(w, FZ_PIC, &pp, sizeof(pp));
	fzw_buf(w, FZ_IQ, &iq, sizeof(iq));
	fzw_slices(w, sp, sizeof(sp[0]), n);
	fzw_buf(w, FZ_DATA, data, n * 17);
	fzw_u8(w, FZ_END);
}

void fz_known_mpeg2(struct fz_writer *w)
{
	fz_mpeg2_picture(w, 0, FZ_MPEG2_I, 0, 0);
}
