#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Concurrency, single-instance device, sandbox and long-run checks through tests/robust/va-robust
# (every frame against libavcodec's software decode of the same packets) on the emulated devices.
# Each run must also show: every frame through a device (emulator statistics), no device error,
# no emulator violation, nothing on stderr.
#
#   robust.sh threads DEVICES [OPTIONS] CLIP...
#                                             8 streams, one thread each, one process, each
#                                             stream 3 times in a row through its decoder
#                                             --export: every frame also read through
#                                               vaExportSurfaceHandle + mmap (linear NV12)
#                                             --churn: a new decoder (VA context) per pass
#                                             --frame-threads N: libavcodec frame threads per
#                                               decoder (one context called from N threads)
#   robust.sh procs DEVICES CLIP...           4 processes at once, one stream each; DEVICES is
#                                             one V4L2_EMU_DEVICES per process, ';'-separated
#                                             (one item: the same for all four)
#   robust.sh single CLIP                     single-instance device (va-robust -S)
#   robust.sh sandbox DEVICES [OPTIONS] CLIP...
#                                             decodes under the seccomp filter (va-robust -s);
#                                             --init: vaInitialize under it too (va-robust -I)
#   robust.sh long DEVICES LOOPS CLIP1080 [nodecode]
#                                             LOOPS x the clip in one context, RSS flat
#   robust.sh faults DEVICES CLIP...          8 decoders under injected device faults
#   robust.sh tsan-selftest                   a deliberate data race (va-robust -T) must be
#                                             reported by ThreadSanitizer (TSan builds)
#
# CLIP: a file, or h264:NAME (conformance stream), vp8:NAME (VP8 test vector).
source "$(dirname "$0")/../integration/lib.sh"

mode=$1
shift
robust="$V4L2R_BUILD/tests/robust/va-robust"
[ -x "$robust" ] || die "va-robust missing: $robust"

clip_path() {
	case $1 in
	h264:*) echo "$V4L2R_CONFORMANCE/h264/${1#h264:}.264" ;;
	vp8:*) echo "$V4L2R_CONFORMANCE/vp8/${1#vp8:}.ivf" ;;
	*) echo "$1" ;;
	esac
}
# Packets of the video stream: each must become one device frame (VP8 hidden frames too).
# H.264 field pairs would count twice: the clips used here are frame-coded.
packets() {
	ffprobe -v error -count_packets -select_streams v -show_entries stream=nb_read_packets \
		-of default=nw=1:nk=1 "$1" | head -n 1
}

# Frames a ThreadSanitizer report could not symbolise ("<null> <null> (module+0xOFFSET)", e.g.
# with TSAN_OPTIONS symbolize=0) get their function and line from addr2line.
module_path() {
	case $1 in
	va-robust) echo "$V4L2R_BUILD/tests/robust/va-robust" ;;
	v4l2_request_drv_video.so) echo "$V4L2R_BUILD/src/$1" ;;
	libv4l2emu.so) echo "$V4L2R_BUILD/emu/$1" ;;
	*) ldconfig -p | awk -v m="$1" '$1 == m && !p {p = $NF} END {print p}' ;;
	esac
}
symbolize() { # report file
	local line mod off path
	while IFS= read -r line; do
		if [[ $line == *"<null> <null>"* && $line =~ \(([^+\(\)]+)\+(0x[0-9a-f]+)\)$ ]]; then
			mod=${BASH_REMATCH[1]} off=${BASH_REMATCH[2]}
			path=$(module_path "$mod")
			[ -z "$path" ] ||
				line+=" $(addr2line -f -i -C -p -e "$path" "$off" 2>/dev/null | tr '\n' ' ')"
		fi
		printf '%s\n' "$line"
	done <"$1"
}

