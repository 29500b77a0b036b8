#include "carton/runner/run.hpp"
#include "echo_handler.hpp"

int main(int argc, char** argv) {
  standalone::EchoHandler handler;
  return carton::runner::run(argc, argv, handler, {"carton-runner-echo", "1.0.0"});
}
