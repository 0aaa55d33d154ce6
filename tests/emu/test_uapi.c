/* SPDX-License-Identifier: MIT */
/*
 * Raw-ioctl client of the emulated stateless decoder (run under LD_PRELOAD=libv4l2emu.so).
 *
 * Not the VA driver: a small client that follows the documented stateless decoding sequence
 * (Documentation/userspace-api/media/v4l/dev-stateless-decoder.rst, dev-request.rst) and checks
 * that every documented misuse fails with the errno the kernel gives (vb2
 * vb2_queue_or_prepare_buf, media-request.c, v4l2-ctrls-api.c, the hantro / rkvdec / cedrus
 * drivers). It decodes one real IDR picture and compares it with FFmpeg's software decode.
 *
 *   test_uapi decode <devices> <stream.264> <reference.yuv>   sequence + misuse checks
 *   test_uapi multi <devices>                                 several devices, single-instance
 *   test_uapi inert <first-index>                             library without configuration
 *
 * Every check prints one line; the last line is "N passed, N failed"; exit status 1 on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/media.h>
#include <linux/videodev2.h>

#include "h264_mini.h"

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a)-1) / (a) * (a))

/* MEDIA_LNK_FL_LINK_TYPE is (0xf << 28): a signed overflow (UBSan) */
#define LINK_TYPE_MASK 0xf0000000u

#ifndef V4L2_PIX_FMT_NV15
#define V4L2_PIX_FMT_NV15 v4l2_fourcc('N', 'V', '1', '5')
#endif

extern char **environ;

static unsigned int n_passed, n_failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		n_passed++;
	else
		n_failed++;
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

/* A call that must fail with exactly `want` (the kernel reference is in `what`). */
static void check_errno(int ret, int want, const char *what)
{
	int e = errno;

	if (ret == -1)
		check(e == want, "%s -> %s (got %s)", what, errname(want), errname(e));
	else
		check(false, "%s -> %s (got success, ret %d)", what, errname(want), ret);
}

static void check_ok(int ret, const char *what)
{
	int e = errno;

	check(ret >= 0, "%s%s%s", what, ret >= 0 ? "" : " failed: ", ret >= 0 ? "" : errname(e));
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret == -1 && errno == EINTR);
	return ret;
}

/* ---------------------------------------------------------------------------------------- */
/* Expected behaviour of each emulated profile (docs/design.md; the real kernel drivers).    */

struct profile {
	const char *name;
	const char *driver;
	int decode_mode; /* V4L2_STATELESS_H264_DECODE_MODE_* */
	int start_code;	 /* V4L2_STATELESS_H264_START_CODE_* */
	uint32_t capture_fourcc;
	uint32_t min_w, min_h, max_w, max_h;
	bool hold_capture;
	/* vb2 requires_requests on the OUTPUT queue (rkvdec, cedrus in 6.1; not hantro) */
	bool requires_requests;
	/* slice-based: each request carries SLICE_PARAMS */
	bool slice_ctrls;
	/* the real driver exposes SLICE_PARAMS / PRED_WEIGHTS (slice-based only) */
	bool has_slice_params;
	/* API asked for by the option api=mplane|single ('m', 's'), 0 when not given */
	char api;
};

static const struct profile profiles[] = {
    {"hantro-g1", "hantro-vpu", V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED,
     V4L2_STATELESS_H264_START_CODE_ANNEX_B, V4L2_PIX_FMT_NV12, 48, 48, 1920, 1088, false, false,
     false, false},
    {"rkvdec", "rkvdec", V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED,
     V4L2_STATELESS_H264_START_CODE_ANNEX_B, V4L2_PIX_FMT_NV12, 48, 48, 4096, 2304, false, true,
     false, false},
    {"cedrus", "cedrus", V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED,
     V4L2_STATELESS_H264_START_CODE_NONE, V4L2_PIX_FMT_NV12_32L32, 16, 16, 4096, 2304, true, true,
     true, true},
};

struct devspec {
	struct profile prof;
	bool single;
};

/* Parse one item of V4L2_EMU_DEVICES ("cedrus:layout=nv12,..." is split by the caller). */
static int parse_devspec(const char *item, struct devspec *ds)
{
	char buf[128];
	char *opt, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", item);
	opt = strchr(buf, ':');
	if (opt)
		*opt++ = '\0';
	memset(ds, 0, sizeof(*ds));
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		if (!strcmp(buf, profiles[i].name))
			ds->prof = profiles[i];
	if (!ds->prof.name)
		return -1;
	for (char *o = opt ? strtok_r(opt, ":", &save) : NULL; o; o = strtok_r(NULL, ":", &save)) {
		if (!strcmp(o, "single"))
			ds->single = true;
		else if (!strcmp(o, "layout=nv12"))
			ds->prof.capture_fourcc = V4L2_PIX_FMT_NV12;
		else if (!strcmp(o, "layout=nv12_4l4"))
			ds->prof.capture_fourcc = V4L2_PIX_FMT_NV12_4L4;
		else if (!strcmp(o, "layout=nv12_32l32"))
			ds->prof.capture_fourcc = V4L2_PIX_FMT_NV12_32L32;
		else if (!strcmp(o, "api=mplane"))
			ds->prof.api = 'm';
		else if (!strcmp(o, "api=single"))
			ds->prof.api = 's';
		else
			return -1;
	}
	return 0;
}

static int parse_devices(const char *list, struct devspec *out, int max)
{
	char buf[512];
	char *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		if (n >= max || parse_devspec(it, &out[n]))
			return -1;
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* Discovery through the media controller, as the documented clients do.                     */

struct found {
	char media[300];
	char video[300];
	char driver[32];
	unsigned int media_minor, video_minor;
};

struct topo {
	struct media_v2_topology t;
	struct media_v2_entity ents[16];
	struct media_v2_interface intfs[16];
	struct media_v2_pad pads[32];
	struct media_v2_link links[32];
};

static int get_topology(int fd, struct topo *tp)
{
	memset(tp, 0, sizeof(*tp));
	if (xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &tp->t))
		return -1;
	if (tp->t.num_entities > ARRAY_SIZE(tp->ents) || tp->t.num_interfaces > 16 ||
	    tp->t.num_pads > 32 || tp->t.num_links > 32) {
		errno = E2BIG;
		return -1;
	}
	tp->t.ptr_entities = (uintptr_t)tp->ents;
	tp->t.ptr_interfaces = (uintptr_t)tp->intfs;
	tp->t.ptr_pads = (uintptr_t)tp->pads;
	tp->t.ptr_links = (uintptr_t)tp->links;
	return xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &tp->t);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static const struct media_v2_pad *find_pad(const struct topo *tp, uint32_t id)
{
	for (uint32_t i = 0; i < tp->t.num_pads; i++)
		if (tp->pads[i].id == id)
			return &tp->pads[i];
	return NULL;
}

/*
 * Check the topology shape of docs/design.md (what v4l2_m2m_register_media_controller() builds)
 * and return the video interface's devnode through major and minor.
 */
static bool check_topology(const struct topo *tp, const char *media, uint32_t *major,
			   uint32_t *minor)
{
	const struct media_v2_entity *src = NULL, *proc = NULL, *sink = NULL;
	const struct media_v2_interface *intf = NULL;
	int data_links = 0, intf_links = 0;
	bool ok = true;

	for (uint32_t i = 0; i < tp->t.num_entities; i++) {
		const struct media_v2_entity *e = &tp->ents[i];
		if (e->function == MEDIA_ENT_F_PROC_VIDEO_DECODER && ends_with(e->name, "-proc"))
			proc = e;
		else if (e->function == MEDIA_ENT_F_IO_V4L && ends_with(e->name, "-source"))
			src = e;
		else if (e->function == MEDIA_ENT_F_IO_V4L && ends_with(e->name, "-sink"))
			sink = e;
	}
	check(tp->t.num_entities == 3 && src && proc && sink,
	      "%s topology: entities *-source (IO_V4L), *-proc (PROC_VIDEO_DECODER), *-sink "
	      "(IO_V4L) (%u entities)",
	      media, tp->t.num_entities);
	for (uint32_t i = 0; i < tp->t.num_interfaces; i++)
		if (tp->intfs[i].intf_type == MEDIA_INTF_T_V4L_VIDEO)
			intf = &tp->intfs[i];
	check(tp->t.num_interfaces == 1 && intf,
	      "%s topology: one MEDIA_INTF_T_V4L_VIDEO interface", media);
	if (!src || !proc || !sink || !intf)
		return false;
	check(intf->devnode.major == 81, "%s interface devnode major 81 (got %u)", media,
	      intf->devnode.major);

	bool src_to_proc = false, proc_to_sink = false, intf_src = false, intf_sink = false,
	     intf_proc = false;
	for (uint32_t i = 0; i < tp->t.num_links; i++) {
		const struct media_v2_link *l = &tp->links[i];
		uint32_t type = l->flags & LINK_TYPE_MASK;
		if (type == MEDIA_LNK_FL_DATA_LINK) {
			const struct media_v2_pad *a = find_pad(tp, l->source_id);
			const struct media_v2_pad *b = find_pad(tp, l->sink_id);
			data_links++;
			bool fl = (l->flags & (MEDIA_LNK_FL_ENABLED | MEDIA_LNK_FL_IMMUTABLE)) ==
				  (MEDIA_LNK_FL_ENABLED | MEDIA_LNK_FL_IMMUTABLE);
			if (a && b && fl && a->entity_id == src->id && b->entity_id == proc->id &&
			    (a->flags & MEDIA_PAD_FL_SOURCE) && (b->flags & MEDIA_PAD_FL_SINK))
				src_to_proc = true;
			if (a && b && fl && a->entity_id == proc->id && b->entity_id == sink->id &&
			    (a->flags & MEDIA_PAD_FL_SOURCE) && (b->flags & MEDIA_PAD_FL_SINK))
				proc_to_sink = true;
		} else if (type == MEDIA_LNK_FL_INTERFACE_LINK) {
			intf_links++;
			if (l->source_id != intf->id)
				continue;
			intf_src |= l->sink_id == src->id;
			intf_sink |= l->sink_id == sink->id;
			intf_proc |= l->sink_id == proc->id;
		}
	}
	check(src_to_proc && proc_to_sink && data_links == 2,
	      "%s topology: data links source->proc, proc->sink, ENABLED|IMMUTABLE", media);
	check(intf_src && intf_sink && !intf_proc && intf_links == 2,
	      "%s topology: interface links to source and sink entities only", media);
	/* pads: proc has sink pad 0 and source pad 1 */
	int proc_pads = 0;
	for (uint32_t i = 0; i < tp->t.num_pads; i++)
		if (tp->pads[i].entity_id == proc->id)
			proc_pads++;
	check(proc_pads == 2, "%s topology: decoder entity has 2 pads (got %d)", media, proc_pads);
	*major = intf->devnode.major;
	*minor = intf->devnode.minor;
	(void)ok;
	return true;
}

static int media_index(const char *name)
{
	int idx;
	char rest;

	if (sscanf(name, "media%d%c", &idx, &rest) != 1)
		return -1;
	return idx;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return (int)x->media_minor - (int)y->media_minor;
}

