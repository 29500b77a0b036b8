// find_model_file: which of a runner's candidate file names a model directory holds,
// asked through the core's filesystem.
//
// The problem: a runner's Load is served the model directory (a .carton's model/
// folder through carton's zip-backed filesystem, or an unpacked folder through its
// local one) and must find its model file there; Pack must know the same search finds
// the model in a folder it is given, or in the folder it answers, or carton saves a
// .carton its own Load refuses. One search, used by both, keeps them from drifting.
//
// Usage (in load_served_model, or in Pack on request.fs):
//   const std::string file = runner::find_model_file(context(), request.fs, /*writable=*/false, "",
//                                                    {"model.json", "model.ubj", "model.bin"});
//   const wire::Bytes bytes = runner::read_model_file(context(), request.fs, false, file);
//
// A candidate is found when Metadata (which follows symlinks: Pack links a model file
// into its folder) says it is not a directory. A candidate that is a directory is
// named in the Error, since a folder called model.pt is the usual way this goes wrong.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "carton/runner/runner_context.hpp"

namespace carton::runner {

// The Error of a directory that holds none of the candidates. std::invalid_argument:
// the model is what is wrong, not the runner.
class ModelFileNotFound : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The path of the first of `names` that is a file in `dir` of filesystem `fs`: dir's
// path joined with the name ("" is the served root, where a Load's model directory
// is). Throws ModelFileNotFound "no model file: <dir> holds none of a, b, c" (or
// "holds no a" for one name) with,
// where it applies, "(a is a directory)" or the server's answer for a candidate it
// could not look at, then `; ` and `hint` if given. A closed filesystem channel throws
// fs::IoError as it is.
std::string find_model_file(RunnerContext& context, wire::FsToken fs, bool writable, const std::string& dir,
                            const std::vector<std::string>& names, const std::string& hint = {});

// "a, b, c": the candidates as the Errors above list them.
std::string list_model_files(const std::vector<std::string>& names);

}  // namespace carton::runner
