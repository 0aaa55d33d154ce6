/* SPDX-License-Identifier: MIT */
/* VA configs: a profile the present devices decode, the VLD entrypoint, an RT format. */
#include "driver.h"

#include <stdlib.h>

static uint32_t rt_formats(const struct v4l2r_codec *codec, VAProfile profile)
{
	if (codec->profile_is_10bit && codec->profile_is_10bit(profile))
		return VA_RT_FORMAT_YUV420_10;
	return VA_RT_FORMAT_YUV420;
}

VAStatus v4l2r_QueryConfigProfiles(VADriverContextP va, VAProfile *list, int *num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	unsigned n_codecs;
	const struct v4l2r_codec *const *codecs = v4l2r_codecs(&n_codecs);
	int n = 0;

	if (!list || !num)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	for (unsigned i = 0; i < n_codecs; i++)
		for (unsigned j = 0; j < codecs[i]->n_profiles; j++)
			if (n < va->max_profiles &&
			    v4l2r_profile_supported(drv, codecs[i]->profiles[j], NULL, NULL))
				list[n++] = codecs[i]->profiles[j];
	pthread_mutex_unlock(&drv->lock);
	*num = n;
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_QueryConfigEntrypoints(VADriverContextP va, VAProfile profile, VAEntrypoint *list,
				      int *num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);

	if (!list || !num)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (!v4l2r_profile_supported(drv, profile, NULL, NULL))
		return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
	list[0] = VAEntrypointVLD;
	*num = 1;
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_GetConfigAttributes(VADriverContextP va, VAProfile profile, VAEntrypoint ep,
				   VAConfigAttrib *attribs, int num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	const struct v4l2r_codec *codec;

	if (!v4l2r_profile_supported(drv, profile, &codec, NULL))
		return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
	if (ep != VAEntrypointVLD)
		return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
	if (num < 0 || (num > 0 && !attribs))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	for (int i = 0; i < num; i++) {
		switch (attribs[i].type) {
		case VAConfigAttribRTFormat:
			attribs[i].value = rt_formats(codec, profile);
			break;
		case VAConfigAttribDecSliceMode:
			attribs[i].value = VA_DEC_SLICE_MODE_NORMAL;
			break;
		default:
			attribs[i].value = VA_ATTRIB_NOT_SUPPORTED;
			break;
		}
	}
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_CreateConfig(VADriverContextP va, VAProfile profile, VAEntrypoint ep,
			    VAConfigAttrib *attribs, int num, VAConfigID *id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	const struct v4l2r_codec *codec;
	const struct v4l2r_device *dev;
	struct v4l2r_config *cfg;
	uint32_t rt;

	if (!id)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	if (!v4l2r_profile_supported(drv, profile, &codec, &dev))
		return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
	if (ep != VAEntrypointVLD)
		return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
	if (num < 0 || (num > 0 && !attribs))
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	rt = rt_formats(codec, profile);
	for (int i = 0; i < num; i++) {
		switch (attribs[i].type) {
		case VAConfigAttribRTFormat:
			if (!(attribs[i].value & rt))
				return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
			rt &= attribs[i].value;
			break;
		case VAConfigAttribDecSliceMode:
			if (attribs[i].value != VA_DEC_SLICE_MODE_NORMAL)
				return VA_STATUS_ERROR_INVALID_VALUE;
			break;
		default:
			return VA_STATUS_ERROR_ATTR_NOT_SUPPORTED;
		}
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	*cfg = (struct v4l2r_config){
	    .profile = profile,
	    .entrypoint = ep,
	    .rt_format = rt,
	    .codec = codec,
	    .dev = dev,
	};
	pthread_mutex_lock(&drv->lock);
	*id = v4l2r_table_add(&drv->configs, cfg);
	pthread_mutex_unlock(&drv->lock);
	if (!*id) {
		free(cfg);
		return VA_STATUS_ERROR_ALLOCATION_FAILED;
	}
	return VA_STATUS_SUCCESS;
}

VAStatus v4l2r_DestroyConfig(VADriverContextP va, VAConfigID id)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_config *cfg;

	pthread_mutex_lock(&drv->lock);
	cfg = v4l2r_table_get(&drv->configs, id);
	if (cfg)
		v4l2r_table_remove(&drv->configs, id);
	pthread_mutex_unlock(&drv->lock);
	free(cfg);
	return cfg ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_CONFIG;
}

VAStatus v4l2r_QueryConfigAttributes(VADriverContextP va, VAConfigID id, VAProfile *profile,
				     VAEntrypoint *ep, VAConfigAttrib *attribs, int *num)
{
	struct v4l2r_driver *drv = v4l2r_drv(va);
	struct v4l2r_config *cfg;
	VAStatus st = VA_STATUS_SUCCESS;

	if (!profile || !ep || !attribs || !num)
		return VA_STATUS_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&drv->lock);
	cfg = v4l2r_table_get(&drv->configs, id);
	if (cfg) {
		*profile = cfg->profile;
		*ep = cfg->entrypoint;
		attribs[0].type = VAConfigAttribRTFormat;
		attribs[0].value = cfg->rt_format;
		*num = 1;
	} else {
		st = VA_STATUS_ERROR_INVALID_CONFIG;
	}
	pthread_mutex_unlock(&drv->lock);
	return st;
}
