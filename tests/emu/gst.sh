#!/bin/bash
# SPDX-License-Identifier: MIT
# A real third-party stateless client through the emulated device: GStreamer's v4l2slh264dec
# (gst-plugins-bad, plugin v4l2codecs) decodes every H.264 conformance stream on one emulated
# profile; each output must have the manifest MD5, the device must have decoded frames, and the
# emulator must have recorded no violation.
#
# v4l2codecs finds decoders through udev only (gudev: subsystem "media" devices, their
# MEDIA_IOC_G_TOPOLOGY, then the video4linux device by devnum 81:N), and registers
# v4l2slh264dec only when it finds one at plugin load. udev is served by Debian's umockdev
# (a testbed with the media and video4linux sysfs devices, no /dev entries: those are served by
# libv4l2emu.so, which comes first in LD_PRELOAD). The registry is private to the run, so the
# plugin is always scanned with the emulated device present.
#
# Usage: gst.sh DEVICE [STREAM...]   (default: every stream in MANIFEST.tsv)
#   DEVICE: a V4L2_EMU_DEVICES item, e.g. cedrus or rkvdec:layout=nv12_4l4
# Env (from meson): V4L2R_EMU_PRELOAD, V4L2R_CONFORMANCE, V4L2R_EMU_OUT (logs on failure).
set -euo pipefail

prof=${1:?profile}
shift
: "${V4L2R_EMU_PRELOAD:?}"
: "${V4L2R_CONFORMANCE:?}"
out_dir=${V4L2R_EMU_OUT:-.}
lib=${V4L2R_EMU_PRELOAD##*:}
manifest="$V4L2R_CONFORMANCE/h264/MANIFEST.tsv"

die() {
	echo "FAIL: $*" >&2
	exit 1
}
for t in umockdev-run gst-launch-1.0 gst-inspect-1.0; do
	command -v $t >/dev/null || die "$t not installed (apt-get install umockdev gstreamer1.0-tools gstreamer1.0-plugins-bad)"
done
[ -f "$lib" ] || die "emulator library missing: $lib"
[ -f "$manifest" ] || die "conformance manifest missing: $manifest"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/v4l2r-gst.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT

. "$(dirname "$0")/udev-testbed.sh"
drv=$(emu_driver_name "${prof%%:*}") || die "unknown profile $prof"
idx=$(emu_free_index)
emu_write_testbed "$TMP/testbed.umockdev" "$drv" "$idx"

gst_run_inner() {
	emu_udev_run "$TMP/testbed.umockdev" "$V4L2R_EMU_PRELOAD" \
		env ASAN_OPTIONS=detect_leaks=0 \
		V4L2_EMU_DEVICES="$prof" V4L2_EMU_FIRST_INDEX="$idx" \
		V4L2_EMU_STATS="$TMP/stats" V4L2_EMU_VIOLATIONS="$TMP/violations" \
		GST_REGISTRY="$TMP/registry.bin" GST_DEBUG_FILE="$TMP/gst-debug.log" \
		GST_DEBUG="${GST_DEBUG:-v4l2codecs*:4}" GST_DEBUG_NO_COLOR=1 \
		"$@"
}

keep_logs() {
	cp "$TMP/gst-debug.log" "$out_dir/gst-${prof//[:=]/-}-debug.log" 2>/dev/null || true
	cp "$TMP/violations" "$out_dir/gst-${prof//[:=]/-}-violations" 2>/dev/null || true
	echo "logs: $out_dir/gst-${prof//[:=]/-}-debug.log" >&2
}

# 1. the element registers: udev + topology + video node found at plugin load
if ! gst_run_inner gst-inspect-1.0 v4l2slh264dec >"$TMP/inspect.txt" 2>&1; then
	keep_logs
	sed 's/^/  /' "$TMP/inspect.txt" | head -20 >&2
	die "v4l2slh264dec not registered on $prof: v4l2codecs did not find the emulated decoder"
fi
grep -q 'video/x-h264' "$TMP/inspect.txt" || die "v4l2slh264dec has no video/x-h264 sink caps"
echo "PASS: v4l2slh264dec registered through udev (umockdev) + the emulated /dev/media$idx"

# 2. every conformance stream, pixel-exact
streams=("$@")
if [ ${#streams[@]} -eq 0 ]; then
	mapfile -t streams < <(awk -F'\t' '!/^#/ && NF >= 4 {print $1}' "$manifest")
fi
fail=0
for name in "${streams[@]}"; do
	read -r file fmt want < <(awk -F'\t' -v n="$name" '$1 == n {print $2, $3, $4}' "$manifest")
	[ -n "${want:-}" ] || die "$name not in $manifest"
	[ "$fmt" = yuv420p ] || die "$name: output format $fmt not handled"
	rm -f "$TMP/out.yuv" "$TMP/stats" "$TMP/violations"
	# a decoder that stops completing requests stalls the pipeline: bound each stream
	if ! gst_run_inner timeout -k 5 "${GST_STREAM_TIMEOUT:-120}" \
		gst-launch-1.0 -q filesrc location="$V4L2R_CONFORMANCE/h264/$file" \
		! h264parse ! v4l2slh264dec ! videoconvert ! video/x-raw,format=I420 \
		! filesink location="$TMP/out.yuv" >"$TMP/launch.txt" 2>&1; then
		echo "FAIL: $name on $prof: gst-launch-1.0 failed or timed out: $(head -1 "$TMP/launch.txt" | cut -c1-200)"
		grep -E ' (ERROR|WARN) ' "$TMP/gst-debug.log" | sort -u -k5 | head -3 | cut -c1-300 | sed 's/^/  /'
		cp "$TMP/gst-debug.log" "$out_dir/gst-${prof//[:=]/-}-$name-debug.log" 2>/dev/null || true
		fail=$((fail + 1))
		continue
	fi
	got=$(md5sum <"$TMP/out.yuv" | cut -d' ' -f1)
	frames=0
	[ -f "$TMP/stats" ] && frames=$(grep -o '"frames":[0-9]*' "$TMP/stats" | awk -F: '{s += $2} END {print s + 0}')
	errors=0
	[ -f "$TMP/stats" ] && errors=$(grep -o '"errors":[0-9]*' "$TMP/stats" | awk -F: '{s += $2} END {print s + 0}')
	viol=0
	[ -f "$TMP/violations" ] && viol=$(grep -c . "$TMP/violations" || true)
	if [ "$got" = "$want" ] && [ "$frames" -gt 0 ] && [ "$viol" -eq 0 ]; then
		echo "PASS: $name on $prof: md5 $got, $frames frames decoded by the device, $errors errors, 0 violations"
	else
		echo "FAIL: $name on $prof: md5 $got (want $want), $frames frames, $errors errors, $viol violations"
		[ "$viol" -gt 0 ] && head -3 "$TMP/violations" | sed 's/^/  /'
		cp "$TMP/violations" "$out_dir/gst-${prof//[:=]/-}-$name-violations" 2>/dev/null || true
		fail=$((fail + 1))
	fi
done
echo "${#streams[@]} streams, $fail failed"
[ "$fail" -eq 0 ] || {
	keep_logs
	exit 1
}
