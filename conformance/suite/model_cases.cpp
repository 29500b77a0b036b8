// The model suite: with `carton-conformance --model-check FILE`, the runner must give
// the file's expected outputs for its inputs (model_check.hpp), through each way carton
// runs a model: InferWithTensors, Seal then InferWithHandle, and several infers at once.
// Unlike the other suites, an Error is a failure here: the model path must work.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "suite/case_support.hpp"
#include "suite/model_check.hpp"

namespace carton::conformance::suite {

namespace {

// carton's core sends requests from many callers at once; 8 in flight is past the
// runtime's default of 4 handler threads, so some wait and some run side by side.
constexpr int kConcurrentInfers = 8;

const std::vector<std::shared_ptr<const ModelCheck>>& checks_of(const CaseContext& ctx) {
  if (ctx.model_checks.empty()) throw Skip("no --model-check file given");
  return ctx.model_checks;
}

// Load with the check's runner_opts, serving --model-dir (or an empty directory): it
// must succeed, or there is no model to check.
void load_for(MockCore& core, const CaseContext& ctx, const ModelCheck& check) {
  const auto replies = send_load(core, ctx, check.runner_opts);
  if (!expect_ok_or_error<wire::LoadResponse>("Load", replies)) {
    throw Failure("expected a LoadResponse for the model check " + check.file + " (model directory " +
                  (ctx.model_dir.empty() ? "empty: give --model-dir" : ctx.model_dir) + "), got ErrorResponse: " +
                  std::get<wire::ErrorResponse>(replies[0].data).e);
  }
}

// The outputs of one non-streaming infer, which must succeed and match.
void require_outputs(const char* what, const ModelCheck& check, const std::vector<wire::RPCResponse>& replies) {
  if (!expect_ok_or_error<wire::InferResponse>(what, replies)) {
    throw Failure(std::string("expected an InferResponse to ") + what + " with the inputs of the model check " +
                  check.file + ", got ErrorResponse: " + std::get<wire::ErrorResponse>(replies[0].data).e);
  }
  if (auto diff = compare_outputs(check, std::get<wire::InferResponse>(replies[0].data).tensors)) {
    throw Failure(*diff + " (model check " + check.file + ", " + what + ")");
  }
}

void model_infer_with_tensors(const CaseContext& ctx) {
  auto core = start(ctx);
  for (const auto& check : checks_of(ctx)) {
    load_for(*core, ctx, *check);
    require_outputs("InferWithTensors", *check, core->call(wire::InferWithTensorsRequest{check->inputs, false}));
  }
  require_no_violations(*core);
}

void model_seal_infer_with_handle(const CaseContext& ctx) {
  auto core = start(ctx);
  for (const auto& check : checks_of(ctx)) {
    load_for(*core, ctx, *check);
    const auto sealed = core->call(wire::SealRequest{check->inputs});
    // Seal is optional for a runner (the protocol suite accepts Error): say so, once.
    if (!expect_ok_or_error<wire::SealResponse>("Seal", sealed)) {
      throw Skip("the runner answers Seal with Error: " + std::get<wire::ErrorResponse>(sealed[0].data).e);
    }
    const auto handle = std::get<wire::SealResponse>(sealed[0].data).handle;
    require_outputs("InferWithHandle", *check, core->call(wire::InferWithHandleRequest{handle, false}));
  }
  require_no_violations(*core);
}

void model_concurrent_infers(const CaseContext& ctx) {
  auto core = start(ctx);
  for (const auto& check : checks_of(ctx)) {
    load_for(*core, ctx, *check);
    std::vector<wire::RpcId> ids;
    for (int i = 0; i < kConcurrentInfers; ++i) ids.push_back(core->send(wire::InferWithTensorsRequest{check->inputs, false}));
    for (const auto id : ids) require_outputs("InferWithTensors", *check, core->wait(id));
  }
  require_no_violations(*core);
}

}  // namespace

void add_model_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "model"};
  add("infer_with_tensors", "Load (with the check's runner_opts), then InferWithTensors gives the expected outputs",
      model_infer_with_tensors);
  add("seal_infer_with_handle", "Seal of the inputs, then InferWithHandle gives the expected outputs (SKIP if Seal "
      "answers Error)", model_seal_infer_with_handle);
  add("concurrent_infers_" + std::to_string(kConcurrentInfers),
      std::to_string(kConcurrentInfers) + " InferWithTensors in flight at once each give the expected outputs",
      model_concurrent_infers);
}

}  // namespace carton::conformance::suite
