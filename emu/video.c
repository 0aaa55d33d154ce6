/* SPDX-License-Identifier: MIT */
/*
 * The video node of a stateless decoder: QUERYCAP, formats, frame sizes, buffers and queues,
 * with the semantics of vb2 (videobuf2-core.c, videobuf2-v4l2.c) and v4l2-mem2mem.c, and the
 * format rules of hantro / rkvdec / cedrus.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "emu.h"

#define EMU_KERNEL_VERSION ((6 << 16) | (1 << 8))
/* The most an emulated buffer can be (memfd): beyond, allocation fails as CMA would (ENOMEM). */
#define MAX_BUF_SIZE (256u << 20)
#define DEFAULT_W    1920
#define DEFAULT_H    1088

static const uint32_t out_flags_kept = V4L2_BUF_FLAG_TIMECODE | V4L2_BUF_FLAG_KEYFRAME |
				       V4L2_BUF_FLAG_PFRAME | V4L2_BUF_FLAG_BFRAME |
				       V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF;

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The codec of a coded format, or NULL (hantro_find_format / cedrus_find_format). */
static const struct emu_codec_ops *find_codec(const struct emu_device *dev, uint32_t fourcc)
{
	for (int i = 0; i < dev->ncodecs; i++)
		if (dev->codecs[i]->coded_fourcc == fourcc)
			return dev->codecs[i];
	return NULL;
}

/* ENUM_FMT descriptions as v4l_fill_fmtdesc() gives them. */
static const char *coded_description(uint32_t fourcc)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_H264_SLICE:
		return "H.264 Parsed Slice Data";
	case V4L2_PIX_FMT_MPEG2_SLICE:
		return "MPEG-2 Parsed Slice Data";
	case V4L2_PIX_FMT_VP8_FRAME:
		return "VP8 Frame";
	case V4L2_PIX_FMT_VP9_FRAME:
		return "VP9 Frame";
	case V4L2_PIX_FMT_HEVC_SLICE:
		return "HEVC Parsed Slice Data";
	default:
		return "Compressed";
	}
}

/* The CAPTURE formats the device offers for the current header controls. */
static int capture_formats(struct emu_instance *inst, uint32_t *fmts)
{
	const struct emu_device *dev = inst->dev;
	int depth = inst->codec->bit_depth ? inst->codec->bit_depth(inst) : 8;

	if (depth == 10 && dev->cfg.ten_bit) {
		fmts[0] = V4L2_PIX_FMT_P010;
		return 1;
	}
	fmts[0] = dev->cfg.capture_fourcc;
	return 1;
}

/* Returns the codec of the adjusted format: an unknown coded format becomes the default one. */
static const struct emu_codec_ops *adjust_out_fmt(const struct emu_device *dev,
						  struct v4l2_pix_format_mplane *f)
{
	const struct emu_codec_ops *codec = find_codec(dev, f->pixelformat);
	uint32_t w, h, size;

	if (!codec)
		codec = dev->codecs[0];
	f->pixelformat = codec->coded_fourcc;
	w = clamp_u32(f->width, dev->cfg.min_width, dev->cfg.max_width);
	h = clamp_u32(f->height, dev->cfg.min_height, dev->cfg.max_height);
	w = clamp_u32(EMU_ALIGN(w, 16), dev->cfg.min_width, dev->cfg.max_width);
	h = clamp_u32(EMU_ALIGN(h, 16), dev->cfg.min_height, dev->cfg.max_height);
	f->width = w;
	f->height = h;
	f->field = V4L2_FIELD_NONE;
	f->num_planes = 1;
	/* A coded sizeimage is the client's (the bound of its frames): hantro and rkvdec take
	 * any but 0, cedrus at least SZ_1K. Too large a one fails at allocation (ENOMEM). */
	size = f->plane_fmt[0].sizeimage;
	if (size == 0 && dev->prof->coded_depth)
		size = w * h * dev->prof->coded_depth;
	if (size < dev->prof->coded_min_size)
		size = dev->prof->coded_min_size;
	memset(f->plane_fmt, 0, sizeof(f->plane_fmt));
	f->plane_fmt[0].sizeimage = size;
	f->plane_fmt[0].bytesperline = 0;
	if (f->colorspace == V4L2_COLORSPACE_DEFAULT)
		f->colorspace = V4L2_COLORSPACE_REC709;
	f->flags = 0;
	memset(f->reserved, 0, sizeof(f->reserved));
	return codec;
}

static void adjust_cap_fmt(struct emu_instance *inst, struct v4l2_pix_format_mplane *f)
{
	uint32_t fmts[4], want = f->pixelformat;
	int n = capture_formats(inst, fmts), i;
	const struct v4l2_pix_format_mplane *o = &inst->out.fmt;

	for (i = 0; i < n && fmts[i] != want; i++)
		;
	if (i == n)
		want = fmts[0];
	emu_layout_fill_fmt(want, EMU_ALIGN(o->width, 16), EMU_ALIGN(o->height, 16), f);
	f->colorspace = o->colorspace;
	f->xfer_func = o->xfer_func;
	f->ycbcr_enc = o->ycbcr_enc;
	f->quantization = o->quantization;
	f->flags = 0;
	memset(f->reserved, 0, sizeof(f->reserved));
}

