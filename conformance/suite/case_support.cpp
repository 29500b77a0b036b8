#include "suite/case_support.hpp"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "carton/wire/core_revision.hpp"
#include "carton/wire/messages.hpp"

namespace carton::conformance::suite {

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

FailureContext& failure_context() {
  thread_local FailureContext context;
  return context;
}

CaseCore::~CaseCore() {
  if (!core_ || std::uncaught_exceptions() == 0) return;
  auto& f = failure_context();
  f.violations = core_->violations();
  // Dropped now rather than by the MockCore's destructor, to learn how the runner ended:
  // a panic or abort behind a failure is usually its cause.
  const int status = core_->close_and_wait(kExitTimeout);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) f.runner_exit = core_->describe_exit(status);
}

CaseCore start(const CaseContext&, mock::MockCoreOptions o) {
  try {
    return CaseCore(std::make_unique<MockCore>(std::move(o)));
  } catch (const std::exception& e) {
    throw Failure(std::string("expected the runner to connect to the bootstrap socket and take both channels, got: ") +
                  e.what());
  }
}
CaseCore start(const CaseContext& ctx) { return start(ctx, options_for(ctx)); }

void bootstrap_with(const CaseContext& ctx, bool split_id_and_fd) {
  auto o = options_for(ctx);
  o.filesystem_channel_first = true;
  o.split_id_and_fd = split_id_and_fd;
  auto core = start(ctx, std::move(o));
  load_model(*core, ctx);
  require_no_violations(*core);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "carton-conformance-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string variant_name(const wire::RPCResponseData& d) {
  return std::visit([](const auto& v) { return std::string(wire::type_name(v)); }, d);
}

void require_no_violations(const MockCore& core, const std::string& allowed_substring) {
  for (const auto& v : core.violations()) {
    if (!allowed_substring.empty() && v.find(allowed_substring) != std::string::npos) continue;
    throw Failure("expected no reply the real core would panic on, got: " + v);
  }
}

wire::LoadRequest model_load_request(MockCore& core, const CaseContext& ctx, std::optional<TempDir>& empty,
                                     std::optional<wire::Map<std::string, wire::RunnerOpt>> runner_opts) {
  if (ctx.model_dir.empty()) empty.emplace();
  wire::LoadRequest load;
  load.fs = core.serve_directory(empty ? empty->path : ctx.model_dir, false);
  load.runner_name = "conformance";
  load.required_framework_version = "*";
  load.runner_opts = std::move(runner_opts);
  return load;
}

std::vector<wire::RPCResponse> send_load(MockCore& core, const CaseContext& ctx,
                                         std::optional<wire::Map<std::string, wire::RunnerOpt>> runner_opts) {
  std::optional<TempDir> empty;
  return core.call(model_load_request(core, ctx, empty, std::move(runner_opts)));
}

wire::PackRequest pack_request(MockCore& core, const TempDir& dir) {
  std::filesystem::create_directories(dir.path + "/model");
  std::filesystem::create_directories(dir.path + "/tmp");
  std::ofstream(dir.path + "/model/weights.bin") << "conformance";
  return wire::PackRequest{core.serve_directory(dir.path, true), "/model", "/tmp"};
}

void load_model(MockCore& core, const CaseContext& ctx) {
  const auto replies = send_load(core, ctx);
  if (!expect_ok_or_error<wire::LoadResponse>("Load", replies) && !ctx.model_dir.empty()) {
    throw Failure("expected a LoadResponse for the model directory " + ctx.model_dir + ", got ErrorResponse: " +
                  std::get<wire::ErrorResponse>(replies[0].data).e);
  }
}

void require_clean_exit(MockCore& core, CoreGoes how, bool require_zero, std::chrono::milliseconds timeout) {
  const int status = how == CoreGoes::kVanishes ? core.vanish_and_wait(timeout) : core.close_and_wait(timeout);
  const std::string when = how == CoreGoes::kVanishes ? "the core vanishing" : "the core dropping it";
  if (status == -1) {
    throw Failure("expected the runner to exit within " + std::to_string(timeout.count()) + " ms of " + when +
                  ", got: still running (killed)");
  }
  if (WIFSIGNALED(status)) {
    throw Failure("expected the runner to exit without a crash signal, got: it " + core.describe_exit(status));
  }
  if (require_zero && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    throw Failure("expected exit status 0 after " + when + ", got: it " + core.describe_exit(status));
  }
}

}  // namespace carton::conformance::suite
