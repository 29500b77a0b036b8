// Concurrency, large files, lost connections, and frames that must be dropped.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>

#include "carton/fs/input_stream.hpp"
#include "carton/runtime/frame_header.hpp"
#include "carton/wire/fs_codec.hpp"
#include "carton/wire/message.hpp"
#include "fs_test_support.hpp"

using namespace carton::fs;
using namespace carton::fs::test;
namespace w = carton::wire::fs;
using namespace std::chrono_literals;

namespace {

// The file is read through std::istream in chunks; peak RSS must stay far below it.
constexpr std::uint64_t kLargeFileBytes = std::uint64_t{1} << 30;
constexpr std::uint64_t kRssGrowthLimit = std::uint64_t{64} << 20;
constexpr int kConcurrentReaders = 32;
// How long a lost connection may take to fail a pending call: "promptly", with slack
// for a loaded CI machine.
constexpr auto kPromptly = 5s;

std::uint64_t vm_hwm_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream in(line.substr(6));
      std::uint64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
  }
  throw std::runtime_error("no VmHWM in /proc/self/status");
}

void reset_hwm() {
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
}

void write_frame(int fd, const std::vector<std::uint8_t>& payload) {
  auto header = carton::runtime::encode_frame_header(payload.size());
  std::vector<std::uint8_t> all(header.begin(), header.end());
  all.insert(all.end(), payload.begin(), payload.end());
  std::size_t off = 0;
  while (off < all.size()) {
    ssize_t n = ::send(fd, all.data() + off, all.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    off += static_cast<std::size_t>(n);
  }
}

bool read_exact(int fd, void* p, std::size_t n, std::chrono::milliseconds timeout) {
  auto* out = static_cast<std::uint8_t*>(p);
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return false;
    ssize_t k = ::recv(fd, out, n, 0);
    if (k <= 0) return false;
    out += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

std::optional<std::vector<std::uint8_t>> read_frame(int fd, std::chrono::milliseconds timeout = 5000ms) {
  std::uint8_t h[8];
  if (!read_exact(fd, h, 8, timeout)) return std::nullopt;
  std::uint64_t len = 0;
  for (auto b : h) len = (len << 8) | b;
  std::vector<std::uint8_t> payload(len);
  if (!read_exact(fd, payload.data(), len, timeout)) return std::nullopt;
  return payload;
}

template <class Frame>
std::vector<std::uint8_t> encode(const Frame& f) {
  return carton::wire::encode_message(f, carton::wire::CoreRevision::Carton0_0_1).flatten();
}

w::FsRequestFrame decode_request(const std::vector<std::uint8_t>& p) {
  return carton::wire::decode_message<w::FsRequestFrame>(carton::wire::Bytes::copy_of(p.data(), p.size()),
                                                         carton::wire::CoreRevision::Carton0_0_1);
}

// A runner-side multiplexer whose peer is a raw socket the test drives by hand.
struct RawCore {
  IoThread io;
  carton::runtime::UniqueFd core;
  std::shared_ptr<Multiplexer> mux;
  RawCore() {
    auto [c, r] = carton::runtime::make_socketpair();
    core = std::move(c);
    mux = Multiplexer::create(io.io(), std::move(r), Side::kRunner);
    mux->start();
  }
  ~RawCore() { mux->close(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(stress)

BOOST_AUTO_TEST_CASE(concurrent_readers) {
  TempDir dir;
  std::vector<std::string> contents;
  for (int i = 0; i < 4; ++i) {
    std::string c(256 * 1024 + i, '\0');
    for (std::size_t j = 0; j < c.size(); ++j) c[j] = static_cast<char>((j * 7 + i) & 0xff);
    write_file(dir / ("f" + std::to_string(i)), c);
    contents.push_back(std::move(c));
  }
  Session s;
  FileSystemOptions small;
  small.chunk_bytes = 64 * 1024;  // several chunks per file: many calls in flight
  auto ro = s.serve(dir.path(), Access::kReadOnly, small);
  auto rw = s.serve(dir.path(), Access::kReadWrite, small);

  std::atomic<int> failures{0};
  std::atomic<int> checks{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kConcurrentReaders; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto& fs = (t % 2) ? ro : rw;
        const int i = t % 4;
        const std::string path = "f" + std::to_string(i);
        for (int round = 0; round < 3; ++round) {
          if (as_string(fs->read(path)) != contents[i]) ++failures;
          File f = fs->open(path);
          std::string buf(contents[i].size(), '\0');
          if (f.read_into(buf.data(), buf.size()) != buf.size() || buf != contents[i]) ++failures;
          auto in = open_input_stream(fs, path);
          std::string streamed((std::istreambuf_iterator<char>(*in)), {});
          if (streamed != contents[i]) ++failures;
          if (fs->metadata(path).len != contents[i].size()) ++failures;
          checks += 4;
        }
      } catch (const std::exception& e) {
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(checks.load() == kConcurrentReaders * 12);
}

BOOST_AUTO_TEST_CASE(large_file_through_istream_keeps_memory_bounded) {
  TempDir dir;
  {
    std::ofstream out(dir / "large.bin", std::ios::binary);
    std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
    std::uint64_t word = 0;
    for (std::uint64_t written = 0; written < kLargeFileBytes; written += 1 << 20) {
      for (auto& v : block) v = word++;
      out.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
    }
  }
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadOnly);

  reset_hwm();
  const std::uint64_t before = vm_hwm_bytes();
  auto in = open_input_stream(fs, "large.bin");
  std::vector<std::uint64_t> buf(1 << 17);
  std::uint64_t word = 0;
  std::uint64_t total = 0;
  bool pattern_ok = true;
  while (*in) {
    in->read(reinterpret_cast<char*>(buf.data()), 1 << 20);
    const auto got = static_cast<std::size_t>(in->gcount());
    for (std::size_t i = 0; i < got / 8; ++i) pattern_ok = pattern_ok && buf[i] == word++;
    total += got;
  }
  const std::uint64_t growth = vm_hwm_bytes() - before;
  BOOST_TEST(total == kLargeFileBytes);
  BOOST_TEST(pattern_ok);
  BOOST_TEST(!in->streambuf().error().has_value());
  in->clear();  // tellg() answers -1 while eof/fail are set
  BOOST_TEST(static_cast<std::uint64_t>(in->tellg()) == kLargeFileBytes);
  BOOST_TEST_MESSAGE("peak RSS growth reading " << (kLargeFileBytes >> 20) << " MiB: " << (growth >> 20) << " MiB");
#if defined(__SANITIZE_ADDRESS__)
  BOOST_TEST_MESSAGE("AddressSanitizer build: RSS bound not checked (quarantine and shadow memory)");
#else
  BOOST_TEST(growth < kRssGrowthLimit);
#endif
}

BOOST_AUTO_TEST_CASE(connection_dropped_mid_call_fails_promptly) {
  RawCore rc;
  FileSystemOptions guarded;
  guarded.call_timeout = kHangGuard;
  auto fs = FileSystem::connect(rc.mux, carton::wire::FsToken{3}, Access::kReadOnly, guarded);
  constexpr int kCalls = 8;
  std::vector<std::future<IoError>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(std::async(std::launch::async, [&fs, i] {
      return expect_io_error([&] { fs->metadata("file" + std::to_string(i)); });
    }));
  }
  for (int i = 0; i < kCalls; ++i) {
    auto req = read_frame(rc.core.get());  // every request went out and is pending
    BOOST_REQUIRE(req.has_value());
    BOOST_TEST(decode_request(*req).stream.value == 3u);
  }
  const auto dropped = std::chrono::steady_clock::now();
  rc.core.reset();
  for (auto& c : calls) {
    BOOST_REQUIRE((c.wait_for(kPromptly) == std::future_status::ready));
    IoError e = c.get();
    BOOST_TEST(e.kind() == IoErrorKind::NotConnected);
    BOOST_TEST((e.origin() == IoError::Origin::kConnection));
  }
  BOOST_TEST_MESSAGE("pending calls failed " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::steady_clock::now() - dropped)
                                                    .count()
                                             << " ms after the drop");
  // Later calls fail at once.
  IoError later = expect_io_error([&] { fs->read("x"); });
  BOOST_TEST(later.kind() == IoErrorKind::NotConnected);
  BOOST_TEST(fs->closed());
}

BOOST_AUTO_TEST_CASE(call_timeout_and_late_answers) {
  RawCore rc;
  FileSystemOptions opts;
  opts.call_timeout = 200ms;
  auto fs = FileSystem::connect(rc.mux, carton::wire::FsToken{0}, Access::kReadOnly, opts);
  IoError e = expect_io_error([&] { fs->canonicalize("x"); });
  BOOST_TEST(e.kind() == IoErrorKind::TimedOut);
  auto req = read_frame(rc.core.get());
  BOOST_REQUIRE(req.has_value());
  BOOST_TEST(decode_request(*req).rpc_id == 0u);
  // The late answer is dropped (unknown rpc_id); the next call is rpc 1 and works.
  write_frame(rc.core.get(), encode(w::FsResponseFrame{{0}, 0, w::CanonicalizeResponse{"late"}}));
  auto answer = std::async(std::launch::async, [&] { return fs->canonicalize("y"); });
  req = read_frame(rc.core.get());
  BOOST_REQUIRE(req.has_value());
  BOOST_TEST(decode_request(*req).rpc_id == 1u);
  write_frame(rc.core.get(), encode(w::FsResponseFrame{{0}, 1, w::CanonicalizeResponse{"y"}}));
  BOOST_TEST(answer.get() == "y");
}

BOOST_AUTO_TEST_CASE(runner_side_drops_bad_frames_and_keeps_going) {
  RawCore rc;
  FileSystemOptions guarded;
  guarded.call_timeout = kHangGuard;
  auto fs = FileSystem::connect(rc.mux, carton::wire::FsToken{0}, Access::kReadOnly, guarded);
  const int core = rc.core.get();

  // rpc 0: answered with an undecodable frame that still names (stream 0, rpc 0).
  auto first = std::async(std::launch::async, [&] { return expect_io_error([&] { fs->metadata("a"); }); });
  BOOST_REQUIRE(read_frame(core).has_value());
  write_frame(core, {1, 2, 3});                                                      // garbage
  write_frame(core, encode(w::FsResponseFrame{{99}, 0, w::CanonicalizeResponse{"x"}}));  // unknown stream
  write_frame(core, encode(w::FsResponseFrame{{0}, 777, w::CanonicalizeResponse{"x"}}));  // unknown rpc_id
  std::vector<std::uint8_t> bad(16, 0);
  bad.insert(bad.end(), {99, 0, 0, 0});  // response tag 99
  write_frame(core, bad);
  IoError e = first.get();
  BOOST_TEST(e.kind() == IoErrorKind::InvalidData);
  BOOST_TEST((e.origin() == IoError::Origin::kProtocol));

  // rpc 1: a response that does not fit the request.
  auto second = std::async(std::launch::async, [&] { return expect_io_error([&] { fs->metadata("b"); }); });
  BOOST_REQUIRE(read_frame(core).has_value());
  write_frame(core, encode(w::FsResponseFrame{{0}, 1, w::ReadLinkResponse{"x"}}));
  e = second.get();
  BOOST_TEST((e.origin() == IoError::Origin::kProtocol));
  BOOST_TEST(e.message().find("ReadLinkResponse") != std::string::npos);

  // rpc 2: still works.
  auto third = std::async(std::launch::async, [&] { return fs->read_link("c"); });
  auto req = read_frame(core);
  BOOST_REQUIRE(req.has_value());
  BOOST_TEST(decode_request(*req).rpc_id == 2u);
  write_frame(core, encode(w::FsResponseFrame{{0}, 2, w::ReadLinkResponse{"target"}}));
  BOOST_TEST(third.get() == "target");
  BOOST_TEST(!rc.mux->closed());
}

BOOST_AUTO_TEST_CASE(core_side_drops_bad_frames_and_keeps_going) {
  TempDir dir;
  make_tree(dir);
  IoThread io;
  auto [core_end, runner_end] = carton::runtime::make_socketpair();
  auto mux = Multiplexer::create(io.io(), std::move(core_end), Side::kCore);
  auto server = DirectoryServer::serve(mux, mux->new_stream_id(), dir.path(), Access::kReadOnly);
  mux->start();
  const int runner = runner_end.get();

  write_frame(runner, {1, 2, 3});                                                      // garbage
  write_frame(runner, encode(w::FsRequestFrame{{7}, 0, w::MetadataRequest{"hello.txt"}}));  // unknown stream
  std::vector<std::uint8_t> bad = encode(w::FsRequestFrame{{0}, 5, w::MetadataRequest{"x"}});
  bad[16] = 99;  // request tag 99
  write_frame(runner, bad);
  write_frame(runner, encode(w::FsRequestFrame{{0}, 6, w::ReadToStringRequest{"hello.txt"}}));

  auto r5 = read_frame(runner);
  BOOST_REQUIRE(r5.has_value());
  auto f5 = carton::wire::decode_message<w::FsResponseFrame>(carton::wire::Bytes::copy_of(r5->data(), r5->size()),
                                                             carton::wire::CoreRevision::Carton0_0_1);
  BOOST_TEST(f5.rpc_id == 5u);
  BOOST_TEST(std::get<w::IoErrorResponse>(f5.msg).error.kind == IoErrorKind::InvalidData);
  auto r6 = read_frame(runner);
  BOOST_REQUIRE(r6.has_value());
  auto f6 = carton::wire::decode_message<w::FsResponseFrame>(carton::wire::Bytes::copy_of(r6->data(), r6->size()),
                                                             carton::wire::CoreRevision::Carton0_0_1);
  BOOST_TEST(f6.rpc_id == 6u);
  BOOST_TEST(std::get<w::ReadToStringResponse>(f6.msg).res == "hello world");
  BOOST_TEST(!mux->closed());
  server.reset();
  mux->close();
}

BOOST_AUTO_TEST_SUITE_END()
