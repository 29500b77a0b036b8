// What the XGBoost runner tests share: the models make_models.py trains with Debian's
// python3-xgboost (once per test process, into a temp dir removed at exit), python's
// predictions for their inputs, the cases that pair them, and a mock core running
// carton-runner-xgboost.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "carton/mock/mock_core.hpp"
#include "carton/mock/runner_test_support.hpp"

namespace carton::xgboost_test {

using mock::testing::RunnerOpts;
using Tensors = wire::Map<std::string, wire::Tensor>;

// One line of expected/cases.txt: a model directory, the Load's options, the inputs and
// python's output.
struct Case {
  std::string name, model;
  RunnerOpts opts;
  Tensors inputs;
};

class Models {
 public:
  static const Models& get();  // runs make_models.py on first use
  ~Models();
  std::filesystem::path dir(const std::string& name) const { return root_ / name; }
  const std::filesystem::path& root() const { return root_; }
  // <root>/expected/<key> as the tensor shapes.txt describes, e.g. tensor("binary.output.out").
  wire::Tensor tensor(const std::string& key) const;
  const std::vector<Case>& cases() const { return cases_; }
  const Case& find(const std::string& name) const;

 private:
  Models();
  std::filesystem::path root_;
  std::vector<Case> cases_;
};

mock::MockCoreOptions runner_options();
// Serves the model directory `name` and sends Load (runner_name "xgboost").
void load(mock::MockCore& core, const std::string& name, std::optional<RunnerOpts> opts = std::nullopt);

using mock::testing::error_of;
using mock::testing::logged;
using mock::testing::opts;

// The outputs of one complete InferWithTensors reply.
Tensors infer(mock::MockCore& core, Tensors inputs);
// Fails the test unless `got` is python's output for case `c`: float32, its shape, and
// every element within 1e-6 relative (of |expected| above 1). Returns the largest
// difference seen, relative so.
double check_output(const wire::Tensor& got, const std::string& c);

}  // namespace carton::xgboost_test
