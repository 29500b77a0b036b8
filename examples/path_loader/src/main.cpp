#include "carton/runner/run.hpp"
#include "linear_handler.hpp"

int main(int argc, char** argv) {
  linear_runner::LinearHandler handler;
  return carton::runner::run(argc, argv, handler, {"carton-runner-tinylinear", "1.0.0"});
}
