/* SPDX-License-Identifier: MIT */
/*
 * libc entry points interposed with LD_PRELOAD: the emulated nodes' paths and file descriptors
 * are served here, everything else goes straight to the next definition (libc).
 *
 * Each emulated open file is a real eventfd, so fd numbers are never reused while open and
 * poll/select on them work: the eventfd is readable while the file has an event pending.
 */
/* Plain (non-redirected) libc prototypes: each 64-bit variant is interposed explicitly. */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "emu.h"

pthread_mutex_t emu_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
pthread_cond_t emu_cv = PTHREAD_COND_INITIALIZER;

static struct {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*fstat)(int, struct stat *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*statx)(int, const char *, int, unsigned int, struct statx *);
	int (*access)(const char *, int);
	int (*faccessat)(int, const char *, int, int);
	int (*euidaccess)(const char *, int);
	char *(*realpath)(const char *, char *);
	DIR *(*opendir)(const char *);
	struct dirent *(*readdir)(DIR *);
	struct dirent64 *(*readdir64)(DIR *);
	int (*closedir)(DIR *);
	void (*rewinddir)(DIR *);
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;
static int init_done;
static __thread bool in_init;
static bool active;

/* fd -> open file; guarded by emu_lock */
static struct emu_file **fdtab;
static size_t fdcap;

static void *next_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&emu_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&emu_lock);
}

static void atfork_child(void)
{
	pthread_mutexattr_t a;

	/* Only this thread exists in the child: the workers are gone. */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&emu_lock, &a);
	pthread_mutexattr_destroy(&a);
	pthread_cond_init(&emu_cv, NULL);
	emu_worker_atfork_child();
}

static void at_exit(void)
{
	emu_out_stats_all();
}

static void resolve_real(void)
{
	real.open = next_sym("open");
	real.openat = next_sym("openat");
	real.close = next_sym("close");
	real.ioctl = next_sym("ioctl");
	real.mmap = next_sym("mmap");
	real.poll = next_sym("poll");
	real.ppoll = next_sym("ppoll");
	real.select = next_sym("select");
	real.pselect = next_sym("pselect");
	real.dup = next_sym("dup");
	real.dup2 = next_sym("dup2");
	real.dup3 = next_sym("dup3");
	real.fcntl = next_sym("fcntl");
	real.stat = next_sym("stat");
	real.lstat = next_sym("lstat");
	real.fstat = next_sym("fstat");
	real.fstatat = next_sym("fstatat");
	real.statx = next_sym("statx");
	real.access = next_sym("access");
	real.faccessat = next_sym("faccessat");
	real.euidaccess = next_sym("euidaccess");
	real.realpath = next_sym("realpath");
	real.opendir = next_sym("opendir");
	real.readdir = next_sym("readdir");
	real.readdir64 = next_sym("readdir64");
	real.closedir = next_sym("closedir");
	real.rewinddir = next_sym("rewinddir");
}

/*
 * Lazy, thread-safe initialisation on the first interposed call. Calls made before the process
 * has its environment (a sanitizer runtime's own early mmap/open) or from inside the
 * initialisation pass straight through without deciding anything.
 */
static bool emu_active(void)
{
	pthread_once(&real_once, resolve_real);
	if (__atomic_load_n(&init_done, __ATOMIC_ACQUIRE))
		return active;
	if (!environ || in_init)
		return false;
	pthread_mutex_lock(&init_mutex);
	if (!init_done) {
		in_init = true;
		if (emu_config_init() > 0) {
			active = true;
			pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
			atexit(at_exit);
		}
		in_init = false;
		__atomic_store_n(&init_done, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&init_mutex);
	return active;
}

/* ---- fd table (emu_lock held) ---- */

static struct emu_file *fd_get(int fd)
{
	if (fd < 0 || (size_t)fd >= fdcap)
		return NULL;
	return fdtab[fd];
}

static int fd_put(int fd, struct emu_file *f)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= fdcap) {
		size_t ncap = fdcap ? fdcap : 256;
		struct emu_file **n;

		while (ncap <= (size_t)fd)
			ncap *= 2;
		n = realloc(fdtab, ncap * sizeof(*n));
		if (!n)
			return -1;
		memset(n + fdcap, 0, (ncap - fdcap) * sizeof(*n));
		fdtab = n;
		fdcap = ncap;
	}
	fdtab[fd] = f;
	return 0;
}

