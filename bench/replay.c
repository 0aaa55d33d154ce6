/* SPDX-License-Identifier: MIT */
/*
 * v4l2r-replay: the bare baseline of the CPU benchmark and the reader of bench/record.h logs.
 *
 *   v4l2r-replay run FILE     issue the logged open/close/ioctl sequence again, with the same
 *                             arguments and payloads (controls, bitstream copied into the
 *                             OUTPUT buffers), no VA layer: what any client must do per frame.
 *                             A DQBUF that failed in the log (nothing ready yet) is not issued;
 *                             one that succeeded waits (poll) until it succeeds here too.
 *   v4l2r-replay stats FILE   figures of the logged run: requests, frames, average requests in
 *                             flight (queued until their OUTPUT buffer is dequeued), CAPTURE and
 *                             OUTPUT bytes allocated, the SPS's max_num_ref_frames, the largest
 *                             bitstream, the CAPTURE sizeimage.
 * One JSON line on stdout; exit 1 when the log cannot be replayed faithfully.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/media.h>
#include <linux/v4l2-controls.h>
#include <linux/videodev2.h>

#include "record.h"

#define MAX_FD	 4096
#define MAX_BUFS 64

struct rec {
	const struct rec_hdr *h;
	const uint8_t *pre, *post, *extra; /* extra: what follows the two argument copies */
	size_t extra_len;
};

