#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# VP8 test vectors (conformance/vp8/*.ivf) through ffmpeg -hwaccel vaapi + the driver on the
# emulated device, per stream: every frame's MD5 equals the vector's .ivf.md5 line, every frame
# went through the device (emulator statistics), no device error, no emulator violation,
# nothing on stderr.
#
#   conformance-vp8.sh DEVICES [STREAM...]   (STREAM: file names without .ivf; default: all)
#   conformance-vp8.sh DEVICES --clips FILE... (generated clips: against ffmpeg's software decode)
#   conformance-vp8.sh DEVICES --signbias FILE... (vectors or clips rewritten by vp8-signbias with
#       sign_bias_golden=1 on every inter frame: its software decode must equal the original's,
#       the device decode must equal it)
# Frames keep their own size (-autoscale 0): key frames may change it, and the .md5 lines are
# per frame at its size.
source "$(dirname "$0")/lib.sh"

devices=$1
shift
dir="$V4L2R_CONFORMANCE/vp8"
[ -d "$dir" ] || die "VP8 vectors missing: $dir"
start_xvfb

clips=false
signbias=false
if [ "${1:-}" = --clips ] || [ "${1:-}" = --signbias ]; then
	[ "$1" = --clips ] || signbias=true
	clips=true
	shift
	[ $# -gt 0 ] || die "no clips"
	inputs=("$@")
else
	inputs=("$dir"/*.ivf)
fi

pass=0
fail=0
total=0
printf '%-32s %-8s %s\n' stream result detail
for in in "${inputs[@]}"; do
	name=$(basename "$in" .ivf)
	[ -f "$in" ] || die "$name: clip missing: $in"
	if $signbias; then
		tool="$V4L2R_BUILD/tests/emu_vp8/vp8-signbias"
		[ -x "$tool" ] || die "vp8-signbias missing: $tool"
		ffmpeg -nostdin -v error -i "$in" -autoscale 0 -f framemd5 -pix_fmt yuv420p \
			-y "$TMP/orig.framemd5" || die "$name: software decode failed"
		"$tool" "$in" "$TMP/$name-sb.ivf" >"$TMP/sb.log" || die "$name: vp8-signbias failed"
		in="$TMP/$name-sb.ivf"
		name="$name-sb"
	fi
	if $clips; then
		# Reference: software decode, one MD5 per frame at its own size.
		ffmpeg -nostdin -v error -i "$in" -autoscale 0 -f framemd5 -pix_fmt yuv420p \
			-y "$TMP/sw.framemd5" || die "$name: software decode failed"
		grep -v '^#' "$TMP/sw.framemd5" | awk -F', *' '{print $6}' >"$TMP/ref.md5"
		if $signbias; then
			# the rewrite keeps every pixel: the flag changed only how vectors are coded
			diff -q <(grep -v '^#' "$TMP/orig.framemd5" | awk -F', *' '{print $6}') \
				"$TMP/ref.md5" >/dev/null ||
				die "$name: the rewritten stream decodes differently in software"
		fi
	else
		if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
		[ -f "$in.md5" ] || die "$name: reference MD5 file missing"
		cp "$in.md5" "$TMP/ref.md5"
	fi
	# Every frame of the stream, shown or hidden (alt-ref), must go through the device.
	packets=$(ffprobe -v error -count_packets -select_streams v -show_entries \
		stream=nb_read_packets -of csv=p=0 "$in")
	reset_emu_files
	rc=0
	emu_run "$devices" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
		-hwaccel vaapi -hwaccel_device va -i "$in" -autoscale 0 -f framemd5 -pix_fmt yuv420p \
		-y "$TMP/framemd5" 2>"$TMP/stderr" || rc=$?
	# framemd5 lines: stream, dts, pts, duration, size, md5
	got=$(grep -v '^#' "$TMP/framemd5" 2>/dev/null | awk -F', *' '{print $6}' || true)
	want=$(awk '{print $1}' "$TMP/ref.md5")
	n_want=$(printf '%s\n' "$want" | grep -c . || true)
	n_got=$(printf '%s\n' "$got" | grep -c . || true)
	dev_frames=$(stats_sum frames)
	dev_errors=$(stats_sum errors)
	viol=0
	[ -f "$TMP/violations" ] && viol=$(wc -l <"$TMP/violations")
	errs=$(wc -l <"$TMP/stderr")
	why=""
	[ $rc -eq 0 ] || why+=" exit=$rc"
	if [ "$got" != "$want" ]; then
		first=$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | grep -m1 '^[0-9]' || true)
		why+=" md5-mismatch(frames $n_got/$n_want, first diff at $first)"
	fi
	[ "$dev_frames" -eq "$packets" ] && [ "$n_want" -gt 0 ] ||
		why+=" device-frames=$dev_frames/$packets"
	[ "$dev_errors" -eq 0 ] || why+=" device-errors=$dev_errors"
	[ "$viol" -eq 0 ] || why+=" violations=$viol:$(head -c 300 "$TMP/violations")"
	[ "$errs" -eq 0 ] || why+=" stderr-lines=$errs:$(head -c 200 "$TMP/stderr")"
	total=$((total + 1))
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		extra=""
		$signbias && extra=" ($(cut -d, -f2,3 "$TMP/sb.log" | sed 's/ with sign_bias_golden=1//'))"
		printf '%-32s %-8s %s\n' "$name" ok "shown=$n_got device-frames=$dev_frames$extra"
	else
		fail=$((fail + 1))
		printf '%-32s %-8s %s\n' "$name" FAIL "$why"
	fi
done
echo "$pass passed, $fail failed"
[ "$total" -gt 0 ] || die "no stream run"
[ "$fail" -eq 0 ]
