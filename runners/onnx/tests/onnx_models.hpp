// What the ONNX runner tests share: the models make_models.py exports with Debian's
// python3-torch (once per test process, into a temp dir removed at exit), what torch
// computed for their inputs, and a mock core running carton-runner-onnx.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "carton/mock/mock_core.hpp"
#include "carton/mock/runner_test_support.hpp"

namespace carton::onnx_test {

using mock::testing::RunnerOpts;
using Tensors = wire::Map<std::string, wire::Tensor>;

class Models {
 public:
  static const Models& get();  // runs make_models.py on first use
  ~Models();
  std::filesystem::path dir(const std::string& name) const { return root_ / name; }
  const std::filesystem::path& root() const { return root_; }
  // <root>/expected/<key> as a float32 tensor of the shape shapes.txt gives it, e.g.
  // tensor("mlp.b5.x.in").
  wire::Tensor tensor(const std::string& key) const;

 private:
  Models();
  std::filesystem::path root_;
};

mock::MockCoreOptions runner_options();
wire::LoadRequest load_request(wire::FsToken fs, std::optional<RunnerOpts> opts = std::nullopt);
// Serves the model directory `name` and sends Load (runner_name "onnx").
void load(mock::MockCore& core, const std::string& name, std::optional<RunnerOpts> opts = std::nullopt);

using mock::testing::error_of;
using mock::testing::logged;
using mock::testing::opts;

// The outputs of one complete InferWithTensors reply.
Tensors infer(mock::MockCore& core, Tensors inputs);
// The inputs torch was given for `model` at `batch`, by input name.
Tensors inputs_of(const std::string& model, int batch, std::initializer_list<const char*> names);
// Fails the test unless `got` is float32, of the expected shape, and within 1e-4 of
// torch's output (relative to |expected| above 1).
void check_close(const wire::Tensor& got, const std::string& expected_key);

}  // namespace carton::onnx_test