/* The header controls changed (e.g. the SPS bit depth): as rkvdec/hantro do, a CAPTURE format
 * the new stream cannot use is reset to the default, while no CAPTURE buffer exists. */
void emu_video_header_changed(struct emu_instance *inst)
{
	uint32_t fmts[4];
	int n = capture_formats(inst, fmts), i;

	if (inst->cap.nbufs)
		return;
	for (i = 0; i < n && fmts[i] != inst->cap.fmt.pixelformat; i++)
		;
	if (i == n) {
		memset(&inst->cap.fmt, 0, sizeof(inst->cap.fmt));
		adjust_cap_fmt(inst, &inst->cap.fmt);
	}
}

struct emu_instance *emu_video_open(struct emu_device *dev, int *err)
{
	struct emu_instance *inst;

	if (dev->single) {
		/* Instances of a device that disappeared (fault gone=N) belong to the old one. */
		for (struct emu_instance *in = dev->insts; in; in = in->next) {
			if (!in->gone) {
				*err = EBUSY;
				return NULL;
			}
		}
	}
	inst = calloc(1, sizeof(*inst));
	if (!inst || !(inst->cur = malloc(dev->vals_size)) ||
	    !(inst->job_vals = malloc(dev->vals_size))) {
		if (inst) {
			free(inst->cur);
			free(inst);
		}
		*err = ENOMEM;
		return NULL;
	}
	memcpy(inst->cur, dev->defaults, dev->vals_size);
	inst->dev = dev;
	inst->id = dev->inst_counter++;
	inst->held = -1;
	inst->prio = V4L2_PRIORITY_DEFAULT;
	dev->prio_count[V4L2_PRIORITY_DEFAULT]++;
	inst->out.type =
	    dev->splane ? V4L2_BUF_TYPE_VIDEO_OUTPUT : V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
	inst->cap.type =
	    dev->splane ? V4L2_BUF_TYPE_VIDEO_CAPTURE : V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	inst->out.fmt.width = DEFAULT_W;
	inst->out.fmt.height = DEFAULT_H;
	inst->codec = adjust_out_fmt(dev, &inst->out.fmt);
	adjust_cap_fmt(inst, &inst->cap.fmt);
	inst->priv = inst->codec->open ? inst->codec->open(inst) : NULL;
	inst->next = dev->insts;
	dev->insts = inst;
	dev->ninst_open++;
	return inst;
}

static void free_buffers(struct emu_queue *q)
{
	for (unsigned int i = 0; i < q->nbufs; i++) {
		struct emu_buf *b = &q->bufs[i];

		if (b->map)
			munmap(b->map, b->length);
		if (b->memfd >= 0)
			emu_real_close(b->memfd);
		memset(b, 0, sizeof(*b));
	}
	q->nbufs = 0;
}

void emu_video_close(struct emu_instance *inst)
{
	struct emu_device *dev = inst->dev;
	struct emu_instance **pp;

	inst->closing = true;
	/* A thread blocked in DQBUF still uses the instance (the kernel holds the file). */
	pthread_cond_broadcast(&emu_cv);
	while (inst->waiters)
		pthread_cond_wait(&emu_cv, &emu_lock);
	emu_worker_wait_idle(inst);
	emu_queue_cancel(inst, &inst->out);
	emu_queue_cancel(inst, &inst->cap);
	emu_requests_detach(inst);
	if (inst->codec->close && inst->priv)
		inst->codec->close(inst->priv);
	if (!inst->stats_done)
		emu_out_stats(inst);
	free_buffers(&inst->out);
	free_buffers(&inst->cap);
	for (pp = &dev->insts; *pp; pp = &(*pp)->next) {
		if (*pp == inst) {
			*pp = inst->next;
			break;
		}
	}
	dev->ninst_open--;
	dev->prio_count[inst->prio]--;
	free(inst->cur);
	free(inst->job_vals);
	free(inst);
}

static struct emu_queue *queue_of(struct emu_instance *inst, uint32_t type)
{
	if (type == inst->out.type)
		return &inst->out;
	if (type == inst->cap.type)
		return &inst->cap;
	return NULL;
}

/* __vb2_queue_cancel(): every buffer back to the client's side; requests of OUTPUT buffers the
 * device still owned complete (as the drivers' stop_streaming does). */
void emu_queue_cancel(struct emu_instance *inst, struct emu_queue *q)
{
	emu_worker_wait_idle(inst);
	for (unsigned int i = 0; i < q->nbufs; i++) {
		struct emu_buf *b = &q->bufs[i];
		struct emu_request *r = b->req;

		if (r) {
			emu_request_unbind_buf(r, b);
			if (b->state == EMU_BUF_QUEUED || b->state == EMU_BUF_ACTIVE)
				emu_request_complete(r);
		}
		b->state = EMU_BUF_DEQUEUED;
		b->error = false;
	}
	if (q == &inst->cap) {
		inst->held = -1;
		inst->held_error = false;
		inst->release_held = false;
	} else {
		inst->stalled = false;
	}
	q->streaming = false;
	q->uses_requests = false;
	q->uses_qbuf = false;
	emu_file_update(inst->file);
	pthread_cond_broadcast(&emu_cv);
}

