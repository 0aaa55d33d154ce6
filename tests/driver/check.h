/* SPDX-License-Identifier: MIT */
/*
 * Assertions of the driver tests: CHECK(cond, fmt, ...) counts a check and reports a failure
 * with its place; ST(call, want) checks a VAStatus exactly. Counters are atomic: some tests
 * check from several threads. The test prints `checks` and `failures` at its end.
 */
#ifndef V4L2R_TESTS_DRIVER_CHECK_H
#define V4L2R_TESTS_DRIVER_CHECK_H

#include <stdio.h>

#include <va/va.h>

static int failures;
static int checks;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		__atomic_fetch_add(&checks, 1, __ATOMIC_RELAXED);                                  \
		if (!(cond)) {                                                                     \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);                        \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
		}                                                                                  \
	} while (0)

#define ST(call, want)                                                                             \
	do {                                                                                       \
		VAStatus st_ = (call);                                                             \
		CHECK(st_ == (want), "%s returned %#x (%s), want %#x (%s)", #call, st_,            \
		      vaErrorStr(st_), (unsigned)(want), vaErrorStr(want));                        \
	} while (0)

#endif
