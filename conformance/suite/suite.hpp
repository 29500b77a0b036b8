// The runner conformance suite behind `carton-conformance`: a registry of cases, each
// of which starts the runner under test the way carton's core does (a fresh MockCore per
// case) and checks one rule of the protocol. docs/conformance.md describes every case.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "carton/wire/common_types.hpp"
#include "carton/wire/revisions.hpp"

namespace carton::conformance::suite {

struct ModelCheck;  // model_check.hpp

// How to start the runner for one case.
struct CaseContext {
  std::string runner_path;
  wire::CoreRevision revision = wire::kDefaultCoreRevision;
  // Served read-only to every Load. Empty: an empty directory, which a runner may refuse
  // with Error; given: the runner must accept the Load.
  std::string model_dir;
  // --model-check files: the model suite's inputs and expected outputs.
  std::vector<std::shared_ptr<const ModelCheck>> model_checks;
  // Per call (MockCoreOptions::call_timeout) and for waiting on the runner's exit.
  std::chrono::milliseconds timeout{10000};
};

enum class Outcome { kPass, kFail, kSkip };
const char* outcome_name(Outcome outcome);  // "PASS", "FAIL", "SKIP"

struct Result {
  Outcome outcome = Outcome::kPass;
  std::string message;  // for FAIL "expected ..., got ..."; for SKIP the reason
  // For a FAIL because the runner answered in the other revision's layout: "the runner
  // speaks revision X; start it with ..." (also inside message), for the matrix.
  std::string revision_mismatch;
};

// Thrown by a case body: the rule was broken. The message reads "expected ..., got ...".
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a case body: the case does not apply (e.g. streaming against core 2023-09).
class Skip : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Case {
  std::string suite;  // protocol, robustness, echo, model
  std::string name;   // unique within its suite
  std::string doc;    // one line: what the case checks
  std::function<void(const CaseContext&)> body;  // returns on PASS; throws Failure / Skip

  std::string full_name() const { return suite + "/" + name; }
};

// Every case, in running order.
const std::vector<Case>& registry();

// The suites, in running order: protocol, robustness, echo, model.
const std::vector<std::string>& suite_names();

// Runs one case; every exception becomes FAIL with a message naming the rule.
Result run_case(const Case& c, const CaseContext& context);

// fnmatch-style glob against "suite/name" or the bare name.
bool case_matches(const Case& c, const std::string& glob);

}  // namespace carton::conformance::suite
