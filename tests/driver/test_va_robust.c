/* SPDX-License-Identifier: MIT */
/*
 * Robustness of the driver's VA entry points, called as libva would (dlopen +
 * __vaDriverInit_1_x, no display) on the emulated device (LD_PRELOAD set by meson): hostile
 * input, wrong call order, destroyed handles, device faults and size changes. Every check is an
 * exact VA status; after each hostile sequence a valid IDR + P pair decodes and both pictures
 * equal FFmpeg's software decode byte for byte; no fd, no driver object and (under ASan) no
 * memory leaks.
 *
 *   test_va_robust DRIVER.so MODE CLIP.264 CLIP.yuv [CLIP2.264 CLIP2.yuv]
 *     hostile     out-of-range sizes/offsets/counts, wrong buffer types and sizes, references
 *                 that are not surfaces, calls out of order, destroyed handles of every type
 *     fault-qbuf  V4L2_EMU_FAULT=qbuf=2: the P picture's OUTPUT QBUF fails (EINVAL)
 *     fault-queue V4L2_EMU_FAULT=queue=2: its MEDIA_REQUEST_IOC_QUEUE fails
 *     fault-error V4L2_EMU_FAULT=error=2: it completes with V4L2_BUF_FLAG_ERROR
 *     fault-stall V4L2_EMU_FAULT=stall=2 + LIBVA_V4L2_REQUEST_TIMEOUT_MS: it never completes;
 *                 vaEndPicture waits for an OUTPUT slot without blocking another context
 *     fault-stall-sync  stall=1: vaSyncSurface returns TIMEDOUT after the bound
 *     fault-stall-destroy  stall=2: vaDestroyContext waits the bound without blocking others
 *     fault-stall-poll  stall=1: a client that only polls sees the picture fail after the bound
 *     fault-gone  V4L2_EMU_FAULT=gone=2: the device disappears when it completes
 *     busy        a single-instance device: the second context gets HW_BUSY, the first decodes
 *     hostile-threads  4 threads racing on one context and its surfaces for a second
 *     reschange   two clip sizes: a context destroyed with requests in flight, a new context
 *                 of another size, and one context whose stream changes size at an IDR; every
 *                 CAPTURE/OUTPUT buffer the device allocated is freed (V4L2_EMU_STATS)
 */
#include <dlfcn.h>
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_backend_vpp.h>
#include <va/va_drmcommon.h>

#include "h264_mini.h"

#include "check.h"

static int errors_reported;

static void on_error(VADriverContextP ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
	/* device faults are reported here, rightly: counted, not printed */
	__atomic_fetch_add(&errors_reported, 1, __ATOMIC_RELAXED);
}

static void on_info(VADriverContextP ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "driver info callback: %s", msg);
}

/* --- the driver, as libva loads it ------------------------------------------------------ */

static struct {
	void *handle;
	struct VADriverContext ctx;
	struct VADriverVTable vtable;
	struct VADriverVTableVPP vtable_vpp;
} D;
static VADriverContextP c = &D.ctx;
static const struct VADriverVTable *v = &D.vtable;

static void drv_open(const char *path)
{
	char sym[32];
	VAStatus (*init)(VADriverContextP) = NULL;

	D.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!D.handle) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		exit(1);
	}
	for (int minor = VA_MINOR_VERSION; minor >= 0 && !init; minor--) {
		snprintf(sym, sizeof(sym), "__vaDriverInit_%d_%d", VA_MAJOR_VERSION, minor);
		init = (VAStatus(*)(VADriverContextP))dlsym(D.handle, sym);
	}
	if (!init) {
		fprintf(stderr, "no __vaDriverInit_1_x in %s\n", path);
		exit(1);
	}
	D.ctx.vtable = &D.vtable;
	D.ctx.vtable_vpp = &D.vtable_vpp;
	D.ctx.version_major = VA_MAJOR_VERSION;
	D.ctx.version_minor = VA_MINOR_VERSION;
	D.ctx.display_type = VA_DISPLAY_DRM;
	D.ctx.error_callback = on_error;
	D.ctx.info_callback = on_info;
	VAStatus st = init(&D.ctx);
	if (st != VA_STATUS_SUCCESS) {
		fprintf(stderr, "driver init: %s\n", vaErrorStr(st));
		exit(1);
	}
}

/* --- clips ---------------------------------------------------------------------------------- */

struct clip {
	struct h264_mini_picture m;
	uint8_t *bits;
	size_t bits_size;
	uint8_t *yuv; /* two I420 frames */
	size_t frame_size;
	int w, h; /* visible size */
};

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*size = (size_t)ftell(f);
	fclose(f);
	return buf;
}

static void clip_load(struct clip *cl, const char *h264, const char *yuv)
{
	char err[128];
	size_t ysize = 0;

	cl->bits = read_file(h264, &cl->bits_size);
	cl->yuv = read_file(yuv, &ysize);
	if (!cl->bits || !cl->yuv) {
		fprintf(stderr, "cannot read %s / %s\n", h264, yuv);
		exit(1);
	}
	if (h264_mini_parse_first_idr(cl->bits, cl->bits_size, &cl->m, err, sizeof(err)) ||
	    !cl->m.has_p || cl->m.n_slices != 1) {
		fprintf(stderr, "%s: not an IDR + P clip of one slice each: %s\n", h264, err);
		exit(1);
	}
	/* The clips are made with sizes that need no cropping (multiples of 16). */
	cl->w = cl->m.width;
	cl->h = cl->m.height;
	cl->frame_size = (size_t)cl->w * cl->h * 3 / 2;
	if (ysize != 2 * cl->frame_size) {
		fprintf(stderr, "%s: %zu bytes, want two %dx%d frames\n", yuv, ysize, cl->w, cl->h);
		exit(1);
	}
}

/* --- VA buffers of the clip's pictures -------------------------------------------------- */

static VAPictureH264 va_invalid_pic(void)
{
	return (VAPictureH264){.picture_id = VA_INVALID_SURFACE, .flags = VA_PICTURE_H264_INVALID};
}

static void fill_pic(const struct clip *cl, bool p, VASurfaceID cur, VASurfaceID ref,
		     VAPictureParameterBufferH264 *pp)
{
	const struct v4l2_ctrl_h264_sps *sps = &cl->m.sps;
	const struct v4l2_ctrl_h264_pps *pps = &cl->m.pps;
	const struct v4l2_ctrl_h264_decode_params *d = p ? &cl->m.p_decode : &cl->m.decode;

	memset(pp, 0, sizeof(*pp));
	pp->CurrPic = (VAPictureH264){.picture_id = cur,
				      .frame_idx = d->frame_num,
				      .TopFieldOrderCnt = d->top_field_order_cnt,
				      .BottomFieldOrderCnt = d->bottom_field_order_cnt};
	if (d->nal_ref_idc)
		pp->CurrPic.flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE;
	for (int i = 0; i < 16; i++)
		pp->ReferenceFrames[i] = va_invalid_pic();
	if (p)
		pp->ReferenceFrames[0] =
		    (VAPictureH264){.picture_id = ref,
				    .frame_idx = cl->m.decode.frame_num,
				    .flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE,
				    .TopFieldOrderCnt = cl->m.decode.top_field_order_cnt,
				    .BottomFieldOrderCnt = cl->m.decode.bottom_field_order_cnt};
	pp->picture_width_in_mbs_minus1 = sps->pic_width_in_mbs_minus1;
	pp->picture_height_in_mbs_minus1 = sps->pic_height_in_map_units_minus1;
	pp->bit_depth_luma_minus8 = sps->bit_depth_luma_minus8;
	pp->bit_depth_chroma_minus8 = sps->bit_depth_chroma_minus8;
	pp->num_ref_frames = sps->max_num_ref_frames;
	pp->seq_fields.bits.chroma_format_idc = sps->chroma_format_idc;
	pp->seq_fields.bits.gaps_in_frame_num_value_allowed_flag =
	    !!(sps->flags & V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED);
	pp->seq_fields.bits.frame_mbs_only_flag =
	    !!(sps->flags & V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY);
	pp->seq_fields.bits.direct_8x8_inference_flag =
	    !!(sps->flags & V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE);
	pp->seq_fields.bits.MinLumaBiPredSize8x8 = sps->level_idc >= 31;
	pp->seq_fields.bits.log2_max_frame_num_minus4 = sps->log2_max_frame_num_minus4;
	pp->seq_fields.bits.pic_order_cnt_type = sps->pic_order_cnt_type;
	pp->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 =
	    sps->log2_max_pic_order_cnt_lsb_minus4;
	pp->seq_fields.bits.delta_pic_order_always_zero_flag =
	    !!(sps->flags & V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO);
	pp->pic_init_qp_minus26 = pps->pic_init_qp_minus26;
	pp->pic_init_qs_minus26 = pps->pic_init_qs_minus26;
	pp->chroma_qp_index_offset = pps->chroma_qp_index_offset;
	pp->second_chroma_qp_index_offset = pps->second_chroma_qp_index_offset;
	pp->pic_fields.bits.entropy_coding_mode_flag =
	    !!(pps->flags & V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE);
	pp->pic_fields.bits.weighted_pred_flag = !!(pps->flags & V4L2_H264_PPS_FLAG_WEIGHTED_PRED);
	pp->pic_fields.bits.weighted_bipred_idc = pps->weighted_bipred_idc;
	pp->pic_fields.bits.transform_8x8_mode_flag =
	    !!(pps->flags & V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE);
	pp->pic_fields.bits.constrained_intra_pred_flag =
	    !!(pps->flags & V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED);
	pp->pic_fields.bits.pic_order_present_flag =
	    !!(pps->flags & V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT);
	pp->pic_fields.bits.deblocking_filter_control_present_flag =
	    !!(pps->flags & V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT);
	pp->pic_fields.bits.redundant_pic_cnt_present_flag =
	    !!(pps->flags & V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT);
	pp->pic_fields.bits.reference_pic_flag = d->nal_ref_idc != 0;
	pp->frame_num = d->frame_num;
}

