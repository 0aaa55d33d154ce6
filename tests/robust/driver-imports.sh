#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The sandbox property, checked statically: the C library functions the driver imports (nm -D
# --undefined-only) may reach the kernel only through the calls a browser's media sandbox
# allows (tests/robust/sandbox.c): open/close/ioctl/mmap/munmap/poll of the decoder nodes,
# stat/opendir/readdir of /dev for discovery, clocks and sleeps; plus pure functions (memory,
# strings, formatting, threads' locks). A new import that reaches the kernel otherwise (fopen,
# openat, access, socket, dlopen, sysfs/udev helpers, ...) fails here with its name: check it
# against the sandbox, then add it below with the reason.
#   driver-imports.sh DRIVER.so
set -euo pipefail
so=$1
[ -f "$so" ] || {
	echo "FAIL: driver missing: $so"
	exit 1
}
bad=()
n=0
while read -r sym; do
	n=$((n + 1))
	case ${sym%%@*} in
	# reach the kernel, allowed by the sandbox
	open | open64 | close | ioctl | mmap | mmap64 | munmap | poll | ppoll) ;;
	stat | stat64 | fstat | fstat64 | opendir | readdir | readdir64 | closedir) ;;
	clock_gettime | nanosleep | usleep | sched_yield) ;;
	# memory, strings, formatting, errors, environment (no system call, or only brk/mmap)
	malloc | calloc | realloc | free | posix_memalign | aligned_alloc) ;;
	mem* | str* | *printf | __*printf_chk | __mem*_chk | __str*_chk | ato? | abs | qsort | bsearch) ;;
	getenv | secure_getenv | __errno_location | stderr | __stack_chk_fail | __assert_fail) ;;
	# threads' synchronisation (futex)
	pthread_mutex_* | pthread_cond_* | pthread_once | pthread_mutexattr_* | pthread_condattr_*) ;;
	# libva, libdrm (user space), toolchain and sanitizer runtimes
	va* | drm* | _ITM_* | __cxa_finalize | __gmon_start__ | __asan_* | __ubsan_* | __tsan_*) ;;
	__sanitizer_* | __lsan_*) ;;
	*) bad+=("$sym") ;;
	esac
done < <(nm -D --undefined-only "$so" | awk '{print $NF}')
[ "$n" -gt 10 ] || {
	echo "FAIL: only $n imports read from $so"
	exit 1
}
if [ ${#bad[@]} -gt 0 ]; then
	echo "FAIL: the driver imports what the sandbox was not checked for: ${bad[*]}"
	exit 1
fi
echo "ok: $n imports of $(basename "$so"), all within the sandbox's allow-list"
