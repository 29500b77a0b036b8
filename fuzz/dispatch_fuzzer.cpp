// Decoded RPC requests through the generated dispatch() into a RunnerHandler: the
// example noop runner's handler (Seal keeps tensors, InferWithHandle takes them back,
// InferWithTensors echoes) and the generated defaults (every request an Error).
//
// Input: byte 0 selects the revision (% kRevisionCount) and the handler (bit 7: the
// defaults), the rest is a stream of framed RPCRequest payloads, all sent to one handler
// so that a Seal can be followed by the InferWithHandle that uses it.
// Finds: crashes and sanitizer reports in dispatch, responders and the handler; a
// request answered by anything but exactly one final response; a response the core
// would reject for that request (response_fits); a response that does not encode at
// the revision, or does not decode back to itself.
// Ignores: requests that do not decode (decoder_fuzzer's job); what the handler
// computes; handlers that answer later from another thread (the noop answers inline).
#include "carton/runner/runner_handler.hpp"
#include "carton/wire/core_revision.hpp"
#include "codec_checks.hpp"
#include "noop_handler.hpp"

using namespace carton;

namespace {

class CheckingSink : public runner::ResponseSink {
 public:
  CheckingSink(wire::CoreRevision rev, std::size_t variant, bool streaming)
      : rev_(rev), variant_(variant), streaming_(streaming) {}

  void send(wire::RpcId id, bool complete, wire::RPCResponseData data) override {
    if (finals_ != 0) fuzz::finding("a response after the final one");
    if (!runner::response_fits(variant_, streaming_, data, !complete)) fuzz::finding("a response the core rejects");
    if (complete) ++finals_;
    const wire::RPCResponse response{id, complete, std::move(data)};
    auto bytes = fuzz::encode_or_finding(response, rev_, "a response that does not encode");
    wire::RPCResponse back{};
    if (!fuzz::decode_payload(wire::Bytes::adopt(std::move(bytes)), rev_, back)) {
      fuzz::finding("a response that does not decode");
    }
    // A revision without streaming has no `complete` field: it always decodes as true.
    if (!wire::supports_streaming(rev_)) back.complete = response.complete;
    if (!(back == response)) fuzz::finding("a response that decodes to something else");
  }
  int finals() const { return finals_; }

 private:
  wire::CoreRevision rev_;
  std::size_t variant_;
  bool streaming_;
  int finals_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto rev = fuzz::revision_at(data[0] % fuzz::kRevisionCount);
  examples::NoopHandler noop;
  runner::RunnerHandler defaults;
  runner::RunnerHandler& handler = (data[0] & 0x80) ? defaults : static_cast<runner::RunnerHandler&>(noop);
  for (auto& payload : fuzz::split_frames(data + 1, size - 1, fuzz::kFuzzMaxFrameBytes)) {
    wire::RPCRequest request{};
    if (!fuzz::decode_payload(payload, rev, request)) continue;
    auto sink = std::make_shared<CheckingSink>(rev, request.data.index(), runner::request_streams(request.data));
    runner::dispatch(handler, std::move(request), sink);
    if (sink->finals() != 1) fuzz::finding("a request not answered exactly once");
  }
  return 0;
}
