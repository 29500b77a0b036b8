// XGBoost's own log lines (its warnings, e.g. on loading a model of an older format)
// go to carton as the runner's log records (target "xgboost"), not to stderr, where
// carton's core would show them unattributed or not at all.
#pragma once

namespace carton::runners::xgboost {

// Registers the forwarding callback with XGBoost (XGBRegisterLogCallback); call once,
// before the first Load.
void forward_xgboost_log();

}  // namespace carton::runners::xgboost