/* Walk /dev: media devices with a decoder entity -> their video node by st_rdev. */
static int discover(struct found *out, int max, bool verbose)
{
	DIR *d = opendir("/dev");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max) {
		char path[300];
		struct media_device_info info;
		struct topo tp;
		struct stat st;
		uint32_t maj, min;

		if (media_index(de->d_name) < 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		bool has_dec = false;
		if (!xioctl(fd, MEDIA_IOC_DEVICE_INFO, &info) && !get_topology(fd, &tp)) {
			for (uint32_t i = 0; i < tp.t.num_entities; i++)
				has_dec |= tp.ents[i].function == MEDIA_ENT_F_PROC_VIDEO_DECODER;
		}
		if (!has_dec || fstat(fd, &st)) {
			close(fd);
			continue;
		}
		if (verbose) {
			check(S_ISCHR(st.st_mode) && major(st.st_rdev) == 238,
			      "%s is a character device, major 238 (mode %o, rdev %u:%u)", path,
			      st.st_mode, major(st.st_rdev), minor(st.st_rdev));
			check(!strncmp(info.bus_info, "platform:", 9),
			      "%s MEDIA_IOC_DEVICE_INFO bus_info \"%s\" starts with platform:",
			      path, info.bus_info);
		}
		if (!(verbose ? check_topology(&tp, path, &maj, &min) : true)) {
			close(fd);
			continue;
		}
		if (!verbose) {
			/* quiet path for enumeration only */
			maj = min = 0;
			for (uint32_t i = 0; i < tp.t.num_interfaces; i++)
				if (tp.intfs[i].intf_type == MEDIA_INTF_T_V4L_VIDEO) {
					maj = tp.intfs[i].devnode.major;
					min = tp.intfs[i].devnode.minor;
				}
		}
		struct found *f = &out[n];
		memset(f, 0, sizeof(*f));
		snprintf(f->media, sizeof(f->media), "%s", path);
		snprintf(f->driver, sizeof(f->driver), "%s", info.driver);
		f->media_minor = minor(st.st_rdev);
		f->video_minor = min;
		close(fd);

		/* the video node whose st_rdev is the interface's devnode */
		DIR *d2 = opendir("/dev");
		struct dirent *ve;
		while (d2 && (ve = readdir(d2))) {
			char vp[300];
			if (strncmp(ve->d_name, "video", 5))
				continue;
			snprintf(vp, sizeof(vp), "/dev/%s", ve->d_name);
			if (!stat(vp, &st) && S_ISCHR(st.st_mode) &&
			    st.st_rdev == makedev(maj, min)) {
				snprintf(f->video, sizeof(f->video), "%s", vp);
				break;
			}
		}
		if (d2)
			closedir(d2);
		if (verbose)
			check(f->video[0] != '\0', "%s: video node with st_rdev %u:%u found (%s)",
			      path, maj, min, f->video[0] ? f->video : "none");
		if (f->video[0])
			n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_found);
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* A decoding session on one video node.                                                     */

#define MAX_BUFS 4

/* A format as both APIs describe it (one plane). */
struct pix {
	uint32_t fourcc, w, h, bpl, size, planes;
};

struct buf {
	void *map;
	size_t len;
};

struct session {
	const struct profile *prof;
	const struct found *dev;
	const struct h264_mini_picture *pic;
	int vfd, mfd;
	/* the API the node offers (QUERYCAP): MPLANE (hantro, rkvdec) or single-planar (mainline
	 * cedrus is V4L2_CAP_VIDEO_M2M) */
	bool mp;
	uint32_t out_t, cap_t;
	struct v4l2_format cap_fmt;
	struct pix cap_pix;
	struct buf out[MAX_BUFS], cap[MAX_BUFS];
	unsigned int n_out, n_cap;
	uint8_t payload[65536];
	size_t payload_size;
	/* the slices the next request carries (frame-based: all; slice-based: one) */
	int job_first, job_count;
};

static void job_default(struct session *s);

/* Learn the node's API from QUERYCAP; false if it is neither M2M nor M2M_MPLANE. */
static bool session_api(struct session *s)
{
	struct v4l2_capability cap;

	memset(&cap, 0, sizeof(cap));
	if (xioctl(s->vfd, VIDIOC_QUERYCAP, &cap))
		return false;
	s->mp = cap.device_caps & V4L2_CAP_VIDEO_M2M_MPLANE;
	if (!s->mp && !(cap.device_caps & V4L2_CAP_VIDEO_M2M))
		return false;
	s->out_t = s->mp ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT;
	s->cap_t = s->mp ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return true;
}

static void fmt_init(const struct session *s, struct v4l2_format *f, uint32_t type, uint32_t fourcc,
		     uint32_t w, uint32_t h, uint32_t size)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	if (s->mp) {
		f->fmt.pix_mp.pixelformat = fourcc;
		f->fmt.pix_mp.width = w;
		f->fmt.pix_mp.height = h;
		f->fmt.pix_mp.num_planes = 1;
		f->fmt.pix_mp.plane_fmt[0].sizeimage = size;
	} else {
		f->fmt.pix.pixelformat = fourcc;
		f->fmt.pix.width = w;
		f->fmt.pix.height = h;
		f->fmt.pix.sizeimage = size;
	}
}

static struct pix fmt_get(const struct session *s, const struct v4l2_format *f)
{
	struct pix p;

	if (s->mp) {
		p.fourcc = f->fmt.pix_mp.pixelformat;
		p.w = f->fmt.pix_mp.width;
		p.h = f->fmt.pix_mp.height;
		p.bpl = f->fmt.pix_mp.plane_fmt[0].bytesperline;
		p.size = f->fmt.pix_mp.plane_fmt[0].sizeimage;
		p.planes = f->fmt.pix_mp.num_planes;
	} else {
		p.fourcc = f->fmt.pix.pixelformat;
		p.w = f->fmt.pix.width;
		p.h = f->fmt.pix.height;
		p.bpl = f->fmt.pix.bytesperline;
		p.size = f->fmt.pix.sizeimage;
		p.planes = 1;
	}
	return p;
}

static int set_ext_ctrls(int fd, unsigned long req, uint32_t which, int request_fd,
			 struct v4l2_ext_control *c, unsigned int n, uint32_t *error_idx)
{
	struct v4l2_ext_controls cs;

	memset(&cs, 0, sizeof(cs));
	cs.which = which;
	cs.count = n;
	cs.controls = c;
	cs.request_fd = request_fd;
	int ret = xioctl(fd, req, &cs);
	int e = errno;
	if (error_idx)
		*error_idx = cs.error_idx;
	errno = e;
	return ret;
}

static struct v4l2_ext_control ctrl_ptr(uint32_t id, void *p, uint32_t size)
{
	struct v4l2_ext_control c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.size = size;
	c.ptr = p;
	return c;
}

/* The controls of the test picture: SPS, PPS, DECODE_PARAMS (+ SLICE_PARAMS slice-based). */
static unsigned int picture_ctrls(struct session *s, struct v4l2_ext_control *c,
				  struct h264_mini_picture *copy, bool with_slice)
{
	unsigned int n = 0;

	*copy = *s->pic;
	c[n++] = ctrl_ptr(V4L2_CID_STATELESS_H264_SPS, &copy->sps, sizeof(copy->sps));
	c[n++] = ctrl_ptr(V4L2_CID_STATELESS_H264_PPS, &copy->pps, sizeof(copy->pps));
	c[n++] =
	    ctrl_ptr(V4L2_CID_STATELESS_H264_DECODE_PARAMS, &copy->decode, sizeof(copy->decode));
	if (with_slice)
		c[n++] = ctrl_ptr(V4L2_CID_STATELESS_H264_SLICE_PARAMS, &copy->slice[s->job_first],
				  sizeof(copy->slice[0]));
	return n;
}

static void session_close(struct session *s)
{
	for (unsigned int i = 0; i < MAX_BUFS; i++) {
		if (s->out[i].map)
			munmap(s->out[i].map, s->out[i].len);
		if (s->cap[i].map)
			munmap(s->cap[i].map, s->cap[i].len);
	}
	if (s->vfd >= 0)
		close(s->vfd);
	if (s->mfd >= 0)
		close(s->mfd);
	memset(s->out, 0, sizeof(s->out));
	memset(s->cap, 0, sizeof(s->cap));
	s->vfd = s->mfd = -1;
}

static int map_buffers(struct session *s, uint32_t type, unsigned int count, struct buf *bufs)
{
	for (unsigned int i = 0; i < count; i++) {
		struct v4l2_plane planes[VIDEO_MAX_PLANES];
		struct v4l2_buffer b;
		memset(&b, 0, sizeof(b));
		memset(planes, 0, sizeof(planes));
		b.type = type;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (s->mp) {
			b.length = VIDEO_MAX_PLANES;
			b.m.planes = planes;
		}
		if (xioctl(s->vfd, VIDIOC_QUERYBUF, &b))
			return -1;
		if (s->mp && b.length != 1) {
			errno = EPROTO;
			return -1;
		}
		size_t len = s->mp ? planes[0].length : b.length;
		off_t offset = s->mp ? planes[0].m.mem_offset : b.m.offset;
		bufs[i].len = len;
		bufs[i].map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->vfd, offset);
		if (bufs[i].map == MAP_FAILED) {
			bufs[i].map = NULL;
			return -1;
		}
	}
	return 0;
}

/*
 * Quiet setup used by the misuse checks: open, S_FMT OUTPUT, SPS, REQBUFS + mmap. A failure of
 * the setup is itself reported as a failed check (a missing prerequisite is a failure).
 */
static bool session_setup(struct session *s, unsigned int n_out, unsigned int n_cap,
			  const char *why)
{
	struct v4l2_format f;
	struct v4l2_requestbuffers rb;
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];
	const char *step = "open";

	job_default(s);
	s->vfd = open(s->dev->video, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	s->mfd = open(s->dev->media, O_RDWR | O_CLOEXEC);
	if (s->vfd < 0 || s->mfd < 0)
		goto fail;
	step = "QUERYCAP";
	if (!session_api(s))
		goto fail;
	step = "S_FMT(OUTPUT)";
	fmt_init(s, &f, s->out_t, V4L2_PIX_FMT_H264_SLICE, (uint32_t)s->pic->width,
		 (uint32_t)s->pic->height, 256 * 1024);
	if (xioctl(s->vfd, VIDIOC_S_FMT, &f))
		goto fail;
	step = "S_EXT_CTRLS(SPS)";
	picture_ctrls(s, c, &copy, false);
	if (set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 1, NULL))
		goto fail;
	step = "G_FMT(CAPTURE)";
	memset(&s->cap_fmt, 0, sizeof(s->cap_fmt));
	s->cap_fmt.type = s->cap_t;
	if (xioctl(s->vfd, VIDIOC_G_FMT, &s->cap_fmt))
		goto fail;
	s->cap_pix = fmt_get(s, &s->cap_fmt);
	step = "REQBUFS(OUTPUT)";
	if (n_out) {
		memset(&rb, 0, sizeof(rb));
		rb.type = s->out_t;
		rb.memory = V4L2_MEMORY_MMAP;
		rb.count = n_out;
		if (xioctl(s->vfd, VIDIOC_REQBUFS, &rb) || rb.count < n_out || rb.count > MAX_BUFS)
			goto fail;
		s->n_out = rb.count;
		step = "QUERYBUF/mmap(OUTPUT)";
		if (map_buffers(s, rb.type, rb.count, s->out))
			goto fail;
	}
	step = "REQBUFS(CAPTURE)";
	if (n_cap) {
		memset(&rb, 0, sizeof(rb));
		rb.type = s->cap_t;
		rb.memory = V4L2_MEMORY_MMAP;
		rb.count = n_cap;
		if (xioctl(s->vfd, VIDIOC_REQBUFS, &rb) || rb.count < n_cap || rb.count > MAX_BUFS)
			goto fail;
		s->n_cap = rb.count;
		step = "QUERYBUF/mmap(CAPTURE)";
		if (map_buffers(s, rb.type, rb.count, s->cap))
			goto fail;
	}
	return true;
fail:
	check(false, "setup for \"%s\": %s failed: %s", why, step, errname(errno));
	session_close(s);
	return false;
}

/* The OUTPUT payload in the profile's start-code mode: the IDR slice NAL unit. */
static void build_payload(struct session *s)
{
	size_t n = 0;

	for (int k = s->job_first; k < s->job_first + s->job_count && k < s->pic->n_slices; k++) {
		const struct h264_mini_nal *nal = &s->pic->slice_nal[k];
		if (n + 3 + nal->size > sizeof(s->payload))
			break;
		if (s->prof->start_code == V4L2_STATELESS_H264_START_CODE_ANNEX_B) {
			s->payload[n++] = 0;
			s->payload[n++] = 0;
			s->payload[n++] = 1;
		}
		memcpy(s->payload + n, nal->data, nal->size);
		n += nal->size;
	}
	s->payload_size = n;
}

/* What one request carries by default: the whole picture (frame-based) or its first slice. */
static void job_default(struct session *s)
{
	s->job_first = 0;
	s->job_count = s->prof->decode_mode == V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED
			   ? 1
			   : s->pic->n_slices;
}

static int qbuf(struct session *s, uint32_t type, unsigned int index, int request_fd,
		uint32_t extra_flags, uint64_t ts_us)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	memset(planes, 0, sizeof(planes));
	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	if (s->mp) {
		b.length = 1;
		b.m.planes = planes;
	}
	b.flags = extra_flags;
	if (request_fd != -2) {
		b.flags |= V4L2_BUF_FLAG_REQUEST_FD;
		b.request_fd = request_fd;
	}
	if (type == s->out_t) {
		if (index < MAX_BUFS && s->out[index].map && s->payload_size <= s->out[index].len)
			memcpy(s->out[index].map, s->payload, s->payload_size);
		planes[0].bytesused = (uint32_t)s->payload_size;
		b.bytesused = (uint32_t)s->payload_size;
		b.timestamp.tv_sec = (time_t)(ts_us / 1000000);
		b.timestamp.tv_usec = (suseconds_t)(ts_us % 1000000);
	}
	return xioctl(s->vfd, VIDIOC_QBUF, &b);
}

#define NO_REQUEST (-2)

