#include "runner_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "carton/runtime/unique_fd.hpp"

extern char** environ;

namespace carton::mock {
namespace {

// How often the drain thread looks at its stop flag while the pipe is quiet.
constexpr int kDrainPollMs = 50;

std::map<std::string, std::string> inherited_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) env[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
  }
  return env;
}

}  // namespace

struct RunnerProcess::Impl {
  pid_t pid = -1;
  bool reaped = false;
  int status = 0;
  runtime::UniqueFd stderr_read;
  std::thread drain;
  std::atomic<bool> stop{false};
  mutable std::mutex mu;
  std::string tail;

  void drain_loop() {
    char buf[4096];
    // Until every writer is gone, or the owner stops it (a child of the runner may keep
    // the pipe, and write to it, long after the runner is reaped).
    while (!stop) {
      pollfd p{stderr_read.get(), POLLIN, 0};
      const int r = ::poll(&p, 1, kDrainPollMs);
      if (r <= 0) continue;
      const ssize_t n = ::read(stderr_read.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      (void)!::write(STDERR_FILENO, buf, static_cast<std::size_t>(n));
      std::lock_guard<std::mutex> lock(mu);
      tail.append(buf, static_cast<std::size_t>(n));
      if (tail.size() > kStderrTailBytes) tail.erase(0, tail.size() - kStderrTailBytes);
    }
  }
};

RunnerProcess::RunnerProcess(const std::string& path, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& environment)
    : impl_(std::make_unique<Impl>()) {
  std::vector<std::string> argv_strings = {path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env = inherited_environment();
  for (const auto& kv : environment) env[kv.first] = kv.second;
  std::vector<std::string> env_strings;
  for (const auto& kv : env) env_strings.push_back(kv.first + "=" + kv.second);
  std::vector<char*> argv, envp;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  impl_->stderr_read = runtime::UniqueFd(pipe_fds[0]);
  runtime::UniqueFd stderr_write(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stderr_write.get(), STDERR_FILENO);
  // Rust's Command (carton's spawner) gives the child an empty signal mask and SIGPIPE
  // at its default, whatever the parent ignores or blocks.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int rc = posix_spawn(&impl_->pid, path.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + path + ": " + std::strerror(rc));
  Impl* p = impl_.get();
  impl_->drain = std::thread([p] { p->drain_loop(); });
}

RunnerProcess::~RunnerProcess() {
  if (!impl_->reaped) wait_or_kill(std::chrono::milliseconds(0));
  impl_->stop = true;
  impl_->drain.join();
}

pid_t RunnerProcess::pid() const { return impl_->pid; }

std::optional<int> RunnerProcess::poll_exit() {
  auto& m = *impl_;
  if (m.reaped) return m.status;
  if (::waitpid(m.pid, &m.status, WNOHANG) != m.pid) return std::nullopt;
  m.reaped = true;
  // Let the drain thread take what the runner wrote just before it died.
  std::this_thread::sleep_for(std::chrono::milliseconds(kDrainPollMs));
  return m.status;
}

int RunnerProcess::wait_or_kill(std::chrono::milliseconds timeout) {
  auto& m = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto s = poll_exit()) return *s;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(m.pid, SIGKILL);
  ::waitpid(m.pid, &m.status, 0);
  m.reaped = true;
  m.status = -1;
  return -1;
}

std::string RunnerProcess::stderr_tail() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->tail;
}

std::string RunnerProcess::describe_exit(int status) const {
  std::string s;
  if (status == -1) {
    s = "was killed (SIGKILL) after not exiting in time";
  } else if (WIFSIGNALED(status)) {
    s = "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  } else {
    s = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  // On one line, so it fits a report that prints one line per case.
  std::string tail;
  for (const char c : stderr_tail()) {
    if (c == '\n') {
      if (!tail.empty() && tail.back() != ' ') tail += " / ";
    } else if (c != '\r') {
      tail += c;
    }
  }
  while (!tail.empty() && (tail.back() == ' ' || tail.back() == '/')) tail.pop_back();
  if (tail.size() > kStderrReportBytes) tail = "..." + tail.substr(tail.size() - kStderrReportBytes);
  return s + (tail.empty() ? "; it wrote nothing to stderr" : "; the end of its stderr: " + tail);
}

}  // namespace carton::mock
