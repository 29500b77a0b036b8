#include "xgboost_models.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace carton::xgboost_test {

namespace stdfs = std::filesystem;

// The runner predicts with the library python's predict uses, from the same float32
// rows: the answers should be bit-identical; 1e-6 is the bound.
constexpr double kTolerance = 1e-6;

namespace {

wire::DType dtype_named(const std::string& name) {
  if (name == "float32") return wire::DType::kFloat32;
  if (name == "float64") return wire::DType::kFloat64;
  throw std::runtime_error("shapes.txt: unexpected dtype " + name);
}

// "k=int:5", "k=float:-999", "k=bool:true", "k=str:x", as ref-core's --opt takes them.
std::pair<std::string, wire::RunnerOpt> parse_opt(const std::string& s) {
  const auto eq = s.find('='), colon = s.find(':', eq);
  if (eq == std::string::npos || colon == std::string::npos) throw std::runtime_error("cases.txt: bad option " + s);
  const std::string key = s.substr(0, eq), type = s.substr(eq + 1, colon - eq - 1), value = s.substr(colon + 1);
  if (type == "int") return {key, wire::IntegerOpt{std::stoll(value)}};
  if (type == "float") return {key, wire::DoubleOpt{std::stod(value)}};
  if (type == "bool") return {key, wire::BooleanOpt{value == "true"}};
  return {key, wire::StringOpt{value}};
}

}  // namespace

const Models& Models::get() {
  static const Models models;
  return models;
}

Models::Models() : root_(stdfs::temp_directory_path() / ("carton-xgboost-models-" + std::to_string(::getpid()))) {
  stdfs::remove_all(root_);
  stdfs::create_directories(root_);
  const std::string command =
      std::string("'") + CARTON_PYTHON + "' '" + CARTON_XGBOOST_MAKE_MODELS + "' '" + root_.string() + "'";
  const int status = std::system(command.c_str());
  if (status != 0) {
    throw std::runtime_error("make_models.py failed (" + command + ", status " + std::to_string(status) +
                             "): python3-xgboost must be installed for " + CARTON_PYTHON);
  }
  std::ifstream lines(root_ / "expected" / "cases.txt");
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    Case c;
    if (!(in >> c.name >> c.model)) continue;
    for (std::string opt; in >> opt;) c.opts.insert_or_assign(parse_opt(opt).first, parse_opt(opt).second);
    for (const char* input : {"input", "base_margin"}) {
      if (stdfs::exists(root_ / "expected" / (c.name + "." + input + ".in"))) {
        c.inputs.insert_or_assign(input, tensor(c.name + "." + input + ".in"));
      }
    }
    cases_.push_back(std::move(c));
  }
  if (cases_.empty()) throw std::runtime_error("make_models.py wrote no cases");
}

Models::~Models() {
  std::error_code ignored;
  stdfs::remove_all(root_, ignored);
}

const Case& Models::find(const std::string& name) const {
  for (const auto& c : cases_) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no case " + name);
}

wire::Tensor Models::tensor(const std::string& key) const {
  std::ifstream shapes(root_ / "expected" / "shapes.txt");
  std::string k, dtype, dims;
  while (shapes >> k >> dtype >> dims) {
    if (k != key) continue;
    wire::Shape shape;
    std::stringstream in(dims);
    for (std::string d; dims != "-" && std::getline(in, d, ',');) shape.push_back(std::stoull(d));
    std::ifstream f(root_ / "expected" / key, std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    return wire::Tensor::from_bytes(dtype_named(dtype), shape, wire::Bytes::adopt(std::move(bytes)));
  }
  throw std::runtime_error("no expected tensor " + key);
}

mock::MockCoreOptions runner_options() {
  mock::MockCoreOptions o;
  o.runner_path = CARTON_XGBOOST_RUNNER;
  o.call_timeout = std::chrono::milliseconds(60000);
  return o;
}

void load(mock::MockCore& core, const std::string& name, std::optional<RunnerOpts> opts) {
  core.core().load(mock::testing::load_request(core.serve_directory(Models::get().dir(name).string(), false), "xgboost",
                                              std::move(opts)));
}

Tensors infer(mock::MockCore& core, Tensors inputs) {
  auto out = core.core().infer_with_tensors({std::move(inputs), false});
  BOOST_REQUIRE(out.partial.empty());
  BOOST_REQUIRE(out.final.has_value());
  return std::move(out.final->tensors);
}

double check_output(const wire::Tensor& got, const std::string& c) {
  const auto want = Models::get().tensor(c + ".output.out");
  double worst = 0;
  BOOST_TEST_CONTEXT(c) {
    BOOST_REQUIRE(got.dtype() == wire::DType::kFloat32);
    BOOST_TEST(got.shape() == want.shape());
    const auto g = got.values<float>(), w = want.values<float>();
    BOOST_REQUIRE(g.size() == w.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double err = std::fabs(double(g[i]) - w[i]) / std::max(1.0, std::fabs(double(w[i])));
      worst = std::max(worst, err);
      bad += !(err <= kTolerance);
    }
    BOOST_TEST(bad == 0u, bad << " of " << w.size() << " elements off by more than 1e-6 (worst " << worst << ")");
  }
  return worst;
}

}  // namespace carton::xgboost_test
