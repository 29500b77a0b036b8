// The hostile acts a compromised framework would try, each run for real from inside a
// runner process (or its child check) and reported as the errno it met, 0 when it
// succeeded. The sandbox tests expect every one refused (as Firefox's
// SandboxTestingChild runs its checks inside each real process type).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace carton::sandbox_test {

struct ActResult {
  std::string act;
  int error = 0;  // errno, 0: the act succeeded
};

// `user_file`: a file of the user's outside the runner's paths (the source tree's README).
std::vector<ActResult> run_acts(const std::string& user_file);

// "act=errno" lines, and back.
std::string format_results(const std::vector<ActResult>& results);
std::vector<ActResult> parse_results(const std::string& text);

}  // namespace carton::sandbox_test
