#include "xgboost_log.hpp"

#include <xgboost/c_api.h>

#include <cstring>

#include "carton/runtime/log.hpp"

namespace carton::runners::xgboost {

namespace {

// XGBoost calls back from any thread, and its messages carry their level as text:
// "WARNING: ..." (LOG(WARNING)); the rest are LOG(INFO) and LOG(CONSOLE) lines.
void forward(const char* message) {
  static runtime::Logger log = runtime::make_logger("xgboost");
  if (std::strstr(message, "WARNING") != nullptr) {
    CARTON_LOG(log, warning) << message;
  } else {
    CARTON_LOG(log, info) << message;
  }
}

}  // namespace

void forward_xgboost_log() { XGBRegisterLogCallback(&forward); }

}  // namespace carton::runners::xgboost
