/* SPDX-License-Identifier: MIT */
/*
 * The input format of the VA-buffer fuzz targets (fuzz_codec.c: the codec translations on a
 * stubbed core; fuzz_va.c: the whole driver on the emulated device), and hand-made valid
 * pictures with known pixels, used as seeds and as the "still decodes" check.
 *
 * Input: one byte selecting the codec (bits 0-1: H.264, MPEG-2, VP8, H.264; bits 2-3: H.264
 * mode for the stubbed core), then pictures until the input ends. A picture: one byte (bits 0-2:
 * render target surface; bits 6-7 both set: no vaEndPicture), then records up to an end record. A
 * record: one byte (bits 0-2: kind, below; bit 3: a 16-bit element size follows; bit 4: an
 * 8-bit element count follows), a 16-bit length, that many data bytes (fewer at the end of the
 * input; the buffer is zero-filled to size x count). Multi-byte values are little endian.
 * Surface IDs in picture and slice parameters below 8 name the context's surfaces, 8..15 those
 * of another context; other values stay as they are.
 */
#ifndef V4L2R_FUZZ_VA_INPUT_H
#define V4L2R_FUZZ_VA_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <va/va.h>

enum fz_codec { FZ_H264, FZ_MPEG2, FZ_VP8, FZ_NCODECS };

enum fz_kind {
	FZ_PIC,	     /* picture parameters */
	FZ_IQ,	     /* IQ matrix */
	FZ_SLICE,    /* slice parameters */
	FZ_DATA,     /* slice data */
	FZ_PROB,     /* VP8 probabilities; other codecs: Huffman table (not theirs) */
	FZ_OTHER,    /* a buffer type no decoder takes */
	FZ_BAD_SIZE, /* picture parameters one byte short */
	FZ_END = 7,  /* end of the picture */
};

#define FZ_SURFACES	 8
#define FZ_MAX_BUFS	 24
#define FZ_MAX_BUF_BYTES (1u << 20)

struct fz_buf {
	VABufferType type;
	uint32_t size, num;
	uint8_t *data;
};

struct fz_pic {
	unsigned target;
	bool no_end;
	unsigned n;
	struct fz_buf bufs[FZ_MAX_BUFS];
};

struct fz_reader {
	const uint8_t *p;
	size_t left;
};

/* Maps a small value in a surface ID field to a surface (see above). */
typedef VASurfaceID (*fz_map_fn)(void *opaque, uint32_t v);

/* The next picture of the input into *pic (buffers allocated; fz_pic_free them). False when
 * the input is exhausted. */
bool fz_next_pic(struct fz_reader *r, enum fz_codec codec, struct fz_pic *pic, fz_map_fn map,
		 void *opaque);
void fz_pic_free(struct fz_pic *pic);

/* A growing byte array for writing inputs. */
struct fz_writer {
	uint8_t *p;
	size_t n, cap;
};
void fzw_bytes(struct fz_writer *w, const void *p, size_t n);
void fzw_u8(struct fz_writer *w, uint8_t v);
void fzw_pic(struct fz_writer *w, unsigned target);
void fzw_buf(struct fz_writer *w, enum fz_kind kind, const void *data, size_t n);
void fzw_slices(struct fz_writer *w, const void *params, size_t size, unsigned count);

/* Known pictures, 48x48, their pixels known exactly:
 *  H.264: an IDR of 9 I_PCM macroblocks into surface 0, then a P picture of 9 skipped macroblocks
 *  into surface 1 referencing it (same pixels). MPEG-2: an I picture of DC-only intra
 *  macroblocks, every sample 128, into surface 0. Appends pictures (no codec byte). */
#define FZ_KNOWN_W 48
#define FZ_KNOWN_H 48
void fz_known_h264(struct fz_writer *w, bool with_p);
void fz_known_mpeg2(struct fz_writer *w);
/* The MPEG-2 picture's slices, start codes included (51 bytes); returns the size. */
size_t fz_known_mpeg2_slices(uint8_t *out);
/* MPEG-2 pictures like the known one (its slices, 48x48), into `target`: */
enum fz_mpeg2_kind {
	FZ_MPEG2_I,			/* the known I picture */
	FZ_MPEG2_P,			/* a P frame whose forward reference is `forward` */
	FZ_MPEG2_B,			/* a B frame: `forward`, `backward` */
	FZ_MPEG2_TALL,			/* vertical_size 2000 (rows 1, 2 and 125) */
	FZ_MPEG2_ROW_BEYOND,		/* the last slice at row 96 (slice_vertical_position 95) */
	FZ_MPEG2_PROGRESSIVE_FIELD,	/* progressive_frame in a top field picture (6.3.10) */
	FZ_MPEG2_PROGRESSIVE_FIELD_DCT, /* progressive_frame, frame_pred_frame_dct 0 (6.3.10) */
	FZ_MPEG2_FIELD_FRAME_DCT,	/* a top field picture with frame_pred_frame_dct 1 */
	FZ_MPEG2_INTERLACED,		/* progressive_frame 0 (a frame picture) */
	FZ_MPEG2_SHORT,			/* no slice in the last row */
	FZ_MPEG2_P_WIDE,		/* FZ_MPEG2_P 64 pixels wide */
	FZ_MPEG2_EMBEDDED,		/* a start code (row 96) inside the first slice's data */
	FZ_MPEG2_FIELD_I,		/* the first field of a frame, on top (2 rows) */
	FZ_MPEG2_FIELD_P,		/* a second field at the bottom, P: `forward` */
	FZ_MPEG2_FIELD_B,		/* a second field at the bottom, B: `forward`, `backward` */
};
/* `forward` / `backward`: surface numbers as in the input (below 8: the context's surfaces). */
void fz_mpeg2_picture(struct fz_writer *w, unsigned target, enum fz_mpeg2_kind kind,
		      unsigned forward, unsigned backward);
/* An H.264 IDR picture (POC type 0, bottom_field_pic_order_in_frame_present) whose
 * delta_pic_order_cnt_bottom is `delta_bottom`: with INT32_MAX the bottom field's count is past
 * 2^31 - 1 (regression input: the translation added it in 32 bits). */
void fz_h264_poc_bottom(struct fz_writer *w, unsigned target, int32_t delta_bottom);
/* The same picture (delta 0) with 00 00 01 and an SPS NAL header in its slice data: a NAL unit
 * the device would see if the driver passed it on (regression input). */
void fz_h264_start_code(struct fz_writer *w, unsigned target);
/* The same picture (delta 0) declaring these bit depths (regression input: 12-bit reached the
 * core, whose stream parameters take 8 or 10). */
void fz_h264_bit_depth(struct fz_writer *w, unsigned target, unsigned luma_minus8,
		       unsigned chroma_minus8);
/* The same picture (delta 0) declaring a size of mbs_w x mbs_h macroblocks. */
void fz_h264_size(struct fz_writer *w, unsigned target, unsigned mbs_w, unsigned mbs_h);
/* The known IDR into `target` with its eighth macroblock damaged (I_NxN whose residual data
 * turns invalid: libavcodec fails the picture half-way) and no ninth; `self_ref`: its DPB names
 * `target` as a reference too (the device refuses it: dpb-not-a-reference). Regression inputs:
 * what such a picture left in libavcodec reached the next P picture, even past an IDR. */
void fz_h264_damaged_idr(struct fz_writer *w, unsigned target, bool self_ref);
/* Expected planes of the known pictures: Y 48x48, U and V 24x24 (planar). */
void fz_known_pixels(enum fz_codec codec, uint8_t *y, uint8_t *u, uint8_t *v);

#endif
