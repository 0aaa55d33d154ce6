/* SPDX-License-Identifier: MIT */
/*
 * Decoder discovery through the media controller, without udev or sysfs (browser sandboxes
 * allow /dev/media* and /dev/video* only): every /dev/mediaN with a video decoder entity gives
 * the video node of its V4L video interface (matched by st_rdev); that node must be a memory to
 * memory device whose OUTPUT queue supports requests. Its OUTPUT formats are the coded formats
 * it decodes.
 */
#include "driver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/media.h>

int v4l2r_xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Numbers N of the /dev/<prefix>N nodes, ascending. Returns the count (<= max). */
static unsigned list_nodes(const char *prefix, unsigned *nums, unsigned max)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	size_t plen = strlen(prefix);
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		const char *p = e->d_name + plen;
		char *end;

		if (strncmp(e->d_name, prefix, plen) != 0 || *p < '0' || *p > '9')
			continue;
		unsigned long v = strtoul(p, &end, 10);
		if (*end || v > 65535)
			continue;
		nums[n++] = (unsigned)v;
	}
	closedir(d);
	for (unsigned i = 1; i < n; i++) /* insertion sort: a handful of nodes */
		for (unsigned j = i; j > 0 && nums[j - 1] > nums[j]; j--) {
			unsigned t = nums[j];
			nums[j] = nums[j - 1];
			nums[j - 1] = t;
		}
	return n;
}

static void frame_limits(int fd, uint32_t fourcc, struct v4l2r_device *dev)
{
	struct v4l2_frmsizeenum fs = {.index = 0, .pixel_format = fourcc};

	if (v4l2r_xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) < 0) {
		/* No limits reported: what every stateless decoder handles. */
		dev->min_w = dev->min_h = 16;
		dev->max_w = 1920;
		dev->max_h = 1088;
		return;
	}
	if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
		dev->min_w = dev->max_w = fs.discrete.width;
		dev->min_h = dev->max_h = fs.discrete.height;
		for (fs.index = 1; v4l2r_xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0; fs.index++) {
			if (fs.discrete.width > dev->max_w)
				dev->max_w = fs.discrete.width;
			if (fs.discrete.height > dev->max_h)
				dev->max_h = fs.discrete.height;
			if (fs.discrete.width < dev->min_w)
				dev->min_w = fs.discrete.width;
			if (fs.discrete.height < dev->min_h)
				dev->min_h = fs.discrete.height;
		}
	} else {
		dev->min_w = fs.stepwise.min_width;
		dev->max_w = fs.stepwise.max_width;
		dev->min_h = fs.stepwise.min_height;
		dev->max_h = fs.stepwise.max_height;
	}
}

