/* SPDX-License-Identifier: MIT */
/*
 * Driver-internal objects shared by the files of src/ (one file per VA object, device/ for the
 * kernel side). Everything is per driver instance; the driver lock (v4l2r_driver.lock) is held
 * by every entry point for its whole duration, except while vaSyncSurface / vaGetImage /
 * vaDeriveImage wait for the decoder: then the context and surface waited on count a waiter,
 * and their destruction waits for the waiters to leave (v4l2r_driver.idle).
 */
#ifndef V4L2R_DRIVER_H
#define V4L2R_DRIVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/videodev2.h>
#include <va/va.h>
#include <va/va_backend.h>

#include "codec/codec.h"
#include "object.h"

#define V4L2R_MAX_DEVICES     16
#define V4L2R_MAX_CODED	      16
#define V4L2R_OUTPUT_SLOTS    8	   /* requests in flight per context */
#define V4L2R_OUTPUT_BUFFERS  32   /* VB2_MAX_FRAME: slots + the buffers they replaced */
#define V4L2R_WAIT_MS	      5000 /* longest wait for one request (default) */
#define V4L2R_MAX_SURFACE_DIM 16384
#define V4L2R_MAX_BUFFER_SIZE (256u << 20)
#define V4L2R_SPARES	      8		  /* buffer storage kept for reuse: at most 8 blocks, */
#define V4L2R_SPARE_BYTES     (16u << 20) /* 16 MiB in all */

struct v4l2r_layout {
	uint32_t fourcc;
	uint32_t bpl;	    /* bytes per line of both planes */
	uint32_t uv_offset; /* start of the CbCr plane */
	uint32_t width, height;
	size_t size;
};

struct v4l2r_device {
	char video_path[64];
	char media_path[64];
	char driver[32];
	bool mplane; /* multi-planar API (hantro, rkvdec); cedrus is single-planar */
	uint32_t coded[V4L2R_MAX_CODED];
	unsigned n_coded;
	uint32_t min_w, max_w, min_h, max_h;
};

struct v4l2r_driver {
	VADriverContextP va;
	pthread_mutex_t lock;
	pthread_cond_t idle; /* a waiter left: objects it used may go */
	bool debug;
	bool terminating; /* vaTerminate: no picture needs to outlive its context */
	/* Longest wait for one request, ms: LIBVA_V4L2_REQUEST_TIMEOUT_MS (read at init) or
	 * V4L2R_WAIT_MS. A request in flight longer is a hung decoder (v4l2r_requests_reset). */
	int wait_ms;
	struct v4l2r_device devs[V4L2R_MAX_DEVICES];
	unsigned n_devs;
	unsigned n_busy; /* decoders skipped at discovery: EBUSY (single-instance, in use) */
	struct v4l2r_table configs, contexts, surfaces, buffers, images;
	/* Storage of buffers freed, kept for the next buffers of about their sizes: a client
	 * creates and destroys the same few buffers for every picture, and malloc + free of them
	 * (in a process whose heap a software stack churns) cost more than the rest of their
	 * life, slice data copy apart. */
	struct {
		uint8_t *p;
		size_t size;
	} spares[V4L2R_SPARES];
	unsigned n_spares;
	size_t spare_bytes;
};

struct v4l2r_config {
	VAProfile profile;
	VAEntrypoint entrypoint;
	uint32_t rt_format;
	const struct v4l2r_codec *codec;
	const struct v4l2r_device *dev;
};

