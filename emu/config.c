/* SPDX-License-Identifier: MIT */
/*
 * Environment configuration and the device profile table (docs/design.md, "Device profiles").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "emu.h"

struct emu_global emu_g;

static const struct emu_profile profiles[] = {
    {
	.name = "hantro-g1",
	.driver = "hantro-vpu",
	.card = "rockchip,rk3288-vpu-dec",
	.mode = EMU_MODE_FRAME_BASED,
	.start_code = EMU_START_CODE_ANNEX_B,
	.capture_fourcc = V4L2_PIX_FMT_NV12,
	.min_w = 48,
	.min_h = 48,
	.max_w = 1920,
	.max_h = 1088,
	.requires_requests = false,
	.coded_depth = 2,
	.codecs = {&emu_codec_h264, &emu_codec_mpeg2, &emu_codec_vp8},
    },
    {
	.name = "rkvdec",
	.driver = "rkvdec",
	.card = "rkvdec",
	.mode = EMU_MODE_FRAME_BASED,
	.start_code = EMU_START_CODE_ANNEX_B,
	.capture_fourcc = V4L2_PIX_FMT_NV12,
	.min_w = 48,
	.min_h = 48,
	.max_w = 4096,
	.max_h = 2304,
	.ten_bit = true,
	.requires_requests = true,
	.coded_depth = 2,
	.codecs = {&emu_codec_h264},
    },
    {
	.name = "cedrus",
	.driver = "cedrus",
	.card = "cedrus",
	.mode = EMU_MODE_SLICE_BASED,
	.start_code = EMU_START_CODE_NONE,
	.capture_fourcc = V4L2_PIX_FMT_NV12_32L32,
	.min_w = 16,
	.min_h = 16,
	.max_w = 4096,
	.max_h = 2304,
	.hold_capture = true,
	.requires_requests = true,
	.coded_min_size = 1024,
	.codecs = {&emu_codec_h264, &emu_codec_mpeg2, &emu_codec_vp8},
    },
};

static bool path_exists(const char *path)
{
	/* The raw syscall: our own access() would see emulated names. */
	return syscall(SYS_faccessat, AT_FDCWD, path, F_OK, 0) == 0;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return def;
	return v;
}

static char *env_dup(const char *name)
{
	const char *s = getenv(name);

	return s && *s ? strdup(s) : NULL;
}

static void parse_faults(void)
{
	const char *s = getenv("V4L2_EMU_FAULT");
	char buf[256], *save = NULL, *tok;

	if (!s || strlen(s) >= sizeof(buf))
		return;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t v;

		if (!eq)
			continue;
		*eq = '\0';
		v = strtoull(eq + 1, NULL, 0);
		if (!strcmp(tok, "qbuf"))
			emu_g.fault_qbuf = v;
		else if (!strcmp(tok, "error"))
			emu_g.fault_error = v;
		else if (!strcmp(tok, "queue"))
			emu_g.fault_queue = v;
		else if (!strcmp(tok, "stall"))
			emu_g.fault_stall = v;
		else if (!strcmp(tok, "gone"))
			emu_g.fault_gone = v;
	}
}

