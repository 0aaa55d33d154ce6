/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of the emulated device's core (not seen by codecs: see emu_codec.h).
 *
 * Concurrency: one process-wide recursive mutex (emu_lock) guards every piece of emulator
 * state; blocking waits use emu_cv. Codec ops run on a device's worker thread without the lock,
 * on a snapshot of the job's control values.
 */
#ifndef EMU_H
#define EMU_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/media.h>
#include <linux/videodev2.h>

#include "emu_codec.h"

#define EMU_EXPORT __attribute__((visibility("default")))

#define EMU_MAX_DEVICES	 16
#define EMU_MAX_BUFFERS	 32 /* VB2_MAX_FRAME */
#define EMU_MAX_CTRLS	 32
#define EMU_MAX_CODECS	 4
#define EMU_VIDEO_MAJOR	 81
#define EMU_MEDIA_MAJOR	 238
#define EMU_CAPTURE_OFF	 0x40000000u /* mmap cookie base of the CAPTURE queue */
#define EMU_BUF_OFF_STEP 0x01000000u

#define EMU_ALIGN(x, a) (((x) + (a)-1) / (a) * (a))

/* One device profile of the table (config.c). */
struct emu_profile {
	const char *name;
	const char *driver;
	const char *card;
	enum emu_decode_mode mode;
	enum emu_start_code start_code;
	uint32_t capture_fourcc;
	uint32_t min_w, min_h, max_w, max_h;
	bool ten_bit;
	bool hold_capture;
	bool requires_requests;
	/* OUTPUT sizeimage (coded formats): a client's value is kept, at least coded_min_size
	 * (cedrus_prepare_format: SZ_1K); 0 becomes width x height x coded_depth (hantro_try_fmt:
	 * max_depth 2; rkvdec_h264_adjust_fmt: RKVDEC_H264_MAX_DEPTH_IN_BYTES 2) if that is set. */
	uint32_t coded_min_size;
	uint32_t coded_depth;
	/* The codecs of the hardware, in ENUM_FMT(OUTPUT) order; the first is the default. */
	const struct emu_codec_ops *codecs[EMU_MAX_CODECS];
};

struct emu_instance;
struct emu_request;

/* A control of a device, with its place in a value blob. */
struct emu_ctrl {
	struct emu_ctrl_desc d;
	uint32_t elems;
	uint32_t size; /* payload bytes */
	uint32_t offset;
	bool compound;
	const struct emu_codec_ops *codec; /* owner; NULL for a class control */
};

struct emu_device {
	struct emu_dev_cfg cfg;
	const struct emu_profile *prof;
	const struct emu_codec_ops *codecs[EMU_MAX_CODECS];
	int ncodecs;
	bool single;
	bool splane; /* single-planar API (V4L2_CAP_VIDEO_M2M), as mainline cedrus */
	int num;     /* N of /dev/mediaN, /dev/videoN */
	char video_path[32], media_path[32];
	struct emu_ctrl ctrls[EMU_MAX_CTRLS];
	int nctrls;
	uint32_t vals_size;
	uint8_t *defaults; /* default value blob */
	int ninst_open;
	int prio_count[4]; /* open instances per V4L2 priority */
	int inst_counter;
	struct emu_instance *insts; /* list */
	struct emu_request *reqs;   /* list of live requests */
	pthread_t worker;
	bool worker_started;
	pthread_cond_t work_cv;
	bool busy; /* worker is running a job (without the lock) */
	/* Fault injection (gone=N): bumped when the device "disappears"; files opened before
	 * are dead (ENODEV, POLLERR), as after an unbind; new opens reach the re-bound device. */
	unsigned epoch;
	/* Simulated engine (V4L2_EMU_LATENCY_US): when the last job ends; a job starts at the
	 * later of that and the time it became ready, and takes the latency. */
	uint64_t engine_end_ns;
};

enum emu_buf_state {
	EMU_BUF_DEQUEUED,
	EMU_BUF_IN_REQUEST,
	EMU_BUF_QUEUED,
	EMU_BUF_ACTIVE,
	EMU_BUF_HELD,
	EMU_BUF_DONE,
};

