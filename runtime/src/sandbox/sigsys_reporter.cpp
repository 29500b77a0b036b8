#include "sigsys_reporter.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <boost/log/trivial.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <thread>

namespace carton::sandbox {
namespace {

// A framework that retries a refused call in a loop would otherwise flood the core's
// log: each call is named this many times, then once more with the count at exit of
// the flood (every kRepeatReportEvery-th refusal).
constexpr unsigned kReportsPerCall = 3;
constexpr unsigned kRepeatReportEvery = 1000;

std::atomic<int> g_report_fd{-1};

// The argument naming the process a call acts on, when the policy lets only 0 and this
// process through (seccomp_policy.cpp, deny_other_targets), else -1. A thread naming
// itself by its thread id (pthread_setaffinity_np, a per-thread nice) is refused by
// the filter, which cannot know thread ids; the handler redoes such a call with 0,
// which means the calling thread, so the framework never sees the difference.
int target_argument(int nr, const long* args) {
  switch (nr) {
    case SYS_prlimit64:
    case SYS_sched_setaffinity:
    case SYS_sched_setscheduler:
    case SYS_sched_setparam:
    case SYS_sched_setattr:
    case SYS_migrate_pages:
    case SYS_move_pages:
    case SYS_get_robust_list:
      return 0;
    case SYS_setpriority:  // which == PRIO_PROCESS
    case SYS_ioprio_set:   // which == IOPRIO_WHO_PROCESS
      return args[0] == 0 || args[0] == 1 ? 1 : -1;
    default:
      return -1;
  }
}

void on_sigsys(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  const int saved = errno;
  long result = -static_cast<long>(info->si_errno ? info->si_errno : EPERM);
#if defined(__x86_64__)
  greg_t* g = uc->uc_mcontext.gregs;
  long args[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
#elif defined(__aarch64__)
  long args[6];
  for (int i = 0; i < 6; ++i) args[i] = static_cast<long>(uc->uc_mcontext.regs[i]);
#endif
  const int target = target_argument(info->si_syscall, args);
  const bool own_thread = target >= 0 && args[target] == ::syscall(SYS_gettid);
  if (own_thread) {
    args[target] = 0;
    const long r = ::syscall(info->si_syscall, args[0], args[1], args[2], args[3], args[4], args[5]);
    result = r < 0 ? -static_cast<long>(errno) : r;
  }
#if defined(__x86_64__)
  g[REG_RAX] = result;
#elif defined(__aarch64__)
  uc->uc_mcontext.regs[0] = static_cast<unsigned long long>(result);
#endif
  if (own_thread) {
    errno = saved;
    return;  // allowed after all: nothing to report
  }
  const int fd = g_report_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const int nr = info->si_syscall;
    // Non-blocking: a full pipe drops the report, never stalls the thread.
    [[maybe_unused]] const ssize_t n = ::write(fd, &nr, sizeof nr);
  }
  errno = saved;
}

void drain(int fd) {
  std::map<int, unsigned> seen;
  int nr = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &nr, sizeof nr);
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof nr) return;
    const unsigned count = ++seen[nr];
    if (count <= kReportsPerCall) {
      BOOST_LOG_TRIVIAL(warning) << "sandbox: denied " << syscall_name(nr) << " (syscall " << nr
                                 << "); the caller got EPERM (docs/sandbox.md)";
    } else if (count % kRepeatReportEvery == 0) {
      BOOST_LOG_TRIVIAL(warning) << "sandbox: denied " << syscall_name(nr) << " " << count << " times so far";
    }
  }
}

}  // namespace

void install_sigsys_handler(bool report) {
  if (report && g_report_fd.load() < 0) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) == 0) {
      ::fcntl(p[1], F_SETFL, O_NONBLOCK);
      g_report_fd.store(p[1]);
      std::thread(drain, p[0]).detach();
    }
  }
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;  // a refused call inside the handler traps again, harmlessly
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSYS, &sa, nullptr);
  // A thread that blocked SIGSYS would be killed by the first trap instead.
  sigset_t sys;
  sigemptyset(&sys);
  sigaddset(&sys, SIGSYS);
  ::pthread_sigmask(SIG_UNBLOCK, &sys, nullptr);
}

