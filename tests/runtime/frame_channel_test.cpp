#include "carton/runtime/frame_channel.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/frame_header.hpp"

using namespace carton::runtime;
using carton::wire::Bytes;
using carton::wire::Encoded;
using namespace std::chrono_literals;

namespace {

// Generous bound so a broken test fails instead of hanging; not a speed assertion.
constexpr auto kHangGuard = 120s;

// Runs an io_context on its own thread; on destruction closes the channels it made,
// lets their handlers finish, and joins.
class IoThread {
 public:
  ~IoThread() {
    for (auto& c : channels_) c->close();
    work_.reset();
    thread_.join();
  }
  std::shared_ptr<FrameChannel> channel(UniqueFd fd, std::string name,
                                        std::uint64_t max = carton::wire::kDefaultMaxFrameBytes) {
    auto c = FrameChannel::create(io_, std::move(fd), FrameChannelOptions{max, std::move(name)});
    channels_.push_back(c);
    return c;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_{[this] { io_.run(); }};
  std::vector<std::shared_ptr<FrameChannel>> channels_;
};

// What one channel saw; shared with its callbacks so it outlives any late callback.
struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Bytes> frames;
  int closes = 0;
  std::string reason;

  FrameChannel::FrameHandler frame_handler(std::shared_ptr<Seen> self) {
    return [self](Bytes f) {
      std::lock_guard<std::mutex> lock(self->mu);
      self->frames.push_back(std::move(f));
      self->cv.notify_all();
    };
  }
  FrameChannel::CloseHandler close_handler(std::shared_ptr<Seen> self) {
    return [self](std::string r) {
      std::lock_guard<std::mutex> lock(self->mu);
      ++self->closes;
      self->reason = std::move(r);
      self->cv.notify_all();
    };
  }
  bool wait_frames(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kHangGuard, [&] { return frames.size() >= n; });
  }
  bool wait_closed() {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kHangGuard, [&] { return closes > 0; });
  }
};

std::shared_ptr<Seen> start(const std::shared_ptr<FrameChannel>& c) {
  auto seen = std::make_shared<Seen>();
  c->start(seen->frame_handler(seen), seen->close_handler(seen));
  return seen;
}

// Channels "a" and "b" over one socketpair, both started; what b receives is recorded.
struct StartedPair {
  std::shared_ptr<FrameChannel> a, b;
  std::shared_ptr<Seen> seen_by_b;
};
StartedPair started_pair(IoThread& io) {
  auto [fa, fb] = make_socketpair();
  StartedPair p{io.channel(std::move(fa), "a"), io.channel(std::move(fb), "b"), nullptr};
  start(p.a);
  p.seen_by_b = start(p.b);
  return p;
}

Encoded small(const std::string& s) {
  Encoded e;
  e.head.assign(s.begin(), s.end());
  return e;
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> b(n);
  std::uint32_t x = seed;
  for (auto& byte : b) {
    x = x * 1664525u + 1013904223u;
    byte = static_cast<std::uint8_t>(x >> 24);
  }
  return b;
}

bool same_bytes(const Encoded& sent, const Bytes& got) {
  if (sent.size() != got.size()) return false;
  std::size_t pos = 0;
  bool same = true;
  sent.for_each_piece([&](const std::uint8_t* p, std::size_t n) {
    same = same && std::memcmp(p, got.data() + pos, n) == 0;
    pos += n;
  });
  return same;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_channel)

