#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Four decoders at once on one VA display (tests/integration/va-threads), twice each, on one
# device and on two devices, with fixed and with dynamic frame pools: every output has the manifest MD5, every frame went through a
# device, no violation, nothing on stderr.
source "$(dirname "$0")/lib.sh"
start_xvfb
manifest="$V4L2R_CONFORMANCE/h264/MANIFEST.tsv"
[ -f "$manifest" ] || die "conformance manifest missing: $manifest"

args=()
want=0
for s in BA_MW_D MR1_MW_A SVA_NL1_B CI_MW_D; do
	line=$(awk -F'\t' -v n="$s" '$1 == n' "$manifest")
	[ -n "$line" ] || die "$s not in the manifest"
	IFS=$'\t' read -r _ file _ md5 <<<"$line"
	args+=("$V4L2R_CONFORMANCE/h264/$file" "$md5")
	want=$((want + 2 * $(sw_frames "$V4L2R_CONFORMANCE/h264/$file")))
done

pass=0
fail=0
# -d: dynamic frame pools, contexts without render targets (CAPTURE buffers created on first use)
for run in "hantro-g1" "rkvdec,hantro-g1" "cedrus -d" "rkvdec -d"; do
	read -r devices opt <<<"$run"
	reset_emu_files
	rc=0
	emu_run "$devices" "$V4L2R_BUILD/tests/integration/va-threads" $opt 2 "${args[@]}" \
		>"$TMP/out" 2>"$TMP/stderr" || rc=$?
	why=""
	[ $rc -eq 0 ] || why+=" exit=$rc"
	[ "$(stats_sum frames)" -eq "$want" ] || why+=" device-frames=$(stats_sum frames)/$want"
	[ "$(stats_sum errors)" -eq 0 ] || why+=" device-errors=$(stats_sum errors)"
	[ ! -s "$TMP/violations" ] || why+=" violations=$(wc -l <"$TMP/violations")"
	[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok: $devices $opt: $(cat "$TMP/out")"
	else
		fail=$((fail + 1))
		echo "FAIL: $devices:$why"
		head -n 5 "$TMP/stderr" | sed 's/^/    stderr: /'
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
