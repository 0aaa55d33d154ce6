#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A device error on either field of a field pair reaches the client: the emulator fails the Nth
# completed CAPTURE buffer (V4L2_EMU_FAULT=error=N, one completion per field) while decoding the
# paff-cavlc clip (12 frames, 24 fields, top field first); exactly the frame holding that field
# fails to sync or read back (VA_STATUS_ERROR_DECODING_ERROR), every other frame reads back.
# (A second field completing the same buffer without error must not clear the first's error.)
#   field-error.sh CORPUS_DIR
source "$(dirname "$0")/../integration/lib.sh"
corpus=${1:?usage: field-error.sh CORPUS_DIR}
"$(dirname "$0")/gen-corpus.sh" "$corpus" paff-cavlc || die "cannot generate paff-cavlc"
start_xvfb

pass=0
fail=0
for dev in hantro-g1 cedrus; do
	for n in 3 4 9; do # first field, second field of frame 1; first field of frame 4
		reset_emu_files
		rc=0
		V4L2_EMU_FAULT=error=$n emu_run "$dev" "$V4L2R_BUILD/tests/integration/va-threads" \
			-f 1 1 "$corpus/paff-cavlc.h264" - >"$TMP/out" 2>"$TMP/stderr" || rc=$?
		if [ $rc -eq 0 ] && [ ! -s "$TMP/stderr" ] && [ "$(stats_sum errors)" -eq 1 ]; then
			pass=$((pass + 1))
			echo "ok: $dev error=$n: $(cat "$TMP/out")"
		else
			fail=$((fail + 1))
			echo "FAIL: $dev error=$n: exit=$rc device-errors=$(stats_sum errors) $(cat "$TMP/out")"
			head -n 3 "$TMP/stderr" | sed 's/^/    stderr: /'
		fi
	done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
