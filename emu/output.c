/* SPDX-License-Identifier: MIT */
/*
 * The emulator's JSON-lines outputs (docs/design.md, "Emulator outputs"): statistics,
 * violations, trace. Each line is appended with one write() so processes can share a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu.h"

static void append_line(const char *path, const char *line, size_t len)
{
	int fd, e = errno;

	if (!path || !len)
		return;
	fd = emu_real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		errno = e;
		return;
	}
	if (write(fd, line, len) < 0)
		emu_debug("cannot write %s", path);
	emu_real_close(fd);
	errno = e;
}

void emu_debug(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, e = errno;

	if (!emu_g.debug)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, "v4l2emu: ", 9) < 0 || write(STDERR_FILENO, buf, (size_t)n) < 0)
		(void)0;
	errno = e;
}

void emu_violation(const struct emu_job *job, const char *rule, const char *fields_fmt, ...)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f;
	va_list ap;
	const char *dev = job && job->inst ? job->inst->dev->prof->name : "?";

	f = open_memstream(&line, &len);
	if (!f)
		return;
	fprintf(f, "{\"dev\":\"%s\",\"pid\":%d,\"seq\":%llu,\"rule\":\"%s\"", dev, (int)getpid(),
		job ? (unsigned long long)job->seq : 0ULL, rule);
	if (fields_fmt && *fields_fmt) {
		fputc(',', f);
		va_start(ap, fields_fmt);
		vfprintf(f, fields_fmt, ap);
		va_end(ap);
	}
	fputs("}\n", f);
	fclose(f);
	emu_debug("violation: %.*s", (int)(len ? len - 1 : 0), line);
	append_line(emu_g.violations_path, line, len);
	free(line);
}

void emu_out_trace(struct emu_instance *inst, const struct emu_job *job)
{
	struct emu_device *dev = inst->dev;
	char *line = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f;

	if (!emu_g.trace_path)
		return;
	f = open_memstream(&line, &len);
	if (!f)
		return;
	fprintf(f,
		"{\"dev\":\"%s\",\"pid\":%d,\"inst\":%d,\"seq\":%llu,\"ts\":%llu,\"bytesused\":%zu,"
		"\"ctrls\":{",
		dev->prof->name, (int)getpid(), inst->id, (unsigned long long)job->seq,
		(unsigned long long)job->timestamp, job->size);
	for (int i = 0; i < dev->nctrls; i++) {
		const struct emu_ctrl *c = &dev->ctrls[i];
		const uint8_t *v = inst->job_vals + c->offset;

		if (!inst->job_set[i])
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", c->d.name);
		first = false;
		if (c->compound && c->codec && c->codec->dump_ctrl) {
			c->codec->dump_ctrl(f, c->d.id, v, c->size);
		} else if (c->d.type == V4L2_CTRL_TYPE_INTEGER64) {
			int64_t x;

			memcpy(&x, v, sizeof(x));
			fprintf(f, "{\"value\":%lld}", (long long)x);
		} else {
			int32_t x;

			memcpy(&x, v, sizeof(x));
			fprintf(f, "{\"value\":%d}", x);
		}
	}
	fputs("}}\n", f);
	fclose(f);
	append_line(emu_g.trace_path, line, len);
	free(line);
}

void emu_out_stats(struct emu_instance *inst)
{
	char line[400];
	int n;

	if (!emu_g.stats_path)
		return;
	uint64_t span = inst->last_change_ns - inst->first_queue_ns;
	double inflight = span ? (double)inst->inflight_area / (double)span : 0;
	double busy = span ? 100.0 * (double)inst->busy_ns / (double)span : 0;
	if (busy > 100)
		busy = 100;
	/* buffers_allocated / buffers_freed: by REQBUFS / CREATE_BUFS and REQBUFS (count 0 or a
	 * new count) before the instance closed; a client that frees what it allocates leaves
	 * them equal. output_created: OUTPUT buffers by CREATE_BUFS. inflight_avg: time-weighted
	 * mean of the requests queued and not completed, busy_pct: the engine's busy time, both
	 * over the first queue .. last completion. */
	n = snprintf(line, sizeof(line),
		     "{\"dev\":\"%s\",\"index\":%d,\"pid\":%d,\"requests\":%llu,\"frames\":%llu,"
		     "\"errors\":%llu,\"buffers_allocated\":%llu,\"buffers_freed\":%llu,"
		     "\"output_created\":%llu,\"inflight_avg\":%.2f,\"busy_pct\":%.1f}\n",
		     inst->dev->prof->name, inst->dev->cfg.index, (int)getpid(),
		     (unsigned long long)inst->n_requests, (unsigned long long)inst->n_frames,
		     (unsigned long long)inst->n_errors, (unsigned long long)inst->n_bufs_alloc,
		     (unsigned long long)inst->n_bufs_freed,
		     (unsigned long long)inst->n_out_created, inflight, busy);
	if (n > 0 && (size_t)n < sizeof(line))
		append_line(emu_g.stats_path, line, (size_t)n);
}

void emu_out_stats_all(void)
{
	pthread_mutex_lock(&emu_lock);
	for (int i = 0; i < emu_g.ndev; i++)
		for (struct emu_instance *in = emu_g.dev[i].insts; in; in = in->next) {
			if (in->stats_done)
				continue;
			emu_out_stats(in);
			in->stats_done = true;
		}
	pthread_mutex_unlock(&emu_lock);
}
