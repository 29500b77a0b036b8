#include "carton/runner/child_check.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace carton::runner {

namespace {

// How often the parent looks whether the child has exited: a Load waits at most this
// much longer than the check takes.
constexpr std::chrono::milliseconds kPollInterval{2};

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::runtime_error("child check: " + what + ": " + std::strerror(errno));
}

// A memfd holding `bytes`, positioned at its start.
int input_memfd(const wire::Bytes& bytes) {
  const int fd = ::memfd_create("carton-child-check", MFD_CLOEXEC);
  if (fd < 0) fail_errno("memfd_create");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail_errno("writing the model to a memfd");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    fail_errno("lseek");
  }
  return fd;
}

// What the exited child left in the pipe, up to kChildOutputBytes.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  while (out.size() < kChildOutputBytes) {
    const ssize_t n = ::read(fd, buf, std::min(sizeof buf, kChildOutputBytes - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

std::string ChildExit::describe(std::chrono::milliseconds deadline) const {
  switch (how) {
    case How::exited:
      return "exited with status " + std::to_string(value);
    case How::signaled:
      return std::string("was killed by ") + ::strsignal(value);
    case How::timed_out:
      break;
  }
  const auto ms = deadline.count();
  const std::string within = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  return "did not finish within " + within + " (and was killed)";
}

ChildExit run_child_check(const wire::Bytes& input, const std::string& binary, const std::string& flag,
                          std::chrono::milliseconds deadline) {
  const int fd = input_memfd(input);
  int out[2];
  // Only the parent's end is non-blocking: it reads what is there once the child exited.
  if (::pipe2(out, O_CLOEXEC) != 0 || ::fcntl(out[0], F_SETFL, O_NONBLOCK) != 0) {
    ::close(fd);
    fail_errno("pipe2");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, 0);  // dup2 clears close-on-exec on fd 0
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(binary.c_str()), const_cast<char*>(flag.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fd);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    errno = rc;
    fail_errno("cannot start " + binary);
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) fail_errno("waitpid");
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(out[0]);
      return {ChildExit::How::timed_out, 0, {}};
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  ChildExit exit{ChildExit::How::exited, 0, drain(out[0])};
  ::close(out[0]);
  if (WIFSIGNALED(status)) {
    exit.how = ChildExit::How::signaled;
    exit.value = WTERMSIG(status);
  } else {
    exit.value = WEXITSTATUS(status);
  }
  return exit;
}

std::vector<char> read_child_input() {
  std::vector<char> out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.insert(out.end(), buf, buf + n);
  }
}

}  // namespace carton::runner