struct emu_buf {
	enum emu_buf_state state;
	uint64_t qseq, dseq;
	int memfd;
	uint8_t *map;
	uint32_t length;
	uint32_t bytesused, data_offset;
	uint32_t flags; /* client flags kept across QBUF (timecode, hold, ...) */
	struct timeval timestamp;
	struct v4l2_timecode timecode;
	uint32_t field;
	uint32_t sequence;
	bool copied_ts;
	bool error;
	bool mapped;
	uint64_t ready_ns; /* CLOCK_MONOTONIC when it became QUEUED (ready for the engine) */
	struct emu_request *req;
	int32_t request_fd;
};

struct emu_queue {
	uint32_t type;
	struct v4l2_pix_format_mplane fmt;
	struct emu_buf bufs[EMU_MAX_BUFFERS];
	unsigned int nbufs;
	bool streaming;
	bool uses_requests, uses_qbuf;
	uint64_t qcounter, dcounter;
	uint32_t sequence;
};

struct emu_file;

struct emu_instance {
	struct emu_device *dev;
	struct emu_file *file;
	struct emu_instance *next;
	int id;
	struct emu_queue out, cap;
	uint8_t *cur;	   /* current control values */
	uint8_t *job_vals; /* snapshot for the running job */
	bool job_set[EMU_MAX_CTRLS];
	const struct emu_codec_ops *codec; /* active codec, chosen by S_FMT(OUTPUT) */
	void *priv;			   /* its instance */
	bool running;			   /* the worker runs a job of this instance */
	bool stalled;			   /* fault injection: a job never completes */
	bool gone;			   /* fault injection: its device disappeared */
	int held;			   /* CAPTURE buffer held across slices, or -1 */
	struct emu_job held_job;
	bool held_error;
	bool release_held; /* DECODER_CMD flush asked to release the held buffer */
	bool closing;
	int waiters; /* threads blocked in DQBUF on this instance */
	bool stats_done;
	int prio;
	/* control events (v4l2_ctrl_subscribe_event) */
	struct v4l2_event_subscription subs[EMU_MAX_CTRLS];
	int nsubs;
	struct v4l2_event evq[32];
	int nev;
	uint32_t ev_seq;
	uint64_t req_seq;
	uint64_t n_requests, n_frames, n_errors;
	uint64_t n_bufs_alloc, n_bufs_freed; /* buffers of both queues, freed by the client */
	uint64_t n_out_created;		     /* OUTPUT buffers by CREATE_BUFS */
	/* Requests queued and not completed: count, its time integral (inflight_avg) and the
	 * engine's busy time (busy_pct), from the first queue to the last completion. */
	int inflight;
	uint64_t first_queue_ns, last_change_ns, inflight_area, busy_ns;
};

enum emu_req_state {
	EMU_REQ_IDLE,
	EMU_REQ_QUEUED,
	EMU_REQ_COMPLETE,
};

struct emu_request {
	struct emu_device *dev;
	struct emu_instance *inst;
	struct emu_file *file; /* NULL once every fd of it is closed */
	enum emu_req_state state;
	int refs;
	struct emu_request *next;
	struct emu_buf *bufs[4]; /* OUTPUT buffers bound to it (more than one: QUEUE fails) */
	int nbufs;
	uint8_t *vals;
	bool set[EMU_MAX_CTRLS];
};

enum emu_file_type {
	EMU_FILE_VIDEO,
	EMU_FILE_MEDIA,
	EMU_FILE_REQUEST,
};

struct emu_file {
	enum emu_file_type type;
	int refs; /* fds pointing at it */
	int efd;  /* private eventfd: readable while an event is pending */
	bool signalled;
	struct emu_device *dev;
	struct emu_instance *inst;
	struct emu_request *req;
	unsigned epoch; /* dev->epoch when opened */
};

