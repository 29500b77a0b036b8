// Landlock: which files a runner may read and run, and (ABI >= 4) no TCP bind or
// connect, and (ABI >= 6) no signal to, nor abstract UNIX socket of, a process outside
// its domain. Applied to the calling thread only (no TSYNC before ABI 8): the self
// re-exec makes the calling thread the whole process.
#pragma once

#include <string>
#include <vector>

namespace carton::sandbox {

struct LandlockResult {
  int abi = 0;              // 0: no Landlock in this kernel (or disabled at boot)
  bool applied = false;
  bool network = false;     // TCP bind/connect handled (ABI >= 4)
  bool scopes = false;      // signal and abstract-socket scopes (ABI >= 6)
  std::string error;        // why it was not applied, when it was not
};

struct LandlockPaths {
  std::vector<std::string> read_only;   // files and directories, read beneath
  std::vector<std::string> executable;  // files that may be executed (and read)
  std::vector<std::string> read_write;  // device files such as /dev/null
};

// The paths every runner gets (docs/sandbox.md says why each), plus `extra_read_only`.
// `own_proc`: this process's /proc entry, which a child check (another pid) must not
// get: it would read the runner's memory through /proc/<pid>/mem.
LandlockPaths runner_paths(const std::vector<std::string>& extra_read_only, bool own_proc = true);

// A ruleset allowing `paths` (a path that does not exist is skipped): its fd, or -1
// with r.error set.
int build_ruleset(const LandlockPaths& paths, LandlockResult& r);

// Restricts the calling thread to build_ruleset(paths).
LandlockResult apply_landlock(const LandlockPaths& paths);

}  // namespace carton::sandbox
