// The conformance cases. Each case starts its own MockCore, so one broken case cannot
// disturb the next, and reports a broken rule as "expected ..., got ...".
#include "suite/suite.hpp"

#include <fnmatch.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include "carton/mock/mock_core.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/messages.hpp"
#include "suite/process_usage.hpp"

namespace carton::conformance::suite {

namespace {

using mock::MockCore;
using mock::ProtocolError;
using mock::RunnerError;
using wire::Tensor;
using TensorMap = wire::Map<std::string, Tensor>;

constexpr std::chrono::milliseconds kExitTimeout{5000};

// ---- helpers -------------------------------------------------------------------------

void skip_unless_streaming(const CaseContext& ctx) {
  if (!wire::supports_streaming(ctx.revision)) {
    throw Skip("core " + std::string(wire::core_revision_name(ctx.revision)) + " has no streaming requests");
  }
}

mock::MockCoreOptions options_for(const CaseContext& ctx) {
  mock::MockCoreOptions o;
  o.runner_path = ctx.runner_path;
  o.revision = ctx.revision;
  o.call_timeout = ctx.timeout;
  // The SDK runtime picks its revision from this variable, as a runner's launcher would.
  o.environment["CARTON_CORE_REVISION"] = std::string(wire::core_revision_name(ctx.revision));
  return o;
}

// Violations seen by a core torn down by an exception: run_case adds them to the message.
thread_local std::vector<std::string> t_violations_at_failure;

// The case's MockCore; when a case fails by exception, keeps what the runner sent that
// the real core would panic on, since that usually names the broken rule.
class CaseCore {
 public:
  explicit CaseCore(std::unique_ptr<MockCore> core) : core_(std::move(core)) {}
  CaseCore(CaseCore&&) = default;
  ~CaseCore() {
    if (core_ && std::uncaught_exceptions() > 0) t_violations_at_failure = core_->violations();
  }
  MockCore* operator->() const { return core_.get(); }
  MockCore& operator*() const { return *core_; }

