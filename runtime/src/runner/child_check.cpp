#include "carton/runner/child_check.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "carton/runtime/unique_fd.hpp"
#include "sandbox/confine.hpp"

extern char** environ;

namespace carton::runner {

namespace {

// The child's fd for write_child_result().
constexpr int kResultFd = 3;
// Where close_on_exec_from() stops without close_range(): the soft RLIMIT_NOFILE most
// processes run with.
constexpr int kFallbackFdLimit = 1024;

// How often the parent looks whether the child has exited: a Load waits at most this
// much longer than the check takes.
constexpr std::chrono::milliseconds kPollInterval{2};

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::runtime_error("child check: " + what + ": " + std::strerror(errno));
}

// `fd`, moved above the fds the child's are dup2()ed to (0 to kResultFd) when it is
// one of them: a runner started with stdin closed gets fd 0 from its next open.
runtime::UniqueFd above_child_fds(int fd) {
  runtime::UniqueFd owned(fd);
  if (fd < 0 || fd > kResultFd) return owned;
  return runtime::UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, kResultFd + 1));
}

runtime::UniqueFd new_memfd(const char* name) {
  // Sealed non-executable where the kernel can: the runner's seccomp filter requires it.
  runtime::UniqueFd fd = above_child_fds(::memfd_create(name, sandbox::memfd_flags()));
  if (!fd) fail_errno("memfd_create");
  return fd;
}

// A memfd holding `bytes`, positioned at its start.
runtime::UniqueFd input_memfd(const wire::Bytes& bytes) {
  runtime::UniqueFd fd = new_memfd("carton-child-check");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("writing the model to a memfd");
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) fail_errno("lseek");
  return fd;
}

// Marks every fd from `first` up close-on-exec. Async-signal-safe: the child of a
// multi-threaded fork calls it.
void close_on_exec_from(int first) {
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0u, CLOSE_RANGE_CLOEXEC) == 0) return;
  // Kernels before 5.11: each fd below the usual limit.
  for (int fd = first; fd < kFallbackFdLimit; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// The whole of memfd `fd`, which must hold at most `limit` bytes.
wire::Bytes read_result(int fd, std::size_t limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_errno("fstat of the result memfd");
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > limit) {
    // RLIMIT_FSIZE stops the child first; this guards a kernel that would not.
    throw std::runtime_error("child check: the child's result is " + std::to_string(size) +
                             " bytes, above the limit of " + std::to_string(limit));
  }
  auto buf = std::make_shared<std::vector<std::uint8_t>>(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buf->data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("reading the child's result");
    done += static_cast<std::size_t>(n);
  }
  const std::uint8_t* data = buf->data();
  return wire::Bytes(std::move(buf), data, size);
}

// fork and exec, with `input` as stdin, `output` as stdout, /dev/null as stderr, and
// `result` (when >= 0) as fd kResultFd; RLIMIT_FSIZE `result_limit` (0 without a
// result); before the exec the child enters the Landlock `ruleset` (when >= 0), a
// domain nested in the runner's. Only async-signal-safe calls between fork and exec: the runner is
// multi-threaded. An exec failure comes back through a close-on-exec pipe.
pid_t spawn(const char* binary, char* const argv[], int input, int output, int result, std::size_t result_limit,
            int ruleset) {
  int status[2];
  if (::pipe2(status, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(status[0]);
    ::close(status[1]);
    errno = err;
    return -1;
  }
  if (pid == 0) {
    int err = 0;
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (::dup2(input, 0) < 0 || ::dup2(output, 1) < 0 || null < 0 || ::dup2(null, 2) < 0) err = errno;
    if (!err && result >= 0 && ::dup2(result, kResultFd) < 0) err = errno;
    // The child's files: the result at most, or nothing. Its stdin memfd is writable
    // too, and a child growing it would take the runner's memory (tmpfs pages count
    // against the runner's cgroup) until the deadline.
    const rlim_t file_bytes = result >= 0 ? result_limit : 0;
    const rlimit fsize{file_bytes, file_bytes};
    if (!err && ::setrlimit(RLIMIT_FSIZE, &fsize) != 0) err = errno;
    // Nothing else crosses the exec: an fd the runner left inheritable (or one its own
    // parent passed it) is not the model's to use. Close-on-exec rather than closed, so
    // the status pipe still reports a failed exec.
    if (!err) close_on_exec_from(result >= 0 ? kResultFd + 1 : kResultFd);
    // No new privileges is already set: the runner set it before its own exec.
    if (!err && ruleset >= 0 && ::syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) err = errno;
    if (!err) {
      ::execve(binary, argv, environ);
      err = errno;
    }
    [[maybe_unused]] const ssize_t n = ::write(status[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(status[1]);
  int err = 0;
  ssize_t n;
  while ((n = ::read(status[0], &err, sizeof err)) < 0 && errno == EINTR) {
  }
  ::close(status[0]);
  if (n == sizeof err) {
    ::waitpid(pid, nullptr, 0);
    errno = err;
    return -1;
  }
  return pid;
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
                          std::chrono::milliseconds deadline, std::size_t result_limit) {
  runtime::UniqueFd in = input_memfd(input);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) fail_errno("pipe2");
  const runtime::UniqueFd out_read(out[0]);
  runtime::UniqueFd out_write = above_child_fds(out[1]);
  // Only the parent's end is non-blocking: it reads what is there once the child exited.
  if (!out_write || ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK) != 0) fail_errno("the child's stdout pipe");
  const runtime::UniqueFd result = result_limit > 0 ? new_memfd("carton-child-result") : runtime::UniqueFd();
  char* argv[] = {const_cast<char*>(binary.c_str()), const_cast<char*>(flag.c_str()), nullptr};
  const pid_t pid = spawn(binary.c_str(), argv, in.get(), out_write.get(), result.get(), result_limit,
                          sandbox::check_child_ruleset());
  const int spawn_errno = errno;
  in.reset();
  out_write.reset();  // the child's exit then ends the pipe
  if (pid < 0) {
    errno = spawn_errno;
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
      ChildExit timed_out;
      timed_out.how = ChildExit::How::timed_out;
      return timed_out;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  ChildExit exit;
  exit.output = drain(out_read.get());
  if (WIFSIGNALED(status)) {
    exit.how = ChildExit::How::signaled;
    exit.value = WTERMSIG(status);
  } else {
    exit.value = WEXITSTATUS(status);
  }
  if (result && exit.ok()) exit.result = read_result(result.get(), result_limit);
  return exit;
}

bool read_check_in_child(RunnerOptions& options, std::string_view key) {
  const bool asked = options.boolean(key, true);
  const char* env = std::getenv(kChildCheckVariable);
  if (env && std::string_view(env) == "off") return false;
  if (!asked) {
    throw std::invalid_argument("runner option '" + std::string(key) +
                                "' = false is refused: the model's own manifest may not switch off the check that "
                                "guards the runner from it; the operator can, by starting the runner with " +
                                kChildCheckVariable + "=off");
  }
  return true;
}

std::vector<char> read_child_input() {
  // Stricter than the runner it came from, before the first byte of the model.
  sandbox::confine_check_child();
  std::vector<char> out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.insert(out.end(), buf, buf + n);
  }
}

bool write_child_result(const void* data, std::size_t size) {
  // Not a parent's fd 3 by accident: the parent's memfd is the only one a child gets.
  struct stat st {};
  if (::fstat(kResultFd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(kResultFd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace carton::runner
