/* SPDX-License-Identifier: MIT */
/*
 * The policy, as a browser's media process has it (Firefox SandboxFilter.cpp, RDD process):
 * - open/openat and the path-taking stat/access/readlink calls trap into a SIGSYS handler that
 *   plays the file broker: only /dev/video<N> and /dev/media<N> without O_CREAT (the decoder
 *   nodes) are opened, by re-issuing the call with a marker argument the filter lets through;
 *   fstat (newfstatat with AT_EMPTY_PATH and "") is re-issued as well. Any other path: EACCES.
 * - ioctl: allowed when the type byte is 'V' (V4L2), '|' (media controller), 'd' (DRM) or 'b'
 *   (dma-buf); TCGETS fails with ENOTTY (isatty() of stdio: Firefox does the same); anything
 *   else traps (ENOSYS).
 * - clone only for threads (the flags pthread_create passes); clone3 fails with ENOSYS so that
 *   glibc falls back to clone, whose flags the filter can read (Chromium and Firefox do this).
 * - everything not in the allow-list below traps: ENOSYS, counted.
 * Denials are recorded in the handler (async-signal-safe: static storage, atomics only).
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "sandbox: the SIGSYS handler reads registers of x86_64 and aarch64 only"
#endif

/* Sixth argument of a brokered call re-issued by the handler (the kernel ignores it for the
 * calls concerned: none takes six arguments). */
#define BROKER_MARK 0x5ec0b0c5L

#define MAX_RECORDS 32
struct record {
	long nr;
	unsigned long arg; /* ioctl request */
	char path[80];
};
static struct record records[MAX_RECORDS];
static atomic_uint n_denials;

static void record(long nr, unsigned long arg, const char *path)
{
	unsigned i = atomic_fetch_add(&n_denials, 1);

	if (i >= MAX_RECORDS)
		return;
	records[i].nr = nr;
	records[i].arg = arg;
	records[i].path[0] = 0;
	if (path) {
		size_t k = 0;

		for (; k + 1 < sizeof(records[i].path) && path[k]; k++)
			records[i].path[k] = path[k];
		records[i].path[k] = 0;
	}
}

unsigned sandbox_denials(void)
{
	return atomic_load(&n_denials);
}

void sandbox_reset(void)
{
	atomic_store(&n_denials, 0);
}

static bool is_node(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(p, prefix, n) != 0 || !p[n])
		return false;
	for (p += n; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* The emulated device's output files (V4L2_EMU_STATS, _VIOLATIONS, _TRACE): it stands in for
 * the kernel, and its reports are the test's; opened for appending only. */
#define MAX_EMU_FILES 3
static char emu_files[MAX_EMU_FILES][256];

static bool emu_file(const char *p, long flags)
{
	if ((flags & O_ACCMODE) != O_WRONLY || !(flags & O_APPEND) || (flags & O_TRUNC))
		return false;
	for (int i = 0; i < MAX_EMU_FILES; i++)
		if (emu_files[i][0] && strcmp(p, emu_files[i]) == 0)
			return true;
	return false;
}

static bool path_allowed(const char *p)
{
	return p && (is_node(p, "/dev/video") || is_node(p, "/dev/media"));
}

/* SANDBOX_DRIVER_LOAD: read-only access to libva's driver directory (dlopen of the driver), to
 * libva's configuration file and to the /dev directory itself (the driver's discovery lists it):
 * what a browser's broker must allow to load VA-API inside its sandbox. */
static char driver_dir[256];
static bool load_allowed;

static bool load_path(const char *p, long flags, bool is_open)
{
	size_t n = strlen(driver_dir);

	if (!load_allowed || !p || strstr(p, "/../"))
		return false;
	if (is_open && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT) ||
			(flags & O_TMPFILE) == O_TMPFILE))
		return false;
	/* /etc/libva.conf: libva's own settings, read by vaInitialize. */
	return strcmp(p, "/dev") == 0 || strcmp(p, "/etc/libva.conf") == 0 ||
	       (n && strncmp(p, driver_dir, n) == 0 && p[n] == '/');
}

static long reissue(long nr, const long *a)
{
	long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], BROKER_MARK);

	return r < 0 ? -errno : r;
}

