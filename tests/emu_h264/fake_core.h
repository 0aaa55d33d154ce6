/* SPDX-License-Identifier: MIT */
/* A fake emulator core for the H.264 codec unit tests: controls per job, capture timestamps,
 * violation counting. */
#ifndef EMU_H264_FAKE_CORE_H
#define EMU_H264_FAKE_CORE_H

#include "../../emu/emu_codec.h"

#define FAKE_MAX_CTRLS	 8
#define FAKE_MAX_CAPTURE 32

struct fake_ctrl {
	uint32_t id;
	const void *data;
	uint32_t size;
};

struct emu_instance {
	struct emu_dev_cfg cfg;
	struct fake_ctrl cur[FAKE_MAX_CTRLS]; /* current values */
	int ncur;
	uint64_t capture_ts[FAKE_MAX_CAPTURE];
	bool capture_valid[FAKE_MAX_CAPTURE];
};

struct fake_job {
	struct emu_job job; /* first: the codec sees &fake_job.job */
	struct fake_ctrl req[FAKE_MAX_CTRLS];
	int nreq;
};

extern int fake_violations;
extern char fake_last_rule[128];
extern bool fake_quiet;

#endif
