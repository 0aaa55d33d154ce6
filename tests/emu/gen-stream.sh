#!/bin/sh
# SPDX-License-Identifier: MIT
# Build-time input of test_uapi: a one-frame Constrained Baseline IDR picture encoded by
# libx264 with SLICES slices, and FFmpeg's software decode of it (I420) as the reference.
# Usage: gen-stream.sh SLICES OUT.264 OUT.yuv
set -eu
slices=$1
out264=$2
outyuv=$3
command -v ffmpeg >/dev/null || { echo "ffmpeg not installed" >&2; exit 1; }
# 64x48: 4x3 macroblocks, above every profile's minimum (hantro/rkvdec 48x48), and a height
# that is not a multiple of 32, so the NV12_32L32 padding rows are exercised.
ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=64x48:rate=25 -frames:v 1 \
	-c:v libx264 -profile:v baseline -preset medium -x264-params slices=$slices \
	-pix_fmt yuv420p -f h264 "$out264"
ffmpeg -nostdin -v error -y -i "$out264" -f rawvideo -pix_fmt yuv420p "$outyuv"
