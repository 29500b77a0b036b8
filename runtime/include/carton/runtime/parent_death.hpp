// Parent death: a runner must not outlive the core that started it.
//
// On Linux the kernel does it: PR_SET_PDEATHSIG(SIGKILL). Two gaps remain, and both are
// closed here. (1) The parent may have died before prctl ran; then we were already
// re-parented, so getppid() is compared with the parent pid recorded at start. Not with
// 1: a subreaper (systemd --user, a container init) may adopt us with another pid.
// (2) prctl may fail (or not exist); then that is reported once through `warn` and a
// thread polls getppid() once a second instead, as upstream carton does.
//
// Caveat: the death signal fires when the parent *thread* that forked us exits. That is
// the kernel's rule and upstream carton's behaviour too.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace carton::runtime {

// getppid() as captured during static initialisation of this library, i.e. before main()
// in a freshly exec'd runner. After fork() it is the grandparent: pass the pid instead.
pid_t initial_parent_pid();

struct ParentWatchOptions {
  pid_t parent_pid = 0;  // 0: initial_parent_pid()
  std::chrono::milliseconds poll_interval{1000};
  // Reports the prctl failure (once). Default: one line on stderr.
  std::function<void(const std::string& message)> warn;
  // Runs when the parent is gone: synchronously from watch_parent() if it already is,
  // else on the polling thread. Default: _exit(0), as a runner exits 0 when the core goes.
  std::function<void()> on_parent_gone;
  // Sets the death signal; returns 0 or -1 with errno. Default: prctl(PR_SET_PDEATHSIG).
  // Tests inject a failing one to exercise the polling fallback.
  std::function<int(int signal)> set_death_signal;
};

// Call once, early. The polling thread (fallback only) is detached and lives until the
// parent is gone.
void watch_parent(ParentWatchOptions options = {});

}  // namespace carton::runtime
