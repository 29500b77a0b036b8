// Inference through carton-runner-onnx, started by the mock core as carton starts it,
// compared with what torch computed for the same inputs (make_models.py).
#include <boost/test/unit_test.hpp>

#include "onnx_models.hpp"

using namespace carton;
using namespace carton::onnx_test;
using wire::Tensor;

namespace {

struct Case {
  const char* model;
  std::initializer_list<const char*> inputs, outputs;
};
const Case kCases[] = {
    {"mlp", {"x"}, {"y"}},
    {"cnn", {"image"}, {"probs"}},
    {"two_io", {"left", "right"}, {"sum", "gate"}},
};

void check_outputs(const Case& c, int batch, const Tensors& out) {
  BOOST_TEST(out.size() == c.outputs.size());
  for (const char* o : c.outputs) {
    check_close(out.at(o), std::string(c.model) + ".b" + std::to_string(batch) + "." + o + ".out");
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(exported_models_match_torch_at_batch_1_5_and_64) {
  // The batch axis is dynamic ("N" in the export): one network serves every size.
  for (const auto& c : kCases) {
    mock::MockCore core(runner_options());
    load(core, c.model);
    for (int batch : {1, 5, 64, 1}) {
      BOOST_TEST_CONTEXT(c.model << " batch " << batch) { check_outputs(c, batch, infer(core, inputs_of(c.model, batch, c.inputs))); }
    }
    BOOST_TEST(core.violations().empty());
  }
}

BOOST_AUTO_TEST_CASE(without_fusion_and_without_the_import_check) {
  // The operator, not the model, turns the import check off.
  auto options = runner_options();
  options.environment["CARTON_RUNNER_CHILD_CHECK"] = "off";
  mock::MockCore core(options);
  load(core, "cnn", opts({{"fusion", wire::BooleanOpt{false}}, {"check_in_child", wire::BooleanOpt{false}}}));
  check_outputs(kCases[1], 5, infer(core, inputs_of("cnn", 5, {"image"})));
}

BOOST_AUTO_TEST_CASE(a_model_cannot_switch_off_its_own_import_check) {
  mock::MockCore core(runner_options());
  const std::string error =
      error_of([&] { load(core, "cnn", opts({{"check_in_child", wire::BooleanOpt{false}}})); });
  BOOST_TEST(error.find("CARTON_RUNNER_CHILD_CHECK=off") != std::string::npos, error);
  // Asking for it is fine.
  load(core, "cnn", opts({{"check_in_child", wire::BooleanOpt{true}}}));
  check_outputs(kCases[1], 5, infer(core, inputs_of("cnn", 5, {"image"})));
}

BOOST_AUTO_TEST_CASE(sealed_inputs) {
  mock::MockCore core(runner_options());
  load(core, "two_io");
  const auto handle = core.core().seal({inputs_of("two_io", 5, {"left", "right"})}).handle;
  const auto out = core.core().infer_with_handle({handle, false});
  BOOST_REQUIRE(out.final.has_value());
  check_outputs(kCases[2], 5, out.final->tensors);
  // The handle was consumed.
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handle, false}); }).find("InferWithHandle") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(strided_and_float64_inputs_are_refused_or_converted) {
  mock::MockCore core(runner_options());
  load(core, "mlp");
  // A transposed view of the batch-5 input, [16, 5] stored, read as [5, 16]: one copy.
  const auto x = Models::get().tensor("mlp.b5.x.in");
  const auto v = x.values<float>();
  std::vector<float> t(v.size());
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 16; ++j) t[j * 5 + i] = v[i * 16 + j];
  }
  const auto strided = Tensor::from_values<float>({5, 16}, std::move(t), wire::Shape{1, 5});
  check_close(infer(core, {{"x", strided}}).at("y"), "mlp.b5.y.out");
}

BOOST_AUTO_TEST_CASE(int64_inputs_and_outputs_keep_their_dtype) {
  // Neg on int64: OpenCV computes in float32, the runner answers int64 again.
  mock::MockCore core(runner_options());
  load(core, "int64_io");
  const auto out = infer(core, {{"xi", Tensor::from_values<std::int64_t>({2, 3}, {1, -2, 3, 0, 1 << 20, -(1 << 23)})}});
  BOOST_TEST((out.at("yi") == Tensor::from_values<std::int64_t>({2, 3}, {-1, 2, -3, 0, -(1 << 20), 1 << 23})));
}

BOOST_AUTO_TEST_CASE(sixteen_requests_in_flight_get_their_own_answers) {
  // Batches of 1, 5 and 64 interleaved: a request answered from another's blobs, or
  // with another's input, would differ from torch. Once serialized on one network
  // (networks 1), once on a pool of four, and once merged (batch_max_rows 80: the
  // batches of 1 and 5 queued behind a 64 join it, and each other).
  for (std::int64_t networks : {1, 4, 0}) {
    BOOST_TEST_CONTEXT("networks = " << networks) {
      mock::MockCore core(runner_options());
      load(core, "cnn", networks > 0 ? opts({{"networks", wire::IntegerOpt{networks}}})
                                     : opts({{"batch_max_rows", wire::IntegerOpt{80}}}));
      std::vector<std::pair<wire::RpcId, int>> sent;
      for (int i = 0; i < 16; ++i) {
        const int batch = std::array<int, 3>{64, 1, 5}[i % 3];
        sent.emplace_back(core.send(wire::InferWithTensorsRequest{inputs_of("cnn", batch, {"image"}), false}), batch);
      }
      for (const auto& [id, batch] : sent) {
        const auto replies = core.wait(id);
        BOOST_REQUIRE(replies.size() == 1u);
        const auto* infer = std::get_if<wire::InferResponse>(&replies[0].data);
        BOOST_REQUIRE(infer != nullptr);
        check_outputs(kCases[1], batch, infer->tensors);
      }
      BOOST_TEST(core.violations().empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(streaming_requests_get_one_complete_reply) {
  mock::MockCore core(runner_options());
  load(core, "mlp");
  const auto out = core.core().infer_with_tensors({inputs_of("mlp", 1, {"x"}), true});
  BOOST_TEST(out.partial.empty());
  BOOST_REQUIRE(out.final.has_value());
  check_close(out.final->tensors.at("y"), "mlp.b1.y.out");
}

BOOST_AUTO_TEST_CASE(merging_needs_a_dynamic_first_dimension) {
  mock::MockCore core(runner_options());
  const std::string e = error_of([&] { load(core, "mlp_static", opts({{"batch_max_rows", wire::IntegerOpt{8}}})); });
  BOOST_TEST(e.find("runner option 'batch_max_rows' is 8; the input 'x' has a fixed first dimension") !=
             std::string::npos, e);
}