static int dqbuf(struct session *s, uint32_t type, struct v4l2_buffer *b, struct v4l2_plane *planes)
{
	memset(b, 0, sizeof(*b));
	memset(planes, 0, sizeof(*planes) * VIDEO_MAX_PLANES);
	b->type = type;
	b->memory = V4L2_MEMORY_MMAP;
	if (s->mp) {
		b->length = VIDEO_MAX_PLANES;
		b->m.planes = planes;
	}
	int ret = xioctl(s->vfd, VIDIOC_DQBUF, b);
	if (!s->mp)
		planes[0].bytesused = b->bytesused; /* one place to read it */
	return ret;
}

static int stream(struct session *s, unsigned long req, uint32_t type)
{
	int t = (int)type;

	return xioctl(s->vfd, req, &t);
}

static int alloc_request(struct session *s)
{
	int fd = -1;

	if (xioctl(s->mfd, MEDIA_IOC_REQUEST_ALLOC, &fd))
		return -1;
	return fd;
}

/* ---------------------------------------------------------------------------------------- */
/* Picture comparison (docs/design.md layouts).                                               */

static size_t layout_offset(uint32_t fourcc, uint32_t bpl, uint32_t x, uint32_t y)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		return (size_t)(y / 4) * bpl * 4 + (x / 4) * 16 + (y % 4) * 4 + x % 4;
	case V4L2_PIX_FMT_NV12_32L32:
		return (size_t)(y / 32) * bpl * 32 + (x / 32) * 1024 + (y % 32) * 32 + x % 32;
	default:
		return (size_t)y * bpl + x;
	}
}

static size_t chroma_start(uint32_t fourcc, uint32_t bpl, uint32_t h)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		return (size_t)bpl * ALIGN_UP(h, 16);
	case V4L2_PIX_FMT_NV12_32L32:
		return (size_t)bpl * ALIGN_UP(h, 32);
	default:
		return (size_t)bpl * h;
	}
}

static size_t expected_sizeimage(uint32_t fourcc, uint32_t w, uint32_t h, uint32_t *bpl)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_32L32:
		*bpl = ALIGN_UP(w, 32);
		return (size_t)*bpl * (ALIGN_UP(h, 32) + ALIGN_UP(h / 2, 32));
	case V4L2_PIX_FMT_NV12_4L4:
		*bpl = ALIGN_UP(w, 16);
		return (size_t)*bpl * ALIGN_UP(h, 16) * 3 / 2;
	default:
		*bpl = ALIGN_UP(w, 16);
		return (size_t)*bpl * h * 3 / 2;
	}
}

/* Count differing samples between a CAPTURE buffer and an I420 reference frame. */
static long compare_picture(const uint8_t *buf, size_t len, uint32_t fourcc, uint32_t bpl,
			    uint32_t w, uint32_t h, const uint8_t *ref)
{
	long diff = 0;
	size_t c0 = chroma_start(fourcc, bpl, h);
	const uint8_t *ru = ref + (size_t)w * h, *rv = ru + (size_t)(w / 2) * (h / 2);

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			size_t o = layout_offset(fourcc, bpl, x, y);
			if (o >= len || buf[o] != ref[(size_t)y * w + x])
				diff++;
		}
	for (uint32_t y = 0; y < h / 2; y++)
		for (uint32_t x = 0; x < w / 2; x++) {
			size_t ou = c0 + layout_offset(fourcc, bpl, 2 * x, y);
			size_t ov = c0 + layout_offset(fourcc, bpl, 2 * x + 1, y);
			if (ou >= len || buf[ou] != ru[(size_t)y * (w / 2) + x])
				diff++;
			if (ov >= len || buf[ov] != rv[(size_t)y * (w / 2) + x])
				diff++;
		}
	return diff;
}

/* ---------------------------------------------------------------------------------------- */
/* The documented sequence.                                                                   */

static void check_querycap(struct session *s)
{
	struct v4l2_capability cap;
	struct media_device_info info;

	memset(&cap, 0, sizeof(cap));
	check_ok(xioctl(s->vfd, VIDIOC_QUERYCAP, &cap), "VIDIOC_QUERYCAP");
	check(!strcmp((char *)cap.driver, s->prof->driver), "QUERYCAP driver \"%s\" (want \"%s\")",
	      (char *)cap.driver, s->prof->driver);
	/* v4l_querycap adds EXT_PIX_FORMAT to both fields for every driver. hantro and rkvdec are
	 * M2M_MPLANE; mainline cedrus is single-planar M2M (cedrus_video_device.device_caps). */
	uint32_t m2m = s->mp ? V4L2_CAP_VIDEO_M2M_MPLANE : V4L2_CAP_VIDEO_M2M;
	check(cap.device_caps == (m2m | V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT),
	      "QUERYCAP device_caps 0x%08x == %s|STREAMING|EXT_PIX_FORMAT (v4l_querycap)",
	      cap.device_caps, s->mp ? "M2M_MPLANE" : "M2M");
	if (s->prof->api)
		check(s->mp == (s->prof->api == 'm'), "the node offers the %s API (option api=%s)",
		      s->mp ? "MPLANE" : "single-planar",
		      s->prof->api == 'm' ? "mplane" : "single");
	check((cap.capabilities & V4L2_CAP_DEVICE_CAPS) &&
		  (cap.capabilities & cap.device_caps) == cap.device_caps,
	      "QUERYCAP capabilities 0x%08x has DEVICE_CAPS and the device caps", cap.capabilities);
	check(!strncmp((char *)cap.bus_info, "platform:", 9), "QUERYCAP bus_info \"%s\"",
	      (char *)cap.bus_info);
	memset(&info, 0, sizeof(info));
	check_ok(xioctl(s->mfd, MEDIA_IOC_DEVICE_INFO, &info), "MEDIA_IOC_DEVICE_INFO");
	check(!strcmp(info.driver, s->prof->driver) && !strcmp(info.bus_info, (char *)cap.bus_info),
	      "media driver \"%s\" / bus_info \"%s\" match the video node", info.driver,
	      info.bus_info);
}

static void check_formats(struct session *s)
{
	struct v4l2_fmtdesc fd;
	bool found = false;

	for (uint32_t i = 0; i < 32; i++) {
		memset(&fd, 0, sizeof(fd));
		fd.type = s->out_t;
		fd.index = i;
		if (xioctl(s->vfd, VIDIOC_ENUM_FMT, &fd)) {
			check(errno == EINVAL,
			      "ENUM_FMT(OUTPUT) ends with EINVAL at index %u (got %s)", i,
			      errname(errno));
			break;
		}
		found |= fd.pixelformat == V4L2_PIX_FMT_H264_SLICE;
	}
	check(found, "ENUM_FMT(OUTPUT) lists H264_SLICE");

	struct v4l2_frmsizeenum fs;
	memset(&fs, 0, sizeof(fs));
	fs.pixel_format = V4L2_PIX_FMT_H264_SLICE;
	check_ok(xioctl(s->vfd, VIDIOC_ENUM_FRAMESIZES, &fs), "ENUM_FRAMESIZES(H264_SLICE)");
	check(fs.type == V4L2_FRMSIZE_TYPE_STEPWISE && fs.stepwise.min_width == s->prof->min_w &&
		  fs.stepwise.min_height == s->prof->min_h &&
		  fs.stepwise.max_width == s->prof->max_w &&
		  fs.stepwise.max_height == s->prof->max_h,
	      "ENUM_FRAMESIZES stepwise %ux%u..%ux%u (want %ux%u..%ux%u)", fs.stepwise.min_width,
	      fs.stepwise.min_height, fs.stepwise.max_width, fs.stepwise.max_height, s->prof->min_w,
	      s->prof->min_h, s->prof->max_w, s->prof->max_h);

	/* S_FMT OUTPUT, then the CAPTURE format must have been reset for that size */
	struct v4l2_format f;
	fmt_init(s, &f, s->out_t, V4L2_PIX_FMT_H264_SLICE, (uint32_t)s->pic->width,
		 (uint32_t)s->pic->height, 256 * 1024);
	check_ok(xioctl(s->vfd, VIDIOC_S_FMT, &f), "S_FMT(OUTPUT, H264_SLICE)");
	struct pix op = fmt_get(s, &f);
	check(op.fourcc == V4L2_PIX_FMT_H264_SLICE && op.w == (uint32_t)s->pic->width &&
		  op.h == (uint32_t)s->pic->height && op.planes == 1 && op.size > 0,
	      "S_FMT(OUTPUT) returns H264_SLICE %ux%u, 1 plane, sizeimage %u", op.w, op.h, op.size);

	memset(&s->cap_fmt, 0, sizeof(s->cap_fmt));
	s->cap_fmt.type = s->cap_t;
	check_ok(xioctl(s->vfd, VIDIOC_G_FMT, &s->cap_fmt), "G_FMT(CAPTURE)");
	s->cap_pix = fmt_get(s, &s->cap_fmt);
	const struct pix *cp = &s->cap_pix;
	uint32_t bpl;
	size_t want = expected_sizeimage(s->prof->capture_fourcc, (uint32_t)s->pic->width,
					 (uint32_t)s->pic->height, &bpl);
	check(cp->fourcc == s->prof->capture_fourcc, "G_FMT(CAPTURE) reset to %.4s (got %.4s)",
	      (const char *)&s->prof->capture_fourcc, (const char *)&cp->fourcc);
	/* The CAPTURE height is the allocated one: cedrus_prepare_format() reports
	 * ALIGN(h, 32) for NV12_32L32 (the format needs 32-aligned height) and ALIGN(h, 16) for
	 * NV12; hantro/rkvdec report the macroblock-aligned size. Clients (GStreamer) place the
	 * CbCr plane at bytesperline * height. */
	uint32_t want_h = (uint32_t)s->pic->height;
	want_h = s->prof->capture_fourcc == V4L2_PIX_FMT_NV12_32L32 ? ALIGN_UP(want_h, 32)
								    : ALIGN_UP(want_h, 16);
	check(cp->w == (uint32_t)s->pic->width && cp->h == want_h && cp->planes == 1,
	      "G_FMT(CAPTURE) %ux%u (want %ux%u), %u plane(s)", cp->w, cp->h,
	      (uint32_t)s->pic->width, want_h, cp->planes);
	if (s->prof->capture_fourcc == V4L2_PIX_FMT_NV12_4L4)
		check(cp->bpl == bpl && cp->size >= want,
		      "G_FMT(CAPTURE) bytesperline %u (want %u), sizeimage %u (>= %zu)", cp->bpl,
		      bpl, cp->size, want);
	else
		check(cp->bpl == bpl && cp->size == want,
		      "G_FMT(CAPTURE) bytesperline %u (want %u), sizeimage %u (want %zu)", cp->bpl,
		      bpl, cp->size, want);

	/* TRY_FMT on OUTPUT does not change the state */
	struct v4l2_format t;
	fmt_init(s, &t, s->out_t, V4L2_PIX_FMT_H264_SLICE, 1280, 720, 256 * 1024);
	check_ok(xioctl(s->vfd, VIDIOC_TRY_FMT, &t), "TRY_FMT(OUTPUT 1280x720)");
	struct v4l2_format g;
	memset(&g, 0, sizeof(g));
	g.type = s->out_t;
	int gret = xioctl(s->vfd, VIDIOC_G_FMT, &g);
	check(!gret && fmt_get(s, &g).w == (uint32_t)s->pic->width,
	      "TRY_FMT left the OUTPUT format at width %u", fmt_get(s, &g).w);
}

static void check_sps_and_capture_formats(struct session *s)
{
	struct h264_mini_picture copy, back;
	struct v4l2_ext_control c[4];

	picture_ctrls(s, c, &copy, false);
	check_ok(set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 1, NULL),
		 "S_EXT_CTRLS(SPS) as current value");
	memset(&back, 0, sizeof(back));
	struct v4l2_ext_control g =
	    ctrl_ptr(V4L2_CID_STATELESS_H264_SPS, &back.sps, sizeof(back.sps));
	check_ok(set_ext_ctrls(s->vfd, VIDIOC_G_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, &g, 1, NULL),
		 "G_EXT_CTRLS(SPS) current value");
	check(!memcmp(&back.sps, &copy.sps, sizeof(back.sps)),
	      "G_EXT_CTRLS(SPS) returns the value set (profile_idc %u, %ux%u MBs)",
	      back.sps.profile_idc, back.sps.pic_width_in_mbs_minus1 + 1,
	      back.sps.pic_height_in_map_units_minus1 + 1);

	bool found = false, ten = false;
	for (uint32_t i = 0; i < 32; i++) {
		struct v4l2_fmtdesc fd;
		memset(&fd, 0, sizeof(fd));
		fd.type = s->cap_t;
		fd.index = i;
		if (xioctl(s->vfd, VIDIOC_ENUM_FMT, &fd))
			break;
		found |= fd.pixelformat == s->prof->capture_fourcc;
		ten |= fd.pixelformat == V4L2_PIX_FMT_P010 || fd.pixelformat == V4L2_PIX_FMT_NV15 ||
		       fd.pixelformat == V4L2_PIX_FMT_P010_4L4;
	}
	check(found, "ENUM_FMT(CAPTURE) lists %.4s after an 8-bit SPS",
	      (const char *)&s->prof->capture_fourcc);
	check(!ten, "ENUM_FMT(CAPTURE) lists no 10-bit format for an 8-bit SPS");
}