static void file_unref(struct emu_file *f)
{
	if (--f->refs > 0)
		return;
	switch (f->type) {
	case EMU_FILE_VIDEO:
		emu_video_close(f->inst);
		break;
	case EMU_FILE_REQUEST:
		emu_request_file_closed(f);
		break;
	case EMU_FILE_MEDIA:
		break;
	}
	real.close(f->efd);
	free(f);
}

/* The client's fd `fd` no longer names what it named (closed or replaced by dup2). */
static void fd_forget(int fd)
{
	struct emu_file *f = fd_get(fd);

	if (f) {
		fdtab[fd] = NULL;
		file_unref(f);
	}
}

int emu_file_open(struct emu_file *f, bool cloexec, bool nonblock)
{
	int cfd = eventfd(0, (cloexec ? EFD_CLOEXEC : 0) | (nonblock ? EFD_NONBLOCK : 0));

	if (cfd < 0)
		return -1;
	f->efd = real.fcntl(cfd, F_DUPFD_CLOEXEC, 0);
	if (f->efd < 0 || fd_put(cfd, f) < 0) {
		int e = errno;

		if (f->efd >= 0)
			real.close(f->efd);
		real.close(cfd);
		errno = e ? e : ENOMEM;
		return -1;
	}
	f->refs = 1;
	f->epoch = f->dev ? f->dev->epoch : 0;
	emu_file_update(f);
	return cfd;
}

void emu_device_gone(struct emu_device *dev)
{
	emu_debug("fault: %s disappears", dev->video_path);
	dev->epoch++;
	for (struct emu_instance *in = dev->insts; in; in = in->next)
		in->gone = true;
	for (size_t fd = 0; fd < fdcap; fd++)
		if (fdtab[fd] && fdtab[fd]->dev == dev)
			emu_file_update(fdtab[fd]);
	pthread_cond_broadcast(&emu_cv);
}

int emu_copy_to_user(void *dst, const void *src, size_t len)
{
	struct iovec l = {(void *)src, len}, r = {dst, len};
	ssize_t n;

	if (!len)
		return 0;
	if (!dst)
		return -EFAULT;
	n = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == EPERM || errno == ENOSYS)) {
		memcpy(dst, src, len); /* no way to probe: trust the pointer */
		return 0;
	}
	return -EFAULT;
}

int emu_copy_from_user(void *dst, const void *src, size_t len)
{
	struct iovec l = {dst, len}, r = {(void *)src, len};
	ssize_t n;

	if (!len)
		return 0;
	if (!src)
		return -EFAULT;
	n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == EPERM || errno == ENOSYS)) {
		memcpy(dst, src, len);
		return 0;
	}
	return -EFAULT;
}

struct emu_file *emu_fd_file(int fd)
{
	return fd_get(fd);
}

bool emu_fd_nonblock(int fd)
{
	int fl = real.fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_NONBLOCK);
}

/* A file of a device that disappeared (fault injection gone=N). */
static bool file_gone(const struct emu_file *f)
{
	return f->dev && f->epoch != f->dev->epoch;
}

static short file_poll(struct emu_file *f, short events)
{
	/* An unregistered video node polls EPOLLERR | EPOLLHUP | EPOLLPRI (v4l2_poll); its media
	 * and request fds here EPOLLERR | EPOLLHUP: nothing will complete them. */
	if (file_gone(f))
		return POLLERR | POLLHUP | (f->type == EMU_FILE_VIDEO ? events & POLLPRI : 0);
	switch (f->type) {
	case EMU_FILE_VIDEO:
		return emu_video_poll(f->inst, events);
	case EMU_FILE_REQUEST:
		return emu_request_poll(f->req, events);
	case EMU_FILE_MEDIA:
		return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
	}
	return 0;
}

void emu_file_update(struct emu_file *f)
{
	bool ready;
	uint64_t v = 1;

	if (!f)
		return;
	ready = file_poll(f, POLLIN | POLLOUT | POLLPRI | POLLRDNORM | POLLWRNORM) != 0;
	if (ready && !f->signalled) {
		if (write(f->efd, &v, sizeof(v)) == sizeof(v))
			f->signalled = true;
	} else if (!ready && f->signalled) {
		if (read(f->efd, &v, sizeof(v)) == sizeof(v))
			f->signalled = false;
	}
}