struct v4l2r_surface {
	struct v4l2r_driver *drv;
	VASurfaceID id;
	uint32_t width, height, rt_format;
	struct v4l2r_ctx *ctx;	      /* context whose CAPTURE buffer backs it, or NULL */
	int cap;		      /* index of that CAPTURE buffer, -1 when none */
	uint64_t ts;		      /* timestamp of the last picture queued into it */
	bool decoded;		      /* holds a completed picture */
	bool failed;		      /* the last picture completed with an error */
	struct v4l2r_slot *last_slot; /* last request of the last picture ... */
	uint64_t last_seq;	      /* ... while its seq matches */
	/* A copy of the decoded picture once its CAPTURE buffer is gone (context destroyed or
	 * stream reallocated): clients still read frames they hold. */
	uint8_t *snap;
	struct v4l2r_layout snap_layout;
	unsigned waiters; /* threads waiting on it without the lock */
	/* vaQuerySurfaceError's answer: the whole picture, then the -1 terminator. */
	VASurfaceDecodeMBErrors mb_errors[2];
};

struct v4l2r_slot {
	unsigned index;
	int req_fd;
	uint8_t *map;
	size_t length;
	bool taken;   /* handed to the codec or in flight */
	bool queued;  /* in flight */
	bool stale;   /* its request could not be reinitialised yet */
	bool retired; /* replaced by a larger buffer (v4l2r_video_output_grow): unused */
	uint64_t seq;
	int64_t queued_ms; /* CLOCK_MONOTONIC when it was queued */
	int cap;	   /* CAPTURE buffer the request decodes into */
	int refs[16];	   /* CAPTURE buffers it reads */
	unsigned n_refs;
};

struct v4l2r_capbuf {
	struct v4l2r_surface *owner;
	uint8_t *map;
	size_t length;
	uint32_t offset;
	bool queued;
	struct v4l2r_buffer *borrower; /* derived image using `map`, or NULL */
};

struct v4l2r_ctx {
	struct v4l2r_driver *drv;
	VAContextID id;
	struct v4l2r_config cfg;
	void *priv;
	bool codec_ready;
	int video_fd, media_fd;
	uint32_t width, height;
	VASurfaceID *targets;
	unsigned n_targets;

	/* OUTPUT */
	uint32_t out_w, out_h, out_sizeimage;
	/* OUTPUT buffer i is slots[i]; V4L2R_OUTPUT_SLOTS of them are in use (not retired). */
	struct v4l2r_slot slots[V4L2R_OUTPUT_BUFFERS];
	unsigned n_slots;
	bool out_on;
	uint64_t seq;

	/* CAPTURE, allocated lazily */
	bool cap_on;
	uint32_t stream_w, stream_h; /* what the codec declared */
	uint32_t cap_fourcc, cap_w, cap_h, cap_bpl, cap_uv_offset, cap_sizeimage;
	unsigned cap_depth;
	struct v4l2r_capbuf *cap;
	unsigned n_cap;

	/* Current picture */
	struct v4l2r_surface *target;
	bool in_picture;
	bool pic_cap_queued;
	bool pic_continues; /* second field of the surface's frame: keeps the first's error */
	uint64_t pic_ts;
	uint64_t ts_counter;
	bool pic_bad_ref; /* the picture names a reference that is not a surface */
	/* Slice data buffers rendered into the current picture: the codec reads them at
	 * vaEndPicture (one copy, into the OUTPUT buffer), so they outlive a vaDestroyBuffer until
	 * then (v4l2r_buffer_pin). Released at vaEndPicture, vaBeginPicture, context destruction.
	 */
	struct v4l2r_buffer **pic_bufs;
	unsigned n_pic_bufs, cap_pic_bufs;
	unsigned waiters; /* threads polling its requests without the lock */
	bool dead;	  /* the device is gone (ENODEV, POLLERR): nothing completes any more */
};

struct v4l2r_buffer {
	VABufferID id;
	VAContextID context;
	VABufferType type;
	uint32_t size, num_elements;
	uint8_t *data;	   /* malloc'd, or a map of a CAPTURE buffer (derived image) */
	size_t alloc;	   /* bytes malloc'd at data (>= size x num_elements), 0 for a map */
	size_t map_length; /* != 0: data is an mmap of this length */
	bool mapped;
	/* Pictures in flight reading it (slice data between vaRenderPicture and vaEndPicture): a
	 * vaDestroyBuffer meanwhile only unlists it (`unlisted`), the last unpin frees it. */
	unsigned pins;
	bool unlisted;
	/* A derived image's storage borrowing the context's own map of CAPTURE buffer
	 * borrow_cap (no page faults anew per image): the capture teardown hands the map over to
	 * the buffer (map_length set, borrow_ctx NULL). */
	struct v4l2r_ctx *borrow_ctx;
	int borrow_cap;
};