struct ctrl_expect {
	uint32_t id;
	uint32_t type;
	uint32_t size;
	const char *name;
};

static void check_controls(struct session *s)
{
	const struct ctrl_expect exp[] = {
	    {V4L2_CID_STATELESS_H264_SPS, V4L2_CTRL_TYPE_H264_SPS,
	     sizeof(struct v4l2_ctrl_h264_sps), "SPS"},
	    {V4L2_CID_STATELESS_H264_PPS, V4L2_CTRL_TYPE_H264_PPS,
	     sizeof(struct v4l2_ctrl_h264_pps), "PPS"},
	    {V4L2_CID_STATELESS_H264_SCALING_MATRIX, V4L2_CTRL_TYPE_H264_SCALING_MATRIX,
	     sizeof(struct v4l2_ctrl_h264_scaling_matrix), "SCALING_MATRIX"},
	    {V4L2_CID_STATELESS_H264_DECODE_PARAMS, V4L2_CTRL_TYPE_H264_DECODE_PARAMS,
	     sizeof(struct v4l2_ctrl_h264_decode_params), "DECODE_PARAMS"},
	    {V4L2_CID_STATELESS_H264_SLICE_PARAMS, V4L2_CTRL_TYPE_H264_SLICE_PARAMS,
	     sizeof(struct v4l2_ctrl_h264_slice_params), "SLICE_PARAMS"},
	    {V4L2_CID_STATELESS_H264_PRED_WEIGHTS, V4L2_CTRL_TYPE_H264_PRED_WEIGHTS,
	     sizeof(struct v4l2_ctrl_h264_pred_weights), "PRED_WEIGHTS"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(exp); i++) {
		struct v4l2_query_ext_ctrl q;
		bool slice_only = exp[i].id == V4L2_CID_STATELESS_H264_SLICE_PARAMS ||
				  exp[i].id == V4L2_CID_STATELESS_H264_PRED_WEIGHTS;
		memset(&q, 0, sizeof(q));
		q.id = exp[i].id;
		int ret = xioctl(s->vfd, VIDIOC_QUERY_EXT_CTRL, &q);
		if (slice_only && !s->prof->has_slice_params) {
			char what[400];
			snprintf(
			    what, sizeof(what),
			    "QUERY_EXT_CTRL(%s) absent on a frame-based %s (as the real driver)",
			    exp[i].name, s->prof->name);
			check_errno(ret, EINVAL, what);
			continue;
		}
		check(
		    ret == 0 && q.type == exp[i].type && q.elem_size == exp[i].size &&
			q.elems == 1 && q.nr_of_dims == 0 && (q.flags & V4L2_CTRL_FLAG_HAS_PAYLOAD),
		    "QUERY_EXT_CTRL(%s): type 0x%x (want 0x%x), elem_size %u (want %u), elems %u, "
		    "HAS_PAYLOAD %d",
		    exp[i].name, q.type, exp[i].type, q.elem_size, exp[i].size, q.elems,
		    !!(q.flags & V4L2_CTRL_FLAG_HAS_PAYLOAD));
	}

	const struct {
		uint32_t id;
		int want;
		int last;
		const char *name;
	} menus[] = {
	    {V4L2_CID_STATELESS_H264_DECODE_MODE, s->prof->decode_mode,
	     V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED, "DECODE_MODE"},
	    {V4L2_CID_STATELESS_H264_START_CODE, s->prof->start_code,
	     V4L2_STATELESS_H264_START_CODE_ANNEX_B, "START_CODE"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(menus); i++) {
		struct v4l2_query_ext_ctrl q;
		memset(&q, 0, sizeof(q));
		q.id = menus[i].id;
		int ret = xioctl(s->vfd, VIDIOC_QUERY_EXT_CTRL, &q);
		check(ret == 0 && q.type == V4L2_CTRL_TYPE_MENU && q.minimum == menus[i].want &&
			  q.maximum == menus[i].want && q.default_value == menus[i].want,
		      "QUERY_EXT_CTRL(%s): MENU min %lld max %lld default %lld (want all %d)",
		      menus[i].name, (long long)q.minimum, (long long)q.maximum,
		      (long long)q.default_value, menus[i].want);
		for (int v = 0; v <= menus[i].last; v++) {
			struct v4l2_querymenu qm;
			memset(&qm, 0, sizeof(qm));
			qm.id = menus[i].id;
			qm.index = (uint32_t)v;
			ret = xioctl(s->vfd, VIDIOC_QUERYMENU, &qm);
			if (v == menus[i].want)
				check(ret == 0 && qm.name[0], "QUERYMENU(%s, %d) offered",
				      menus[i].name, v);
			else
				check(ret == -1 && errno == EINVAL,
				      "QUERYMENU(%s, %d) not offered -> EINVAL (got %s)",
				      menus[i].name, v, ret ? errname(errno) : "success");
		}
		struct v4l2_control gc = {.id = menus[i].id};
		int cret = xioctl(s->vfd, VIDIOC_G_CTRL, &gc);
		check(!cret && gc.value == menus[i].want, "G_CTRL(%s) = %d (want %d)",
		      menus[i].name, gc.value, menus[i].want);
	}

	/* enumeration with NEXT_CTRL | NEXT_COMPOUND reaches the compound controls */
	int seen = 0;
	struct v4l2_query_ext_ctrl q;
	memset(&q, 0, sizeof(q));
	q.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	for (int guard = 0; guard < 256 && !xioctl(s->vfd, VIDIOC_QUERY_EXT_CTRL, &q); guard++) {
		if (q.id == V4L2_CID_STATELESS_H264_SPS || q.id == V4L2_CID_STATELESS_H264_PPS ||
		    q.id == V4L2_CID_STATELESS_H264_DECODE_PARAMS)
			seen++;
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	}
	check(seen == 3,
	      "QUERY_EXT_CTRL enumeration (NEXT_CTRL|NEXT_COMPOUND) finds SPS, PPS, "
	      "DECODE_PARAMS (%d of 3)",
	      seen);
}

static void check_bad_values(struct session *s)
{
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];
	uint32_t idx = 99;
	int ret;

	/* compound payload too small: G -> ENOSPC with the size, S/TRY -> EFAULT
	 * (v4l2-ctrls-api.c prepare_ext_ctrls) */
	picture_ctrls(s, c, &copy, false);
	c[0].size = sizeof(copy.sps) - 1;
	ret = set_ext_ctrls(s->vfd, VIDIOC_G_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 1, NULL);
	check_errno(ret, ENOSPC, "G_EXT_CTRLS(SPS, size sizeof-1) (prepare_ext_ctrls)");
	check(c[0].size == sizeof(copy.sps), "G_EXT_CTRLS ENOSPC reports the size %u (want %zu)",
	      c[0].size, sizeof(copy.sps));
	picture_ctrls(s, c, &copy, false);
	c[0].size = sizeof(copy.sps) - 1;
	ret = set_ext_ctrls(s->vfd, VIDIOC_TRY_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 1, NULL);
	check_errno(ret, EFAULT, "TRY_EXT_CTRLS(SPS, size sizeof-1) (prepare_ext_ctrls: set/try)");

	/* std_validate_compound: pic_order_cnt_type > 2 -> EINVAL; error_idx = failing index */
	picture_ctrls(s, c, &copy, false);
	c[0] = ctrl_ptr(V4L2_CID_STATELESS_H264_PPS, &copy.pps, sizeof(copy.pps));
	c[1] = ctrl_ptr(V4L2_CID_STATELESS_H264_SPS, &copy.sps, sizeof(copy.sps));
	copy.sps.pic_order_cnt_type = 3;
	ret = set_ext_ctrls(s->vfd, VIDIOC_TRY_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 2, &idx);
	check_errno(ret, EINVAL, "TRY_EXT_CTRLS([PPS ok, SPS pic_order_cnt_type=3])");
	check(ret == -1 && idx == 1, "TRY_EXT_CTRLS error_idx = 1 (got %u)", idx);

	picture_ctrls(s, c, &copy, false);
	copy.decode.nal_ref_idc = 4;
	c[0] = ctrl_ptr(V4L2_CID_STATELESS_H264_DECODE_PARAMS, &copy.decode, sizeof(copy.decode));
	idx = 99;
	ret = set_ext_ctrls(s->vfd, VIDIOC_TRY_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 1, &idx);
	check_errno(ret, EINVAL, "TRY_EXT_CTRLS(DECODE_PARAMS nal_ref_idc=4)");
	check(ret == -1 && idx == 0, "TRY_EXT_CTRLS error_idx = 0 (got %u)", idx);

	picture_ctrls(s, c, &copy, false);
	copy.pps.pic_init_qp_minus26 = 26;
	c[0] = ctrl_ptr(V4L2_CID_STATELESS_H264_PPS, &copy.pps, sizeof(copy.pps));
	ret = set_ext_ctrls(s->vfd, VIDIOC_TRY_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, c, 1, NULL);
	check_errno(ret, EINVAL, "TRY_EXT_CTRLS(PPS pic_init_qp_minus26=26)");

	/* menu value outside [min, max] -> ERANGE (std_validate, MENU) */
	struct v4l2_ext_control m[2];
	memset(m, 0, sizeof(m));
	m[0] = ctrl_ptr(V4L2_CID_STATELESS_H264_SPS, &copy.sps, sizeof(copy.sps));
	copy = *s->pic;
	m[1].id = V4L2_CID_STATELESS_H264_DECODE_MODE;
	m[1].value = s->prof->decode_mode == 0 ? 1 : 0;
	idx = 99;
	ret = set_ext_ctrls(s->vfd, VIDIOC_TRY_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, m, 2, &idx);
	check_errno(ret, ERANGE, "TRY_EXT_CTRLS([SPS ok, DECODE_MODE other mode]) (menu range)");
	check(ret == -1 && idx == 1, "TRY_EXT_CTRLS error_idx = 1 (got %u)", idx);

	/* an unknown control id -> EINVAL */
	struct v4l2_ext_control u;
	memset(&u, 0, sizeof(u));
	u.id = V4L2_CID_CODEC_STATELESS_BASE + 999;
	ret = set_ext_ctrls(s->vfd, VIDIOC_TRY_EXT_CTRLS, V4L2_CTRL_WHICH_CUR_VAL, 0, &u, 1, NULL);
	check_errno(ret, EINVAL, "TRY_EXT_CTRLS(unknown id)");
}

/* Stateless flush: cedrus has v4l2_m2m_ioctl_stateless_(try_)decoder_cmd (FLUSH only); hantro
 * and rkvdec have no decoder commands (ENOTTY). */
static void check_decoder_cmd(struct session *s)
{
	struct v4l2_decoder_cmd dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = V4L2_DEC_CMD_FLUSH;
	dc.flags = 0;
	int ret = xioctl(s->vfd, VIDIOC_TRY_DECODER_CMD, &dc);
	if (!s->prof->hold_capture) {
		check_errno(ret, ENOTTY, "TRY_DECODER_CMD(FLUSH) on a frame-based decoder");
		return;
	}
	check_ok(ret, "TRY_DECODER_CMD(FLUSH) (v4l2_m2m_ioctl_stateless_try_decoder_cmd)");
	memset(&dc, 0, sizeof(dc));
	dc.cmd = V4L2_DEC_CMD_STOP;
	check_errno(xioctl(s->vfd, VIDIOC_TRY_DECODER_CMD, &dc), EINVAL,
		    "TRY_DECODER_CMD(STOP) on a stateless decoder");
	memset(&dc, 0, sizeof(dc));
	dc.cmd = V4L2_DEC_CMD_FLUSH;
	check_ok(xioctl(s->vfd, VIDIOC_DECODER_CMD, &dc),
		 "DECODER_CMD(FLUSH) with nothing queued (v4l2_m2m_ioctl_stateless_decoder_cmd)");
}

/* Slice-based: DECODER_CMD(FLUSH) releases a held CAPTURE buffer when no OUTPUT buffer is
 * pending (v4l2_m2m_ioctl_stateless_decoder_cmd: is_held cleared, buffer done). */
static void hold_then_flush(struct session *s)
{
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];
	struct v4l2_buffer b;
	struct v4l2_plane planes[VIDEO_MAX_PLANES];

	if (!s->prof->hold_capture || s->pic->n_slices < 2)
		return;
	if (!session_setup(s, 2, 1, "hold then flush"))
		return;
	stream(s, VIDIOC_STREAMON, s->out_t);
	stream(s, VIDIOC_STREAMON, s->cap_t);
	qbuf(s, s->cap_t, 0, NO_REQUEST, 0, 0);
	int r = alloc_request(s);
	s->job_first = 0;
	s->job_count = 1;
	unsigned int n = picture_ctrls(s, c, &copy, true);
	build_payload(s);
	int ret =
	    set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, r, c, n, NULL);
	if (!ret)
		ret = qbuf(s, s->out_t, 0, r, V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF, 5000);
	if (!ret)
		ret = xioctl(r, MEDIA_REQUEST_IOC_QUEUE, NULL);
	check_ok(ret, "first slice queued with HOLD_CAPTURE_BUF");
	struct pollfd p = {.fd = r, .events = POLLPRI};
	int pr = poll(&p, 1, 10000);
	check(pr == 1 && (p.revents & POLLPRI), "first slice completes");
	check_ok(dqbuf(s, s->out_t, &b, planes), "DQBUF(OUTPUT) slice 1");
	check_errno(dqbuf(s, s->cap_t, &b, planes), EAGAIN, "DQBUF(CAPTURE) while held");
	struct v4l2_decoder_cmd dc;
	memset(&dc, 0, sizeof(dc));
	dc.cmd = V4L2_DEC_CMD_FLUSH;
	check_ok(xioctl(s->vfd, VIDIOC_DECODER_CMD, &dc), "DECODER_CMD(FLUSH) with a held buffer");
	struct pollfd pv = {.fd = s->vfd, .events = POLLIN};
	pr = poll(&pv, 1, 5000);
	ret = dqbuf(s, s->cap_t, &b, planes);
	check(pr == 1 && ret == 0 && b.index == 0 &&
		  (uint64_t)b.timestamp.tv_sec * 1000000 + (uint64_t)b.timestamp.tv_usec == 5000,
	      "FLUSH released the held CAPTURE buffer (poll %d, DQBUF %s, index %u)", pr,
	      ret ? errname(errno) : "ok", b.index);
	close(r);
	session_close(s);
}

