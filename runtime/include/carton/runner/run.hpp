// run(): the whole life of a runner process, for main().
//
//   int main(int argc, char** argv) {
//     MyHandler handler;
//     return carton::runner::run(argc, argv, handler, {"my-runner", "1.0.0"});
//   }
//
// It confines the process (carton/runner/sandbox.hpp), parses the command line carton passes (--uds-path PATH), arms parent-death
// handling, connects to the core's bootstrap socket, receives the channels, forwards
// Boost.Log records to the core and serves requests until the core goes away.
#pragma once

#include <string>
#include <utility>

#include "carton/runner/runner_handler.hpp"
#include "carton/runner/sandbox.hpp"

namespace carton::runner {

struct RunnerInfo {
  // A constructor, so that {"name", "1.0.0"} leaves `sandbox` default without a
  // -Wmissing-field-initializers warning in every runner's main().
  RunnerInfo() = default;
  RunnerInfo(std::string name, std::string version, SandboxNeeds sandbox = {})
      : name(std::move(name)), version(std::move(version)), sandbox(std::move(sandbox)) {}

  std::string name;     // shown by --help and --version
  std::string version;  // the runner's own version
  SandboxNeeds sandbox;  // what it reads beyond the defaults (carton/runner/sandbox.hpp)
};

// Returns the process exit code.
int run(int argc, char** argv, RunnerHandler& handler, const RunnerInfo& info);

}  // namespace carton::runner
