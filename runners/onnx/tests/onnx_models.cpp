#include "onnx_models.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace carton::onnx_test {

namespace stdfs = std::filesystem;

// Torch's float32 and OpenCV's differ in summation order and fused layers; 1e-4 is
// the bound, relative to the value's size above 1.
constexpr double kTolerance = 1e-4;

const Models& Models::get() {
  static const Models models;
  return models;
}

Models::Models() : root_(stdfs::temp_directory_path() / ("carton-onnx-models-" + std::to_string(::getpid()))) {
  stdfs::remove_all(root_);
  stdfs::create_directories(root_);
  const std::string command =
      std::string("'") + CARTON_PYTHON + "' '" + CARTON_ONNX_MAKE_MODELS + "' '" + root_.string() + "'";
  const int status = std::system(command.c_str());
  if (status != 0) {
    throw std::runtime_error("make_models.py failed (" + command + ", status " + std::to_string(status) +
                             "): python3-torch and python3-onnx must be installed for " + CARTON_PYTHON);
  }
}

Models::~Models() {
  std::error_code ignored;
  stdfs::remove_all(root_, ignored);
}

wire::Tensor Models::tensor(const std::string& key) const {
  std::ifstream shapes(root_ / "expected" / "shapes.txt");
  std::string k, dims;
  while (shapes >> k >> dims) {
    if (k != key) continue;
    wire::Shape shape;
    std::stringstream in(dims);
    for (std::string d; std::getline(in, d, ',');) shape.push_back(std::stoull(d));
    std::ifstream f(root_ / "expected" / key, std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    return wire::Tensor::from_bytes(wire::DType::kFloat32, shape, wire::Bytes::adopt(std::move(bytes)));
  }
  throw std::runtime_error("no expected tensor " + key);
}

mock::MockCoreOptions runner_options() {
  mock::MockCoreOptions o;
  o.runner_path = CARTON_ONNX_RUNNER;
  // The import check starts a child that loads OpenCV and imports the model.
  o.call_timeout = std::chrono::milliseconds(60000);
  return o;
}

wire::LoadRequest load_request(wire::FsToken fs, std::optional<RunnerOpts> opts) {
  return mock::testing::load_request(fs, "onnx", std::move(opts));
}

void load(mock::MockCore& core, const std::string& name, std::optional<RunnerOpts> opts) {
  const auto fs = core.serve_directory(Models::get().dir(name).string(), false);
  core.core().load(load_request(fs, std::move(opts)));
}

Tensors infer(mock::MockCore& core, Tensors inputs) {
  auto out = core.core().infer_with_tensors({std::move(inputs), false});
  BOOST_REQUIRE(out.partial.empty());
  BOOST_REQUIRE(out.final.has_value());
  return std::move(out.final->tensors);
}

Tensors inputs_of(const std::string& model, int batch, std::initializer_list<const char*> names) {
  Tensors out;
  for (const char* n : names) {
    out.insert_or_assign(n, Models::get().tensor(model + ".b" + std::to_string(batch) + "." + n + ".in"));
  }
  return out;
}

void check_close(const wire::Tensor& got, const std::string& expected_key) {
  const auto want = Models::get().tensor(expected_key);
  BOOST_TEST_CONTEXT(expected_key) {
    BOOST_REQUIRE(got.dtype() == wire::DType::kFloat32);
    BOOST_REQUIRE(got.shape() == want.shape());
    const auto g = got.values<float>(), w = want.values<float>();
    BOOST_REQUIRE(g.size() == w.size());
    std::size_t bad = 0;
    double worst = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double err = std::fabs(double(g[i]) - w[i]) / std::max(1.0, std::fabs(double(w[i])));
      worst = std::max(worst, err);
      bad += !(err <= kTolerance);
    }
    BOOST_TEST(bad == 0u, bad << " of " << w.size() << " elements off by more than 1e-4 (worst " << worst << ")");
  }
}

}  // namespace carton::onnx_test