static void check_reqbufs_caps(struct session *s)
{
	struct v4l2_requestbuffers rb;

	memset(&rb, 0, sizeof(rb));
	rb.type = s->out_t;
	rb.memory = V4L2_MEMORY_MMAP;
	check_ok(xioctl(s->vfd, VIDIOC_REQBUFS, &rb), "REQBUFS(OUTPUT, count 0)");
	uint32_t want = V4L2_BUF_CAP_SUPPORTS_MMAP | V4L2_BUF_CAP_SUPPORTS_REQUESTS;
	check((rb.capabilities & want) == want, "OUTPUT capabilities 0x%x has MMAP|REQUESTS",
	      rb.capabilities);
	bool hold = rb.capabilities & V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF;
	check(hold == s->prof->hold_capture, "OUTPUT SUPPORTS_M2M_HOLD_CAPTURE_BUF %s (want %s)",
	      hold ? "set" : "clear", s->prof->hold_capture ? "set" : "clear");
	memset(&rb, 0, sizeof(rb));
	rb.type = s->cap_t;
	rb.memory = V4L2_MEMORY_MMAP;
	check_ok(xioctl(s->vfd, VIDIOC_REQBUFS, &rb), "REQBUFS(CAPTURE, count 0)");
	check((rb.capabilities & V4L2_BUF_CAP_SUPPORTS_MMAP) &&
		  !(rb.capabilities & V4L2_BUF_CAP_SUPPORTS_REQUESTS),
	      "CAPTURE capabilities 0x%x: MMAP, no REQUESTS", rb.capabilities);
}

static bool read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return false;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return false;
	}
	*data = malloc((size_t)n);
	*size = (size_t)n;
	bool ok = *data && fread(*data, 1, (size_t)n, f) == (size_t)n;
	fclose(f);
	return ok;
}

/* The whole documented sequence with one real decode. */
static void run_sequence(struct session *s, const uint8_t *ref, size_t ref_size)
{
	struct h264_mini_picture copy, back;
	struct v4l2_ext_control c[4];
	struct v4l2_requestbuffers rb;
	struct v4l2_buffer b;
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	int req = -1, ret;

	job_default(s);
	s->vfd = open(s->dev->video, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	check(s->vfd >= 0, "open(%s)", s->dev->video);
	check(s->vfd >= 0 && session_api(s), "QUERYCAP names an M2M or M2M_MPLANE node");
	s->mfd = open(s->dev->media, O_RDWR | O_CLOEXEC);
	check(s->mfd >= 0, "open(%s)", s->dev->media);
	if (s->vfd < 0 || s->mfd < 0)
		goto out;
	check_querycap(s);
	check_formats(s);
	check_sps_and_capture_formats(s);
	check_controls(s);
	check_bad_values(s);
	check_reqbufs_caps(s);
	check_decoder_cmd(s);

	memset(&rb, 0, sizeof(rb));
	rb.type = s->out_t;
	rb.memory = V4L2_MEMORY_MMAP;
	rb.count = 2;
	ret = xioctl(s->vfd, VIDIOC_REQBUFS, &rb);
	check(ret == 0 && rb.count >= 1 && rb.count <= MAX_BUFS, "REQBUFS(OUTPUT, 2) -> %u",
	      rb.count);
	s->n_out = ret == 0 ? rb.count : 0;
	memset(&rb, 0, sizeof(rb));
	rb.type = s->cap_t;
	rb.memory = V4L2_MEMORY_MMAP;
	rb.count = 2;
	ret = xioctl(s->vfd, VIDIOC_REQBUFS, &rb);
	check(ret == 0 && rb.count >= 1 && rb.count <= MAX_BUFS, "REQBUFS(CAPTURE, 2) -> %u",
	      rb.count);
	s->n_cap = ret == 0 ? rb.count : 0;
	if (!s->n_out || !s->n_cap)
		goto out;
	check_ok(map_buffers(s, s->out_t, s->n_out, s->out),
		 "QUERYBUF + mmap of the OUTPUT buffers");
	check_ok(map_buffers(s, s->cap_t, s->n_cap, s->cap),
		 "QUERYBUF + mmap of the CAPTURE buffers");
	check(s->cap[0].len >= s->cap_pix.size, "CAPTURE buffer length %zu >= sizeimage %u",
	      s->cap[0].len, s->cap_pix.size);
	if (!s->out[0].map || !s->cap[0].map)
		goto out;

	struct v4l2_exportbuffer eb;
	memset(&eb, 0, sizeof(eb));
	eb.type = s->cap_t;
	eb.index = 0;
	eb.plane = 0;
	eb.flags = O_RDONLY | O_CLOEXEC;
	ret = xioctl(s->vfd, VIDIOC_EXPBUF, &eb);
	check(ret == 0 && eb.fd >= 0, "EXPBUF(CAPTURE 0) -> fd %d", eb.fd);
	int dmabuf = ret == 0 ? eb.fd : -1;
	void *dmamap = MAP_FAILED;
	if (dmabuf >= 0) {
		dmamap = mmap(NULL, s->cap[0].len, PROT_READ, MAP_SHARED, dmabuf, 0);
		check(dmamap != MAP_FAILED, "mmap of the exported CAPTURE buffer");
		check((fcntl(dmabuf, F_GETFD) & FD_CLOEXEC) != 0, "EXPBUF honours O_CLOEXEC");
	}

	/* every exported buffer aliases its own buffer's memory (a dma-buf of that vb2 plane) */
	for (unsigned int i = 0; i < s->n_cap; i++)
		memset(s->cap[i].map, 0x40 + (int)i, s->cap[i].len);
	for (unsigned int i = 0; i < s->n_cap; i++) {
		struct v4l2_exportbuffer e;
		memset(&e, 0, sizeof(e));
		e.type = s->cap_t;
		e.index = i;
		e.flags = O_RDONLY | O_CLOEXEC;
		bool same = false;
		if (!xioctl(s->vfd, VIDIOC_EXPBUF, &e)) {
			uint8_t *m = mmap(NULL, s->cap[i].len, PROT_READ, MAP_SHARED, e.fd, 0);
			if (m != MAP_FAILED) {
				same = m[0] == 0x40 + i && m[s->cap[i].len - 1] == 0x40 + i;
				munmap(m, s->cap[i].len);
			}
			close(e.fd);
		}
		check(same,
		      "EXPBUF(CAPTURE %u) mapped at offset 0 shows CAPTURE buffer %u's memory", i,
		      i);
	}

	/* S_FMT(OUTPUT) to another size with CAPTURE buffers allocated -> EBUSY */
	struct v4l2_format f;
	memset(&f, 0, sizeof(f));
	fmt_init(s, &f, s->out_t, V4L2_PIX_FMT_H264_SLICE, (uint32_t)s->pic->width * 2,
		 (uint32_t)s->pic->height * 2, 256 * 1024);
	check_errno(xioctl(s->vfd, VIDIOC_S_FMT, &f), EBUSY,
		    "S_FMT(OUTPUT, other size) with buffers allocated (vb2_is_busy)");

	/* DQBUF before STREAMON -> EINVAL (__vb2_wait_for_done_vb: streaming off) */
	check_errno(dqbuf(s, s->cap_t, &b, planes), EINVAL, "DQBUF(CAPTURE) when not streaming");

	check_ok(stream(s, VIDIOC_STREAMON, s->out_t), "STREAMON(OUTPUT)");
	check_ok(stream(s, VIDIOC_STREAMON, s->cap_t), "STREAMON(CAPTURE)");

	/* REQBUFS while streaming -> EBUSY (vb2_core_reqbufs) */
	memset(&rb, 0, sizeof(rb));
	rb.type = s->out_t;
	rb.memory = V4L2_MEMORY_MMAP;
	rb.count = 4;
	check_errno(xioctl(s->vfd, VIDIOC_REQBUFS, &rb), EBUSY, "REQBUFS(OUTPUT) while streaming");
	/* S_FMT(CAPTURE) while streaming -> EBUSY */
	struct v4l2_format cf = s->cap_fmt;
	check_errno(xioctl(s->vfd, VIDIOC_S_FMT, &cf), EBUSY, "S_FMT(CAPTURE) while streaming");

	/* DQBUF with nothing done, O_NONBLOCK -> EAGAIN */
	check_errno(dqbuf(s, s->cap_t, &b, planes), EAGAIN,
		    "DQBUF(CAPTURE) nothing done, O_NONBLOCK");

	const uint64_t ts = 1234567; /* us */
	check_ok(qbuf(s, s->cap_t, 0, NO_REQUEST, 0, 0), "QBUF(CAPTURE 0) without request");
	/* slice-based: every slice but the last holds the CAPTURE buffer (dev-stateless-decoder,
	 * V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF); frame-based: one request for the whole picture */
	bool slice_based = s->prof->decode_mode == V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED;
	int held = slice_based ? s->pic->n_slices - 1 : 0;
	for (int k = 0; k < held; k++) {
		int r = alloc_request(s);
		unsigned int out_idx = (unsigned int)k % s->n_out;
		s->job_first = k;
		s->job_count = 1;
		unsigned int nc = picture_ctrls(s, c, &copy, true);
		build_payload(s);
		ret = set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, r, c,
				    nc, NULL);
		if (!ret)
			ret = qbuf(s, s->out_t, out_idx, r, V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF, ts);
		if (!ret)
			ret = xioctl(r, MEDIA_REQUEST_IOC_QUEUE, NULL);
		check(ret == 0, "slice %d of %d: request with HOLD_CAPTURE_BUF queued (%s)", k + 1,
		      s->pic->n_slices, ret ? errname(errno) : "ok");
		struct pollfd hp = {.fd = r, .events = POLLPRI};
		int pr = poll(&hp, 1, 10000);
		check(pr == 1 && (hp.revents & POLLPRI), "slice %d: request completes (POLLPRI)",
		      k + 1);
		ret = dqbuf(s, s->out_t, &b, planes);
		check(ret == 0 && b.index == out_idx && !(b.flags & V4L2_BUF_FLAG_ERROR),
		      "slice %d: DQBUF(OUTPUT) -> index %u, flags 0x%x", k + 1, b.index, b.flags);
		check_errno(dqbuf(s, s->cap_t, &b, planes), EAGAIN,
			    "DQBUF(CAPTURE) while the CAPTURE buffer is held");
		close(r);
	}
	unsigned int main_out = (unsigned int)held % s->n_out;
	if (slice_based) {
		s->job_first = s->pic->n_slices - 1;
		s->job_count = 1;
	} else {
		s->job_first = 0;
		s->job_count = s->pic->n_slices;
	}

	req = alloc_request(s);
	check(req >= 0, "MEDIA_IOC_REQUEST_ALLOC -> fd %d", req);
	if (req < 0)
		goto streamoff;
	unsigned int n = picture_ctrls(s, c, &copy, s->prof->slice_ctrls);
	check_ok(
	    set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, n, NULL),
	    "S_EXT_CTRLS(REQUEST_VAL: SPS, PPS, DECODE_PARAMS[, SLICE_PARAMS])");
	/* reading a request that is not complete -> EACCES (v4l2_g_ext_ctrls_request) */
	memset(&back, 0, sizeof(back));
	struct v4l2_ext_control g =
	    ctrl_ptr(V4L2_CID_STATELESS_H264_DECODE_PARAMS, &back.decode, sizeof(back.decode));
	check_errno(set_ext_ctrls(s->vfd, VIDIOC_G_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, &g,
				  1, NULL),
		    EACCES, "G_EXT_CTRLS(REQUEST_VAL) on a request not yet queued");

	build_payload(s);
	check_ok(qbuf(s, s->out_t, main_out, req, 0, ts),
		 "QBUF(OUTPUT, REQUEST_FD) with the picture's last (or only) data");
	struct pollfd p = {.fd = req, .events = POLLPRI};
	/* media_request_poll: a request neither queued nor complete polls EPOLLERR */
	ret = poll(&p, 1, 0);
	check(
	    ret == 1 && p.revents == POLLERR,
	    "poll(request fd, POLLPRI) before MEDIA_REQUEST_IOC_QUEUE -> POLLERR (ret %d, revents "
	    "0x%x)",
	    ret, p.revents);
	check_ok(xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL), "MEDIA_REQUEST_IOC_QUEUE");
	ret = poll(&p, 1, 10000);
	check(ret == 1 && (p.revents & POLLPRI), "poll(request fd) -> POLLPRI (revents 0x%x)",
	      p.revents);
	struct pollfd pv = {.fd = s->vfd, .events = POLLIN | POLLOUT};
	ret = poll(&pv, 1, 5000);
	check(ret == 1 && (pv.revents & POLLIN) && (pv.revents & POLLOUT),
	      "poll(video fd) -> POLLIN|POLLOUT after completion (revents 0x%x)", pv.revents);

	ret = dqbuf(s, s->out_t, &b, planes);
	check(ret == 0 && b.index == main_out && !(b.flags & V4L2_BUF_FLAG_ERROR),
	      "DQBUF(OUTPUT) -> index %u (want %u), flags 0x%x", b.index, main_out, b.flags);
	ret = dqbuf(s, s->cap_t, &b, planes);
	check(ret == 0 && b.index == 0, "DQBUF(CAPTURE) -> index %u", b.index);
	check(ret == 0 && !(b.flags & V4L2_BUF_FLAG_ERROR), "CAPTURE flags 0x%x without ERROR",
	      b.flags);
	check(ret == 0 &&
		  (uint64_t)b.timestamp.tv_sec * 1000000 + (uint64_t)b.timestamp.tv_usec == ts,
	      "CAPTURE timestamp %ld.%06ld copied from OUTPUT (1.234567)", (long)b.timestamp.tv_sec,
	      (long)b.timestamp.tv_usec);
	check(ret == 0 && (b.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_COPY,
	      "CAPTURE flags say TIMESTAMP_COPY");
	check(ret == 0 && planes[0].bytesused == s->cap_pix.size,
	      "CAPTURE bytesused %u == sizeimage %u", planes[0].bytesused, s->cap_pix.size);

	uint32_t w = (uint32_t)s->pic->width, h = (uint32_t)s->pic->height;
	if (ref_size >= (size_t)w * h * 3 / 2) {
		long d = compare_picture(s->cap[0].map, s->cap[0].len, s->prof->capture_fourcc,
					 s->cap_pix.bpl, w, h, ref);
		check(d == 0,
		      "decoded picture (%.4s, detiled) equals FFmpeg's decode: %ld of %u "
		      "samples differ",
		      (const char *)&s->prof->capture_fourcc, d, w * h * 3 / 2);
		if (dmamap != MAP_FAILED) {
			d = compare_picture(dmamap, s->cap[0].len, s->prof->capture_fourcc,
					    s->cap_pix.bpl, w, h, ref);
			check(d == 0, "the EXPBUF mapping shows the same picture (%ld differ)", d);
		}
	} else {
		check(false, "reference picture too small (%zu bytes)", ref_size);
	}

	/* a complete request can be read back */
	memset(&back, 0, sizeof(back));
	g = ctrl_ptr(V4L2_CID_STATELESS_H264_DECODE_PARAMS, &back.decode, sizeof(back.decode));
	ret = set_ext_ctrls(s->vfd, VIDIOC_G_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, &g, 1,
			    NULL);
	check(ret == 0 && back.decode.idr_pic_id == s->pic->decode.idr_pic_id &&
		  back.decode.flags == s->pic->decode.flags &&
		  back.decode.dec_ref_pic_marking_bit_size ==
		      s->pic->decode.dec_ref_pic_marking_bit_size,
	      "G_EXT_CTRLS(REQUEST_VAL) on the completed request returns its DECODE_PARAMS");
	check_ok(xioctl(req, MEDIA_REQUEST_IOC_REINIT, NULL),
		 "MEDIA_REQUEST_IOC_REINIT (complete)");
	check_errno(set_ext_ctrls(s->vfd, VIDIOC_G_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, &g,
				  1, NULL),
		    EACCES, "G_EXT_CTRLS(REQUEST_VAL) after REINIT (idle request)");
	/* the request fd knows no V4L2 ioctl -> ENOTTY (media_request_ioctl default) */
	struct v4l2_capability cap;
	check_errno(xioctl(req, VIDIOC_QUERYCAP, &cap), ENOTTY, "VIDIOC_QUERYCAP on a request fd");

	check_errno(dqbuf(s, s->cap_t, &b, planes), EAGAIN,
		    "DQBUF(CAPTURE) again, queue empty, O_NONBLOCK");
streamoff:
	check_ok(stream(s, VIDIOC_STREAMOFF, s->out_t), "STREAMOFF(OUTPUT)");
	check_ok(stream(s, VIDIOC_STREAMOFF, s->cap_t), "STREAMOFF(CAPTURE)");
	check_errno(dqbuf(s, s->out_t, &b, planes), EINVAL, "DQBUF(OUTPUT) after STREAMOFF");
	if (dmamap != MAP_FAILED)
		munmap(dmamap, s->cap[0].len);
	if (dmabuf >= 0)
		close(dmabuf);
	if (req >= 0)
		close(req);
out:
	session_close(s);
}

