// The handler's tensor mapping in this process, on rows placed at every offset: XGBoost
// refuses a misaligned pointer, so such rows are predicted block by block from aligned
// copies; the answers must be the aligned rows' answers, bit for bit, shapes included.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <fstream>
#include <random>

#include "booster.hpp"
#include "tensor_mapping.hpp"
#include "xgboost_models.hpp"

using namespace carton;
using namespace carton::xgboost_test;
namespace xgb = carton::runners::xgboost;

namespace {

xgb::Booster booster_of(const std::string& file, int max_threads = 0) {
  std::ifstream in(Models::get().dir(file), std::ios::binary);
  std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return xgb::Booster(wire::Bytes::adopt(std::move(bytes)), max_threads);
}

// `values` as a tensor whose elements start `offset` bytes into their buffer.
template <class T>
wire::Tensor at_offset(const std::vector<T>& values, wire::Shape shape, std::size_t offset) {
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(values.size() * sizeof(T) + offset);
  std::memcpy(buffer->data() + offset, values.data(), values.size() * sizeof(T));
  return wire::Tensor::from_bytes(wire::DTypeOf<T>::value, std::move(shape),
                                  wire::Bytes(buffer, buffer->data() + offset, values.size() * sizeof(T)));
}

}  // namespace

BOOST_AUTO_TEST_CASE(misaligned_rows_predict_as_aligned_ones_across_blocks) {
  // 70,000 rows of 8 float32 features: 2.1 MiB, so three blocks.
  const auto booster = booster_of("multiclass/model.json");
  const std::string config = xgb::Booster::predict_config({false, 0, 0, std::nan("")});
  constexpr std::uint64_t kRows = 70000;
  std::mt19937 rng(19);
  std::normal_distribution<float> normal;
  std::vector<float> rows(kRows * 8), margin(kRows * 4);
  for (auto& v : rows) v = normal(rng);
  for (auto& v : margin) v = normal(rng);
  for (bool with_margin : {false, true}) {
    xgb::Tensors aligned{{"input", at_offset(rows, {kRows, 8}, 0)}};
    if (with_margin) aligned.insert_or_assign("base_margin", at_offset(margin, {kRows, 4}, 0));
    const auto want = xgb::predict(booster, config, true, aligned).at("output");
    BOOST_TEST((want.shape() == wire::Shape{kRows, 4}));
    for (std::size_t offset : {1, 2, 3, 5}) {
      BOOST_TEST_CONTEXT("offset " << offset << (with_margin ? ", with base_margin" : "")) {
        xgb::Tensors shifted{{"input", at_offset(rows, {kRows, 8}, offset)}};
        if (with_margin) shifted.insert_or_assign("base_margin", at_offset(margin, {kRows, 4}, offset));
        const auto got = xgb::predict(booster, config, true, shifted).at("output");
        BOOST_TEST(got.shape() == want.shape());
        BOOST_TEST((got == want));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(misaligned_strided_float64_rows) {
  const auto booster = booster_of("regression/model.json");
  const std::string config = xgb::Booster::predict_config({false, 0, 0, std::nan("")});
  // 40,000 rows stored column by column ([8, 40000] in memory), as float64.
  constexpr std::uint64_t kRows = 40000;
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  std::vector<double> by_column(kRows * 8), by_row(kRows * 8);
  for (std::uint64_t i = 0; i < kRows; ++i) {
    for (std::uint64_t j = 0; j < 8; ++j) by_row[i * 8 + j] = by_column[j * kRows + i] = normal(rng);
  }
  const auto want = xgb::predict(booster, config, true, {{"input", at_offset(by_row, {kRows, 8}, 0)}}).at("output");
  auto strided = at_offset(by_column, {kRows, 8}, 3);
  strided = wire::Tensor::from_bytes(wire::DType::kFloat64, {kRows, 8}, strided.bytes(), wire::Shape{1, kRows});
  const auto got = xgb::predict(booster, config, true, {{"input", strided}}).at("output");
  BOOST_TEST((got == want));
  BOOST_TEST((got.shape() == wire::Shape{kRows}));
}

BOOST_AUTO_TEST_CASE(a_prediction_uses_a_thread_per_64_rows_up_to_nthread) {
  const auto four = booster_of("multiclass/model.json", 4);
  BOOST_TEST(four.threads_for(1) == 1);
  BOOST_TEST(four.threads_for(64) == 1);
  BOOST_TEST(four.threads_for(65) == 2);
  BOOST_TEST(four.threads_for(192) == 3);
  BOOST_TEST(four.threads_for(1000000) == 4);
  const auto one = booster_of("multiclass/model.json", 1);
  BOOST_TEST(one.threads_for(1000000) == 1);
  const auto all = booster_of("multiclass/model.json", 0);  // OpenMP's default: at least one
  BOOST_TEST(all.threads_for(1000000) >= 1);
  BOOST_TEST(all.threads_for(1) == 1);

  // However many threads predict, each row's answer is the same, bit for bit.
  const std::string config = xgb::Booster::predict_config({false, 0, 0, std::nan("")});
  std::mt19937 rng(23);
  std::normal_distribution<float> normal;
  for (std::uint64_t rows : {1u, 64u, 65u, 1000u}) {
    std::vector<float> x(rows * 8);
    for (auto& v : x) v = normal(rng);
    const xgb::Tensors in{{"input", at_offset(x, {rows, 8}, 0)}};
    BOOST_TEST_CONTEXT(rows << " rows") {
      BOOST_TEST((xgb::predict(one, config, true, in).at("output") == xgb::predict(four, config, true, in).at("output")));
    }
  }
}

BOOST_AUTO_TEST_CASE(warming_up_at_load_changes_no_answer) {
  // The handler warms each booster up at Load (zeros, once per thread path): what the
  // first requests get must be what a booster never warmed up gives.
  const std::string config = xgb::Booster::predict_config({false, 0, 0, std::nan("")});
  const auto warm = booster_of("multiclass/model.json", 2);
  warm.warm_up(config);
  const auto cold = booster_of("multiclass/model.json", 2);
  std::mt19937 rng(29);
  std::normal_distribution<float> normal;
  for (std::uint64_t rows : {1u, 300u}) {
    std::vector<float> x(rows * 8);
    for (auto& v : x) v = normal(rng);
    const xgb::Tensors in{{"input", at_offset(x, {rows, 8}, 0)}};
    BOOST_TEST_CONTEXT(rows << " rows") {
      BOOST_TEST((xgb::predict(warm, config, true, in).at("output") == xgb::predict(cold, config, true, in).at("output")));
    }
  }
}

BOOST_AUTO_TEST_CASE(walked_float64_rows_give_xgboost_bits) {
  // float64 rows of up to 64 are narrowed to float32 and walked (tensor_mapping.hpp):
  // the same bits as XGBoost's own prediction of them, misaligned or not, with values
  // that round onto a threshold or onto the `missing` value.
  for (const char* file : {"missing_value/model.json", "categorical/model.ubj", "multiclass/model.json"}) {
    BOOST_TEST_CONTEXT(file) {
      const auto booster = booster_of(file);
      const bool m999 = std::string(file).rfind("missing_value", 0) == 0;
      const xgb::PredictConfig pc{false, 0, 0, m999 ? -999.0 : std::nan("")};
      const std::string config = xgb::Booster::predict_config(pc);
      std::string why;
      const auto walker = xgb::TreeWalker::make(booster, pc, config, &why);
      BOOST_REQUIRE_MESSAGE(walker, why);
      const std::uint64_t f = booster.num_features(), n = 64;
      std::mt19937 rng(5);
      std::vector<double> rows(n * f);
      for (double& v : rows) {
        const unsigned pick = rng() % 10;
        v = pick == 0 ? -999.0000001 : pick < 4 ? static_cast<double>(rng() % 45) + 1e-9 : (rng() % 2001) / 400.0 - 2.5;
      }
      for (std::uint64_t count : {std::uint64_t(1), std::uint64_t(7), n}) {
        for (std::size_t offset : {0, 4}) {
          const xgb::Tensors in{{"input", at_offset(std::vector<double>(rows.begin(), rows.begin() + count * f),
                                                    {count, f}, offset)}};
          BOOST_TEST((xgb::predict(booster, config, true, in, walker.get()).at("output") ==
                      xgb::predict(booster, config, true, in).at("output")));
        }
      }
    }
  }
}