static uint32_t buf_caps(const struct emu_instance *inst, const struct emu_queue *q)
{
	uint32_t caps = V4L2_BUF_CAP_SUPPORTS_MMAP | V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS;

	if (q == &inst->out) {
		caps |= V4L2_BUF_CAP_SUPPORTS_REQUESTS;
		if (inst->dev->prof->hold_capture)
			caps |= V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF;
	}
	return caps;
}

static int alloc_buffers(struct emu_queue *q, unsigned int count, uint32_t size)
{
	unsigned int first = q->nbufs;

	if (size == 0 || size > MAX_BUF_SIZE)
		return 0;
	for (unsigned int i = first; i < first + count && i < EMU_MAX_BUFFERS; i++) {
		struct emu_buf *b = &q->bufs[i];
		int fd = memfd_create("v4l2emu-buffer", MFD_CLOEXEC);
		void *p;

		if (fd < 0)
			break;
		if (ftruncate(fd, size) < 0) {
			emu_real_close(fd);
			break;
		}
		p = emu_real_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			emu_real_close(fd);
			break;
		}
		memset(b, 0, sizeof(*b));
		b->memfd = fd;
		b->map = p;
		b->length = size;
		b->state = EMU_BUF_DEQUEUED;
		b->field = V4L2_FIELD_NONE;
		q->nbufs++;
	}
	return (int)(q->nbufs - first);
}

static uint32_t mem_offset(const struct emu_queue *q, unsigned int i)
{
	return (V4L2_TYPE_IS_CAPTURE(q->type) ? EMU_CAPTURE_OFF : 0) + i * EMU_BUF_OFF_STEP;
}

static int reqbufs(struct emu_instance *inst, struct v4l2_requestbuffers *rb)
{
	struct emu_queue *q = queue_of(inst, rb->type);
	unsigned int count;
	int n;

	if (!q)
		return -EINVAL;
	rb->capabilities = buf_caps(inst, q);
	rb->flags = 0;
	memset(rb->reserved, 0, sizeof(rb->reserved));
	if (rb->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	if (q->streaming)
		return -EBUSY;
	count = rb->count;
	if (count == 0 || q->nbufs) {
		emu_queue_cancel(inst, q);
		inst->n_bufs_freed += q->nbufs;
		free_buffers(q);
		if (count == 0) {
			emu_file_update(inst->file);
			return 0;
		}
	}
	if (count > EMU_MAX_BUFFERS)
		count = EMU_MAX_BUFFERS;
	n = alloc_buffers(q, count, q->fmt.plane_fmt[0].sizeimage);
	if (n <= 0)
		return -ENOMEM;
	inst->n_bufs_alloc += (unsigned)n;
	rb->count = (uint32_t)n;
	emu_file_update(inst->file);
	return 0;
}

/*
 * vb2_ioctl_create_bufs / vb2_create_bufs / vb2_core_create_bufs with the drivers' queue_setup:
 * memory and type first (vb2_verify_memory_type), count 0 only reports, then the requested
 * planes (1..VIDEO_MAX_PLANES, none of size 0), a full queue (ENOBUFS), the driver's plane count
 * (hantro, rkvdec: the format's, else EINVAL; cedrus checks no count, but one plane is all the
 * emulator has) and sizes (each >= the format's sizeimage, else EINVAL), and ENOMEM when nothing
 * could be allocated. The buffers get the requested size; a streaming queue takes them too.
 */
static int create_bufs(struct emu_instance *inst, struct v4l2_create_buffers *cb)
{
	struct emu_queue *q = queue_of(inst, cb->format.type);
	const struct v4l2_pix_format_mplane *f = &cb->format.fmt.pix_mp;
	uint32_t size;
	unsigned int count, planes = 1;
	int n;

	if (!q)
		return -EINVAL;
	cb->capabilities = buf_caps(inst, q);
	cb->flags = 0;
	memset(cb->reserved, 0, sizeof(cb->reserved));
	cb->index = q->nbufs;
	if (cb->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	if (cb->count == 0)
		return 0;
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type)) {
		planes = f->num_planes;
		if (planes == 0 || planes > VIDEO_MAX_PLANES)
			return -EINVAL;
		for (unsigned int i = 0; i < planes; i++)
			if (f->plane_fmt[i].sizeimage == 0)
				return -EINVAL;
		size = f->plane_fmt[0].sizeimage;
	} else {
		size = cb->format.fmt.pix.sizeimage;
		if (size == 0)
			return -EINVAL;
	}
	if (q->nbufs >= EMU_MAX_BUFFERS)
		return -ENOBUFS;
	if (planes != 1 || size < q->fmt.plane_fmt[0].sizeimage)
		return -EINVAL;
	count = cb->count;
	if (count > EMU_MAX_BUFFERS - q->nbufs)
		count = EMU_MAX_BUFFERS - q->nbufs;
	n = alloc_buffers(q, count, size);
	if (n <= 0)
		return -ENOMEM;
	inst->n_bufs_alloc += (unsigned)n;
	if (q == &inst->out)
		inst->n_out_created += (unsigned)n;
	cb->count = (uint32_t)n;
	emu_file_update(inst->file);
	return 0;
}

