#include "carton/runtime/bootstrap.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

namespace carton::runtime {
namespace {

constexpr std::size_t kIdBytes = 8;
constexpr std::uint64_t kChannelCount = 2;  // the channels 0.0.1 sends: Rpc, FileSystem

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

[[noreturn]] void fail(const std::string& what) { throw BootstrapError("bootstrap: " + what); }

std::string missing_channels(const UniqueFd (&got)[kChannelCount]) {
  std::string out;
  for (std::uint64_t id = 0; id < kChannelCount; ++id) {
    if (got[id]) continue;
    if (!out.empty()) out += ", ";
    out += describe_channel(id);
  }
  return out;
}

// Remaining time rounded up to whole milliseconds, so poll never spins with 0.
int poll_timeout_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > INT32_MAX ? INT32_MAX : static_cast<int>(left.count());
}

// Waits for `fd` to become readable. false: the deadline passed. Polls at least once,
// so data already queued is taken even with no time left.
bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int ms = poll_timeout_ms(deadline);
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0 && ms == 0) return false;
    if (r < 0 && errno != EINTR) throw_errno("bootstrap: poll");
  }
}

// One message's id bytes and the fds that came with them. An fd travels with the bytes
// it was sent with, and we never read past the end of one id, so every fd received
// while an id is incomplete belongs to that id.
struct PendingId {
  std::array<std::uint8_t, kIdBytes> bytes{};
  std::size_t have = 0;
  std::vector<UniqueFd> fds;
};

}  // namespace

std::string describe_channel(std::uint64_t id) {
  const char* name = "unknown";
  switch (id) {
    case 0: name = "Rpc"; break;
    case 1: name = "FileSystem"; break;
    case 2: name = "CartonData"; break;
    default: break;
  }
  return std::string(name) + " (" + std::to_string(id) + ")";
}

Channels receive_channels(int bootstrap_fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  UniqueFd got[kChannelCount];
  PendingId pending;

  while (!got[0] || !got[1]) {
    if (!wait_readable(bootstrap_fd, deadline)) {
      fail("timed out after " + std::to_string(timeout.count()) + " ms waiting for channel(s) " +
           missing_channels(got));
    }

    iovec iov{pending.bytes.data() + pending.have, kIdBytes - pending.have};
    // Room for exactly one fd, the most one message may carry. The kernel does not install
    // the surplus of a message with more fds; it reports MSG_CTRUNC. The buffer is sized
    // for alignment, but msg_controllen is CMSG_LEN(one int): CMSG_SPACE rounds up to 8
    // bytes and would silently admit a second fd.
    union {
      cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int))];
    } control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_LEN(sizeof(int));

    ssize_t n = ::recvmsg(bootstrap_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      throw_errno("bootstrap: recvmsg");
    }

    // Own every received fd before judging anything, so each error path closes them.
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        pending.fds.emplace_back(fd);
      }
    }
    if (msg.msg_flags & MSG_CTRUNC) {
      fail("control data truncated: a message carried more than one fd (received fds closed)");
    }
    if (n == 0) {
      if (!pending.fds.empty()) fail("received an fd without channel id bytes");
      std::string partial;
      if (pending.have > 0) {
        partial = " (after " + std::to_string(pending.have) + " of 8 bytes of a channel id)";
      }
      fail("socket closed" + partial + " before channel(s) " + missing_channels(got) + " arrived");
    }

    pending.have += static_cast<std::size_t>(n);
    if (pending.have < kIdBytes) continue;

    std::uint64_t id = 0;
    for (std::size_t i = 0; i < kIdBytes; ++i) id |= std::uint64_t{pending.bytes[i]} << (8 * i);
    if (id == static_cast<std::uint64_t>(ChannelId::kCartonData)) {
      fail("unexpected channel 2 (CartonData is reserved and never sent by carton 0.0.1)");
    }
    if (id >= kChannelCount) fail("unknown channel id " + std::to_string(id));
    if (got[id]) fail("duplicate channel " + describe_channel(id));
    if (pending.fds.size() != 1) {
      fail("channel " + describe_channel(id) + " came with " + std::to_string(pending.fds.size()) +
           " fds instead of 1");
    }
    got[id] = std::move(pending.fds.front());
    pending = PendingId{};
  }
  return Channels{std::move(got[0]), std::move(got[1])};
}

void send_channel(int bootstrap_fd, std::uint64_t id, int fd) {
  std::array<std::uint8_t, kIdBytes> bytes{};
  for (std::size_t i = 0; i < kIdBytes; ++i) bytes[i] = static_cast<std::uint8_t>(id >> (8 * i));

  iovec iov{bytes.data(), bytes.size()};
  union {
    cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control{};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));

  ssize_t n;
  do {
    n = ::sendmsg(bootstrap_fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_errno("send_channel: sendmsg");

  // The fd went with the first byte; any rest of the id follows as plain data.
  std::size_t sent = static_cast<std::size_t>(n);
  while (sent < kIdBytes) {
    ssize_t m = ::send(bootstrap_fd, bytes.data() + sent, kIdBytes - sent, MSG_NOSIGNAL);
    if (m < 0) {
      if (errno == EINTR) continue;
      throw_errno("send_channel: send");
    }
    sent += static_cast<std::size_t>(m);
  }
}

std::pair<UniqueFd, UniqueFd> make_socketpair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

namespace {

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    throw BootstrapError("unix socket path of " + std::to_string(path.size()) +
                         " bytes does not fit sockaddr_un (1 to " +
                         std::to_string(sizeof(addr.sun_path) - 1) + " bytes): " + path);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

UniqueFd unix_stream_socket(int flags = 0) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0));
  if (!fd) throw_errno("socket");
  return fd;
}

}  // namespace

UniqueFd connect_unix(const std::string& path) {
  sockaddr_un addr = unix_address(path);
  UniqueFd fd = unix_stream_socket();
  int r;
  do {
    r = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (r != 0 && errno == EINTR);
  if (r != 0) throw std::system_error(errno, std::generic_category(), "connect to " + path);
  return fd;
}

UniqueFd listen_unix(const std::string& path) {
  sockaddr_un addr = unix_address(path);
  // Non-blocking, so accept_unix cannot block when a connection vanishes after poll.
  UniqueFd fd = unix_stream_socket(SOCK_NONBLOCK);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    throw std::system_error(errno, std::generic_category(), "bind " + path);
  }
  if (::listen(fd.get(), 1) != 0) throw_errno("listen");
  return fd;
}

UniqueFd accept_unix(int listen_fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!wait_readable(listen_fd, deadline)) {
      throw BootstrapError("bootstrap: no connection within " + std::to_string(timeout.count()) +
                           " ms");
    }
    // The accepted socket is blocking (accept4 does not inherit O_NONBLOCK).
    UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (fd) return fd;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
      throw_errno("accept");
    }
  }
}

}  // namespace carton::runtime
