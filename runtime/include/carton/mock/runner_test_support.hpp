// What a runner's own tests write again and again against the mock core, for in-tree
// and out-of-tree runners alike (installed with carton_mock): a model folder to serve,
// the Load carton's core sends, "expect an Error", an output by name, runner options
// from a list and a wait for a log record. Independent of any test framework: a
// failed expectation throws ExpectationFailed, which every framework reports.
//
//   namespace mt = carton::mock::testing;
//   carton::mock::MockCore core(options);
//   mt::ModelFolder model;
//   model.write("model.txt", "weights 1 2 3\n");
//   mt::load(core, model.path(), "acme/linear");
//   const auto out = mt::infer(core, std::move(inputs));
//   const carton::wire::Tensor& y = mt::output(out, "y");
//   mt::expect_error([&] { mt::load(core, empty.path(), "acme/linear"); }, "model.txt");
//
// A namespace of their own, so that argument-dependent lookup on a MockCore never
// makes them compete with a test's own load() or infer().
#pragma once

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "carton/mock/mock_core.hpp"

namespace carton::mock::testing {

using RunnerOpts = wire::Map<std::string, wire::RunnerOpt>;
using Tensors = wire::Map<std::string, wire::Tensor>;

// A test's expectation about the runner's replies did not hold.
class ExpectationFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The Error message `call` gets from the runner; "(no error)" if it succeeds.
template <class F>
std::string error_of(F&& call) {
  try {
    std::forward<F>(call)();
  } catch (const RunnerError& e) {
    return e.what();
  }
  return "(no error)";
}

// Runs `call`, which must get an Error from the runner whose message contains `part`;
// returns the whole message. Throws ExpectationFailed saying what happened instead.
template <class F>
std::string expect_error(F&& call, std::string_view part) {
  const std::string message = error_of(std::forward<F>(call));
  if (message == "(no error)") {
    throw ExpectationFailed("expected an Error containing '" + std::string(part) + "', but the call succeeded");
  }
  if (message.find(part) == std::string::npos) {
    throw ExpectationFailed("expected an Error containing '" + std::string(part) + "', got '" + message + "'");
  }
  return message;
}

// Runner options (a manifest's runner_opts) from a list: opts({{"nthread", wire::IntegerOpt{2}}}).
RunnerOpts opts(std::initializer_list<std::pair<const char*, wire::RunnerOpt>> list);

// A Load of the model directory served as `fs`, as carton's core sends it: any
// framework version ("*"), compat version 1, on the CPU.
wire::LoadRequest load_request(wire::FsToken fs, std::string runner_name,
                               std::optional<RunnerOpts> runner_opts = std::nullopt);
// Serves `dir` read-only, as carton serves a model directory, and sends that Load.
// Throws RunnerError with the runner's Error.
void load(MockCore& core, const std::string& dir, std::string runner_name,
          std::optional<RunnerOpts> runner_opts = std::nullopt);

// The outputs of one complete (not streamed) InferWithTensors reply; throws
// ExpectationFailed if the reply has no final response.
Tensors infer(MockCore& core, Tensors inputs);
// The output named `name`; throws ExpectationFailed naming the outputs there are.
const wire::Tensor& output(const Tensors& outputs, const std::string& name);

// Waits for a log record containing `part`: records travel beside replies, not before
// them, so one may arrive after the reply to the request that logged it.
bool logged(MockCore& core, const std::string& part,
            std::chrono::milliseconds wait = std::chrono::milliseconds(3000));

// A fresh directory under the system's temp directory, removed with everything in it
// when the object goes: a model folder for a test to fill and serve.
class ModelFolder {
 public:
  explicit ModelFolder(const std::string& label = "carton-model");
  ~ModelFolder();
  ModelFolder(const ModelFolder&) = delete;
  ModelFolder& operator=(const ModelFolder&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to <path>/<relative>, creating its folders; throws naming the file.
  ModelFolder& write(const std::string& relative, std::string_view contents);
  // Copies the file `from` to <path>/<relative>.
  ModelFolder& copy(const std::string& relative, const std::filesystem::path& from);

 private:
  std::string path_;
};

}  // namespace carton::mock::testing