static void fill_slice(const struct clip *cl, bool p, VASurfaceID ref,
		       VASliceParameterBufferH264 *sp)
{
	const struct v4l2_ctrl_h264_slice_params *s = p ? &cl->m.p_slice : &cl->m.slice[0];
	const struct h264_mini_nal *nal = p ? &cl->m.p_nal : &cl->m.slice_nal[0];

	memset(sp, 0, sizeof(*sp));
	sp->slice_data_size = (uint32_t)nal->size;
	sp->slice_data_offset = 0;
	sp->slice_data_flag = VA_SLICE_DATA_FLAG_ALL;
	sp->slice_data_bit_offset = (uint16_t)s->header_bit_size;
	sp->first_mb_in_slice = (uint16_t)s->first_mb_in_slice;
	sp->slice_type = s->slice_type;
	sp->num_ref_idx_l0_active_minus1 = s->num_ref_idx_l0_active_minus1;
	sp->cabac_init_idc = s->cabac_init_idc;
	sp->slice_qp_delta = s->slice_qp_delta;
	sp->disable_deblocking_filter_idc = s->disable_deblocking_filter_idc;
	sp->slice_alpha_c0_offset_div2 = s->slice_alpha_c0_offset_div2;
	sp->slice_beta_offset_div2 = s->slice_beta_offset_div2;
	for (int i = 0; i < 32; i++) {
		sp->RefPicList0[i] = va_invalid_pic();
		sp->RefPicList1[i] = va_invalid_pic();
	}
	if (p)
		sp->RefPicList0[0] =
		    (VAPictureH264){.picture_id = ref,
				    .frame_idx = cl->m.decode.frame_num,
				    .flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE,
				    .TopFieldOrderCnt = cl->m.decode.top_field_order_cnt,
				    .BottomFieldOrderCnt = cl->m.decode.bottom_field_order_cnt};
}

/* The four buffers of one picture; the caller may spoil them before rendering. */
struct picbufs {
	VAPictureParameterBufferH264 pic;
	VAIQMatrixBufferH264 iq;
	VASliceParameterBufferH264 slice;
	const uint8_t *data;
	uint32_t data_size;
};

static void picbufs_fill(const struct clip *cl, bool p, VASurfaceID cur, VASurfaceID ref,
			 struct picbufs *b)
{
	fill_pic(cl, p, cur, ref, &b->pic);
	memset(&b->iq, 16, sizeof(b->iq));
	fill_slice(cl, p, ref, &b->slice);
	b->data = p ? cl->m.p_nal.data : cl->m.slice_nal[0].data;
	b->data_size = (uint32_t)(p ? cl->m.p_nal.size : cl->m.slice_nal[0].size);
}

/* Create and render the picture's buffers (IDs in ids[4]); destroys them afterwards. */
static VAStatus render(VAContextID ctx, const struct picbufs *b)
{
	VABufferID ids[4];
	VAStatus st;

	if ((st = v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(b->pic), 1,
				    (void *)&b->pic, &ids[0])) != VA_STATUS_SUCCESS)
		return st;
	if ((st = v->vaCreateBuffer(c, ctx, VAIQMatrixBufferType, sizeof(b->iq), 1, (void *)&b->iq,
				    &ids[1])) != VA_STATUS_SUCCESS)
		return st;
	if ((st = v->vaCreateBuffer(c, ctx, VASliceParameterBufferType, sizeof(b->slice), 1,
				    (void *)&b->slice, &ids[2])) != VA_STATUS_SUCCESS)
		return st;
	if ((st = v->vaCreateBuffer(c, ctx, VASliceDataBufferType, b->data_size, 1, (void *)b->data,
				    &ids[3])) != VA_STATUS_SUCCESS)
		return st;
	st = v->vaRenderPicture(c, ctx, ids, 4);
	for (int i = 0; i < 4; i++)
		v->vaDestroyBuffer(c, ids[i]);
	return st;
}

/* Begin + render + end of one valid picture of the clip; returns vaEndPicture's status. */
static VAStatus queue_pic(const struct clip *cl, VAContextID ctx, bool p, VASurfaceID cur,
			  VASurfaceID ref)
{
	struct picbufs b;
	VAStatus st;

	picbufs_fill(cl, p, cur, ref, &b);
	if ((st = v->vaBeginPicture(c, ctx, cur)) != VA_STATUS_SUCCESS)
		return st;
	if ((st = render(ctx, &b)) != VA_STATUS_SUCCESS) {
		v->vaEndPicture(c, ctx);
		return st;
	}
	return v->vaEndPicture(c, ctx);
}

/* The surface holds frame `n` of the clip, byte for byte (vaGetImage, NV12 vs I420). */
static bool frame_equals(const struct clip *cl, VASurfaceID s, int n, const char *what)
{
	VAImageFormat nv12 = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	VAImage img;
	void *p = NULL;
	bool ok = false;
	VAStatus st;

	if ((st = v->vaCreateImage(c, &nv12, cl->w, cl->h, &img)) != VA_STATUS_SUCCESS) {
		CHECK(false, "%s: vaCreateImage: %s", what, vaErrorStr(st));
		return false;
	}
	st = v->vaGetImage(c, s, 0, 0, (unsigned)cl->w, (unsigned)cl->h, img.image_id);
	if (st == VA_STATUS_SUCCESS)
		st = v->vaMapBuffer(c, img.buf, &p);
	if (st == VA_STATUS_SUCCESS) {
		const uint8_t *ref = cl->yuv + (size_t)n * cl->frame_size;
		const uint8_t *u = ref + (size_t)cl->w * cl->h, *vv = u + (size_t)cl->w * cl->h / 4;
		const uint8_t *px = p;
		unsigned bad = 0;

		for (int y = 0; y < cl->h; y++)
			bad += memcmp(px + img.offsets[0] + (size_t)y * img.pitches[0],
				      ref + (size_t)y * cl->w, (size_t)cl->w) != 0;
		for (int y = 0; y < cl->h / 2; y++)
			for (int x = 0; x < cl->w / 2; x++) {
				const uint8_t *uv = px + img.offsets[1] +
						    (size_t)y * img.pitches[1] + 2 * (size_t)x;
				bad +=
				    uv[0] != u[y * cl->w / 2 + x] || uv[1] != vv[y * cl->w / 2 + x];
			}
		ok = bad == 0;
		CHECK(ok, "%s: frame %d differs from software decoding (%u rows/samples)", what, n,
		      bad);
		v->vaUnmapBuffer(c, img.buf);
	} else {
		CHECK(false, "%s: reading frame %d back: %s", what, n, vaErrorStr(st));
	}
	v->vaDestroyImage(c, img.image_id);
	return ok;
}

/* The valid IDR + P pair decodes right in `ctx` (into a, then b referring to a). */
static void decode_pair(const struct clip *cl, VAContextID ctx, VASurfaceID a, VASurfaceID b,
			const char *what)
{
	ST(queue_pic(cl, ctx, false, a, VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, true, b, a), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, a), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, b), VA_STATUS_SUCCESS);
	frame_equals(cl, a, 0, what);
	frame_equals(cl, b, 1, what);
}

/* --- leaks -------------------------------------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* Live objects of each type, counted from outside: IDs are type << 24 | gen << 20 | slot + 1
 * and free slots are reused first, so K new objects land exactly in slots 1..K when no other
 * object of the type is alive (and the table never held more than K); one leaked object pushes
 * the highest slot to K + 1. The count is highest slot - K. */
#define CENSUS_SURFACES 64
#define CENSUS_BUFFERS	64
#define CENSUS_IMAGES	16
#define CENSUS_CONTEXTS 6

struct census {
	unsigned surface, buffer, image, context; /* objects alive besides the census's own */
};

static unsigned slot_of(uint32_t id)
{
	return id & 0xfffff;
}

static unsigned max_slot(const uint32_t *ids, int n)
{
	unsigned m = 0;

	for (int i = 0; i < n; i++)
		if (slot_of(ids[i]) > m)
			m = slot_of(ids[i]);
	return m;
}

static struct census take_census(VAConfigID cfg)
{
	struct census k = {0, 0, 0, 0};
	VASurfaceID s[CENSUS_SURFACES];
	VABufferID b[CENSUS_BUFFERS];
	VAImage img[CENSUS_IMAGES];
	VAImageID img_ids[CENSUS_IMAGES];
	VAContextID ctx[CENSUS_CONTEXTS];
	VAImageFormat nv12 = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	uint8_t one = 1;

	ST(v->vaCreateSurfaces(c, 64, 48, VA_RT_FORMAT_YUV420, CENSUS_SURFACES, s),
	   VA_STATUS_SUCCESS);
	for (int i = 0; i < CENSUS_CONTEXTS; i++)
		ST(v->vaCreateContext(c, cfg, 64, 48, VA_PROGRESSIVE, NULL, 0, &ctx[i]),
		   VA_STATUS_SUCCESS);
	/* Images own a buffer each: buffers after them. */
	for (int i = 0; i < CENSUS_IMAGES; i++) {
		ST(v->vaCreateImage(c, &nv12, 16, 16, &img[i]), VA_STATUS_SUCCESS);
		img_ids[i] = img[i].image_id;
	}
	for (int i = 0; i < CENSUS_BUFFERS - CENSUS_IMAGES; i++)
		ST(v->vaCreateBuffer(c, ctx[0], VASliceDataBufferType, 1, 1, &one, &b[i]),
		   VA_STATUS_SUCCESS);
	for (int i = 0; i < CENSUS_IMAGES; i++)
		b[CENSUS_BUFFERS - CENSUS_IMAGES + i] = img[i].buf;
	k.surface = max_slot(s, CENSUS_SURFACES) - CENSUS_SURFACES;
	k.buffer = max_slot(b, CENSUS_BUFFERS) - CENSUS_BUFFERS;
	k.image = max_slot(img_ids, CENSUS_IMAGES) - CENSUS_IMAGES;
	k.context = max_slot(ctx, CENSUS_CONTEXTS) - CENSUS_CONTEXTS;
	for (int i = 0; i < CENSUS_IMAGES; i++)
		ST(v->vaDestroyImage(c, img[i].image_id), VA_STATUS_SUCCESS);
	for (int i = 0; i < CENSUS_BUFFERS - CENSUS_IMAGES; i++)
		ST(v->vaDestroyBuffer(c, b[i]), VA_STATUS_SUCCESS);
	for (int i = 0; i < CENSUS_CONTEXTS; i++)
		ST(v->vaDestroyContext(c, ctx[i]), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, CENSUS_SURFACES), VA_STATUS_SUCCESS);
	return k;
}

/* No object of any type alive (the caller destroyed everything but its config) and no fd more
 * than before. */
