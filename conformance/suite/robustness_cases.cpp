// The robustness suite: hostile or unusual input a runner must survive (docs/conformance.md).
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"
#include "suite/process_usage.hpp"

namespace carton::conformance::suite {

namespace {

// ---- robustness ----------------------------------------------------------------------

std::vector<std::uint8_t> id_bytes(std::uint64_t id) {
  std::vector<std::uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(id >> (8 * i));
  return out;
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

using Payload = std::vector<std::uint8_t>;

// A Load request with id `id` whose runner_name is `prefix` + "@@@@", as payload bytes,
// and the offset of the "@@@@" (the runner_name's u64 length is 8 + prefix bytes before).
std::pair<Payload, std::size_t> load_with_marker(std::uint64_t id, wire::CoreRevision rev,
                                                 const std::string& prefix = "") {
  wire::LoadRequest load;
  load.runner_name = prefix + "@@@@";
  auto bytes = wire::encode_message(wire::RPCRequest{wire::RpcId{id}, std::move(load)}, rev).flatten();
  const std::string marker = "@@@@";
  for (std::size_t i = 8 + prefix.size(); i + 4 <= bytes.size(); ++i) {
    if (std::memcmp(bytes.data() + i, marker.data(), 4) == 0) return {bytes, i};
  }
  throw std::runtime_error("internal: marker not found in an encoded Load");
}

// A Load whose runner_name ends in bytes that are not UTF-8.
Payload load_with_bad_utf8(std::uint64_t id, wire::CoreRevision rev, const std::uint8_t (&bad)[4],
                           const std::string& prefix = "") {
  auto [bytes, at] = load_with_marker(id, rev, prefix);
  std::memcpy(bytes.data() + at, bad, 4);
  return bytes;
}

// After malformed input (ids >= 1000), the runner must still answer a real Load.
void require_still_serving(MockCore& core, const CaseContext& ctx, const std::string& after) {
  try {
    load_model(core, ctx);
  } catch (const ProtocolError& e) {
    throw Failure("expected the runner to keep serving after " + after + " (a following Load gets a reply), got: " +
                  e.what());
  }
  // An Error answering a malformed request's id is fine: MockCore::send_raw_payload
  // registered the id. A reply to any other id, or a second one, is still a violation.
  require_no_violations(core);
}

// Sends each malformed payload in its own frame, then requires the runner to go on serving.
void require_survives(const CaseContext& ctx, const std::vector<Payload>& payloads, const std::string& what) {
  auto core = start(ctx);
  for (const auto& p : payloads) core->send_raw_payload(p);
  require_still_serving(*core, ctx, what);
}

void robustness_bootstrap_split(const CaseContext& ctx) { bootstrap_with(ctx, true); }

void robustness_malformed_frame(const CaseContext& ctx) {
  auto bad = id_bytes(1000);
  put_u32(bad, 9);  // no such request variant
  bad.insert(bad.end(), {1, 2, 3});
  require_survives(ctx, {bad}, "a frame with a readable id and a bad variant tag");
}

void robustness_oversized_frame(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  std::vector<std::uint8_t> header = {0x80, 0, 0, 0, 0, 0, 0, 0};  // u64 BE 2^63
  core->send_raw_bytes(header);
  // The stream is unusable now: the runner may exit, or wait for bytes that never come.
  const auto deadline = std::chrono::steady_clock::now() + std::min(ctx.timeout, std::chrono::milliseconds(2000));
  while (std::chrono::steady_clock::now() < deadline && !carton::mock::process_gone(core->runner_pid())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  require_clean_exit(*core, CoreGoes::kDropsRunner, false, kExitTimeout);
}

void robustness_unknown_variant_tags(const CaseContext& ctx) {
  std::vector<Payload> payloads;
  std::uint64_t id = 1000;
  // The first tags past the last request variant of the schema's newest revision.
  const auto past = static_cast<std::uint32_t>(std::variant_size_v<wire::RPCRequestData>);
  for (std::uint32_t tag : {past, past + 1, 0x80000000u, 0xffffffffu}) {
    auto bad = id_bytes(id++);
    put_u32(bad, tag);
    payloads.push_back(std::move(bad));
  }
  // A known request variant with an unknown variant inside: Seal of a tensor tagged 12.
  auto seal = id_bytes(id++);
  put_u32(seal, 2);
  put_u64(seal, 1);
  put_u64(seal, 1);
  seal.push_back('x');
  put_u32(seal, 12);
  payloads.push_back(std::move(seal));
  require_survives(ctx, payloads, "requests with unknown variant tags");
}

void robustness_invalid_utf8(const CaseContext& ctx) {
  // Not UTF-8 at all; then an overlong encoding of '/' and a lone surrogate.
  require_survives(ctx,
                   {load_with_bad_utf8(1000, ctx.revision, {0xff, 0xfe, 0xc3, 0x28}),
                    load_with_bad_utf8(1001, ctx.revision, {0xc0, 0xaf, 0xed, 0xa0})},
                   "a Load whose runner_name is not UTF-8");
}

void robustness_huge_lengths(const CaseContext& ctx) {
  // A String claiming 2^62 bytes.
  auto [bytes, at] = load_with_marker(1000, ctx.revision);
  const std::uint64_t huge = 1ull << 62;
  for (int i = 0; i < 8; ++i) bytes[at - 8 + i] = static_cast<std::uint8_t>(huge >> (8 * i));
  // A Seal whose tensor map claims 2^64-1 entries.
  auto seal = id_bytes(1001);
  put_u32(seal, 2);
  put_u64(seal, ~0ull);
  // An InferWithTensors whose one float tensor claims a 2^63-byte storage.
  auto infer = id_bytes(1002);
  put_u32(infer, 3);
  put_u64(infer, 1);
  put_u64(infer, 1);
  infer.push_back('x');
  put_u32(infer, 0);  // Float
  put_u32(infer, 0);  // Numeric storage
  infer.push_back(1);
  put_u64(infer, 1ull << 63);
  require_survives(ctx, {bytes, seal, infer}, "requests declaring lengths of 2^62 and more");
}

// One round of everything that allocates or opens something in a runner, including the
// error paths: a Load (runners open the filesystem there), a 1 MiB Load that is not
// UTF-8, Seal + InferWithHandle and InferWithTensors of 1 MiB, an unknown handle.
void leak_round(MockCore& core, const CaseContext& ctx, std::uint64_t bad_id) {
  load_model(core, ctx);
  core.send_raw_payload(load_with_bad_utf8(bad_id, ctx.revision, {0xff, 0xfe, 0xc3, 0x28}, std::string(1 << 20, 'a')));
  TensorMap x{{"x", Tensor::from_values<float>({1 << 18}, std::vector<float>(1 << 18, 1.5f))}};
  const auto sealed = core.call(wire::SealRequest{x});
  if (expect_ok_or_error<wire::SealResponse>("Seal", sealed)) {
    const auto handle = std::get<wire::SealResponse>(sealed[0].data).handle;
    expect_ok_or_error<wire::InferResponse>("InferWithHandle", core.call(wire::InferWithHandleRequest{handle, false}));
  }
  expect_ok_or_error<wire::InferResponse>("InferWithTensors", core.call(wire::InferWithTensorsRequest{x, false}));
  expect_ok_or_error<wire::InferResponse>(
      "InferWithHandle", core.call(wire::InferWithHandleRequest{kUnsealedHandle, false}));
}

// A leak grows RSS round after round; allocator warm-up (glibc's per-thread arenas
// reaching a framework's buffer sizes) grows it once. So RSS is read after a warm-up and
// after each of two equal windows, and only growth in both windows fails the case.
void robustness_no_leak(const CaseContext& ctx) {
  // 6 MiB per window of 32: a runner keeping 200 KiB per round fails (one FileSystem
  // client per Load, ~400 KiB each with libtorch's reads, was caught this way).
  constexpr int kWarmup = 8, kWindow = 32;
  constexpr std::uint64_t kRssSlackKib = 6 << 10;
  auto core = start(ctx);
  std::uint64_t bad_id = 1000;
  auto rounds = [&](int n) {
    for (int i = 0; i < n; ++i) leak_round(*core, ctx, bad_id++);
    return process_usage(core->runner_pid());
  };
  const ProcessUsage start_usage = rounds(kWarmup);
  const ProcessUsage middle = rounds(kWindow);
  const ProcessUsage end = rounds(kWindow);
  require_no_violations(*core);
  if (end.open_fds > start_usage.open_fds) {
    throw Failure("expected no file descriptors left open by " + std::to_string(2 * kWindow) +
                  " rounds of Load, Seal, Infer and refused requests, got " + std::to_string(start_usage.open_fds) +
                  " open before and " + std::to_string(end.open_fds) + " after");
  }
  if (middle.rss_kib > start_usage.rss_kib + kRssSlackKib && end.rss_kib > middle.rss_kib + kRssSlackKib) {
    throw Failure("expected resident memory to stop growing, by at most " + std::to_string(kRssSlackKib) +
                  " KiB in one of two windows of " + std::to_string(kWindow) + " rounds that each move 4 MiB, got " +
                  std::to_string(start_usage.rss_kib) + " -> " + std::to_string(middle.rss_kib) + " -> " +
                  std::to_string(end.rss_kib) + " KiB");
  }
}

void robustness_unknown_seal_handle(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  try {
    core->core().infer_with_handle({kUnsealedHandle, false});
  } catch (const RunnerError&) {
    require_no_violations(*core);
    return;
  }
  throw Failure("expected an ErrorResponse to InferWithHandle for a handle never sealed, got an InferResponse");
}

void robustness_core_vanishes(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap x{{"x", Tensor::from_values<float>({1024}, std::vector<float>(1024, 1.0f))}};
  core->send(wire::InferWithTensorsRequest{std::move(x), false});
  require_clean_exit(*core, CoreGoes::kVanishes, false, kExitTimeout);
}

}  // namespace

void add_robustness_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "robustness"};
  add("bootstrap_split",
      "a channel's fd comes with the first id byte and the other 7 bytes in a second write; the runner answers Load",
      robustness_bootstrap_split);
  add("malformed_frame", "a frame with a readable id and a bad variant tag does not stop the runner",
      robustness_malformed_frame);
  add("oversized_frame",
      "a frame header claiming 2^63 bytes: the runner does not crash (it may exit) and exits without a signal",
      robustness_oversized_frame);
  add("unknown_variant_tags", "requests with unknown variant tags do not stop the runner",
      robustness_unknown_variant_tags);
  add("invalid_utf8", "a String that is not valid UTF-8 does not stop the runner",
      robustness_invalid_utf8);
  add("huge_lengths", "strings, maps and tensor storage declaring 2^62+ lengths do not stop the runner",
      robustness_huge_lengths);
  add("unknown_seal_handle", "InferWithHandle for a handle never sealed gets an Error reply",
      robustness_unknown_seal_handle);
  add("no_leak",
      "72 rounds of Load, Seal, Infer, a bad 1 MiB frame and an unknown handle leave no fd open and RSS flat",
      robustness_no_leak);
  add("core_vanishes", "the core dying mid-request: the runner exits without a signal",
      robustness_core_vanishes);
}

}  // namespace carton::conformance::suite
