// What the TorchScript runner tests share: the models and expected outputs that
// make_models.py writes with Debian's python3-torch (once per test process, into a
// temp dir removed at exit), and a mock core running carton-runner-torchscript.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "carton/mock/mock_core.hpp"
#include "carton/mock/runner_test_support.hpp"

namespace carton::torch_test {

struct NumericCase {
  std::string key;  // also the file stem of <key>.in / <key>.out
  wire::DType dtype;
  wire::Shape shape;
  std::optional<wire::Shape> strides;
};

class Models {
 public:
  // Runs make_models.py on first use; a failure stops the test with its exit status.
  static const Models& get();
  ~Models();

  // <root>/<name>: a model directory holding model.pt.
  std::filesystem::path dir(const std::string& name) const { return root_ / name; }
  const std::filesystem::path& root() const { return root_; }
  const std::vector<NumericCase>& cases() const { return cases_; }
  // The raw bytes of <root>/expected/<file>.
  std::vector<std::uint8_t> expected_bytes(const std::string& file) const;
  // The "mixed" model's string outputs by key, in list order.
  std::vector<std::string> expected_strings(const std::string& key) const;

 private:
  Models();
  std::filesystem::path root_;
  std::vector<NumericCase> cases_;
  std::vector<std::pair<std::string, std::string>> strings_;
};

using RunnerOpts = wire::Map<std::string, wire::RunnerOpt>;

mock::MockCoreOptions runner_options();
// Serves the model directory `name` and sends Load (runner_name "torchscript").
void load(mock::MockCore& core, const std::string& name, std::optional<RunnerOpts> opts = std::nullopt);
wire::LoadRequest load_request(wire::FsToken fs, std::optional<RunnerOpts> opts = std::nullopt);

using mock::testing::error_of;
using mock::testing::logged;
using mock::testing::opts;

// The outputs of InferWithTensors, which must be one complete Infer reply.
wire::Map<std::string, wire::Tensor> infer(mock::MockCore& core, wire::Map<std::string, wire::Tensor> inputs);

}  // namespace carton::torch_test