static int check_planes(const struct v4l2_buffer *b)
{
	if (!V4L2_TYPE_IS_MULTIPLANAR(b->type))
		return 0;
	if (!b->m.planes)
		return -EFAULT;
	if (b->length < 1 || b->length > VIDEO_MAX_PLANES)
		return -EINVAL;
	return 0;
}

static void fill_buf(const struct emu_queue *q, unsigned int i, struct v4l2_buffer *b)
{
	const struct emu_buf *x = &q->bufs[i];
	struct v4l2_plane *p = b->m.planes;
	uint32_t flags = x->flags;

	switch (x->state) {
	case EMU_BUF_QUEUED:
	case EMU_BUF_ACTIVE:
	case EMU_BUF_HELD:
		flags |= V4L2_BUF_FLAG_QUEUED;
		break;
	case EMU_BUF_IN_REQUEST:
		flags |= V4L2_BUF_FLAG_IN_REQUEST;
		break;
	case EMU_BUF_DONE:
		flags |= V4L2_BUF_FLAG_DONE;
		if (x->error)
			flags |= V4L2_BUF_FLAG_ERROR;
		break;
	case EMU_BUF_DEQUEUED:
		break;
	}
	flags |= V4L2_BUF_FLAG_TIMESTAMP_COPY;
	if (x->mapped)
		flags |= V4L2_BUF_FLAG_MAPPED;
	b->index = i;
	b->type = q->type;
	b->memory = V4L2_MEMORY_MMAP;
	b->bytesused = 0;
	b->field = x->field ? x->field : V4L2_FIELD_NONE;
	b->timestamp = x->timestamp;
	b->timecode = x->timecode;
	b->sequence = x->sequence;
	b->length = 1;
	b->reserved2 = 0;
	if (flags & V4L2_BUF_FLAG_REQUEST_FD)
		b->request_fd = x->request_fd;
	else
		b->request_fd = 0;
	b->flags = flags;
	if (!V4L2_TYPE_IS_MULTIPLANAR(q->type)) {
		b->bytesused = x->bytesused;
		b->length = x->length;
		b->m.offset = mem_offset(q, i);
		return;
	}
	memset(&p[0], 0, sizeof(p[0]));
	p[0].bytesused = x->bytesused;
	p[0].length = x->length;
	p[0].m.mem_offset = mem_offset(q, i);
	p[0].data_offset = x->data_offset;
}

static int querybuf(struct emu_instance *inst, struct v4l2_buffer *b)
{
	struct emu_queue *q = queue_of(inst, b->type);
	int ret;

	if (!q)
		return -EINVAL;
	if (b->index >= q->nbufs)
		return -EINVAL;
	ret = check_planes(b);
	if (ret)
		return ret;
	fill_buf(q, b->index, b);
	return 0;
}

