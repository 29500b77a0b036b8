// Dispatch and responders in-process: exactly one final response per request, typed
// to the request, and an Error for every way a handler can fail to answer.
#include <boost/test/unit_test.hpp>

#include <mutex>

#include "carton/mock/mock_runner_handler.hpp"
#include "carton/mock/typed_core.hpp"
#include "carton/runner/runner_handler.hpp"
#include "carton/wire/messages.hpp"

using namespace carton;

namespace {

struct Sent {
  wire::RpcId id;
  bool complete;
  wire::RPCResponseData data;
};

class VectorSink : public runner::ResponseSink {
 public:
  void send(wire::RpcId id, bool complete, wire::RPCResponseData data) override {
    std::lock_guard<std::mutex> lock(mu);
    sent.push_back({id, complete, std::move(data)});
  }
  std::mutex mu;
  std::vector<Sent> sent;
};

wire::RPCRequest infer_request(std::uint64_t id, bool streaming) {
  wire::InferWithTensorsRequest r;
  r.tensors.insert_or_assign("x", wire::Tensor::from_values<float>({1}, {1.0f}));
  r.streaming = streaming;
  return wire::RPCRequest{{id}, std::move(r)};
}

std::string error_of(const Sent& s) { return std::get<wire::ErrorResponse>(s.data).e; }

}  // namespace

