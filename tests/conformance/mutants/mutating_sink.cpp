#include "mutating_sink.hpp"

#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "carton/runtime/frame_header.hpp"

namespace carton::mutants {

namespace {

// How long a reply waits, under missing_reply_concurrent and cross_request, for another
// request to overlap with it: longer than the suite takes to send a burst of requests.
constexpr std::chrono::milliseconds kOverlapWait{20};

constexpr std::size_t kLoad = 0;
constexpr std::size_t kInferWithTensors = 3;

void write_all(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) return;  // the socket is non-blocking; a few bytes always fit
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

MutatingSink::MutatingSink(std::shared_ptr<runner::ResponseSink> inner, MutantState& state,
                           const wire::RPCRequest& request)
    : inner_(std::move(inner)), state_(state), variant_(request.data.index()), streaming_(false) {
  if (const auto* r = std::get_if<wire::InferWithTensorsRequest>(&request.data)) streaming_ = r->streaming;
  if (const auto* r = std::get_if<wire::InferWithHandleRequest>(&request.data)) streaming_ = r->streaming;
}

void MutatingSink::write_stray() {
  if (state_.stray_sent.exchange(true)) return;
  std::vector<std::uint8_t> bytes;
  if (state_.fault == Fault::kStrayBytes) {
    const std::string line = "loaded model\n";  // a debug print sent to the wrong fd
    bytes.assign(line.begin(), line.end());
  } else {
    const std::vector<std::uint8_t> payload = {'o', 'o', 'p', 's'};
    const auto header = runtime::encode_frame_header(payload.size());
    bytes.assign(header.begin(), header.end());
    bytes.insert(bytes.end(), payload.begin(), payload.end());
  }
  write_all(state_.stray_fd, bytes);
}

Tensors MutatingSink::trade(Tensors mine) {
  std::unique_lock<std::mutex> lock(state_.mu);
  if (state_.offered) {  // someone is waiting: take theirs, leave ours
    Tensors theirs = std::move(*state_.offered);
    state_.offered.reset();
    state_.taken = std::move(mine);
    state_.cv.notify_all();
    return theirs;
  }
  if (state_.taken) return mine;  // a trade is finishing; do not start another
  state_.offered = std::move(mine);
  state_.cv.wait_for(lock, kOverlapWait, [&] { return state_.taken.has_value(); });
  if (state_.taken) {
    Tensors theirs = std::move(*state_.taken);
    state_.taken.reset();
    return theirs;
  }
  Tensors back = std::move(*state_.offered);
  state_.offered.reset();
  return back;
}

void MutatingSink::send(wire::RpcId id, bool complete, wire::RPCResponseData data) {
  const Fault f = state_.fault;
  if (auto* infer = std::get_if<wire::InferResponse>(&data)) {
    apply_tensor_fault(f, infer->tensors);
    if (f == Fault::kCrossRequest && variant_ == kInferWithTensors) infer->tensors = trade(std::move(infer->tensors));
  }
  if (f == Fault::kStreamingSplit && streaming_ && complete && std::holds_alternative<wire::InferResponse>(data)) {
    for (const auto& [name, tensor] : std::get<wire::InferResponse>(data).tensors) {
      wire::InferResponse one;
      one.tensors.insert_or_assign(name, tensor);
      inner_->send(id, false, std::move(one));
    }
    return inner_->send(id, true, wire::EmptyResponse{});
  }
  if ((f == Fault::kStrayBytes || f == Fault::kStrayFrame) && variant_ == kLoad) write_stray();
  switch (f) {
    case Fault::kWrongId: id.value += 1; break;
    case Fault::kReusedId:
      if (id.value > 0) id.value -= 1;
      break;
    case Fault::kNoComplete: complete = false; break;
    case Fault::kMissingReplyConcurrent:
      if (complete) {
        std::this_thread::sleep_for(kOverlapWait);
        if (state_.highest_id.load() > id.value) return;
      }
      break;
    case Fault::kPartialBeforeFinal:
      if (complete && !streaming_ && std::holds_alternative<wire::InferResponse>(data)) inner_->send(id, false, data);
      break;
    case Fault::kExtraComplete:
      if (complete) inner_->send(id, true, data);
      break;
    default: break;
  }
  inner_->send(id, complete, std::move(data));
}

}  // namespace carton::mutants
