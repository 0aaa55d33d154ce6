/* SPDX-License-Identifier: MIT */
/*
 * libv4l2r-record.so: logs what a V4L2 client does with video and media nodes (see record.h)
 * into the file V4L2R_RECORD names. Preloaded before the emulator (or on a real device):
 * every call goes on to the next definition (RTLD_NEXT) unchanged.
 */
#undef _FILE_OFFSET_BITS /* open/open64, mmap/mmap64 are defined here one by one */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/media.h>
#include <linux/videodev2.h>

#include "record.h"

#define EXPORT	 __attribute__((visibility("default")))
#define MAX_FD	 4096
#define MAX_MAPS 256

enum { FD_NONE, FD_NODE, FD_REQUEST };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static bool out_tried;
static unsigned char fd_kind[MAX_FD];

/* mmap()ed OUTPUT buffers: the bitstream of a QBUF is read from here. */
static struct {
	int fd;
	uint32_t offset, length;
	const uint8_t *addr;
} maps[MAX_MAPS];
static unsigned n_maps;
/* OUTPUT buffer index -> mmap offset, from QUERYBUF */
static uint32_t out_offset[2][64];

static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

static void resolve(void)
{
	if (real_ioctl)
		return;
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Lock held. */
static bool log_open(void)
{
	if (!out && !out_tried) {
		const char *path = getenv("V4L2R_RECORD");

		out_tried = true;
		if (path && *path)
			out = fopen(path, "wbe");
	}
	return out != NULL;
}

static void emit(const struct rec_hdr *h, const void *const *parts, const size_t *sizes, int n)
{
	fwrite(h, sizeof(*h), 1, out);
	for (int i = 0; i < n; i++)
		if (sizes[i])
			fwrite(parts[i], 1, sizes[i], out);
	static const uint8_t zero[REC_ALIGN];
	size_t pad = rec_padded(h->len) - sizeof(*h) - h->len;
	if (pad)
		fwrite(zero, 1, pad, out);
}

static bool is_node(const char *path)
{
	return path && (!strncmp(path, "/dev/video", 10) || !strncmp(path, "/dev/media", 10));
}

static int after_open(const char *path, int fd)
{
	int err = errno;

	if (fd >= 0 && fd < MAX_FD && is_node(path)) {
		pthread_mutex_lock(&lock);
		fd_kind[fd] = FD_NODE;
		if (log_open()) {
			struct rec_hdr h = {.magic = REC_MAGIC,
					    .kind = REC_OPEN,
					    .fd = fd,
					    .len = (uint32_t)strlen(path) + 1,
					    .t_ns = now_ns()};
			const void *p[] = {path};
			size_t s[] = {h.len};

			emit(&h, p, s, 1);
		}
		pthread_mutex_unlock(&lock);
	}
	errno = err;
	return fd;
}

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	resolve();
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return after_open(path, real_open(path, flags, mode));
}

EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	resolve();
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return after_open(path, real_open(path, flags | O_LARGEFILE, mode));
}

/* What _FORTIFY_SOURCE builds call for open(path, flags). */
EXPORT int __open_2(const char *path, int flags);
EXPORT int __open_2(const char *path, int flags)
{
	resolve();
	return after_open(path, real_open(path, flags));
}

EXPORT int __open64_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags)
{
	resolve();
	return after_open(path, real_open(path, flags | O_LARGEFILE));
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	resolve();
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return after_open(path, real_openat(dirfd, path, flags, mode));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	resolve();
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return after_open(path, real_openat(dirfd, path, flags | O_LARGEFILE, mode));
}

EXPORT int close(int fd)
{
	int ret;

	resolve();
	if (fd >= 0 && fd < MAX_FD && fd_kind[fd]) {
		pthread_mutex_lock(&lock);
		fd_kind[fd] = FD_NONE;
		for (unsigned i = 0; i < n_maps; i++)
			if (maps[i].fd == fd)
				maps[i].fd = -1;
		if (log_open()) {
			struct rec_hdr h = {
			    .magic = REC_MAGIC, .kind = REC_CLOSE, .fd = fd, .t_ns = now_ns()};

			emit(&h, NULL, NULL, 0);
		}
		pthread_mutex_unlock(&lock);
	}
	ret = real_close(fd);
	return ret;
}

EXPORT void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	void *p;

	resolve();
	p = real_mmap(addr, length, prot, flags, fd, offset);
	if (p != MAP_FAILED && fd >= 0 && fd < MAX_FD && fd_kind[fd] == FD_NODE) {
		int err = errno;

		pthread_mutex_lock(&lock);
		unsigned i;
		for (i = 0; i < n_maps; i++)
			if (maps[i].fd < 0 || (maps[i].fd == fd && maps[i].offset == offset))
				break;
		if (i < MAX_MAPS) {
			maps[i].fd = fd;
			maps[i].offset = (uint32_t)offset;
			maps[i].length = (uint32_t)length;
			maps[i].addr = p;
			if (i == n_maps)
				n_maps++;
		}
		pthread_mutex_unlock(&lock);
		errno = err;
	}
	return p;
}

EXPORT void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t offset)
{
	return mmap(addr, length, prot, flags, fd, (off_t)offset);
}

