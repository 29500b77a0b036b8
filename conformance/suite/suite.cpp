// The registry of conformance cases and how one case is run. The cases themselves are in
// protocol_cases.cpp, request_variant_cases.cpp, robustness_cases.cpp, echo_cases.cpp
// and model_cases.cpp; each starts its own MockCore, so one broken case cannot disturb
// the next, and reports a broken rule as "expected ..., got ...".
#include "suite/suite.hpp"

#include <fnmatch.h>

#include "suite/case_support.hpp"

namespace carton::conformance::suite {

namespace {

std::vector<Case> build_registry() {
  std::vector<Case> r;
  add_protocol_cases(r);
  add_request_variant_cases(r);
  add_robustness_cases(r);
  add_echo_cases(r);
  add_model_cases(r);
  return r;
}

Result run_case_body(const Case& c, const CaseContext& context);
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "PASS";
    case Outcome::kFail: return "FAIL";
    case Outcome::kSkip: return "SKIP";
  }
  return "?";
}

const std::vector<Case>& registry() {
  static const std::vector<Case> r = build_registry();
  return r;
}

const std::vector<std::string>& suite_names() {
  static const std::vector<std::string> s = {"protocol", "robustness", "echo", "model"};
  return s;
}

Result run_case(const Case& c, const CaseContext& context) {
  failure_context() = {};
  Result r = run_case_body(c, context);
  const auto& f = failure_context();
  // A runner in the wrong revision sends nothing the core can decode: the mismatch is
  // the whole story, the undecodable replies behind it are noise.
  if (r.outcome == Outcome::kFail && r.revision_mismatch.empty() && !f.violations.empty()) {
    r.message += "; the runner also sent what the real core would panic on: " + f.violations.front();
    if (f.violations.size() > 1) r.message += " (and " + std::to_string(f.violations.size() - 1) + " more)";
  }
  if (r.outcome == Outcome::kFail && !f.runner_exit.empty()) r.message += "; the runner " + f.runner_exit;
  failure_context() = {};
  return r;
}

namespace {
Result run_case_body(const Case& c, const CaseContext& context) {
  try {
    c.body(context);
    return {Outcome::kPass, "", ""};
  } catch (const Skip& e) {
    return {Outcome::kSkip, e.what(), ""};
  } catch (const Failure& e) {
    return {Outcome::kFail, e.what(), ""};
  } catch (const RunnerError& e) {
    return {Outcome::kFail, std::string("expected a successful reply, got ErrorResponse: ") + e.what(), ""};
  } catch (const mock::RevisionMismatch& e) {
    return {Outcome::kFail, std::string("expected replies in the core's revision, got: ") + e.what(), e.what()};
  } catch (const ProtocolError& e) {
    return {Outcome::kFail, std::string("expected replies the real core accepts, got: ") + e.what(), ""};
  } catch (const std::exception& e) {
    return {Outcome::kFail, std::string("expected the case to run, got an error: ") + e.what(), ""};
  }
}
}  // namespace

bool case_matches(const Case& c, const std::string& glob) {
  return fnmatch(glob.c_str(), c.full_name().c_str(), 0) == 0 || fnmatch(glob.c_str(), c.name.c_str(), 0) == 0;
}

}  // namespace carton::conformance::suite