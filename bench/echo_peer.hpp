// The physical floor of a round trip on this machine: a forked child that echoes
// length-prefixed frames over a socketpair, and the blocking socket helpers it and the
// benchmarks' direct clients use. runner_bench and onnx_bench compare runners with it.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "carton/runtime/frame_header.hpp"

namespace carton::bench {

// --- blocking socket helpers ---------------------------------------------------------

inline void write_all(int fd, iovec* iov, int count) {
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("sendmsg: ") + std::strerror(errno));
    }
    while (count > 0 && static_cast<std::size_t>(n) >= iov->iov_len) {
      n -= static_cast<ssize_t>(iov->iov_len);
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + n;
      iov->iov_len -= static_cast<std::size_t>(n);
    }
  }
}

// False on EOF before the first byte; throws on EOF inside.
inline bool read_exact(int fd, void* p, std::size_t n) {
  auto* b = static_cast<std::uint8_t*>(p);
  std::size_t have = 0;
  while (have < n) {
    const ssize_t r = ::read(fd, b + have, n - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0 && have == 0) return false;
      throw std::runtime_error("read: short or failed");
    }
    have += static_cast<std::size_t>(r);
  }
  return true;
}

// --- the limit: a forked child echoing length-prefixed frames over a socketpair ------

class EchoPeer {
 public:
  EchoPeer() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::close(fds[0]);
      serve(fds[1]);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~EchoPeer() {
    ::close(fd_);
    ::waitpid(pid_, nullptr, 0);
  }
  EchoPeer(const EchoPeer&) = delete;
  EchoPeer& operator=(const EchoPeer&) = delete;

  pid_t pid() const { return pid_; }

  // Sends `n` bytes from `out` as one frame and reads the echo into `in` (n bytes).
  void round_trip(const std::uint8_t* out, std::size_t n, std::uint8_t* in) {
    auto header = runtime::encode_frame_header(n);
    iovec iov[2] = {{header.data(), header.size()}, {const_cast<std::uint8_t*>(out), n}};
    write_all(fd_, iov, 2);
    std::uint8_t back[runtime::kFrameHeaderBytes];
    if (!read_exact(fd_, back, sizeof back) || runtime::decode_frame_header(back) != n) {
      throw std::runtime_error("echo peer: bad frame header");
    }
    read_exact(fd_, in, n);
  }

 private:
  // The child: read one frame into a buffer reused across frames, write it back.
  [[noreturn]] static void serve(int fd) {
    std::vector<std::uint8_t> buffer;
    try {
      for (;;) {
        std::uint8_t header[runtime::kFrameHeaderBytes];
        if (!read_exact(fd, header, sizeof header)) break;
        const std::uint64_t n = runtime::decode_frame_header(header);
        if (buffer.size() < n) buffer.resize(n);
        read_exact(fd, buffer.data(), n);
        iovec iov[2] = {{header, sizeof header}, {buffer.data(), n}};
        write_all(fd, iov, 2);
      }
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }

  int fd_ = -1;
  pid_t pid_ = -1;
};

}  // namespace carton::bench
