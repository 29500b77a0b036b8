// The echo suite (opt-in): an echo runner returns its inputs bit-exactly, accepts any
// Load and answers Pack with its input path, as carton's noop runner does.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"
#include "suite/tensors.hpp"

namespace carton::conformance::suite {

namespace {

// ---- echo ----------------------------------------------------------------------------

void echo_one_dtype(const CaseContext& ctx, const NamedTensor& t) {
  auto core = start(ctx);
  load_model(*core, ctx);
  const auto out = core->core().infer_with_tensors({{{"in", t.tensor}}, false});
  if (!out.final) throw Failure("expected an InferResponse echoing the input, got Empty");
  const std::string d = echo_difference({{"in", t.tensor, t.padding_only}}, out.final->tensors);
  if (!d.empty()) {
    throw Failure("expected exactly the " + t.name + " tensor \"in\" back bit-exactly (NaN payloads and -0.0 "
                  "included), got " + d);
  }
  require_no_violations(*core);
}

void echo_seal(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  std::vector<NamedTensor> all;
  for (const auto& t : dtype_tensors()) {
    if (!t.padding_only) all.push_back(t);
  }
  const auto handle = core->core().seal({as_map(all)}).handle;
  const auto out = core->core().infer_with_handle({handle, false});
  const std::string d = out.final ? echo_difference(all, out.final->tensors) : "Empty";
  if (!d.empty()) throw Failure("expected InferWithHandle to return the sealed tensors bit-exactly, got " + d);
  require_no_violations(*core);
}

std::string error_text(const RunnerError& e) { return std::string("ErrorResponse: ") + e.what(); }

// Loads an echo runner must accept: a model directory with files, then the same with
// every kind of option, a GPU device and a manifest hash, then once more plainly.
void echo_load(const CaseContext& ctx) {
  auto core = start(ctx);
  TempDir dir;
  std::filesystem::create_directories(dir.path + "/sub");
  std::ofstream(dir.path + "/model.bin") << "weights";
  std::ofstream(dir.path + "/sub/config.json") << "{}";
  const std::string& served = ctx.model_dir.empty() ? dir.path : ctx.model_dir;
  const std::pair<const char*, bool> loads[] = {
      {"a Load of a model directory", false}, {"a Load with options of every type, a GPU device and a manifest hash", true},
      {"a third Load", false}};
  for (const auto& [what, everything] : loads) {
    const auto fs = core->serve_directory(served, false);
    wire::LoadRequest load = load_with_everything(fs);
    if (!everything) {
      load.runner_opts.reset();
      load.visible_device = wire::CpuDevice{};
      load.carton_manifest_hash.reset();
    }
    try {
      core->core().load(std::move(load));
    } catch (const RunnerError& e) {
      throw Failure(std::string("expected an echo runner to accept ") + what + ", got " + error_text(e));
    }
  }
  const auto set = tensor_set(8);
  const auto out = core->core().infer_with_tensors({as_map(set), false});
  const std::string d = out.final ? echo_difference(set, out.final->tensors) : "Empty";
  if (!d.empty()) throw Failure("expected InferWithTensors after three Loads to return its tensors, got " + d);
  require_no_violations(*core);
}

void echo_pack(const CaseContext& ctx) {
  auto core = start(ctx);
  TempDir dir;
  wire::PackResponse packed;
  try {
    packed = core->core().pack(pack_request(*core, dir));
  } catch (const RunnerError& e) {
    throw Failure("expected a PackResponse to Pack, got " + error_text(e));
  }
  if (packed.output_path != "/model") {
    throw Failure("expected Pack to answer its input_path \"/model\" unchanged (temp_folder was \"/tmp\"), got \"" +
                  packed.output_path + "\"");
  }
  require_no_violations(*core);
}

// What an echo runner streams: as carton's noop runner does, one Infer response (the
// final one, or a partial one followed by Empty) carrying every input. ref-core's smoke
// holds the noop runner to the same.
std::string streamed_difference(const std::vector<NamedTensor>& sent, mock::StreamResult<wire::InferResponse> out) {
  std::vector<wire::InferResponse> infers = std::move(out.partial);
  if (out.final) infers.push_back(std::move(*out.final));
  if (infers.size() != 1) return std::to_string(infers.size()) + " Infer responses instead of one";
  return echo_difference(sent, infers[0].tensors);
}

void echo_streaming(const CaseContext& ctx) {
  skip_unless_streaming(ctx);
  auto core = start(ctx);
  load_model(*core, ctx);
  const auto set = tensor_set(9);
  std::string d = streamed_difference(set, core->core().infer_with_tensors({as_map(set), true}));
  if (!d.empty()) throw Failure("expected a streaming InferWithTensors to return its tensors, got " + d);
  const auto sealed = tensor_set(10);
  const auto handle = core->core().seal({as_map(sealed)}).handle;
  d = streamed_difference(sealed, core->core().infer_with_handle({handle, true}));
  if (!d.empty()) throw Failure("expected a streaming InferWithHandle to return the sealed tensors, got " + d);
  require_no_violations(*core);
}

}  // namespace

void add_echo_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "echo"};
  for (const auto& t : dtype_tensors()) {
    const NamedTensor* tp = &t;
    add("echo_" + t.name, "InferWithTensors returns the " + t.name + " tensor bit-exactly",
        [tp](const CaseContext& ctx) { echo_one_dtype(ctx, *tp); });
  }
  add("echo_seal", "Seal then InferWithHandle return the sealed tensors bit-exactly", echo_seal);
  add("echo_load", "Loads of a model directory, with options of every type and a GPU device, all get LoadResponse",
      echo_load);
  add("echo_pack", "Pack answers its input_path unchanged", echo_pack);
  add("echo_streaming", "streaming InferWithTensors and InferWithHandle return the inputs in one Infer response",
      echo_streaming);
}

}  // namespace carton::conformance::suite