# Checks of one run: exit status, device frames, errors, violations, stderr.
verdict() { # name rc want_frames stderr_file
	local name=$1 rc=$2 want=$3 err=$4 why=""
	[ "$rc" -eq 0 ] || why+=" exit=$rc"
	[ "$(stats_sum frames)" -eq "$want" ] || why+=" device-frames=$(stats_sum frames)/$want"
	[ "$(stats_sum errors)" -eq 0 ] || why+=" device-errors=$(stats_sum errors)"
	[ ! -s "$TMP/violations" ] || why+=" violations=$(wc -l <"$TMP/violations")"
	[ ! -s "$err" ] || why+=" stderr-lines=$(wc -l <"$err")"
	if [ -n "$why" ]; then
		echo "FAIL: $name:$why"
		if grep -q ThreadSanitizer "$err"; then
			symbolize "$err" | head -n 100 | sed 's/^/    tsan: /'
			return 1
		fi
		head -n 8 "$err" | sed 's/^/    stderr: /'
		[ ! -s "$TMP/violations" ] || head -c 600 "$TMP/violations"
		return 1
	fi
	echo "ok: $name"
}

elapsed() { # start (date +%s%N) -> seconds
	awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'
}

start_xvfb
reset_emu_files
files=()
want=0
case $mode in
threads | sandbox | single)
	devices=$1
	[ "$mode" = single ] && devices=hantro-g1:single || shift
	# threads: each stream three times through its decoder (no flush in between)
	loops=1
	opt=()
	[ "$mode" = threads ] && loops=${V4L2R_ROBUST_PASSES:-3}
	[ "$mode" = sandbox ] && opt=(-s)
	[ "$mode" = single ] && opt=(-S)
	opt+=(-l $loops)
	while [ $# -gt 0 ]; do
		case $1 in
		--export) opt+=(-e) ;;
		--churn) opt+=(-c) ;;
		--frame-threads) opt+=(-t "$2") && shift ;;
		--init) opt=("${opt[@]/#-s/-I}") ;;
		*) break ;;
		esac
		shift
	done
	for c in "$@"; do
		f=$(clip_path "$c")
		[ -f "$f" ] || die "clip missing: $f"
		files+=("$f")
		want=$((want + loops * $(packets "$f")))
	done
	rc=0
	start=$(date +%s%N)
	emu_run "$devices" "$robust" "${opt[@]}" "${files[@]}" >"$TMP/out" 2>"$TMP/stderr" || rc=$?
	echo "$mode on $devices: $(cat "$TMP/out") ($(elapsed "$start") s)"
	verdict "$mode $devices" $rc $want "$TMP/stderr"
	;;
procs)
	IFS=';' read -r -a devs <<<"$1"
	shift
	[ $# -eq 4 ] || die "procs: four clips"
	pids=()
	i=0
	for c in "$@"; do
		f=$(clip_path "$c")
		[ -f "$f" ] || die "clip missing: $f"
		want=$((want + $(packets "$f")))
		d=${devs[$i]:-${devs[0]}}
		emu_run "$d" "$robust" "$f" >"$TMP/out$i" 2>"$TMP/stderr$i" &
		pids+=($!)
		i=$((i + 1))
	done
	rc=0
	for i in 0 1 2 3; do
		r=0
		wait "${pids[$i]}" || r=$?
		[ $r -eq 0 ] || rc=$r
		echo "process $i on ${devs[$i]:-${devs[0]}}: $(cat "$TMP/out$i")"
		cat "$TMP/stderr$i" >>"$TMP/stderr"
	done
	touch "$TMP/stderr"
	# One stats line per process (four pids): each process had its own decoding instance.
	[ "$(grep -o '"pid":[0-9]*' "$TMP/stats" | sort -u | wc -l)" -eq 4 ] ||
		die "statistics of four processes expected: $(cat "$TMP/stats")"
	verdict "4 processes on ${devs[*]}" $rc $want "$TMP/stderr"
	;;
long)
	devices=$1 loops=$2 f=$3
	# Sanitizer builds (quarantine, shadow memory) pass a limit that never triggers.
	opt=(-l "$loops" -r "${V4L2R_RSS_LIMIT_KB:-2048}")
	if [ "${4:-}" = nodecode ]; then
		opt+=(-n)
		export V4L2_EMU_NODECODE=1
	fi
	[ -f "$f" ] || die "clip missing: $f"
	want=$((loops * $(packets "$f")))
	rc=0
	start=$(date +%s%N)
	emu_run "$devices" "$robust" "${opt[@]}" "$f" >"$TMP/out" 2>"$TMP/stderr" || rc=$?
	secs=$(elapsed "$start")
	echo "long on $devices: $(cat "$TMP/out") ($secs s, $(awk -v n="$want" -v s="$secs" \
		'BEGIN {printf "%.1f", n / s}') fps)"
	verdict "long $devices" $rc $want "$TMP/stderr"
	;;
