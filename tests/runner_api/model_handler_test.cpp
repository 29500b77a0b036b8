// ModelHandler<Model> served in this process (serve() on a socketpair), with a model
// that only scales its inputs: what the template does for every framework runner,
// seen from the core's side of the wire.
#include <boost/test/unit_test.hpp>

#include <future>
#include <stdexcept>
#include <thread>

#include "carton/mock/typed_core.hpp"
#include "carton/runner/model_handler.hpp"
#include "carton/runner/serve.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "carton/wire/messages.hpp"
#include "in_process_core.hpp"
#include "model_runner_test.hpp"

using namespace carton;
using wire::Tensor;
using Tensors = wire::Map<std::string, Tensor>;

namespace {

struct Scale {
  float factor;
};

// Load reads runner option "factor" (no option refuses the Load). Pack refuses
// "/not-a-model" and packs anything else as a folder. An input named "fail" makes
// the infer throw; one named "hold" makes it wait for `release` once it has started.
class ScaleHandler : public runner::ModelHandler<Scale> {
 public:
  ScaleHandler() : ModelHandler("a scale factor") {}
  std::promise<void> entered;
  std::shared_future<void> release;

 protected:
  std::shared_ptr<const Scale> load_served_model(const wire::LoadRequest& request) override {
    if (request.runner_opts) {
      auto it = request.runner_opts->find("factor");
      if (it != request.runner_opts->end()) {
        return std::make_shared<const Scale>(Scale{float(std::get<wire::IntegerOpt>(it->second).value)});
      }
    }
    throw std::invalid_argument("no factor given");
  }
  std::string pack_file_name(const wire::PackRequest& request) override {
    if (request.input_path == "/not-a-model") throw std::runtime_error("it holds no factor");
    return "";
  }
  Tensors infer(const Scale& model, Tensors inputs) override {
    if (inputs.find("fail") != inputs.end()) throw std::runtime_error("asked to fail");
    if (inputs.find("hold") != inputs.end()) {
      entered.set_value();
      runtime::HandlerScope::will_block();  // let the next request be read meanwhile
      release.wait();
    }
    Tensors out;
    for (const auto& [name, t] : inputs) {
      auto v = t.values<float>();
      for (auto& x : v) x *= model.factor;
      out.insert_or_assign(name, Tensor::from_values<float>(t.shape(), std::move(v)));
    }
    return out;
  }
};

using test_support::error_of;
using test_support::InProcessCore;

wire::LoadRequest load_with(std::optional<std::int64_t> factor) {
  wire::LoadRequest load;
  if (factor) load.runner_opts = wire::Map<std::string, wire::RunnerOpt>{{"factor", wire::IntegerOpt{*factor}}};
  return load;
}

Tensors x(float v) { return {{"x", Tensor::from_values<float>({1}, {v})}}; }

float infer_x(InProcessCore& core, float v) {
  return core.core().infer_with_tensors({x(v), false}).final->tensors.at("x").value<float>(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_handler)

BOOST_AUTO_TEST_CASE(infer_before_any_load_asks_for_one_with_the_hint) {
  ScaleHandler handler;
  InProcessCore core(handler);
  const std::string expected = "Infer: no model loaded (send Load with a scale factor first)";
  BOOST_TEST(error_of([&] { core.core().infer_with_tensors({x(1), false}); }) == expected);
  // A failed Load is not a model either.
  BOOST_TEST(error_of([&] { core.core().load(load_with(std::nullopt)); }) == "Load: no factor given");
  const auto handle = core.core().seal({x(1)}).handle;
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handle, false}); }) == expected);
  // The handle was consumed even so.
  core.core().load(load_with(2));
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handle, false}); }) ==
             "InferWithHandle: " + runner::SealStore::unknown_handle_message(handle));
}

BOOST_AUTO_TEST_CASE(a_failed_load_keeps_the_previous_model) {
  ScaleHandler handler;
  InProcessCore core(handler);
  core.core().load(load_with(2));
  BOOST_TEST(infer_x(core, 1.5f) == 3.0f);
  BOOST_TEST(error_of([&] { core.core().load(load_with(std::nullopt)); }) == "Load: no factor given");
  BOOST_TEST(infer_x(core, 1.5f) == 3.0f);
  core.core().load(load_with(3));
  BOOST_TEST(infer_x(core, 1.5f) == 4.5f);
}

BOOST_AUTO_TEST_CASE(an_infer_keeps_its_model_while_a_load_replaces_it) {
  ScaleHandler handler;
  std::promise<void> release;
  handler.release = release.get_future().share();
  auto entered = handler.entered.get_future();
  InProcessCore core(handler);
  core.core().load(load_with(2));
  const auto held = core.send(wire::InferWithTensorsRequest{{{"hold", Tensor::from_values<float>({1}, {1})}}, false});
  BOOST_REQUIRE(entered.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  core.core().load(load_with(10));
  BOOST_TEST(infer_x(core, 1) == 10.0f);
  release.set_value();
  const auto replies = core.wait(held);
  BOOST_REQUIRE(replies.size() == 1u);
  const auto* out = std::get_if<wire::InferResponse>(&replies[0].data);
  BOOST_REQUIRE(out);
  BOOST_TEST(out->tensors.at("hold").value<float>(0) == 2.0f);
}

BOOST_AUTO_TEST_CASE(infer_errors_and_seal_handles) {
  ScaleHandler handler;
  InProcessCore core(handler);
  core.core().load(load_with(2));
  BOOST_TEST(error_of([&] { core.core().infer_with_tensors({{{"fail", Tensor::from_values<float>({1}, {1})}}, false}); }) ==
             "Infer: asked to fail");
  std::vector<wire::SealHandle> handles;
  for (int i = 0; i < 3; ++i) {
    handles.push_back(core.core().seal({x(float(i))}).handle);
    BOOST_TEST(handles.back().value == std::uint64_t(i));
  }
  for (int i : {2, 0, 1}) {
    BOOST_TEST(core.core().infer_with_handle({handles[i], false}).final->tensors.at("x").value<float>(0) == 2.0f * i);
  }
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handles[0], false}); }) ==
             "InferWithHandle: " + runner::SealStore::unknown_handle_message(handles[0]));
  // A streaming request still gets one complete reply.
  const auto streamed = core.core().infer_with_tensors({x(4), true});
  BOOST_TEST(streamed.partial.empty());
  BOOST_TEST(streamed.final->tensors.at("x").value<float>(0) == 8.0f);
}

BOOST_AUTO_TEST_CASE(pack_of_a_folder_answers_its_input_path) {
  ScaleHandler handler;
  InProcessCore core(handler);
  BOOST_TEST(core.core().pack({wire::FsToken{}, "/models/scale", "/tmp/pack"}).output_path == "/models/scale");
}

BOOST_AUTO_TEST_CASE(pack_of_what_the_runner_does_not_load_says_why) {
  ScaleHandler handler;
  InProcessCore core(handler);
  BOOST_TEST(error_of([&] { core.core().pack({wire::FsToken{}, "/not-a-model", "/tmp/pack"}); }) ==
             "Pack: /not-a-model is not a model this runner loads: it holds no factor");
}

BOOST_AUTO_TEST_SUITE_END()