BOOST_AUTO_TEST_CASE(unimplemented_requests_answer_an_error) {
  runner::RunnerHandler plain;
  auto sink = std::make_shared<VectorSink>();
  runner::dispatch(plain, wire::RPCRequest{{4}, wire::LoadRequest{}}, sink);
  BOOST_REQUIRE(sink->sent.size() == 1u);
  BOOST_TEST(sink->sent[0].id.value == 4u);
  BOOST_TEST(sink->sent[0].complete);
  BOOST_TEST(error_of(sink->sent[0]).find("does not implement Load") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_throwing_handler_answers_with_its_message) {
  mock::MockRunnerHandler h;
  h.load = [](wire::LoadRequest, runner::LoadResponder) { throw std::runtime_error("model.pt is corrupt"); };
  auto sink = std::make_shared<VectorSink>();
  runner::dispatch(h, wire::RPCRequest{{1}, wire::LoadRequest{}}, sink);
  BOOST_REQUIRE(sink->sent.size() == 1u);
  BOOST_TEST(error_of(sink->sent[0]) == "model.pt is corrupt");
  BOOST_TEST(h.load_calls == 1);
}

BOOST_AUTO_TEST_CASE(a_dropped_responder_answers_an_error) {
  mock::MockRunnerHandler h;
  h.seal = [](wire::SealRequest, runner::SealResponder) {};
  auto sink = std::make_shared<VectorSink>();
  runner::dispatch(h, wire::RPCRequest{{9}, wire::SealRequest{}}, sink);
  BOOST_REQUIRE(sink->sent.size() == 1u);
  BOOST_TEST(error_of(sink->sent[0]).find("returned without responding") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(responding_twice_is_a_programming_error) {
  mock::MockRunnerHandler h;
  bool threw = false;
  h.pack = [&](wire::PackRequest, runner::PackResponder r) {
    r.respond({"/out"});
    try {
      r.respond({"/again"});
    } catch (const std::logic_error& e) {
      threw = std::string(e.what()).find("already has its final response") != std::string::npos;
    }
  };
  auto sink = std::make_shared<VectorSink>();
  runner::dispatch(h, wire::RPCRequest{{2}, wire::PackRequest{}}, sink);
  BOOST_TEST(threw);
  BOOST_REQUIRE(sink->sent.size() == 1u);
  BOOST_TEST(std::get<wire::PackResponse>(sink->sent[0].data).output_path == "/out");
}

BOOST_AUTO_TEST_CASE(partial_results_only_for_streaming_requests) {
  mock::MockRunnerHandler h;
  h.infer_with_tensors = [](wire::InferWithTensorsRequest req, runner::InferResponder r) {
    if (r.streaming()) {
      r.partial({req.tensors});
      r.partial({req.tensors});
      r.finish();
    } else {
      BOOST_CHECK_THROW(r.partial({req.tensors}), std::logic_error);
      r.respond({req.tensors});
    }
  };
  auto sink = std::make_shared<VectorSink>();
  runner::dispatch(h, infer_request(5, true), sink);
  runner::dispatch(h, infer_request(6, false), sink);
  BOOST_REQUIRE(sink->sent.size() == 4u);
  BOOST_TEST(!sink->sent[0].complete);
  BOOST_TEST(!sink->sent[1].complete);
  BOOST_TEST(sink->sent[2].complete);
  BOOST_TEST(std::holds_alternative<wire::EmptyResponse>(sink->sent[2].data));
  BOOST_TEST(sink->sent[3].id.value == 6u);
  BOOST_TEST(sink->sent[3].complete);
}

BOOST_AUTO_TEST_CASE(every_generated_mock_instantiates) {
  mock::MockRunnerHandler handler;  // one hook per request variant
  handler.load = [](wire::LoadRequest, runner::LoadResponder r) { r.respond({}); };
  handler.pack = [](wire::PackRequest p, runner::PackResponder r) { r.respond({p.input_path}); };
  handler.seal = [](wire::SealRequest, runner::SealResponder r) { r.respond({{7}}); };
  handler.infer_with_tensors = [](wire::InferWithTensorsRequest q, runner::InferResponder r) { r.respond({q.tensors}); };
  handler.infer_with_handle = [](wire::InferWithHandleRequest, runner::InferResponder r) { r.respond({}); };

  // A TypedCore over an in-process transport that dispatches into the mock handler.
  struct Loopback : mock::CoreTransport {
    explicit Loopback(runner::RunnerHandler& h) : handler(h) {}
    std::vector<wire::RPCResponse> call(wire::RPCRequestData data) override {
      auto sink = std::make_shared<VectorSink>();
      runner::dispatch(handler, wire::RPCRequest{{next++}, std::move(data)}, sink);
      std::vector<wire::RPCResponse> out;
      for (auto& s : sink->sent) out.push_back({s.id, s.complete, std::move(s.data)});
      return out;
    }
    runner::RunnerHandler& handler;
    std::uint64_t next = 0;
  } loopback(handler);
  mock::TypedCore core(loopback);
  core.load({});
  BOOST_TEST(core.pack({{}, "/in", "/tmp"}).output_path == "/in");
  BOOST_TEST(core.seal({}).handle.value == 7u);
  BOOST_TEST(core.infer_with_tensors({}).final.has_value());
  BOOST_TEST(core.infer_with_handle({}).final.has_value());
  BOOST_TEST(handler.load_calls + handler.pack_calls + handler.seal_calls + handler.infer_with_tensors_calls +
                 handler.infer_with_handle_calls ==
             5);
}

BOOST_AUTO_TEST_CASE(error_text_is_made_valid_utf8_because_the_core_requires_it) {
  mock::MockRunnerHandler h;
  h.load = [](wire::LoadRequest, runner::LoadResponder r) { r.fail("cannot open /models/caf\xe9.pt"); };
  auto sink = std::make_shared<VectorSink>();
  runner::dispatch(h, wire::RPCRequest{{1}, wire::LoadRequest{}}, sink);
  BOOST_REQUIRE(sink->sent.size() == 1u);
  BOOST_TEST(error_of(sink->sent[0]) == "cannot open /models/caf\xef\xbf\xbd.pt");
  // The encoder itself refuses to send a String the core would reject.
  wire::RPCResponse bad{{1}, true, wire::ErrorResponse{"\xff"}};
  BOOST_CHECK_THROW(wire::encode_message(bad, wire::CoreRevision::Carton0_0_1), wire::EncodeError);
}