static int qbuf(struct emu_instance *inst, struct v4l2_buffer *b)
{
	struct emu_queue *q = queue_of(inst, b->type);
	struct emu_request *req = NULL;
	struct emu_buf *x;
	bool with_req = b->flags & V4L2_BUF_FLAG_REQUEST_FD;
	int ret;

	if (!q)
		return -EINVAL;
	if (q == &inst->out) {
		emu_g.cnt_qbuf++;
		if (emu_g.fault_qbuf && emu_g.cnt_qbuf == emu_g.fault_qbuf) {
			emu_debug("fault: failing OUTPUT QBUF #%llu",
				  (unsigned long long)emu_g.cnt_qbuf);
			return -EINVAL;
		}
	}
	if (b->index >= q->nbufs)
		return -EINVAL;
	x = &q->bufs[b->index];
	if (with_req && x->state != EMU_BUF_DEQUEUED)
		return -EINVAL;
	if (b->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	ret = check_planes(b);
	if (ret)
		return ret;
	if (!with_req) {
		if (q == &inst->out && inst->dev->prof->requires_requests)
			return -EBADR;
		if (q->uses_requests)
			return -EBUSY;
	} else {
		if (q != &inst->out)
			return -EBADR;
		if (q->uses_qbuf)
			return -EBUSY;
		req = emu_request_get(inst->dev, b->request_fd, &ret);
		if (!req)
			return ret;
		if (req->state != EMU_REQ_IDLE) {
			emu_request_put(req);
			return -EBUSY;
		}
		if ((req->inst && req->inst != inst) ||
		    req->nbufs >= (int)(sizeof(req->bufs) / sizeof(req->bufs[0]))) {
			emu_request_put(req);
			return -EINVAL;
		}
	}
	if (x->state != EMU_BUF_DEQUEUED) {
		if (req)
			emu_request_put(req);
		return -EINVAL;
	}
	if (q == &inst->out) {
		bool mp = V4L2_TYPE_IS_MULTIPLANAR(q->type);
		uint32_t used = mp ? b->m.planes[0].bytesused : b->bytesused;
		uint32_t off = mp ? b->m.planes[0].data_offset : 0;

		if (used == 0)
			used = x->length;
		if (used > x->length || (off && off >= used)) {
			if (req)
				emu_request_put(req);
			return -EINVAL;
		}
		x->bytesused = used;
		x->data_offset = off;
		x->timestamp = b->timestamp;
		x->timecode = b->timecode;
		x->flags = b->flags & out_flags_kept;
		if (!inst->dev->prof->hold_capture)
			x->flags &= ~V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF;
	} else {
		x->flags = 0;
		x->bytesused = 0;
		x->data_offset = 0;
	}
	x->field = b->field == V4L2_FIELD_ANY ? V4L2_FIELD_NONE : b->field;
	x->error = false;
	if (req) {
		x->state = EMU_BUF_IN_REQUEST;
		x->req = req;
		x->request_fd = b->request_fd;
		x->flags |= V4L2_BUF_FLAG_REQUEST_FD;
		req->bufs[req->nbufs++] = x;
		req->inst = inst;
		q->uses_requests = true;
		emu_request_put(req);
	} else {
		x->state = EMU_BUF_QUEUED;
		x->qseq = ++q->qcounter;
		x->ready_ns = emu_now_ns();
		q->uses_qbuf = true;
	}
	fill_buf(q, b->index, b);
	emu_file_update(inst->file);
	emu_worker_kick(inst->dev);
	return 0;
}

static int dqbuf(struct emu_instance *inst, int fd, struct v4l2_buffer *b)
{
	struct emu_queue *q = queue_of(inst, b->type);
	int ret, best;

	if (!q)
		return -EINVAL;
	if (b->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	ret = check_planes(b);
	if (ret)
		return ret;
	for (;;) {
		if (!q->streaming)
			return -EINVAL;
		best = -1;
		for (unsigned int i = 0; i < q->nbufs; i++) {
			if (q->bufs[i].state != EMU_BUF_DONE)
				continue;
			if (best < 0 || q->bufs[i].dseq < q->bufs[best].dseq)
				best = (int)i;
		}
		if (best >= 0)
			break;
		if (emu_fd_nonblock(fd))
			return -EAGAIN;
		inst->waiters++;
		pthread_cond_wait(&emu_cv, &emu_lock);
		inst->waiters--;
		if (inst->closing) {
			pthread_cond_broadcast(&emu_cv);
			return -EINVAL;
		}
	}
	/* Dequeued: DONE is cleared, ERROR stays (v4l2-compliance checks both). */
	q->bufs[best].state = EMU_BUF_DEQUEUED;
	fill_buf(q, (unsigned int)best, b);
	if (q->bufs[best].error)
		b->flags |= V4L2_BUF_FLAG_ERROR;
	q->bufs[best].flags &= ~V4L2_BUF_FLAG_REQUEST_FD;
	emu_file_update(inst->file);
	return 0;
}

static int streamon(struct emu_instance *inst, const uint32_t *type)
{
	struct emu_queue *q = queue_of(inst, *type);

	if (!q)
		return -EINVAL;
	if (q->streaming)
		return 0;
	if (!q->nbufs)
		return -EINVAL;
	q->streaming = true;
	q->sequence = 0;
	emu_file_update(inst->file);
	emu_worker_kick(inst->dev);
	return 0;
}

static int streamoff(struct emu_instance *inst, const uint32_t *type)
{
	struct emu_queue *q = queue_of(inst, *type);

	if (!q)
		return -EINVAL;
	emu_queue_cancel(inst, q);
	emu_worker_kick(inst->dev);
	return 0;
}

static int expbuf(struct emu_instance *inst, struct v4l2_exportbuffer *e)
{
	struct emu_queue *q = queue_of(inst, e->type);
	int fd;

	if (!q || e->index >= q->nbufs || e->plane != 0)
		return -EINVAL;
	if (e->flags & ~(O_CLOEXEC | O_ACCMODE))
		return -EINVAL;
	fd = emu_real_fcntl(q->bufs[e->index].memfd,
			    (e->flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	if (fd < 0)
		return -errno;
	e->fd = fd;
	return 0;
}

static int enum_fmt(struct emu_instance *inst, struct v4l2_fmtdesc *d)
{
	uint32_t fmts[4], index = d->index, type = d->type;
	int n;

	if (type == inst->out.type) {
		if (index >= (uint32_t)inst->dev->ncodecs)
			return -EINVAL;
		memset(d, 0, sizeof(*d));
		d->index = index;
		d->type = type;
		d->pixelformat = inst->dev->codecs[index]->coded_fourcc;
		d->flags = V4L2_FMT_FLAG_COMPRESSED;
		snprintf((char *)d->description, sizeof(d->description), "%s",
			 coded_description(d->pixelformat));
		return 0;
	}
	if (type != inst->cap.type)
		return -EINVAL;
	n = capture_formats(inst, fmts);
	if (index >= (uint32_t)n)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->index = index;
	d->type = type;
	d->pixelformat = fmts[index];
	switch (fmts[index]) {
	case V4L2_PIX_FMT_NV12_4L4:
		snprintf((char *)d->description, sizeof(d->description),
			 "Y/CbCr 4:2:0 (4x4 Linear)");
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		snprintf((char *)d->description, sizeof(d->description),
			 "Y/CbCr 4:2:0 (32x32 Linear)");
		break;
	case V4L2_PIX_FMT_P010:
		snprintf((char *)d->description, sizeof(d->description), "10-bit Y/CbCr 4:2:0");
		break;
	default:
		snprintf((char *)d->description, sizeof(d->description), "Y/CbCr 4:2:0");
		break;
	}
	return 0;
}

/* Single-planar API: the client's v4l2_pix_format <-> the internal one-plane MPLANE format. */
static void from_pix(const struct v4l2_pix_format *p, struct v4l2_pix_format_mplane *m)
{
	bool ext = p->priv == V4L2_PIX_FMT_PRIV_MAGIC; /* v4l_sanitize_format() */

	memset(m, 0, sizeof(*m));
	m->width = p->width;
	m->height = p->height;
	m->pixelformat = p->pixelformat;
	m->field = p->field;
	m->colorspace = p->colorspace;
	m->num_planes = 1;
	m->plane_fmt[0].bytesperline = p->bytesperline;
	m->plane_fmt[0].sizeimage = p->sizeimage;
	if (ext) {
		m->ycbcr_enc = (uint8_t)p->ycbcr_enc;
		m->quantization = (uint8_t)p->quantization;
		m->xfer_func = (uint8_t)p->xfer_func;
	}
}

static void to_pix(const struct v4l2_pix_format_mplane *m, struct v4l2_pix_format *p)
{
	memset(p, 0, sizeof(*p));
	p->width = m->width;
	p->height = m->height;
	p->pixelformat = m->pixelformat;
	p->field = m->field;
	p->bytesperline = m->plane_fmt[0].bytesperline;
	p->sizeimage = m->plane_fmt[0].sizeimage;
	p->colorspace = m->colorspace;
	p->priv = V4L2_PIX_FMT_PRIV_MAGIC;
	p->flags = m->flags;
	p->ycbcr_enc = m->ycbcr_enc;
	p->quantization = m->quantization;
	p->xfer_func = m->xfer_func;
}

static void fmt_in(const struct emu_queue *q, const struct v4l2_format *f,
		   struct v4l2_pix_format_mplane *m)
{
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type))
		*m = f->fmt.pix_mp;
	else
		from_pix(&f->fmt.pix, m);
}

static void fmt_out(const struct emu_queue *q, const struct v4l2_pix_format_mplane *m,
		    struct v4l2_format *f)
{
	memset(&f->fmt, 0, sizeof(f->fmt));
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type))
		f->fmt.pix_mp = *m;
	else
		to_pix(m, &f->fmt.pix);
}

