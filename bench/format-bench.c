/* SPDX-License-Identifier: MIT */
/*
 * The CAPTURE readers of src/format/ alone: each layout x each implementation this CPU runs,
 * a whole W x H picture into linear NV12, against memcpy of the same bytes (best of ITER runs of
 * each, alternating, after one warm-up). One JSON line per (layout, implementation) on stdout.
 *
 *   format-bench W H ITER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "format/format.h"

#define ALIGN(v, a) (((v) + (a)-1) / (a) * (a))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double best(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

int main(int argc, char **argv)
{
	if (argc != 4 || atoi(argv[1]) < 2 || atoi(argv[2]) < 2 || atoi(argv[3]) < 1) {
		fprintf(stderr, "usage: format-bench W H ITER\n");
		return 2;
	}
	uint32_t w = (uint32_t)atoi(argv[1]), h = (uint32_t)atoi(argv[2]);
	int iter = atoi(argv[3]);
	const struct {
		const char *name;
		uint32_t fourcc, t;
	} layouts[] = {{"NV12", V4L2_PIX_FMT_NV12, 16},
		       {"NV12_4L4", V4L2_PIX_FMT_NV12_4L4, 16},
		       {"NV12_32L32", V4L2_PIX_FMT_NV12_32L32, 32}};
	size_t bytes = (size_t)w * h + (size_t)w * ((h + 1) / 2);
	size_t cap = (size_t)ALIGN(w, 32) * (ALIGN(h, 32) + ALIGN((h + 1) / 2, 32));
	uint8_t *src = malloc(cap), *dst = malloc(bytes), *ref = malloc(bytes);
	double *t = calloc((size_t)iter, sizeof(*t)), *tm = calloc((size_t)iter, sizeof(*tm));

	if (!src || !dst || !ref || !t || !tm)
		return 1;
	for (size_t i = 0; i < cap; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 11));
	memset(dst, 0, bytes);
	for (unsigned li = 0; li < sizeof(layouts) / sizeof(layouts[0]); li++) {
		uint32_t bpl = ALIGN(w, layouts[li].t);
		uint32_t uv = v4l2r_format_uv_offset(layouts[li].fourcc, bpl, h);
		struct v4l2r_layout l = {.fourcc = layouts[li].fourcc,
					 .bpl = bpl,
					 .uv_offset = uv,
					 .width = w,
					 .height = h,
					 .size =
					     uv + (size_t)bpl * ALIGN((h + 1) / 2, layouts[li].t)};

		if (l.size > cap)
			return 1;
		for (int impl = V4L2R_FORMAT_C; impl < V4L2R_FORMAT_N_IMPL; impl++) {
			if (!v4l2r_format_impl_available(impl))
				continue;
			/* memcpy and the reader alternate, so that load from elsewhere on the
			 * machine hits both alike. */
			for (int i = 0; i <= iter; i++) {
				double t0 = now_s();

				memcpy(dst, src, bytes);
				__asm__ volatile("" : : "r"(dst) : "memory");
				if (i)
					tm[i - 1] = now_s() - t0;
				t0 = now_s();
				if (v4l2r_format_read_impl(impl, &l, src, 0, 0, w, h, dst, w,
							   dst + (size_t)w * h, w) < 0) {
					fprintf(stderr, "format-bench: %s read failed\n",
						layouts[li].name);
					return 1;
				}
				if (i)
					t[i - 1] = now_s() - t0;
			}
			/* Every implementation gives the portable one's bytes. */
			if (impl == V4L2R_FORMAT_C)
				memcpy(ref, dst, bytes);
			else if (memcmp(ref, dst, bytes)) {
				fprintf(stderr, "format-bench: %s %s differs from c\n",
					layouts[li].name, v4l2r_format_impl_name(impl));
				return 1;
			}
			/* Best of ITER: the medians swing with the load of other processes. */
			double s = best(t, iter), mc = best(tm, iter);
			printf("{\"layout\":\"%s\",\"impl\":\"%s\",\"auto\":%s,\"width\":%u,"
			       "\"height\":%u,\"gbs\":%.3f,\"memcpy_gbs\":%.3f,\"ratio\":%.3f}\n",
			       layouts[li].name, v4l2r_format_impl_name(impl),
			       impl == (int)v4l2r_format_impl_auto() ? "true" : "false", w, h,
			       bytes / s * 1e-9, bytes / mc * 1e-9, mc / s);
		}
	}
	free(src);
	free(dst);
	free(ref);
	free(t);
	free(tm);
	return 0;
}
