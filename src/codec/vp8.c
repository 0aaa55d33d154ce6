/* SPDX-License-Identifier: MIT */
/*
 * VP8 (RFC 6386): VA picture/probability/IQ/slice buffers -> V4L2_CID_STATELESS_VP8_FRAME, one
 * request per frame; the OUTPUT buffer holds the whole frame as the kernel takes it.
 *
 * What VA omits is recovered from the frame (src/bitstream/vp8_frame.c): VA passes the data after
 * the 3/10-byte uncompressed header and gives segment and loop filter values already combined
 * per segment, so the raw segment values, their mode, the loop filter level and the quantiser
 * indices come from the first partition. The uncompressed header is rebuilt from VA's fields:
 * VA has no show_frame (ffmpeg renders hidden frames as well; they are written as shown, which
 * changes nothing a decoder computes) nor the key frame scaling bits (upscaling is the
 * application's business: written as 0).
 */
#include "codec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/v4l2-controls.h>

#include "../bitstream/vp8_frame.h"
#include "slices.h"

#define VP8_MAX_DATA (32u << 20)

static const VAProfile vp8_profiles[] = {VAProfileVP8Version0_3};

static bool vp8_profile_is_10bit(VAProfile profile)
{
	(void)profile;
	return false;
}

/* The frame is one slice: its parameters and data. */
struct vp8_slice {
	struct v4l2r_slice_span span;
	VASliceParameterBufferVP8 param;
};

struct vp8_priv {
	bool have_pic, have_prob, have_iq;
	VAPictureParameterBufferVP8 pic;
	VAProbabilityDataBufferVP8 prob;
	struct v4l2r_slices sl; /* records: struct vp8_slice */

	struct v4l2r_vp8_persist persist;
	bool streamed;
	struct v4l2r_stream_params stream;
	struct v4l2_ctrl_vp8_frame frame;
};

static VAStatus vp8_init(struct v4l2r_ctx *ctx, void *priv_, VAProfile profile)
{
	struct vp8_priv *priv = priv_;

	(void)ctx;
	(void)profile;
	v4l2r_slices_init(&priv->sl, sizeof(struct vp8_slice), offsetof(struct vp8_slice, param),
			  sizeof(VASliceParameterBufferVP8), 1, VP8_MAX_DATA);
	return VA_STATUS_SUCCESS;
}

static void vp8_fini(struct v4l2r_ctx *ctx, void *priv_)
{
	struct vp8_priv *priv = priv_;

	(void)ctx;
	v4l2r_slices_free(&priv->sl);
}

static VAStatus vp8_begin(struct v4l2r_ctx *ctx, void *priv_)
{
	struct vp8_priv *priv = priv_;

	(void)ctx;
	priv->have_pic = priv->have_prob = priv->have_iq = false;
	v4l2r_slices_reset(&priv->sl);
	return VA_STATUS_SUCCESS;
}

static VAStatus copy_one(void *dst, size_t size, bool *have, const struct v4l2r_va_buffer *buf)
{
	if (buf->size != size || buf->num_elements != 1)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	memcpy(dst, buf->data, size);
	*have = true;
	return VA_STATUS_SUCCESS;
}

static VAStatus vp8_render(struct v4l2r_ctx *ctx, void *priv_, const struct v4l2r_va_buffer *buf)
{
	struct vp8_priv *priv = priv_;

	(void)ctx;
	if (!buf || !buf->data)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	switch (buf->type) {
	case VAPictureParameterBufferType:
		return copy_one(&priv->pic, sizeof(priv->pic), &priv->have_pic, buf);
	case VAProbabilityBufferType:
		return copy_one(&priv->prob, sizeof(priv->prob), &priv->have_prob, buf);
	case VAIQMatrixBufferType: {
		/* Per-segment combined indices: the raw ones come from the frame header. */
		VAIQMatrixBufferVP8 iq;

		return copy_one(&iq, sizeof(iq), &priv->have_iq, buf);
	}
	case VASliceParameterBufferType:
		return v4l2r_slices_add_params(&priv->sl, buf);
	case VASliceDataBufferType: {
		unsigned first;

		return v4l2r_slices_add_data(&priv->sl, buf, &first);
	}
	default:
		return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
	}
}

