#include "core_bootstrap.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "carton/runtime/bootstrap.hpp"

namespace carton::mock {
namespace {

// Read, not set-and-restored: umask() is process-wide and other threads may be
// creating files.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

}  // namespace

std::string make_bootstrap_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / ".tmpXXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  ::chmod(tmpl.c_str(), 0777 & ~current_umask());
  return tmpl;
}

void send_channel_split(int sock, std::uint64_t id, int fd) {
  std::uint8_t bytes[8];
  std::memcpy(bytes, &id, 8);
  iovec iov{bytes, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1) throw std::runtime_error("bootstrap sendmsg failed");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the runner see them apart
  if (send(sock, bytes + 1, 7, MSG_NOSIGNAL) != 7) throw std::runtime_error("bootstrap send failed");
}

std::pair<runtime::UniqueFd, runtime::UniqueFd> carton_socketpair() {
  auto pair = runtime::make_socketpair();
  const int runner_end = pair.second.get();
  ::fcntl(runner_end, F_SETFL, ::fcntl(runner_end, F_GETFL) | O_NONBLOCK);
  return pair;
}

runtime::UniqueFd accept_runner(int listener, RunnerProcess& runner, std::chrono::milliseconds timeout) {
  constexpr std::chrono::milliseconds kSlice{50};  // how often the runner's exit is checked
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      return runtime::accept_unix(listener, kSlice);
    } catch (const runtime::BootstrapError&) {
      if (auto status = runner.poll_exit()) {
        throw std::runtime_error("the runner " + runner.describe_exit(*status) +
                                 " before connecting to the bootstrap socket");
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        throw std::runtime_error("the runner did not connect to the bootstrap socket within " +
                                 std::to_string(timeout.count()) + " ms");
      }
    }
  }
}

}  // namespace carton::mock
