// The protocol suite: what carton's core relies on from every runner (docs/conformance.md).
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"
#include "suite/tensors.hpp"

namespace carton::conformance::suite {

namespace {

// ---- protocol ------------------------------------------------------------------------

// How long logs_any_time waits after its last reply for a second reply to it: a runner
// that answers twice does it at once, and every runner checked pays this wait.
constexpr std::chrono::milliseconds kLateReplyWait{50};

// bytes, so splitting them belongs to robustness, not to the protocol.)
void protocol_bootstrap(const CaseContext& ctx) { bootstrap_with(ctx, false); }


void protocol_load(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  require_no_violations(*core);
}

void protocol_pack(const CaseContext& ctx) {
  auto core = start(ctx);
  TempDir dir;
  const auto replies = core->call(pack_request(*core, dir));
  // The directory packed holds no model, so a runner that checks what it packs (the
  // ONNX and XGBoost runners load the model first) answers an Error: one complete reply
  // too, as for Load. What a runner packs is its own (a file for some, a directory for
  // others), so the suite cannot hand every runner a model to pack.
  if (!expect_ok_or_error<wire::PackResponse>("Pack", replies)) return require_no_violations(*core);
  // carton saves (or, for load_unpacked, serves) what output_path names, on the
  // filesystem it served: a path that is not there fails the pack.
  const std::string& output = std::get<wire::PackResponse>(replies[0].data).output_path;
  if (output.empty() || !std::filesystem::exists(dir.path + (output[0] == '/' ? "" : "/") + output)) {
    throw Failure("expected Pack's output_path to name a file or directory of the served filesystem (input_path "
                  "\"/model\", temp_folder \"/tmp\"), got \"" + output + "\", which is not there");
  }
  require_no_violations(*core);
}

void protocol_load_options(const CaseContext& ctx) {
  auto core = start(ctx);
  std::optional<TempDir> empty;
  if (ctx.model_dir.empty()) empty.emplace();
  // Options the runner does not know may be refused with Error; the request must decode.
  expect_ok_or_error<wire::LoadResponse>(
      "Load", core->call(load_with_everything(core->serve_directory(empty ? empty->path : ctx.model_dir, false))));
  require_no_violations(*core);
}

void protocol_seal_infer_with_handle(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap x{{"x", Tensor::from_values<float>({2}, {1, 2})}};
  const auto sealed = core->call(wire::SealRequest{x});
  if (expect_ok_or_error<wire::SealResponse>("Seal", sealed)) {
    const auto handle = std::get<wire::SealResponse>(sealed[0].data).handle;
    expect_ok_or_error<wire::InferResponse>("InferWithHandle", core->call(wire::InferWithHandleRequest{handle, false}));
  }
  require_no_violations(*core);
}

void infer_one_dtype(const CaseContext& ctx, const NamedTensor& t) {
  auto core = start(ctx);
  load_model(*core, ctx);
  expect_ok_or_error<wire::InferResponse>("InferWithTensors",
                                          core->call(wire::InferWithTensorsRequest{{{"in", t.tensor}}, false}));
  require_no_violations(*core);
}

void infer_kind(const CaseContext& ctx, bool with_handle, bool streaming) {
  if (streaming) skip_unless_streaming(ctx);
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap x{{"x", Tensor::from_values<float>({4}, {1, 2, 3, 4})}};
  try {
    if (with_handle) {
      wire::SealHandle handle;
      try {
        handle = core->core().seal({x}).handle;
      } catch (const RunnerError&) {
        return;  // the runner refused to seal: nothing to infer on
      }
      core->core().infer_with_handle({handle, streaming});
    } else {
      core->core().infer_with_tensors({x, streaming});
    }
  } catch (const RunnerError&) {
    // An Error reply is a valid answer to any request.
  }
  require_no_violations(*core);
}

void protocol_ids_in_flight(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  std::vector<wire::RpcId> ids;
  for (int i = 0; i < 16; ++i) {
    TensorMap x{{"x", Tensor::from_values<float>({1}, {static_cast<float>(i)})}};
    ids.push_back(core->send(wire::InferWithTensorsRequest{std::move(x), false}));
  }
  for (const auto id : ids) {
    const auto replies = core->wait(id);
    for (const auto& r : replies) {
      if (r.id.value != id.value) {
        throw Failure("expected responses to carry their request's id " + std::to_string(id.value) + ", got id " +
                      std::to_string(r.id.value));
      }
    }
    expect_ok_or_error<wire::InferResponse>("InferWithTensors", replies);
  }
  require_no_violations(*core);
}

void protocol_logs_any_time(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap x{{"x", Tensor::from_values<float>({1}, {1})}};
  expect_ok_or_error<wire::InferResponse>("InferWithTensors", core->call(wire::InferWithTensorsRequest{x, false}));
  // Log records (id 0, complete, LogMessage) are accepted by the core at any time; any
  // other unsolicited or undecodable frame is a violation. A second reply to the Load
  // comes before the Infer's (the channel keeps order); one to the Infer gets a moment.
  std::this_thread::sleep_for(kLateReplyWait);
  require_no_violations(*core);
}

void protocol_clean_exit(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  require_no_violations(*core);
  require_clean_exit(*core, CoreGoes::kDropsRunner, true, kExitTimeout);
}

}  // namespace

void add_protocol_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "protocol"};
  add("bootstrap", "FileSystem channel sent before Rpc; the runner takes both and answers Load",
      protocol_bootstrap);
  add("load", "Load of an empty read-only filesystem gets one complete Load or Error reply", protocol_load);
  add("load_options",
      "Load with options of every type, a GPU device and a manifest hash gets one complete Load or Error reply",
      protocol_load_options);
  add("pack",
      "Pack on a read-write filesystem with absolute paths inside it gets an Error or a Pack reply naming a path "
      "there",
      protocol_pack);
  add("seal_infer_with_handle", "Seal then InferWithHandle get Seal/Infer or Error replies only",
      protocol_seal_infer_with_handle);
  for (const auto& t : dtype_tensors()) {
    const NamedTensor* tp = &t;
    add("infer_dtype_" + t.name,
        "InferWithTensors with one " + t.name + " tensor gets a complete Infer or Error reply and no violation",
        [tp](const CaseContext& ctx) { infer_one_dtype(ctx, *tp); });
  }
  add("infer_with_tensors_non_streaming",
      "non-streaming InferWithTensors gets exactly one complete reply (no complete: false)",
      [](const CaseContext& c) { infer_kind(c, false, false); });
  add("infer_with_tensors_streaming",
      "streaming InferWithTensors gets partial Infer replies then one complete Infer, Error or Empty",
      [](const CaseContext& c) { infer_kind(c, false, true); });
  add("infer_with_handle_non_streaming",
      "non-streaming InferWithHandle gets exactly one complete reply (no complete: false)",
      [](const CaseContext& c) { infer_kind(c, true, false); });
  add("infer_with_handle_streaming",
      "streaming InferWithHandle gets partial Infer replies then one complete Infer, Error or Empty",
      [](const CaseContext& c) { infer_kind(c, true, true); });
  add("ids_in_flight_16", "16 requests in flight: every response carries its request's id",
      protocol_ids_in_flight);
  add("logs_any_time", "log records may come at any time; nothing else unsolicited is sent",
      protocol_logs_any_time);
  add("clean_exit", "the runner exits with status 0 within 5 s when the core drops it",
      protocol_clean_exit);
}

}  // namespace carton::conformance::suite