int emu_real_close(int fd)
{
	return real.close(fd);
}

int emu_real_ioctl(int fd, unsigned long req, void *arg)
{
	return real.ioctl(fd, req, arg);
}

int emu_real_fcntl(int fd, int cmd, long arg)
{
	return real.fcntl(fd, cmd, arg);
}

int emu_real_open(const char *path, int flags, mode_t mode)
{
	return real.open(path, flags, mode);
}

void *emu_real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return real.mmap(addr, len, prot, flags, fd, off);
}

/* ---- open / close / dup ---- */

static int emu_open_node(const char *path, int flags, bool *handled)
{
	struct emu_device *dev;
	struct emu_file *f;
	int fd, err = 0;

	*handled = false;
	if (!emu_active() || !path || strncmp(path, "/dev/", 5))
		return -1;
	dev = emu_dev_by_video_path(path);
	if (!dev && !emu_dev_by_media_path(path))
		return -1;
	if (!dev)
		dev = emu_dev_by_media_path(path);
	*handled = true;
	if (flags & (O_CREAT | O_DIRECTORY)) {
		errno = (flags & O_DIRECTORY) ? ENOTDIR : EEXIST;
		if ((flags & O_CREAT) && !(flags & O_EXCL))
			errno = EACCES;
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	f->dev = dev;
	pthread_mutex_lock(&emu_lock);
	if (!strcmp(path, dev->video_path)) {
		f->type = EMU_FILE_VIDEO;
		f->inst = emu_video_open(dev, &err);
		if (!f->inst) {
			pthread_mutex_unlock(&emu_lock);
			free(f);
			errno = err;
			return -1;
		}
		f->inst->file = f;
	} else {
		f->type = EMU_FILE_MEDIA;
	}
	fd = emu_file_open(f, flags & O_CLOEXEC, flags & O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (f->inst) {
			f->inst->file = NULL;
			emu_video_close(f->inst);
		}
		free(f);
		errno = err;
	}
	pthread_mutex_unlock(&emu_lock);
	emu_debug("open %s -> %d", path, fd);
	return fd;
}

static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

EMU_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	bool handled;
	int fd;

	if (needs_mode(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fd = emu_open_node(path, flags, &handled);
	if (handled)
		return fd;
	return real.open(path, flags, mode);
}

EMU_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	bool handled;
	int fd;

	if (needs_mode(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fd = emu_open_node(path, flags, &handled);
	if (handled)
		return fd;
	return real.open(path, flags | O_LARGEFILE, mode);
}

EMU_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	bool handled;
	int fd;

	if (needs_mode(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fd = emu_open_node(path, flags, &handled);
	if (handled)
		return fd;
	return real.openat(dirfd, path, flags, mode);
}

EMU_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	bool handled;
	int fd;

	if (needs_mode(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fd = emu_open_node(path, flags, &handled);
	if (handled)
		return fd;
	return real.openat(dirfd, path, flags | O_LARGEFILE, mode);
}

EMU_EXPORT int __open_2(const char *path, int flags);
EMU_EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

EMU_EXPORT int __open64_2(const char *path, int flags);
EMU_EXPORT int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

EMU_EXPORT int __openat_2(int dirfd, const char *path, int flags);
EMU_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

EMU_EXPORT int __openat64_2(int dirfd, const char *path, int flags);
EMU_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}

EMU_EXPORT int close(int fd)
{
	int ret;

	if (!emu_active())
		return real.close(fd);
	pthread_mutex_lock(&emu_lock);
	if (!fd_get(fd)) {
		pthread_mutex_unlock(&emu_lock);
		return real.close(fd);
	}
	ret = real.close(fd);
	fd_forget(fd);
	pthread_mutex_unlock(&emu_lock);
	return ret;
}

/* After a successful dup of `oldfd` to `newfd`, make newfd name the same open file. */
static void dup_track(int oldfd, int newfd)
{
	struct emu_file *f;

	if (newfd < 0 || newfd == oldfd)
		return;
	fd_forget(newfd);
	f = fd_get(oldfd);
	if (f && fd_put(newfd, f) == 0)
		f->refs++;
}

EMU_EXPORT int dup(int fd)
{
	int n;

	if (!emu_active())
		return real.dup(fd);
	pthread_mutex_lock(&emu_lock);
	n = real.dup(fd);
	dup_track(fd, n);
	pthread_mutex_unlock(&emu_lock);
	return n;
}

EMU_EXPORT int dup2(int fd, int fd2)
{
	int n;

	if (!emu_active())
		return real.dup2(fd, fd2);
	pthread_mutex_lock(&emu_lock);
	n = real.dup2(fd, fd2);
	dup_track(fd, n);
	pthread_mutex_unlock(&emu_lock);
	return n;
}

EMU_EXPORT int dup3(int fd, int fd2, int flags)
{
	int n;

	if (!emu_active())
		return real.dup3(fd, fd2, flags);
	pthread_mutex_lock(&emu_lock);
	n = real.dup3(fd, fd2, flags);
	dup_track(fd, n);
	pthread_mutex_unlock(&emu_lock);
	return n;
}

EMU_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	int n;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (!emu_active() || (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))
		return real.fcntl(fd, cmd, arg);
	pthread_mutex_lock(&emu_lock);
	n = real.fcntl(fd, cmd, arg);
	dup_track(fd, n);
	pthread_mutex_unlock(&emu_lock);
	return n;
}

EMU_EXPORT int fcntl64(int fd, int cmd, ...);
EMU_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

/* ---- ioctl / mmap ---- */

EMU_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct emu_file *f;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!emu_active())
		return real.ioctl(fd, req, arg);
	pthread_mutex_lock(&emu_lock);
	f = fd_get(fd);
	if (!f) {
		pthread_mutex_unlock(&emu_lock);
		return real.ioctl(fd, req, arg);
	}
	if (file_gone(f)) {
		pthread_mutex_unlock(&emu_lock);
		errno = ENODEV; /* video_ioctl2 / media_ioctl on an unregistered node */
		return -1;
	}
	switch (f->type) {
	case EMU_FILE_VIDEO:
		ret = emu_video_ioctl(f, fd, req, arg);
		break;
	case EMU_FILE_MEDIA:
		ret = emu_media_ioctl(f, req, arg);
		break;
	case EMU_FILE_REQUEST:
		ret = emu_request_ioctl(f, req, arg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	pthread_mutex_unlock(&emu_lock);
	if (ret < 0) {
		emu_debug("ioctl(%d, 0x%08lx) -> %s", fd, req, strerrorname_np(-ret));
		errno = -ret;
		return -1;
	}
	return ret;
}

/* A mapping of an fd that may be ours (instrumented like the rest of the library). */
static void *mmap_fd(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct emu_file *f;
	void *p;

	if (!emu_active()) {
		pthread_once(&real_once, resolve_real);
		return real.mmap(addr, len, prot, flags, fd, off);
	}
	pthread_mutex_lock(&emu_lock);
	f = fd_get(fd);
	if (!f) {
		pthread_mutex_unlock(&emu_lock);
		return real.mmap(addr, len, prot, flags, fd, off);
	}
	if (f->type != EMU_FILE_VIDEO || file_gone(f)) {
		pthread_mutex_unlock(&emu_lock);
		errno = ENODEV;
		return MAP_FAILED;
	}
	p = emu_video_mmap(f->inst, addr, len, prot, flags, off);
	pthread_mutex_unlock(&emu_lock);
	return p;
}

/* Anonymous mappings are never ours: straight to the kernel, touching nothing, not even the
 * thread sanitizer's function entry hook (its runtime maps memory before it is initialised, and
 * a sanitizer runtime maps memory before it is ready for pthread_once). */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define EMU_NO_TSAN __attribute__((no_sanitize("thread")))
#endif
#endif
#ifndef EMU_NO_TSAN
#define EMU_NO_TSAN
#endif

/* mmap and mmap64 (the same call with a 64-bit off_t here): anonymous maps go straight to the
 * kernel, maps of an emulated fd to mmap_fd(). */
static EMU_NO_TSAN void *mmap_dispatch(void *addr, size_t len, int prot, int flags, int fd,
				       off_t off)
{
	if (fd < 0 || (flags & MAP_ANONYMOUS)) {
#ifdef SYS_mmap
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
#else
		pthread_once(&real_once, resolve_real);
		return real.mmap(addr, len, prot, flags, fd, off);
#endif
	}
	return mmap_fd(addr, len, prot, flags, fd, off);
}

EMU_EXPORT EMU_NO_TSAN void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_dispatch(addr, len, prot, flags, fd, off);
}

EMU_EXPORT EMU_NO_TSAN void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_dispatch(addr, len, prot, flags, fd, off);
}

/* ---- poll / select ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool any_emulated(const struct pollfd *fds, nfds_t n)
{
	bool any = false;

	pthread_mutex_lock(&emu_lock);
	for (nfds_t i = 0; i < n && !any; i++)
		any = fd_get(fds[i].fd) != NULL;
	pthread_mutex_unlock(&emu_lock);
	return any;
}

/* poll with emulated fds: their readiness comes from emulator state; the real poll waits on
 * their eventfds (readable while an event is pending) together with the other fds. */
static int emu_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct pollfd stackbuf[64], *p = stackbuf;
	bool *emu, stackemu[64];
	int64_t deadline = timeout >= 0 ? now_ms() + timeout : 0;
	int ret;

	if (n > 64) {
		p = calloc(n, sizeof(*p));
		emu = calloc(n, sizeof(*emu));
		if (!p || !emu) {
			free(p);
			free(emu);
			errno = ENOMEM;
			return -1;
		}
	} else {
		emu = stackemu;
	}
	for (;;) {
		int ready = 0, wait_ms, r;

		pthread_mutex_lock(&emu_lock);
		for (nfds_t i = 0; i < n; i++) {
			struct emu_file *f = fd_get(fds[i].fd);

			p[i] = fds[i];
			p[i].revents = 0;
			fds[i].revents = 0;
			emu[i] = f != NULL;
			if (!f)
				continue;
			fds[i].revents = file_poll(f, fds[i].events);
			if (fds[i].revents)
				ready++;
			/* Wait on the eventfd: readable when any event is pending. */
			p[i].events = POLLIN;
		}
		pthread_mutex_unlock(&emu_lock);

		wait_ms = timeout;
		if (ready)
			wait_ms = 0;
		else if (timeout > 0)
			wait_ms = (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0);
		if (ready) {
			for (nfds_t i = 0; i < n; i++)
				if (emu[i])
					p[i].fd = -1;
		}
		r = real.poll(p, n, wait_ms);
		if (r < 0) {
			ret = -1;
			break;
		}
		if (ready) {
			ret = ready;
			for (nfds_t i = 0; i < n; i++) {
				if (emu[i])
					continue;
				fds[i].revents = p[i].revents;
				if (p[i].revents)
					ret++;
			}
			break;
		}
		/* Nothing emulated was ready before: recompute after the wait. */
		ret = 0;
		pthread_mutex_lock(&emu_lock);
		for (nfds_t i = 0; i < n; i++) {
			struct emu_file *f = emu[i] ? fd_get(fds[i].fd) : NULL;

			if (emu[i])
				fds[i].revents = f ? file_poll(f, fds[i].events) : POLLNVAL;
			else
				fds[i].revents = p[i].revents;
			if (fds[i].revents)
				ret++;
		}
		pthread_mutex_unlock(&emu_lock);
		if (ret || r == 0)
			break;
		if (timeout >= 0 && now_ms() >= deadline)
			break;
		/* An emulated file has an event this caller did not ask for: do not spin. */
		{
			struct timespec ts = {0, 1000000};

			nanosleep(&ts, NULL);
		}
	}
	if (p != stackbuf) {
		free(p);
		free(emu);
	}
	return ret;
}