/* Layout of the slice data: first partition, the sizes of the token partitions but the last
 * (3 bytes each), the token partitions. Checks it against the slice parameters. */
static VAStatus check_slice(const struct vp8_priv *priv, const VASliceParameterBufferVP8 *s,
			    uint32_t *first_part_size)
{
	const VAPictureParameterBufferVP8 *p = &priv->pic;
	unsigned nparts = s->num_of_partitions;
	uint64_t first, total;

	if (nparts != 2 && nparts != 3 && nparts != 5 && nparts != 9)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (p->frame_width == 0 || p->frame_height == 0 || p->frame_width > 16383 ||
	    p->frame_height > 16383)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	first = (uint64_t)s->partition_size[0] + (s->macroblock_offset + 7) / 8;
	total = first + 3ull * (nparts - 2);
	for (unsigned i = 1; i < nparts; i++)
		total += s->partition_size[i];
	if (first == 0 || first >= (1u << 19) || total > s->slice_data_size)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	*first_part_size = (uint32_t)first;
	return VA_STATUS_SUCCESS;
}

static void fill_frame(struct vp8_priv *priv, const VASliceParameterBufferVP8 *s,
		       const struct v4l2r_vp8_frame_hdr *h, uint32_t first_part_size, bool key)
{
	const VAPictureParameterBufferVP8 *p = &priv->pic;
	struct v4l2_ctrl_vp8_frame *f = &priv->frame;
	const struct v4l2r_vp8_persist *st = &priv->persist;

	memset(f, 0, sizeof(*f));
	if (h->seg_enabled) {
		f->segment.flags |= V4L2_VP8_SEGMENT_FLAG_ENABLED;
		if (h->seg_update_map)
			f->segment.flags |= V4L2_VP8_SEGMENT_FLAG_UPDATE_MAP;
		if (h->seg_update_data)
			f->segment.flags |= V4L2_VP8_SEGMENT_FLAG_UPDATE_FEATURE_DATA;
		if (!st->seg_abs)
			f->segment.flags |= V4L2_VP8_SEGMENT_FLAG_DELTA_VALUE_MODE;
		memcpy(f->segment.quant_update, st->seg_quant, 4);
		memcpy(f->segment.lf_update, st->seg_lf, 4);
	}
	memcpy(f->segment.segment_probs, p->mb_segment_tree_probs, 3);

	memcpy(f->lf.ref_frm_delta, p->loop_filter_deltas_ref_frame, 4);
	memcpy(f->lf.mb_mode_delta, p->loop_filter_deltas_mode, 4);
	f->lf.sharpness_level = (uint8_t)p->pic_fields.bits.sharpness_level;
	f->lf.level = h->level;
	if (p->pic_fields.bits.loop_filter_adj_enable)
		f->lf.flags |= V4L2_VP8_LF_ADJ_ENABLE;
	if (p->pic_fields.bits.mode_ref_lf_delta_update)
		f->lf.flags |= V4L2_VP8_LF_DELTA_UPDATE;
	if (p->pic_fields.bits.filter_type)
		f->lf.flags |= V4L2_VP8_LF_FILTER_TYPE_SIMPLE;

	f->quant.y_ac_qi = h->y_ac_qi;
	f->quant.y_dc_delta = h->y_dc_delta;
	f->quant.y2_dc_delta = h->y2_dc_delta;
	f->quant.y2_ac_delta = h->y2_ac_delta;
	f->quant.uv_dc_delta = h->uv_dc_delta;
	f->quant.uv_ac_delta = h->uv_ac_delta;

	memcpy(f->entropy.coeff_probs, priv->prob.dct_coeff_probs, sizeof(f->entropy.coeff_probs));
	memcpy(f->entropy.y_mode_probs, p->y_mode_probs, 4);
	memcpy(f->entropy.uv_mode_probs, p->uv_mode_probs, 3);
	memcpy(f->entropy.mv_probs, p->mv_probs, sizeof(f->entropy.mv_probs));

	f->coder_state.range = p->bool_coder_ctx.range;
	f->coder_state.value = p->bool_coder_ctx.value;
	f->coder_state.bit_count = p->bool_coder_ctx.count;

	f->width = (uint16_t)p->frame_width;
	f->height = (uint16_t)p->frame_height;
	f->version = (uint8_t)p->pic_fields.bits.version;
	f->prob_skip_false = p->prob_skip_false;
	f->prob_intra = p->prob_intra;
	f->prob_last = p->prob_last;
	f->prob_gf = p->prob_gf;
	f->num_dct_parts = (uint8_t)(s->num_of_partitions - 1);
	f->first_part_size = first_part_size;
	f->first_part_header_bits = s->macroblock_offset;
	for (unsigned i = 0; i + 1 < s->num_of_partitions && i < 8; i++)
		f->dct_part_sizes[i] = s->partition_size[i + 1];

	f->flags = V4L2_VP8_FRAME_FLAG_SHOW_FRAME;
	if (key)
		f->flags |= V4L2_VP8_FRAME_FLAG_KEY_FRAME;
	if (p->pic_fields.bits.mb_no_coeff_skip)
		f->flags |= V4L2_VP8_FRAME_FLAG_MB_NO_SKIP_COEFF;
	if (!key && p->pic_fields.bits.sign_bias_golden)
		f->flags |= V4L2_VP8_FRAME_FLAG_SIGN_BIAS_GOLDEN;
	if (!key && p->pic_fields.bits.sign_bias_alternate)
		f->flags |= V4L2_VP8_FRAME_FLAG_SIGN_BIAS_ALT;
}

