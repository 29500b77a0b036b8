// InProcessCore: the core's side of one in-process serve() of a RunnerHandler on a
// socketpair (frames out, responses collected by id), for the tests of what the SDK
// does inside a runner. The filesystem channel is connected but never served.
#pragma once

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <map>
#include <thread>
#include <vector>

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

class InProcessCore : public mock::CoreTransport {
 public:
  explicit InProcessCore(runner::RunnerHandler& handler) {
    auto [rpc_core, rpc_runner] = runtime::make_socketpair();
    auto [fs_core, fs_runner] = runtime::make_socketpair();
    rpc_ = std::move(rpc_core);
    fs_ = std::move(fs_core);
    server_ = std::thread([&handler, channels = runtime::Channels{std::move(rpc_runner), std::move(fs_runner)}]() mutable {
      runner::serve(std::move(channels), handler);
    });
  }
  ~InProcessCore() override {
    rpc_.reset();
    fs_.reset();
    server_.join();
  }

  mock::TypedCore& core() { return typed_; }

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
  runtime::UniqueFd rpc_, fs_;
  std::thread server_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::vector<wire::RPCResponse>> received_;
  mock::TypedCore typed_{*this};
};

}  // namespace carton::test_support