/* The broker: path, flags of the call (flags: AT_* for the stat family, O_* for open). */
static long broker(long nr, const long *a, const char *path, long flags, bool is_open)
{
	if (!is_open && path && !path[0] && (flags & AT_EMPTY_PATH))
		return reissue(nr, a); /* fstat */
	if (path_allowed(path) &&
	    (!is_open || (!(flags & (O_CREAT | O_TRUNC)) && (flags & O_TMPFILE) != O_TMPFILE)))
		return reissue(nr, a);
	if (is_open && path && emu_file(path, flags))
		return reissue(nr, a);
	if (load_path(path, flags, is_open))
		return reissue(nr, a);
	/* glibc's malloc probes this before it shrinks a thread arena's heap, and copes with the
	 * failure (no shrinking): denied, as a browser does, but not counted against the decode. */
	if (path && strcmp(path, "/proc/sys/vm/overcommit_memory") == 0)
		return -EACCES;
	record(nr, 0, path ? path : "(null)");
	return -EACCES;
}

static long handle(long nr, const long *a)
{
	switch (nr) {
	case SYS_openat:
		return broker(nr, a, (const char *)a[1], a[2], true);
#ifdef SYS_open
	case SYS_open:
		return broker(nr, a, (const char *)a[0], a[1], true);
	case SYS_stat:
	case SYS_lstat:
	case SYS_access:
	case SYS_readlink:
		return broker(nr, a, (const char *)a[0], 0, false);
#endif
	case SYS_newfstatat:
		return broker(nr, a, (const char *)a[1], a[3], false);
	case SYS_statx:
		return broker(nr, a, (const char *)a[1], a[2], false);
	case SYS_faccessat:
	case SYS_readlinkat:
		return broker(nr, a, (const char *)a[1], 0, false);
#ifdef SYS_faccessat2
	case SYS_faccessat2:
		return broker(nr, a, (const char *)a[1], a[3], false);
#endif
	case SYS_ioctl:
		record(nr, (unsigned long)a[1], NULL);
		return -ENOSYS;
	default:
		record(nr, 0, NULL);
		return -ENOSYS;
	}
}

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	int saved = errno;
	long nr = si->si_syscall;
#if defined(__x86_64__)
	greg_t *r = uc->uc_mcontext.gregs;
	long a[6] = {r[REG_RDI], r[REG_RSI], r[REG_RDX], r[REG_R10], r[REG_R8], r[REG_R9]};

	r[REG_RAX] = handle(nr, a);
#else
	unsigned long long *r = uc->uc_mcontext.regs;
	long a[6] = {(long)r[0], (long)r[1], (long)r[2], (long)r[3], (long)r[4], (long)r[5]};

	r[0] = (unsigned long long)handle(nr, a);
#endif
	errno = saved;
}

/* Plain allow-list: memory, threads and their synchronisation, time, signals of the process
 * itself, I/O on fds already open (the X11 socket, the emulator's eventfds and memfds), and
 * what the emulated device needs to exist in the process (eventfd2 for its file objects and
 * request completion, memfd_create + ftruncate for its buffers, a worker thread). */
static const char *const allowed[] = {
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "lseek",
    "close",
    "dup",
    "dup3",
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "futex",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "poll",
    "ppoll",
    "pselect6",
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "getpid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "sched_yield",
    "sched_getaffinity",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "restart_syscall",
    "exit",
    "exit_group",
    "eventfd2",
    "memfd_create",
    "ftruncate",
    "recvmsg",
    "sendmsg",
    "recvfrom",
    "sendto",
    "getrandom",
    /* xcb_disconnect() of the test's X11 display (a browser's media process has a DRM display
     * instead; it owns no X connection). */
    "shutdown",
    /* reading a directory already open (the broker decides which one may be opened) */
    "getdents64",
    "fstat",
    "membarrier",
    "getrusage",
};

