// The runner of the evolution test: one handler serving the released cores and the
// evolved one (the worked example of docs/evolving-the-protocol.md, built against a
// schema that adds core revision EVOLVED_REVISION with request Health ->
// HealthResponse{status} and an optional LoadRequest.model_name). evolution_test.cpp
// serves it in-process; evolved_runner.cpp makes it a runner for carton-conformance.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>

#include "carton/runner/runner_handler.hpp"

// The example's names, with EVOLVED_SUFFIX when the schema already has them.
#define CARTON_CAT_(a, b, c) a##b##c
#define CARTON_CAT(a, b, c) CARTON_CAT_(a, b, c)
#define HealthRequest CARTON_CAT(Health, EVOLVED_SUFFIX, Request)
#define HealthResponse CARTON_CAT(Health, EVOLVED_SUFFIX, Response)
#define HealthResponder CARTON_CAT(Health, EVOLVED_SUFFIX, Responder)
#define on_health CARTON_CAT(on_health, EVOLVED_SUFFIX, )
#define model_name CARTON_CAT(model_name, EVOLVED_SUFFIX, )
#define CARTON_STR_(x) #x
#define CARTON_STR(x) CARTON_STR_(x)

class EvolvedRunner : public carton::runner::RunnerHandler {
 public:
  std::string last_model_name = "(none)";

  void on_load(carton::wire::LoadRequest request, carton::runner::LoadResponder responder) override {
    last_model_name = request.model_name.value_or("(none)");  // an old core never sends one
    responder.respond(carton::wire::LoadResponse{});
  }
  void on_pack(carton::wire::PackRequest request, carton::runner::PackResponder responder) override {
    responder.respond(carton::wire::PackResponse{request.input_path});  // as carton's noop runner does
  }
  // EVOLVED_HEALTH=refuse answers Health with an Error that is not "not implemented",
  // =unimplemented leaves it to the SDK's default: the two answers the suite must tell apart.
  void on_health(carton::wire::HealthRequest request, carton::runner::HealthResponder responder) override {
    const std::string mode = std::getenv("EVOLVED_HEALTH") ? std::getenv("EVOLVED_HEALTH") : "";
    if (mode == "refuse") return responder.fail("not ready");
    if (mode == "unimplemented") return RunnerHandler::on_health(std::move(request), std::move(responder));
    responder.respond(carton::wire::HealthResponse{"ok"});
  }
};