static int g_fmt(struct emu_instance *inst, struct v4l2_format *f)
{
	struct emu_queue *q = queue_of(inst, f->type);

	if (!q)
		return -EINVAL;
	fmt_out(q, &q->fmt, f);
	return 0;
}

static int try_fmt(struct emu_instance *inst, struct v4l2_format *f)
{
	struct emu_queue *q = queue_of(inst, f->type);
	struct v4l2_pix_format_mplane m;

	if (!q)
		return -EINVAL;
	fmt_in(q, f, &m);
	if (q == &inst->out)
		adjust_out_fmt(inst->dev, &m);
	else
		adjust_cap_fmt(inst, &m);
	fmt_out(q, &m, f);
	return 0;
}

static int s_fmt(struct emu_instance *inst, struct v4l2_format *f)
{
	struct emu_queue *q = queue_of(inst, f->type);
	struct v4l2_pix_format_mplane m;
	const struct emu_codec_ops *codec;

	if (!q)
		return -EINVAL;
	if (q == &inst->out) {
		if (inst->out.streaming || inst->out.nbufs || inst->cap.nbufs)
			return -EBUSY;
		fmt_in(q, f, &m);
		codec = adjust_out_fmt(inst->dev, &m);
		/* Another coded format: the codec's per-instance state goes with it (the kernel's
		 * per-format codec ops; no job can be in flight without buffers). */
		if (codec != inst->codec) {
			if (inst->codec->close && inst->priv)
				inst->codec->close(inst->priv);
			inst->codec = codec;
			inst->priv = NULL;
		}
		inst->out.fmt = m;
		if (!inst->priv && codec->open)
			inst->priv = codec->open(inst);
		fmt_out(q, &m, f);
		/* A new coded size resets the CAPTURE format to the default for it. */
		memset(&inst->cap.fmt, 0, sizeof(inst->cap.fmt));
		adjust_cap_fmt(inst, &inst->cap.fmt);
		return 0;
	}
	if (inst->cap.streaming || inst->cap.nbufs)
		return -EBUSY;
	fmt_in(q, f, &m);
	adjust_cap_fmt(inst, &m);
	inst->cap.fmt = m;
	fmt_out(q, &m, f);
	return 0;
}