EMU_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!emu_active() || !any_emulated(fds, n))
		return real.poll(fds, n, timeout);
	return emu_poll(fds, n, timeout);
}

EMU_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
EMU_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return poll(fds, n, timeout);
}

static int ts_to_ms(const struct timespec *ts)
{
	int64_t ms;

	if (!ts)
		return -1;
	ms = (int64_t)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

EMU_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		     const sigset_t *sigmask)
{
	sigset_t old;
	int ret, e;

	if (!emu_active() || !any_emulated(fds, n))
		return real.ppoll(fds, n, tmo, sigmask);
	if (sigmask)
		pthread_sigmask(SIG_SETMASK, sigmask, &old);
	ret = emu_poll(fds, n, ts_to_ms(tmo));
	e = errno;
	if (sigmask)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return ret;
}

EMU_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
			   const sigset_t *sigmask, size_t fdslen);
EMU_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
			   const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return ppoll(fds, n, tmo, sigmask);
}

static bool sets_have_emulated(int nfds, fd_set *r, fd_set *w, fd_set *x)
{
	bool any = false;

	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	pthread_mutex_lock(&emu_lock);
	for (int fd = 0; fd < nfds && !any; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (x && FD_ISSET(fd, x)))
			any = fd_get(fd) != NULL;
	pthread_mutex_unlock(&emu_lock);
	return any;
}

