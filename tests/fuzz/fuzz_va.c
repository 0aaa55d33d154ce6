/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the VA buffer path through the whole driver (its sources are built into this
 * program) on the emulated device (libv4l2emu, linked: its open/ioctl/mmap/poll come before
 * libc's). The driver is initialised once as libva does (__vaDriverInit_1_x with a driver
 * context filled here); one config + context + 8 surfaces (48x48) per codec (H.264 High,
 * MPEG-2 Main, VP8). Per input (va_input.h): for each picture vaBeginPicture, vaCreateBuffer +
 * vaRenderPicture + vaDestroyBuffer per buffer, vaEndPicture; then vaSyncSurface on every
 * surface. Asserted: every status is a VA status; no buffer or image object is left and the
 * configs, contexts and surfaces are the ones created. Every 32 inputs (and first) the known
 * pictures (H.264 IDR + P, MPEG-2 I) must decode to their exact pixels, read back with
 * vaGetImage: the state fuzz inputs leave never breaks the next valid picture
 * ($V4L2R_FUZZ_CHECK_EVERY=N: every N inputs instead). A failure prints what it found out (read
 * again later, decoded again, on a new context) and writes the inputs since the last check as
 * ./fuzz-va-history-* (replay them in order with V4L2R_FUZZ_CHECK_EVERY=1).
 *
 * The devices are V4L2_EMU_DEVICES (default hantro-g1: the program sets it and re-executes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_backend_vpp.h>

#include "driver.h"
#include "replay.h"
#include "va_input.h"

VAStatus __vaDriverInit_1_0(VADriverContextP ctx);

static struct VADriverContext va;
static struct VADriverVTable vt;
static struct VADriverVTableVPP vt_vpp;
static VAConfigID configs[FZ_NCODECS];
static VAContextID contexts[FZ_NCODECS];
static VASurfaceID surfaces[FZ_NCODECS][FZ_SURFACES];
static unsigned long inputs;
static VAStatus end_status[32]; /* vaEndPicture of the pictures of the last input */
static unsigned n_end;
static unsigned long check_every = 32; /* $V4L2R_FUZZ_CHECK_EVERY */

static const VAProfile profiles[FZ_NCODECS] = {VAProfileH264High, VAProfileMPEG2Main,
					       VAProfileVP8Version0_3};

/* The inputs since the last check of the known pictures, written out when it fails: the
 * state that broke decoding may come from any of them (replay them in order with
 * V4L2R_FUZZ_CHECK_EVERY=1). */
#define HISTORY 64
static struct {
	uint8_t *data;
	size_t size;
} history[HISTORY];
static unsigned n_history;

static void history_add(const uint8_t *data, size_t size)
{
	if (n_history == HISTORY)
		return;
	history[n_history].data = malloc(size ? size : 1);
	if (!history[n_history].data)
		abort();
	memcpy(history[n_history].data, data, size);
	history[n_history++].size = size;
}

static void history_clear(void)
{
	for (unsigned i = 0; i < n_history; i++)
		free(history[i].data);
	n_history = 0;
}

static void history_write(void)
{
	for (unsigned i = 0; i < n_history; i++) {
		char name[64];
		FILE *f;

		snprintf(name, sizeof(name), "fuzz-va-history-%03u", i);
		f = fopen(name, "wb");
		if (f) {
			fwrite(history[i].data, 1, history[i].size, f);
			fclose(f);
		}
	}
	if (n_history)
		fprintf(stderr,
			"fuzz_va: the %u inputs since the last check: ./fuzz-va-history-*\n",
			n_history);
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "fuzz_va: " __VA_ARGS__);                                          \
		fputc('\n', stderr);                                                               \
		history_write();                                                                   \
		abort();                                                                           \
	} while (0)

static void status(VAStatus st, const char *what)
{
	if ((uint32_t)st > VA_STATUS_ERROR_TIMEDOUT && (uint32_t)st != VA_STATUS_ERROR_UNKNOWN)
		FAIL("%s returned %#x, not a VA status", what, (unsigned)st);
}

static void ok(VAStatus st, const char *what)
{
	if (st != VA_STATUS_SUCCESS)
		FAIL("%s returned %#x (%s)", what, (unsigned)st, vaErrorStr(st));
}

static unsigned live(const struct v4l2r_table *t)
{
	uint32_t pos = 0;
	unsigned n = 0;

	while (v4l2r_table_next(t, &pos))
		n++;
	return n;
}

