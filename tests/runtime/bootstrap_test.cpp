#include "carton/runtime/bootstrap.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace carton::runtime;
using namespace std::chrono_literals;

namespace {

std::array<std::uint8_t, 8> id_bytes(std::uint64_t id) {
  std::array<std::uint8_t, 8> b{};
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(id >> (8 * i));
  return b;
}

// One sendmsg of `n` data bytes with `fds` attached (none if empty).
void raw_send(int sock, const std::uint8_t* data, std::size_t n, std::vector<int> fds = {}) {
  iovec iov{const_cast<std::uint8_t*>(data), n};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.assign(CMSG_SPACE(fds.size() * sizeof(int)), 0);
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  }
  BOOST_REQUIRE_EQUAL(::sendmsg(sock, &msg, MSG_NOSIGNAL), static_cast<ssize_t>(n));
}

// Waits until the receiver has taken every queued byte, so the next send cannot be
// merged into the same receive.
void wait_drained(int receiver) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    int queued = -1;
    BOOST_REQUIRE_EQUAL(::ioctl(receiver, FIONREAD, &queued), 0);
    if (queued == 0) return;
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "receiver never read");
    std::this_thread::sleep_for(1ms);
  }
}

// True when the other end of `peer` has no open copy left: a read sees EOF.
bool peer_closed(int peer) {
  pollfd p{peer, POLLIN, 0};
  if (::poll(&p, 1, 30000) != 1) return false;
  char c;
  return ::read(peer, &c, 1) == 0;
}

// Checks that `got` is the end whose partner is `partner`, by sending a byte through.
void check_connected(const UniqueFd& got, const UniqueFd& partner, char tag) {
  BOOST_REQUIRE(got.valid());
  BOOST_TEST((::fcntl(got.get(), F_GETFD) & FD_CLOEXEC) != 0);
  BOOST_REQUIRE_EQUAL(::write(partner.get(), &tag, 1), 1);
  char c = 0;
  BOOST_REQUIRE_EQUAL(::read(got.get(), &c, 1), 1);
  BOOST_TEST(c == tag);
}

