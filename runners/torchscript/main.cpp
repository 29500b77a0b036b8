// carton-runner-torchscript: carton's TorchScript runner, built on carton-runner-sdk and
// the system's libtorch. carton starts it with --uds-path; see docs/runtime.md.
#include "carton/runner/run.hpp"
#include "torchscript_handler.hpp"

int main(int argc, char** argv) {
  carton::runners::torchscript::TorchScriptHandler handler;
  return carton::runner::run(argc, argv, handler, {"carton-runner-torchscript", "0.1.0"});
}
