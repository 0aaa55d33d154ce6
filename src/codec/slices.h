/* SPDX-License-Identifier: MIT */
/*
 * The slices of one picture as VA clients render them, for any codec: slice parameter buffers
 * (each element copied into a codec-defined slice record) paired with the slice data buffer that
 * follows them. Every VA slice parameter structure starts with slice_data_size,
 * slice_data_offset, slice_data_flag: that is all this reads of them.
 *
 * Slice data is not copied here: a record points into the VA buffer, which the core keeps alive
 * until the picture ends (vaEndPicture, or the next vaBeginPicture): the codec copies the
 * bitstream once, at end(), into the OUTPUT buffer.
 */
#ifndef V4L2R_SLICES_H
#define V4L2R_SLICES_H

#include "codec.h"

/* First member of a codec's slice record. */
struct v4l2r_slice_span {
	const uint8_t *data; /* into the slice data buffer; valid until the picture ends */
	uint32_t size;	     /* bytes of slice data */
};

struct v4l2r_slices {
	/* set by v4l2r_slices_init */
	size_t rec_size;     /* the codec's slice record, v4l2r_slice_span first */
	size_t param_offset; /* where the VA slice parameters go in the record */
	size_t param_size;   /* sizeof the VA slice parameter structure */
	unsigned max_slices; /* per picture */
	size_t max_data;     /* per picture */

	void *recs; /* n records of rec_size bytes */
	unsigned n, cap;
	unsigned first_unpaired; /* records from here on wait for their data buffer */
	size_t data_size;	 /* bytes of the slice data buffers added (<= max_data) */
};

void v4l2r_slices_init(struct v4l2r_slices *s, size_t rec_size, size_t param_offset,
		       size_t param_size, unsigned max_slices, size_t max_data);
void v4l2r_slices_free(struct v4l2r_slices *s);
/* vaBeginPicture: forget the previous picture's slices (keeps the allocations). */
void v4l2r_slices_reset(struct v4l2r_slices *s);
/* A VASliceParameterBufferType buffer: one record per element (zeroed, parameters copied).
 * INVALID_BUFFER for a wrong element size, INVALID_PARAMETER beyond max_slices or for a partial
 * slice (slice_data_flag other than VA_SLICE_DATA_FLAG_ALL). */
VAStatus v4l2r_slices_add_params(struct v4l2r_slices *s, const struct v4l2r_va_buffer *buf);
/* A VASliceDataBufferType buffer: the data of the records added since the previous one, each
 * range checked against the buffer; the records point into buf->data, which must stay valid
 * until the picture ends. *first = index of the first record it paired. */
VAStatus v4l2r_slices_add_data(struct v4l2r_slices *s, const struct v4l2r_va_buffer *buf,
			       unsigned *first);
/* Every record has its data and there is at least one. */
bool v4l2r_slices_complete(const struct v4l2r_slices *s);

static inline void *v4l2r_slices_rec(const struct v4l2r_slices *s, unsigned i)
{
	return (uint8_t *)s->recs + (size_t)i * s->rec_size;
}

#endif
