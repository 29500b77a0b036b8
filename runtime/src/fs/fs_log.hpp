// The logging entry point of carton_fs, in one place: the SDK's logger (channel
// carton_runner_sdk), so the records reach the core like every other SDK log line.
#pragma once

#include "carton/runtime/log.hpp"

// sev: trace, debug, info, warning, error or fatal.
#define CARTON_FS_LOG(sev) CARTON_LOG(::carton::runtime::sdk_logger(), sev) << "carton::fs: "
