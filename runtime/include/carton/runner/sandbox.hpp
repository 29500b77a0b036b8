// What a runner needs from its sandbox beyond what every runner gets (docs/sandbox.md).
//
// run() confines every runner before it reads a byte of model data: Landlock (read
// only the system's libraries and a few hardware facts, run only itself), seccomp (no
// sockets, namespaces, ptrace, mounts, io_uring, bpf, ...; a refused call fails with
// EPERM and is logged to the core) and no_new_privs. A runner that must read more, a
// framework's data folder say, names it here, in code:
//
//   carton::runner::RunnerInfo info{"my-runner", "1.0.0"};
//   info.sandbox.read_only_paths = {"/opt/myframework/share"};
//
// or with carton_add_runner(... SANDBOX_READ_ONLY <path>...). Never through runner
// options: those come from the model's manifest, and the model is what is confined.
//
// The operator, not the model, chooses with the environment variable
// CARTON_RUNNER_SANDBOX: unset or "auto" enforces what the kernel offers and logs what
// is missing, "require" refuses to start unless every layer is in force, "off" runs
// unconfined (with a warning; for debugging).
#pragma once

#include <string>
#include <vector>

namespace carton::runner {

struct SandboxNeeds {
  // Files and directories (read beneath) the runner may read, besides the defaults.
  std::vector<std::string> read_only_paths;
};

}  // namespace carton::runner
