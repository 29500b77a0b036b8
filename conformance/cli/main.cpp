// carton-conformance: checks a carton runner binary against the protocol, as carton's
// core would drive it, or checks this SDK's decoder against conformance/cases.
//
//   carton-conformance --runner PATH [--core-version REVISION|all]
//                      [--suite protocol,robustness,echo,model] [--case GLOB] [--json FILE]
//                      [--junit FILE] [--model-dir DIR] [--model-check FILE]... [--timeout S]
//   carton-conformance --decoder [DIR]
//   carton-conformance --list
//
// Prints one line per case (PASS name / FAIL name: expected ..., got ... / SKIP name:
// reason) and, last, "N passed, N failed[, N skipped]". Exit status: 0 nothing failed;
// 1 a case failed; 2 usage error.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "carton/conformance/cli_status.hpp"
#include "carton/conformance/decoder_cases.hpp"
#include "carton/conformance/roundtrip.hpp"
#include "carton/wire/core_revision.hpp"
#include "report.hpp"
#include "suite/model_check.hpp"
#include "suite/suite.hpp"

#ifndef CARTON_SDK_VERSION
#define CARTON_SDK_VERSION "unknown"
#endif
#ifndef CARTON_SOURCE_DIR
#define CARTON_SOURCE_DIR "."
#endif

