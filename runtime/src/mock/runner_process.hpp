// RunnerProcess: the runner as carton's core starts it (runner.rs, `Runner::new`):
// `RUNNER --uds-path PATH`, the inherited environment plus CUDA_VISIBLE_DEVICES, stdin
// and cwd inherited, signal dispositions and mask reset as Rust's Command resets them.
//
// One difference, on purpose: carton lets the runner inherit its stderr; here stderr is
// a pipe drained continuously by a thread, which forwards every byte to our stderr and
// keeps the last kStderrTailBytes, so a runner that dies during start-up is reported at
// once with its exit status and the tail of what it printed. A drained pipe never
// blocks the runner; what it can see is only that fd 2 is a pipe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace carton::mock {

// Enough to hold a panic message with its location and a short backtrace note.
inline constexpr std::size_t kStderrTailBytes = 4096;
// What of it goes into a one-line report: a Rust panic's location and message.
inline constexpr std::size_t kStderrReportBytes = 600;

class RunnerProcess {
 public:
  RunnerProcess(const std::string& path, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& environment);
  ~RunnerProcess();  // SIGKILLs and reaps the runner if it is still running
  RunnerProcess(const RunnerProcess&) = delete;
  RunnerProcess& operator=(const RunnerProcess&) = delete;

  pid_t pid() const;
  // The wait status if the runner has exited (reaping it), without blocking.
  std::optional<int> poll_exit();
  // Waits up to `timeout` for the exit; the wait status, or -1 after a SIGKILL.
  int wait_or_kill(std::chrono::milliseconds timeout);
  // The last kStderrTailBytes the runner wrote to stderr.
  std::string stderr_tail() const;
  // "exited with status 3" / "was killed by signal 6 (Aborted)", then the end of the
  // stderr tail, on one line.
  std::string describe_exit(int status) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace carton::mock
