// carton-runner-noop: carton's noop runner, built on carton-runner-sdk.
#include "carton/runner/run.hpp"
#include "noop_handler.hpp"

int main(int argc, char** argv) {
  carton::examples::NoopHandler handler;
  return carton::runner::run(argc, argv, handler, {"carton-runner-noop", "0.1.0"});
}
