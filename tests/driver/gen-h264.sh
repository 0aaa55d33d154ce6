#!/bin/sh
# SPDX-License-Identifier: MIT
# Build-time input of test_va_robust: an IDR then one P picture (Constrained Baseline, one slice
# each, libx264) of size WxH, and FFmpeg's software decode (I420) as reference.
# Usage: gen-h264.sh WxH OUT.264 OUT.yuv
set -eu
size=$1
out264=$2
outyuv=$3
command -v ffmpeg >/dev/null || { echo "ffmpeg not installed" >&2; exit 1; }
# One picture per second, so that the two pictures differ.
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$size:rate=1" -frames:v 2 \
	-c:v libx264 -profile:v baseline -preset medium -x264-params slices=1:bframes=0 \
	-pix_fmt yuv420p -f h264 "$out264"
ffmpeg -nostdin -v error -y -i "$out264" -f rawvideo -pix_fmt yuv420p "$outyuv"
