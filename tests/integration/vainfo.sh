#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vainfo through the driver lists exactly the profiles the emulated devices decode, with one,
# two and three devices, and fails cleanly with none.
source "$(dirname "$0")/lib.sh"
start_xvfb
command -v vainfo >/dev/null || die "vainfo not installed"

# Profiles each emulated device decodes today (VLD entrypoint).
h264="VAProfileH264ConstrainedBaseline VAProfileH264High VAProfileH264Main"
mpeg2="VAProfileMPEG2Main VAProfileMPEG2Simple" # hantro-g1 and cedrus, not rkvdec
vp8="VAProfileVP8Version0_3"                      # hantro-g1 and cedrus, not rkvdec

check() { # devices expected-profiles...
	local devices=$1
	shift
	local want got
	want=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
	emu_run "$devices" vainfo --display x11 >"$TMP/vainfo.out" 2>"$TMP/vainfo.err" ||
		die "vainfo failed with $devices: $(cat "$TMP/vainfo.err")"
	got=$(grep -o 'VAProfile[A-Za-z0-9_]*[[:space:]]*:[[:space:]]*VAEntrypointVLD' "$TMP/vainfo.out" |
		sed -E 's/[[:space:]]*:.*//' | sort -u | tr '\n' ' ')
	[ "$got" = "$want" ] || die "with $devices: vainfo lists '$got', expected '$want'"
	# libva's own "libva info:" lines aside, nothing on stderr (the driver is quiet).
	if grep -v '^libva info:' "$TMP/vainfo.err" | grep -q .; then
		die "with $devices: stderr: $(grep -v '^libva info:' "$TMP/vainfo.err" | head -n 3)"
	fi
	grep -q 'Driver version: .*v4l2-request' "$TMP/vainfo.out" ||
		die "with $devices: driver vendor string missing: $(grep -i 'driver version' "$TMP/vainfo.out")"
	echo "ok: $devices -> $got"
}

check hantro-g1 $h264 $mpeg2 $vp8
check rkvdec $h264
check cedrus $h264 $mpeg2 $vp8
check hantro-g1,rkvdec $h264 $mpeg2 $vp8
check hantro-g1,rkvdec,cedrus $h264 $mpeg2 $vp8

# No decoder at all: vaInitialize must fail, not list anything.
if emu_run "" vainfo --display x11 >"$TMP/none.out" 2>&1; then
	die "vainfo succeeded without any decoder"
fi
echo "ok: no device -> vaInitialize fails"
echo "6 passed, 0 failed"
