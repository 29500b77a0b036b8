// carton-runner-xgboost: XGBoost models in carton, on XGBoost's C API. carton starts it
// with --uds-path; see docs/runners/xgboost.md. With --check-model it is the child that
// loads a model before the runner does (model_file.hpp).
#include <cstring>

#include "carton/runner/run.hpp"
#include "carton/runtime/log.hpp"
#include "model_file.hpp"
#include "xgboost_handler.hpp"
#include "xgboost_log.hpp"

int main(int argc, char** argv) {
  namespace xgboost = carton::runners::xgboost;
  if (argc == 2 && std::strcmp(argv[1], xgboost::kLoadCheckFlag) == 0) return xgboost::run_load_check();

  xgboost::forward_xgboost_log();
  xgboost::XGBoostHandler handler;
  return carton::runner::run(argc, argv, handler, {"carton-runner-xgboost", "0.1.0"});
}