/* Fills dev from the video node; 0 when it is a usable stateless decoder. */
static int probe_video(struct v4l2r_driver *drv, const char *path, struct v4l2r_device *dev)
{
	struct v4l2_capability cap = {0};
	struct v4l2_requestbuffers rb = {.count = 0, .memory = V4L2_MEMORY_MMAP};
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int ret = -1;

	if (fd < 0) {
		v4l2r_debug(drv, "%s: open: %s\n", path, strerror(errno));
		if (errno == EBUSY)
			drv->n_busy++;
		return -1;
	}
	if (v4l2r_xioctl(fd, VIDIOC_QUERYCAP, &cap) < 0)
		goto out;
	uint32_t caps =
	    (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
	/* hantro and rkvdec use the multi-planar API, cedrus the single-planar one. */
	if (!(caps & (V4L2_CAP_VIDEO_M2M_MPLANE | V4L2_CAP_VIDEO_M2M)) ||
	    !(caps & V4L2_CAP_STREAMING)) {
		v4l2r_debug(drv, "%s: not a memory-to-memory device\n", path);
		goto out;
	}
	dev->mplane = caps & V4L2_CAP_VIDEO_M2M_MPLANE;
	uint32_t out_type =
	    dev->mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT;
	rb.type = out_type;
	if (v4l2r_xioctl(fd, VIDIOC_REQBUFS, &rb) < 0 ||
	    !(rb.capabilities & V4L2_BUF_CAP_SUPPORTS_REQUESTS)) {
		v4l2r_debug(drv, "%s: OUTPUT queue without requests\n", path);
		goto out;
	}
	snprintf(dev->driver, sizeof(dev->driver), "%s", (const char *)cap.driver);
	dev->n_coded = 0;
	for (uint32_t i = 0; dev->n_coded < V4L2R_MAX_CODED; i++) {
		struct v4l2_fmtdesc fd_ = {.index = i, .type = out_type};

		if (v4l2r_xioctl(fd, VIDIOC_ENUM_FMT, &fd_) < 0)
			break;
		dev->coded[dev->n_coded++] = fd_.pixelformat;
	}
	if (dev->n_coded == 0)
		goto out;
	frame_limits(fd, dev->coded[0], dev);
	ret = 0;
out:
	close(fd);
	return ret;
}

/*
 * The video devnodes (major, minor) of the decoders of a media device: for each
 * MEDIA_ENT_F_PROC_VIDEO_DECODER entity, the V4L video interface linked to the entities its data
 * links reach (v4l2_m2m_register_media_controller: source -> proc -> sink, the interface linked to
 * source and sink). Following the links matters: one media device may also hold an encoder
 * (hantro on RK3288/RK3399). Returns the number found (<= max), -1 on error.
 */
#define MAX_DEVNODES 4
/* MEDIA_LNK_FL_LINK_TYPE is (0xf << 28) on a signed int in the uAPI header: undefined behaviour
 * when evaluated, so the mask is spelled out. */
#define LINK_TYPE_MASK 0xf0000000u
static int decoder_devnodes(struct v4l2r_driver *drv, int fd, uint32_t *majors, uint32_t *minors)
{
	struct media_v2_topology topo = {0};
	struct media_v2_entity *ents = NULL;
	struct media_v2_interface *intfs = NULL;
	struct media_v2_pad *pads = NULL;
	struct media_v2_link *links = NULL;
	int found = -1;

	if (v4l2r_xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo) < 0)
		return -1;
	if (topo.num_entities > 1024 || topo.num_interfaces > 1024 || topo.num_pads > 4096 ||
	    topo.num_links > 4096)
		return -1;
	ents = calloc(topo.num_entities + 1, sizeof(*ents));
	intfs = calloc(topo.num_interfaces + 1, sizeof(*intfs));
	pads = calloc(topo.num_pads + 1, sizeof(*pads));
	links = calloc(topo.num_links + 1, sizeof(*links));
	if (!ents || !intfs || !pads || !links)
		goto out;
	topo.ptr_entities = (uintptr_t)ents;
	topo.ptr_interfaces = (uintptr_t)intfs;
	topo.ptr_pads = (uintptr_t)pads;
	topo.ptr_links = (uintptr_t)links;
	/* The counts may have grown between the two calls: the kernel then fails with ENOSPC. */
	if (v4l2r_xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo) < 0)
		goto out;

	found = 0;
	for (uint32_t d = 0; d < topo.num_entities && found < MAX_DEVNODES; d++) {
		if (ents[d].function != MEDIA_ENT_F_PROC_VIDEO_DECODER)
			continue;
		uint32_t dec = ents[d].id;
		bool done = false;

		/* Data links touching the decoder: the entity at the other end. */
		for (uint32_t l = 0; l < topo.num_links && !done; l++) {
			if ((links[l].flags & LINK_TYPE_MASK) != MEDIA_LNK_FL_DATA_LINK)
				continue;
			uint32_t src_ent = 0, sink_ent = 0, other;

			for (uint32_t p = 0; p < topo.num_pads; p++) {
				if (pads[p].id == links[l].source_id)
					src_ent = pads[p].entity_id;
				if (pads[p].id == links[l].sink_id)
					sink_ent = pads[p].entity_id;
			}
			if (src_ent == dec)
				other = sink_ent;
			else if (sink_ent == dec)
				other = src_ent;
			else
				continue;
			/* The V4L video interface linked to that entity. */
			for (uint32_t k = 0; k < topo.num_links && !done; k++) {
				if ((links[k].flags & LINK_TYPE_MASK) !=
					MEDIA_LNK_FL_INTERFACE_LINK ||
				    links[k].sink_id != other)
					continue;
				for (uint32_t i = 0; i < topo.num_interfaces; i++) {
					if (intfs[i].id == links[k].source_id &&
					    intfs[i].intf_type == MEDIA_INTF_T_V4L_VIDEO) {
						majors[found] = intfs[i].devnode.major;
						minors[found] = intfs[i].devnode.minor;
						found++;
						done = true;
						break;
					}
				}
			}
		}
		if (!done)
			v4l2r_debug(drv, "decoder entity %u: no video interface\n", dec);
	}
