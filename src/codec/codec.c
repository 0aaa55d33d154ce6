/* SPDX-License-Identifier: MIT */
/* The codec table: adding a codec = one line here. */
#include "codec.h"

static const struct v4l2r_codec *const codecs[] = {
    &v4l2r_codec_h264,
    &v4l2r_codec_vp8,
    &v4l2r_codec_mpeg2,
};

const struct v4l2r_codec *const *v4l2r_codecs(unsigned *count)
{
	*count = sizeof(codecs) / sizeof(codecs[0]);
	return codecs;
}

const struct v4l2r_codec *v4l2r_codec_for_profile(VAProfile profile)
{
	for (unsigned i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		for (unsigned j = 0; j < codecs[i]->n_profiles; j++)
			if (codecs[i]->profiles[j] == profile)
				return codecs[i];
	return NULL;
}
