#include "carton/runtime/parent_death.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace carton::runtime {
namespace {

// Captured before main(): the earliest point at which a library can look.
const pid_t g_initial_parent = ::getppid();

int default_set_death_signal(int signal) {
#ifdef __linux__
  return ::prctl(PR_SET_PDEATHSIG, signal);
#else
  (void)signal;
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace

pid_t initial_parent_pid() { return g_initial_parent; }

void watch_parent(ParentWatchOptions options) {
  const pid_t parent = options.parent_pid != 0 ? options.parent_pid : initial_parent_pid();
  std::function<void()> gone = std::move(options.on_parent_gone);
  if (!gone) gone = [] { ::_exit(0); };
  std::function<int(int)> set_signal = std::move(options.set_death_signal);
  if (!set_signal) set_signal = default_set_death_signal;

  if (set_signal(SIGKILL) == 0) {
    // From here the kernel kills us when the parent dies; it may have died already.
    if (::getppid() != parent) gone();
    return;
  }

  const int err = errno;
  std::string message = "carton runner: prctl(PR_SET_PDEATHSIG) failed (" +
                        std::string(std::strerror(err)) + "); polling the parent every " +
                        std::to_string(options.poll_interval.count()) + " ms instead";
  if (options.warn) {
    options.warn(message);
  } else {
    std::fprintf(stderr, "%s\n", message.c_str());
  }

  if (::getppid() != parent) {
    gone();
    return;
  }
  std::thread([parent, interval = options.poll_interval, gone = std::move(gone)] {
    while (::getppid() == parent) std::this_thread::sleep_for(interval);
    gone();
  }).detach();
}

}  // namespace carton::runtime