faults)
	# Device faults while 8 decoders run: each reaches only the context it hits, as a VA
	# status; every other frame of every stream is still exact (error=N: the flagged frame is
	# unreadable, nothing else), decoding goes on; under injection the device counts errors.
	devices=$1
	shift
	for c in "$@"; do
		f=$(clip_path "$c")
		[ -f "$f" ] || die "clip missing: $f"
		files+=("$f")
	done
	fails=0
	# fault | va-robust options (-f MIN-MAX unreadable or dropped frames / streams reached).
	# A picture lost to QBUF/QUEUE failures or a stall leaves the client referring to it: the
	# device then flags those references (violations) and may fail the pictures that depend
	# on it up to the next key frame (so the counts have wide bounds; what is asserted is that
	# only the contexts hit see anything), as expected; error=N loses nothing.
	for run in "error=150|-f 1/1" "error=100,qbuf=200,queue=300|-n -f 1-400/3" \
		"stall=150|-n -f 1-100/1"; do
		fault=${run%%|*}
		read -r -a fopt <<<"${run#*|}"
		reset_emu_files
		rc=0
		# The stalled request times out after 1 s (default 5 s); not shorter: the 8 contexts
		# share one emulated device, whose requests queue behind each other (under a
		# sanitizer, for several hundred ms), and a timeout must hit the stalled one only.
		timeout_ms=5000
		[[ $fault != stall=* ]] || timeout_ms=1000
		LIBVA_V4L2_REQUEST_TIMEOUT_MS=$timeout_ms V4L2_EMU_FAULT=$fault \
			emu_run "$devices" "$robust" "${fopt[@]}" "${files[@]}" \
			>"$TMP/out" 2>"$TMP/stderr" || rc=$?
		why=""
		[ $rc -eq 0 ] || why+=" exit=$rc"
		[[ $fault != error=150 ]] || [ ! -s "$TMP/violations" ] ||
			why+=" violations=$(wc -l <"$TMP/violations")"
		[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
		if [ -n "$why" ]; then
			echo "FAIL: faults $fault on $devices:$why ($(cat "$TMP/out"))"
			if grep -q ThreadSanitizer "$TMP/stderr"; then
				symbolize "$TMP/stderr" | head -n 100 | sed 's/^/    tsan: /'
			else
				head -n 8 "$TMP/stderr" | sed 's/^/    stderr: /'
			fi
			fails=$((fails + 1))
		else
			echo "ok: faults $fault on $devices: $(cat "$TMP/out")"
		fi
	done
	[ $fails -eq 0 ]
	;;
tsan-selftest)
	rc=0
	emu_run hantro-g1 "$robust" -T >"$TMP/out" 2>"$TMP/stderr" || rc=$?
	grep -q "WARNING: ThreadSanitizer: data race" "$TMP/stderr" && [ $rc -eq 66 ] ||
		die "no ThreadSanitizer report for a deliberate race (exit $rc)"
	symbolize "$TMP/stderr" >"$TMP/report"
	grep "racer" "$TMP/report" | sed 's/^/reported: /'
	echo "ok: ThreadSanitizer reports the deliberate race"
	;;
*) die "unknown mode $mode" ;;
esac