static int select_via_poll(int nfds, fd_set *r, fd_set *w, fd_set *x, int timeout_ms)
{
	struct pollfd *p;
	int n = 0, ret;

	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	p = calloc(nfds > 0 ? (size_t)nfds : 1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (x && FD_ISSET(fd, x))
			ev |= POLLPRI;
		if (ev) {
			p[n].fd = fd;
			p[n].events = ev;
			n++;
		}
	}
	ret = emu_poll(p, (nfds_t)n, timeout_ms);
	if (ret < 0) {
		free(p);
		return -1;
	}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (x)
		FD_ZERO(x);
	ret = 0;
	for (int i = 0; i < n; i++) {
		short rev = p[i].revents;

		if (rev & POLLNVAL) {
			free(p);
			errno = EBADF;
			return -1;
		}
		if (r && (p[i].events & POLLIN) && (rev & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(p[i].fd, r);
			ret++;
		}
		if (w && (p[i].events & POLLOUT) && (rev & (POLLOUT | POLLERR))) {
			FD_SET(p[i].fd, w);
			ret++;
		}
		if (x && (p[i].events & POLLPRI) && (rev & POLLPRI)) {
			FD_SET(p[i].fd, x);
			ret++;
		}
	}
	free(p);
	return ret;
}

EMU_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	int ms = -1;

	if (!emu_active() || !sets_have_emulated(nfds, r, w, x))
		return real.select(nfds, r, w, x, tv);
	if (tv) {
		int64_t v = (int64_t)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;

		ms = v > INT_MAX ? INT_MAX : (int)v;
	}
	return select_via_poll(nfds, r, w, x, ms);
}