static void check_objects(void)
{
	struct v4l2r_driver *drv = va.pDriverData;
	unsigned b, i, c, x, s;

	pthread_mutex_lock(&drv->lock);
	b = live(&drv->buffers);
	i = live(&drv->images);
	c = live(&drv->configs);
	x = live(&drv->contexts);
	s = live(&drv->surfaces);
	pthread_mutex_unlock(&drv->lock);
	if (b || i || c != FZ_NCODECS || x != FZ_NCODECS || s != FZ_NCODECS * FZ_SURFACES)
		FAIL("objects after input %lu: %u buffers, %u images, %u configs, %u contexts, "
		     "%u surfaces",
		     inputs, b, i, c, x, s);
}

struct run {
	enum fz_codec codec;
};

static VASurfaceID map(void *opaque, uint32_t v)
{
	const struct run *r = opaque;

	if (v < FZ_SURFACES)
		return surfaces[r->codec][v];
	/* 8..15: a surface of this driver that belongs to another codec's context */
	return surfaces[(r->codec + 1) % FZ_NCODECS][v - FZ_SURFACES];
}

/* Runs the pictures of an input on the codec's context; `strict`: every call must succeed. */
static void run_pictures(enum fz_codec c, struct fz_reader *rd, bool strict)
{
	struct run r = {c};
	struct fz_pic pic;
	VAContextID ctx = contexts[c];

	n_end = 0;

	while (fz_next_pic(rd, c, &pic, map, &r)) {
		VASurfaceID target = surfaces[c][pic.target];
		VAStatus st = vt.vaBeginPicture(&va, ctx, target);

		status(st, "vaBeginPicture");
		if (strict)
			ok(st, "vaBeginPicture");
		for (unsigned i = 0; i < pic.n; i++) {
			const struct fz_buf *b = &pic.bufs[i];
			VABufferID id = VA_INVALID_ID;

			st = vt.vaCreateBuffer(&va, ctx, b->type, b->size, b->num, b->data, &id);
			status(st, "vaCreateBuffer");
			if (strict)
				ok(st, "vaCreateBuffer");
			if (st != VA_STATUS_SUCCESS)
				continue;
			st = vt.vaRenderPicture(&va, ctx, &id, 1);
			status(st, "vaRenderPicture");
			if (strict)
				ok(st, "vaRenderPicture");
			status(vt.vaDestroyBuffer(&va, id), "vaDestroyBuffer");
		}
		if (!pic.no_end) {
			st = vt.vaEndPicture(&va, ctx);
			status(st, "vaEndPicture");
			if (n_end < 32)
				end_status[n_end++] = st;
			if (strict)
				ok(st, "vaEndPicture");
		}
		fz_pic_free(&pic);
	}
	for (unsigned i = 0; i < FZ_SURFACES; i++) {
		VAStatus st = vt.vaSyncSurface(&va, surfaces[c][i]);

		status(st, "vaSyncSurface");
	}
}

/* Reads a surface back as NV12 (vaGetImage) and counts the samples that differ from the known
 * picture's planes; the first ones are printed when `report`. */