 private:
  std::unique_ptr<MockCore> core_;
};

CaseCore start(const CaseContext& ctx, mock::MockCoreOptions o) {
  try {
    return CaseCore(std::make_unique<MockCore>(std::move(o)));
  } catch (const std::exception& e) {
    throw Failure(std::string("expected the runner to connect to the bootstrap socket and take both channels, got: ") +
                  e.what());
  }
}
CaseCore start(const CaseContext& ctx) { return start(ctx, options_for(ctx)); }

// A temp dir removed with the object.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "carton-conformance-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

std::string variant_name(const wire::RPCResponseData& d) {
  return std::visit([](const auto& v) { return std::string(wire::type_name(v)); }, d);
}

void require_no_violations(const MockCore& core, const std::string& allowed_substring = "") {
  for (const auto& v : core.violations()) {
    if (!allowed_substring.empty() && v.find(allowed_substring) != std::string::npos) continue;
    throw Failure("expected no reply the real core would panic on, got: " + v);
  }
}

// The replies to a non-streaming request: exactly one, complete, of `Ok` or Error.
template <class Ok>
bool expect_ok_or_error(const char* what, const std::vector<wire::RPCResponse>& replies) {
  if (replies.size() != 1 || !replies[0].complete) {
    throw Failure(std::string("expected exactly one complete response to a non-streaming ") + what + ", got " +
                  std::to_string(replies.size()) + " response(s)" +
                  (!replies.empty() && !replies[0].complete ? " starting with complete: false" : ""));
  }
  if (std::holds_alternative<Ok>(replies[0].data)) return true;
  if (std::holds_alternative<wire::ErrorResponse>(replies[0].data)) return false;
  throw Failure(std::string("expected a ") + wire::type_name(Ok{}) + " or ErrorResponse reply to " + what + ", got " +
                variant_name(replies[0].data));
}

// Load serving the --model-dir read-only, or else an empty directory. Without a model a
// runner may refuse the Load with Error; with one it must accept it.
void load_model(MockCore& core, const CaseContext& ctx) {
  std::optional<TempDir> empty;
  if (ctx.model_dir.empty()) empty.emplace();
  wire::LoadRequest load;
  load.fs = core.serve_directory(empty ? empty->path : ctx.model_dir, false);
  load.runner_name = "conformance";
  load.required_framework_version = "*";
  const auto replies = core.call(std::move(load));
  if (!expect_ok_or_error<wire::LoadResponse>("Load", replies) && !ctx.model_dir.empty()) {
    throw Failure("expected a LoadResponse for the model directory " + ctx.model_dir + ", got ErrorResponse: " +
                  std::get<wire::ErrorResponse>(replies[0].data).e);
  }
}

// Exit status after the core closed the channels: must be an exit, not a signal.
void require_clean_exit(MockCore& core, bool require_zero, std::chrono::milliseconds timeout) {
  const int status = core.close_and_wait(timeout);
  if (status == -1) {
    throw Failure("expected the runner to exit within " + std::to_string(timeout.count()) +
                  " ms of the core closing its channels, got: still running (killed)");
  }
  if (WIFSIGNALED(status)) {
    throw Failure("expected the runner to exit without a crash signal, got: killed by signal " +
                  std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")");
  }
  if (require_zero && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    throw Failure("expected exit status 0 when the core closes the channels, got exit status " +
                  std::to_string(WEXITSTATUS(status)));
  }
}


// ---- tensors -------------------------------------------------------------------------

struct NamedTensor {
  std::string name;
  Tensor tensor;
  bool padding_only = false;  // shape [0]: the stored element's value is unspecified
};

float float_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
double double_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

const std::vector<NamedTensor>& dtype_tensors() {
  static const std::vector<NamedTensor> all = [] {
    std::vector<NamedTensor> t;
    t.push_back({"float32", Tensor::from_values<float>({5}, {1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                                                             float_bits(0x7fc00001), float_bits(0xffbfffff)})});
    t.push_back({"float64", Tensor::from_values<double>({4}, {3.141592653589793, -0.0, -1e-310,
                                                               double_bits(0x7ff8000000000123ull)})});
    t.push_back({"int8", Tensor::from_values<std::int8_t>({3}, {-128, 0, 127})});
    t.push_back({"int16", Tensor::from_values<std::int16_t>({3}, {-32768, 1, 32767})});
    t.push_back({"int32", Tensor::from_values<std::int32_t>(
                              {2, 2}, {std::numeric_limits<std::int32_t>::min(), -1, 1, 2147483647})});
    t.push_back({"int64", Tensor::from_values<std::int64_t>({2}, {std::numeric_limits<std::int64_t>::min(),
                                                                   std::numeric_limits<std::int64_t>::max()})});
    t.push_back({"uint8", Tensor::from_values<std::uint8_t>({4}, {0, 1, 254, 255})});
    t.push_back({"uint16", Tensor::from_values<std::uint16_t>({2}, {0x0102, 0xffff})});
    t.push_back({"uint32", Tensor::from_values<std::uint32_t>({2}, {0x01020304, 0xffffffff})});
    t.push_back({"uint64", Tensor::from_values<std::uint64_t>({1, 2}, {0x0102030405060708ull, ~0ull})});
    t.push_back({"string", Tensor::from_strings({3}, {"h\xc3\xa9llo", "", "\xe2\x82\xac"})});
    t.push_back({"nested", Tensor::nested({Tensor::from_values<float>({2}, {1, 2}),
                                           Tensor::nested({Tensor::from_values<std::int32_t>({1}, {-7})})})});
    t.push_back({"scalar", Tensor::from_values<float>({}, {42.0f})});
    t.push_back({"empty", Tensor::from_values<float>({0}, {0.0f}), true});
    t.push_back({"strided", Tensor::from_values<float>({2, 3}, {0, 1, 2, 3, 4, 5}, wire::Shape{1, 2})});
    return t;
  }();
  return all;
}

bool same_tensor(const NamedTensor& sent, const Tensor& got) {
  if (!sent.padding_only) return sent.tensor == got;
  return got.dtype() == sent.tensor.dtype() && got.shape() == sent.tensor.shape() &&
         got.strides() == sent.tensor.strides();
}

// ---- protocol ------------------------------------------------------------------------

void bootstrap_with(const CaseContext& ctx, bool split_id_and_fd) {
  auto o = options_for(ctx);
  o.filesystem_channel_first = true;
  o.split_id_and_fd = split_id_and_fd;
  auto core = start(ctx, std::move(o));
  load_model(*core, ctx);
  require_no_violations(*core);
}

// Channels in the other order, each id with its fd in one 8-byte sendmsg, as carton's
// core sends them. (carton's own runner asserts that each receive carries all 8 id
// bytes, so splitting them belongs to robustness, not to the protocol.)
void protocol_bootstrap(const CaseContext& ctx) { bootstrap_with(ctx, false); }

void robustness_bootstrap_split(const CaseContext& ctx) { bootstrap_with(ctx, true); }

void protocol_load(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  require_no_violations(*core);
}

void protocol_pack(const CaseContext& ctx) {
  auto core = start(ctx);
  TempDir dir;
  std::filesystem::create_directories(dir.path + "/model");
  std::filesystem::create_directories(dir.path + "/tmp");
  std::ofstream(dir.path + "/model/weights.bin") << "conformance";
  wire::PackRequest pack{core->serve_directory(dir.path, true), "/model", "/tmp"};
  const auto replies = core->call(std::move(pack));
  if (!expect_ok_or_error<wire::PackResponse>("Pack", replies)) {
    throw Failure("expected a PackResponse reply to Pack, got ErrorResponse: " +
                  std::get<wire::ErrorResponse>(replies[0].data).e);
  }
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
  // other unsolicited or undecodable frame is a violation.
  require_no_violations(*core);
}

void protocol_clean_exit(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  require_no_violations(*core);
  require_clean_exit(*core, true, kExitTimeout);
}

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
  // Answering the malformed request's id with Error is fine: the core never sent it.
  require_no_violations(core, "which no request has");
}

// Sends each malformed payload in its own frame, then requires the runner to go on serving.
void require_survives(const CaseContext& ctx, const std::vector<Payload>& payloads, const std::string& what) {
  auto core = start(ctx);
  for (const auto& p : payloads) core->send_raw_payload(p);
  require_still_serving(*core, ctx, what);
}

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
  require_clean_exit(*core, false, kExitTimeout);
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
      "InferWithHandle", core.call(wire::InferWithHandleRequest{wire::SealHandle{0x5ea10000deadull}, false}));
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
  require_no_violations(*core, "which no request has");
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
    core->core().infer_with_handle({wire::SealHandle{0x5ea10000deadull}, false});
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
  require_clean_exit(*core, false, kExitTimeout);
}

