// Protocol cases about the runner as a process among others: it dies with its core's
// process, and two of it run side by side (carton starts one runner per loaded model).
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"

namespace carton::conformance::suite {

namespace {

// How long the stand-in core gets to write the runner's pid (it does so at once).
constexpr std::chrono::milliseconds kPidFileWait{2000};

// The stand-in for the core's process: starts the runner, writes its pid, waits.
constexpr char kCoreScript[] =
    "#!/bin/sh\n"
    "\"$CARTON_CONFORMANCE_RUNNER\" \"$@\" &\n"
    "echo $! > \"$CARTON_CONFORMANCE_PID_FILE\"\n"
    "wait\n";

pid_t read_pid(const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + kPidFileWait;
  for (;;) {
    std::ifstream in(path);
    long pid = 0;
    if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("the stand-in core wrote no runner pid to " + path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The core's process dies while its sockets stay open: another process holds them, as
// one forked from the core does (Python's multiprocessing, say). No EOF tells the
// runner; only its parent's death does. carton's runners set PR_SET_PDEATHSIG(SIGKILL)
// at start (so does this SDK's run()); carton never reaps or signals them itself.
void parent_death(const CaseContext& ctx) {
  TempDir dir;
  const std::string script = dir.path + "/core";
  const std::string pid_file = dir.path + "/runner.pid";
  std::ofstream(script) << kCoreScript;
  ::chmod(script.c_str(), 0755);
  auto o = options_for(ctx);
  o.runner_path = script;
  o.environment["CARTON_CONFORMANCE_RUNNER"] = ctx.runner_path;
  o.environment["CARTON_CONFORMANCE_PID_FILE"] = pid_file;
  auto core = start(ctx, std::move(o));
  load_model(*core, ctx);
  const pid_t runner = read_pid(pid_file);
  ::kill(core->runner_pid(), SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + kExitTimeout;
  while (!mock::process_gone(runner)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(runner, SIGKILL);
      throw Failure("expected the runner to exit within " + std::to_string(kExitTimeout.count()) +
                    " ms of its parent process (the core) dying while the core's sockets stayed open, got: still "
                    "running (killed); carton's runners have the kernel end them (prctl PR_SET_PDEATHSIG)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void two_instances(const CaseContext& ctx) {
  auto first = start(ctx);
  load_model(*first, ctx);
  try {
    auto second = start(ctx);
    load_model(*second, ctx);
    TensorMap x{{"x", Tensor::from_values<float>({2}, {1, 2})}};
    for (auto* core : {&second, &first}) {
      expect_ok_or_error<wire::InferResponse>("InferWithTensors",
                                              (*core)->call(wire::InferWithTensorsRequest{x, false}));
      require_no_violations(**core);
    }
  } catch (const Failure& e) {
    throw Failure(std::string("with a second runner started while the first runs: ") + e.what());
  } catch (const ProtocolError& e) {
    throw Failure(std::string("with a second runner started while the first runs: expected replies the real core "
                              "accepts, got: ") + e.what());
  }
}

}  // namespace

void add_process_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "protocol"};
  add("parent_death",
      "the runner exits within 5 s of its parent (the core's process) dying, though the core's sockets stay open",
      parent_death);
  add("two_instances", "two runners started side by side both answer Load and InferWithTensors", two_instances);
}

}  // namespace carton::conformance::suite
