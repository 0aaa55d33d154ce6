/* SPDX-License-Identifier: MIT */
/*
 * The decode engine: one thread per device runs jobs in mem2mem order (v4l2-mem2mem.c): a job
 * is ready when both queues stream, the head OUTPUT buffer's request is queued and a CAPTURE
 * buffer is available (or held, for slices of the same picture). Codec calls run without the
 * lock, on a snapshot of the job's controls.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "emu.h"

static uint64_t ts_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}

static struct emu_buf *head(struct emu_queue *q)
{
	struct emu_buf *best = NULL;

	for (unsigned int i = 0; i < q->nbufs; i++) {
		struct emu_buf *b = &q->bufs[i];

		if (b->state == EMU_BUF_QUEUED && (!best || b->qseq < best->qseq))
			best = b;
	}
	return best;
}

static bool has_work(struct emu_instance *inst)
{
	struct emu_buf *ob;

	if (inst->closing || inst->running)
		return false;
	if (inst->release_held && inst->held >= 0)
		return true;
	if (!inst->out.streaming || !inst->cap.streaming || inst->stalled || inst->gone)
		return false;
	ob = head(&inst->out);
	if (!ob)
		return false;
	if (inst->held >= 0)
		return true; /* continue the held picture, or release it first */
	return head(&inst->cap) != NULL;
}

/* A CAPTURE buffer is complete (lock held). */
static void cap_done(struct emu_instance *inst, struct emu_buf *b, bool error)
{
	emu_g.cnt_frames++;
	if (emu_g.fault_error && emu_g.cnt_frames == emu_g.fault_error) {
		emu_debug("fault: frame #%llu flagged ERROR", (unsigned long long)emu_g.cnt_frames);
		error = true;
	}
	if (error)
		inst->n_errors++;
	else
		inst->n_frames++;
	b->state = EMU_BUF_DONE;
	b->error = error;
	b->bytesused = inst->cap.fmt.plane_fmt[0].sizeimage;
	if (b->bytesused > b->length)
		b->bytesused = b->length;
	b->dseq = ++inst->cap.dcounter;
	b->sequence = inst->cap.sequence++;
	if (emu_g.fault_gone && emu_g.cnt_frames == emu_g.fault_gone)
		emu_device_gone(inst->dev);
}

/* codec finish + layout write, without the lock. Returns true on error. */
static bool produce_picture(struct emu_instance *inst, const struct emu_job *job,
			    const struct v4l2_pix_format_mplane *fmt, struct emu_buf *b)
{
	struct emu_picture pic;

	if (emu_g.nodecode)
		return false;
	memset(&pic, 0, sizeof(pic));
	if (inst->codec->finish(inst->priv, job, &pic) < 0)
		return true;
	if (emu_layout_write(fmt->pixelformat, fmt, b->map, b->length, &pic) < 0) {
		emu_debug("%s: picture %dx%d does not fit the CAPTURE buffer",
			  inst->dev->prof->name, pic.width, pic.height);
		return true;
	}
	return false;
}

/* Complete the held CAPTURE buffer (lock held on entry and exit; dropped meanwhile). */
static void release_held(struct emu_instance *inst)
{
	struct emu_buf *b = &inst->cap.bufs[inst->held];
	struct v4l2_pix_format_mplane fmt = inst->cap.fmt;
	struct emu_job job = inst->held_job;
	bool err = inst->held_error;

	pthread_mutex_unlock(&emu_lock);
	err |= produce_picture(inst, &job, &fmt, b);
	pthread_mutex_lock(&emu_lock);
	inst->held = -1;
	inst->held_error = false;
	cap_done(inst, b, err);
}

static void copy_metadata(const struct emu_buf *src, struct emu_buf *dst)
{
	const uint32_t mask = V4L2_BUF_FLAG_TIMECODE | V4L2_BUF_FLAG_KEYFRAME |
			      V4L2_BUF_FLAG_PFRAME | V4L2_BUF_FLAG_BFRAME;

	dst->timestamp = src->timestamp;
	dst->timecode = src->timecode;
	dst->field = src->field;
	dst->flags = (dst->flags & ~mask) | (src->flags & mask);
	dst->copied_ts = true;
}