static void check_census(struct census k, int fds_before)
{
	int fds = count_fds();

	CHECK(k.surface == 0 && k.buffer == 0 && k.image == 0 && k.context == 0,
	      "objects leaked: %u surfaces, %u buffers, %u images, %u contexts", k.surface,
	      k.buffer, k.image, k.context);
	CHECK(fds == fds_before, "file descriptors leaked: %d before, %d after", fds_before, fds);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- hostile input ------------------------------------------------------------------------ */

/* Render one spoiled picture into `cur` and check the status where it is due (at render or at
 * end); the surface then holds no picture (DECODING_ERROR) unless the status was SUCCESS. */
static void spoiled(VAContextID ctx, VASurfaceID cur, const struct picbufs *b, VAStatus at_render,
		    VAStatus at_end, const char *what)
{
	VAStatus st;

	ST(v->vaBeginPicture(c, ctx, cur), VA_STATUS_SUCCESS);
	st = render(ctx, b);
	CHECK(st == at_render, "%s: render returned %s, want %s", what, vaErrorStr(st),
	      vaErrorStr(at_render));
	st = v->vaEndPicture(c, ctx);
	CHECK(st == at_end, "%s: end returned %s, want %s", what, vaErrorStr(st),
	      vaErrorStr(at_end));
	st = v->vaSyncSurface(c, cur);
	CHECK(st == VA_STATUS_ERROR_DECODING_ERROR, "%s: sync returned %s, want DECODING_ERROR",
	      what, vaErrorStr(st));
}

/* Buffers whose sizes, counts and offsets lie. */
static void hostile_buffers(const struct clip *cl, VAContextID ctx, VASurfaceID *s)
{
	struct picbufs b;
	VABufferID id = VA_INVALID_ID, ids[2];
	uint8_t byte = 0;

	/* Sizes and counts at creation. */
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 0x10000, 0x10000, NULL, &id),
	   VA_STATUS_ERROR_INVALID_PARAMETER); /* 2^32: wraps to 0 in 32 bits */
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 0xffffffffu, 2, NULL, &id),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateBuffer(c, ctx, VASliceParameterBufferType, sizeof(VASliceParameterBufferH264),
			     0x7fffffff, NULL, &id),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 1, 0, &byte, &id),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 16, 1, NULL, NULL),
	   VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaCreateBuffer(c, ctx, VAEncCodedBufferType, 16, 1, NULL, &id),
	   VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
	ST(v->vaCreateBuffer(c, ctx, (VABufferType)0x7fff, 16, 1, NULL, &id),
	   VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
	/* More surfaces than the driver can ever hold: refused before allocating any (the
	 * array is never written). */
	VASurfaceID none[1] = {VA_INVALID_SURFACE};
	int64_t t0 = now_ms();
	ST(v->vaCreateSurfaces(c, 16, 16, VA_RT_FORMAT_YUV420, 0x7fffffff, none),
	   VA_STATUS_ERROR_ALLOCATION_FAILED);
	CHECK(none[0] == VA_INVALID_SURFACE && now_ms() - t0 < 100,
	      "2^31 surfaces: array written or %lld ms spent", (long long)(now_ms() - t0));
	ST(v->vaCreateSurfaces(c, 0x7fffffff, 16, VA_RT_FORMAT_YUV420, 1, none),
	   VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED);

	/* More slice parameter elements than a picture may have (1024). */
	{
		size_t n = 1100;
		VASliceParameterBufferH264 *many = calloc(n, sizeof(*many));

		picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
		for (size_t i = 0; i < n; i++)
			many[i] = b.slice;
		ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
		ST(v->vaCreateBuffer(c, ctx, VASliceParameterBufferType, sizeof(*many), (unsigned)n,
				     many, &id),
		   VA_STATUS_SUCCESS);
		ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_PARAMETER);
		ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
		ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
		free(many);
	}
	/* Growing a buffer through its element count. */
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 16, 2, NULL, &id), VA_STATUS_SUCCESS);
	ST(v->vaBufferSetNumElements(c, id, 3), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaBufferSetNumElements(c, id, 0xffffffffu), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaBufferSetNumElements(c, id, 0), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);

	/* Slice data ranges outside the data buffer: rejected where the data is rendered. */
	const struct {
		uint32_t off, size;
	} ranges[] = {
	    {0, 0},	       /* empty slice */
	    {1, 0xffffffffu},  /* size past the end, offset + size wraps */
	    {0xffffffffu, 16}, /* offset past the end, offset + size wraps */
	    {0, 0x7fffffffu},  /* size past the end */
	    {0x7fffffffu, 1},  /* offset past the end */
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		char what[64];

		picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
		b.slice.slice_data_offset = ranges[i].off;
		b.slice.slice_data_size = ranges[i].size;
		snprintf(what, sizeof(what), "slice data %#x+%#x", ranges[i].off, ranges[i].size);
		spoiled(ctx, s[0], &b, VA_STATUS_ERROR_INVALID_PARAMETER,
			VA_STATUS_ERROR_INVALID_PARAMETER, what);
	}
	/* One byte past the end. */
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.slice.slice_data_size++;
	spoiled(ctx, s[0], &b, VA_STATUS_ERROR_INVALID_PARAMETER, VA_STATUS_ERROR_INVALID_PARAMETER,
		"slice data one byte long");
	/* A picture larger than the OUTPUT slots (256 KiB at this size): the slice followed by
	 * 300 KB of emulation-prevented zero bytes (00 00 03, no start code) gets a larger OUTPUT
	 * buffer, decodes, and the slots stay usable. */
	{
		const size_t size = 300000;
		uint8_t *big = malloc(size);

		CHECK(big != NULL, "malloc %zu", size);
		if (big) {
			picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
			memcpy(big, b.data, b.data_size);
			for (size_t i = b.data_size; i < size; i++)
				big[i] = (i - b.data_size) % 3 == 2 ? 3 : 0;
			b.data = big;
			b.data_size = (uint32_t)size;
			b.slice.slice_data_size = b.data_size;
			ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
			ST(render(ctx, &b), VA_STATUS_SUCCESS);
			ST(v->vaEndPicture(c, ctx), VA_STATUS_SUCCESS);
			ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);
			frame_equals(cl, s[0], 0, "picture larger than the OUTPUT slots");
			free(big);
			decode_pair(cl, ctx, s[0], s[1], "after a picture larger than the slots");
		}
	}
	/* A partial slice (VA_SLICE_DATA_FLAG_BEGIN): not supported. */
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.slice.slice_data_flag = VA_SLICE_DATA_FLAG_BEGIN;
	spoiled(ctx, s[0], &b, VA_STATUS_ERROR_INVALID_PARAMETER, VA_STATUS_ERROR_INVALID_PARAMETER,
		"partial slice");
	/* Out-of-range slice fields. */
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.slice.slice_type = 10;
	spoiled(ctx, s[0], &b, VA_STATUS_ERROR_INVALID_PARAMETER, VA_STATUS_ERROR_INVALID_PARAMETER,
		"slice_type 10");
	picbufs_fill(cl, true, s[1], s[0], &b);
	b.slice.num_ref_idx_l0_active_minus1 = 32;
	spoiled(ctx, s[1], &b, VA_STATUS_ERROR_INVALID_PARAMETER, VA_STATUS_ERROR_INVALID_PARAMETER,
		"num_ref_idx_l0_active_minus1 32");
	/* Garbage instead of the slice header. */
	{
		uint8_t junk[64];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)(0xa5 ^ (i * 37));
		junk[0] = 0x65; /* an IDR NAL header, then noise */
		picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
		b.data = junk;
		b.data_size = sizeof(junk);
		b.slice.slice_data_size = sizeof(junk);
		spoiled(ctx, s[0], &b, VA_STATUS_SUCCESS, VA_STATUS_ERROR_INVALID_PARAMETER,
			"noise as slice header");
	}
	/* A start code prefix (00 00 00/01/02) inside the slice data, after a valid header: it
	 * would reach the device as extra NAL units. At positions around the 64- and 128-byte
	 * steps of the copy into the OUTPUT buffer (where it is looked for), in and across steps,
	 * and in the bytes after the last step (the last byte stays non-zero: trailing zero bytes
	 * are not part of the NAL unit). */
	{
		static const uint32_t at[] = {40,  62,	63,  64,  65,  126,
					      127, 128, 129, 190, 400, 508};
		uint8_t big[512];

		picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
		for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
			for (uint8_t third = 0; third <= 2; third++) {
				char what[64];

				memset(big, 0x5a, sizeof(big));
				memcpy(big, b.data, b.data_size < 32 ? b.data_size : 32);
				big[at[k]] = 0;
				big[at[k] + 1] = 0;
				big[at[k] + 2] = third;
				struct picbufs bb = b;
				bb.data = big;
				bb.data_size = sizeof(big);
				bb.slice.slice_data_size = sizeof(big);
				snprintf(what, sizeof(what), "00 00 %02x at %u of 512", third,
					 at[k]);
				spoiled(ctx, s[0], &bb, VA_STATUS_SUCCESS,
					VA_STATUS_ERROR_INVALID_PARAMETER, what);
			}
		}
	}
	/* Out-of-range picture fields. */
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.pic.seq_fields.bits.log2_max_frame_num_minus4 = 13;
	spoiled(ctx, s[0], &b, VA_STATUS_SUCCESS, VA_STATUS_ERROR_INVALID_PARAMETER,
		"log2_max_frame_num_minus4 13");
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.pic.picture_width_in_mbs_minus1 = 0xffff; /* 1 M pixels wide: beyond the device */
	b.pic.picture_height_in_mbs_minus1 = 0xffff;
	spoiled(ctx, s[0], &b, VA_STATUS_SUCCESS, VA_STATUS_ERROR_INVALID_PARAMETER,
		"65536x65536 macroblocks");
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.pic.bit_depth_luma_minus8 = 6; /* valid H.264, no device outputs 14 bits */
	b.pic.bit_depth_chroma_minus8 = 6;
	spoiled(ctx, s[0], &b, VA_STATUS_SUCCESS, VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT,
		"14-bit samples");
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	b.pic.bit_depth_luma_minus8 = 7; /* beyond H.264's 14 bits */
	b.pic.bit_depth_chroma_minus8 = 7;
	spoiled(ctx, s[0], &b, VA_STATUS_SUCCESS, VA_STATUS_ERROR_INVALID_PARAMETER,
		"15-bit samples");

	/* Buffers of the wrong size or type for H.264. */
	ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
	VAPictureParameterBufferMPEG2 mp2;
	memset(&mp2, 0, sizeof(mp2));
	ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(mp2), 1, &mp2, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	VAPictureParameterBufferH264 two[2] = {b.pic, b.pic};
	ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(two[0]), 2, two, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VAIQMatrixBufferType, sizeof(VAIQMatrixBufferH264) + 8, 1,
			     NULL, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VASliceParameterBufferType,
			     sizeof(VASliceParameterBufferH264) - 4, 1, NULL, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VAProbabilityBufferType, 16, 1, NULL, &id), VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VAHuffmanTableBufferType, 16, 1, NULL, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	/* IDs that are no buffer of this context. */
	ids[0] = s[0]; /* a surface */
	ST(v->vaRenderPicture(c, ctx, ids, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ids[0] = ctx; /* the context */
	ST(v->vaRenderPicture(c, ctx, ids, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ids[0] = VA_INVALID_ID;
	ST(v->vaRenderPicture(c, ctx, ids, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ids[0] = 0;
	ST(v->vaRenderPicture(c, ctx, ids, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	VAImageFormat nv12 = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	VAImage img;
	ST(v->vaCreateImage(c, &nv12, 16, 16, &img), VA_STATUS_SUCCESS);
	ids[0] = img.buf; /* an image's storage */
	ST(v->vaRenderPicture(c, ctx, ids, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyImage(c, img.image_id), VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, ids, -1), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaRenderPicture(c, ctx, NULL, 1), VA_STATUS_ERROR_INVALID_PARAMETER);
	/* One bad ID among good ones: nothing of the call is taken. */
	ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(b.pic), 1, &b.pic,
			     &ids[0]),
	   VA_STATUS_SUCCESS);
	ids[1] = ids[0] + 1000;
	ST(v->vaRenderPicture(c, ctx, ids, 2), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, ids[0]), VA_STATUS_SUCCESS);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER); /* no picture params */
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_ERROR_DECODING_ERROR);

	/* Slice parameters without their data, data without parameters. */
	ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(b.pic), 1, &b.pic,
			     &ids[0]),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VASliceParameterBufferType, sizeof(b.slice), 1, &b.slice,
			     &ids[1]),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, ids, 2), VA_STATUS_SUCCESS);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaDestroyBuffer(c, ids[0]), VA_STATUS_SUCCESS);
	ST(v->vaDestroyBuffer(c, ids[1]), VA_STATUS_SUCCESS);
	ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, b.data_size, 1, (void *)b.data, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);

	decode_pair(cl, ctx, s[0], s[1], "after hostile buffers");
}