static int enum_framesizes(struct emu_instance *inst, struct v4l2_frmsizeenum *fs)
{
	const struct emu_dev_cfg *c = &inst->dev->cfg;
	uint32_t index = fs->index, pf = fs->pixel_format;

	if (index != 0 || !find_codec(inst->dev, pf))
		return -EINVAL;
	memset(fs, 0, sizeof(*fs));
	fs->index = index;
	fs->pixel_format = pf;
	fs->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fs->stepwise.min_width = c->min_width;
	fs->stepwise.max_width = c->max_width;
	fs->stepwise.step_width = 16;
	fs->stepwise.min_height = c->min_height;
	fs->stepwise.max_height = c->max_height;
	fs->stepwise.step_height = 16;
	return 0;
}

static int querycap(struct emu_instance *inst, struct v4l2_capability *cap)
{
	const struct emu_profile *p = inst->dev->prof;

	memset(cap, 0, sizeof(*cap));
	snprintf((char *)cap->driver, sizeof(cap->driver), "%s", p->driver);
	snprintf((char *)cap->card, sizeof(cap->card), "%s", p->card);
	snprintf((char *)cap->bus_info, sizeof(cap->bus_info), "platform:%s", p->driver);
	cap->version = EMU_KERNEL_VERSION;
	cap->device_caps = (inst->dev->splane ? V4L2_CAP_VIDEO_M2M : V4L2_CAP_VIDEO_M2M_MPLANE) |
			   V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT;
	cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
	return 0;
}

/* v4l2_m2m_ioctl_stateless_decoder_cmd(): only FLUSH, which releases a held CAPTURE buffer. */
static int decoder_cmd(struct emu_instance *inst, struct v4l2_decoder_cmd *dc, bool try_only)
{
	struct emu_buf *last = NULL;

	if (dc->cmd != V4L2_DEC_CMD_FLUSH)
		return -EINVAL;
	dc->flags = 0;
	if (try_only)
		return 0;
	for (unsigned int i = 0; i < inst->out.nbufs; i++) {
		struct emu_buf *b = &inst->out.bufs[i];

		if ((b->state == EMU_BUF_QUEUED || b->state == EMU_BUF_ACTIVE) &&
		    (!last || b->qseq > last->qseq))
			last = b;
	}
	if (last && (last->flags & V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF)) {
		last->flags &= ~V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF;
	} else if (inst->held >= 0) {
		inst->release_held = true;
		emu_worker_kick(inst->dev);
	}
	return 0;
}

short emu_video_poll(struct emu_instance *inst, short events)
{
	bool out_busy = false, cap_busy = false, out_done = false, cap_done = false;
	short rc = 0;

	if (inst->nev)
		rc |= POLLPRI;
	if (!(events & (POLLOUT | POLLWRNORM | POLLIN | POLLRDNORM)))
		return rc & events;
	for (unsigned int i = 0; i < inst->out.nbufs; i++) {
		enum emu_buf_state s = inst->out.bufs[i].state;

		out_busy |= s == EMU_BUF_QUEUED || s == EMU_BUF_ACTIVE || s == EMU_BUF_DONE;
		out_done |= s == EMU_BUF_DONE;
	}
	for (unsigned int i = 0; i < inst->cap.nbufs; i++) {
		enum emu_buf_state s = inst->cap.bufs[i].state;

		cap_busy |= s == EMU_BUF_QUEUED || s == EMU_BUF_ACTIVE || s == EMU_BUF_HELD ||
			    s == EMU_BUF_DONE;
		cap_done |= s == EMU_BUF_DONE;
	}
	if ((!inst->out.streaming || !out_busy) && (!inst->cap.streaming || !cap_busy))
		return (short)((rc & events) | POLLERR);
	if (inst->cap.streaming && cap_done)
		rc |= POLLIN | POLLRDNORM;
	if (inst->out.streaming && out_done)
		rc |= POLLOUT | POLLWRNORM;
	return (short)(rc & (events | POLLERR));
}