static bool out_type(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_OUTPUT || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

static bool mplane(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE ||
	       type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
}

/* The bitstream of an OUTPUT buffer (lock held). */
static const uint8_t *out_data(int fd, const struct v4l2_buffer *b, size_t *n)
{
	uint32_t used = mplane(b->type) ? (b->length ? b->m.planes[0].bytesused : 0) : b->bytesused;
	uint32_t off = b->index < 64 ? out_offset[mplane(b->type)][b->index] : UINT32_MAX;

	for (unsigned i = 0; i < n_maps; i++)
		if (maps[i].fd == fd && maps[i].offset == off && used <= maps[i].length) {
			*n = used;
			return maps[i].addr;
		}
	*n = 0;
	return NULL;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int ret, err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	resolve();
	if (fd < 0 || fd >= MAX_FD || !fd_kind[fd])
		return real_ioctl(fd, req, arg);

	uint32_t size = _IOC_SIZE(req);
	uint8_t pre[1024];
	const void *parts[6];
	size_t sizes[6];
	int n = 0;

	if (size > sizeof(pre) || !arg)
		size = 0;
	if (size)
		memcpy(pre, arg, size);

	pthread_mutex_lock(&lock);
	bool logging = log_open();
	if (logging) {
		parts[n] = pre, sizes[n++] = size;
		parts[n] = arg, sizes[n++] = size; /* after the call */
		if ((req == VIDIOC_QBUF || req == VIDIOC_DQBUF || req == VIDIOC_QUERYBUF ||
		     req == VIDIOC_PREPARE_BUF) &&
		    size) {
			const struct v4l2_buffer *b = arg;

			if (mplane(b->type) && b->m.planes && b->length <= VIDEO_MAX_PLANES)
				parts[n] = b->m.planes,
				sizes[n++] = b->length * sizeof(struct v4l2_plane);
			if (req == VIDIOC_QBUF && out_type(b->type)) {
				size_t used;
				const uint8_t *d = out_data(fd, b, &used);

				parts[n] = d, sizes[n++] = d ? used : 0;
			}
		}
		if ((req == VIDIOC_S_EXT_CTRLS || req == VIDIOC_G_EXT_CTRLS ||
		     req == VIDIOC_TRY_EXT_CTRLS) &&
		    size) {
			const struct v4l2_ext_controls *c = arg;

			if (c->controls && c->count <= 64) {
				parts[n] = c->controls,
				sizes[n++] = c->count * sizeof(struct v4l2_ext_control);
			}
		}
	}
	pthread_mutex_unlock(&lock);

	/* The payload copies are taken before the call: the client may reuse its buffers. */
	uint8_t *payload = NULL;
	size_t payload_len = 0;
	if (logging &&
	    (req == VIDIOC_S_EXT_CTRLS || req == VIDIOC_G_EXT_CTRLS ||
	     req == VIDIOC_TRY_EXT_CTRLS) &&
	    size) {
		const struct v4l2_ext_controls *c = arg;

		for (uint32_t i = 0; c->controls && i < c->count && i < 64; i++)
			payload_len += c->controls[i].size;
		payload = malloc(payload_len ? payload_len : 1);
		size_t o = 0;
		for (uint32_t i = 0; payload && c->controls && i < c->count && i < 64; i++) {
			if (c->controls[i].size)
				memcpy(payload + o, c->controls[i].ptr, c->controls[i].size);
			o += c->controls[i].size;
		}
	}
	/* Planes, bitstream, control array: copied now, the call may change them. */
	uint8_t *copies[6] = {NULL};
	bool oom = false;
	for (int i = 2; i < n; i++) {
		if (!sizes[i])
			continue;
		copies[i] = malloc(sizes[i]);
		if (copies[i])
			memcpy(copies[i], parts[i], sizes[i]);
		oom |= !copies[i];
		parts[i] = copies[i];
	}

	ret = real_ioctl(fd, req, arg);
	err = errno;

	/* QUERYBUF and DQBUF fill the planes in: keep what the call returned. */
	if (logging && (req == VIDIOC_QUERYBUF || req == VIDIOC_DQBUF) && n > 2 && copies[2] &&
	    mplane(((const struct v4l2_buffer *)arg)->type) &&
	    ((const struct v4l2_buffer *)arg)->m.planes)
		memcpy(copies[2], ((const struct v4l2_buffer *)arg)->m.planes, sizes[2]);

	pthread_mutex_lock(&lock);
	if (ret == 0 && req == MEDIA_IOC_REQUEST_ALLOC && arg) {
		int rfd = *(int *)arg;

		if (rfd >= 0 && rfd < MAX_FD)
			fd_kind[rfd] = FD_REQUEST;
	}
	if (ret == 0 && req == VIDIOC_QUERYBUF && arg) {
		const struct v4l2_buffer *b = arg;

		if (out_type(b->type) && b->index < 64)
			out_offset[mplane(b->type)][b->index] =
			    mplane(b->type) ? b->m.planes[0].m.mem_offset : b->m.offset;
	}
	if (logging) {
		if (payload)
			parts[n] = payload, sizes[n++] = payload_len;
		struct rec_hdr h = {.magic = REC_MAGIC,
				    .kind = REC_IOCTL,
				    .fd = fd,
				    .ret = ret,
				    .err = ret < 0 ? err : 0,
				    .req = (uint32_t)req,
				    .size = size,
				    .t_ns = now_ns()};
		/* parts[1] is the argument itself: after the call now. */
		for (int i = 0; i < n; i++)
			h.len += (uint32_t)sizes[i];
		if (oom || (payload_len && !payload))
			h.len = 0, n = 0; /* out of memory: an empty record, the replay stops */
		emit(&h, parts, sizes, n);
	}
	pthread_mutex_unlock(&lock);
	free(payload);
	for (int i = 2; i < 6; i++)
		free(copies[i]);
	errno = err;
	return ret;
}