/* interpose.c */
extern pthread_mutex_t emu_lock;
extern pthread_cond_t emu_cv;
int emu_real_close(int fd);
int emu_real_ioctl(int fd, unsigned long req, void *arg);
int emu_real_fcntl(int fd, int cmd, long arg);
int emu_real_open(const char *path, int flags, mode_t mode);
void *emu_real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
/* Create an emulated open file; returns the client fd or -1 with errno. */
int emu_file_open(struct emu_file *f, bool cloexec, bool nonblock);
bool emu_fd_nonblock(int fd);
struct emu_file *emu_fd_file(int fd);
/* Recompute the readiness of a file and set/drain its eventfd (lock held). */
void emu_file_update(struct emu_file *f);
/* Fault injection: the device disappears for every file open on it (lock held). */
void emu_device_gone(struct emu_device *dev);

/* Copy to/from client memory, failing with -EFAULT on a bad pointer as the kernel does. */
int emu_copy_to_user(void *dst, const void *src, size_t len);
int emu_copy_from_user(void *dst, const void *src, size_t len);

/* config.c */
struct emu_global {
	int ndev;
	struct emu_device dev[EMU_MAX_DEVICES];
	bool debug;
	bool nodecode;
	uint64_t latency_us;
	uint64_t fault_qbuf, fault_error, fault_queue, fault_stall, fault_gone;
	uint64_t cnt_qbuf, cnt_frames, cnt_queue, cnt_requests;
	char *trace_path, *violations_path, *stats_path;
};
extern struct emu_global emu_g;
int emu_config_init(void);
struct emu_device *emu_dev_by_video_path(const char *path);
struct emu_device *emu_dev_by_media_path(const char *path);

/* ctrls.c */
int emu_ctrls_init(struct emu_device *dev);
int emu_ctrl_index(const struct emu_device *dev, uint32_t id);
int emu_ctrl_ioctl(struct emu_instance *inst, int fd, unsigned long cmd, void *arg);
int emu_event_ioctl(struct emu_instance *inst, unsigned long cmd, void *arg);
void emu_ctrl_changed(struct emu_instance *inst, int idx);

/* media.c */
int emu_media_ioctl(struct emu_file *f, unsigned long cmd, void *arg);
int emu_request_ioctl(struct emu_file *f, unsigned long cmd, void *arg);
struct emu_request *emu_request_get(struct emu_device *dev, int fd, int *err);
void emu_request_put(struct emu_request *r);
void emu_request_reinit(struct emu_request *r);
short emu_request_poll(struct emu_request *r, short events);
void emu_request_file_closed(struct emu_file *f);
void emu_request_complete(struct emu_request *r);
void emu_request_unbind_buf(struct emu_request *r, struct emu_buf *b);
void emu_requests_detach(struct emu_instance *inst);

/* video.c */
struct emu_instance *emu_video_open(struct emu_device *dev, int *err);
void emu_video_close(struct emu_instance *inst);
int emu_video_ioctl(struct emu_file *f, int fd, unsigned long cmd, void *arg);
short emu_video_poll(struct emu_instance *inst, short events);
void *emu_video_mmap(struct emu_instance *inst, void *addr, size_t len, int prot, int flags,
		     off_t off);
void emu_queue_cancel(struct emu_instance *inst, struct emu_queue *q);
void emu_video_header_changed(struct emu_instance *inst);

/* worker.c */
uint64_t emu_now_ns(void);
/* A request of the instance was queued (+1) or completed (-1) (lock held). */
void emu_inflight_change(struct emu_instance *inst, int delta);
void emu_worker_kick(struct emu_device *dev);
void emu_worker_wait_idle(struct emu_instance *inst);
void emu_worker_atfork_child(void);

/* layout.c */
int emu_layout_write(uint32_t fourcc, const struct v4l2_pix_format_mplane *fmt, uint8_t *dst,
		     size_t dst_size, const struct emu_picture *pic);
void emu_layout_fill_fmt(uint32_t fourcc, uint32_t w, uint32_t h,
			 struct v4l2_pix_format_mplane *fmt);

/* output.c */
void emu_out_trace(struct emu_instance *inst, const struct emu_job *job);
void emu_out_stats(struct emu_instance *inst);
void emu_out_stats_all(void);

#endif