/* References that are not surfaces. */
static void hostile_refs(const struct clip *cl, VAConfigID cfg, VAContextID ctx, VASurfaceID *s)
{
	struct picbufs b;
	VASurfaceID gone;
	VABufferID buf;
	uint8_t one = 1;

	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 1, &gone), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, &gone, 1), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 1, 1, &one, &buf), VA_STATUS_SUCCESS);
	const struct {
		VASurfaceID id;
		const char *what;
	} refs[] = {
	    {gone, "a destroyed surface"},
	    {ctx, "the context"},
	    {cfg, "the config"},
	    {buf, "a buffer"},
	    {0, "0"},
	    {0x7ffffff0, "a made-up ID"},
	};

	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "reference: %s", refs[i].what);
		picbufs_fill(cl, true, s[1], s[0], &b);
		b.pic.ReferenceFrames[1] = b.pic.ReferenceFrames[0];
		b.pic.ReferenceFrames[1].picture_id = refs[i].id;
		b.pic.ReferenceFrames[1].frame_idx = 7;
		spoiled(ctx, s[1], &b, VA_STATUS_SUCCESS, VA_STATUS_ERROR_INVALID_SURFACE, what);
	}
	/* The sentinels ffmpeg uses are no error: VA_INVALID_SURFACE / VA_PICTURE_H264_INVALID. */
	picbufs_fill(cl, true, s[1], s[0], &b);
	b.pic.ReferenceFrames[1] = (VAPictureH264){.picture_id = VA_INVALID_SURFACE,
						   .flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE};
	b.pic.ReferenceFrames[2] =
	    (VAPictureH264){.picture_id = gone, .flags = VA_PICTURE_H264_INVALID};
	ST(v->vaBeginPicture(c, ctx, s[1]), VA_STATUS_SUCCESS);
	ST(render(ctx, &b), VA_STATUS_SUCCESS);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[1]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[1], 1, "P with sentinel references");
	ST(v->vaDestroyBuffer(c, buf), VA_STATUS_SUCCESS);
	decode_pair(cl, ctx, s[0], s[1], "after hostile references");
}