BOOST_AUTO_TEST_CASE(echo_64_mib_made_of_segments) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "a");
  auto b = io.channel(std::move(fb), "b");

  // B echoes every frame back without copying it: the frame is the only segment.
  std::weak_ptr<FrameChannel> weak_b = b;
  b->start(
      [weak_b](Bytes f) {
        if (auto self = weak_b.lock()) self->send(Encoded{{}, {{0, std::move(f)}}});
      },
      [](std::string) {});
  auto seen = start(a);

  // 64 MiB in one shared buffer, sent as 4 segments between small head pieces.
  constexpr std::size_t kTotal = 64u << 20;
  Bytes storage = Bytes::adopt(pattern(kTotal, 1));
  Encoded big;
  big.head = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  big.segments = {{2, storage.slice(0, 1u << 20)},
                  {2, storage.slice(1u << 20, 20u << 20)},
                  {5, storage.slice(21u << 20, 30u << 20)},
                  {9, storage.slice(51u << 20, kTotal - (51u << 20))}};
  BOOST_REQUIRE_EQUAL(big.size(), kTotal + 9);

  a->send(small("before"));
  a->send(big);
  a->send(small("after"));
  BOOST_REQUIRE(seen->wait_frames(3));
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->frames[0].as_string_view() == "before");
  BOOST_TEST(same_bytes(big, seen->frames[1]));
  BOOST_TEST(seen->frames[2].as_string_view() == "after");
  BOOST_TEST(seen->closes == 0);
}

BOOST_AUTO_TEST_CASE(frames_from_many_threads_keep_per_thread_order) {
  IoThread io;
  auto [a, b, seen] = started_pair(io);

  constexpr std::uint32_t kThreads = 4;
  constexpr std::uint32_t kFrames = 2000;
  std::vector<std::thread> senders;
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    senders.emplace_back([a = a, t] {
      for (std::uint32_t i = 0; i < kFrames; ++i) {
        // Head (thread, seq) plus 0..3 borrowed segments of varied sizes.
        Encoded e;
        e.head.resize(8);
        std::memcpy(e.head.data(), &t, 4);
        std::memcpy(e.head.data() + 4, &i, 4);
        for (std::uint32_t s = 0; s < i % 4; ++s) {
          e.segments.push_back({8, Bytes::adopt(pattern((i * 37 + s * 1000) % 5000, i))});
        }
        a->send(std::move(e));
      }
    });
  }
  for (auto& s : senders) s.join();
  BOOST_REQUIRE(seen->wait_frames(kThreads * kFrames));

  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_REQUIRE_EQUAL(seen->frames.size(), kThreads * kFrames);
  std::vector<std::uint32_t> next(kThreads, 0);
  for (const Bytes& f : seen->frames) {
    BOOST_REQUIRE(f.size() >= 8u);
    std::uint32_t t, i;
    std::memcpy(&t, f.data(), 4);
    std::memcpy(&i, f.data() + 4, 4);
    BOOST_REQUIRE(t < kThreads);
    BOOST_REQUIRE_EQUAL(i, next[t]);
    ++next[t];
    std::size_t padding = 0;
    for (std::uint32_t s = 0; s < i % 4; ++s) padding += (i * 37 + s * 1000) % 5000;
    BOOST_REQUIRE_EQUAL(f.size(), 8 + padding);
  }
}

// send() writes a frame from the calling thread while nothing is queued: a frame of
// more pieces than one sendmsg takes (IOV_MAX, 1024), then one too large for the
// socket buffer, whose rest the I/O thread writes, with small frames queued behind it.
BOOST_AUTO_TEST_CASE(direct_sends_of_many_pieces_and_of_partial_frames) {
  IoThread io;
  auto [a, b, seen] = started_pair(io);

  Bytes storage = Bytes::adopt(pattern(3000, 5));
  Encoded pieces;
  pieces.head = pattern(1500, 6);
  for (std::size_t i = 0; i < 1500; ++i) pieces.segments.push_back({i, storage.slice(2 * i, 2)});
  BOOST_REQUIRE(pieces.iovecs().size() > 2048u);
  Encoded large;
  large.segments.push_back({0, Bytes::adopt(pattern(8u << 20, 7))});

  a->send(pieces);
  a->send(large);
  for (int i = 0; i < 100; ++i) a->send(small("after " + std::to_string(i)));
  BOOST_REQUIRE(seen->wait_frames(102));
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(same_bytes(pieces, seen->frames[0]));
  BOOST_TEST(same_bytes(large, seen->frames[1]));
  for (int i = 0; i < 100; ++i) BOOST_TEST(seen->frames[2 + i].as_string_view() == "after " + std::to_string(i));
  BOOST_TEST(seen->closes == 0);
}

