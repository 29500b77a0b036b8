// Inference through carton-runner-torchscript, started by the mock core as carton starts
// it, compared with what Python's torch computed for the same inputs (make_models.py).
#include <boost/test/unit_test.hpp>

#include <thread>
#include <vector>

#include "torch_models.hpp"

using namespace carton;
using namespace carton::torch_test;
using wire::Tensor;

namespace {

Tensor input_of(const NumericCase& c) {
  return Tensor::from_bytes(c.dtype, c.shape, wire::Bytes::adopt(Models::get().expected_bytes(c.key + ".in")),
                            c.strides);
}

// The doubled result as Python computed it: same dtype and shape, contiguous.
void check_doubled(const NumericCase& c, const Tensor& got) {
  BOOST_TEST_CONTEXT("case " << c.key) {
    BOOST_TEST(got.dtype() == c.dtype);
    BOOST_TEST(got.shape() == c.shape, boost::test_tools::per_element());
    BOOST_TEST(!got.strides().has_value());
    BOOST_TEST((got.bytes() == wire::Bytes::adopt(Models::get().expected_bytes(c.key + ".out"))));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_supported_dtype_contiguous_and_strided_matches_python) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  wire::Map<std::string, Tensor> all;
  for (const auto& c : Models::get().cases()) all.insert_or_assign(c.key, input_of(c));
  BOOST_REQUIRE(all.size() >= 16u);
  const auto out = infer(core, all);
  BOOST_TEST(out.size() == all.size());
  for (const auto& c : Models::get().cases()) check_doubled(c, out.at(c.key));
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(inputs_at_every_alignment_in_the_frame) {
  // The key's length moves the tensor's bytes in the request frame: aligned elements
  // are used in place, misaligned ones are copied once; both must give Python's values.
  mock::MockCore core(runner_options());
  load(core, "doubler");
  for (const auto& c : Models::get().cases()) {
    if (c.dtype != wire::DType::kFloat64 && c.dtype != wire::DType::kInt32) continue;
    for (std::size_t len = 1; len <= 8; ++len) {
      const std::string key(len, 'k');
      const auto out = infer(core, {{key, input_of(c)}});
      check_doubled(c, out.at(key));
    }
  }
}

BOOST_AUTO_TEST_CASE(large_inputs_at_every_alignment_reuse_the_staging_copy) {
  // 6 MiB of float64: misaligned copies this large go through a reused buffer, which must
  // never hand one request's data to another. Doubling is exact in float64, so the
  // expected values need no Python here; each round has different values.
  mock::MockCore core(runner_options());
  load(core, "doubler");
  constexpr std::size_t kElements = (6u << 20) / sizeof(double);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t len = 1; len <= 8; ++len) {
      std::vector<double> in(kElements);
      for (std::size_t i = 0; i < kElements; ++i) in[i] = static_cast<double>(i) * 0.5 + round * 1000 + len;
      const std::string key(len, 'k');
      const auto out = infer(core, {{key, Tensor::from_values<double>({kElements}, in)}});
      const auto got = out.at(key).values<double>();
      BOOST_TEST_CONTEXT("round " << round << ", key length " << len) {
        BOOST_REQUIRE(got.size() == kElements);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < kElements; ++i) wrong += got[i] != in[i] * 2;
        BOOST_TEST(wrong == 0u);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(strings_in_and_out_with_a_dict_of_any) {
  // carton's own test model: Dict[str, Any] with a tensor, a str and a List[str].
  mock::MockCore core(runner_options());
  load(core, "mixed");
  const auto& m = Models::get();
  wire::Map<std::string, Tensor> in;
  in.insert_or_assign("a", Tensor::from_bytes(wire::DType::kFloat32, {4}, wire::Bytes::adopt(m.expected_bytes("mixed_a.in"))));
  in.insert_or_assign("b", Tensor::from_strings({}, {"héllo wörld"}));
  // A strided 1-d view: every other stored string.
  in.insert_or_assign("c", Tensor::from_strings({3}, {"one", "-", "two", "-", "three"}, wire::Shape{2}));
  const auto out = infer(core, in);

  BOOST_TEST((out.at("doubled").bytes() == wire::Bytes::adopt(m.expected_bytes("mixed_a.out"))));
  BOOST_TEST(out.at("doubled").dtype() == wire::DType::kFloat32);

  const auto& s = out.at("string");
  BOOST_TEST(s.dtype() == wire::DType::kString);
  BOOST_TEST(s.shape().empty());
  BOOST_TEST(s.strings() == m.expected_strings("string"), boost::test_tools::per_element());

  for (const char* key : {"stringlist", "generic"}) {
    BOOST_TEST_CONTEXT(key) {
      const auto& list = out.at(key);
      const auto expected = m.expected_strings(key);
      BOOST_TEST(list.dtype() == wire::DType::kString);
      BOOST_TEST(list.shape() == wire::Shape{expected.size()}, boost::test_tools::per_element());
      BOOST_TEST(list.strings() == expected, boost::test_tools::per_element());
    }
  }
  // An empty List[str]: shape [0], and one stored element as carton allocates it.
  BOOST_TEST(out.at("empty").shape() == wire::Shape{0}, boost::test_tools::per_element());
  BOOST_TEST(out.at("empty").strings().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_dict_of_any_gets_tensors_only_inputs) {
  // Dict types are invariant in TorchScript: the runner follows the model's annotation.
  mock::MockCore core(runner_options());
  load(core, "count_inputs");
  const auto out = infer(core, {{"p", Tensor::from_values<float>({1}, {1})},
                                {"q", Tensor::from_values<std::int64_t>({2}, {1, 2})},
                                {"r", Tensor::from_values<std::uint8_t>({}, {9})}});
  BOOST_TEST(out.at("count").dtype() == wire::DType::kInt64);
  BOOST_TEST(out.at("count").shape().empty());
  BOOST_TEST(out.at("count").value<std::int64_t>(0) == 3);
}

BOOST_AUTO_TEST_CASE(outputs_that_alias_the_input_or_are_not_contiguous) {
  mock::MockCore core(runner_options());
  load(core, "identity");
  const auto x = Tensor::from_values<std::int16_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto out = infer(core, {{"x", x}});
  BOOST_TEST((out.at("same") == x));
  // x.t(): a non-contiguous view, sent as a contiguous [3, 2] tensor.
  BOOST_TEST((out.at("transposed") == Tensor::from_values<std::int16_t>({3, 2}, {1, 4, 2, 5, 3, 6})));
}

BOOST_AUTO_TEST_CASE(empty_and_scalar_tensors) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  const auto out = infer(core, {{"empty", Tensor::from_values<float>({2, 0}, {0.0f})},
                                {"scalar", Tensor::from_values<std::int8_t>({}, {-3})}});
  BOOST_TEST(out.at("empty").shape() == (wire::Shape{2, 0}), boost::test_tools::per_element());
  BOOST_TEST(out.at("empty").storage_elements() == 1u);  // max(numel, 1), as carton stores it
  BOOST_TEST(out.at("scalar").shape().empty());
  BOOST_TEST(out.at("scalar").value<std::int8_t>(0) == -6);
}

BOOST_AUTO_TEST_CASE(streaming_requests_get_one_complete_reply) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  const auto out = core.core().infer_with_tensors({{{"x", Tensor::from_values<float>({1}, {2.5f})}}, true});
  BOOST_TEST(out.partial.empty());
  BOOST_REQUIRE(out.final.has_value());
  BOOST_TEST(out.final->tensors.at("x").value<float>(0) == 5.0f);
}

BOOST_AUTO_TEST_CASE(a_later_load_replaces_the_model) {
  mock::MockCore core(runner_options());
  const auto x = Tensor::from_values<std::int64_t>({1}, {21});
  load(core, "doubler");
  BOOST_TEST(infer(core, {{"x", x}}).at("x").value<std::int64_t>(0) == 42);
  load(core, "identity");
  BOOST_TEST((infer(core, {{"x", Tensor::from_values<std::int64_t>({1, 1}, {21})}}).at("same") ==
              Tensor::from_values<std::int64_t>({1, 1}, {21})));
}

BOOST_AUTO_TEST_CASE(thirty_two_infers_in_flight) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  std::vector<std::pair<wire::RpcId, float>> sent;
  for (int i = 0; i < 32; ++i) {
    // 64 Ki floats each, so that forward() calls overlap on the handler threads.
    std::vector<float> v(1 << 16, static_cast<float>(i));
    sent.emplace_back(core.send(wire::InferWithTensorsRequest{{{"x", Tensor::from_values<float>({v.size()}, v)}}, false}),
                      static_cast<float>(2 * i));
  }
  for (const auto& [id, doubled] : sent) {
    const auto replies = core.wait(id);
    BOOST_REQUIRE(replies.size() == 1u);
    const auto* infer = std::get_if<wire::InferResponse>(&replies[0].data);
    BOOST_REQUIRE(infer != nullptr);
    const auto values = infer->tensors.at("x").values<float>();
    BOOST_REQUIRE(values.size() == std::size_t(1 << 16));
    BOOST_TEST(values.front() == doubled);
    BOOST_TEST(values.back() == doubled);
  }
  BOOST_TEST(core.violations().empty());
}

namespace {

// Sends `requests`, each "x" as given, all before the first reply is read, and returns
// each reply's tensors in the order sent.
std::vector<wire::Map<std::string, Tensor>> in_flight(mock::MockCore& core, const std::vector<Tensor>& requests) {
  std::vector<wire::RpcId> ids;
  for (const auto& x : requests) ids.push_back(core.send(wire::InferWithTensorsRequest{{{"x", x}}, false}));
  std::vector<wire::Map<std::string, Tensor>> out;
  for (const auto& id : ids) {
    const auto replies = core.wait(id);
    BOOST_REQUIRE(replies.size() == 1u);
    const auto* infer = std::get_if<wire::InferResponse>(&replies[0].data);
    BOOST_REQUIRE_MESSAGE(infer != nullptr, "request " << id.value << " got no InferResponse");
    out.push_back(infer->tensors);
  }
  return out;
}

// Request i: (1 + i % 3) rows of 3 floats, every value distinct across requests.
std::vector<Tensor> rows_of_three(int n) {
  std::vector<Tensor> out;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t rows = 1 + i % 3;
    std::vector<float> v(rows * 3);
    for (std::size_t j = 0; j < v.size(); ++j) v[j] = static_cast<float>(100 * i + j);
    out.push_back(Tensor::from_values<float>({rows, 3}, v));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(merged_requests_each_get_their_own_rows_back) {
  mock::MockCore core(runner_options());
  load(core, "doubler", opts({{"batch_max_rows", wire::IntegerOpt{64}}}));
  const auto sent = rows_of_three(48);
  const auto got = in_flight(core, sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    BOOST_TEST_CONTEXT("request " << i) {
      const auto& y = got[i].at("x");
      BOOST_TEST(y.shape() == sent[i].shape(), boost::test_tools::per_element());
      auto expected = sent[i].values<float>();
      for (auto& v : expected) v *= 2;
      BOOST_TEST(y.values<float>() == expected, boost::test_tools::per_element());
    }
  }
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(a_script_that_is_not_per_row_answers_each_request_alone) {
  // column_sums answers x.sum(0): merged, its output has 3 values, not one per row, so
  // the SDK runs each request again alone, and each gets its own columns' sums.
  mock::MockCore core(runner_options());
  load(core, "column_sums", opts({{"batch_max_rows", wire::IntegerOpt{64}}}));
  const auto sent = rows_of_three(24);
  const auto got = in_flight(core, sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    BOOST_TEST_CONTEXT("request " << i) {
      const auto x = sent[i].values<float>();
      std::vector<float> sums(3, 0.f);
      for (std::size_t j = 0; j < x.size(); ++j) sums[j % 3] += x[j];
      BOOST_TEST(got[i].at("sums").values<float>() == sums, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_batching_option_out_of_range_fails_the_load_by_name) {
  mock::MockCore core(runner_options());
  const auto message = error_of([&] { load(core, "doubler", opts({{"batch_max_delay_us", wire::IntegerOpt{-1}}})); });
  BOOST_TEST(message.find("batch_max_delay_us") != std::string::npos, message);
}
