#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions one object spends, from a callgrind output file (--compress-strings=no
--compress-pos=no): the object's own instructions (self cost of its functions) plus the
inclusive cost of the calls it makes into other objects (libc, libpthread, ...), except calls
into the objects named by --exclude (the emulated device). Prints a JSON line.

    callgrind-cost.py FILE OBJECT_SUBSTRING [--exclude SUBSTRING]...
"""
import collections
import json
import sys


def cost(path, target, excludes):
    own = calls_out = calls_excluded = total = 0
    by_call = collections.Counter()  # (caller, callee) -> inclusive instructions
    by_fn = collections.Counter()  # own instructions per function
    ob = fn = None
    cob = cfn = None
    pending_call = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line[0] == "#":
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                if len(parts) < 2:
                    continue
                n = int(parts[1])
                in_target = ob is not None and target in ob
                if pending_call:
                    callee = cob if cob is not None else ob
                    pending_call = False
                    cob = None
                    # The startup code's call to main would count the program twice.
                    if (in_target and callee is not None and target not in callee
                            and not (cfn or "").startswith("__libc_start")):
                        if any(e in callee for e in excludes):
                            calls_excluded += n
                        else:
                            calls_out += n
                            by_call[(fn, cfn)] += n
                else:
                    total += n
                    if in_target:
                        own += n
                        by_fn[fn] += n
                continue
            key, _, val = line.partition("=")
            if key == "ob":
                ob = val
            elif key == "fn":
                fn = val
                cob = None
            elif key == "cob":
                cob = val
            elif key == "cfn":
                cfn = val
            elif key == "calls":
                pending_call = True
            elif line.startswith("summary:"):
                pass
    top = [{"caller": a, "callee": b, "instructions": n} for (a, b), n in by_call.most_common(6)]
    top_own = [{"function": a, "instructions": n} for a, n in by_fn.most_common(6)]
    return {"own": own, "calls_out": calls_out, "calls_excluded": calls_excluded,
            "instructions": own + calls_out, "program_total": total, "top_calls": top,
            "top_own": top_own}


def main():
    args = sys.argv[1:]
    excludes = []
    while "--exclude" in args:
        i = args.index("--exclude")
        excludes.append(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    r = cost(args[0], args[1], excludes)
    if r["own"] == 0:
        sys.exit("callgrind-cost: no instructions in an object matching %r" % args[1])
    print(json.dumps(r))


if __name__ == "__main__":
    main()
