#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Device faults reach the client as VA statuses and decoding goes on (tests/integration/va-threads
# -f, BA_MW_D, 100 frames):
#   error=N  the Nth completed frame carries V4L2_BUF_FLAG_ERROR: exactly that frame fails
#            (vaSyncSurface -> VA_STATUS_ERROR_DECODING_ERROR), every other frame reads back;
#   qbuf=N / queue=N  queueing the Nth picture fails (vaEndPicture fails, the CAPTURE queue is
#            recovered): libavcodec drops that picture, at most the few referencing it fail (the
#            device finds no picture behind their reference), the rest decode.
#   stall=N  the Nth request never completes: vaSyncSurface returns VA_STATUS_ERROR_TIMEDOUT
#            after the driver's bound (LIBVA_V4L2_REQUEST_TIMEOUT_MS, 300 ms here), the queues
#            are restarted; that frame and at most the two others in flight fail, the rest
#            decode, and the whole run stays far below the 5 s default bound per frame.
source "$(dirname "$0")/lib.sh"
start_xvfb
stream="$V4L2R_CONFORMANCE/h264/BA_MW_D.264"
[ -f "$stream" ] || die "missing $stream"
frames=$(sw_frames "$stream")

pass=0
fail=0
check() { # device fault min-max dropped
	local dev=$1 fault=$2 range=$3 dropped=$4 rc=0 why="" out
	reset_emu_files
	V4L2_EMU_FAULT=$fault emu_run "$dev" "$V4L2R_BUILD/tests/integration/va-threads" -f "$range" \
		1 "$stream" - >"$TMP/out" 2>"$TMP/stderr" || rc=$?
	out=$(cat "$TMP/out")
	[ $rc -eq 0 ] || why+=" exit=$rc"
	# decoded + unreadable == all frames: decoding went on to the end
	local got bad
	got=$(sed -nE 's/.*: ([0-9]+) frames, ([0-9]+) unreadable.*/\1/p' "$TMP/out")
	bad=$(sed -nE 's/.*: ([0-9]+) frames, ([0-9]+) unreadable.*/\2/p' "$TMP/out")
	[ "$((${got:-0} + ${bad:-0} + dropped))" -eq "$frames" ] ||
		why+=" frames=${got:-0}+${bad:-0}+$dropped/$frames"
	[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok: $dev $fault: $out"
	else
		fail=$((fail + 1))
		echo "FAIL: $dev $fault:$why ($out)"
		head -n 3 "$TMP/stderr" | sed 's/^/    stderr: /'
	fi
}
export LIBVA_V4L2_REQUEST_TIMEOUT_MS=300
for dev in hantro-g1 cedrus; do
	check "$dev" error=5 1 0
	check "$dev" error=40 1 0
	check "$dev" qbuf=7 0-8 1
	check "$dev" queue=9 0-8 1
	start=$(date +%s%N)
	check "$dev" stall=30 1-3 0
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$ms" -ge 3000 ]; then
		fail=$((fail + 1))
		echo "FAIL: $dev stall=30 took $ms ms"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