out:
	free(ents);
	free(intfs);
	free(pads);
	free(links);
	return found;
}

static void add_device(struct v4l2r_driver *drv, const char *video, const char *media)
{
	struct v4l2r_device *dev;

	if (drv->n_devs >= V4L2R_MAX_DEVICES)
		return;
	dev = &drv->devs[drv->n_devs];
	memset(dev, 0, sizeof(*dev));
	if (snprintf(dev->video_path, sizeof(dev->video_path), "%s", video) >=
		(int)sizeof(dev->video_path) ||
	    snprintf(dev->media_path, sizeof(dev->media_path), "%s", media) >=
		(int)sizeof(dev->media_path))
		return;
	if (probe_video(drv, video, dev) < 0)
		return;
	v4l2r_debug(drv, "decoder %s: %s + %s, %u coded formats, %ux%u..%ux%u\n", dev->driver,
		    video, media, dev->n_coded, dev->min_w, dev->min_h, dev->max_w, dev->max_h);
	drv->n_devs++;
}

int v4l2r_discover(struct v4l2r_driver *drv)
{
	const char *video = getenv("LIBVA_V4L2_REQUEST_VIDEO_PATH");
	const char *media = getenv("LIBVA_V4L2_REQUEST_MEDIA_PATH");
	unsigned medias[64], videos[256];
	unsigned n_media, n_video;

	drv->n_devs = 0;
	if ((video && *video) || (media && *media)) {
		if (!video || !*video || !media || !*media) {
			v4l2r_error(drv,
				    "LIBVA_V4L2_REQUEST_VIDEO_PATH and _MEDIA_PATH go together\n");
			return -1;
		}
		add_device(drv, video, media);
		return 0;
	}

	n_media = list_nodes("media", medias, 64);
	n_video = list_nodes("video", videos, 256);
	for (unsigned i = 0; i < n_media; i++) {
		char mpath[32], vpath[32];
		uint32_t majors[MAX_DEVNODES], minors[MAX_DEVNODES];
		int fd, n;

		snprintf(mpath, sizeof(mpath), "/dev/media%u", medias[i]);
		fd = open(mpath, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct media_device_info info;
		memset(&info, 0, sizeof(info));
		n = v4l2r_xioctl(fd, MEDIA_IOC_DEVICE_INFO, &info) == 0
			? decoder_devnodes(drv, fd, majors, minors)
			: -1;
		close(fd);
		for (int k = 0; k < n; k++) {
			for (unsigned j = 0; j < n_video; j++) {
				struct stat st;

				snprintf(vpath, sizeof(vpath), "/dev/video%u", videos[j]);
				if (stat(vpath, &st) == 0 && S_ISCHR(st.st_mode) &&
				    st.st_rdev == makedev(majors[k], minors[k])) {
					add_device(drv, vpath, mpath);
					break;
				}
			}
		}
	}
	return 0;
}

/* The first device (discovery order) that accepts the codec of `profile`. */
bool v4l2r_profile_supported(struct v4l2r_driver *drv, VAProfile profile,
			     const struct v4l2r_codec **codec, const struct v4l2r_device **dev)
{
	const struct v4l2r_codec *c = v4l2r_codec_for_profile(profile);

	if (!c)
		return false;
	for (unsigned i = 0; i < drv->n_devs; i++) {
		for (unsigned j = 0; j < drv->devs[i].n_coded; j++) {
			if (drv->devs[i].coded[j] == c->coded_fourcc) {
				if (codec)
					*codec = c;
				if (dev)
					*dev = &drv->devs[i];
				return true;
			}
		}
	}
	return false;
}