static VAStatus declare_stream(struct v4l2r_ctx *ctx, struct vp8_priv *priv)
{
	struct v4l2r_stream_params sp = {
	    .width = (priv->pic.frame_width + 15u) & ~15u,
	    .height = (priv->pic.frame_height + 15u) & ~15u,
	    .bit_depth = 8,
	    .min_buffers = 4, /* last, golden, altref + the frame being decoded */
	};
	VAStatus st;

	/* A key frame may change the size within a stream, and ffmpeg keeps its surfaces (and
	 * reads them whole): a smaller frame decodes into the CAPTURE buffers as they are (the
	 * control carries the frame's size), only a larger one reallocates. */
	if (priv->streamed && priv->stream.width >= sp.width && priv->stream.height >= sp.height)
		return VA_STATUS_SUCCESS;
	if (priv->streamed) {
		sp.width = sp.width > priv->stream.width ? sp.width : priv->stream.width;
		sp.height = sp.height > priv->stream.height ? sp.height : priv->stream.height;
	}
	st = v4l2r_ctx_stream(ctx, &sp);
	if (st != VA_STATUS_SUCCESS) {
		/* The core has no stream now: declare it again with the next picture, even one
		 * like the last that worked. */
		priv->streamed = false;
		return st;
	}
	priv->streamed = true;
	priv->stream = sp;
	return VA_STATUS_SUCCESS;
}

static struct v4l2r_surface *ref_surface(struct v4l2r_ctx *ctx, VASurfaceID id, __u64 *ts)
{
	struct v4l2r_surface *s = id == VA_INVALID_SURFACE ? NULL : v4l2r_ctx_surface(ctx, id);

	*ts = s ? v4l2r_surface_ts(s) : 0;
	return s;
}

