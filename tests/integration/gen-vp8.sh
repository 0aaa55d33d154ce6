#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes a VP8 clip with ffmpeg's libvpx encoder (build time; clips are never committed).
#   gen-vp8.sh OUT.ivf SIZE SECONDS PASSES [libvpx options...]
# PASSES=2 runs a two-pass encode: libvpx places hidden alt-ref frames only then.
set -euo pipefail
out=$1 size=$2 secs=$3 passes=$4
shift 4
src=(-f lavfi -i "testsrc2=size=$size:rate=25:d=$secs")
if [ "$passes" = 2 ]; then
	log=$(mktemp "${TMPDIR:-/tmp}/gen-vp8.XXXXXX")
	trap 'rm -f "$log"*' EXIT
	ffmpeg -nostdin -v error -y "${src[@]}" -c:v libvpx "$@" -pass 1 -passlogfile "$log" \
		-f ivf /dev/null
	ffmpeg -nostdin -v error -y "${src[@]}" -c:v libvpx "$@" -pass 2 -passlogfile "$log" "$out"
else
	ffmpeg -nostdin -v error -y "${src[@]}" -c:v libvpx "$@" "$out"
fi