struct v4l2r_image {
	VAImage image;
	struct v4l2r_buffer *buf;
};

static inline struct v4l2r_driver *v4l2r_drv(VADriverContextP va)
{
	return va->pDriverData;
}

/* Queue types of a context's device: multi-planar or single-planar API (one plane either way). */
#define V4L2R_OUT_TYPE(ctx)                                                                        \
	((ctx)->cfg.dev->mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT)
#define V4L2R_CAP_TYPE(ctx)                                                                        \
	((ctx)->cfg.dev->mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE)

/* A v4l2_buffer of queue `type` with its single plane in `plane` (MMAP memory). */
static inline void v4l2r_buf_init(struct v4l2_buffer *b, struct v4l2_plane *plane, uint32_t type,
				  uint32_t index)
{
	memset(b, 0, sizeof(*b));
	memset(plane, 0, sizeof(*plane));
	b->type = type;
	b->memory = V4L2_MEMORY_MMAP;
	b->index = index;
	if (V4L2_TYPE_IS_MULTIPLANAR(type)) {
		b->m.planes = plane;
		b->length = 1;
	}
}

static inline uint32_t v4l2r_buf_length(const struct v4l2_buffer *b)
{
	return V4L2_TYPE_IS_MULTIPLANAR(b->type) ? b->m.planes[0].length : b->length;
}

static inline uint32_t v4l2r_buf_offset(const struct v4l2_buffer *b)
{
	return V4L2_TYPE_IS_MULTIPLANAR(b->type) ? b->m.planes[0].m.mem_offset : b->m.offset;
}

static inline void v4l2r_buf_set_bytesused(struct v4l2_buffer *b, uint32_t n, uint32_t length)
{
	if (V4L2_TYPE_IS_MULTIPLANAR(b->type)) {
		b->m.planes[0].bytesused = n;
		b->m.planes[0].length = length;
	} else {
		b->bytesused = n;
	}
}

/* One-plane format of queue `type`. */
static inline void v4l2r_fmt_set(struct v4l2_format *f, uint32_t type, uint32_t fourcc, uint32_t w,
				 uint32_t h, uint32_t sizeimage)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	if (V4L2_TYPE_IS_MULTIPLANAR(type)) {
		f->fmt.pix_mp.pixelformat = fourcc;
		f->fmt.pix_mp.width = w;
		f->fmt.pix_mp.height = h;
		f->fmt.pix_mp.num_planes = 1;
		f->fmt.pix_mp.plane_fmt[0].sizeimage = sizeimage;
	} else {
		f->fmt.pix.pixelformat = fourcc;
		f->fmt.pix.width = w;
		f->fmt.pix.height = h;
		f->fmt.pix.sizeimage = sizeimage;
	}
}

struct v4l2r_fmt {
	uint32_t fourcc, width, height, bpl, sizeimage, num_planes;
};

static inline struct v4l2r_fmt v4l2r_fmt_get(const struct v4l2_format *f)
{
	if (V4L2_TYPE_IS_MULTIPLANAR(f->type))
		return (struct v4l2r_fmt){f->fmt.pix_mp.pixelformat,
					  f->fmt.pix_mp.width,
					  f->fmt.pix_mp.height,
					  f->fmt.pix_mp.plane_fmt[0].bytesperline,
					  f->fmt.pix_mp.plane_fmt[0].sizeimage,
					  f->fmt.pix_mp.num_planes};
	return (struct v4l2r_fmt){f->fmt.pix.pixelformat,  f->fmt.pix.width,	 f->fmt.pix.height,
				  f->fmt.pix.bytesperline, f->fmt.pix.sizeimage, 1};
}

