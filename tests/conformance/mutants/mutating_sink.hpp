// The reply-level faults: a ResponseSink between one request's handler and the RPC
// channel that changes what goes out (ids, `complete`, tensors, stray bytes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "carton/runner/responder.hpp"
#include "carton/wire/rpc_types.hpp"
#include "faults.hpp"
#include "tensor_faults.hpp"

namespace carton::mutants {

// What the faults share across requests.
struct MutantState {
  explicit MutantState(Fault f) : fault(f) {}
  const Fault fault;
  std::atomic<std::uint64_t> highest_id{0};  // the highest request id handed to a handler yet
  std::atomic<bool> stray_sent{false};
  int stray_fd = -1;  // a duplicate of the RPC socket (stray_bytes, stray_frame)
  // cross_request: an InferWithTensors reply waiting for a partner to trade with.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Tensors> offered;
  std::optional<Tensors> taken;
};

class MutatingSink : public runner::ResponseSink {
 public:
  MutatingSink(std::shared_ptr<runner::ResponseSink> inner, MutantState& state, const wire::RPCRequest& request);
  void send(wire::RpcId id, bool complete, wire::RPCResponseData data) override;

 private:
  void write_stray();
  Tensors trade(Tensors mine);

  std::shared_ptr<runner::ResponseSink> inner_;
  MutantState& state_;
  std::size_t variant_;
  bool streaming_;
};

}  // namespace carton::mutants