static VAStatus vp8_end(struct v4l2r_ctx *ctx, void *priv_)
{
	struct vp8_priv *priv = priv_;
	const VAPictureParameterBufferVP8 *p = &priv->pic;
	const struct vp8_slice *rec;
	const uint8_t *part;
	struct v4l2r_vp8_frame_hdr h;
	struct v4l2r_surface *refs[3];
	unsigned n_refs = 0;
	struct v4l2r_slot *slot;
	uint8_t *out;
	size_t cap, used;
	uint32_t first_part_size;
	bool key;
	VAStatus st;

	if (!priv->have_pic || !priv->have_prob || !v4l2r_slices_complete(&priv->sl) ||
	    priv->sl.n != 1)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	rec = v4l2r_slices_rec(&priv->sl, 0);
	st = check_slice(priv, &rec->param, &first_part_size);
	if (st != VA_STATUS_SUCCESS)
		return st;
	key = p->pic_fields.bits.key_frame == 0; /* VA: 0 means key frame */
	part = rec->span.data;
	if (!v4l2r_vp8_parse_header(part, first_part_size, key, &priv->persist, &h) ||
	    h.nparts != rec->param.num_of_partitions - 1)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	fill_frame(priv, &rec->param, &h, first_part_size, key);

	if (!key) {
		struct v4l2r_surface *s;

		if ((s = ref_surface(ctx, p->last_ref_frame, &priv->frame.last_frame_ts)))
			refs[n_refs++] = s;
		if ((s = ref_surface(ctx, p->golden_ref_frame, &priv->frame.golden_frame_ts)))
			refs[n_refs++] = s;
		if ((s = ref_surface(ctx, p->alt_ref_frame, &priv->frame.alt_frame_ts)))
			refs[n_refs++] = s;
	}

	st = declare_stream(ctx, priv);
	if (st != VA_STATUS_SUCCESS)
		return st;
	used = (key ? 10 : 3) + rec->span.size;
	st = v4l2r_slot_get_size(ctx, used, &slot, &out, &cap);
	if (st != VA_STATUS_SUCCESS)
		return st;
	if (used > cap) {
		v4l2r_slot_put(ctx, slot);
		return VA_STATUS_ERROR_NOT_ENOUGH_BUFFER;
	}
	/* Frame tag (9.1): key frame bit (0 = key), version, show_frame, first partition size. */
	{
		uint32_t tag = (key ? 0u : 1u) | (uint32_t)priv->frame.version << 1 | 1u << 4 |
			       first_part_size << 5;

		out[0] = (uint8_t)tag;
		out[1] = (uint8_t)(tag >> 8);
		out[2] = (uint8_t)(tag >> 16);
	}
	if (key) {
		out[3] = 0x9d;
		out[4] = 0x01;
		out[5] = 0x2a;
		out[6] = (uint8_t)p->frame_width;
		out[7] = (uint8_t)(p->frame_width >> 8);
		out[8] = (uint8_t)p->frame_height;
		out[9] = (uint8_t)(p->frame_height >> 8);
	}
	memcpy(out + (key ? 10 : 3), part, rec->span.size);

	struct v4l2_ext_control ctrl = {
	    .id = V4L2_CID_STATELESS_VP8_FRAME,
	    .size = sizeof(priv->frame),
	    .ptr = &priv->frame,
	};
	return v4l2r_slot_queue(ctx, slot, used, &ctrl, 1, 0, refs, n_refs);
}

const struct v4l2r_codec v4l2r_codec_vp8 = {
    .name = "vp8",
    .coded_fourcc = V4L2_PIX_FMT_VP8_FRAME,
    .profiles = vp8_profiles,
    .n_profiles = sizeof(vp8_profiles) / sizeof(vp8_profiles[0]),
    .profile_is_10bit = vp8_profile_is_10bit,
    .priv_size = sizeof(struct vp8_priv),
    .init = vp8_init,
    .fini = vp8_fini,
    .begin = vp8_begin,
    .render = vp8_render,
    .end = vp8_end,
};