static unsigned compare_pixels(enum fz_codec c, VASurfaceID s, const char *what, bool report)
{
	static uint8_t y[FZ_KNOWN_W * FZ_KNOWN_H], u[FZ_KNOWN_W * FZ_KNOWN_H / 4],
	    v[FZ_KNOWN_W * FZ_KNOWN_H / 4];
	VAImageFormat fmt = {
	    .fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
	VAImage img;
	void *map_ = NULL;
	unsigned bad = 0;

	fz_known_pixels(c, y, u, v);
	ok(vt.vaCreateImage(&va, &fmt, FZ_KNOWN_W, FZ_KNOWN_H, &img), "vaCreateImage");
	ok(vt.vaGetImage(&va, s, 0, 0, FZ_KNOWN_W, FZ_KNOWN_H, img.image_id), "vaGetImage");
	ok(vt.vaMapBuffer(&va, img.buf, &map_), "vaMapBuffer");
	const uint8_t *p = map_;
	for (int j = 0; j < FZ_KNOWN_H; j++) {
		for (int i = 0; i < FZ_KNOWN_W; i++) {
			uint8_t got = p[img.offsets[0] + (size_t)j * img.pitches[0] + i];

			if (got != y[j * FZ_KNOWN_W + i] && bad++ < 8 && report)
				fprintf(stderr, "fuzz_va: %s: Y(%d,%d) = %u, want %u\n", what, i, j,
					got, y[j * FZ_KNOWN_W + i]);
		}
	}
	for (int j = 0; j < FZ_KNOWN_H / 2; j++) {
		for (int i = 0; i < FZ_KNOWN_W / 2; i++) {
			const uint8_t *uv = p + img.offsets[1] + (size_t)j * img.pitches[1] + 2 * i;
			unsigned k = j * FZ_KNOWN_W / 2 + i;

			if ((uv[0] != u[k] || uv[1] != v[k]) && bad++ < 16 && report)
				fprintf(stderr, "fuzz_va: %s: UV(%d,%d) = %u,%u, want %u,%u\n",
					what, i, j, uv[0], uv[1], u[k], v[k]);
		}
	}
	ok(vt.vaUnmapBuffer(&va, img.buf), "vaUnmapBuffer");
	ok(vt.vaDestroyImage(&va, img.image_id), "vaDestroyImage");
	return bad;
}

/* The known picture in `s` after vaSyncSurface. A wrong picture is read again 200 ms later,
 * to tell a picture read before it was complete from a wrong decode. */
static void known_pictures(enum fz_codec c)
{
	struct fz_writer w = {0};
	struct fz_reader r;

	if (c == FZ_H264)
		fz_known_h264(&w, true);
	else
		fz_known_mpeg2(&w);
	r = (struct fz_reader){w.p, w.n};
	run_pictures(c, &r, true);
	free(w.p);
}

/* The known picture in `s` after vaSyncSurface. A wrong picture is diagnosed before failing:
 * read again 200 ms later (a picture read before it was complete?), decoded again on the same
 * context (state that persists?), then on a new context (state of the context or deeper?). */
static void check_pixels(enum fz_codec c, VASurfaceID s, const char *what)
{
	ok(vt.vaSyncSurface(&va, s), "vaSyncSurface (known picture)");
	unsigned bad = compare_pixels(c, s, what, true);
	if (!bad)
		return;
	usleep(200 * 1000);
	unsigned later = compare_pixels(c, s, what, false);
	known_pictures(c);
	ok(vt.vaSyncSurface(&va, s), "vaSyncSurface (known picture again)");
	unsigned again = compare_pixels(c, s, what, false);
	ok(vt.vaDestroyContext(&va, contexts[c]), "vaDestroyContext");
	ok(vt.vaCreateContext(&va, configs[c], FZ_KNOWN_W, FZ_KNOWN_H, VA_PROGRESSIVE, surfaces[c],
			      FZ_SURFACES, &contexts[c]),
	   "vaCreateContext");
	known_pictures(c);
	ok(vt.vaSyncSurface(&va, s), "vaSyncSurface (known picture, new context)");
	unsigned fresh = compare_pixels(c, s, what, false);
	FAIL("%s after %lu inputs: %u samples differ from the known picture; 200 ms later %u%s; "
	     "decoded again %u, on a new context %u",
	     what, inputs, bad, later,
	     later ? "" : " (vaSyncSurface returned before the picture was complete)", again,
	     fresh);
}

static void check_known(void)
{
	known_pictures(FZ_H264);
	check_pixels(FZ_H264, surfaces[FZ_H264][0], "H.264 IDR");
	check_pixels(FZ_H264, surfaces[FZ_H264][1], "H.264 P");
	known_pictures(FZ_MPEG2);
	check_pixels(FZ_MPEG2, surfaces[FZ_MPEG2][0], "MPEG-2 I");
	check_objects();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!getenv("V4L2_EMU_DEVICES")) {
		/* The emulator reads its devices once, at its first call: start again with them. */
		setenv("V4L2_EMU_DEVICES", "hantro-g1", 1);
		execv("/proc/self/exe", *argv);
		FAIL("re-executing: %m");
	}
	if (getenv("V4L2R_FUZZ_CHECK_EVERY"))
		check_every = strtoul(getenv("V4L2R_FUZZ_CHECK_EVERY"), NULL, 0);
	if (!check_every)
		check_every = 1;
	va.vtable = &vt;
	va.vtable_vpp = &vt_vpp;
	va.version_major = VA_MAJOR_VERSION;
	va.version_minor = VA_MINOR_VERSION;
	va.display_type = VA_DISPLAY_DRM;
	ok(__vaDriverInit_1_0(&va), "driver initialisation");
	for (int c = 0; c < FZ_NCODECS; c++) {
		ok(vt.vaCreateConfig(&va, profiles[c], VAEntrypointVLD, NULL, 0, &configs[c]),
		   "vaCreateConfig");
		ok(vt.vaCreateSurfaces2(&va, VA_RT_FORMAT_YUV420, FZ_KNOWN_W, FZ_KNOWN_H,
					surfaces[c], FZ_SURFACES, NULL, 0),
		   "vaCreateSurfaces2");
		ok(vt.vaCreateContext(&va, configs[c], FZ_KNOWN_W, FZ_KNOWN_H, VA_PROGRESSIVE,
				      surfaces[c], FZ_SURFACES, &contexts[c]),
		   "vaCreateContext");
	}
	check_known();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_reader r = {data, size};

	if (size < 1)
		return 0;
	r.p++;
	r.left--;
	if (check_every > 1)
		history_add(data, size);
	run_pictures((enum fz_codec)((data[0] & 3) % 3), &r, false);
	check_objects();
	if (++inputs % check_every == 0) {
		check_known();
		history_clear();
	}
	return 0;
}

