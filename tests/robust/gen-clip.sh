#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes a test clip with ffmpeg from a synthetic source (build time; clips are never committed).
#   gen-clip.sh OUT SIZE FRAMES [encoder options...]
set -euo pipefail
out=$1 size=$2 frames=$3
shift 3
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$size:rate=25" -frames:v "$frames" \
	-pix_fmt yuv420p "$@" "$out"
