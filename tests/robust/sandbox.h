/* SPDX-License-Identifier: MIT */
/*
 * A seccomp-bpf filter in the spirit of a browser's media-decoder process (Firefox RDD):
 * path-based calls trapped and brokered (only /dev/video*, /dev/media*), ioctl limited to the
 * V4L2 ('V'), media ('|'), DRM ('d') and dma-buf ('b') types, every other system call outside a
 * small allow-list fails with ENOSYS. Each denial is counted, with the call and the path.
 */
#ifndef ROBUST_SANDBOX_H
#define ROBUST_SANDBOX_H

/* Also broker read-only opens of $LIBVA_DRIVERS_PATH/... and of /dev (directory): for a
 * vaInitialize under the filter (libva loads the driver, the driver discovers its decoders). */
#define SANDBOX_DRIVER_LOAD 1u

/* Installs the filter on every thread of the process (TSYNC). 0 or -errno. */
int sandbox_install(unsigned flags);

/* Denials since the last reset. */
unsigned sandbox_denials(void);
void sandbox_reset(void);

/* Writes one line per recorded denial (system call number, ioctl request or path) to fd. */
void sandbox_report(int fd);

/* Negative controls, run under the filter: 0 when every forbidden operation failed with the
 * policy's errno (messages on stderr otherwise). */
int sandbox_check_denials(void);

#endif