uint64_t emu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void emu_inflight_change(struct emu_instance *inst, int delta)
{
	uint64_t now = emu_now_ns();

	if (!inst->first_queue_ns)
		inst->first_queue_ns = now;
	else if (inst->inflight > 0)
		inst->inflight_area += (uint64_t)inst->inflight * (now - inst->last_change_ns);
	inst->last_change_ns = now;
	inst->inflight += delta;
	if (inst->inflight < 0)
		inst->inflight = 0;
}

static void sleep_until_ns(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000ull), (long)(t % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Run one unit of work of an instance (lock held on entry and exit). */
static void run_one(struct emu_instance *inst)
{
	struct emu_device *dev = inst->dev;
	struct emu_buf *ob, *db;
	struct emu_request *r;
	struct emu_job job;
	struct v4l2_pix_format_mplane fmt;
	bool hold, err = false;
	int ret = 0;

	inst->running = true;
	if (inst->release_held && inst->held >= 0) {
		inst->release_held = false;
		release_held(inst);
		goto done;
	}
	inst->release_held = false;
	ob = head(&inst->out);
	if (!ob)
		goto done;
	if (inst->held >= 0) {
		struct emu_buf *hb = &inst->cap.bufs[inst->held];

		/* A new picture (another timestamp) first releases the held buffer. */
		if (!hb->copied_ts || ts_ns(&hb->timestamp) != ts_ns(&ob->timestamp)) {
			release_held(inst);
			if (!inst->out.streaming || !inst->cap.streaming ||
			    ob->state != EMU_BUF_QUEUED)
				goto done;
		}
	}
	if (inst->held >= 0) {
		db = &inst->cap.bufs[inst->held];
	} else {
		db = head(&inst->cap);
		if (!db)
			goto done;
	}
	r = ob->req;
	ob->state = EMU_BUF_ACTIVE;
	db->state = EMU_BUF_ACTIVE;
	copy_metadata(ob, db);
	memset(&job, 0, sizeof(job));
	job.inst = inst;
	job.seq = inst->req_seq++;
	job.data = ob->map + ob->data_offset;
	job.size = ob->bytesused - ob->data_offset;
	job.timestamp = ts_ns(&ob->timestamp);
	job.capture_index = (int)(db - inst->cap.bufs);
	job.hold = ob->flags & V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF;
	for (int i = 0; i < dev->nctrls; i++) {
		const struct emu_ctrl *c = &dev->ctrls[i];
		bool set = r && r->set[i];

		inst->job_set[i] = set;
		memcpy(inst->job_vals + c->offset, (set ? r->vals : inst->cur) + c->offset,
		       c->size);
	}
	emu_g.cnt_requests++;
	if (emu_g.fault_stall && emu_g.cnt_requests == emu_g.fault_stall) {
		emu_debug("fault: request #%llu stalls", (unsigned long long)emu_g.cnt_requests);
		inst->stalled = true;
		goto done;
	}

	/* The engine starts the job when it is free and the job is ready (real hardware starts
	 * the next job when the previous one ends: no wake-up latency is simulated), and takes
	 * the latency for it. */
	uint64_t start = emu_now_ns(), end = start;
	if (emu_g.latency_us) {
		uint64_t ready = ob->ready_ns;

		if (inst->held < 0 && db->ready_ns > ready)
			ready = db->ready_ns;
		start = dev->engine_end_ns > ready ? dev->engine_end_ns : ready;
		end = start + emu_g.latency_us * 1000ull;
		dev->engine_end_ns = end;
	}
	pthread_mutex_unlock(&emu_lock);
	emu_out_trace(inst, &job);
	uint64_t t_woke = end;
	if (emu_g.latency_us) {
		sleep_until_ns(end);
		t_woke = emu_now_ns();
	}
	if (!emu_g.nodecode)
		ret = inst->codec->submit(inst->priv, &job);
	pthread_mutex_lock(&emu_lock);

	/* The hold decision is taken at completion (a FLUSH may have cleared the flag). */
	hold = dev->prof->hold_capture && (ob->flags & V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF);
	job.hold = hold;
	err = ret < 0;
	inst->n_requests++;
	if (!hold) {
		fmt = inst->cap.fmt;
		pthread_mutex_unlock(&emu_lock);
		if (!err)
			err = produce_picture(inst, &job, &fmt, db);
		pthread_mutex_lock(&emu_lock);
	}
	uint64_t t_done = emu_now_ns();
	/* The host oversleeping is not the engine's time: only the work after the wake-up
	 * (decoding for real) adds to the latency. */
	uint64_t engine_done = emu_g.latency_us ? end + (t_done - t_woke) : t_done;
	inst->busy_ns += engine_done - start;
	if (engine_done > dev->engine_end_ns)
		dev->engine_end_ns = engine_done;
	/* The request's values become the current ones, as v4l2_ctrl_request_setup() does. */
	if (r) {
		for (int i = 0; i < dev->nctrls; i++)
			if (r->set[i])
				memcpy(inst->cur + dev->ctrls[i].offset,
				       r->vals + dev->ctrls[i].offset, dev->ctrls[i].size);
		emu_request_unbind_buf(r, ob);
		emu_request_complete(r);
	}
	ob->state = EMU_BUF_DONE;
	ob->error = err;
	ob->dseq = ++inst->out.dcounter;
	ob->sequence = inst->out.sequence++;
	if (hold) {
		db->state = EMU_BUF_HELD;
		inst->held = job.capture_index;
		inst->held_job = job;
		inst->held_error |= err;
	} else {
		/* The last slice of a held picture completes it: nothing stays held. */
		if (inst->held >= 0 && db == &inst->cap.bufs[inst->held]) {
			err |= inst->held_error;
			inst->held = -1;
			inst->held_error = false;
		}
		cap_done(inst, db, err);
	}
done:
	inst->running = false;
	emu_file_update(inst->file);
	pthread_cond_broadcast(&emu_cv);
}

static void *worker_main(void *arg)
{
	struct emu_device *dev = arg;
	struct emu_instance *last = NULL;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&emu_lock);
	for (;;) {
		struct emu_instance *pick = NULL, *in;

		/* Round robin: start after the instance served last. */
		for (in = dev->insts; in; in = in->next)
			if (in == last)
				break;
		for (int pass = 0; pass < 2 && !pick; pass++) {
			struct emu_instance *start = pass == 0 && in ? in->next : dev->insts;

			for (struct emu_instance *c = start; c && !pick; c = c->next)
				if (has_work(c))
					pick = c;
		}
		if (!pick) {
			dev->busy = false;
			pthread_cond_wait(&dev->work_cv, &emu_lock);
			continue;
		}
		dev->busy = true;
		last = pick;
		run_one(pick);
	}
	return NULL;
}