/* ---------------------------------------------------------------------------------------- */
/* Documented misuse, each on a fresh open.                                                   */

static void misuse_request_without_buffer(struct session *s)
{
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];

	if (!session_setup(s, 1, 1, "request without buffer"))
		return;
	int req = alloc_request(s);
	unsigned int n = picture_ctrls(s, c, &copy, s->prof->slice_ctrls);
	set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, n, NULL);
	check_errno(xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL), ENOENT,
		    "MEDIA_REQUEST_IOC_QUEUE with controls but no buffer (vb2_request_validate)");
	int req2 = alloc_request(s);
	check_errno(xioctl(req2, MEDIA_REQUEST_IOC_QUEUE, NULL), ENOENT,
		    "MEDIA_REQUEST_IOC_QUEUE of an empty request");
	close(req2);
	close(req);
	session_close(s);
}

/*
 * Controls a request carries. The Request API lets a client leave out a control whose value did
 * not change (dev-request.rst; GStreamer sends SPS only once, and PPS/DECODE_PARAMS only with a
 * picture's first slice): since Linux 5.12 ("media: cedrus: Remove checking for required
 * controls") no H.264 driver refuses such a request. cedrus_request_validate still refuses a
 * request with more than one buffer (EINVAL).
 */
static void misuse_controls_per_request(struct session *s)
{
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];

	if (!session_setup(s, 2, 1, "controls a request must carry"))
		return;
	build_payload(s);
	int req = alloc_request(s);
	picture_ctrls(s, c, &copy, false);
	/* only SLICE_PARAMS (slice-based) or nothing (frame-based) */
	if (s->prof->slice_ctrls) {
		c[0] = ctrl_ptr(V4L2_CID_STATELESS_H264_SLICE_PARAMS, &copy.slice[0],
				sizeof(copy.slice[0]));
		check_ok(set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req,
				       c, 1, NULL),
			 "S_EXT_CTRLS(REQUEST_VAL: SLICE_PARAMS only)");
	}
	check_ok(qbuf(s, s->out_t, 0, req, 0, 1000),
		 "QBUF(OUTPUT) into a request without SPS/PPS/DECODE_PARAMS");
	check_ok(xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL),
		 "MEDIA_REQUEST_IOC_QUEUE of a request that leaves out unchanged controls (no "
		 "driver requires controls per request since Linux 5.12)");
	close(req);
	session_close(s);

	if (!s->prof->hold_capture)
		return;
	if (!session_setup(s, 2, 1, "two OUTPUT buffers in one request"))
		return;
	build_payload(s);
	req = alloc_request(s);
	picture_ctrls(s, c, &copy, true);
	set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, 4, NULL);
	check_ok(qbuf(s, s->out_t, 0, req, 0, 1000), "QBUF(OUTPUT 0) into a request");
	check_ok(qbuf(s, s->out_t, 1, req, 0, 1000), "QBUF(OUTPUT 1) into the same request");
	check_errno(xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL), EINVAL,
		    "MEDIA_REQUEST_IOC_QUEUE with two OUTPUT buffers on cedrus "
		    "(cedrus_request_validate)");
	close(req);
	session_close(s);
}

/* A request queued while no CAPTURE buffer is queued stays queued: it cannot run. */
static void misuse_queued_request(struct session *s)
{
	struct h264_mini_picture copy, back;
	struct v4l2_ext_control c[4];

	if (!session_setup(s, 2, 1, "queued request"))
		return;
	build_payload(s);
	int req = alloc_request(s);
	unsigned int n = picture_ctrls(s, c, &copy, s->prof->slice_ctrls);
	set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, n, NULL);
	check_ok(qbuf(s, s->out_t, 0, req, 0, 2000), "QBUF(OUTPUT 0, request)");
	/* a buffer already in a request -> EINVAL (vb2: buffer not dequeued) */
	check_errno(qbuf(s, s->out_t, 0, req, 0, 2000), EINVAL,
		    "QBUF of the same OUTPUT buffer again");
	check_ok(xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL),
		 "MEDIA_REQUEST_IOC_QUEUE (not streaming: the request stays queued)");
	check_errno(xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL), EBUSY,
		    "MEDIA_REQUEST_IOC_QUEUE of a queued request (media_request_ioctl_queue)");
	check_errno(xioctl(req, MEDIA_REQUEST_IOC_REINIT, NULL), EBUSY,
		    "MEDIA_REQUEST_IOC_REINIT of a queued request (media_request_ioctl_reinit)");
	memset(&back, 0, sizeof(back));
	struct v4l2_ext_control g =
	    ctrl_ptr(V4L2_CID_STATELESS_H264_SPS, &back.sps, sizeof(back.sps));
	check_errno(set_ext_ctrls(s->vfd, VIDIOC_G_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, &g,
				  1, NULL),
		    EACCES, "G_EXT_CTRLS(REQUEST_VAL) on a queued, incomplete request");
	/* setting controls in a queued request -> EBUSY (v4l2_s_ext_ctrls on a non-idle req) */
	check_errno(
	    set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, 1, NULL),
	    EBUSY, "S_EXT_CTRLS(REQUEST_VAL) into a queued request");
	struct pollfd p = {.fd = req, .events = POLLPRI};
	int pr = poll(&p, 1, 50);
	check(pr == 0,
	      "queued request without CAPTURE buffer does not complete (poll %d, revents "
	      "0x%x)",
	      pr, p.revents);
	/* a request holding an OUTPUT buffer already: another OUTPUT buffer -> depends; skip */
	close(req);
	session_close(s);
}

/* Only CAPTURE buffers allocated: changing the OUTPUT format would reset the CAPTURE format
 * under them -> EBUSY (hantro_set_fmt_out, cedrus_s_fmt_vid_out, rkvdec_s_output_fmt). */