/* driver.c */
void v4l2r_error(struct v4l2r_driver *drv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void v4l2r_debug(struct v4l2r_driver *drv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool v4l2r_profile_supported(struct v4l2r_driver *drv, VAProfile profile,
			     const struct v4l2r_codec **codec, const struct v4l2r_device **dev);

/* device/media.c */
int v4l2r_discover(struct v4l2r_driver *drv);
int v4l2r_xioctl(int fd, unsigned long req, void *arg);

/* device/video.c */
VAStatus v4l2r_video_open(struct v4l2r_ctx *ctx);
VAStatus v4l2r_video_output_setup(struct v4l2r_ctx *ctx, uint32_t w, uint32_t h);
void v4l2r_video_output_teardown(struct v4l2r_ctx *ctx);
/* Replace the free slot `old` by a new OUTPUT buffer (CREATE_BUFS) of at least `need` bytes; the
 * new slot takes over its request. NOT_ENOUGH_BUFFER when no buffer can be that large. */
VAStatus v4l2r_video_output_grow(struct v4l2r_ctx *ctx, struct v4l2r_slot *old, size_t need,
				 struct v4l2r_slot **grown);
VAStatus v4l2r_video_capture_setup(struct v4l2r_ctx *ctx, const struct v4l2r_stream_params *p);
void v4l2r_video_capture_teardown(struct v4l2r_ctx *ctx);
VAStatus v4l2r_video_bind(struct v4l2r_ctx *ctx, struct v4l2r_surface *s);
uint8_t *v4l2r_video_cap_map(struct v4l2r_ctx *ctx, int index);
void v4l2r_video_close(struct v4l2r_ctx *ctx);

/* device/request.c */
VAStatus v4l2r_requests_wait_slot(struct v4l2r_ctx *ctx, struct v4l2r_slot *slot, int timeout_ms,
				  bool unlock);
void v4l2r_requests_drain(struct v4l2r_ctx *ctx);
/* unlock: poll without the driver lock (the context must be unreachable or kept alive by its
 * waiters count). */
VAStatus v4l2r_requests_wait_all(struct v4l2r_ctx *ctx, bool unlock);
/* unlock: drop the driver lock while polling (entry points that only wait). Waits the whole
 * bound (drv->wait_ms); a picture still in flight then is a hung decoder: the context's queues
 * are reset (v4l2r_requests_reset) and VA_STATUS_ERROR_TIMEDOUT returned. */
VAStatus v4l2r_surface_wait(struct v4l2r_surface *s, bool unlock);
/* The same with a wait of at most `ms` (< 0: the bound); shorter than the bound only polls. */
VAStatus v4l2r_surface_wait_ms(struct v4l2r_surface *s, bool unlock, int ms);
/* Before vaEndPicture hands the picture to the codec: wait, without the driver lock, until an
 * OUTPUT slot is free. INVALID_CONTEXT if the context was destroyed meanwhile. */
VAStatus v4l2r_requests_reserve(struct v4l2r_ctx *ctx);
/* v4l2r_slot_get() for `need` bytes: a free slot that large, else a free slot replaced by a
 * larger buffer (v4l2r_video_output_grow). */
VAStatus v4l2r_slot_get_size(struct v4l2r_ctx *ctx, size_t need, struct v4l2r_slot **slot,
			     uint8_t **data, size_t *capacity);
/* Hung decoder: STREAMOFF/STREAMON both queues; every picture in flight fails. */
void v4l2r_requests_reset(struct v4l2r_ctx *ctx);
/* For clients that only poll (vaQuerySurfaceStatus): a request in flight longer than the bound
 * is a hung decoder; resets the queues then. */
void v4l2r_requests_check_hung(struct v4l2r_ctx *ctx);
/* The device is gone: every picture in flight fails, nothing is queued or waited for again. */
void v4l2r_ctx_kill(struct v4l2r_ctx *ctx);

/* context.c */
void v4l2r_ctx_destroy(struct v4l2r_driver *drv, struct v4l2r_ctx *ctx);

/* surface.c */
void v4l2r_surface_drop_snapshot(struct v4l2r_surface *s);

/* format/format.c */
bool v4l2r_format_known(uint32_t fourcc);
bool v4l2r_format_linear(uint32_t fourcc);
uint64_t v4l2r_format_modifier(uint32_t fourcc, bool *ok);
uint32_t v4l2r_format_uv_offset(uint32_t fourcc, uint32_t bpl, uint32_t height);
/* Copy rectangle (x, y, w, h) of both planes of `src` in layout `l` into linear NV12 at `dst`
 * (pitches and chroma offset of the destination). Returns -1 when out of bounds. */
int v4l2r_format_read(const struct v4l2r_layout *l, const uint8_t *src, uint32_t x, uint32_t y,
		      uint32_t w, uint32_t h, uint8_t *dst_y, uint32_t pitch_y, uint8_t *dst_uv,
		      uint32_t pitch_uv);

/* VA entry points, one file per object. */
VAStatus v4l2r_QueryConfigProfiles(VADriverContextP va, VAProfile *list, int *num);
VAStatus v4l2r_QueryConfigEntrypoints(VADriverContextP va, VAProfile profile, VAEntrypoint *list,
				      int *num);
VAStatus v4l2r_GetConfigAttributes(VADriverContextP va, VAProfile profile, VAEntrypoint ep,
				   VAConfigAttrib *attribs, int num);
VAStatus v4l2r_CreateConfig(VADriverContextP va, VAProfile profile, VAEntrypoint ep,
			    VAConfigAttrib *attribs, int num, VAConfigID *id);
VAStatus v4l2r_DestroyConfig(VADriverContextP va, VAConfigID id);
VAStatus v4l2r_QueryConfigAttributes(VADriverContextP va, VAConfigID id, VAProfile *profile,
				     VAEntrypoint *ep, VAConfigAttrib *attribs, int *num);

VAStatus v4l2r_CreateSurfaces(VADriverContextP va, int width, int height, int format, int num,
			      VASurfaceID *surfaces);
VAStatus v4l2r_CreateSurfaces2(VADriverContextP va, unsigned int format, unsigned int width,
			       unsigned int height, VASurfaceID *surfaces, unsigned int num,
			       VASurfaceAttrib *attribs, unsigned int num_attribs);
VAStatus v4l2r_DestroySurfaces(VADriverContextP va, VASurfaceID *list, int num);
VAStatus v4l2r_SyncSurface(VADriverContextP va, VASurfaceID id);
VAStatus v4l2r_SyncSurface2(VADriverContextP va, VASurfaceID id, uint64_t timeout_ns);
VAStatus v4l2r_QuerySurfaceStatus(VADriverContextP va, VASurfaceID id, VASurfaceStatus *status);
VAStatus v4l2r_QuerySurfaceError(VADriverContextP va, VASurfaceID id, VAStatus error, void **info);
VAStatus v4l2r_QuerySurfaceAttributes(VADriverContextP va, VAConfigID config,
				      VASurfaceAttrib *attribs, unsigned int *num);
VAStatus v4l2r_PutSurface(VADriverContextP va, VASurfaceID surface, void *draw, short srcx,
			  short srcy, unsigned short srcw, unsigned short srch, short destx,
			  short desty, unsigned short destw, unsigned short desth,
			  VARectangle *cliprects, unsigned int n_cliprects, unsigned int flags);
VAStatus v4l2r_LockSurface(VADriverContextP va, VASurfaceID surface, unsigned int *fourcc,
			   unsigned int *luma_stride, unsigned int *chroma_u_stride,
			   unsigned int *chroma_v_stride, unsigned int *luma_offset,
			   unsigned int *chroma_u_offset, unsigned int *chroma_v_offset,
			   unsigned int *buffer_name, void **buffer);
VAStatus v4l2r_UnlockSurface(VADriverContextP va, VASurfaceID surface);
struct v4l2r_surface *v4l2r_surface_get(struct v4l2r_driver *drv, VASurfaceID id);

VAStatus v4l2r_CreateContext(VADriverContextP va, VAConfigID config, int width, int height,
			     int flag, VASurfaceID *targets, int n_targets, VAContextID *id);
VAStatus v4l2r_DestroyContext(VADriverContextP va, VAContextID id);

VAStatus v4l2r_CreateBuffer(VADriverContextP va, VAContextID context, VABufferType type,
			    unsigned int size, unsigned int num, void *data, VABufferID *id);
VAStatus v4l2r_BufferSetNumElements(VADriverContextP va, VABufferID id, unsigned int num);
VAStatus v4l2r_MapBuffer(VADriverContextP va, VABufferID id, void **pbuf);
VAStatus v4l2r_UnmapBuffer(VADriverContextP va, VABufferID id);
VAStatus v4l2r_DestroyBuffer(VADriverContextP va, VABufferID id);
VAStatus v4l2r_BufferInfo(VADriverContextP va, VABufferID id, VABufferType *type,
			  unsigned int *size, unsigned int *num);
VAStatus v4l2r_AcquireBufferHandle(VADriverContextP va, VABufferID id, VABufferInfo *info);
VAStatus v4l2r_ReleaseBufferHandle(VADriverContextP va, VABufferID id);
/* Storage not zeroed: the caller fills it. */

struct v4l2r_buffer *v4l2r_buffer_new(struct v4l2r_driver *drv, VAContextID context,
				      VABufferType type, uint32_t size, uint32_t num);
/* Destroys the buffer: at once, or at its last unpin when pinned (its ID is gone at once). */
void v4l2r_buffer_free(struct v4l2r_driver *drv, struct v4l2r_buffer *b);
/* Keep `b` alive for the context's current picture: v4l2r_buffer_pin_room() first (makes room
 * for one more: ALLOCATION_FAILED when the list cannot grow), then v4l2r_buffer_pin() once the
 * codec took the buffer (never fails). */
VAStatus v4l2r_buffer_pin_room(struct v4l2r_ctx *ctx);
void v4l2r_buffer_pin(struct v4l2r_ctx *ctx, struct v4l2r_buffer *b);
/* Release every buffer pinned for the context's current picture. */
void v4l2r_buffer_unpin_all(struct v4l2r_ctx *ctx);

VAStatus v4l2r_BeginPicture(VADriverContextP va, VAContextID context, VASurfaceID target);
VAStatus v4l2r_RenderPicture(VADriverContextP va, VAContextID context, VABufferID *buffers,
			     int num);
VAStatus v4l2r_EndPicture(VADriverContextP va, VAContextID context);

VAStatus v4l2r_QueryImageFormats(VADriverContextP va, VAImageFormat *list, int *num);
VAStatus v4l2r_CreateImage(VADriverContextP va, VAImageFormat *format, int width, int height,
			   VAImage *image);
VAStatus v4l2r_DeriveImage(VADriverContextP va, VASurfaceID surface, VAImage *image);
VAStatus v4l2r_DestroyImage(VADriverContextP va, VAImageID id);
VAStatus v4l2r_SetImagePalette(VADriverContextP va, VAImageID id, unsigned char *palette);
VAStatus v4l2r_GetImage(VADriverContextP va, VASurfaceID surface, int x, int y, unsigned int width,
			unsigned int height, VAImageID id);
VAStatus v4l2r_PutImage(VADriverContextP va, VASurfaceID surface, VAImageID image, int src_x,
			int src_y, unsigned int src_w, unsigned int src_h, int dst_x, int dst_y,
			unsigned int dst_w, unsigned int dst_h);
int v4l2r_image_formats(struct v4l2r_driver *drv, VAImageFormat *list);

VAStatus v4l2r_ExportSurfaceHandle(VADriverContextP va, VASurfaceID surface, uint32_t mem_type,
				   uint32_t flags, void *descriptor);

#endif