#ifdef V4L2R_FUZZ_REPLAY
void fuzz_replay_builtin(void)
{
	struct fz_writer w = {0};

	fzw_u8(&w, FZ_H264);
	fz_known_h264(&w, true);
	fuzz_input(w.p, w.n);
	w.n = 0;
	fzw_u8(&w, FZ_MPEG2);
	fz_known_mpeg2(&w);
	fuzz_input(w.p, w.n);
	w.n = 0;
	fzw_u8(&w, FZ_H264);
	fz_h264_poc_bottom(&w, 2, INT32_MAX);
	fz_h264_start_code(&w, 3);
	fuzz_input(w.p, w.n);
	/* regression: IDRs that libavcodec fails half-way, refused by the device (their DPB names
	 * their own surface) or not: their pixels reached the known P after the known IDR (the
	 * emulated codec fed refused pictures to libavcodec, and kept its state after an error) */
	for (int refused = 1; refused >= 0; refused--) {
		for (unsigned i = 0; i < 2; i++) {
			w.n = 0;
			fzw_u8(&w, FZ_H264);
			fz_h264_damaged_idr(&w, 0, refused);
			fuzz_input(w.p, w.n);
		}
		if (!fuzz_writing_seeds())
			check_known();
	}
	/* regression: MPEG-2 pictures the device refuses are refused with a precise status (were
	 * sent on) */
	static const struct {
		unsigned target;
		enum fz_mpeg2_kind kind;
		unsigned fwd, bwd;
		VAStatus want;
	} mpeg2[] = {
	    {2, FZ_MPEG2_I, 0, 0, VA_STATUS_SUCCESS},
	    {3, FZ_MPEG2_ROW_BEYOND, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {3, FZ_MPEG2_EMBEDDED, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {3, FZ_MPEG2_PROGRESSIVE_FIELD, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {3, FZ_MPEG2_PROGRESSIVE_FIELD_DCT, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {3, FZ_MPEG2_FIELD_FRAME_DCT, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {3, FZ_MPEG2_INTERLACED, 0, 0, VA_STATUS_ERROR_INVALID_PARAMETER},
	    {3, FZ_MPEG2_P, 4, 0, VA_STATUS_ERROR_INVALID_SURFACE},  /* holds no picture */
	    {3, FZ_MPEG2_P, 10, 0, VA_STATUS_ERROR_INVALID_SURFACE}, /* another context's */
	    {3, FZ_MPEG2_P, 2, 0, VA_STATUS_SUCCESS},
	    {4, FZ_MPEG2_B, 2, 3, VA_STATUS_SUCCESS},
	    {5, FZ_MPEG2_B, 4, 3, VA_STATUS_ERROR_INVALID_SURFACE},	 /* a B picture */
	    {5, FZ_MPEG2_P_WIDE, 3, 0, VA_STATUS_ERROR_INVALID_SURFACE}, /* a new stream */
	};
	VAStatus want[sizeof(mpeg2) / sizeof(mpeg2[0])];

	w.n = 0;
	fzw_u8(&w, FZ_MPEG2);
	for (unsigned i = 0; i < sizeof(mpeg2) / sizeof(mpeg2[0]); i++) {
		fz_mpeg2_picture(&w, mpeg2[i].target, mpeg2[i].kind, mpeg2[i].fwd, mpeg2[i].bwd);
		want[i] = mpeg2[i].want;
	}
	fuzz_input(w.p, w.n);
	for (unsigned i = 0; !fuzz_writing_seeds() && i < sizeof(want) / sizeof(want[0]); i++)
		if (i >= n_end || end_status[i] != want[i])
			FAIL("MPEG-2 refusals: picture %u: vaEndPicture %#x, want %#x", i,
			     i < n_end ? (unsigned)end_status[i] : 0u, (unsigned)want[i]);
	if (!fuzz_writing_seeds())
		check_known();
	free(w.p);
}

void fuzz_replay_file(const char *name, const uint8_t *d, size_t n)
{
	fuzz_input(d, n);
}

int fuzz_replay_finish(void)
{
	/* once more after the last input */
	check_known();
	return 0;
}
#endif