std::string error_of(int fd, std::chrono::milliseconds timeout = 10s) {
  try {
    receive_channels(fd, timeout);
  } catch (const BootstrapError& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct Fixture {
  std::pair<UniqueFd, UniqueFd> boot = make_socketpair();  // first: core, second: runner
  std::pair<UniqueFd, UniqueFd> rpc = make_socketpair();   // core keeps first, sends second
  std::pair<UniqueFd, UniqueFd> fs = make_socketpair();
  int core() const { return boot.first.get(); }
  int runner() const { return boot.second.get(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(bootstrap, Fixture)

BOOST_AUTO_TEST_CASE(receives_both_channels) {
  send_channel(core(), 0, rpc.second.get());
  send_channel(core(), 1, fs.second.get());
  Channels ch = receive_channels(runner(), 10s);
  check_connected(ch.rpc, rpc.first, 'r');
  check_connected(ch.filesystem, fs.first, 'f');
}

BOOST_AUTO_TEST_CASE(reversed_order) {
  send_channel(core(), 1, fs.second.get());
  send_channel(core(), 0, rpc.second.get());
  Channels ch = receive_channels(runner(), 10s);
  check_connected(ch.rpc, rpc.first, 'r');
  check_connected(ch.filesystem, fs.first, 'f');
}

BOOST_AUTO_TEST_CASE(id_bytes_and_fds_split_across_receives) {
  Channels ch;
  std::thread receiver([&] { ch = receive_channels(runner(), 30s); });
  auto id1 = id_bytes(1);
  auto id0 = id_bytes(0);
  // Channel 1: one id byte alone, then the rest with the fd (the fd after its first byte).
  raw_send(core(), id1.data(), 1);
  wait_drained(runner());
  raw_send(core(), id1.data() + 1, 7, {fs.second.get()});
  wait_drained(runner());
  // Channel 0: the fd with the first 5 bytes, then 2 bytes, then the last byte.
  raw_send(core(), id0.data(), 5, {rpc.second.get()});
  wait_drained(runner());
  raw_send(core(), id0.data() + 5, 2);
  wait_drained(runner());
  raw_send(core(), id0.data() + 7, 1);
  receiver.join();
  check_connected(ch.rpc, rpc.first, 'r');
  check_connected(ch.filesystem, fs.first, 'f');
}

BOOST_AUTO_TEST_CASE(two_fds_in_one_message_truncate_and_close_everything) {
  auto id0 = id_bytes(0);
  raw_send(core(), id0.data(), 8, {rpc.second.get(), fs.second.get()});
  rpc.second.reset();  // now only the copies in flight keep these ends open
  fs.second.reset();
  std::string e = error_of(runner());
  BOOST_TEST(contains(e, "control data truncated"), e);
  BOOST_TEST(peer_closed(rpc.first.get()));
  BOOST_TEST(peer_closed(fs.first.get()));
}

BOOST_AUTO_TEST_CASE(one_fd_per_piece_is_two_fds_for_one_id) {
  auto id0 = id_bytes(0);
  std::string e;
  std::thread receiver([&] { e = error_of(runner(), 30s); });
  raw_send(core(), id0.data(), 4, {rpc.second.get()});
  wait_drained(runner());
  raw_send(core(), id0.data() + 4, 4, {fs.second.get()});
  rpc.second.reset();
  fs.second.reset();
  receiver.join();
  BOOST_TEST(e == "bootstrap: channel Rpc (0) came with 2 fds instead of 1");
  BOOST_TEST(peer_closed(rpc.first.get()));
  BOOST_TEST(peer_closed(fs.first.get()));
}

BOOST_AUTO_TEST_CASE(id_without_fd) {
  auto id0 = id_bytes(0);
  raw_send(core(), id0.data(), 8);
  BOOST_TEST(error_of(runner()) == "bootstrap: channel Rpc (0) came with 0 fds instead of 1");
}

BOOST_AUTO_TEST_CASE(channel_2_is_unexpected) {
  send_channel(core(), 2, rpc.second.get());
  rpc.second.reset();
  std::string e = error_of(runner());
  BOOST_TEST(contains(e, "unexpected channel 2"), e);
  BOOST_TEST(peer_closed(rpc.first.get()));
}

BOOST_AUTO_TEST_CASE(unknown_channel) {
  send_channel(core(), 7, rpc.second.get());
  BOOST_TEST(error_of(runner()) == "bootstrap: unknown channel id 7");
}

BOOST_AUTO_TEST_CASE(duplicate_channel) {
  send_channel(core(), 0, rpc.second.get());
  send_channel(core(), 0, fs.second.get());
  rpc.second.reset();
  fs.second.reset();
  BOOST_TEST(error_of(runner()) == "bootstrap: duplicate channel Rpc (0)");
  BOOST_TEST(peer_closed(rpc.first.get()));  // the first, accepted fd is closed too
  BOOST_TEST(peer_closed(fs.first.get()));
}

BOOST_AUTO_TEST_CASE(missing_channel_times_out_naming_it) {
  send_channel(core(), 0, rpc.second.get());
  rpc.second.reset();
  std::string e = error_of(runner(), 200ms);
  BOOST_TEST(e == "bootstrap: timed out after 200 ms waiting for channel(s) FileSystem (1)");
  BOOST_TEST(peer_closed(rpc.first.get()));
}

BOOST_AUTO_TEST_CASE(nothing_sent_times_out_naming_both) {
  BOOST_TEST(error_of(runner(), 50ms) ==
             "bootstrap: timed out after 50 ms waiting for channel(s) Rpc (0), FileSystem (1)");
}

BOOST_AUTO_TEST_CASE(zero_timeout_still_takes_queued_channels) {
  send_channel(core(), 0, rpc.second.get());
  send_channel(core(), 1, fs.second.get());
  Channels ch = receive_channels(runner(), 0ms);
  check_connected(ch.rpc, rpc.first, 'r');
  check_connected(ch.filesystem, fs.first, 'f');
}

BOOST_AUTO_TEST_CASE(eof_before_all_channels) {
  send_channel(core(), 1, fs.second.get());
  auto id0 = id_bytes(0);
  raw_send(core(), id0.data(), 3);
  boot.first.reset();
  BOOST_TEST(error_of(runner()) ==
             "bootstrap: socket closed (after 3 of 8 bytes of a channel id) before channel(s) "
             "Rpc (0) arrived");
}

BOOST_AUTO_TEST_CASE(over_a_bound_path) {
  char dir_template[] = "/tmp/carton-bootstrap-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/sock";
  {
    UniqueFd listener = listen_unix(path);
    UniqueFd runner_end = connect_unix(path);
    UniqueFd core_end = accept_unix(listener.get(), 10s);
    send_channel(core_end.get(), 0, rpc.second.get());
    send_channel(core_end.get(), 1, fs.second.get());
    Channels ch = receive_channels(runner_end.get(), 10s);
    check_connected(ch.rpc, rpc.first, 'r');
    check_connected(ch.filesystem, fs.first, 'f');
  }
  ::unlink(path.c_str());
  ::rmdir(dir_template);
}

BOOST_AUTO_TEST_CASE(path_too_long) {
  BOOST_CHECK_THROW(connect_unix(std::string(200, 'x')), BootstrapError);
}

BOOST_AUTO_TEST_SUITE_END()
