/* SPDX-License-Identifier: MIT */
/*
 * v4l2-request-info: the stateless decoders the driver finds (same discovery code), their coded
 * formats and size limits, and the VA profiles it would offer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#include <va/va_str.h>

/* The driver's logging, for the discovery code: debug output when asked with -v. */
void v4l2r_error(struct v4l2r_driver *drv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void v4l2r_ctx_debug(struct v4l2r_ctx *ctx, const char *fmt, ...)
{
}

void v4l2r_debug(struct v4l2r_driver *drv, const char *fmt, ...)
{
	va_list ap;

	if (!drv->debug)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void fourcc_str(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((f >> (8 * i)) & 0xff);
		out[i] = c >= 32 && c < 127 ? c : '?';
	}
	out[4] = 0;
}

int main(int argc, char **argv)
{
	static struct v4l2r_driver drv;
	unsigned n_codecs;
	const struct v4l2r_codec *const *codecs = v4l2r_codecs(&n_codecs);

	if (argc > 1 && strcmp(argv[1], "-v") == 0)
		drv.debug = true;
	else if (argc > 1) {
		fprintf(stderr, "usage: %s [-v]\n", argv[0]);
		return 2;
	}
	if (v4l2r_discover(&drv) < 0 || drv.n_devs == 0) {
		printf("no stateless decoder found\n");
		return 1;
	}
	for (unsigned i = 0; i < drv.n_devs; i++) {
		const struct v4l2r_device *d = &drv.devs[i];

		printf("%s: %s + %s, %ux%u .. %ux%u\n", d->driver, d->video_path, d->media_path,
		       d->min_w, d->min_h, d->max_w, d->max_h);
		for (unsigned j = 0; j < d->n_coded; j++) {
			char s[5];
			const char *codec = "(no VA codec)";

			fourcc_str(d->coded[j], s);
			for (unsigned k = 0; k < n_codecs; k++)
				if (codecs[k]->coded_fourcc == d->coded[j])
					codec = codecs[k]->name;
			printf("  %s  %s\n", s, codec);
		}
	}
	printf("VA profiles:\n");
	for (unsigned k = 0; k < n_codecs; k++)
		for (unsigned p = 0; p < codecs[k]->n_profiles; p++)
			if (v4l2r_profile_supported(&drv, codecs[k]->profiles[p], NULL, NULL))
				printf("  %s\n", vaProfileStr(codecs[k]->profiles[p]));
	return 0;
}
