// Runs one corpus test in a child process with a deadline, so that an engine that
// crashes or hangs on a model costs that model, not the run. The child (this program
// with --child) prints one line, "<verdict>\t<detail>", on its stdout; the parent reads
// it, or records a crash (the child died, or exited without the line) or a hang (the
// deadline passed: the child's whole process group is killed, which takes a runner
// the child started with it).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "outcome.hpp"

namespace carton::onnx_corpus {

struct ChildJob {
  std::string test;                // the test directory
  std::vector<std::string> argv;   // the child's command line
};

// Runs up to `jobs` children at once; outcomes in the order of `children`.
// `progress` is called after each one finishes.
std::vector<Outcome> run_children(const std::vector<ChildJob>& children, int jobs, std::chrono::seconds deadline,
                                  void (*progress)(const ChildJob&, const Outcome&));

// The line a child prints, and its parse; tabs and newlines in the detail become spaces.
std::string outcome_line(const Outcome& o);
Outcome parse_outcome_line(const std::string& line);

}  // namespace carton::onnx_corpus