void emu_worker_kick(struct emu_device *dev)
{
	if (!dev->worker_started) {
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&dev->worker, &a, worker_main, dev) == 0)
			dev->worker_started = true;
		pthread_attr_destroy(&a);
	}
	pthread_cond_signal(&dev->work_cv);
}

void emu_worker_wait_idle(struct emu_instance *inst)
{
	while (inst->running)
		pthread_cond_wait(&emu_cv, &emu_lock);
}

void emu_worker_atfork_child(void)
{
	for (int i = 0; i < emu_g.ndev; i++) {
		struct emu_device *dev = &emu_g.dev[i];

		dev->worker_started = false;
		dev->busy = false;
		pthread_cond_init(&dev->work_cv, NULL);
		for (struct emu_instance *in = dev->insts; in; in = in->next)
			in->running = false;
	}
}

/* ---- codec services that read queue state ---- */

int emu_inst_find_capture(struct emu_instance *inst, uint64_t timestamp)
{
	int found = -1, n = 0;

	pthread_mutex_lock(&emu_lock);
	for (unsigned int i = 0; i < inst->cap.nbufs; i++) {
		const struct emu_buf *b = &inst->cap.bufs[i];

		if (b->copied_ts && ts_ns(&b->timestamp) == timestamp) {
			if (found < 0)
				found = (int)i;
			n++;
		}
	}
	struct emu_job where = {.inst = inst, .seq = inst->req_seq ? inst->req_seq - 1 : 0};
	pthread_mutex_unlock(&emu_lock);
	/* vb2 returns the first buffer with the timestamp: a client that left two pictures with
	 * one timestamp gets whichever comes first (a wrong reference on real hardware too). */
	if (n > 1)
		emu_violation(&where, "reference-timestamp-ambiguous",
			      "\"reference_ts\":%llu,\"capture_buffers\":%d",
			      (unsigned long long)timestamp, n);
	return found;
}

const struct emu_dev_cfg *emu_inst_cfg(struct emu_instance *inst)
{
	return &inst->dev->cfg;
}