/* Calls in the wrong order. */
static void hostile_order(const struct clip *cl, VAConfigID cfg, VAContextID *pctx, VASurfaceID *s,
			  int n_s)
{
	VAContextID ctx = *pctx;
	struct picbufs b;
	VABufferID id;
	VASurfaceStatus status;
	VASurfaceID extra;

	picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &b);
	ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(b.pic), 1, &b.pic, &id),
	   VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_OPERATION_FAILED); /* no Begin */
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_OPERATION_FAILED);
	ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
	/* EndPicture twice. */
	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_OPERATION_FAILED);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[0], 0, "after EndPicture twice");
	/* BeginPicture twice: the first picture is abandoned, the second decodes. */
	ST(v->vaBeginPicture(c, ctx, s[2]), VA_STATUS_SUCCESS);
	ST(render(ctx, &b), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[0], 0, "after BeginPicture twice");
	ST(v->vaQuerySurfaceStatus(c, s[2], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceReady, "abandoned target status %d", status);
	/* Sync / status of the target of an open picture. */
	ST(v->vaBeginPicture(c, ctx, s[2]), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[2]), VA_STATUS_ERROR_SURFACE_BUSY);
	ST(v->vaQuerySurfaceStatus(c, s[2], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceRendering, "open picture's target status %d", status);
	/* Begin with objects of the wrong type. */
	ST(v->vaBeginPicture(c, s[0], s[0]), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaBeginPicture(c, ctx, ctx), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaBeginPicture(c, ctx, VA_INVALID_SURFACE), VA_STATUS_ERROR_INVALID_SURFACE);
	/* A 10-bit surface in an 8-bit context. */
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420_10, 1, &extra),
	   VA_STATUS_SUCCESS);
	ST(v->vaBeginPicture(c, ctx, extra), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaDestroySurfaces(c, &extra, 1), VA_STATUS_SUCCESS);
	/* A surface that is not among the context's render targets (a hint, as va.h says): it
	 * decodes. */
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 1, &extra), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, false, extra, VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, true, s[1], extra), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[1]), VA_STATUS_SUCCESS);
	frame_equals(cl, extra, 0, "surface outside the render targets");
	frame_equals(cl, s[1], 1, "P referring to a surface outside the render targets");
	ST(v->vaDestroySurfaces(c, &extra, 1), VA_STATUS_SUCCESS);
	/* The target of an open picture destroyed: nothing left to end. */
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 1, &extra), VA_STATUS_SUCCESS);
	ST(v->vaBeginPicture(c, ctx, extra), VA_STATUS_SUCCESS);
	ST(render(ctx, &b), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, &extra, 1), VA_STATUS_SUCCESS);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_OPERATION_FAILED);
	/* Surfaces destroyed while their pictures are in flight (the decoder writes into them);
	 * vaGetImage / vaDeriveImage of a picture in flight wait for it. */
	VASurfaceID fl[2];
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 2, fl), VA_STATUS_SUCCESS);
	int64_t t0 = now_ms();
	ST(queue_pic(cl, ctx, false, fl[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, true, fl[1], fl[0]), VA_STATUS_SUCCESS);
	ST(v->vaQuerySurfaceStatus(c, fl[1], &status), VA_STATUS_SUCCESS);
	/* Two pictures of 10 ms each (V4L2_EMU_LATENCY_US): in flight unless this thread was
	 * held up that long. */
	CHECK(status == VASurfaceRendering || now_ms() - t0 >= 20,
	      "status %d of a picture in flight after %lld ms", status, (long long)(now_ms() - t0));
	ST(v->vaDestroySurfaces(c, fl, 2), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	frame_equals(cl, s[0], 0, "vaGetImage of a picture in flight");
	ST(queue_pic(cl, ctx, true, s[1], s[0]), VA_STATUS_SUCCESS);
	VAImage dimg, dimg2;
	VAStatus dst = v->vaDeriveImage(c, s[1], &dimg);
	if (dst == VA_STATUS_SUCCESS) { /* linear CAPTURE layouts only */
		uint8_t *p = NULL;
		ST(v->vaMapBuffer(c, dimg.buf, (void **)&p), VA_STATUS_SUCCESS);
		CHECK(p &&
			  memcmp(p + dimg.offsets[0], cl->yuv + cl->frame_size, (size_t)cl->w) == 0,
		      "vaDeriveImage of a picture in flight: first row differs");
		/* Two derived images of one surface at once. */
		ST(v->vaDeriveImage(c, s[1], &dimg2), VA_STATUS_SUCCESS);
		ST(v->vaMapBuffer(c, dimg2.buf, (void **)&p), VA_STATUS_SUCCESS);
		CHECK(p && memcmp(p + dimg2.offsets[0], cl->yuv + cl->frame_size, (size_t)cl->w) ==
			       0,
		      "second derived image: first row differs");
		ST(v->vaUnmapBuffer(c, dimg2.buf), VA_STATUS_SUCCESS);
		ST(v->vaDestroyImage(c, dimg2.image_id), VA_STATUS_SUCCESS);
		ST(v->vaUnmapBuffer(c, dimg.buf), VA_STATUS_SUCCESS);
	} else {
		CHECK(dst == VA_STATUS_ERROR_OPERATION_FAILED, "vaDeriveImage: %s",
		      vaErrorStr(dst));
	}
	ST(v->vaSyncSurface(c, s[1]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[1], 1, "after vaDeriveImage in flight");
	/* DestroyContext with a picture open and one in flight; the surfaces keep what they
	 * hold. */
	ST(queue_pic(cl, ctx, false, s[3], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(v->vaBeginPicture(c, ctx, s[2]), VA_STATUS_SUCCESS);
	ST(render(ctx, &b), VA_STATUS_SUCCESS);
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[3]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[3], 0, "picture in flight when its context was destroyed");
	if (dst == VA_STATUS_SUCCESS) { /* a derived image outlives the context */
		uint8_t *p = NULL;
		ST(v->vaMapBuffer(c, dimg.buf, (void **)&p), VA_STATUS_SUCCESS);
		CHECK(p && memcmp(p + dimg.offsets[0] + (size_t)(cl->h - 1) * dimg.pitches[0],
				  cl->yuv + cl->frame_size + (size_t)(cl->h - 1) * cl->w,
				  (size_t)cl->w) == 0,
		      "derived image after its context was destroyed: last row differs");
		ST(v->vaUnmapBuffer(c, dimg.buf), VA_STATUS_SUCCESS);
		ST(v->vaDestroyImage(c, dimg.image_id), VA_STATUS_SUCCESS);
	}
	ST(v->vaQuerySurfaceStatus(c, s[2], &status), VA_STATUS_SUCCESS);
	CHECK(status == VASurfaceReady, "status %d of an open picture's target after its context",
	      status);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, n_s, pctx),
	   VA_STATUS_SUCCESS);
	decode_pair(cl, *pctx, s[0], s[1], "after hostile call order");
}

/* Handles of every type used after their destruction (their slots reused meanwhile). */
static void hostile_destroyed(const struct clip *cl, VAConfigID cfg, VAContextID ctx,
			      VASurfaceID *s)
{
	VAConfigID cfg_old, cfg_new;
	VAContextID ctx_old, ctx_new;
	VASurfaceID s_old, s_new;
	VABufferID b_old, b_new;
	VAImage i_old, i_new;
	VAProfile prof;
	VAEntrypoint ep;
	VAConfigAttrib attrs[8];
	int n;
	unsigned un;
	VASurfaceStatus status;
	void *p;
	VABufferType type;
	uint8_t one = 1;
	VAImageFormat nv12 = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	VASurfaceAttrib sa[16];
	VADRMPRIMESurfaceDescriptor desc;

	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &cfg_old),
	   VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, cfg_old), VA_STATUS_SUCCESS);
	ST(v->vaCreateConfig(c, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &cfg_new),
	   VA_STATUS_SUCCESS);
	CHECK(cfg_new != cfg_old, "a destroyed config's ID named the next config");
	ST(v->vaQueryConfigAttributes(c, cfg_old, &prof, &ep, attrs, &n),
	   VA_STATUS_ERROR_INVALID_CONFIG);
	un = 16;
	ST(v->vaQuerySurfaceAttributes(c, cfg_old, sa, &un), VA_STATUS_ERROR_INVALID_CONFIG);
	ST(v->vaCreateContext(c, cfg_old, cl->w, cl->h, VA_PROGRESSIVE, s, 1, &ctx_old),
	   VA_STATUS_ERROR_INVALID_CONFIG);
	ST(v->vaDestroyConfig(c, cfg_old), VA_STATUS_ERROR_INVALID_CONFIG);
	ST(v->vaDestroyConfig(c, cfg_new), VA_STATUS_SUCCESS);

	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 1, &s_old), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, &s_old, 1), VA_STATUS_SUCCESS);
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 1, &s_new), VA_STATUS_SUCCESS);
	CHECK(s_new != s_old, "a destroyed surface's ID named the next surface");
	ST(v->vaSyncSurface(c, s_old), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaQuerySurfaceStatus(c, s_old, &status), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaQuerySurfaceError(c, s_old, VA_STATUS_ERROR_DECODING_ERROR, &p),
	   VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaBeginPicture(c, ctx, s_old), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaDeriveImage(c, s_old, &i_old), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaExportSurfaceHandle(c, s_old, VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2,
				    VA_EXPORT_SURFACE_SEPARATE_LAYERS, &desc),
	   VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, &s_old, 1, &ctx_old),
	   VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaCreateImage(c, &nv12, cl->w, cl->h, &i_new), VA_STATUS_SUCCESS);
	ST(v->vaGetImage(c, s_old, 0, 0, (unsigned)cl->w, (unsigned)cl->h, i_new.image_id),
	   VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaDestroyImage(c, i_new.image_id), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, &s_old, 1), VA_STATUS_ERROR_INVALID_SURFACE);
	ST(v->vaDestroySurfaces(c, &s_new, 1), VA_STATUS_SUCCESS);

	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, NULL, 0, &ctx_old),
	   VA_STATUS_SUCCESS);
	ST(v->vaDestroyContext(c, ctx_old), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, NULL, 0, &ctx_new),
	   VA_STATUS_SUCCESS);
	CHECK(ctx_new != ctx_old, "a destroyed context's ID named the next context");
	ST(v->vaCreateBuffer(c, ctx_old, VASliceDataBufferType, 1, 1, &one, &b_old),
	   VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaBeginPicture(c, ctx_old, s[0]), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaRenderPicture(c, ctx_old, &b_old, 0), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaEndPicture(c, ctx_old), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaDestroyContext(c, ctx_old), VA_STATUS_ERROR_INVALID_CONTEXT);
	ST(v->vaDestroyContext(c, ctx_new), VA_STATUS_SUCCESS);

	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 1, 1, &one, &b_old), VA_STATUS_SUCCESS);
	ST(v->vaDestroyBuffer(c, b_old), VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, 1, 1, &one, &b_new), VA_STATUS_SUCCESS);
	CHECK(b_new != b_old, "a destroyed buffer's ID named the next buffer");
	ST(v->vaMapBuffer(c, b_old, &p), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaUnmapBuffer(c, b_old), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaBufferInfo(c, b_old, &type, &un, &un), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaBufferSetNumElements(c, b_old, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &b_old, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaDestroyBuffer(c, b_old), VA_STATUS_ERROR_INVALID_BUFFER);
	/* Buffers of a destroyed context stay destroyable (ffmpeg frees them late). */
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, NULL, 0, &ctx_old),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateBuffer(c, ctx_old, VASliceDataBufferType, 1, 1, &one, &b_old),
	   VA_STATUS_SUCCESS);
	ST(v->vaDestroyContext(c, ctx_old), VA_STATUS_SUCCESS);
	ST(v->vaBeginPicture(c, ctx, s[0]), VA_STATUS_SUCCESS);
	ST(v->vaRenderPicture(c, ctx, &b_old, 1), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
	ST(v->vaDestroyBuffer(c, b_old), VA_STATUS_SUCCESS);
	ST(v->vaDestroyBuffer(c, b_new), VA_STATUS_SUCCESS);
	/* Slice data destroyed between vaRenderPicture and vaEndPicture: its ID is gone at once,
	 * the picture still reads its bytes at vaEndPicture (freed then; ASan: no use after free,
	 * no leak). Also when the picture is abandoned (vaBeginPicture again) or its context is
	 * destroyed instead. */
	{
		struct picbufs pb;
		VABufferID ids[4];

		picbufs_fill(cl, false, s[0], VA_INVALID_SURFACE, &pb);
		for (int round = 0; round < 3; round++) {
			VAContextID cx = ctx;

			if (round == 2)
				ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, NULL, 0,
						      &cx),
				   VA_STATUS_SUCCESS);
			ST(v->vaBeginPicture(c, cx, s[0]), VA_STATUS_SUCCESS);
			ST(v->vaCreateBuffer(c, cx, VAPictureParameterBufferType, sizeof(pb.pic), 1,
					     &pb.pic, &ids[0]),
			   VA_STATUS_SUCCESS);
			ST(v->vaCreateBuffer(c, cx, VAIQMatrixBufferType, sizeof(pb.iq), 1, &pb.iq,
					     &ids[1]),
			   VA_STATUS_SUCCESS);
			ST(v->vaCreateBuffer(c, cx, VASliceParameterBufferType, sizeof(pb.slice), 1,
					     &pb.slice, &ids[2]),
			   VA_STATUS_SUCCESS);
			ST(v->vaCreateBuffer(c, cx, VASliceDataBufferType, pb.data_size, 1,
					     (void *)pb.data, &ids[3]),
			   VA_STATUS_SUCCESS);
			ST(v->vaRenderPicture(c, cx, ids, 4), VA_STATUS_SUCCESS);
			for (int i = 0; i < 4; i++)
				ST(v->vaDestroyBuffer(c, ids[i]), VA_STATUS_SUCCESS);
			ST(v->vaMapBuffer(c, ids[3], &p), VA_STATUS_ERROR_INVALID_BUFFER);
			ST(v->vaBufferInfo(c, ids[3], &type, &un, &un),
			   VA_STATUS_ERROR_INVALID_BUFFER);
			ST(v->vaDestroyBuffer(c, ids[3]), VA_STATUS_ERROR_INVALID_BUFFER);
			ST(v->vaRenderPicture(c, cx, &ids[3], 1), VA_STATUS_ERROR_INVALID_BUFFER);
			if (round == 0) {
				ST(v->vaEndPicture(c, cx), VA_STATUS_SUCCESS);
				ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);
				frame_equals(cl, s[0], 0,
					     "slice data destroyed before vaEndPicture");
			} else if (round == 1) {
				ST(v->vaBeginPicture(c, cx, s[0]), VA_STATUS_SUCCESS);
				ST(v->vaEndPicture(c, cx), VA_STATUS_ERROR_INVALID_PARAMETER);
			} else {
				ST(v->vaDestroyContext(c, cx), VA_STATUS_SUCCESS);
			}
		}
	}

	ST(v->vaCreateImage(c, &nv12, cl->w, cl->h, &i_old), VA_STATUS_SUCCESS);
	ST(v->vaDestroyImage(c, i_old.image_id), VA_STATUS_SUCCESS);
	ST(v->vaCreateImage(c, &nv12, cl->w, cl->h, &i_new), VA_STATUS_SUCCESS);
	CHECK(i_new.image_id != i_old.image_id, "a destroyed image's ID named the next image");
	ST(v->vaGetImage(c, s[0], 0, 0, (unsigned)cl->w, (unsigned)cl->h, i_old.image_id),
	   VA_STATUS_ERROR_INVALID_IMAGE);
	ST(v->vaMapBuffer(c, i_old.buf, &p), VA_STATUS_ERROR_INVALID_BUFFER);
	ST(v->vaDestroyImage(c, i_old.image_id), VA_STATUS_ERROR_INVALID_IMAGE);
	ST(v->vaDestroyImage(c, i_new.image_id), VA_STATUS_SUCCESS);

	decode_pair(cl, ctx, s[0], s[1], "after destroyed handles");
}

/* MPEG-2 and VP8 contexts: buffers of another codec's sizes and types are refused, an empty
 * picture fails, and the context still serves the H.264 context next to it afterwards. */
