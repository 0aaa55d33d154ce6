/* SPDX-License-Identifier: MIT */
/* Per-picture slice parameters + slice data gathering shared by the codecs (slices.h). */
#include "slices.h"

#include <stdlib.h>
#include <string.h>

/* The leading members every VA slice parameter structure has. */
struct va_slice_prefix {
	uint32_t slice_data_size;
	uint32_t slice_data_offset;
	uint32_t slice_data_flag;
};

void v4l2r_slices_init(struct v4l2r_slices *s, size_t rec_size, size_t param_offset,
		       size_t param_size, unsigned max_slices, size_t max_data)
{
	memset(s, 0, sizeof(*s));
	s->rec_size = rec_size;
	s->param_offset = param_offset;
	s->param_size = param_size;
	s->max_slices = max_slices;
	s->max_data = max_data;
}

void v4l2r_slices_free(struct v4l2r_slices *s)
{
	free(s->recs);
	s->recs = NULL;
	s->cap = 0;
	v4l2r_slices_reset(s);
}

void v4l2r_slices_reset(struct v4l2r_slices *s)
{
	s->n = 0;
	s->first_unpaired = 0;
	s->data_size = 0;
}

static struct va_slice_prefix prefix(const struct v4l2r_slices *s, unsigned i)
{
	struct va_slice_prefix p;

	memcpy(&p, (const uint8_t *)v4l2r_slices_rec(s, i) + s->param_offset, sizeof(p));
	return p;
}

VAStatus v4l2r_slices_add_params(struct v4l2r_slices *s, const struct v4l2r_va_buffer *buf)
{
	const uint8_t *src = buf->data;

	if (!src || buf->size != s->param_size || s->param_size < sizeof(struct va_slice_prefix) ||
	    buf->num_elements < 1)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	if (buf->num_elements > s->max_slices - s->n)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	for (unsigned i = 0; i < buf->num_elements; i++) {
		struct va_slice_prefix p;

		memcpy(&p, src + (size_t)i * s->param_size, sizeof(p));
		if (p.slice_data_flag != VA_SLICE_DATA_FLAG_ALL) /* partial slices */
			return VA_STATUS_ERROR_INVALID_PARAMETER;
	}
	unsigned need = s->n + buf->num_elements;
	if (need > s->cap) {
		unsigned cap = s->cap ? s->cap : 16;
		while (cap < need)
			cap *= 2;
		void *r = realloc(s->recs, (size_t)cap * s->rec_size);
		if (!r)
			return VA_STATUS_ERROR_ALLOCATION_FAILED;
		s->recs = r;
		s->cap = cap;
	}
	for (unsigned i = 0; i < buf->num_elements; i++) {
		uint8_t *rec = v4l2r_slices_rec(s, s->n++);

		/* zero what the parameters do not cover */
		memset(rec, 0, s->param_offset);
		memcpy(rec + s->param_offset, src + (size_t)i * s->param_size, s->param_size);
		memset(rec + s->param_offset + s->param_size, 0,
		       s->rec_size - s->param_offset - s->param_size);
	}
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_slices_add_data(struct v4l2r_slices *s, const struct v4l2r_va_buffer *buf,
			       unsigned *first)
{
	uint64_t size = (uint64_t)buf->size * buf->num_elements;

	if (s->first_unpaired >= s->n)
		return VA_STATUS_ERROR_INVALID_BUFFER; /* no slice parameters to go with it */
	if (!buf->data || size == 0 || size > s->max_data - s->data_size)
		return VA_STATUS_ERROR_INVALID_BUFFER;
	for (unsigned i = s->first_unpaired; i < s->n; i++) {
		struct va_slice_prefix p = prefix(s, i);

		if (p.slice_data_size == 0 || p.slice_data_offset > size ||
		    p.slice_data_size > size - p.slice_data_offset)
			return VA_STATUS_ERROR_INVALID_PARAMETER;
	}
	for (unsigned i = s->first_unpaired; i < s->n; i++) {
		struct va_slice_prefix p = prefix(s, i);
		struct v4l2r_slice_span *span = v4l2r_slices_rec(s, i);

		span->data = (const uint8_t *)buf->data + p.slice_data_offset;
		span->size = p.slice_data_size;
	}
	*first = s->first_unpaired;
	s->data_size += size;
	s->first_unpaired = s->n;
	return VA_STATUS_SUCCESS;
}

bool v4l2r_slices_complete(const struct v4l2r_slices *s)
{
	return s->n > 0 && s->first_unpaired == s->n;
}
