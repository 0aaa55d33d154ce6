/* SPDX-License-Identifier: MIT */
/*
 * Contract between the emulated device's core (interposition, uAPI semantics, queues, requests,
 * controls, worker thread, capture layouts) and one emulated codec (emu/codec/X.c).
 *
 * The core knows nothing of any codec's bitstream or controls beyond what a codec declares here;
 * a codec knows nothing of file descriptors, queues or layouts. A codec decodes from the control
 * values of a request plus the OUTPUT payload, into a planar picture that the core writes into the
 * CAPTURE buffer in the profile's layout.
 *
 * The emulator is the test oracle of the driver: it must share no codec logic with src/.
 */
#ifndef EMU_CODEC_H
#define EMU_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/videodev2.h>

/* How the profile's real hardware takes slices. */
enum emu_decode_mode {
	EMU_MODE_FRAME_BASED, /* one request per picture, all slices in one OUTPUT buffer */
	EMU_MODE_SLICE_BASED, /* one request per slice, capture buffer held across them */
};

enum emu_start_code {
	EMU_START_CODE_NONE,    /* slices without start code */
	EMU_START_CODE_ANNEX_B, /* each slice preceded by 00 00 01 */
};

/* The static description of one emulated device instance (a profile plus its options). */
struct emu_dev_cfg {
	const char *profile;  /* "hantro-g1", "rkvdec", "cedrus", ... */
	const char *driver;   /* QUERYCAP driver name, e.g. "hantro-vpu" */
	enum emu_decode_mode mode;
	enum emu_start_code start_code;
	uint32_t capture_fourcc; /* V4L2_PIX_FMT_NV12, _NV12_4L4, _NV12_32L32, ... */
	uint32_t min_width, min_height, max_width, max_height;
	bool ten_bit; /* the hardware can output 10-bit pictures */
	int index;    /* 0-based position in V4L2_EMU_DEVICES */
};

/* One control a codec exposes on a device (QUERY_EXT_CTRL, S/G/TRY_EXT_CTRLS). */
struct emu_ctrl_desc {
	uint32_t id;
	const char *name;
	uint32_t type; /* V4L2_CTRL_TYPE_* */
	uint32_t elem_size;
	uint32_t nr_of_dims;
	uint32_t dims[V4L2_CTRL_MAX_DIMS];
	int64_t minimum, maximum, default_value;
	uint64_t step;
	uint64_t menu_skip_mask;   /* bit n set: menu item n not offered */
	uint32_t flags;            /* V4L2_CTRL_FLAG_* */
	bool required_per_request; /* MEDIA_REQUEST_IOC_QUEUE fails with ENOENT when absent */
};

/* A picture as the codec produced it: planar 4:2:0, 8-bit (1 byte/sample) or 10-bit (2 bytes,
 * little endian, value in the low bits). Valid until the next call into the codec. */
struct emu_picture {
	int width, height; /* visible (cropped) size is the core's business: these are coded sizes */
	int bit_depth;
	const uint8_t *plane[3];
	int stride[3];
};

struct emu_instance; /* an open decoding instance (video fd) — the core's */

/* One request (one OUTPUT buffer) handed to the codec on the worker thread. */
struct emu_job {
	struct emu_instance *inst;
	uint64_t seq; /* 0-based index of this request on the instance */
	const uint8_t *data;
	size_t size; /* bytesused of the OUTPUT buffer */
	uint64_t timestamp; /* OUTPUT buffer timestamp in ns (v4l2_timeval_to_ns) */
	int capture_index;  /* the CAPTURE buffer this request decodes into */
	bool hold;          /* OUTPUT buffer had V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF */
};

/*
 * Core services for codecs.
 */
/* The value of control `id` as this request sees it: the request's own value if the request set
 * it, else the instance's current value. NULL if the control does not exist. *size gets the
 * payload size in bytes. */
const void *emu_job_ctrl(const struct emu_job *job, uint32_t id, uint32_t *size);
/* Whether the request itself carried control `id`. */
bool emu_job_ctrl_in_request(const struct emu_job *job, uint32_t id);
/* Current (non-request) value of a control on an instance, e.g. the SPS set before REQBUFS. */
const void *emu_inst_ctrl(struct emu_instance *inst, uint32_t id, uint32_t *size);
/* Index of the CAPTURE buffer whose last decoded picture has this timestamp (as vb2 looks up
 * reference_ts), or -1. */
int emu_inst_find_capture(struct emu_instance *inst, uint64_t timestamp);
const struct emu_dev_cfg *emu_inst_cfg(struct emu_instance *inst);
/* Record a violation: one JSON line {"dev","pid","seq","rule", <fields>} in $V4L2_EMU_VIOLATIONS.
 * `fields_fmt` is printf-style and must expand to JSON members without braces, e.g.
 * "\"field\":\"frame_num\",\"got\":%d,\"want\":%d". The codec then fails the job. */
void emu_violation(const struct emu_job *job, const char *rule, const char *fields_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Debug print when V4L2_EMU_DEBUG is set; silent otherwise. */
void emu_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct emu_codec_ops {
	const char *name;      /* "h264" */
	uint32_t coded_fourcc; /* V4L2_PIX_FMT_H264_SLICE */
	/* Which profiles have this codec is decided by the profile table in the core. */

	/* Fill up to `max` control descriptions for a device; returns how many. */
	int (*get_ctrls)(const struct emu_dev_cfg *cfg, struct emu_ctrl_desc *descs, int max);
	/* Validate a control value as the kernel (std validation + the real driver's try_ctrl)
	 * would: 0 or -EINVAL. May be NULL. */
	int (*try_ctrl)(const struct emu_dev_cfg *cfg, uint32_t id, const void *data, uint32_t size);
	/* Bit depth of the pictures the current header controls describe (8 or 10); the core uses it
	 * to choose which CAPTURE formats ENUM_FMT offers, as rkvdec/hantro do from the SPS. */
	int (*bit_depth)(struct emu_instance *inst);

	/* One decoding instance per open video fd. */
	void *(*open)(struct emu_instance *inst);
	void (*close)(void *priv);

	/* Worker thread, requests in queue order. Checks every control of the request and feeds the
	 * codec. 0 on success, -1 when the job fails (violation or decode error): the core then
	 * flags the CAPTURE buffer V4L2_BUF_FLAG_ERROR. */
	int (*submit)(void *priv, const struct emu_job *job);
	/* The CAPTURE buffer of `job` is complete (frame-based: right after submit; slice-based:
	 * when the held buffer is released). `job` is the last request that decoded into it. On 0,
	 * *out holds the picture to write; -1 flags the buffer ERROR. */
	int (*finish)(void *priv, const struct emu_job *job, struct emu_picture *out);

	/* Field-by-field JSON value of a control for the trace, e.g. {"profile_idc":100,...}. */
	void (*dump_ctrl)(FILE *f, uint32_t id, const void *data, uint32_t size);

	/* Default value of a compound control as std_init_compound() makes it (e.g. VP8_FRAME
	 * num_dct_parts = 1, which its validation requires), written over zeroes at device
	 * setup. May be NULL: all zeroes. */
	void (*init_ctrl)(uint32_t id, void *data, uint32_t size);
};

extern const struct emu_codec_ops emu_codec_h264;
extern const struct emu_codec_ops emu_codec_vp8;
extern const struct emu_codec_ops emu_codec_mpeg2;

#endif
