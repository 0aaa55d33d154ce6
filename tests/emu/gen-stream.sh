#!/bin/sh
# SPDX-License-Identifier: MIT
# Build-time input of test_uapi: FRAMES Constrained Baseline pictures (an IDR, then P pictures)
# encoded by libx264 with SLICES slices each, and FFmpeg's software decode (I420) as reference.
# Usage: gen-stream.sh SLICES FRAMES OUT.264 OUT.yuv
set -eu
slices=$1
frames=$2
out264=$3
outyuv=$4
command -v ffmpeg >/dev/null || { echo "ffmpeg not installed" >&2; exit 1; }
# 64x48: 4x3 macroblocks, above every profile's minimum (hantro/rkvdec 48x48), and a height
# that is not a multiple of 32, so the NV12_32L32 padding rows are exercised.
# One picture per second, so that consecutive pictures differ.
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48:rate=1 -frames:v "$frames" \
	-c:v libx264 -profile:v baseline -preset medium -x264-params slices=$slices:bframes=0 \
	-pix_fmt yuv420p -f h264 "$out264"
ffmpeg -nostdin -v error -y -i "$out264" -f rawvideo -pix_fmt yuv420p "$outyuv"
