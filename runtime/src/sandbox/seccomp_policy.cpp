#include "seccomp_policy.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "bpf_program.hpp"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

namespace carton::sandbox {
namespace {

// Every namespace a clone() could create. CLONE_NEWTIME shares its bit with CSIGNAL in
// clone() and exists only for clone3, which is refused whole.
constexpr std::uint32_t kCloneNewMask = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                        CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

// Calls no runner makes, ever: escaping or widening the sandbox, looking into other
// processes, kernel attack surface far from what a framework needs.
constexpr int kNeverNeeded[] = {
    SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_kcmp, SYS_pidfd_getfd,
    SYS_process_madvise, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_move_mount,
    SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_open_tree, SYS_mount_setattr,
    SYS_unshare, SYS_setns, SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
    SYS_bpf, SYS_perf_event_open, SYS_keyctl, SYS_add_key, SYS_request_key, SYS_userfaultfd,
    SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module, SYS_delete_module,
    // execveat runs a file descriptor, and a memfd is a file Landlock does not govern.
    SYS_execveat, SYS_name_to_handle_at, SYS_open_by_handle_at, SYS_acct, SYS_swapon,
    SYS_swapoff, SYS_reboot, SYS_sethostname, SYS_setdomainname, SYS_settimeofday,
    SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex, SYS_syslog, SYS_quotactl,
    SYS_fanotify_init, SYS_memfd_secret, SYS_pidfd_send_signal, SYS_tkill, SYS_pidfd_open,
    // System V IPC and POSIX message queues: objects shared with every process of the
    // machine's IPC namespace, which Landlock does not govern (a channel out, and
    // memory of other programs to attach).
    SYS_shmget, SYS_shmat, SYS_shmctl, SYS_msgget, SYS_msgsnd, SYS_msgrcv, SYS_msgctl, SYS_semget,
    SYS_semop, SYS_semtimedop, SYS_semctl, SYS_mq_open, SYS_mq_unlink, SYS_mq_timedsend,
    SYS_mq_timedreceive, SYS_mq_notify, SYS_mq_getsetattr,
#if defined(__x86_64__)
    SYS_iopl, SYS_ioperm, SYS_modify_ldt, SYS_uselib, SYS_vhangup,
#endif
};

// What Boost.Asio (FIONBIO, FIONREAD, FIOCLEX), isatty() (TCGETS) and terminal-width
// probes (TIOCGWINSZ) ask; TIOCSTI and every device ioctl are left out.
const std::vector<std::uint32_t> kAllowedIoctls = {TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX};

// Thread names (glibc, OpenMP, TBB), the parent-death signal, adding seccomp filters,
// and the read-only queries libraries make; nothing that changes dumpability, the
// ptracer, the memory map's fields or capabilities.
const std::vector<std::uint32_t> kAllowedPrctls = {
    PR_SET_NAME,     PR_GET_NAME,       PR_GET_DUMPABLE,   PR_SET_PDEATHSIG,  PR_GET_PDEATHSIG,
    PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_GET_SECCOMP, PR_CAPBSET_READ,
    PR_SET_VMA,      PR_GET_TIMERSLACK, PR_SET_TIMERSLACK, PR_GET_THP_DISABLE, PR_MCE_KILL_GET,
};

// A signal to the core (the parent), to a process group (0, negative) or to every
// process (-1). Other processes are Landlock's (the signal scope) where the kernel has it.
void deny_signals_out(BpfProgram& p, const PolicyFacts& f, std::uint32_t deny) {
  const std::vector<std::uint32_t> to{static_cast<std::uint32_t>(f.parent_pid), 0u};
  for (const int nr : {SYS_kill, SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo}) {
    p.when_arg_in(nr, 0, to, true, deny);
  }
}

// Calls that act on the process (or group, or user) their first argument names: its
// limits, priority, scheduling, CPUs, pages. The runner shares its uid with the core,
// so the kernel lets it lower the core's limits or priority; Landlock's scopes do not
// cover these. Only 0 (the caller) or this process pass; a thread naming itself by its
// own id is redone with 0 by the SIGSYS handler (sigsys_reporter.cpp), as Chromium's
// sched handlers do.
void deny_other_targets(BpfProgram& p, const PolicyFacts& f, std::uint32_t deny) {
  const std::vector<std::uint32_t> me{0u, static_cast<std::uint32_t>(f.own_pid)};
  for (const int nr : {SYS_prlimit64, SYS_sched_setaffinity, SYS_sched_setscheduler, SYS_sched_setparam,
                       SYS_sched_setattr, SYS_migrate_pages, SYS_move_pages, SYS_get_robust_list}) {
    p.unless_arg_in(nr, 0, me, deny);
  }
  // setpriority(which, who) and ioprio_set(which, who): a process only, never a
  // process group or a user (every process of the uid, the core's among them).
  p.unless_args_in(SYS_setpriority, {{0, {PRIO_PROCESS}}, {1, me}}, deny);
  constexpr std::uint32_t kIoprioWhoProcess = 1;
  p.unless_args_in(SYS_ioprio_set, {{0, {kIoprioWhoProcess}}, {1, me}}, deny);
}

}  // namespace

std::vector<sock_filter> build_policy(Stage stage, const PolicyFacts& f) {
  BpfProgram p;
  // A trap carries the errno in SECCOMP_RET_DATA: the handler reads it from si_errno.
  // The check stage answers with plain errnos: a child check has no one to report to,
  // and posix_spawn() calls clone() with every signal blocked, where a trap would kill.
  const std::uint32_t deny = stage == Stage::runner ? (SECCOMP_RET_TRAP | EPERM) : (SECCOMP_RET_ERRNO | EPERM);
  if (stage == Stage::check) {
    // Only on top of the runner's filter, which covers the rest.
    p.always(SYS_execve, deny);
#if defined(__x86_64__)
    p.always(SYS_fork, deny);
    p.always(SYS_vfork, deny);
    p.unless_arg_has_bits(SYS_clone, 0, CLONE_THREAD, deny);
#else
    p.unless_arg_has_bits(SYS_clone, 0, CLONE_THREAD, deny);
#endif
    // O_TMPFILE's own bit: glibc's __O_TMPFILE also holds O_DIRECTORY, which would
    // refuse every directory opened for reading.
    constexpr std::uint32_t kTmpFileBit = 020000000;
    constexpr std::uint32_t kWriting = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | kTmpFileBit;
#if defined(__x86_64__)
    p.when_arg_has_bits(SYS_open, 1, kWriting, deny);
    p.always(SYS_creat, deny);
#endif
    p.when_arg_has_bits(SYS_openat, 2, kWriting, deny);
    // Its flags sit in a struct seccomp cannot read; glibc's open() never uses it.
    p.always(SYS_openat2, SECCOMP_RET_ERRNO | ENOSYS);
    p.always(SYS_memfd_create, deny);
    p.always(SYS_socketpair, deny);
    const std::vector<std::uint32_t> self{static_cast<std::uint32_t>(f.own_pid)};
    for (const int nr : {SYS_kill, SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo}) {
      p.unless_arg_in(nr, 0, self, deny);
    }
    // The runner's filter lets calls on the runner's pid through: from here, that is
    // the parent's.
    deny_other_targets(p, f, deny);
    return p.finish();
  }

  for (const int nr : kNeverNeeded) {
    if (f.relaxed_for_sanitizers && nr == SYS_ptrace) continue;
    p.always(nr, deny);
  }
  // Without clone3 glibc falls back to clone, whose flags seccomp can read (Chromium
  // does the same). ENOSYS is the answer glibc expects, so no report.
  p.always(SYS_clone3, SECCOMP_RET_ERRNO | ENOSYS);
  p.when_arg_has_bits(SYS_clone, 0, kCloneNewMask, deny);
  // An executable memfd could be run through /proc/self/fd/N, outside Landlock.
  if (f.memfd_noexec_seal) p.unless_arg_has_bits(SYS_memfd_create, 1, MFD_NOEXEC_SEAL, deny);
  deny_signals_out(p, f, deny);
  deny_other_targets(p, f, deny);
  if (stage == Stage::startup) {
    // Start-up connects to the core's bootstrap socket, an AF_UNIX one.
    p.unless_arg_in(SYS_socket, 0, {AF_UNIX}, deny);
    return p.finish();
  }
  for (const int nr : {SYS_socket, SYS_connect, SYS_bind, SYS_listen, SYS_accept, SYS_accept4}) p.always(nr, deny);
  p.unless_arg_in(SYS_ioctl, 1, kAllowedIoctls, deny);
  if (!f.relaxed_for_sanitizers) p.unless_arg_in(SYS_prctl, 0, kAllowedPrctls, deny);
  return p.finish();
}

int install_filter(const std::vector<sock_filter>& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc == 0) return 0;
  return rc > 0 ? ESRCH : errno;  // > 0: the id of a thread that could not be synchronized
}

bool kernel_has_memfd_noexec_seal() {
  const int fd = ::memfd_create("carton-probe", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace carton::sandbox