EMU_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *tmo,
		       const sigset_t *sigmask)
{
	sigset_t old;
	int ret, e;

	if (!emu_active() || !sets_have_emulated(nfds, r, w, x))
		return real.pselect(nfds, r, w, x, tmo, sigmask);
	if (sigmask)
		pthread_sigmask(SIG_SETMASK, sigmask, &old);
	ret = select_via_poll(nfds, r, w, x, ts_to_ms(tmo));
	e = errno;
	if (sigmask)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return ret;
}

/* ---- stat / access / realpath on the node paths ---- */

static struct emu_device *node_of_path(const char *path, bool *is_video)
{
	struct emu_device *dev;

	if (!emu_active() || !path || strncmp(path, "/dev/", 5))
		return NULL;
	dev = emu_dev_by_video_path(path);
	if (dev) {
		*is_video = true;
		return dev;
	}
	*is_video = false;
	return emu_dev_by_media_path(path);
}

static void fill_stat(const struct emu_device *dev, bool video, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 5);
	st->st_ino = 0x7e000 + (unsigned)dev->num * 2 + (video ? 0 : 1);
	st->st_mode = S_IFCHR | 0666;
	st->st_nlink = 1;
	st->st_rdev = makedev(video ? EMU_VIDEO_MAJOR : EMU_MEDIA_MAJOR, (unsigned)dev->num);
	st->st_blksize = 4096;
}

static void fill_statx(const struct emu_device *dev, bool video, struct statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = 4096;
	sx->stx_nlink = 1;
	sx->stx_mode = S_IFCHR | 0666;
	sx->stx_ino = 0x7e000 + (unsigned)dev->num * 2 + (video ? 0 : 1);
	sx->stx_rdev_major = video ? EMU_VIDEO_MAJOR : EMU_MEDIA_MAJOR;
	sx->stx_rdev_minor = (unsigned)dev->num;
	sx->stx_dev_major = 0;
	sx->stx_dev_minor = 5;
}

/* An emulated video/media fd: its device and kind. */
static struct emu_device *node_of_fd(int fd, bool *is_video)
{
	struct emu_file *f;
	struct emu_device *dev = NULL;

