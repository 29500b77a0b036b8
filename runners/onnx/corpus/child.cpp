#include "child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace carton::onnx_corpus {

namespace {

// What the report keeps of a crashed child's stderr: enough for OpenCV's message.
constexpr std::size_t kStderrTail = 600;

struct Running {
  std::size_t index;
  pid_t pid;
  int out_fd, err_fd;
  std::string out, err;
  std::chrono::steady_clock::time_point deadline;
};

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

Running start(std::size_t index, const ChildJob& job, std::chrono::seconds deadline) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> argv;
  for (const auto& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  if (rc != 0) throw std::runtime_error("cannot start " + job.argv[0] + ": " + std::strerror(rc));
  return {index, pid, out[0], err[0], {}, {}, std::chrono::steady_clock::now() + deadline};
}

Outcome finish(Running& r, int status, bool timed_out, std::chrono::seconds deadline) {
  // A runner the child started may outlive it: it is in the child's process group.
  kill(-r.pid, SIGKILL);
  close(r.out_fd);
  close(r.err_fd);
  const std::string tail = r.err.size() > kStderrTail ? r.err.substr(r.err.size() - kStderrTail) : r.err;
  if (timed_out) return {Verdict::kHang, "no answer within " + std::to_string(deadline.count()) + " s"};
  if (WIFSIGNALED(status)) {
    return {Verdict::kCrash, std::string("killed by ") + strsignal(WTERMSIG(status)) + "; stderr: " + one_line(tail)};
  }
  const auto nl = r.out.find('\n');
  if (nl == std::string::npos) {
    return {Verdict::kCrash, "exited with status " + std::to_string(WEXITSTATUS(status)) +
                                 " without a verdict; stderr: " + one_line(tail)};
  }
  return parse_outcome_line(r.out.substr(0, nl));
}

// Appends what can be read now (the pipes are non-blocking: a runner the child
// started may hold their write ends after the child is gone).
void drain(int fd, std::string& into) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kPassed: return "passed";
    case Verdict::kRefused: return "refused";
    case Verdict::kInferError: return "infer-error";
    case Verdict::kWrong: return "wrong";
    case Verdict::kCrash: return "crash";
    case Verdict::kHang: return "hang";
    case Verdict::kToolError: return "tool-error";
  }
  return "?";
}

std::string outcome_line(const Outcome& o) { return std::string(verdict_name(o.verdict)) + "\t" + one_line(o.detail); }

Outcome parse_outcome_line(const std::string& line) {
  const auto tab = line.find('\t');
  const std::string name = line.substr(0, tab);
  for (int i = 0; i < kVerdicts; ++i) {
    if (name == verdict_name(static_cast<Verdict>(i))) {
      return {static_cast<Verdict>(i), tab == std::string::npos ? "" : line.substr(tab + 1)};
    }
  }
  return {Verdict::kToolError, "unreadable child output: " + line};
}

std::vector<Outcome> run_children(const std::vector<ChildJob>& children, int jobs, std::chrono::seconds deadline,
                                  void (*progress)(const ChildJob&, const Outcome&)) {
  std::vector<Outcome> outcomes(children.size(), Outcome{Verdict::kToolError, "not run"});
  std::vector<Running> running;
  std::size_t next = 0;
  while (next < children.size() || !running.empty()) {
    while (next < children.size() && static_cast<int>(running.size()) < jobs) {
      running.push_back(start(next, children[next], deadline));
      ++next;
    }
    std::vector<pollfd> fds;
    for (const auto& r : running) {
      fds.push_back({r.out_fd, POLLIN, 0});
      fds.push_back({r.err_fd, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), 100);
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = running.size(); i-- > 0;) {
      auto& r = running[i];
      drain(r.out_fd, r.out);
      drain(r.err_fd, r.err);
      int status = 0;
      const bool exited = waitpid(r.pid, &status, WNOHANG) == r.pid;
      const bool late = !exited && now > r.deadline;
      if (!exited && !late) continue;
      if (late) {
        kill(-r.pid, SIGKILL);
        waitpid(r.pid, &status, 0);
      }
      drain(r.out_fd, r.out);
      drain(r.err_fd, r.err);
      outcomes[r.index] = finish(r, status, late, deadline);
      if (progress) progress(children[r.index], outcomes[r.index]);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  return outcomes;
}

}  // namespace carton::onnx_corpus
