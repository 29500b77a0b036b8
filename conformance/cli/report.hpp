// The reports carton-conformance writes besides its per-case lines: the runner x core
// version matrix, --json and --junit (JUnit XML, for CI systems that show test results).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "suite/suite.hpp"

namespace carton::conformance::report {

// One case run against one core version.
struct CaseRun {
  std::string core_version;  // "0.0.1", "2023-09"
  std::string suite;
  std::string name;
  suite::Result result;
};

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
  void add(suite::Outcome o);
};
Counts count(const std::vector<CaseRun>& runs, const std::string& core_version = "");

// "N passed, N failed[, N skipped]": the closing line.
std::string closing_line(const Counts& c);

// "# matrix (runner x core version)" and one line per core version, naming the revision
// the runner speaks when it answered in the other one's layout.
void write_matrix(std::ostream& out, const std::string& runner, const std::vector<std::string>& core_versions,
                  const std::vector<CaseRun>& runs);

// {runner, results: [{core_version, suite, case, outcome, message}], passed, failed, skipped}
void write_json(std::ostream& out, const std::string& runner, const std::vector<CaseRun>& runs);

// <testsuites> with one <testsuite> per core version and one <testcase> per case run;
// failed cases carry <failure message=...>, skipped ones <skipped message=...>.
void write_junit(std::ostream& out, const std::string& runner, const std::vector<std::string>& core_versions,
                 const std::vector<CaseRun>& runs);

}  // namespace carton::conformance::report
