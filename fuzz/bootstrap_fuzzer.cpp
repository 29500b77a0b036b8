// The runner's bootstrap receiver (receive_channels) given arbitrary bytes and fd counts
// on its socket.
//
// Input: a list of sendmsg calls, each 2 header bytes then data: byte A = number of fds
// to attach (A % 4: 0..3 duplicates of /dev/null, in one SCM_RIGHTS message) and whether
// the fds go in one control message or one each (bit 2); byte B = data length (the
// next B bytes, fewer at the end of the input). A call with fds but no data sends one
// byte 0xff so the fds travel. After the list the sender's end is closed.
// Finds: crashes and sanitizer reports; a receiver that returns channels other than the
// rpc and filesystem fds it was sent (checked by fstat: each must be a /dev/null dup);
// a file descriptor still open after the receiver returned or threw and its result
// was dropped (every received fd must be owned and closed); a receiver that hangs (it
// would hit the 1 s timeout and libFuzzer's -timeout).
// Ignores: the BootstrapError text; sends the kernel refuses (too many fds at once), and
// every call after the first that would block (the socket buffer is full).
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "carton/runtime/bootstrap.hpp"
#include "fuzz_support.hpp"

using namespace carton;

namespace {

constexpr std::size_t kMaxFdsPerCall = 3;
constexpr std::chrono::milliseconds kReceiveTimeout{1000};

bool is_dev_null(int fd) {
  struct stat a {}, b {};
  return ::fstat(fd, &a) == 0 && ::stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode);
}

bool send_call(int fd, const std::uint8_t* data, std::size_t n, std::size_t fds, bool separate) {
  std::vector<int> dups;
  for (std::size_t i = 0; i < fds; ++i) dups.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const std::uint8_t filler = 0xff;
  iovec iov{const_cast<std::uint8_t*>(n ? data : &filler), n ? n : (fds ? 1u : 0u)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerCall) * kMaxFdsPerCall] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fds) {
    msg.msg_control = control;
    msg.msg_controllen = separate ? CMSG_SPACE(sizeof(int)) * fds : CMSG_SPACE(sizeof(int) * fds);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    for (std::size_t i = 0; i < fds && c; ++i) {
      const std::size_t in_this = separate ? 1 : fds;
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * in_this);
      std::memcpy(CMSG_DATA(c), dups.data() + i, sizeof(int) * in_this);
      if (!separate) break;
      c = CMSG_NXTHDR(&msg, c);
    }
  }
  // Non-blocking: the receiver only reads once everything is sent, so a blocking send
  // would wait forever once the socket buffer is full (each small message with fds
  // costs far more buffer than its bytes).
  const bool sent = iov.iov_len == 0 || ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
  for (int d : dups) ::close(d);
  return sent;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Sockets and /dev/null dups: what this target creates and passes.
  const auto ours = [] { return fuzz::count_fds("socket:") + fuzz::count_fds("/dev/null"); };
  static const int baseline = ours();
  {
    auto [runner_end, core_end] = runtime::make_socketpair();
    for (std::size_t pos = 0; pos + 2 <= size;) {
      const std::size_t fds = data[pos] % 4;
      const bool separate = data[pos] & 4;
      const std::size_t n = std::min<std::size_t>(data[pos + 1], size - pos - 2);
      if (!send_call(core_end.get(), data + pos + 2, n, fds, separate)) break;
      pos += 2 + n;
    }
    core_end.reset();
    try {
      auto channels = runtime::receive_channels(runner_end.get(), kReceiveTimeout);
      if (!is_dev_null(channels.rpc.get()) || !is_dev_null(channels.filesystem.get())) {
        fuzz::finding("received channels that are not the fds sent");
      }
    } catch (const runtime::BootstrapError&) {
    }
  }
  if (ours() != baseline) fuzz::finding("a file descriptor leaked");
  return 0;
}