	if (!emu_active())
		return NULL;
	pthread_mutex_lock(&emu_lock);
	f = fd_get(fd);
	if (f && f->type != EMU_FILE_REQUEST) {
		dev = f->dev;
		*is_video = f->type == EMU_FILE_VIDEO;
	}
	pthread_mutex_unlock(&emu_lock);
	return dev;
}

/* The exported names below call these, never each other: a call through the PLT would reach
 * whichever interposer comes first (a sanitizer's, which calls the glibc compat names, which are
 * ours again: endless recursion). */
static int stat_impl(const char *path, struct stat *st)
{
	bool v;
	struct emu_device *dev = node_of_path(path, &v);

	if (!dev)
		return real.stat(path, st);
	fill_stat(dev, v, st);
	return 0;
}

static int lstat_impl(const char *path, struct stat *st)
{
	bool v;
	struct emu_device *dev = node_of_path(path, &v);

	if (!dev)
		return real.lstat(path, st);
	fill_stat(dev, v, st);
	return 0;
}

static int fstat_impl(int fd, struct stat *st)
{
	bool v;
	struct emu_device *dev = node_of_fd(fd, &v);

	if (!dev)
		return real.fstat(fd, st);
	fill_stat(dev, v, st);
	return 0;
}

static int fstatat_impl(int dirfd, const char *path, struct stat *st, int flags)
{
	bool v;
	struct emu_device *dev;

	if (!*path && (flags & AT_EMPTY_PATH))
		dev = node_of_fd(dirfd, &v);
	else
		dev = node_of_path(path, &v);
	if (!dev)
		return real.fstatat(dirfd, path, st, flags);
	fill_stat(dev, v, st);
	return 0;
}

EMU_EXPORT int stat(const char *path, struct stat *st)
{
	return stat_impl(path, st);
}

EMU_EXPORT int stat64(const char *path, struct stat64 *st)
{
	return stat_impl(path, (struct stat *)st);
}

EMU_EXPORT int lstat(const char *path, struct stat *st)
{
	return lstat_impl(path, st);
}

EMU_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return lstat_impl(path, (struct stat *)st);
}

EMU_EXPORT int fstat(int fd, struct stat *st)
{
	return fstat_impl(fd, st);
}

EMU_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return fstat_impl(fd, (struct stat *)st);
}

EMU_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return fstatat_impl(dirfd, path, st, flags);
}

EMU_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat_impl(dirfd, path, (struct stat *)st, flags);
}

EMU_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *sx)
{
	bool v;
	struct emu_device *dev;

	if (!*path && (flags & AT_EMPTY_PATH))
		dev = node_of_fd(dirfd, &v);
	else
		dev = node_of_path(path, &v);
	if (!dev)
		return real.statx(dirfd, path, flags, mask, sx);
	fill_statx(dev, v, sx);
	return 0;
}

/* Pre-2.33 glibc entry points, still used by older binaries. */
EMU_EXPORT int __xstat(int ver, const char *path, struct stat *st);
EMU_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	return stat_impl(path, st);
}

EMU_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st);
EMU_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	return stat_impl(path, (struct stat *)st);
}

EMU_EXPORT int __lxstat(int ver, const char *path, struct stat *st);
EMU_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	return lstat_impl(path, st);
}

EMU_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st);
EMU_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	return lstat_impl(path, (struct stat *)st);
}

EMU_EXPORT int __fxstat(int ver, int fd, struct stat *st);
EMU_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	return fstat_impl(fd, st);
}

EMU_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st);
EMU_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	return fstat_impl(fd, (struct stat *)st);
}

EMU_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
EMU_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	return fstatat_impl(dirfd, path, st, flags);
}

EMU_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);
EMU_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat_impl(dirfd, path, (struct stat *)st, flags);
}

static int node_access(int mode)
{
	if (mode & X_OK) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

EMU_EXPORT int access(const char *path, int mode)
{
	bool v;

	if (!node_of_path(path, &v))
		return real.access(path, mode);
	return node_access(mode);
}

EMU_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	bool v;

	if (!node_of_path(path, &v))
		return real.faccessat(dirfd, path, mode, flags);
	return node_access(mode);
}

EMU_EXPORT int euidaccess(const char *path, int mode)
{
	bool v;

	if (!node_of_path(path, &v))
		return real.euidaccess(path, mode);
	return node_access(mode);
}