int sandbox_install(unsigned flags)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_TRAP);
	struct sigaction sa;
	int rc = -ENOMEM;

	if (!f)
		return rc;
	static const char *const emu_env[MAX_EMU_FILES] = {"V4L2_EMU_STATS", "V4L2_EMU_VIOLATIONS",
							   "V4L2_EMU_TRACE"};
	for (int i = 0; i < MAX_EMU_FILES; i++) {
		const char *v = getenv(emu_env[i]);

		if (v && strlen(v) < sizeof(emu_files[i]))
			strcpy(emu_files[i], v);
	}
	if (flags & SANDBOX_DRIVER_LOAD) {
		const char *d = getenv("LIBVA_DRIVERS_PATH");

		if (!d || !*d || strchr(d, ':') || strlen(d) >= sizeof(driver_dir)) {
			rc = -EINVAL; /* one directory, named */
			goto out;
		}
		strcpy(driver_dir, d);
		load_allowed = true;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		rc = -errno;
		goto out;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture (fstat on aarch64 is newfstatat) */
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			goto out;
	}
	/* Threads only: the flags of glibc's pthread_create. */
	const unsigned long thread_flags =
	    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_MASKED_EQ, thread_flags, thread_flags));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* ioctl by type byte. */
	static const unsigned char types[] = {'V', '|', 'd', 'b'};
	for (size_t i = 0; rc == 0 && i < sizeof(types); i++)
		rc = seccomp_rule_add(
		    f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, (scmp_datum_t)types[i] << 8));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, TCGETS));
	/* fcntl: descriptor and status flags, memfd seals, dup with close-on-exec. */
	static const int fcntl_cmds[] = {F_GETFD,	  F_SETFD,     F_GETFL,	   F_SETFL,
					 F_DUPFD_CLOEXEC, F_ADD_SEALS, F_GET_SEALS};
	for (size_t i = 0; rc == 0 && i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				      SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]));
	/* Thread names (pthread_setname_np on the calling thread); signals to this process only;
	 * getrlimit only. */
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				      SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				      SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* The emulated device copies from and to client memory as the kernel does
	 * (copy_from_user faults are EFAULT): with process_vm_readv/writev on its own process. */
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(process_vm_readv), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(process_vm_writev), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2,
				      SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
	/* The broker's re-issued calls. */
	static const char *const brokered[] = {"openat",    "open",	  "stat",	"lstat",
					       "access",    "readlink",	  "newfstatat", "statx",
					       "faccessat", "faccessat2", "readlinkat"};
	for (size_t i = 0; rc == 0 && i < sizeof(brokered) / sizeof(brokered[0]); i++) {
		int nr = seccomp_syscall_resolve_name(brokered[i]);

		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 1,
					      SCMP_A5(SCMP_CMP_EQ, (scmp_datum_t)BROKER_MARK));
	}
	if (rc == 0)
		rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_load(f);
out:
	seccomp_release(f);
	return rc;
}

void sandbox_report(int fd)
{
	unsigned n = sandbox_denials();

	for (unsigned i = 0; i < n && i < MAX_RECORDS; i++) {
		const char *name =
		    seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)records[i].nr);

		dprintf(fd, "sandbox: denied %s", name ? name : "?");
		if (records[i].nr == SYS_ioctl)
			dprintf(fd, " request 0x%08lx (type '%c')", records[i].arg,
				(int)((records[i].arg >> 8) & 0xff));
		if (records[i].path[0])
			dprintf(fd, " \"%s\"", records[i].path);
		dprintf(fd, " (nr %ld)\n", records[i].nr);
	}
	if (n > MAX_RECORDS)
		dprintf(fd, "sandbox: ... %u denials in all\n", n);
}

static int expect_errno(const char *what, long r, int want)
{
	if (r >= 0 || errno != want) {
		fprintf(stderr, "sandbox: %s: %ld (%s), want %s\n", what, r,
			r < 0 ? strerrorname_np(errno) : "success", strerrorname_np(want));
		return -1;
	}
	return 0;
}

int sandbox_check_denials(void)
{
	struct winsize ws;
	struct stat st;
	int bad = 0;
	unsigned want_records = 0;

	sandbox_reset();
	bad |= expect_errno("open /etc/passwd", open("/etc/passwd", O_RDONLY | O_CLOEXEC), EACCES);
	bad |= expect_errno("open /sys/class/video4linux",
			    open("/sys/class/video4linux", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
			    EACCES);
	bad |= expect_errno("create /dev/video99",
			    open("/dev/video99", O_RDWR | O_CREAT | O_CLOEXEC, 0600), EACCES);
	bad |= expect_errno("stat /etc/passwd", stat("/etc/passwd", &st), EACCES);
	want_records += 4;
	bad |= expect_errno("ioctl TIOCGWINSZ", ioctl(2, TIOCGWINSZ, &ws), ENOSYS);
	bad |=
	    expect_errno("socket AF_INET", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ENOSYS);
	want_records += 2;
	/* fork: clone without CLONE_THREAD. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	bad |= expect_errno("fork", pid, ENOSYS);
	want_records += 1;
	/* isatty: TCGETS answers ENOTTY without a record. */
	bad |= expect_errno("isatty(2)", isatty(2) ? 0 : -1, ENOTTY);
	if (sandbox_denials() != want_records) {
		fprintf(stderr, "sandbox: %u denials recorded by the negative controls, want %u\n",
			sandbox_denials(), want_records);
		sandbox_report(2);
		bad = -1;
	}
	sandbox_reset();
	return bad ? -1 : 0;
}