static const struct emu_profile *find_profile(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

static int parse_item(char *item, struct emu_device *dev)
{
	char *save = NULL, *tok = strtok_r(item, ":", &save);
	const struct emu_profile *p;

	if (!tok)
		return -1;
	p = find_profile(tok);
	if (!p) {
		emu_debug("unknown device profile '%s' ignored", tok);
		return -1;
	}
	memset(dev, 0, sizeof(*dev));
	dev->prof = p;
	dev->cfg.profile = p->name;
	dev->cfg.driver = p->driver;
	dev->cfg.mode = p->mode;
	dev->cfg.start_code = p->start_code;
	dev->cfg.capture_fourcc = p->capture_fourcc;
	dev->cfg.min_width = p->min_w;
	dev->cfg.min_height = p->min_h;
	dev->cfg.max_width = p->max_w;
	dev->cfg.max_height = p->max_h;
	dev->cfg.ten_bit = p->ten_bit;
	while ((tok = strtok_r(NULL, ":", &save))) {
		if (!strcmp(tok, "single"))
			dev->single = true;
		else if (!strcmp(tok, "api=single"))
			dev->splane = true;
		else if (!strcmp(tok, "api=mplane"))
			dev->splane = false;
		else if (!strcmp(tok, "layout=nv12"))
			dev->cfg.capture_fourcc = V4L2_PIX_FMT_NV12;
		else if (!strcmp(tok, "layout=nv12_4l4"))
			dev->cfg.capture_fourcc = V4L2_PIX_FMT_NV12_4L4;
		else if (!strcmp(tok, "layout=nv12_32l32"))
			dev->cfg.capture_fourcc = V4L2_PIX_FMT_NV12_32L32;
		else
			emu_debug("unknown option '%s' of %s ignored", tok, p->name);
	}
	return 0;
}

static bool names_free(int first, int n)
{
	char path[32];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/media%d", first + i);
		if (path_exists(path))
			return false;
		snprintf(path, sizeof(path), "/dev/video%d", first + i);
		if (path_exists(path))
			return false;
	}
	return true;
}

/* Returns the number of devices (0: inert). Called once, under pthread_once. */
int emu_config_init(void)
{
	const char *devs = getenv("V4L2_EMU_DEVICES");
	char *buf, *save = NULL, *item;
	int first;

	emu_g.debug = getenv("V4L2_EMU_DEBUG") && strcmp(getenv("V4L2_EMU_DEBUG"), "0");
	if (!devs || !*devs)
		return 0;
	buf = strdup(devs);
	if (!buf)
		return 0;
	for (item = strtok_r(buf, ",", &save); item && emu_g.ndev < EMU_MAX_DEVICES;
	     item = strtok_r(NULL, ",", &save)) {
		if (parse_item(item, &emu_g.dev[emu_g.ndev]) == 0)
			emu_g.ndev++;
	}
	free(buf);
	if (!emu_g.ndev)
		return 0;

	emu_g.nodecode = env_u64("V4L2_EMU_NODECODE", 0) != 0;
	emu_g.latency_us = env_u64("V4L2_EMU_LATENCY_US", 0);
	emu_g.trace_path = env_dup("V4L2_EMU_TRACE");
	emu_g.violations_path = env_dup("V4L2_EMU_VIOLATIONS");
	emu_g.stats_path = env_dup("V4L2_EMU_STATS");
	parse_faults();

	first = (int)env_u64("V4L2_EMU_FIRST_INDEX", (uint64_t)-1);
	if (first < 0) {
		for (first = 0; first < 1000 && !names_free(first, emu_g.ndev); first++)
			;
	}
	for (int i = 0; i < emu_g.ndev; i++) {
		struct emu_device *dev = &emu_g.dev[i];

		dev->cfg.index = i;
		dev->num = first + i;
		for (int k = 0; k < EMU_MAX_CODECS && dev->prof->codecs[k]; k++)
			dev->codecs[dev->ncodecs++] = dev->prof->codecs[k];
		snprintf(dev->video_path, sizeof(dev->video_path), "/dev/video%d", dev->num);
		snprintf(dev->media_path, sizeof(dev->media_path), "/dev/media%d", dev->num);
		pthread_cond_init(&dev->work_cv, NULL);
		if (emu_ctrls_init(dev) < 0) {
			emu_g.ndev = i;
			break;
		}
		emu_debug("%s: %s %s layout %.4s", dev->prof->name, dev->media_path,
			  dev->video_path, (const char *)&dev->cfg.capture_fourcc);
	}
	return emu_g.ndev;
}

struct emu_device *emu_dev_by_video_path(const char *path)
{
	for (int i = 0; i < emu_g.ndev; i++)
		if (!strcmp(emu_g.dev[i].video_path, path))
			return &emu_g.dev[i];
	return NULL;
}

struct emu_device *emu_dev_by_media_path(const char *path)
{
	for (int i = 0; i < emu_g.ndev; i++)
		if (!strcmp(emu_g.dev[i].media_path, path))
			return &emu_g.dev[i];
	return NULL;
}