static uint8_t *log_data;
static size_t log_size;
static _Alignas(16) uint8_t ctl_payload[64 * 1024];

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "v4l2r-replay: cannot read %s\n", path);
		return -1;
	}
	log_data = malloc((size_t)n + 1);
	if (!log_data || fread(log_data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	log_size = (size_t)n;
	fclose(f);
	return 0;
}

/* The record at *off, advancing it; false at the end, -1 in *bad on a malformed log. */
static bool next(size_t *off, struct rec *r, bool *bad)
{
	if (*off == log_size)
		return false;
	if (log_size - *off < sizeof(struct rec_hdr)) {
		*bad = true;
		return false;
	}
	r->h = (const struct rec_hdr *)(log_data + *off); /* aligned: see record.h */
	size_t len = r->h->len;
	if (r->h->magic != REC_MAGIC || len > log_size - *off - sizeof(struct rec_hdr) ||
	    (r->h->kind == REC_IOCTL && (size_t)r->h->size * 2 > len)) {
		*bad = true;
		return false;
	}
	const uint8_t *p = log_data + *off + sizeof(struct rec_hdr);
	r->pre = p;
	r->post = p + (r->h->kind == REC_IOCTL ? r->h->size : 0);
	r->extra = p + (r->h->kind == REC_IOCTL ? 2 * r->h->size : len);
	r->extra_len = len - (r->h->kind == REC_IOCTL ? 2 * r->h->size : len);
	*off += rec_padded(r->h->len) <= log_size - *off ? rec_padded(r->h->len) : log_size - *off;
	return true;
}

static bool is_out(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_OUTPUT || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

static bool is_cap(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_CAPTURE || type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
}

static bool is_mplane(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE ||
	       type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
}

static bool is_buf_ioctl(uint32_t req)
{
	return req == VIDIOC_QBUF || req == VIDIOC_DQBUF || req == VIDIOC_QUERYBUF ||
	       req == VIDIOC_PREPARE_BUF;
}

static bool is_ctrl_ioctl(uint32_t req)
{
	return req == VIDIOC_S_EXT_CTRLS || req == VIDIOC_G_EXT_CTRLS ||
	       req == VIDIOC_TRY_EXT_CTRLS;
}

/* ---- run ---- */

static int fdmap[MAX_FD];
static struct {
	uint8_t *addr;
	uint32_t length;
} outmap[MAX_BUFS];

static int map_fd(int fd)
{
	return fd >= 0 && fd < MAX_FD ? fdmap[fd] : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Issue a logged ioctl again. Returns -1 when the replay diverges from the log. */
static int replay_ioctl(const struct rec *r, long *issued, long *skipped, long *frames)
{
	const struct rec_hdr *h = r->h;
	uint8_t arg[1024], ctl_buf[64 * sizeof(struct v4l2_ext_control)];
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	void *topo[4] = {NULL};
	int fd = map_fd(h->fd), ret;

	if (h->size > sizeof(arg) || fd < 0)
		return -1;
	memcpy(arg, r->pre, h->size);
	if (is_buf_ioctl(h->req)) {
		struct v4l2_buffer *b = (struct v4l2_buffer *)arg;
		const uint8_t *x = r->extra;
		size_t left = r->extra_len;

		if (h->size != sizeof(*b))
			return -1;
		if (h->req == VIDIOC_DQBUF && h->ret < 0) {
			(*skipped)++;
			return 0;
		}
		if (is_mplane(b->type)) {
			size_t n = (size_t)b->length * sizeof(struct v4l2_plane);

			if (b->length > VIDEO_MAX_PLANES || n > left)
				return -1;
			memcpy(planes, x, n);
			b->m.planes = planes;
			x += n;
			left -= n;
		}
		if (b->flags & V4L2_BUF_FLAG_REQUEST_FD)
			b->request_fd = map_fd(b->request_fd);
		if (h->req == VIDIOC_QBUF && is_out(b->type) && left) {
			if (b->index >= MAX_BUFS || !outmap[b->index].addr ||
			    left > outmap[b->index].length)
				return -1;
			memcpy(outmap[b->index].addr, x, left);
		}
	} else if (is_ctrl_ioctl(h->req)) {
		struct v4l2_ext_controls *c = (struct v4l2_ext_controls *)arg;
		size_t n = (size_t)c->count * sizeof(struct v4l2_ext_control);

		if (h->size != sizeof(*c) || c->count > 64 || n > r->extra_len)
			return -1;
		memcpy(ctl_buf, r->extra, n);
		struct v4l2_ext_control *ctl = (struct v4l2_ext_control *)ctl_buf;
		const uint8_t *pay = r->extra + n;
		size_t left = r->extra_len - n, used = 0;
		/* Each payload copied to an aligned place, as a client keeps its control structs. */
		for (uint32_t i = 0; i < c->count; i++) {
			if (!ctl[i].size)
				continue;
			size_t at = (used + 15u) & ~(size_t)15u;
			if (ctl[i].size > left || ctl[i].size > sizeof(ctl_payload) - at)
				return -1;
			memcpy(ctl_payload + at, pay, ctl[i].size);
			ctl[i].ptr = ctl_payload + at;
			used = at + ctl[i].size;
			pay += ctl[i].size;
			left -= ctl[i].size;
		}
		c->controls = ctl;
		if (c->which == V4L2_CTRL_WHICH_REQUEST_VAL)
			c->request_fd = map_fd(c->request_fd);
	} else if (h->req == MEDIA_IOC_G_TOPOLOGY) {
		struct media_v2_topology *t = (struct media_v2_topology *)arg;

		if (h->size != sizeof(*t))
			return -1;
		if (t->ptr_entities)
			t->ptr_entities =
			    (uintptr_t)(topo[0] = calloc(t->num_entities + 1u,
							 sizeof(struct media_v2_entity)));
		if (t->ptr_interfaces)
			t->ptr_interfaces =
			    (uintptr_t)(topo[1] = calloc(t->num_interfaces + 1u,
							 sizeof(struct media_v2_interface)));
		if (t->ptr_pads)
			t->ptr_pads = (uintptr_t)(topo[2] = calloc(t->num_pads + 1u,
								   sizeof(struct media_v2_pad)));
		if (t->ptr_links)
			t->ptr_links = (uintptr_t)(topo[3] = calloc(t->num_links + 1u,
								    sizeof(struct media_v2_link)));
	}

	int64_t end = now_ms() + 5000;
	for (;;) {
		ret = ioctl(fd, h->req, h->size ? (void *)arg : NULL);
		(*issued)++;
		if (ret == 0 || h->ret < 0 || now_ms() > end || (errno != EAGAIN && errno != EBUSY))
			break;
		/* Done in the log, not yet here: wait for the device. */
		struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLPRI};
		if (h->req == MEDIA_REQUEST_IOC_REINIT)
			p.events = POLLPRI;
		poll(&p, 1, 5);
	}
	for (int i = 0; i < 4; i++)
		free(topo[i]);
	if ((ret == 0) != (h->ret == 0) && h->req != MEDIA_REQUEST_IOC_REINIT) {
		fprintf(stderr, "v4l2r-replay: ioctl %#x gave %d (%s), the log says %d\n", h->req,
			ret, ret < 0 ? strerror(errno) : "ok", h->ret);
		return -1;
	}
	if (ret < 0)
		return 0;
	if (h->req == MEDIA_IOC_REQUEST_ALLOC || h->req == VIDIOC_EXPBUF) {
		int logged = h->req == MEDIA_IOC_REQUEST_ALLOC
				 ? *(const int *)r->post
				 : ((const struct v4l2_exportbuffer *)r->post)->fd;
		int mine = h->req == MEDIA_IOC_REQUEST_ALLOC
			       ? *(int *)arg
			       : ((struct v4l2_exportbuffer *)arg)->fd;

		if (logged >= 0 && logged < MAX_FD)
			fdmap[logged] = mine;
	}
	if (h->req == VIDIOC_QUERYBUF) {
		struct v4l2_buffer *b = (struct v4l2_buffer *)arg;

		if (is_out(b->type) && b->index < MAX_BUFS && !outmap[b->index].addr) {
			uint32_t len = is_mplane(b->type) ? planes[0].length : b->length;
			uint32_t off = is_mplane(b->type) ? planes[0].m.mem_offset : b->m.offset;
			void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

			if (p == MAP_FAILED)
				return -1;
			outmap[b->index].addr = p;
			outmap[b->index].length = len;
		}
	}
	if (h->req == VIDIOC_REQBUFS) {
		struct v4l2_requestbuffers *rb = (struct v4l2_requestbuffers *)arg;

		if (is_out(rb->type) && rb->count == 0)
			for (unsigned i = 0; i < MAX_BUFS; i++) {
				if (outmap[i].addr)
					munmap(outmap[i].addr, outmap[i].length);
				outmap[i].addr = NULL;
			}
	}
	if (h->req == VIDIOC_DQBUF && is_cap(((struct v4l2_buffer *)arg)->type))
		(*frames)++;
	return 0;
}

static int mode_run(void)
{
	long issued = 0, skipped = 0, frames = 0, requests = 0;
	size_t off = 0;
	bool bad = false;
	struct rec r;

	for (int i = 0; i < MAX_FD; i++)
		fdmap[i] = -1;
	while (next(&off, &r, &bad)) {
		const struct rec_hdr *h = r.h;

		if (h->kind == REC_OPEN) {
			if (h->fd < 0 || h->fd >= MAX_FD || !h->len || r.pre[h->len - 1])
				return 1;
			fdmap[h->fd] = open((const char *)r.pre, O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (fdmap[h->fd] < 0) {
				fprintf(stderr, "v4l2r-replay: open %s: %s\n", (const char *)r.pre,
					strerror(errno));
				return 1;
			}
		} else if (h->kind == REC_CLOSE) {
			int fd = map_fd(h->fd);

			if (fd >= 0)
				close(fd);
			if (h->fd >= 0 && h->fd < MAX_FD)
				fdmap[h->fd] = -1;
		} else if (h->kind == REC_IOCTL) {
			if (replay_ioctl(&r, &issued, &skipped, &frames) < 0)
				return 1;
			requests += h->req == MEDIA_REQUEST_IOC_QUEUE && h->ret == 0;
		}
	}
	if (bad) {
		fprintf(stderr, "v4l2r-replay: malformed log\n");
		return 1;
	}
	printf("{\"ioctls\":%ld,\"skipped_dqbuf\":%ld,\"requests\":%ld,\"frames\":%ld}\n", issued,
	       skipped, requests, frames);
	return frames > 0 ? 0 : 1;
}

/* ---- stats ---- */

static int mode_stats(void)
{
	uint64_t len[2][MAX_BUFS] = {{0}}; /* [capture?][index] */
	uint64_t peak[2] = {0}, t_first = 0, t_last = 0, t_prev = 0;
	unsigned peak_n[2] = {0};
	long requests = 0, frames = 0, inflight = 0;
	double area = 0;
	int req_out[MAX_FD]; /* request fd -> OUTPUT index queued with it */
	bool busy[MAX_BUFS] = {false};
	uint32_t max_refs = 0, max_bits = 0, sizeimage = 0;
	size_t off = 0;
	bool bad = false;
	struct rec r;

	for (int i = 0; i < MAX_FD; i++)
		req_out[i] = -1;
	while (next(&off, &r, &bad)) {
		const struct rec_hdr *h = r.h;

		if (h->kind != REC_IOCTL || h->ret != 0)
			continue;
		if (h->req == VIDIOC_QUERYBUF && h->size == sizeof(struct v4l2_buffer)) {
			const struct v4l2_buffer *b = (const void *)r.post;
			uint64_t l = b->length;

			if (is_mplane(b->type)) {
				const struct v4l2_plane *p = (const void *)r.extra;

				l = 0;
				for (uint32_t i = 0;
				     i < b->length && (i + 1) * sizeof(*p) <= r.extra_len; i++)
					l += p[i].length;
			}
			if (b->index < MAX_BUFS)
				len[is_cap(b->type)][b->index] = l;
			for (int c = 0; c < 2; c++) {
				uint64_t sum = 0;
				unsigned n = 0;

				for (unsigned i = 0; i < MAX_BUFS; i++)
					sum += len[c][i], n += len[c][i] != 0;
				if (sum > peak[c])
					peak[c] = sum, peak_n[c] = n;
			}
		} else if (h->req == VIDIOC_REQBUFS &&
			   h->size == sizeof(struct v4l2_requestbuffers)) {
			const struct v4l2_requestbuffers *rb = (const void *)r.post;

			if (rb->count == 0)
				memset(len[is_cap(rb->type)], 0, sizeof(len[0]));
		} else if ((h->req == VIDIOC_S_FMT || h->req == VIDIOC_G_FMT) &&
			   h->size == sizeof(struct v4l2_format)) {
			const struct v4l2_format *f = (const void *)r.post;

			if (f->type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE)
				sizeimage = f->fmt.pix_mp.plane_fmt[0].sizeimage;
			else if (f->type == V4L2_BUF_TYPE_VIDEO_CAPTURE)
				sizeimage = f->fmt.pix.sizeimage;
		} else if (h->req == VIDIOC_S_EXT_CTRLS &&
			   h->size == sizeof(struct v4l2_ext_controls)) {
			const struct v4l2_ext_controls *c = (const void *)r.pre;
			size_t n = (size_t)c->count * sizeof(struct v4l2_ext_control);
			const struct v4l2_ext_control *ctl = (const void *)r.extra;
			size_t o = n;

			for (uint32_t i = 0; n <= r.extra_len && i < c->count; i++) {
				if (ctl[i].id == V4L2_CID_STATELESS_H264_SPS &&
				    ctl[i].size == sizeof(struct v4l2_ctrl_h264_sps) &&
				    o + ctl[i].size <= r.extra_len) {
					const struct v4l2_ctrl_h264_sps *sps =
					    (const void *)(r.extra + o);

					if (sps->max_num_ref_frames > max_refs)
						max_refs = sps->max_num_ref_frames;
				}
				o += ctl[i].size;
			}
		} else if (is_buf_ioctl(h->req) && h->size == sizeof(struct v4l2_buffer)) {
			const struct v4l2_buffer *b = (const void *)r.post;
			const struct v4l2_buffer *pb = (const void *)r.pre;

			if (h->req == VIDIOC_QBUF && is_out(b->type)) {
				uint32_t used = pb->bytesused;

				if (is_mplane(b->type))
					used = r.extra_len >= sizeof(struct v4l2_plane)
						   ? ((const struct v4l2_plane *)r.extra)->bytesused
						   : 0;
				if (used > max_bits)
					max_bits = used;
				if ((pb->flags & V4L2_BUF_FLAG_REQUEST_FD) && pb->request_fd >= 0 &&
				    pb->request_fd < MAX_FD)
					req_out[pb->request_fd] = (int)pb->index;
			}
			if (h->req == VIDIOC_DQBUF && is_cap(b->type))
				frames++;
			if (h->req == VIDIOC_DQBUF && is_out(b->type) && b->index < MAX_BUFS &&
			    busy[b->index]) {
				area += (double)inflight * (double)(h->t_ns - t_prev);
				t_prev = t_last = h->t_ns;
				inflight--;
				busy[b->index] = false;
			}
		} else if (h->req == MEDIA_REQUEST_IOC_QUEUE) {
			int idx = h->fd >= 0 && h->fd < MAX_FD ? req_out[h->fd] : -1;

			requests++;
			if (!t_first)
				t_first = t_prev = h->t_ns;
			area += (double)inflight * (double)(h->t_ns - t_prev);
			t_prev = h->t_ns;
			if (idx >= 0 && idx < MAX_BUFS && !busy[idx]) {
				busy[idx] = true;
				inflight++;
			}
		}
	}
	if (bad) {
		fprintf(stderr, "v4l2r-replay: malformed log\n");
		return 1;
	}
	printf("{\"requests\":%ld,\"frames\":%ld,\"inflight_avg\":%.2f,\"capture_bytes\":%llu,"
	       "\"capture_buffers\":%u,\"output_bytes\":%llu,\"output_buffers\":%u,"
	       "\"max_num_ref_frames\":%u,\"max_bitstream\":%u,\"capture_sizeimage\":%u}\n",
	       requests, frames, t_last > t_first ? area / (double)(t_last - t_first) : 0.0,
	       (unsigned long long)peak[1], peak_n[1], (unsigned long long)peak[0], peak_n[0],
	       max_refs, max_bits, sizeimage);
	return requests > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "run") && strcmp(argv[1], "stats"))) {
		fprintf(stderr, "usage: v4l2r-replay run|stats FILE\n");
		return 2;
	}
	if (load(argv[2]) < 0)
		return 1;
	int ret = !strcmp(argv[1], "run") ? mode_run() : mode_stats();
	free(log_data);
	return ret;
}
