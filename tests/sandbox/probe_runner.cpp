// carton-runner-sandbox-probe: a runner, built with carton_add_runner and confined by
// run() as every runner is, whose InferWithTensors performs the hostile acts of
// probe_acts.hpp from inside its handler, then has its child check (the same binary,
// --probe-child) perform them too, and answers both tables as string tensors
// "runner" and "child". An input named "status" answers this process's sandbox
// status lines from /proc/self/status instead, and performs nothing. Every other
// request is the noop runner's (an echo), and each Load performs the acts first and
// logs how many were refused: so the probed runner can also take carton's real-core
// smoke run (ref-core RUNNER smoke), as a hostile model's runner would.
#include <cstring>
#include <fstream>

#include <boost/log/trivial.hpp>

#include <sys/prctl.h>

#include <cerrno>

#include "carton/runner/child_check.hpp"
#include "carton/runner/run.hpp"
#include "noop_handler.hpp"
#include "probe_acts.hpp"

namespace {

using namespace carton;
constexpr const char* kChildFlag = "--probe-child";

bool confined() { return ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2; }

class ProbeHandler : public examples::NoopHandler {
 public:
  void on_load(wire::LoadRequest request, runner::LoadResponder responder) override {
    // Unconfined (CARTON_RUNNER_SANDBOX=off) the acts would really happen: a ptrace
    // attach to the core, say, stops it.
    if (!confined()) {
      BOOST_LOG_TRIVIAL(warning) << "sandbox probe: not confined, no act performed";
      return NoopHandler::on_load(std::move(request), std::move(responder));
    }
    const auto results = sandbox_test::run_acts(CARTON_PROBE_USER_FILE);
    std::size_t refused = 0;
    for (const auto& r : results) refused += r.error == EPERM || r.error == EACCES;
    BOOST_LOG_TRIVIAL(info) << "sandbox probe: " << refused << " of " << results.size() << " hostile acts refused";
    NoopHandler::on_load(std::move(request), std::move(responder));
  }
  void on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) override {
    const bool acts = request.tensors.find("acts") != request.tensors.end();
    const bool status_only = request.tensors.find("status") != request.tensors.end();
    if (!acts && !status_only) return NoopHandler::on_infer_with_tensors(std::move(request), std::move(responder));
    wire::Map<std::string, wire::Tensor> out;
    if (status_only) {
      std::ifstream in("/proc/self/status");
      std::string line, status;
      while (std::getline(in, line)) {
        if (line.rfind("NoNewPrivs", 0) == 0 || line.rfind("Seccomp", 0) == 0 || line.rfind("CapEff", 0) == 0) {
          status += line + "\n";
        }
      }
      out.insert_or_assign("status", wire::Tensor::from_strings({1}, {status}));
      return responder.respond(wire::InferResponse{std::move(out)});
    }
    if (!confined()) return responder.fail("sandbox probe: not confined, no act performed");
    const std::string mine = sandbox_test::format_results(sandbox_test::run_acts(CARTON_PROBE_USER_FILE));
    const runner::ChildExit child = runner::run_child_check({}, "/proc/self/exe", kChildFlag, std::chrono::seconds(30));
    if (!child.ok()) return responder.fail("the probe's child check " + child.describe(std::chrono::seconds(30)));
    out.insert_or_assign("runner", wire::Tensor::from_strings({1}, {mine}));
    out.insert_or_assign("child", wire::Tensor::from_strings({1}, {child.output}));
    responder.respond(wire::InferResponse{std::move(out)});
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], kChildFlag) == 0) {
    runner::read_child_input();  // confines the child, as every child check's does
    const std::string text = sandbox_test::format_results(sandbox_test::run_acts(CARTON_PROBE_USER_FILE));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  ProbeHandler handler;
  return runner::run(argc, argv, handler, {"carton-runner-sandbox-probe", "0.1.0"});
}
