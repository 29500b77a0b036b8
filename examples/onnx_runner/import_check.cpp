#include "import_check.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "model_check.hpp"

extern char** environ;

namespace carton::examples::onnx {

namespace {

// How often the parent looks whether the child has exited: a Load waits at most this
// much longer than the check takes.
constexpr std::chrono::milliseconds kPollInterval{2};
// The check's forward() is skipped when the declared inputs hold more elements than
// this (1 GiB of float32), so that a model declaring huge inputs is not refused for
// what its zeros would cost: then only the import is checked.
constexpr std::uint64_t kCheckForwardMaxElements = std::uint64_t(1) << 28;

[[noreturn]] void fail_errno(const std::string& what) {
  throw ModelError("import check: " + what + ": " + std::strerror(errno));
}

int model_memfd(const wire::Bytes& bytes) {
  const int fd = ::memfd_create("model.onnx", MFD_CLOEXEC);
  if (fd < 0) fail_errno("memfd_create");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
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

std::vector<char> read_all(int fd) {
  std::vector<char> out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.insert(out.end(), buf, buf + n);
  }
}

}  // namespace

void check_import_in_child(const wire::Bytes& bytes, const std::string& file, const std::string& binary,
                           std::chrono::seconds deadline) {
  const int fd = model_memfd(bytes);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd, 0);  // dup2 clears close-on-exec on fd 0
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>(kImportCheckFlag), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fd);
  if (rc != 0) {
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
      throw ModelError("OpenCV " CV_VERSION " did not finish importing " + file + " and running it once within " +
                       std::to_string(deadline.count()) + " s (in a child process, which was killed); the model " +
                       "is refused");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (WIFSIGNALED(status)) {
    throw ModelError("OpenCV " CV_VERSION " crashed (" + std::string(strsignal(WTERMSIG(status))) + ") importing " +
                     file + " or running it once on zeros, in a child process; the model is refused " +
                     "(it is damaged, or uses what OpenCV's importer mishandles)");
  }
  if (WEXITSTATUS(status) != 0) {
    throw ModelError("the import check of " + file + " exited with status " + std::to_string(WEXITSTATUS(status)));
  }
}

int run_import_check() {
  const std::vector<char> model = read_all(0);
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(model.data(), model.size());
  } catch (const cv::Exception&) {
    return 0;  // a refusal, not a crash: the runner's own import reports it
  }
  if (net.empty()) return 0;
  try {
    const ModelInfo info = check_model(wire::Bytes::copy_of(model.data(), model.size()), "model");
    std::uint64_t total = 0;
    for (const auto& in : info.inputs) {
      std::uint64_t n = 1;
      for (const auto& d : in.dims) n *= d ? static_cast<std::uint64_t>(*d) : 1;
      total += n;
      if (n > kCheckForwardMaxElements || total > kCheckForwardMaxElements) return 0;
    }
    for (const auto& in : info.inputs) {
      std::vector<int> sizes;
      for (const auto& d : in.dims) sizes.push_back(d ? static_cast<int>(*d) : 1);
      if (sizes.empty()) sizes.push_back(1);
      if (sizes.size() == 1) sizes.push_back(1);
      net.setInput(cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F, cv::Scalar(0)), in.name);
    }
    std::vector<cv::Mat> outs;
    std::vector<std::string> names;
    for (const auto& o : info.outputs) names.push_back(o.name);
    net.forward(outs, names);
  } catch (const std::exception&) {
    // Zeros at the declared shapes may not suit the model (an index input, a shape
    // OpenCV wants otherwise); only a crash matters here.
  }
  return 0;
}

}  // namespace carton::examples::onnx