// ---- echo ----------------------------------------------------------------------------

void echo_one_dtype(const CaseContext& ctx, const NamedTensor& t) {
  auto core = start(ctx);
  load_model(*core, ctx);
  const auto out = core->core().infer_with_tensors({{{"in", t.tensor}}, false});
  if (!out.final) throw Failure("expected an InferResponse echoing the input, got Empty");
  const auto it = out.final->tensors.find("in");
  if (it == out.final->tensors.end() || out.final->tensors.size() != 1) {
    throw Failure("expected exactly the tensor \"in\" back, got " + std::to_string(out.final->tensors.size()) +
                  " tensor(s)" + (it == out.final->tensors.end() ? " without \"in\"" : ""));
  }
  if (!same_tensor(t, it->second)) {
    throw Failure("expected the " + t.name + " tensor back bit-exactly (NaN payloads and -0.0 included), got a " +
                  wire::to_string(it->second.dtype()) + " tensor that differs");
  }
  require_no_violations(*core);
}

void echo_seal(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap all;
  for (const auto& t : dtype_tensors()) {
    if (!t.padding_only) all.insert_or_assign(t.name, t.tensor);
  }
  const auto handle = core->core().seal({all}).handle;
  const auto out = core->core().infer_with_handle({handle, false});
  if (!out.final || !(out.final->tensors == all)) {
    throw Failure("expected InferWithHandle to return the sealed tensors bit-exactly, got " +
                  (out.final ? std::to_string(out.final->tensors.size()) + " tensor(s) that differ" : "Empty"));
  }
  require_no_violations(*core);
}

