// carton-onnx-corpus: runs ONNX's backend test corpus (libonnx-testdata) and says, per
// category, how many models pass, are refused at load, fail at inference, give a wrong
// answer, crash or hang. docs/runners/onnx.md shows the table and how to run it.
//
//   carton-onnx-corpus [--engine opencv|runner] [--runner BIN] [--jobs N] [--timeout S]
//                      [--list FILE] [--report FILE] [--baseline REPORT] [PATH...]
//
// PATH: the corpus root (default /usr/share/libonnx-testdata/data), categories of it or
// test directories. --engine opencv runs OpenCV's DNN module in-process, as a user of
// OpenCV would; --engine runner runs every model through carton-runner-onnx, started
// by the mock core as carton starts it. Each test runs in a child process of its own.
//
// Exit status: 0 when nothing crashed or hung and (with --baseline) every model that
// passed in the baseline report passes here; 1 otherwise; 2 on a usage error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>

#include "child.hpp"
#include "outcome.hpp"
#include "runner_engine.hpp"

namespace {

using namespace carton::onnx_corpus;
namespace stdfs = std::filesystem;

constexpr char kDefaultCorpus[] = "/usr/share/libonnx-testdata/data";

std::string self_path() { return stdfs::read_symlink("/proc/self/exe").string(); }

std::string key_of(const stdfs::path& dir) {
  return dir.parent_path().filename().string() + "/" + dir.filename().string();
}

int run_child(const std::string& dir, const std::string& engine, const RunnerConfig& runner) {
  Outcome o;
  try {
    const auto tc = read_test(dir);
    o = engine == "opencv" ? run_with_opencv(tc) : run_with_runner(tc, runner);
  } catch (const std::exception& e) {
    o = {Verdict::kToolError, e.what()};
  }
  std::cout << outcome_line(o) << std::endl;
  return 0;
}

std::map<std::string, Outcome> read_report(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw CLI::ValidationError("--baseline", "cannot read " + file);
  std::map<std::string, Outcome> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out[line.substr(0, tab)] = parse_outcome_line(line.substr(tab + 1));
  }
  return out;
}

void print_table(const std::vector<ChildJob>& jobs, const std::vector<Outcome>& outcomes) {
  std::map<std::string, std::array<int, kVerdicts>> counts;
  std::array<int, kVerdicts> total{};
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto category = stdfs::path(jobs[i].test).parent_path().filename().string();
    counts[category][static_cast<int>(outcomes[i].verdict)]++;
    total[static_cast<int>(outcomes[i].verdict)]++;
  }
  std::cout << "| category | models |";
  for (int v = 0; v < kVerdicts; ++v) std::cout << ' ' << verdict_name(static_cast<Verdict>(v)) << " |";
  std::cout << "\n| --- | ---: |";
  for (int v = 0; v < kVerdicts; ++v) std::cout << " ---: |";
  std::cout << '\n';
  auto row = [](const std::string& name, const std::array<int, kVerdicts>& c) {
    int n = 0;
    for (int x : c) n += x;
    std::cout << "| " << name << " | " << n << " |";
    for (int x : c) std::cout << ' ' << x << " |";
    std::cout << '\n';
  };
  for (const auto& [category, c] : counts) row(category, c);
  row("all", total);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs ONNX's backend test corpus through OpenCV or carton-runner-onnx"};
  std::vector<std::string> paths;
  std::string engine = "opencv", list, report, baseline, child;
  RunnerConfig runner;
  int jobs = 2, timeout = 60;
  app.add_option("paths", paths, "corpus root, categories or test directories")->check(CLI::ExistingPath);
  app.add_option("--engine", engine, "opencv (in-process) or runner (through the mock core)")
      ->check(CLI::IsMember({"opencv", "runner"}));
  app.add_option("--runner", runner.binary, "the carton-runner-onnx binary (--engine runner)");
  app.add_option("--jobs", jobs, "children at once")->check(CLI::Range(1, 64));
  app.add_option("--timeout", timeout, "seconds a test may take before it counts as a hang")->check(CLI::Range(1, 3600));
  app.add_option("--list", list, "run only the tests named in this file (category/name per line)");
  app.add_option("--report", report, "write category/name, verdict and detail per test (TSV)");
  app.add_option("--baseline", baseline, "a --report of another run: fail when a model it passed does not pass");
  app.add_option("--child", child, "(internal) run this one test and print its verdict");
  CLI11_PARSE(app, argc, argv);
  if (engine == "runner" && runner.binary.empty()) {
    std::cerr << "--engine runner needs --runner\n";
    return 2;
  }
  if (!child.empty()) return run_child(child, engine, runner);

  if (paths.empty()) paths.push_back(kDefaultCorpus);
  std::set<std::string> wanted;
  if (!list.empty()) {
    std::ifstream in(list);
    if (!in) {
      std::cerr << "cannot read --list " << list << '\n';
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') wanted.insert(line);
    }
  }
  std::vector<ChildJob> children;
  for (const auto& p : paths) {
    for (const auto& dir : find_tests(p)) {
      if (!wanted.empty() && !wanted.count(key_of(dir))) continue;
      std::vector<std::string> argv{self_path(), "--engine", engine, "--child", dir.string()};
      if (engine == "runner") argv.insert(argv.end(), {"--runner", runner.binary});
      children.push_back({dir.string(), std::move(argv)});
    }
  }
  if (children.empty()) {
    std::cerr << "no test directory (holding model.onnx) found\n";
    return 2;
  }
  std::map<std::string, Outcome> base;
  if (!baseline.empty()) base = read_report(baseline);

  const auto t0 = std::chrono::steady_clock::now();
  const auto outcomes = run_children(children, jobs, std::chrono::seconds(timeout), nullptr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::ofstream out;
  if (!report.empty()) out.open(report);
  int bad = 0;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const auto key = key_of(children[i].test);
    const auto& o = outcomes[i];
    if (out) out << key << '\t' << outcome_line(o) << '\n';
    const bool fatal = o.verdict == Verdict::kCrash || o.verdict == Verdict::kHang || o.verdict == Verdict::kToolError;
    const auto b = base.find(key);
    const bool lost = b != base.end() && b->second.verdict == Verdict::kPassed && o.verdict != Verdict::kPassed;
    if (fatal || lost) {
      ++bad;
      std::cout << (lost ? "LOST (passes in the baseline) " : "") << key << ": " << outcome_line(o) << '\n';
    }
  }
  print_table(children, outcomes);
  std::cout << children.size() << " models in " << std::fixed << std::setprecision(1) << seconds << " s with "
            << jobs << " jobs (" << engine << ")\n";
  return bad == 0 ? 0 : 1;
}
