// Predictions through carton-runner-xgboost, started by the mock core as carton starts
// it, compared with python's Booster.predict on the same models and rows
// (make_models.py): every objective's shape, the three model formats, float64 rows,
// missing values, base margins and the options that change a prediction.
#include <boost/test/unit_test.hpp>

#include <array>

#include "xgboost_models.hpp"

using namespace carton;
using namespace carton::xgboost_test;
using wire::Tensor;

BOOST_AUTO_TEST_CASE(every_case_matches_python_predict) {
  double worst = 0;
  for (const auto& c : Models::get().cases()) {
    BOOST_TEST_CONTEXT(c.name) {
      mock::MockCore core(runner_options());
      load(core, c.model, c.opts);
      const auto out = infer(core, c.inputs);
      BOOST_TEST(out.size() == 1u);
      worst = std::max(worst, check_output(out.at("output"), c.name));
      BOOST_TEST(core.violations().empty());
    }
  }
  BOOST_TEST_MESSAGE(Models::get().cases().size() << " cases; largest difference from python's predict: " << worst);
  std::printf("xgboost: %zu cases match python's Booster.predict; largest relative difference %g\n",
              Models::get().cases().size(), worst);
}

BOOST_AUTO_TEST_CASE(sealed_inputs_and_streaming) {
  mock::MockCore core(runner_options());
  const auto& c = Models::get().find("base_margin_multiclass");
  load(core, c.model);
  const auto handle = core.core().seal({c.inputs}).handle;
  const auto out = core.core().infer_with_handle({handle, false});
  BOOST_REQUIRE(out.final.has_value());
  check_output(out.final->tensors.at("output"), c.name);
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handle, false}); }).find("InferWithHandle") !=
             std::string::npos);
  // Asked to stream: one complete answer, as carton's runners give.
  const auto streamed = core.core().infer_with_tensors({c.inputs, true});
  BOOST_TEST(streamed.partial.empty());
  BOOST_REQUIRE(streamed.final.has_value());
  check_output(streamed.final->tensors.at("output"), c.name);
}

BOOST_AUTO_TEST_CASE(strided_rows_are_read_in_place) {
  // The 50 x 8 rows stored transposed ([8, 50] in memory, strides {1, 50}): XGBoost
  // reads them through the array interface's strides.
  mock::MockCore core(runner_options());
  load(core, "regression");
  const auto x = Models::get().find("regression").inputs.at("input");
  const auto v = x.values<float>();
  std::vector<float> t(v.size());
  for (std::size_t i = 0; i < 50; ++i) {
    for (std::size_t j = 0; j < 8; ++j) t[j * 50 + i] = v[i * 8 + j];
  }
  const auto strided = Tensor::from_values<float>({50, 8}, std::move(t), wire::Shape{1, 50});
  check_output(infer(core, {{"input", strided}}).at("output"), "regression");
}

BOOST_AUTO_TEST_CASE(sixteen_requests_in_flight_get_their_own_answers) {
  // Three models' worth of cases interleaved on one model each: a request answered
  // from another's rows (XGBoost's per-thread result buffers) would differ from python.
  mock::MockCore core(runner_options());
  load(core, "multiclass");
  const std::array<const char*, 3> names{"multiclass", "base_margin_multiclass", "multiclass"};
  std::vector<std::pair<wire::RpcId, std::string>> sent;
  for (int i = 0; i < 16; ++i) {
    const auto& c = Models::get().find(names[i % 3]);
    sent.emplace_back(core.send(wire::InferWithTensorsRequest{c.inputs, false}), c.name);
  }
  for (const auto& [id, name] : sent) {
    const auto replies = core.wait(id);
    BOOST_REQUIRE(replies.size() == 1u);
    const auto* infer = std::get_if<wire::InferResponse>(&replies[0].data);
    BOOST_REQUIRE(infer != nullptr);
    check_output(infer->tensors.at("output"), name);
  }
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(a_named_model_file_and_nthread) {
  mock::MockCore core(runner_options());
  load(core, "other_name", opts({{"model_file", wire::StringOpt{"booster.json"}}, {"nthread", wire::IntegerOpt{2}}}));
  check_output(infer(core, Models::get().find("regression").inputs).at("output"), "regression");
}

namespace {

// Rows [begin, begin + n) of every tensor of `in` (C order, as the cases are).
Tensors rows_of(const Tensors& in, std::uint64_t begin, std::uint64_t n) {
  Tensors out;
  for (const auto& [name, t] : in) {
    const std::size_t row_bytes = t.bytes().size() / t.shape()[0];
    wire::Shape shape = t.shape();
    shape[0] = n;
    out.insert_or_assign(name, Tensor::copy_of(t.dtype(), std::move(shape), t.bytes().data() + begin * row_bytes,
                                               n * row_bytes));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(merged_requests_get_the_bits_of_their_answers_alone) {
  // For every case: 64 requests of 1 to 3 of its rows, sent at once so that the runner
  // merges them (batch_max_rows 64, the default), each answer compared bit for bit with
  // the same request's answer from a runner that never merges (batch_max_rows 0). The
  // cases the walker takes run at once instead (runs_at_once); those XGBoost predicts
  // (base margins, an iteration range) merge.
  for (const auto& c : Models::get().cases()) {
    BOOST_TEST_CONTEXT(c.name) {
      const std::uint64_t rows = c.inputs.at("input").shape()[0];
      std::vector<Tensors> requests;
      for (std::uint64_t begin = 0, k = 0; requests.size() < 64; ++k) {
        const std::uint64_t n = std::min<std::uint64_t>(rows, 1 + k % 3);
        if (begin + n > rows) begin = 0;
        requests.push_back(rows_of(c.inputs, begin, n));
        begin += n;
      }
      RunnerOpts alone_opts = c.opts;
      alone_opts.insert_or_assign("batch_max_rows", wire::IntegerOpt{0});
      mock::MockCore alone(runner_options());
      load(alone, c.model, alone_opts);
      mock::MockCore merged(runner_options());
      load(merged, c.model, c.opts);
      std::vector<wire::RpcId> ids;
      for (const auto& r : requests) ids.push_back(merged.send(wire::InferWithTensorsRequest{r, false}));
      for (std::size_t i = 0; i < requests.size(); ++i) {
        const Tensor expected = infer(alone, requests[i]).at("output");
        const auto replies = merged.wait(ids[i]);
        BOOST_REQUIRE(replies.size() == 1u);
        const auto* got = std::get_if<wire::InferResponse>(&replies[0].data);
        BOOST_REQUIRE(got != nullptr);
        BOOST_TEST((got->tensors.at("output") == expected));
      }
      BOOST_TEST(merged.violations().empty());
    }
  }
}