void *emu_video_mmap(struct emu_instance *inst, void *addr, size_t len, int prot, int flags,
		     off_t off)
{
	struct emu_queue *q = &inst->out;
	uint64_t rel = (uint64_t)off;
	unsigned int i;
	struct emu_buf *b;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (!(flags & MAP_SHARED) || off < 0) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (rel >= EMU_CAPTURE_OFF) {
		q = &inst->cap;
		rel -= EMU_CAPTURE_OFF;
	}
	i = (unsigned int)(rel / EMU_BUF_OFF_STEP);
	if (rel % EMU_BUF_OFF_STEP || i >= q->nbufs) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	b = &q->bufs[i];
	if (len == 0 || len > EMU_ALIGN((size_t)b->length, page)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	p = emu_real_mmap(addr, len, prot, flags, b->memfd, 0);
	if (p != MAP_FAILED)
		b->mapped = true;
	return p;
}

static bool is_known(unsigned long cmd)
{
	switch (cmd) {
	case VIDIOC_QUERYCAP:
	case VIDIOC_ENUM_FMT:
	case VIDIOC_G_FMT:
	case VIDIOC_S_FMT:
	case VIDIOC_TRY_FMT:
	case VIDIOC_ENUM_FRAMESIZES:
	case VIDIOC_REQBUFS:
	case VIDIOC_CREATE_BUFS:
	case VIDIOC_QUERYBUF:
	case VIDIOC_QBUF:
	case VIDIOC_DQBUF:
	case VIDIOC_EXPBUF:
	case VIDIOC_STREAMON:
	case VIDIOC_STREAMOFF:
	case VIDIOC_TRY_DECODER_CMD:
	case VIDIOC_DECODER_CMD:
	case VIDIOC_G_PRIORITY:
	case VIDIOC_S_PRIORITY:
	case VIDIOC_SUBSCRIBE_EVENT:
	case VIDIOC_UNSUBSCRIBE_EVENT:
	case VIDIOC_DQEVENT:
	case VIDIOC_QUERYCTRL:
	case VIDIOC_QUERY_EXT_CTRL:
	case VIDIOC_QUERYMENU:
	case VIDIOC_G_CTRL:
	case VIDIOC_S_CTRL:
	case VIDIOC_G_EXT_CTRLS:
	case VIDIOC_S_EXT_CTRLS:
	case VIDIOC_TRY_EXT_CTRLS:
		return true;
	default:
		return false;
	}
}

/* v4l2_prio_max() */
static int max_prio(const struct emu_device *dev)
{
	for (int p = V4L2_PRIORITY_RECORD; p > V4L2_PRIORITY_UNSET; p--)
		if (dev->prio_count[p] > 0)
			return p;
	return V4L2_PRIORITY_UNSET;
}

int emu_video_ioctl(struct emu_file *f, int fd, unsigned long cmd, void *arg)
{
	struct emu_instance *inst = f->inst;
	int ret;

	if (cmd == VIDIOC_LOG_STATUS)
		return 0;
	if (!arg)
		return is_known(cmd) ? -EFAULT : -ENOTTY;
	/* v4l2_prio_check() for the ioctls v4l2-ioctl.c flags INFO_FL_PRIO */
	switch (cmd) {
	case VIDIOC_S_FMT:
	case VIDIOC_REQBUFS:
	case VIDIOC_CREATE_BUFS:
	case VIDIOC_STREAMON:
	case VIDIOC_STREAMOFF:
	case VIDIOC_S_CTRL:
	case VIDIOC_S_EXT_CTRLS:
	case VIDIOC_S_PRIORITY:
	case VIDIOC_DECODER_CMD:
		if (inst->prio < max_prio(inst->dev))
			return -EBUSY;
		break;
	default:
		break;
	}
	switch (cmd) {
	case VIDIOC_QUERYCAP:
		return querycap(inst, arg);
	case VIDIOC_ENUM_FMT:
		return enum_fmt(inst, arg);
	case VIDIOC_G_FMT:
		return g_fmt(inst, arg);
	case VIDIOC_S_FMT:
		return s_fmt(inst, arg);
	case VIDIOC_TRY_FMT:
		return try_fmt(inst, arg);
	case VIDIOC_ENUM_FRAMESIZES:
		return enum_framesizes(inst, arg);
	case VIDIOC_REQBUFS:
		return reqbufs(inst, arg);
	case VIDIOC_CREATE_BUFS:
		return create_bufs(inst, arg);
	case VIDIOC_QUERYBUF:
		return querybuf(inst, arg);
	case VIDIOC_QBUF:
		return qbuf(inst, arg);
	case VIDIOC_DQBUF:
		return dqbuf(inst, fd, arg);
	case VIDIOC_EXPBUF:
		return expbuf(inst, arg);
	case VIDIOC_STREAMON:
		return streamon(inst, arg);
	case VIDIOC_STREAMOFF:
		return streamoff(inst, arg);
	case VIDIOC_TRY_DECODER_CMD:
	case VIDIOC_DECODER_CMD:
		if (!inst->dev->prof->hold_capture)
			return -ENOTTY;
		return decoder_cmd(inst, arg, cmd == VIDIOC_TRY_DECODER_CMD);
	case VIDIOC_G_PRIORITY:
		*(uint32_t *)arg = (uint32_t)max_prio(inst->dev);
		return 0;
	case VIDIOC_S_PRIORITY: {
		uint32_t p = *(uint32_t *)arg;

		if (p != V4L2_PRIORITY_BACKGROUND && p != V4L2_PRIORITY_INTERACTIVE &&
		    p != V4L2_PRIORITY_RECORD)
			return -EINVAL;
		inst->dev->prio_count[inst->prio]--;
		inst->prio = (int)p;
		inst->dev->prio_count[inst->prio]++;
		return 0;
	}
	case VIDIOC_SUBSCRIBE_EVENT:
	case VIDIOC_UNSUBSCRIBE_EVENT:
	case VIDIOC_DQEVENT:
		return emu_event_ioctl(inst, cmd, arg);
	case VIDIOC_QUERYCTRL:
	case VIDIOC_QUERY_EXT_CTRL:
	case VIDIOC_QUERYMENU:
	case VIDIOC_G_CTRL:
	case VIDIOC_S_CTRL:
	case VIDIOC_G_EXT_CTRLS:
	case VIDIOC_S_EXT_CTRLS:
	case VIDIOC_TRY_EXT_CTRLS:
		return emu_ctrl_ioctl(inst, fd, cmd, arg);
	default:
		ret = -ENOTTY;
		break;
	}
	return ret;
}