static void hostile_other_codecs(const struct clip *cl, VASurfaceID *s)
{
	static const VAProfile profiles[] = {VAProfileMPEG2Main, VAProfileVP8Version0_3};

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		VAConfigID cfg;
		VAContextID ctx;
		VABufferID id;
		struct picbufs b;

		ST(v->vaCreateConfig(c, profiles[i], VAEntrypointVLD, NULL, 0, &cfg),
		   VA_STATUS_SUCCESS);
		ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, NULL, 0, &ctx),
		   VA_STATUS_SUCCESS);
		picbufs_fill(cl, false, s[2], VA_INVALID_SURFACE, &b);
		ST(v->vaBeginPicture(c, ctx, s[2]), VA_STATUS_SUCCESS);
		/* H.264 picture parameters, IQ matrix and slice parameters: wrong sizes. */
		ST(v->vaCreateBuffer(c, ctx, VAPictureParameterBufferType, sizeof(b.pic), 1, &b.pic,
				     &id),
		   VA_STATUS_SUCCESS);
		ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
		ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
		ST(v->vaCreateBuffer(c, ctx, VAIQMatrixBufferType, sizeof(b.iq), 1, &b.iq, &id),
		   VA_STATUS_SUCCESS);
		ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
		ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
		ST(v->vaCreateBuffer(c, ctx, VASliceParameterBufferType, sizeof(b.slice), 1,
				     &b.slice, &id),
		   VA_STATUS_SUCCESS);
		ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
		ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
		ST(v->vaCreateBuffer(c, ctx, VAHuffmanTableBufferType, 16, 1, NULL, &id),
		   VA_STATUS_SUCCESS);
		ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
		ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
		/* Slice data without parameters. */
		ST(v->vaCreateBuffer(c, ctx, VASliceDataBufferType, b.data_size, 1, (void *)b.data,
				     &id),
		   VA_STATUS_SUCCESS);
		ST(v->vaRenderPicture(c, ctx, &id, 1), VA_STATUS_ERROR_INVALID_BUFFER);
		ST(v->vaDestroyBuffer(c, id), VA_STATUS_SUCCESS);
		ST(v->vaEndPicture(c, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
		ST(v->vaSyncSurface(c, s[2]), VA_STATUS_ERROR_DECODING_ERROR);
		ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
		ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
	}
}

static void test_hostile(const struct clip *cl)
{
	VAConfigID cfg;
	VAContextID ctx;
	VASurfaceID s[4];

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	/* Nothing alive at the start; fds counted after a first census (the device opened). */
	struct census k0 = take_census(cfg); /* also opens the device once */
	int fds0 = count_fds();
	check_census(k0, fds0);

	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 4, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 4, &ctx), VA_STATUS_SUCCESS);
	decode_pair(cl, ctx, s[0], s[1], "first decode");
	int rounds = getenv("ROBUST_ROUNDS") ? atoi(getenv("ROBUST_ROUNDS")) : 3;
	for (int r = 0; r < rounds; r++) {
		int f = failures;

		hostile_buffers(cl, ctx, s);
		hostile_refs(cl, cfg, ctx, s);
		hostile_order(cl, cfg, &ctx, s, 4);
		hostile_destroyed(cl, cfg, ctx, s);
		hostile_other_codecs(cl, s);
		decode_pair(cl, ctx, s[2], s[3], "after the other codecs' contexts");
		if (failures != f)
			break; /* one round's report is enough */
	}
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 4), VA_STATUS_SUCCESS);
	check_census(take_census(cfg), fds0);
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
}

/* --- hostile threads: calls racing on shared objects ------------------------------------- */

struct racer {
	const struct clip *cl;
	VAConfigID cfg;
	VAContextID shared;    /* one context all threads use (a client bug, not a crash) */
	VASurfaceID *surfaces; /* shared surfaces */
	int n_surfaces;
	unsigned seed;
	int64_t until;
	int ops, bad_status;
};

static bool va_status_known(VAStatus st)
{
	return (st >= 0 && st <= (VAStatus)VA_STATUS_ERROR_HW_BUSY) ||
	       st == (VAStatus)VA_STATUS_ERROR_TIMEDOUT || st == (VAStatus)VA_STATUS_ERROR_UNKNOWN;
}

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	VAContextID own = VA_INVALID_ID;
	VASurfaceID mine[2] = {VA_INVALID_SURFACE, VA_INVALID_SURFACE};
	VAImageFormat nv12 = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	VAImage img;
	VASurfaceStatus status;
	bool have_img = v->vaCreateImage(c, &nv12, r->cl->w, r->cl->h, &img) == VA_STATUS_SUCCESS;

	while (now_ms() < r->until) {
		unsigned op = rand_r(&r->seed) % 9;
		VASurfaceID a = r->surfaces[rand_r(&r->seed) % (unsigned)r->n_surfaces];
		VASurfaceID b = r->surfaces[rand_r(&r->seed) % (unsigned)r->n_surfaces];
		VAStatus st = VA_STATUS_SUCCESS;

		switch (op) {
		case 0: /* a picture on the shared context */
			st = queue_pic(r->cl, r->shared, false, a, VA_INVALID_SURFACE);
			break;
		case 1:
			st = queue_pic(r->cl, r->shared, true, a, b);
			break;
		case 2:
			st = v->vaSyncSurface(c, a);
			break;
		case 3:
			st = v->vaQuerySurfaceStatus(c, a, &status);
			break;
		case 4:
			if (have_img)
				st = v->vaGetImage(c, a, 0, 0, (unsigned)r->cl->w,
						   (unsigned)r->cl->h, img.image_id);
			break;
		case 5: /* own surfaces come and go, sometimes with their pictures in flight */
			if (mine[0] != VA_INVALID_SURFACE)
				st = v->vaDestroySurfaces(c, mine, 2);
			mine[0] = mine[1] = VA_INVALID_SURFACE;
			if (st == VA_STATUS_SUCCESS)
				st = v->vaCreateSurfaces(c, r->cl->w, r->cl->h, VA_RT_FORMAT_YUV420,
							 2, mine);
			break;
		case 6: /* own context comes and goes, sometimes with pictures in flight */
			if (own != VA_INVALID_ID) {
				st = v->vaDestroyContext(c, own);
				own = VA_INVALID_ID;
			} else {
				st = v->vaCreateContext(c, r->cfg, r->cl->w, r->cl->h,
							VA_PROGRESSIVE, NULL, 0, &own);
			}
			break;
		case 7:
			if (own != VA_INVALID_ID && mine[0] != VA_INVALID_SURFACE) {
				st = queue_pic(r->cl, own, false, mine[0], VA_INVALID_SURFACE);
				if (st == VA_STATUS_SUCCESS)
					st = queue_pic(r->cl, own, true, mine[1], mine[0]);
			}
			break;
		case 8: /* Begin on the shared context and leave it open for the others */
			st = v->vaBeginPicture(c, r->shared, a);
			break;
		}
		r->ops++;
		if (!va_status_known(st))
			r->bad_status++;
	}
	if (own != VA_INVALID_ID)
		v->vaDestroyContext(c, own);
	if (mine[0] != VA_INVALID_SURFACE)
		v->vaDestroySurfaces(c, mine, 2);
	if (have_img)
		v->vaDestroyImage(c, img.image_id);
	return NULL;
}

/* Four threads race on one context and its surfaces (and on their own contexts and surfaces,
 * destroyed with pictures in flight) for a second: any VA status is fine, nothing crashes or
 * deadlocks, nothing leaks, and the context decodes right afterwards. */
static void test_hostile_threads(const struct clip *cl)
{
	VAConfigID cfg;
	VAContextID ctx;
	VASurfaceID s[6];
	struct racer r[4];
	pthread_t th[4];
	int ops = 0, bad = 0;

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	struct census k0 = take_census(cfg); /* also opens the device once */
	int fds0 = count_fds();
	check_census(k0, fds0);
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 6, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 6, &ctx), VA_STATUS_SUCCESS);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){.cl = cl,
				      .cfg = cfg,
				      .shared = ctx,
				      .surfaces = s,
				      .n_surfaces = 6,
				      .seed = 1234u + (unsigned)i,
				      .until = now_ms() + 1000};
		pthread_create(&th[i], NULL, racer_thread, &r[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ops += r[i].ops;
		bad += r[i].bad_status;
	}
	CHECK(bad == 0, "%d of %d racing calls returned no VA status", bad, ops);
	CHECK(ops > 100, "only %d racing calls in a second (deadlock?)", ops);
	decode_pair(cl, ctx, s[0], s[1], "after racing threads");
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 6), VA_STATUS_SUCCESS);
	check_census(take_census(cfg), fds0);
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
	printf("hostile-threads: %d racing calls\n", ops);
}

/* --- device faults ------------------------------------------------------------------------ */

static void check_mb_errors(VASurfaceID s, bool failed, const char *what)
{
	VASurfaceDecodeMBErrors *e = NULL;

	ST(v->vaQuerySurfaceError(c, s, VA_STATUS_ERROR_DECODING_ERROR, (void **)&e),
	   VA_STATUS_SUCCESS);
	if (!e) {
		CHECK(false, "%s: no error array", what);
		return;
	}
	if (failed)
		CHECK(e[0].status == 1 && e[0].start_mb == 0 &&
			  e[0].decode_error_type == VADecodeMBError &&
			  e[0].num_mb == e[0].end_mb + 1 && e[1].status == -1,
		      "%s: error array {%d %u..%u %u} then %d", what, e[0].status, e[0].start_mb,
		      e[0].end_mb, e[0].num_mb, e[1].status);
	else
		CHECK(e[0].status == -1, "%s: error array of a good picture starts %d", what,
		      e[0].status);
	ST(v->vaQuerySurfaceError(c, s, VA_STATUS_ERROR_INVALID_PARAMETER, (void **)&e),
	   VA_STATUS_ERROR_UNIMPLEMENTED);
}

struct other_ctx {
	const struct clip *cl;
	VAConfigID cfg;
	int64_t ms; /* how long its decode took */
	int ok;
};

/* Another context decodes its pair on another thread (another device instance). */
static void *other_thread(void *arg)
{
	struct other_ctx *o = arg;
	VASurfaceID s[2];
	VAContextID ctx;
	int64_t t0 = now_ms();
	int f = __atomic_load_n(&failures, __ATOMIC_RELAXED);

	ST(v->vaCreateSurfaces(c, o->cl->w, o->cl->h, VA_RT_FORMAT_YUV420, 2, s),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, o->cfg, o->cl->w, o->cl->h, VA_PROGRESSIVE, s, 2, &ctx),
	   VA_STATUS_SUCCESS);
	decode_pair(o->cl, ctx, s[0], s[1], "second context during a stall");
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 2), VA_STATUS_SUCCESS);
	o->ms = now_ms() - t0;
	o->ok = __atomic_load_n(&failures, __ATOMIC_RELAXED) == f;
	return NULL;
}