namespace {

namespace cf = carton::conformance;
namespace cs = carton::conformance::suite;
using carton::wire::CoreRevision;

using cf::UsageError;

using cf::report::CaseRun;
using cf::report::closing_line;
using cf::report::Counts;

void print_result(const std::string& name, cs::Outcome outcome, const std::string& message) {
  std::cout << cs::outcome_name(outcome) << ' ' << name;
  if (outcome != cs::Outcome::kPass && !message.empty()) std::cout << ": " << message;
  std::cout << std::endl;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int run_decoder(const std::string& dir) {
  std::vector<cf::DecoderCase> cases;
  try {
    cases = cf::load_decoder_cases(dir);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (cases.empty()) throw UsageError("no *.case files in " + dir);
  Counts counts;
  for (const auto& c : cases) {
    const auto r = cf::run_decoder_case(c);
    const auto outcome = r.ok ? cs::Outcome::kPass : cs::Outcome::kFail;
    counts.add(outcome);
    std::string message = "expected " + c.expect + ", got " + r.got;
    if (!r.message.empty()) message += " (" + r.message + ")";
    print_result(c.name, outcome, message);
  }
  std::cout << closing_line(counts) << std::endl;
  return counts.failed == 0 ? cf::kExitOk : cf::kExitFailed;
}

struct RunnerOptions {
  std::string runner;
  std::string core_version = std::string(carton::wire::core_revision_name(carton::wire::kDefaultCoreRevision));
  std::string suites = "protocol,robustness";
  std::string case_glob;
  std::string json_file;
  std::string junit_file;
  std::string model_dir;
  std::vector<std::string> model_check_files;
  double timeout_s = 10;
};

// --model-check files, read before any case runs so that a broken one is a usage error.
std::vector<std::shared_ptr<const cs::ModelCheck>> read_model_checks(const std::vector<std::string>& files) {
  std::vector<std::shared_ptr<const cs::ModelCheck>> checks;
  for (const auto& f : files) {
    try {
      checks.push_back(std::make_shared<const cs::ModelCheck>(cs::read_model_check(f)));
    } catch (const std::exception& e) {
      throw UsageError(std::string("--model-check: ") + e.what());
    }
  }
  return checks;
}

std::string suite_list() {
  std::string out;
  for (const auto& n : cs::suite_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

int run_runner(const RunnerOptions& o) {
  std::vector<std::pair<std::string, CoreRevision>> revisions;
  if (o.core_version == "all") {
    // Newest first: the core most runners are written for leads the report.
    for (auto it = carton::wire::kCoreRevisions.rbegin(); it != carton::wire::kCoreRevisions.rend(); ++it) {
      revisions.emplace_back(it->name, it->revision);
    }
  } else {
    const auto rev = carton::wire::parse_core_revision(o.core_version);
    if (!rev) {
      throw UsageError("unknown --core-version '" + o.core_version +
                       "'; valid: " + carton::wire::core_revision_names() + ", all");
    }
    revisions = {{std::string(carton::wire::core_revision_name(*rev)), *rev}};
  }
  auto suites = split_commas(o.suites);
  bool model_suite = false;
  for (const auto& s : suites) {
    bool known = false;
    for (const auto& n : cs::suite_names()) known |= n == s;
    if (!known) throw UsageError("unknown suite '" + s + "'; valid suites: " + suite_list());
    model_suite |= s == "model";
  }
  const auto model_checks = read_model_checks(o.model_check_files);
  // A model check is a request to check the model: its suite runs whatever --suite says.
  if (!model_checks.empty() && !model_suite) suites.push_back("model");
  if (model_checks.empty() && model_suite) {
    throw UsageError("the model suite needs --model-check FILE: the inputs and expected outputs to check");
  }
  std::vector<const cs::Case*> selected;
  for (const auto& c : cs::registry()) {
    bool in_suite = false;
    for (const auto& s : suites) in_suite |= c.suite == s;
    if (in_suite && (o.case_glob.empty() || cs::case_matches(c, o.case_glob))) selected.push_back(&c);
  }
  if (selected.empty()) throw UsageError("no case matches --suite " + o.suites + " --case '" + o.case_glob + "'");
  if (o.timeout_s <= 0) throw UsageError("--timeout must be positive");
  if (::access(o.runner.c_str(), X_OK) != 0) throw UsageError("--runner " + o.runner + " is not an executable file");

  // Opened before any case runs, so an unwritable path is a usage error, not lost results.
  std::ofstream json, junit;
  if (!o.json_file.empty()) {
    json.open(o.json_file);
    if (!json) throw UsageError("cannot write --json file " + o.json_file);
  }
  if (!o.junit_file.empty()) {
    junit.open(o.junit_file);
    if (!junit) throw UsageError("cannot write --junit file " + o.junit_file);
  }

  std::vector<CaseRun> runs;
  std::vector<std::string> versions;
  for (const auto& [rev_name, rev] : revisions) {
    versions.push_back(rev_name);
    if (revisions.size() > 1) std::cout << "# core version " << rev_name << std::endl;
    cs::CaseContext ctx;
    ctx.runner_path = o.runner;
    ctx.revision = rev;
    ctx.model_dir = o.model_dir;
    ctx.model_checks = model_checks;
    ctx.timeout = std::chrono::milliseconds(static_cast<long long>(o.timeout_s * 1000));
    for (const auto* c : selected) {
      runs.push_back({rev_name, c->suite, c->name, cs::run_case(*c, ctx)});
      const auto& r = runs.back().result;
      print_result(revisions.size() > 1 ? c->full_name() + "@" + rev_name : c->full_name(), r.outcome, r.message);
    }
  }
  if (revisions.size() > 1) cf::report::write_matrix(std::cout, o.runner, versions, runs);
  if (json.is_open()) cf::report::write_json(json, o.runner, runs);
  if (junit.is_open()) cf::report::write_junit(junit, o.runner, versions, runs);
  const Counts total = cf::report::count(runs);
  std::cout << closing_line(total) << std::endl;
  return total.failed == 0 ? cf::kExitOk : cf::kExitFailed;
}

int list_cases() {
  for (const auto& c : cs::registry()) std::cout << c.full_name() << "  " << c.doc << "\n";
  return cf::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"carton-conformance: check a carton runner binary against the carton runner protocol"};
  app.set_version_flag("--version", std::string("carton-conformance ") + CARTON_SDK_VERSION);
  RunnerOptions o;
  std::string decoder_dir;
  bool list = false;
  auto* runner_opt = app.add_option("--runner", o.runner, "The runner binary to check (started as `PATH --uds-path P`)");
  auto* decoder_opt = app.add_option("--decoder", decoder_dir,
                                     "Run the decoder cases in DIR (default: the source tree's conformance/cases)")
                          ->expected(0, 1);
  auto* list_opt = app.add_flag("--list", list, "List every runner case with its description");
  app.add_option("--core-version", o.core_version,
                 carton::wire::core_revision_names() + " or all (default " +
                     std::string(carton::wire::core_revision_name(carton::wire::kDefaultCoreRevision)) + ")");
  app.add_option("--suite", o.suites,
                 "Comma-separated suites: " + suite_list() + " (default protocol,robustness; model is added by --model-check)");
  app.add_option("--case", o.case_glob, "Only cases whose suite/name or name matches this glob");
  app.add_option("--model-dir", o.model_dir,
                 "Serve DIR read-only to every Load (a runner that needs a model; default: an empty directory)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--model-check", o.model_check_files,
                 "A JSON file of inputs and expected outputs for the model in --model-dir (ref-core's tensor "
                 "format, with rtol/atol and runner_opts; docs/conformance.md): runs the model suite, which "
                 "fails on an Error or a wrong output. Repeat for more checks")
      ->check(CLI::ExistingFile);
  app.add_option("--json", o.json_file, "Also write the results as JSON to FILE");
  app.add_option("--junit", o.junit_file, "Also write the results as JUnit XML to FILE (one testcase per case and core version)");
  app.add_option("--timeout", o.timeout_s, "Seconds to wait for each reply (default 10)");
  runner_opt->excludes(decoder_opt);
  list_opt->excludes(decoder_opt);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? cf::kExitOk : cf::kExitUsage;
  }
  try {
    if (list) return list_cases();
    if (decoder_opt->count() > 0) {
      return run_decoder(decoder_dir.empty() ? std::string(CARTON_SOURCE_DIR) + "/conformance/cases" : decoder_dir);
    }
    if (o.runner.empty()) throw UsageError("give --runner PATH (or --decoder [DIR], --list)");
    return run_runner(o);
  } catch (const UsageError& e) {
    std::cerr << "carton-conformance: " << e.what() << "\n";
    return cf::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "carton-conformance: " << e.what() << "\n";
    return cf::kExitFailed;
  }
}
