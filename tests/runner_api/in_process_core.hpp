// InProcessCore: the core's side of one in-process serve() of a RunnerHandler on a
// socketpair (frames out, responses collected by id), for the tests of what the SDK
// does inside a runner. The filesystem channel is answered by the mock's
// DirectoryServer on an I/O thread of its own, as in the mock core.
#pragma once

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "carton/fs/directory_server.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/mock/typed_core.hpp"
#include "carton/runner/serve.hpp"
#include "carton/wire/messages.hpp"

namespace carton::test_support {

inline void write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    BOOST_REQUIRE(w > 0);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

inline void read_exact(int fd, std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    BOOST_REQUIRE_MESSAGE(r > 0, "the runner closed the RPC channel");
    p += r;
    n -= static_cast<std::size_t>(r);
  }
}

// The core's side of one in-process serve(): frames out, responses collected by id;
// the filesystem channel answered by the mock's DirectoryServer, on an I/O thread of
// its own as in the mock core.
class InProcessCore : public mock::CoreTransport {
 public:
  explicit InProcessCore(runner::RunnerHandler& handler) {
    auto [rpc_core, rpc_runner] = runtime::make_socketpair();
    auto [fs_core, fs_runner] = runtime::make_socketpair();
    rpc_ = std::move(rpc_core);
    fs_mux_ = fs::Multiplexer::create(io_, std::move(fs_core), fs::Side::kCore);
    fs_mux_->start();
    io_thread_ = std::thread([this] { io_.run(); });
    server_ = std::thread([&handler, channels = runtime::Channels{std::move(rpc_runner), std::move(fs_runner)}]() mutable {
      runner::serve(std::move(channels), handler);
    });
  }
  ~InProcessCore() override {
    rpc_.reset();
    served_.clear();
    fs_mux_->close();
    server_.join();
    work_.reset();
    io_.stop();
    io_thread_.join();
  }

  mock::TypedCore& core() { return typed_; }

  // Serves `directory` on the next filesystem stream, as MockCore::serve_directory.
  wire::FsToken serve_directory(const std::string& directory, bool writable) {
    const wire::StreamId stream = fs_mux_->new_stream_id();
    served_.push_back(fs::DirectoryServer::serve(fs_mux_, stream, directory,
                                                 writable ? fs::Access::kReadWrite : fs::Access::kReadOnly));
    return wire::FsToken{stream.value};
  }

  wire::RpcId send(wire::RPCRequestData data) {
    const wire::RpcId id{next_id_++};
    const auto payload = wire::encode_message(wire::RPCRequest{id, std::move(data)}, wire::kDefaultCoreRevision).flatten();
    std::uint8_t header[8];
    for (int i = 0; i < 8; ++i) header[i] = static_cast<std::uint8_t>(payload.size() >> (56 - 8 * i));
    write_all(rpc_.get(), header, 8);
    write_all(rpc_.get(), payload.data(), payload.size());
    return id;
  }

  std::vector<wire::RPCResponse> wait(wire::RpcId id) {
    auto& mine = received_[id.value];
    while (mine.empty() || !mine.back().complete) {
      std::uint8_t header[8];
      read_exact(rpc_.get(), header, 8);
      std::uint64_t size = 0;
      for (int i = 0; i < 8; ++i) size = size << 8 | header[i];
      std::vector<std::uint8_t> payload(size);
      read_exact(rpc_.get(), payload.data(), size);
      auto response = wire::decode_message<wire::RPCResponse>(wire::Bytes::adopt(std::move(payload)),
                                                              wire::kDefaultCoreRevision);
      if (std::holds_alternative<wire::LogMessageResponse>(response.data)) continue;
      received_[response.id.value].push_back(std::move(response));
    }
    auto out = std::move(mine);
    received_.erase(id.value);
    return out;
  }

  std::vector<wire::RPCResponse> call(wire::RPCRequestData request) override { return wait(send(std::move(request))); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread io_thread_;
  std::shared_ptr<fs::Multiplexer> fs_mux_;
  std::vector<std::shared_ptr<fs::DirectoryServer>> served_;
  runtime::UniqueFd rpc_;
  std::thread server_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::vector<wire::RPCResponse>> received_;
  mock::TypedCore typed_{*this};
};

}  // namespace carton::test_support