static void misuse_fmt_with_capture_buffers(struct session *s)
{
	struct v4l2_format f;

	if (!session_setup(s, 0, 1, "S_FMT with CAPTURE buffers"))
		return;
	fmt_init(s, &f, s->out_t, V4L2_PIX_FMT_H264_SLICE, (uint32_t)s->pic->width * 2,
		 (uint32_t)s->pic->height * 2, 256 * 1024);
	check_errno(xioctl(s->vfd, VIDIOC_S_FMT, &f), EBUSY,
		    "S_FMT(OUTPUT, other size) with only CAPTURE buffers allocated");
	struct v4l2_requestbuffers rb;
	memset(&rb, 0, sizeof(rb));
	rb.type = s->cap_t;
	rb.memory = V4L2_MEMORY_MMAP;
	for (unsigned int i = 0; i < MAX_BUFS; i++)
		if (s->cap[i].map) {
			munmap(s->cap[i].map, s->cap[i].len);
			s->cap[i].map = NULL;
		}
	check_ok(xioctl(s->vfd, VIDIOC_REQBUFS, &rb), "REQBUFS(CAPTURE, 0) frees them");
	check_ok(xioctl(s->vfd, VIDIOC_S_FMT, &f), "S_FMT(OUTPUT, other size) once freed");
	session_close(s);
}

/* CREATE_BUFS(OUTPUT, count, memory, sizeimage, planes): returns the ioctl's result. */
static int create_out(struct session *s, struct v4l2_create_buffers *cb, uint32_t count,
		      uint32_t memory, uint32_t size, uint32_t planes)
{
	memset(cb, 0, sizeof(*cb));
	cb->count = count;
	cb->memory = memory;
	cb->format.type = s->out_t;
	if (xioctl(s->vfd, VIDIOC_G_FMT, &cb->format))
		return -1;
	if (s->mp) {
		cb->format.fmt.pix_mp.num_planes = (uint8_t)planes;
		cb->format.fmt.pix_mp.plane_fmt[0].sizeimage = size;
	} else {
		cb->format.fmt.pix.sizeimage = size;
	}
	return xioctl(s->vfd, VIDIOC_CREATE_BUFS, cb);
}

/*
 * The coded sizeimage and OUTPUT buffers of other sizes, as vb2 and the drivers have them: a
 * client's sizeimage is kept (cedrus: at least SZ_1K), 0 becomes width x height x 2 (hantro
 * max_depth, rkvdec RKVDEC_H264_MAX_DEPTH_IN_BYTES) or SZ_1K (cedrus); CREATE_BUFS while
 * streaming gives buffers of the requested size (>= the format's, else EINVAL), checks memory,
 * plane count and sizes first (EINVAL), then a full queue (ENOBUFS at VB2_MAX_FRAME = 32).
 */
static void check_create_bufs_output(struct session *s)
{
	struct v4l2_format f;
	struct v4l2_create_buffers cb;
	bool cedrus = !strcmp(s->prof->driver, "cedrus");
	uint32_t w = (uint32_t)s->pic->width, h = (uint32_t)s->pic->height;

	if (!session_setup(s, 2, 0, "CREATE_BUFS(OUTPUT)"))
		return;
	const uint32_t fmt_size = 256 * 1024;
	memset(&f, 0, sizeof(f));
	f.type = s->out_t;
	check_ok(xioctl(s->vfd, VIDIOC_G_FMT, &f), "G_FMT(OUTPUT)");
	check(fmt_get(s, &f).size == fmt_size, "OUTPUT sizeimage %u (the client's %u)",
	      fmt_get(s, &f).size, fmt_size);
	const uint32_t tries[][2] = {
	    {0, cedrus ? 1024 : w * h * 2}, {100, cedrus ? 1024 : 100}, {5000000, 5000000}};
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		fmt_init(s, &f, s->out_t, V4L2_PIX_FMT_H264_SLICE, w, h, tries[i][0]);
		check_ok(xioctl(s->vfd, VIDIOC_TRY_FMT, &f), "TRY_FMT(OUTPUT)");
		check(fmt_get(s, &f).size == tries[i][1],
		      "TRY_FMT(OUTPUT, sizeimage %u) gives %u (want %u)", tries[i][0],
		      fmt_get(s, &f).size, tries[i][1]);
	}
	check_ok(stream(s, VIDIOC_STREAMON, s->out_t), "STREAMON(OUTPUT)");
	check_ok(create_out(s, &cb, 0, V4L2_MEMORY_MMAP, fmt_size, 1),
		 "CREATE_BUFS(OUTPUT, count 0)");
	check(cb.index == 2, "CREATE_BUFS(count 0) index %u (want 2)", cb.index);
	check_errno(create_out(s, &cb, 1, V4L2_MEMORY_USERPTR, fmt_size, 1), EINVAL,
		    "CREATE_BUFS(OUTPUT, USERPTR)");
	if (s->mp) {
		check_errno(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, fmt_size, 0), EINVAL,
			    "CREATE_BUFS(OUTPUT, 0 planes)");
		check_errno(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, fmt_size, VIDEO_MAX_PLANES + 1),
			    EINVAL, "CREATE_BUFS(OUTPUT, VIDEO_MAX_PLANES + 1 planes)");
	}
	check_errno(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, 0, 1), EINVAL,
		    "CREATE_BUFS(OUTPUT, sizeimage 0)");
	check_errno(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, fmt_size - 1, 1), EINVAL,
		    "CREATE_BUFS(OUTPUT, sizeimage below the format's)");
	const uint32_t big = 600000;
	check_ok(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, big, 1),
		 "CREATE_BUFS(OUTPUT, larger sizeimage) while streaming");
	check(cb.count == 1 && cb.index == 2, "CREATE_BUFS gave %u buffer(s) at %u (want 1 at 2)",
	      cb.count, cb.index);
	struct buf nb[MAX_BUFS];
	memset(nb, 0, sizeof(nb));
	check_ok(map_buffers(s, s->out_t, 3, nb), "QUERYBUF/mmap(OUTPUT 0..2)");
	check(nb[0].len == fmt_size && nb[2].len == big,
	      "OUTPUT buffer lengths %zu and %zu (want %u and %u)", nb[0].len, nb[2].len, fmt_size,
	      big);
	for (int i = 0; i < 3; i++)
		if (nb[i].map) {
			memset(nb[i].map, 0xa5, nb[i].len); /* all of it is there */
			munmap(nb[i].map, nb[i].len);
		}
	check_ok(create_out(s, &cb, 100, V4L2_MEMORY_MMAP, fmt_size, 1),
		 "CREATE_BUFS(OUTPUT, 100 buffers)");
	check(cb.count == 29 && cb.index == 3, "CREATE_BUFS(100) gave %u at %u (want 29 at 3)",
	      cb.count, cb.index);
	check_errno(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, fmt_size, 1), ENOBUFS,
		    "CREATE_BUFS(OUTPUT) with 32 buffers");
	check_errno(create_out(s, &cb, 1, V4L2_MEMORY_MMAP, 0, 1), EINVAL,
		    "CREATE_BUFS(OUTPUT, sizeimage 0) with 32 buffers (sizes are checked first)");
	check_ok(stream(s, VIDIOC_STREAMOFF, s->out_t), "STREAMOFF(OUTPUT)");
	struct v4l2_requestbuffers rb;
	memset(&rb, 0, sizeof(rb));
	rb.type = s->out_t;
	rb.memory = V4L2_MEMORY_MMAP;
	for (unsigned int i = 0; i < MAX_BUFS; i++)
		if (s->out[i].map) {
			munmap(s->out[i].map, s->out[i].len);
			s->out[i].map = NULL;
		}
	check_ok(xioctl(s->vfd, VIDIOC_REQBUFS, &rb), "REQBUFS(OUTPUT, 0) frees all 32");
	session_close(s);
}

static void misuse_qbuf(struct session *s)
{
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];

	if (!session_setup(s, 2, 1, "QBUF misuse"))
		return;
	build_payload(s);
	int req = alloc_request(s);
	unsigned int n = picture_ctrls(s, c, &copy, s->prof->slice_ctrls);
	set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, n, NULL);

	check_errno(qbuf(s, s->cap_t, 0, req, 0, 0), EBADR,
		    "QBUF(CAPTURE) with a request (queue without request support)");
	check_errno(qbuf(s, s->out_t, 0, -1, 0, 0), EINVAL,
		    "QBUF(OUTPUT) with REQUEST_FD and request_fd -1");
	check_errno(qbuf(s, s->out_t, 0, s->vfd, 0, 0), EINVAL,
		    "QBUF(OUTPUT) with request_fd = the video fd (not a request)");
	check_errno(qbuf(s, s->out_t, 0, 1000, 0, 0), EINVAL,
		    "QBUF(OUTPUT) with a closed request_fd");
	check_errno(qbuf(s, s->out_t, 99, req, 0, 0), EINVAL,
		    "QBUF(OUTPUT) with an index beyond the buffers");

	if (s->prof->requires_requests) {
		check_errno(qbuf(s, s->out_t, 0, NO_REQUEST, 0, 0), EBADR,
			    "QBUF(OUTPUT) without request on a queue that requires requests");
	} else {
		/* hantro: request after non-request -> EBUSY ("queue does not use requests") */
		check_ok(qbuf(s, s->out_t, 0, NO_REQUEST, 0, 0),
			 "QBUF(OUTPUT 0) without request (hantro allows it)");
		check_errno(qbuf(s, s->out_t, 1, req, 0, 0), EBUSY,
			    "QBUF(OUTPUT 1) with a request after a non-request QBUF");
		close(req);
		session_close(s);
		if (!session_setup(s, 2, 1, "QBUF mixing, request first"))
			return;
		build_payload(s);
		req = alloc_request(s);
		n = picture_ctrls(s, c, &copy, false);
		set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, req, c, n,
			      NULL);
		check_ok(qbuf(s, s->out_t, 0, req, 0, 0), "QBUF(OUTPUT 0) with a request");
		check_errno(qbuf(s, s->out_t, 1, NO_REQUEST, 0, 0), EBUSY,
			    "QBUF(OUTPUT 1) without request after a request QBUF");
	}
	/* unknown ioctls */
	static uint8_t scratch[1024];
	check_errno(ioctl(s->vfd, _IOWR('V', 250, struct v4l2_capability), scratch), ENOTTY,
		    "unknown ioctl on the video fd");
	check_errno(ioctl(s->mfd, _IOWR('|', 0xf0, struct media_device_info), scratch), ENOTTY,
		    "unknown ioctl on the media fd");
	check_errno(ioctl(s->vfd, VIDIOC_G_TUNER, scratch), ENOTTY,
		    "VIDIOC_G_TUNER (not implemented by a decoder)");
	close(req);
	session_close(s);
}

/*
 * Two pictures: the IDR into CAPTURE 0, then the P picture into CAPTURE 1 with a DPB whose one
 * entry names the IDR by the timestamp of its CAPTURE buffer (reference_ts, as vb2 looks it up).
 * CAPTURE 0 stays dequeued while the P picture decodes, as a client must keep references.
 */
