// What every conformance case is built from: starting the runner under a fresh MockCore
// (as carton's core would), and the checks that turn a reply into PASS or a Failure
// naming the broken rule.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "carton/mock/mock_core.hpp"
#include "carton/wire/rpc_types.hpp"
#include "suite/suite.hpp"

namespace carton::conformance::suite {

using mock::MockCore;
using mock::ProtocolError;
using mock::RunnerError;
using wire::Tensor;
using TensorMap = wire::Map<std::string, Tensor>;

// How long a runner may take to exit once the core drops it (carton never waits, but a
// runner that lingers leaks a process per model).
constexpr std::chrono::milliseconds kExitTimeout{5000};

// Throws Skip against a core revision without streaming requests.
void skip_unless_streaming(const CaseContext& ctx);

mock::MockCoreOptions options_for(const CaseContext& ctx);

// What a failed case adds to its message: what the runner sent that the real core would
// panic on, and how the runner died if it did. Filled when a CaseCore is torn down by an
// exception; run_case reads and clears it.
struct FailureContext {
  std::vector<std::string> violations;
  std::string runner_exit;  // "exited with status 101; the end of its stderr: ..."
};
FailureContext& failure_context();

// The case's MockCore; when a case fails by exception, keeps its FailureContext.
class CaseCore {
 public:
  explicit CaseCore(std::unique_ptr<MockCore> core) : core_(std::move(core)) {}
  CaseCore(CaseCore&&) = default;
  ~CaseCore();
  MockCore* operator->() const { return core_.get(); }
  MockCore& operator*() const { return *core_; }

 private:
  std::unique_ptr<MockCore> core_;
};

CaseCore start(const CaseContext& ctx, mock::MockCoreOptions o);
CaseCore start(const CaseContext& ctx);

// Starts the runner with the channels in the other order (and, if asked, each id split
// from its fd) and requires it to answer a Load.
void bootstrap_with(const CaseContext& ctx, bool split_id_and_fd);

// A temp dir removed with the object.
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

std::string variant_name(const wire::RPCResponseData& d);

void require_no_violations(const MockCore& core, const std::string& allowed_substring = "");

// The replies to a non-streaming request: exactly one, complete, of `Ok` or Error.
// True for Ok, false for Error.
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

// Sends Load serving the --model-dir read-only, or else an empty directory, and returns
// the replies.
std::vector<wire::RPCResponse> send_load(MockCore& core, const CaseContext& ctx,
                                         std::optional<wire::Map<std::string, wire::RunnerOpt>> runner_opts = {});
// send_load, checked: without a model a runner may refuse the Load with Error; with one
// it must accept it.
void load_model(MockCore& core, const CaseContext& ctx);
// The Load send_load sends; `empty` holds the empty directory served without a model
// and must outlive the request.
wire::LoadRequest model_load_request(MockCore& core, const CaseContext& ctx, std::optional<TempDir>& empty,
                                     std::optional<wire::Map<std::string, wire::RunnerOpt>> runner_opts = {});
// A Pack of `dir`/model (one file) into `dir`/tmp, served read-write, with the
// absolute-looking paths carton's pack() passes.
wire::PackRequest pack_request(MockCore& core, const TempDir& dir);

// A handle no Seal returned.
constexpr wire::SealHandle kUnsealedHandle{0x5ea10000deadull};

// The wait status of a runner that must exit (not by a signal, and with status 0 if
// `require_zero`) within `timeout` of the core dropping it (close_and_wait) or of the
// core vanishing (vanish_and_wait).
enum class CoreGoes { kDropsRunner, kVanishes };
void require_clean_exit(MockCore& core, CoreGoes how, bool require_zero, std::chrono::milliseconds timeout);

// Appends cases of one suite to the registry.
struct CaseAdder {
  std::vector<Case>& registry;
  const char* suite;
  void operator()(std::string name, std::string doc, std::function<void(const CaseContext&)> body) const {
    registry.push_back({suite, std::move(name), std::move(doc), std::move(body)});
  }
};

// Each suite's cases, appended in running order (protocol_cases.cpp, ...).
void add_protocol_cases(std::vector<Case>& r);
void add_robustness_cases(std::vector<Case>& r);
void add_echo_cases(std::vector<Case>& r);
void add_model_cases(std::vector<Case>& r);
// One protocol case per request variant of the schema (request_variant_cases.cpp).
void add_request_variant_cases(std::vector<Case>& r);

}  // namespace carton::conformance::suite
