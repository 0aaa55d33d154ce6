/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fake_core.h"

int fake_violations;
char fake_last_rule[128];
bool fake_quiet = true;

const void *emu_job_ctrl(const struct emu_job *job, uint32_t id, uint32_t *size)
{
	const struct fake_job *fj = (const struct fake_job *)job;

	for (int i = 0; i < fj->nreq; i++) {
		if (fj->req[i].id == id) {
			*size = fj->req[i].size;
			return fj->req[i].data;
		}
	}
	return emu_inst_ctrl(job->inst, id, size);
}

bool emu_job_ctrl_in_request(const struct emu_job *job, uint32_t id)
{
	const struct fake_job *fj = (const struct fake_job *)job;

	for (int i = 0; i < fj->nreq; i++)
		if (fj->req[i].id == id)
			return true;
	return false;
}

const void *emu_inst_ctrl(struct emu_instance *inst, uint32_t id, uint32_t *size)
{
	for (int i = 0; i < inst->ncur; i++) {
		if (inst->cur[i].id == id) {
			*size = inst->cur[i].size;
			return inst->cur[i].data;
		}
	}
	return NULL;
}

int emu_inst_find_capture(struct emu_instance *inst, uint64_t timestamp)
{
	for (int i = 0; i < FAKE_MAX_CAPTURE; i++)
		if (inst->capture_valid[i] && inst->capture_ts[i] == timestamp)
			return i;
	return -1;
}

const struct emu_dev_cfg *emu_inst_cfg(struct emu_instance *inst)
{
	return &inst->cfg;
}

void emu_violation(const struct emu_job *job, const char *rule, const char *fields_fmt, ...)
{
	va_list ap;

	fake_violations++;
	snprintf(fake_last_rule, sizeof(fake_last_rule), "%s", rule);
	if (fake_quiet)
		return;
	fprintf(stderr, "{\"seq\":%llu,\"rule\":\"%s\",", (unsigned long long)job->seq, rule);
	va_start(ap, fields_fmt);
	vfprintf(stderr, fields_fmt, ap);
	va_end(ap);
	fprintf(stderr, "}\n");
}

void emu_debug(const char *fmt, ...)
{
	va_list ap;

	if (fake_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