static void decode_two_pictures(struct session *s, const uint8_t *ref, size_t ref_size)
{
	struct h264_mini_picture copy;
	struct v4l2_ext_control c[4];
	struct v4l2_buffer b;
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	const uint64_t ts[2] = {3000000, 3040000}; /* us */
	uint32_t w = (uint32_t)s->pic->width, h = (uint32_t)s->pic->height;
	size_t fs = (size_t)w * h * 3 / 2;

	if (!s->pic->has_p)
		return;
	if (ref_size < 2 * fs) {
		check(false, "reference has two pictures (%zu bytes)", ref_size);
		return;
	}
	if (!session_setup(s, 2, 2, "two pictures"))
		return;
	stream(s, VIDIOC_STREAMON, s->out_t);
	stream(s, VIDIOC_STREAMON, s->cap_t);
	qbuf(s, s->cap_t, 0, NO_REQUEST, 0, 0);
	qbuf(s, s->cap_t, 1, NO_REQUEST, 0, 0);
	for (int k = 0; k < 2; k++) {
		int r = alloc_request(s);
		unsigned int n = picture_ctrls(s, c, &copy, s->prof->slice_ctrls);
		if (k == 1) {
			copy.decode = s->pic->p_decode;
			struct v4l2_h264_dpb_entry *e = &copy.decode.dpb[0];
			e->reference_ts = ts[0] * 1000;
			e->pic_num = s->pic->decode.frame_num;
			e->frame_num = s->pic->decode.frame_num;
			e->fields = V4L2_H264_FRAME_REF;
			e->top_field_order_cnt = s->pic->decode.top_field_order_cnt;
			e->bottom_field_order_cnt = s->pic->decode.bottom_field_order_cnt;
			e->flags = V4L2_H264_DPB_ENTRY_FLAG_VALID | V4L2_H264_DPB_ENTRY_FLAG_ACTIVE;
			copy.slice[0] = s->pic->p_slice;
			copy.slice[0].ref_pic_list0[0].fields = V4L2_H264_FRAME_REF;
			copy.slice[0].ref_pic_list0[0].index = 0;
			/* payload: the P slice */
			size_t o = 0;
			if (s->prof->start_code == V4L2_STATELESS_H264_START_CODE_ANNEX_B) {
				s->payload[o++] = 0;
				s->payload[o++] = 0;
				s->payload[o++] = 1;
			}
			memcpy(s->payload + o, s->pic->p_nal.data, s->pic->p_nal.size);
			s->payload_size = o + s->pic->p_nal.size;
		} else {
			s->job_first = 0;
			s->job_count = s->pic->n_slices;
			build_payload(s);
		}
		int ret = set_ext_ctrls(s->vfd, VIDIOC_S_EXT_CTRLS, V4L2_CTRL_WHICH_REQUEST_VAL, r,
					c, n, NULL);
		if (!ret)
			ret = qbuf(s, s->out_t, (unsigned int)k, r, 0, ts[k]);
		if (!ret)
			ret = xioctl(r, MEDIA_REQUEST_IOC_QUEUE, NULL);
		check(ret == 0, "%s picture queued (%s)", k ? "P" : "IDR",
		      ret ? errname(errno) : "ok");
		struct pollfd p = {.fd = r, .events = POLLPRI};
		int pr = poll(&p, 1, 10000);
		check(pr == 1 && (p.revents & POLLPRI), "%s request completes", k ? "P" : "IDR");
		dqbuf(s, s->out_t, &b, planes);
		ret = dqbuf(s, s->cap_t, &b, planes);
		check(ret == 0 && b.index == (unsigned int)k && !(b.flags & V4L2_BUF_FLAG_ERROR) &&
			  (uint64_t)b.timestamp.tv_sec * 1000000 + (uint64_t)b.timestamp.tv_usec ==
			      ts[k],
		      "%s picture: CAPTURE %u, flags 0x%x, timestamp %ld.%06ld", k ? "P" : "IDR",
		      b.index, b.flags, (long)b.timestamp.tv_sec, (long)b.timestamp.tv_usec);
		close(r);
	}
	for (int k = 0; k < 2; k++) {
		long d = compare_picture(s->cap[k].map, s->cap[k].len, s->prof->capture_fourcc,
					 s->cap_pix.bpl, w, h, ref + (size_t)k * fs);
		check(d == 0, "%s picture equals FFmpeg's decode: %ld of %zu samples differ",
		      k ? "P" : "IDR", d, fs);
	}
	session_close(s);
}

static void check_emu_outputs(const struct profile *prof, long want_frames)
{
	const char *stats = getenv("V4L2_EMU_STATS");
	const char *viol = getenv("V4L2_EMU_VIOLATIONS");
	char line[1024], pidkey[64];
	long frames = -1, viol_lines = 0;

	snprintf(pidkey, sizeof(pidkey), "\"pid\":%d,", (int)getpid());
	if (!stats || !viol) {
		check(false, "V4L2_EMU_STATS and V4L2_EMU_VIOLATIONS set by the test environment");
		return;
	}
	FILE *f = fopen(stats, "r");
	long total = 0;
	while (f && fgets(line, sizeof(line), f)) {
		const char *fr = strstr(line, "\"frames\":");
		if (strstr(line, pidkey) && fr && strstr(line, prof->name)) {
			total += strtol(fr + 9, NULL, 10);
			frames = total;
		}
	}
	if (f)
		fclose(f);
	/* misuse sessions decode nothing */
	check(frames == want_frames,
	      "stats file: %ld frame(s) decoded by this process on %s (want %ld)", frames,
	      prof->name, want_frames);
	f = fopen(viol, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, pidkey))
			viol_lines++;
	if (f)
		fclose(f);
	check(viol_lines == 0, "violations file: %ld line(s) from this process (want 0)",
	      viol_lines);
}

static bool library_loaded(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, "libv4l2emu.so") != NULL;
	if (f)
		fclose(f);
	return found;
}

static int finish(void)
{
	printf("%u passed, %u failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}

static int cmd_decode(const char *devices, const char *stream_path, const char *ref_path)
{
	struct devspec ds[8];
	struct found found[8];
	uint8_t *stream = NULL, *ref = NULL;
	size_t stream_size = 0, ref_size = 0;
	struct h264_mini_picture pic;
	char err[128];

	check(library_loaded(), "libv4l2emu.so is loaded (LD_PRELOAD)");
	int nd = parse_devices(devices, ds, 8);
	if (nd != 1) {
		check(false, "one known device profile in \"%s\"", devices);
		return finish();
	}
	check(read_file(stream_path, &stream, &stream_size), "read %s", stream_path);
	check(read_file(ref_path, &ref, &ref_size), "read %s", ref_path);
	if (!stream || !ref)
		return finish();
	int ret = h264_mini_parse_first_idr(stream, stream_size, &pic, err, sizeof(err));
	check(ret == 0, "parse the test stream's SPS/PPS/IDR picture (%d slice(s))%s%s%s",
	      pic.n_slices, pic.has_p ? " and its P picture" : "", ret ? ": " : "", ret ? err : "");
	if (ret)
		return finish();

	int n = discover(found, 8, true);
	check(n == 1, "discovery through /dev/media* finds %d decoder(s) (want 1)", n);
	if (n < 1)
		return finish();
	check(!strcmp(found[0].driver, ds[0].prof.driver), "decoder driver \"%s\" (want \"%s\")",
	      found[0].driver, ds[0].prof.driver);
	check(found[0].media_minor == found[0].video_minor,
	      "media and video node share the index (media%u, video%u)", found[0].media_minor,
	      found[0].video_minor);

	struct session s;
	memset(&s, 0, sizeof(s));
	s.vfd = s.mfd = -1;
	s.prof = &ds[0].prof;
	s.dev = &found[0];
	s.pic = &pic;
	run_sequence(&s, ref, ref_size);
	misuse_request_without_buffer(&s);
	misuse_controls_per_request(&s);
	misuse_queued_request(&s);
	misuse_qbuf(&s);
	misuse_fmt_with_capture_buffers(&s);
	check_create_bufs_output(&s);
	hold_then_flush(&s);
	decode_two_pictures(&s, ref, ref_size);
	/* the main decode, the buffer released by FLUSH in slice-based runs, the two pictures */
	check_emu_outputs(s.prof,
			  1 + (s.prof->hold_capture && pic.n_slices > 1) + (pic.has_p ? 2 : 0));
	free(stream);
	free(ref);
	return finish();
}

static int cmd_multi(const char *devices)
{
	struct devspec ds[8];
	struct found found[8];

	check(library_loaded(), "libv4l2emu.so is loaded (LD_PRELOAD)");
	int nd = parse_devices(devices, ds, 8);
	check(nd > 1, "several device profiles in \"%s\"", devices);
	int n = discover(found, 8, true);
	check(n == nd, "discovery finds %d decoders (want %d)", n, nd);
	if (n != nd || nd < 1)
		return finish();
	for (int i = 0; i < n; i++) {
		check(!strcmp(found[i].driver, ds[i].prof.driver) &&
			  found[i].media_minor == found[0].media_minor + (unsigned int)i &&
			  found[i].video_minor == found[i].media_minor,
		      "device %d: %s driver \"%s\" on %s + %s (want \"%s\", consecutive indexes)",
		      i, ds[i].prof.name, found[i].driver, found[i].media, found[i].video,
		      ds[i].prof.driver);
		int a = open(found[i].video, O_RDWR | O_CLOEXEC);
		check(a >= 0, "open(%s)", found[i].video);
		int b = open(found[i].video, O_RDWR | O_CLOEXEC);
		if (ds[i].single) {
			char what[400];
			snprintf(what, sizeof(what), "second open(%s) of a single-instance device",
				 found[i].video);
			check_errno(b, EBUSY, what);
		} else {
			check(b >= 0, "second open(%s) of a multi-instance device", found[i].video);
		}
		/* the media node is not exclusive */
		int m1 = open(found[i].media, O_RDWR | O_CLOEXEC);
		int m2 = open(found[i].media, O_RDWR | O_CLOEXEC);
		check(m1 >= 0 && m2 >= 0, "media node %s opens twice", found[i].media);
		if (b >= 0)
			close(b);
		if (a >= 0)
			close(a);
		if (m1 >= 0)
			close(m1);
		if (m2 >= 0)
			close(m2);
		if (ds[i].single) {
			b = open(found[i].video, O_RDWR | O_CLOEXEC);
			check(b >= 0, "open(%s) again after close of the single instance",
			      found[i].video);
			if (b >= 0)
				close(b);
		}
		/* dup keeps the instance: a single-instance device stays busy */
		a = open(found[i].video, O_RDWR | O_CLOEXEC);
		int d = a >= 0 ? dup(a) : -1;
		struct v4l2_capability cap;
		check(d >= 0 && !xioctl(d, VIDIOC_QUERYCAP, &cap) &&
			  !strcmp((char *)cap.driver, ds[i].prof.driver),
		      "QUERYCAP through a dup()ed fd of %s", found[i].video);
		if (a >= 0)
			close(a);
		if (d >= 0 && ds[i].single) {
			b = open(found[i].video, O_RDWR | O_CLOEXEC);
			check_errno(b, EBUSY,
				    "open of a single-instance device while a dup is open");
			if (b >= 0)
				close(b);
		}
		if (d >= 0)
			close(d);
	}
	return finish();
}

static bool dev_listed(const char *name)
{
	DIR *d = opendir("/dev");
	struct dirent *de;
	bool found = false;

	while (d && (de = readdir(d)))
		found |= !strcmp(de->d_name, name);
	if (d)
		closedir(d);
	return found;
}

/* The library without configuration must not show anything (and with it, must). */
static int cmd_inert(const char *index, const char *mode, char **argv)
{
	char video[64], media[64], vname[32], mname[32];
	struct stat st;
	struct found found[8];
	bool expect_nodes = !strcmp(mode, "control");

	snprintf(vname, sizeof(vname), "video%s", index);
	snprintf(mname, sizeof(mname), "media%s", index);
	snprintf(video, sizeof(video), "/dev/%s", vname);
	snprintf(media, sizeof(media), "/dev/%s", mname);
	const char *env = getenv("V4L2_EMU_DEVICES");

	check(library_loaded(), "[%s] libv4l2emu.so is loaded (LD_PRELOAD)", mode);
	if (expect_nodes) {
		check(stat(video, &st) == 0 && S_ISCHR(st.st_mode),
		      "[control, V4L2_EMU_DEVICES=%s] %s exists", env ? env : "(unset)", video);
		check(dev_listed(vname) && dev_listed(mname),
		      "[control] readdir(/dev) lists %s, %s", vname, mname);
		return finish();
	}
	check(stat(video, &st) == -1 && errno == ENOENT, "[%s] stat(%s) -> ENOENT", mode, video);
	check(stat(media, &st) == -1 && errno == ENOENT, "[%s] stat(%s) -> ENOENT", mode, media);
	int fd = open(video, O_RDWR);
	check(fd == -1 && errno == ENOENT, "[%s] open(%s) -> ENOENT", mode, video);
	if (fd >= 0)
		close(fd);
	check(!dev_listed(vname) && !dev_listed(mname), "[%s] readdir(/dev) lists no %s/%s", mode,
	      vname, mname);
	check(discover(found, 8, false) == 0, "[%s] no decoder found through /dev/media*", mode);

	if (!strcmp(mode, "empty")) {
		/* now the same checks with the variable unset, then a control run with it set */
		char self[4096];
		ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (l <= 0)
			return finish();
		self[l] = '\0';
		for (int pass = 0; pass < 2; pass++) {
			pid_t pid = fork();
			if (pid == 0) {
				if (pass == 0)
					unsetenv("V4L2_EMU_DEVICES");
				else
					setenv("V4L2_EMU_DEVICES", "hantro-g1", 1);
				char *args[] = {self, "inert", (char *)index,
						pass == 0 ? "unset" : "control", NULL};
				execve(self, args, environ);
				_exit(127);
			}
			int status = 0;
			fflush(stdout);
			waitpid(pid, &status, 0);
			check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "[%s] child run passed (status %d)", pass == 0 ? "unset" : "control",
			      status);
		}
	}
	(void)argv;
	return finish();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "decode"))
		return cmd_decode(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "multi"))
		return cmd_multi(argv[2]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "inert"))
		return cmd_inert(argv[2], argc == 4 ? argv[3] : "empty", argv);
	fprintf(stderr,
		"usage: %s decode DEVICES STREAM.264 REF.yuv | multi DEVICES | inert INDEX\n",
		argv[0]);
	return 2;
}