static void test_fault(const struct clip *cl, const char *kind)
{
	VAConfigID cfg;
	VAContextID ctx;
	VASurfaceID s[12];
	VASurfaceStatus status;
	int fds0;

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	fds0 = count_fds();
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 12, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 12, &ctx),
	   VA_STATUS_SUCCESS);
	/* Picture 1 (IDR) decodes; the fault hits picture 2 (P). */
	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[0], 0, "before the fault");
	check_mb_errors(s[0], false, "good picture");

	if (!strcmp(kind, "qbuf") || !strcmp(kind, "queue")) {
		/* vaEndPicture reports the failed queueing; the surface holds no picture. */
		ST(queue_pic(cl, ctx, true, s[1], s[0]), VA_STATUS_ERROR_OPERATION_FAILED);
		ST(v->vaSyncSurface(c, s[1]), VA_STATUS_ERROR_DECODING_ERROR);
		ST(v->vaQuerySurfaceStatus(c, s[1], &status), VA_STATUS_SUCCESS);
		CHECK(status == VASurfaceReady, "status %d", status);
		check_mb_errors(s[1], true, kind);
	} else if (!strcmp(kind, "error")) {
		ST(queue_pic(cl, ctx, true, s[1], s[0]), VA_STATUS_SUCCESS);
		ST(v->vaSyncSurface(c, s[1]), VA_STATUS_ERROR_DECODING_ERROR);
		ST(v->vaSyncSurface(c, s[1]), VA_STATUS_ERROR_DECODING_ERROR); /* stays */
		ST(v->vaQuerySurfaceStatus(c, s[1], &status), VA_STATUS_SUCCESS);
		CHECK(status == VASurfaceReady, "status %d", status);
		check_mb_errors(s[1], true, kind);
		VAImageFormat nv12 = {
		    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
		VAImage img;
		ST(v->vaCreateImage(c, &nv12, cl->w, cl->h, &img), VA_STATUS_SUCCESS);
		ST(v->vaGetImage(c, s[1], 0, 0, (unsigned)cl->w, (unsigned)cl->h, img.image_id),
		   VA_STATUS_ERROR_OPERATION_FAILED); /* nothing decoded to read */
		ST(v->vaDestroyImage(c, img.image_id), VA_STATUS_SUCCESS);
	} else if (!strcmp(kind, "stall")) {
		const char *t = getenv("LIBVA_V4L2_REQUEST_TIMEOUT_MS");
		int bound = t ? atoi(t) : 5000;
		struct other_ctx o = {.cl = cl, .cfg = cfg};
		pthread_t th;
		int64_t t0;

		ST(queue_pic(cl, ctx, true, s[1], s[0]), VA_STATUS_SUCCESS);
		/* A short vaSyncSurface2 only polls: TIMEDOUT, the picture stays in flight. */
		t0 = now_ms();
		ST(v->vaSyncSurface2(c, s[1], 20 * 1000000ull), VA_STATUS_ERROR_TIMEDOUT);
		CHECK(now_ms() - t0 < bound, "vaSyncSurface2(20 ms) took %lld ms",
		      (long long)(now_ms() - t0));
		ST(v->vaQuerySurfaceStatus(c, s[1], &status), VA_STATUS_SUCCESS);
		CHECK(status == VASurfaceRendering, "status %d of a stalled picture", status);
		/* More pictures than OUTPUT slots behind the stalled one: vaEndPicture waits for
		 * a slot without blocking the other context, then finds the decoder hung. */
		for (int i = 2; i < 9; i++) /* 8 OUTPUT slots: s[1] .. s[8] in flight */
			ST(queue_pic(cl, ctx, false, s[i], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		pthread_create(&th, NULL, other_thread, &o);
		t0 = now_ms();
		ST(queue_pic(cl, ctx, false, s[9], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		int64_t waited = now_ms() - t0;
		pthread_join(th, NULL);
		ST(queue_pic(cl, ctx, false, s[10], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		CHECK(waited >= bound - 50 && waited < bound + 2000,
		      "vaEndPicture with every slot stalled took %lld ms (bound %d ms)",
		      (long long)waited, bound);
		CHECK(o.ok && o.ms < bound, "another context took %lld ms during the stall",
		      (long long)o.ms);
		/* The hung pictures failed; those queued after the reset decode. */
		for (int i = 1; i < 9; i++)
			ST(v->vaSyncSurface(c, s[i]), VA_STATUS_ERROR_DECODING_ERROR);
		ST(v->vaSyncSurface(c, s[9]), VA_STATUS_SUCCESS);
		ST(v->vaSyncSurface(c, s[10]), VA_STATUS_SUCCESS);
		frame_equals(cl, s[9], 0, "first picture after the reset");
		frame_equals(cl, s[10], 0, "second picture after the reset");
	} else if (!strcmp(kind, "stall-destroy")) {
		/* vaDestroyContext waits for the hung picture without blocking others. */
		const char *t = getenv("LIBVA_V4L2_REQUEST_TIMEOUT_MS");
		int bound = t ? atoi(t) : 5000;
		struct other_ctx o = {.cl = cl, .cfg = cfg};
		pthread_t th;

		ST(queue_pic(cl, ctx, true, s[1], s[0]), VA_STATUS_SUCCESS);
		/* The device took it (the fault counts requests as they start) before the other
		 * context queues anything. */
		ST(v->vaSyncSurface2(c, s[1], 50 * 1000000ull), VA_STATUS_ERROR_TIMEDOUT);
		pthread_create(&th, NULL, other_thread, &o);
		int64_t t0 = now_ms();
		ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
		int64_t waited = now_ms() - t0;
		pthread_join(th, NULL);
		CHECK(waited >= bound - 50 && waited < bound + 2000,
		      "vaDestroyContext of a hung context took %lld ms (bound %d ms)",
		      (long long)waited, bound);
		CHECK(o.ok && o.ms < bound, "another context took %lld ms during the destruction",
		      (long long)o.ms);
		ST(v->vaSyncSurface(c, s[1]), VA_STATUS_ERROR_DECODING_ERROR);
		frame_equals(cl, s[0], 0, "picture decoded before the hung one");
		ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 12, &ctx),
		   VA_STATUS_SUCCESS);
	} else if (!strcmp(kind, "gone")) {
		int64_t t0 = now_ms();

		ST(queue_pic(cl, ctx, true, s[1], s[0]), VA_STATUS_SUCCESS);
		ST(v->vaSyncSurface(c, s[1]), VA_STATUS_ERROR_DECODING_ERROR);
		CHECK(now_ms() - t0 < 1000, "a vanished device took %lld ms to report",
		      (long long)(now_ms() - t0));
		check_mb_errors(s[1], true, kind);
		ST(queue_pic(cl, ctx, false, s[2], VA_INVALID_SURFACE),
		   VA_STATUS_ERROR_OPERATION_FAILED);
		ST(v->vaSyncSurface(c, s[2]), VA_STATUS_ERROR_DECODING_ERROR);
		/* The picture decoded before stays readable. */
		frame_equals(cl, s[0], 0, "picture decoded before the device vanished");
		/* The client recreates its context: the re-bound device decodes (a new context
		 * first: the dead one holds no instance of the new device, even a single-instance
		 * one). */
		VAContextID dead = ctx;
		ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 12, &ctx),
		   VA_STATUS_SUCCESS);
		ST(v->vaDestroyContext(c, dead), VA_STATUS_SUCCESS);
	}
	/* Decoding is right again from the next IDR, in the same context. */
	decode_pair(cl, ctx, s[4], s[5], "after the fault");
	decode_pair(cl, ctx, s[6], s[7], "after the fault, again");
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 12), VA_STATUS_SUCCESS);
	CHECK(count_fds() == fds0, "fds %d -> %d", fds0, count_fds());
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
}

/* A stalled picture seen by vaSyncSurface: TIMEDOUT after the configured bound, the surface's
 * error after, and the next IDR decodes. */
static void test_stall_sync(const struct clip *cl)
{
	VAConfigID cfg;
	VAContextID ctx;
	VASurfaceID s[4];
	const char *t = getenv("LIBVA_V4L2_REQUEST_TIMEOUT_MS");
	int bound = t ? atoi(t) : 5000;

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 4, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 4, &ctx), VA_STATUS_SUCCESS);
	/* The first request stalls (stall=1). */
	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	int64_t t0 = now_ms();
	VAStatus st = v->vaSyncSurface(c, s[0]);
	int64_t took = now_ms() - t0;
	if (st == VA_STATUS_ERROR_TIMEDOUT) {
		CHECK(took >= bound - 50 && took < bound + 2000, "vaSyncSurface took %lld ms",
		      (long long)took);
		ST(v->vaSyncSurface(c, s[0]), VA_STATUS_ERROR_DECODING_ERROR);
	} else {
		CHECK(false, "vaSyncSurface of a stalled picture: %s after %lld ms", vaErrorStr(st),
		      (long long)took);
	}
	decode_pair(cl, ctx, s[1], s[2], "after a stall seen by vaSyncSurface");
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 4), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
}

/* A client that only polls (vaQuerySurfaceStatus, vaSyncSurface2 with timeout 0) sees a stalled
 * picture as Rendering until the bound, then Ready with its error: it never spins forever. */
static void test_stall_poll(const struct clip *cl)
{
	VAConfigID cfg;
	VAContextID ctx;
	VASurfaceID s[4];
	VASurfaceStatus status = VASurfaceRendering;
	const char *t = getenv("LIBVA_V4L2_REQUEST_TIMEOUT_MS");
	int bound = t ? atoi(t) : 5000, polls = 0;

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 4, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 4, &ctx), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS); /* stalls */
	int64_t t0 = now_ms();
	while (status == VASurfaceRendering && now_ms() - t0 < 3 * bound) {
		struct timespec ts = {0, 10 * 1000000};

		ST(v->vaQuerySurfaceStatus(c, s[0], &status), VA_STATUS_SUCCESS);
		if (status == VASurfaceRendering)
			ST(v->vaSyncSurface2(c, s[0], 0), VA_STATUS_ERROR_TIMEDOUT);
		polls++;
		nanosleep(&ts, NULL);
	}
	int64_t took = now_ms() - t0;
	CHECK(status == VASurfaceReady && took >= bound - 50 && took < bound + 1000,
	      "status %d after %lld ms of polling (bound %d ms, %d polls)", status, (long long)took,
	      bound, polls);
	ST(v->vaSyncSurface2(c, s[0], 0), VA_STATUS_ERROR_DECODING_ERROR);
	ST(v->vaSyncSurface(c, s[0]), VA_STATUS_ERROR_DECODING_ERROR);
	check_mb_errors(s[0], true, "stalled picture seen by polling");
	decode_pair(cl, ctx, s[1], s[2], "after a stall seen by polling");
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 4), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
}

