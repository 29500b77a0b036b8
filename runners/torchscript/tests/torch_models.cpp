#include "torch_models.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace carton::torch_test {

namespace stdfs = std::filesystem;

namespace {

wire::DType dtype_named(const std::string& name) {
  for (auto d : {wire::DType::kFloat32, wire::DType::kFloat64, wire::DType::kInt8, wire::DType::kInt16,
                 wire::DType::kInt32, wire::DType::kInt64, wire::DType::kUInt8}) {
    if (name == wire::to_string(d)) return d;
  }
  throw std::runtime_error("cases.txt: unknown dtype " + name);
}

wire::Shape dims(const std::string& text) {
  wire::Shape out;
  if (text == "scalar") return out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) out.push_back(std::stoull(part));
  return out;
}

}  // namespace

const Models& Models::get() {
  static const Models models;
  return models;
}

Models::Models() : root_(stdfs::temp_directory_path() / ("carton-torch-models-" + std::to_string(::getpid()))) {
  stdfs::remove_all(root_);
  stdfs::create_directories(root_);
  const std::string command =
      std::string("'") + CARTON_PYTHON + "' '" + CARTON_TORCH_MAKE_MODELS + "' '" + root_.string() + "'";
  const int status = std::system(command.c_str());
  if (status != 0) {
    throw std::runtime_error("make_models.py failed (" + command + ", status " + std::to_string(status) +
                             "): python3-torch must be installed for " + CARTON_PYTHON);
  }
  std::ifstream cases(root_ / "expected" / "cases.txt");
  std::string key, dtype, shape, strides;
  while (cases >> key >> dtype >> shape >> strides) {
    cases_.push_back({key, dtype_named(dtype), dims(shape),
                      strides == "-" ? std::nullopt : std::optional<wire::Shape>(dims(strides))});
  }
  std::ifstream strings(root_ / "expected" / "strings.txt");
  std::string line;
  while (std::getline(strings, line)) {
    const auto tab = line.find('\t');
    strings_.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
}

Models::~Models() {
  std::error_code ignored;
  stdfs::remove_all(root_, ignored);
}

std::vector<std::uint8_t> Models::expected_bytes(const std::string& file) const {
  std::ifstream in(root_ / "expected" / file, std::ios::binary);
  if (!in) throw std::runtime_error("missing expected file " + file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> Models::expected_strings(const std::string& key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : strings_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

mock::MockCoreOptions runner_options() {
  mock::MockCoreOptions o;
  o.runner_path = CARTON_TORCHSCRIPT_RUNNER;
  // Loading libtorch and a first forward() take longer than the noop runner's replies.
  o.call_timeout = std::chrono::milliseconds(60000);
  return o;
}

wire::LoadRequest load_request(wire::FsToken fs, std::optional<RunnerOpts> opts) {
  return mock::testing::load_request(fs, "torchscript", std::move(opts));
}

void load(mock::MockCore& core, const std::string& name, std::optional<RunnerOpts> opts) {
  const auto fs = core.serve_directory(Models::get().dir(name).string(), false);
  core.core().load(load_request(fs, std::move(opts)));
}

wire::Map<std::string, wire::Tensor> infer(mock::MockCore& core, wire::Map<std::string, wire::Tensor> inputs) {
  auto out = core.core().infer_with_tensors({std::move(inputs), false});
  BOOST_REQUIRE(out.partial.empty());
  BOOST_REQUIRE(out.final.has_value());
  return std::move(out.final->tensors);
}

}  // namespace carton::torch_test
