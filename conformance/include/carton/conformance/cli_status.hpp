// Exit statuses shared by the SDK's command-line tools (carton-conformance, carton-wire),
// so scripts can tell "something failed" from "the command line was wrong".
#pragma once

#include <stdexcept>

namespace carton::conformance {

constexpr int kExitOk = 0;      // everything checked passed
constexpr int kExitFailed = 1;  // a case, vector or decode failed
constexpr int kExitUsage = 2;   // the command line is unusable

// Thrown for anything that makes the command line unusable; main() prints it, exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace carton::conformance