std::vector<Case> build_registry() {
  std::vector<Case> r;
  auto add = [&](const char* suite, std::string name, std::string doc, std::function<void(const CaseContext&)> f) {
    r.push_back({suite, std::move(name), std::move(doc), std::move(f)});
  };
  add("protocol", "bootstrap", "FileSystem channel sent before Rpc; the runner takes both and answers Load",
      protocol_bootstrap);
  add("protocol", "load", "Load of an empty read-only filesystem gets one complete Load or Error reply", protocol_load);
  add("protocol", "pack", "Pack on a read-write filesystem with absolute paths inside it gets a Pack reply",
      protocol_pack);
  add("protocol", "seal_infer_with_handle", "Seal then InferWithHandle get Seal/Infer or Error replies only",
      protocol_seal_infer_with_handle);
  for (const auto& t : dtype_tensors()) {
    const NamedTensor* tp = &t;
    add("protocol", "infer_dtype_" + t.name,
        "InferWithTensors with one " + t.name + " tensor gets a complete Infer or Error reply and no violation",
        [tp](const CaseContext& ctx) { infer_one_dtype(ctx, *tp); });
  }
  add("protocol", "infer_with_tensors_non_streaming",
      "non-streaming InferWithTensors gets exactly one complete reply (no complete: false)",
      [](const CaseContext& c) { infer_kind(c, false, false); });
  add("protocol", "infer_with_tensors_streaming",
      "streaming InferWithTensors gets partial Infer replies then one complete Infer, Error or Empty",
      [](const CaseContext& c) { infer_kind(c, false, true); });
  add("protocol", "infer_with_handle_non_streaming",
      "non-streaming InferWithHandle gets exactly one complete reply (no complete: false)",
      [](const CaseContext& c) { infer_kind(c, true, false); });
  add("protocol", "infer_with_handle_streaming",
      "streaming InferWithHandle gets partial Infer replies then one complete Infer, Error or Empty",
      [](const CaseContext& c) { infer_kind(c, true, true); });
  add("protocol", "ids_in_flight_16", "16 requests in flight: every response carries its request's id",
      protocol_ids_in_flight);
  add("protocol", "logs_any_time", "log records may come at any time; nothing else unsolicited is sent",
      protocol_logs_any_time);
  add("protocol", "clean_exit", "the runner exits with status 0 within 5 s when the core closes the channels",
      protocol_clean_exit);
  add("robustness", "bootstrap_split",
      "a channel's fd comes with the first id byte and the other 7 bytes in a second write; the runner answers Load",
      robustness_bootstrap_split);
  add("robustness", "malformed_frame", "a frame with a readable id and a bad variant tag does not stop the runner",
      robustness_malformed_frame);
  add("robustness", "oversized_frame",
      "a frame header claiming 2^63 bytes: the runner does not crash (it may exit) and exits without a signal",
      robustness_oversized_frame);
  add("robustness", "unknown_variant_tags", "requests with unknown variant tags do not stop the runner",
      robustness_unknown_variant_tags);
  add("robustness", "invalid_utf8", "a String that is not valid UTF-8 does not stop the runner",
      robustness_invalid_utf8);
  add("robustness", "huge_lengths", "strings, maps and tensor storage declaring 2^62+ lengths do not stop the runner",
      robustness_huge_lengths);
  add("robustness", "unknown_seal_handle", "InferWithHandle for a handle never sealed gets an Error reply",
      robustness_unknown_seal_handle);
  add("robustness", "no_leak",
      "72 rounds of Load, Seal, Infer, a bad 1 MiB frame and an unknown handle leave no fd open and RSS flat",
      robustness_no_leak);
  add("robustness", "core_vanishes", "the core closing the channels mid-request: the runner exits without a signal",
      robustness_core_vanishes);
  for (const auto& t : dtype_tensors()) {
    const NamedTensor* tp = &t;
    add("echo", "echo_" + t.name, "InferWithTensors returns the " + t.name + " tensor bit-exactly",
        [tp](const CaseContext& ctx) { echo_one_dtype(ctx, *tp); });
  }
  add("echo", "echo_seal", "Seal then InferWithHandle return the sealed tensors bit-exactly", echo_seal);
  return r;
}

}  // namespace

namespace {
Result run_case_body(const Case& c, const CaseContext& context);
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "PASS";
    case Outcome::kFail: return "FAIL";
    case Outcome::kSkip: return "SKIP";
  }
  return "?";
}

const std::vector<Case>& registry() {
  static const std::vector<Case> r = build_registry();
  return r;
}

const std::vector<std::string>& suite_names() {
  static const std::vector<std::string> s = {"protocol", "robustness", "echo"};
  return s;
}

Result run_case(const Case& c, const CaseContext& context) {
  t_violations_at_failure.clear();
  Result r = run_case_body(c, context);
  if (r.outcome == Outcome::kFail && !t_violations_at_failure.empty()) {
    r.message += "; the runner also sent what the real core would panic on: " + t_violations_at_failure.front();
    if (t_violations_at_failure.size() > 1) {
      r.message += " (and " + std::to_string(t_violations_at_failure.size() - 1) + " more)";
    }
  }
  return r;
}

namespace {
Result run_case_body(const Case& c, const CaseContext& context) {
  try {
    c.body(context);
    return {Outcome::kPass, ""};
  } catch (const Skip& e) {
    return {Outcome::kSkip, e.what()};
  } catch (const Failure& e) {
    return {Outcome::kFail, e.what()};
  } catch (const RunnerError& e) {
    return {Outcome::kFail, std::string("expected a successful reply, got ErrorResponse: ") + e.what()};
  } catch (const ProtocolError& e) {
    return {Outcome::kFail, std::string("expected replies the real core accepts, got: ") + e.what()};
  } catch (const std::exception& e) {
    return {Outcome::kFail, std::string("expected the case to run, got an error: ") + e.what()};
  }
}
}  // namespace

bool case_matches(const Case& c, const std::string& glob) {
  return fnmatch(glob.c_str(), c.full_name().c_str(), 0) == 0 || fnmatch(glob.c_str(), c.name.c_str(), 0) == 0;
}

}  // namespace carton::conformance::suite