// send() of several frames: one gathered write for all of them (a SOCK_SEQPACKET peer
// receives each write as one record), the frames whole and in order.
BOOST_AUTO_TEST_CASE(several_frames_leave_in_one_write) {
  int fds[2];
  BOOST_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  IoThread io;
  auto a = io.channel(UniqueFd(fds[0]), "a");
  start(a);

  auto frame_bytes = [](const std::string& s) {
    const auto header = encode_frame_header(s.size());
    std::string out(header.begin(), header.end());
    return out + s;
  };
  auto next_record = [&] {
    std::string buffer(1 << 16, '\0');
    pollfd p{peer.get(), POLLIN, 0};
    BOOST_REQUIRE_EQUAL(::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kHangGuard).count())), 1);
    const ssize_t n = ::recv(peer.get(), buffer.data(), buffer.size(), 0);
    BOOST_REQUIRE(n > 0);
    buffer.resize(static_cast<std::size_t>(n));
    return buffer;
  };

  std::vector<Encoded> frames;
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    frames.push_back(small("reply " + std::to_string(i)));
    expected += frame_bytes("reply " + std::to_string(i));
  }
  a->send(std::move(frames));
  BOOST_TEST(next_record() == expected);
  // One by one, as many writes.
  a->send(small("alone 1"));
  a->send(small("alone 2"));
  BOOST_TEST(next_record() == frame_bytes("alone 1"));
  BOOST_TEST(next_record() == frame_bytes("alone 2"));
}

// Frames sent together that the socket cannot take at once: the rest, from inside a
// frame, is written by the I/O thread, ahead of frames sent after them.
BOOST_AUTO_TEST_CASE(several_frames_larger_than_the_socket_buffer) {
  IoThread io;
  auto [a, b, seen] = started_pair(io);

  Bytes storage = Bytes::adopt(pattern(3000, 8));
  Encoded pieces;  // more pieces than one sendmsg takes
  for (std::size_t i = 0; i < 1500; ++i) pieces.segments.push_back({0, storage.slice(2 * i, 2)});
  Encoded large;
  large.segments.push_back({0, Bytes::adopt(pattern(8u << 20, 9))});
  std::vector<Encoded> together;
  together.push_back(small("first"));
  together.push_back(pieces);
  together.push_back(large);
  for (int i = 0; i < 50; ++i) together.push_back(small("behind " + std::to_string(i)));
  a->send(std::move(together));
  a->send(small("last"));

  BOOST_REQUIRE(seen->wait_frames(54));
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->frames[0].as_string_view() == "first");
  BOOST_TEST(same_bytes(pieces, seen->frames[1]));
  BOOST_TEST(same_bytes(large, seen->frames[2]));
  for (int i = 0; i < 50; ++i) BOOST_TEST(seen->frames[3 + i].as_string_view() == "behind " + std::to_string(i));
  BOOST_TEST(seen->frames[53].as_string_view() == "last");
  BOOST_TEST(seen->closes == 0);
}

BOOST_AUTO_TEST_CASE(peer_close_is_a_clean_close) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "a");
  auto seen = start(a);
  // A frame the peer writes before going away is still delivered.
  auto h = encode_frame_header(2);
  BOOST_REQUIRE_EQUAL(::write(fb.get(), h.data(), h.size()), 8);
  BOOST_REQUIRE_EQUAL(::write(fb.get(), "hi", 2), 2);
  fb.reset();
  BOOST_REQUIRE(seen->wait_closed());
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->reason == "");
  BOOST_TEST(seen->closes == 1);
  BOOST_REQUIRE_EQUAL(seen->frames.size(), 1u);
  BOOST_TEST(seen->frames[0].as_string_view() == "hi");
}

