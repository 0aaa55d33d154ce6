#!/bin/sh
# SPDX-License-Identifier: MIT
# Build-time input of test_uapi: a one-frame, single-slice Constrained Baseline IDR picture
# encoded by libx264, and FFmpeg's software decode of it (I420) as the reference picture.
# Usage: gen-stream.sh OUT.264 OUT.yuv
set -eu
out264=$1
outyuv=$2
command -v ffmpeg >/dev/null || { echo "ffmpeg not installed" >&2; exit 1; }
# 64x48: 4x3 macroblocks, above every profile's minimum (hantro/rkvdec 48x48), and a height
# that is not a multiple of 32, so the NV12_32L32 padding rows are exercised.
ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=64x48:rate=25 -frames:v 1 \
	-c:v libx264 -profile:v baseline -preset medium -x264-params slices=1 \
	-pix_fmt yuv420p -f h264 "$out264"
ffmpeg -nostdin -v error -y -i "$out264" -f rawvideo -pix_fmt yuv420p "$outyuv"