const char* syscall_name(int nr) {
  switch (nr) {
#define CARTON_NAME(x) \
  case SYS_##x:        \
    return #x;
    CARTON_NAME(socket) CARTON_NAME(connect) CARTON_NAME(bind) CARTON_NAME(listen) CARTON_NAME(accept)
    CARTON_NAME(accept4) CARTON_NAME(socketpair) CARTON_NAME(ioctl) CARTON_NAME(prctl) CARTON_NAME(ptrace)
    CARTON_NAME(process_vm_readv) CARTON_NAME(process_vm_writev) CARTON_NAME(kcmp) CARTON_NAME(pidfd_getfd)
    CARTON_NAME(process_madvise) CARTON_NAME(mount) CARTON_NAME(umount2) CARTON_NAME(pivot_root)
    CARTON_NAME(chroot) CARTON_NAME(move_mount) CARTON_NAME(fsopen) CARTON_NAME(fsconfig) CARTON_NAME(fsmount)
    CARTON_NAME(fspick) CARTON_NAME(open_tree) CARTON_NAME(mount_setattr) CARTON_NAME(unshare) CARTON_NAME(setns)
    CARTON_NAME(io_uring_setup) CARTON_NAME(io_uring_enter) CARTON_NAME(io_uring_register) CARTON_NAME(bpf)
    CARTON_NAME(perf_event_open) CARTON_NAME(keyctl) CARTON_NAME(add_key) CARTON_NAME(request_key)
    CARTON_NAME(userfaultfd) CARTON_NAME(kexec_load) CARTON_NAME(kexec_file_load) CARTON_NAME(init_module)
    CARTON_NAME(finit_module) CARTON_NAME(delete_module) CARTON_NAME(execve) CARTON_NAME(execveat)
    CARTON_NAME(name_to_handle_at) CARTON_NAME(open_by_handle_at) CARTON_NAME(acct) CARTON_NAME(swapon)
    CARTON_NAME(swapoff) CARTON_NAME(reboot) CARTON_NAME(sethostname) CARTON_NAME(setdomainname)
    CARTON_NAME(settimeofday) CARTON_NAME(clock_settime) CARTON_NAME(clock_adjtime) CARTON_NAME(adjtimex)
    CARTON_NAME(syslog) CARTON_NAME(quotactl) CARTON_NAME(fanotify_init) CARTON_NAME(memfd_secret)
    CARTON_NAME(pidfd_send_signal) CARTON_NAME(tkill) CARTON_NAME(kill) CARTON_NAME(tgkill)
    CARTON_NAME(rt_sigqueueinfo) CARTON_NAME(rt_tgsigqueueinfo) CARTON_NAME(clone) CARTON_NAME(clone3)
    CARTON_NAME(memfd_create) CARTON_NAME(openat) CARTON_NAME(openat2) CARTON_NAME(pidfd_open)
    CARTON_NAME(shmget) CARTON_NAME(shmat) CARTON_NAME(shmctl) CARTON_NAME(msgget) CARTON_NAME(msgsnd)
    CARTON_NAME(msgrcv) CARTON_NAME(msgctl) CARTON_NAME(semget) CARTON_NAME(semop) CARTON_NAME(semtimedop)
    CARTON_NAME(semctl) CARTON_NAME(mq_open) CARTON_NAME(mq_unlink) CARTON_NAME(mq_timedsend)
    CARTON_NAME(mq_timedreceive) CARTON_NAME(mq_notify) CARTON_NAME(mq_getsetattr) CARTON_NAME(prlimit64)
    CARTON_NAME(sched_setaffinity) CARTON_NAME(sched_setscheduler) CARTON_NAME(sched_setparam)
    CARTON_NAME(sched_setattr) CARTON_NAME(migrate_pages) CARTON_NAME(move_pages) CARTON_NAME(get_robust_list)
    CARTON_NAME(setpriority) CARTON_NAME(ioprio_set)
#if defined(__x86_64__)
    CARTON_NAME(iopl) CARTON_NAME(ioperm) CARTON_NAME(modify_ldt) CARTON_NAME(uselib) CARTON_NAME(vhangup)
    CARTON_NAME(fork) CARTON_NAME(vfork) CARTON_NAME(open) CARTON_NAME(creat)
#endif
#undef CARTON_NAME
    default:
      return "an unlisted syscall";
  }
}

}  // namespace carton::sandbox