BOOST_AUTO_TEST_CASE(over_limit_frame_closes_with_size_and_limit) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "rpc", 1024);
  auto seen = start(a);
  auto h = encode_frame_header(std::uint64_t{1} << 63);
  BOOST_REQUIRE_EQUAL(::write(fb.get(), h.data(), h.size()), 8);
  BOOST_REQUIRE(seen->wait_closed());
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->reason == "rpc: frame of 9223372036854775808 bytes exceeds the limit of 1024 bytes");
  BOOST_TEST(seen->frames.empty());
}

BOOST_AUTO_TEST_CASE(exactly_at_limit_frame_passes) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "a", 1024);
  auto b = io.channel(std::move(fb), "b");
  auto seen = start(a);
  start(b);
  Encoded e;
  e.head = pattern(1024, 3);
  b->send(e);
  BOOST_REQUIRE(seen->wait_frames(1));
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(same_bytes(e, seen->frames[0]));
  BOOST_TEST(seen->closes == 0);
}

BOOST_AUTO_TEST_CASE(broken_pipe_on_write_closes_cleanly) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "a");
  fb.reset();
  // Not started, so no read can notice the EOF first: the write itself meets EPIPE
  // (without SIGPIPE killing this process).
  Encoded big;
  big.segments.push_back({0, Bytes::adopt(pattern(1 << 20, 4))});
  for (int i = 0; i < 3; ++i) a->send(big);
  auto seen = start(a);
  BOOST_REQUIRE(seen->wait_closed());
  a->send(small("dropped"));  // after close: silently dropped
  a->close();
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->reason == "");
  BOOST_TEST(seen->closes == 1);
}

BOOST_AUTO_TEST_CASE(close_from_on_frame_stops_delivery) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto b = io.channel(std::move(fb), "b");
  auto seen = std::make_shared<Seen>();
  std::weak_ptr<FrameChannel> weak_b = b;
  auto record = seen->frame_handler(seen);
  b->start(
      [weak_b, record](Bytes f) {
        record(std::move(f));
        if (auto self = weak_b.lock()) self->close();
      },
      seen->close_handler(seen));
  // Three frames in one write, so they reach B in one read.
  std::vector<std::uint8_t> three;
  for (char c : std::string("xyz")) {
    auto h = encode_frame_header(1);
    three.insert(three.end(), h.begin(), h.end());
    three.push_back(static_cast<std::uint8_t>(c));
  }
  BOOST_REQUIRE_EQUAL(::write(fa.get(), three.data(), three.size()),
                      static_cast<ssize_t>(three.size()));
  BOOST_REQUIRE(seen->wait_closed());
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->reason == "");
  BOOST_TEST(seen->closes == 1);
  BOOST_REQUIRE_EQUAL(seen->frames.size(), 1u);
  BOOST_TEST(seen->frames[0].as_string_view() == "x");
}

BOOST_AUTO_TEST_CASE(throwing_frame_handler_closes_with_reason) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "a");
  auto b = io.channel(std::move(fb), "b");
  auto seen = std::make_shared<Seen>();
  b->start([](Bytes) { throw std::runtime_error("bad frame"); }, seen->close_handler(seen));
  start(a);
  a->send(small("boom"));
  BOOST_REQUIRE(seen->wait_closed());
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->reason == "b: frame handler threw: bad frame");
}

BOOST_AUTO_TEST_CASE(local_close_reports_once) {
  IoThread io;
  auto [fa, fb] = make_socketpair();
  auto a = io.channel(std::move(fa), "a");
  auto seen = start(a);
  a->close();
  a->close();
  BOOST_REQUIRE(seen->wait_closed());
  a->send(small("dropped"));
  // The peer sees EOF: nothing was sent, and the fd was closed.
  char c;
  BOOST_TEST(::read(fb.get(), &c, 1) == 0);
  std::lock_guard<std::mutex> lock(seen->mu);
  BOOST_TEST(seen->reason == "");
  BOOST_TEST(seen->closes == 1);
}

BOOST_AUTO_TEST_SUITE_END()
