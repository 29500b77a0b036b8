// Shared fixture of the carton_fs tests: a runner-side and a core-side multiplexer on the
// two ends of a real socketpair, each on its own io_context thread (as the runner and
// the core are separate processes), and a temp directory to serve.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "carton/fs/directory_server.hpp"
#include "carton/fs/file_system.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/runtime/bootstrap.hpp"

// Printable kinds in Boost.Test messages.
namespace carton::wire::fs {
inline std::ostream& operator<<(std::ostream& os, IoErrorKind k) { return os << to_string(k); }
}  // namespace carton::wire::fs

namespace carton::fs::test {

namespace wire = carton::wire;

// Synchronous calls in the tests give up after this: a broken test fails instead of
// hanging CI. Generous, not a speed assertion.
inline constexpr std::chrono::milliseconds kHangGuard{60000};

namespace stdfs = std::filesystem;

// Runs an io_context on its own thread until destroyed.
class IoThread {
 public:
  IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (stdfs::temp_directory_path() / "carton-fs-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string as_string(const wire::Bytes& b) { return std::string(b.as_string_view()); }

// The standard served tree:
//   hello.txt = "hello world", sub/a.bin = bytes 0..15, link -> hello.txt,
//   abslink -> <root>/hello.txt, dirlink -> sub, sub/up -> ../hello.txt
inline void make_tree(const TempDir& d) {
  write_file(d / "hello.txt", "hello world");
  stdfs::create_directory(d / "sub");
  std::string bin;
  for (int i = 0; i < 16; ++i) bin += static_cast<char>(i);
  write_file(d / "sub/a.bin", bin);
  stdfs::create_symlink("hello.txt", d / "link");
  stdfs::create_symlink(d / "hello.txt", d / "abslink");
  stdfs::create_symlink("sub", d / "dirlink");
  stdfs::create_symlink("../hello.txt", d / "sub/up");
}

// Both ends of one filesystem channel, with helpers to serve and connect streams.
class Session {
 public:
  explicit Session(MultiplexerOptions options = {}) {
    auto [core_end, runner_end] = runtime::make_socketpair();
    core_mux_ = Multiplexer::create(core_io_.io(), std::move(core_end), Side::kCore, options);
    runner_mux_ = Multiplexer::create(runner_io_.io(), std::move(runner_end), Side::kRunner, options);
    core_mux_->start();
    runner_mux_->start();
  }
  ~Session() {
    servers_.clear();
    runner_mux_->close();
    core_mux_->close();
  }

  // Serves `root` on the next stream and connects a client to it.
  std::shared_ptr<FileSystem> serve(const std::string& root, Access access, FileSystemOptions client = {},
                                    DirectoryServerOptions server = {}) {
    if (client.call_timeout.count() == 0) client.call_timeout = kHangGuard;
    const wire::StreamId id = core_mux_->new_stream_id();
    servers_.push_back(DirectoryServer::serve(core_mux_, id, root, access, server));
    return FileSystem::connect(runner_mux_, wire::FsToken{id.value}, access, client);
  }

  const std::shared_ptr<Multiplexer>& runner_mux() const { return runner_mux_; }
  const std::shared_ptr<Multiplexer>& core_mux() const { return core_mux_; }
  boost::asio::io_context& runner_io() { return runner_io_.io(); }

 private:
  // Declared first: destroyed last, after everything that posts to them.
  IoThread core_io_;
  IoThread runner_io_;
  std::shared_ptr<Multiplexer> core_mux_;
  std::shared_ptr<Multiplexer> runner_mux_;
  std::vector<std::shared_ptr<DirectoryServer>> servers_;
};

// Runs `f` and returns the IoError it throws; fails the test if it throws none.
template <class F>
IoError expect_io_error(F&& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e;
  }
  BOOST_FAIL("expected carton::fs::IoError");
  throw std::logic_error("unreachable");
}

}  // namespace carton::fs::test