static void test_busy(const struct clip *cl)
{
	VAConfigID cfg;
	VAContextID a, b;
	VASurfaceID s[4];

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	ST(v->vaCreateSurfaces(c, cl->w, cl->h, VA_RT_FORMAT_YUV420, 4, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s, 2, &a), VA_STATUS_SUCCESS);
	ST(queue_pic(cl, a, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
	/* EBUSY at open of the single-instance device, with a picture in flight on the first. */
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s + 2, 2, &b),
	   VA_STATUS_ERROR_HW_BUSY);
	/* A second driver instance (another VADisplay) finds the only decoder busy: HW_BUSY, not
	 * "no decoder" (OPERATION_FAILED), so that a browser can retry instead of turning hardware
	 * decoding off. */
	{
		static struct VADriverContext c2;
		static struct VADriverVTable v2;
		static struct VADriverVTableVPP vpp2;
		char sym[32];

		snprintf(sym, sizeof(sym), "__vaDriverInit_%d_%d", VA_MAJOR_VERSION,
			 VA_MINOR_VERSION);
		VAStatus (*init)(VADriverContextP) =
		    (VAStatus(*)(VADriverContextP))dlsym(D.handle, sym);
		c2.vtable = &v2;
		c2.vtable_vpp = &vpp2;
		c2.version_major = VA_MAJOR_VERSION;
		c2.version_minor = VA_MINOR_VERSION;
		c2.display_type = VA_DISPLAY_DRM;
		c2.error_callback = on_error;
		c2.info_callback = on_info;
		CHECK(init != NULL, "no %s", sym);
		if (init)
			ST(init(&c2), VA_STATUS_ERROR_HW_BUSY);
		CHECK(c2.pDriverData == NULL, "driver data left behind");
	}
	ST(queue_pic(cl, a, true, s[1], s[0]), VA_STATUS_SUCCESS);
	ST(v->vaSyncSurface(c, s[1]), VA_STATUS_SUCCESS);
	frame_equals(cl, s[0], 0, "first context, busy second");
	frame_equals(cl, s[1], 1, "first context, busy second");
	ST(v->vaDestroyContext(c, a), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, cl->w, cl->h, VA_PROGRESSIVE, s + 2, 2, &b),
	   VA_STATUS_SUCCESS);
	decode_pair(cl, b, s[2], s[3], "second context once the first is gone");
	ST(v->vaDestroyContext(c, b), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 4), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
}

/* --- resolution change -------------------------------------------------------------------- */

static void test_reschange(const struct clip *a, const struct clip *b)
{
	VAConfigID cfg;
	VAContextID ctx;
	VASurfaceID sa[4], sb[4];

	ST(v->vaCreateConfig(c, VAProfileH264ConstrainedBaseline, VAEntrypointVLD, NULL, 0, &cfg),
	   VA_STATUS_SUCCESS);
	/* As ffmpeg does: the context is destroyed while its last pictures are in flight and the
	 * client still holds them; a new context of the new size comes. */
	for (int round = 0; round < 3; round++) {
		const struct clip *x = round % 2 ? b : a, *y = round % 2 ? a : b;
		VASurfaceID *sx = round % 2 ? sb : sa, *sy = round % 2 ? sa : sb;

		if (round == 0)
			ST(v->vaCreateSurfaces(c, x->w, x->h, VA_RT_FORMAT_YUV420, 4, sx),
			   VA_STATUS_SUCCESS);
		ST(v->vaCreateContext(c, cfg, x->w, x->h, VA_PROGRESSIVE, sx, 4, &ctx),
		   VA_STATUS_SUCCESS);
		ST(queue_pic(x, ctx, false, sx[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		ST(queue_pic(x, ctx, true, sx[1], sx[0]), VA_STATUS_SUCCESS);
		ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
		ST(v->vaCreateSurfaces(c, y->w, y->h, VA_RT_FORMAT_YUV420, 4, sy),
		   VA_STATUS_SUCCESS);
		ST(v->vaCreateContext(c, cfg, y->w, y->h, VA_PROGRESSIVE, sy, 4, &ctx),
		   VA_STATUS_SUCCESS);
		ST(queue_pic(y, ctx, false, sy[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		/* The old size's pictures, read while the new context decodes. */
		ST(v->vaSyncSurface(c, sx[1]), VA_STATUS_SUCCESS);
		frame_equals(x, sx[0], 0, "old context's IDR after its destruction");
		frame_equals(x, sx[1], 1, "old context's P after its destruction");
		ST(queue_pic(y, ctx, true, sy[1], sy[0]), VA_STATUS_SUCCESS);
		ST(v->vaSyncSurface(c, sy[1]), VA_STATUS_SUCCESS);
		frame_equals(y, sy[0], 0, "new context's IDR");
		frame_equals(y, sy[1], 1, "new context's P");
		ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
		ST(v->vaDestroySurfaces(c, sx, 4), VA_STATUS_SUCCESS);
	}
	ST(v->vaDestroySurfaces(c, sb, 4), VA_STATUS_SUCCESS);

	/* One context whose stream changes size at an IDR, pictures of the old size still in
	 * flight (surfaces of the larger size, as GStreamer keeps them). */
	VASurfaceID s[6];
	ST(v->vaCreateSurfaces(c, b->w, b->h, VA_RT_FORMAT_YUV420, 6, s), VA_STATUS_SUCCESS);
	ST(v->vaCreateContext(c, cfg, b->w, b->h, VA_PROGRESSIVE, s, 6, &ctx), VA_STATUS_SUCCESS);
	for (int round = 0; round < 2; round++) {
		ST(queue_pic(a, ctx, false, s[0], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		ST(queue_pic(a, ctx, true, s[1], s[0]), VA_STATUS_SUCCESS);
		ST(queue_pic(b, ctx, false, s[2], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		ST(queue_pic(b, ctx, true, s[3], s[2]), VA_STATUS_SUCCESS);
		ST(queue_pic(a, ctx, false, s[4], VA_INVALID_SURFACE), VA_STATUS_SUCCESS);
		ST(queue_pic(a, ctx, true, s[5], s[4]), VA_STATUS_SUCCESS);
		for (int i = 0; i < 6; i++)
			ST(v->vaSyncSurface(c, s[i]), VA_STATUS_SUCCESS);
		for (int i = 0; i < 6; i++)
			frame_equals(i / 2 == 1 ? b : a, s[i], i % 2, "size change in one context");
	}
	ST(v->vaDestroyContext(c, ctx), VA_STATUS_SUCCESS);
	ST(v->vaDestroySurfaces(c, s, 6), VA_STATUS_SUCCESS);
	ST(v->vaDestroyConfig(c, cfg), VA_STATUS_SUCCESS);
}

/* Every buffer the device allocated was freed by the driver before it closed the device. */
static void check_buffer_stats(void)
{
	const char *path = getenv("V4L2_EMU_STATS");
	char line[512];
	FILE *f = path ? fopen(path, "r") : NULL;
	int n = 0;

	CHECK(f != NULL, "no emulator stats file (V4L2_EMU_STATS)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *pa = strstr(line, "\"buffers_allocated\":");
		const char *pf = strstr(line, "\"buffers_freed\":");
		const char *pe = strstr(line, "\"errors\":");
		long alloc = pa ? atol(pa + 20) : -1, freed = pf ? atol(pf + 16) : -2;

		n += alloc > 0; /* discovery opens the device without allocating */
		CHECK(alloc == freed, "instance %d: %ld buffers allocated, %ld freed", n, alloc,
		      freed);
		CHECK(pe && atol(pe + 9) == 0, "instance %d: device errors: %s", n, line);
	}
	fclose(f);
	CHECK(n == 7, "%d decoding device instances in the stats, want 7", n);
}

int main(int argc, char **argv)
{
	struct clip a, b;

	if (argc != 5 && argc != 7) {
		fprintf(stderr,
			"usage: %s DRIVER.so MODE CLIP.264 CLIP.yuv [CLIP2.264 CLIP2.yuv]\n",
			argv[0]);
		return 2;
	}
	const char *emu = getenv("V4L2R_EMU_PRELOAD");
	if (!emu || access(emu, R_OK) != 0) {
		fprintf(stderr, "emulator library missing: %s\n",
			emu ? emu : "(V4L2R_EMU_PRELOAD unset)");
		return 1;
	}
	clip_load(&a, argv[3], argv[4]);
	if (getenv("V4L2_EMU_STATS"))
		unlink(getenv("V4L2_EMU_STATS")); /* appended to by every run */
	if (argc == 7)
		clip_load(&b, argv[5], argv[6]);
	drv_open(argv[1]);
	const char *mode = argv[2];
	int expect_errors = 0; /* 1: some expected, -1: either */
	if (!strcmp(mode, "hostile")) {
		test_hostile(&a);
	} else if (!strcmp(mode, "hostile-threads")) {
		test_hostile_threads(&a);
		expect_errors = -1; /* racing calls may fail queueing, reported or not */
	} else if (!strcmp(mode, "fault-stall-sync")) {
		test_stall_sync(&a);
		expect_errors = 1;
	} else if (!strcmp(mode, "fault-stall-poll")) {
		test_stall_poll(&a);
		expect_errors = 1;
	} else if (!strncmp(mode, "fault-", 6)) {
		test_fault(&a, mode + 6);
		/* A frame the device flags is a status, not a log line; failures to queue and a
		 * hung or vanished device are reported. */
		expect_errors = strcmp(mode, "fault-error") != 0;
	} else if (!strcmp(mode, "busy")) {
		test_busy(&a);
	} else if (!strcmp(mode, "reschange") && argc == 7) {
		test_reschange(&a, &b);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	ST(v->vaTerminate(c), VA_STATUS_SUCCESS);
	dlclose(D.handle);
	if (!strcmp(mode, "reschange"))
		check_buffer_stats(); /* written at each device close */
	if (expect_errors == 0)
		CHECK(errors_reported == 0, "%d errors reported through libva's callback",
		      errors_reported);
	else if (expect_errors > 0)
		CHECK(errors_reported > 0, "the device fault was not reported");
	free(a.bits);
	free(a.yuv);
	if (argc == 7) {
		free(b.bits);
		free(b.yuv);
	}
	printf("%s: %d checks, %d failed\n", mode, checks, failures);
	return failures ? 1 : 0;
}
