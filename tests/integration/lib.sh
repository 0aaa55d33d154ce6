# SPDX-License-Identifier: MIT
# Shared helpers of the integration tests: a private Xvfb display (libva's X11 display works
# without a GPU) and the environment that puts the driver on the emulated device.
#
# Inputs (from meson): V4L2R_BUILD (build root), V4L2R_CONFORMANCE (conformance dir),
# optional V4L2R_SANITIZER_PRELOAD (sanitizer runtime to preload into uninstrumented clients).

set -euo pipefail

: "${V4L2R_BUILD:?V4L2R_BUILD must name the build directory}"
: "${V4L2R_CONFORMANCE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/conformance}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/v4l2r-it.XXXXXX")
XVFB_PID=
cleanup() {
	[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# Start a private X server; sets DISPLAY. A missing Xvfb is a failure, not a skip.
start_xvfb() {
	command -v Xvfb >/dev/null || die "Xvfb not installed (apt-get install xvfb)"
	Xvfb -displayfd 3 -nolisten tcp -screen 0 320x240x24 3>"$TMP/display" 2>"$TMP/xvfb.log" &
	XVFB_PID=$!
	for _ in $(seq 100); do
		[ -s "$TMP/display" ] && break
		sleep 0.05
	done
	[ -s "$TMP/display" ] || die "Xvfb did not start: $(cat "$TMP/xvfb.log")"
	export DISPLAY=":$(cat "$TMP/display")"
}

# Run a command as a VA client of the driver on emulated devices $1 (e.g. "hantro-g1,cedrus").
# Emulator outputs go to $TMP/violations and $TMP/stats.
emu_run() {
	local devices=$1
	shift
	local preload="$V4L2R_BUILD/emu/libv4l2emu.so"
	[ -f "$preload" ] || die "emulator library missing: $preload"
	[ -f "$V4L2R_BUILD/src/v4l2_request_drv_video.so" ] || die "driver missing"
	[ -n "${V4L2R_SANITIZER_PRELOAD:-}" ] && preload="$V4L2R_SANITIZER_PRELOAD:$preload"
	env LD_PRELOAD="$preload" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
		V4L2_EMU_DEVICES="$devices" \
		V4L2_EMU_VIOLATIONS="$TMP/violations" \
		V4L2_EMU_STATS="$TMP/stats" \
		LIBVA_DRIVERS_PATH="$V4L2R_BUILD/src" \
		LIBVA_DRIVER_NAME=v4l2_request \
		"$@"
}

# Frames the emulated devices decoded (sum over the stats file), and errors.
stats_sum() {
	local key=$1
	[ -f "$TMP/stats" ] || {
		echo 0
		return
	}
	grep -o "\"$key\":[0-9]*" "$TMP/stats" | awk -F: '{s += $2} END {print s + 0}'
}

reset_emu_files() {
	rm -f "$TMP/violations" "$TMP/stats"
}

# Reference: md5 and frame count of the software decode (yuv420p, display order).
sw_reference() {
	local in=$1
	ffmpeg -nostdin -v error -i "$in" -f rawvideo -pix_fmt yuv420p - | md5sum | cut -d' ' -f1
}
sw_frames() {
	ffmpeg -nostdin -v error -i "$1" -f framemd5 - | grep -vc '^#'
}
