// carton-runner-evolved: the evolution test's handler as a runner binary, for the
// conformance suite built against the evolved schema (evolve.py).
#include "carton/runner/run.hpp"
#include "evolved_handler.hpp"

int main(int argc, char** argv) {
  EvolvedRunner handler;
  return carton::runner::run(argc, argv, handler, {"evolved", "0.1.0"});
}