EMU_EXPORT int eaccess(const char *path, int mode)
{
	return euidaccess(path, mode);
}

EMU_EXPORT char *realpath(const char *path, char *resolved)
{
	bool v;

	if (!node_of_path(path, &v))
		return real.realpath(path, resolved);
	if (!resolved)
		return strdup(path);
	snprintf(resolved, PATH_MAX, "%s", path);
	return resolved;
}

/* ---- opendir("/dev") lists the emulated nodes ---- */

struct emu_dir {
	DIR *d;
	int pos;
	struct dirent ent;
	struct dirent64 ent64;
};

static struct emu_dir dirs[16];

static struct emu_dir *dir_of(DIR *d)
{
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (dirs[i].d == d)
			return &dirs[i];
	return NULL;
}

EMU_EXPORT DIR *opendir(const char *name)
{
	DIR *d;

	emu_active();
	d = real.opendir(name);
	if (!d || !active || (strcmp(name, "/dev") && strcmp(name, "/dev/")))
		return d;
	pthread_mutex_lock(&emu_lock);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i].d) {
			memset(&dirs[i], 0, sizeof(dirs[i]));
			dirs[i].d = d;
			break;
		}
	}
	pthread_mutex_unlock(&emu_lock);
	return d;
}

/* Name of the pos-th emulated entry, or NULL past the end. */
static const char *dir_entry(int pos, unsigned long *ino)
{
	const struct emu_device *dev;

	if (pos < 0 || pos >= emu_g.ndev * 2)
		return NULL;
	dev = &emu_g.dev[pos / 2];
	*ino = 0x7e000 + (unsigned)dev->num * 2 + (pos & 1);
	return pos & 1 ? dev->video_path + 5 : dev->media_path + 5;
}

EMU_EXPORT struct dirent *readdir(DIR *d)
{
	struct emu_dir *ed;
	struct dirent *e;
	const char *name;
	unsigned long ino;
	int saved = errno;

	if (!emu_active())
		return real.readdir(d);
	e = real.readdir(d);
	if (e || errno != saved)
		return e;
	pthread_mutex_lock(&emu_lock);
	ed = dir_of(d);
	name = ed ? dir_entry(ed->pos, &ino) : NULL;
	if (name) {
		memset(&ed->ent, 0, sizeof(ed->ent));
		ed->ent.d_ino = ino;
		ed->ent.d_type = DT_CHR;
		ed->ent.d_reclen = sizeof(ed->ent);
		snprintf(ed->ent.d_name, sizeof(ed->ent.d_name), "%s", name);
		ed->pos++;
		e = &ed->ent;
	}
	pthread_mutex_unlock(&emu_lock);
	return e;
}

EMU_EXPORT struct dirent64 *readdir64(DIR *d)
{
	struct emu_dir *ed;
	struct dirent64 *e;
	const char *name;
	unsigned long ino;
	int saved = errno;

	if (!emu_active())
		return real.readdir64(d);
	e = real.readdir64(d);
	if (e || errno != saved)
		return e;
	pthread_mutex_lock(&emu_lock);
	ed = dir_of(d);
	name = ed ? dir_entry(ed->pos, &ino) : NULL;
	if (name) {
		memset(&ed->ent64, 0, sizeof(ed->ent64));
		ed->ent64.d_ino = ino;
		ed->ent64.d_type = DT_CHR;
		ed->ent64.d_reclen = sizeof(ed->ent64);
		snprintf(ed->ent64.d_name, sizeof(ed->ent64.d_name), "%s", name);
		ed->pos++;
		e = &ed->ent64;
	}
	pthread_mutex_unlock(&emu_lock);
	return e;
}

EMU_EXPORT void rewinddir(DIR *d)
{
	struct emu_dir *ed;

	if (!emu_active()) {
		real.rewinddir(d);
		return;
	}
	real.rewinddir(d);
	pthread_mutex_lock(&emu_lock);
	ed = dir_of(d);
	if (ed)
		ed->pos = 0;
	pthread_mutex_unlock(&emu_lock);
}

EMU_EXPORT int closedir(DIR *d)
{
	struct emu_dir *ed;

	if (emu_active()) {
		pthread_mutex_lock(&emu_lock);
		ed = dir_of(d);
		if (ed)
			ed->d = NULL;
		pthread_mutex_unlock(&emu_lock);
	}
	return real.closedir(d);
}
