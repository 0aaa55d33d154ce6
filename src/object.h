/* SPDX-License-Identifier: MIT */
/*
 * Typed handle tables: one table per object type and per driver instance. An ID is
 * (type tag << 24) | (generation << 20) | (slot + 1): never 0, never VA_INVALID_ID, its type is
 * checked on lookup and lookup is O(1). The generation of a slot changes each time it is reused,
 * so a destroyed object's ID does not name the next object of that slot (a client using a stale
 * handle gets the INVALID_* status, not someone else's object) until 16 reuses later. The caller
 * holds the driver lock.
 */
#ifndef V4L2R_OBJECT_H
#define V4L2R_OBJECT_H

#include <stdint.h>

enum v4l2r_obj_type {
	V4L2R_OBJ_CONFIG = 1,
	V4L2R_OBJ_CONTEXT,
	V4L2R_OBJ_SURFACE,
	V4L2R_OBJ_BUFFER,
	V4L2R_OBJ_IMAGE,
};

#define V4L2R_OBJ_SLOT_BITS 20
#define V4L2R_OBJ_MAX	    ((1u << V4L2R_OBJ_SLOT_BITS) - 1) /* slots per table */

struct v4l2r_table {
	enum v4l2r_obj_type type;
	void **slots;
	uint8_t *gen; /* generation of each slot */
	uint32_t n, cap;
	uint32_t *free; /* stack of free slot numbers */
	uint32_t n_free;
};

void v4l2r_table_init(struct v4l2r_table *t, enum v4l2r_obj_type type);
/* Frees the table itself, not the objects. */
void v4l2r_table_fini(struct v4l2r_table *t);
/* 0 when out of memory. */
uint32_t v4l2r_table_add(struct v4l2r_table *t, void *obj);
void *v4l2r_table_get(const struct v4l2r_table *t, uint32_t id);
void v4l2r_table_remove(struct v4l2r_table *t, uint32_t id);
/* Iteration: *pos starts at 0; returns NULL at the end. */
void *v4l2r_table_next(const struct v4l2r_table *t, uint32_t *pos);

#endif
