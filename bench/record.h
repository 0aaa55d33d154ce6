/* SPDX-License-Identifier: MIT */
/*
 * The ioctl log written by libv4l2r-record.so (LD_PRELOAD, V4L2R_RECORD=FILE) and read by
 * v4l2r-replay: every open/close of a /dev/video* or /dev/media* node and every ioctl on those
 * nodes and on the media requests they allocate, in call order, with the argument before and
 * after the call and what its pointers point at.
 *
 * A record is a struct rec_hdr followed by `len` payload bytes, then zeros up to a multiple of
 * REC_ALIGN bytes (so that each header, and each argument copy that follows it, is aligned):
 *   REC_OPEN    the path (fd = the fd it got)
 *   REC_CLOSE   nothing
 *   REC_IOCTL   `size` bytes of the argument before the call, `size` bytes after it, then:
 *               v4l2_buffer of a multi-planar type: the planes (before the call; after it for
 *               QUERYBUF and DQBUF), and for a QBUF of an OUTPUT buffer the bytes in use (the
 *               bitstream the client wrote);
 *               v4l2_ext_controls: the controls, then each control's payload (size bytes).
 */
#ifndef V4L2R_BENCH_RECORD_H
#define V4L2R_BENCH_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define REC_MAGIC 0x52344c56u /* "VL4R" */

enum rec_kind { REC_OPEN = 1, REC_CLOSE, REC_IOCTL };

struct rec_hdr {
	uint32_t magic;
	uint32_t kind;
	int32_t fd;
	int32_t ret;
	int32_t err;
	uint32_t req;
	uint32_t size; /* _IOC_SIZE(req) */
	uint32_t len;  /* payload bytes after this header */
	uint64_t t_ns; /* CLOCK_MONOTONIC at return */
};

#define REC_ALIGN 8u

/* The bytes a record with `len` payload bytes takes in the log. */
static inline size_t rec_padded(uint32_t len)
{
	return (sizeof(struct rec_hdr) + len + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

#endif
