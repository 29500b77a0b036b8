// The order in which a runner process is confined (docs/sandbox.md):
//
//   confine_process()       first thing in run(): no_new_privs, no capabilities,
//                           Landlock, the start-up seccomp filter, then execve of the
//                           runner's own binary. The exec ends every thread a library
//                           constructor started unconfined; the new image, its
//                           constructors and every later thread inherit all of it.
//                           On the second pass it checks the layers are there.
//   confine_after_connect() once the channels are connected, before the first request:
//                           the SIGSYS reporter, then the runner filter on every thread,
//                           and one log record saying what is and is not enforced.
//   confine_check_child()   in a child check, before it reads the model.
#pragma once

#include <string>
#include <vector>

namespace carton::sandbox {

// Returns normally in the confined process (or when confinement is off or partial and
// not required); exits the process with status 1 when CARTON_RUNNER_SANDBOX=require
// cannot be met or holds an unknown value.
void confine_process(char** argv, const std::vector<std::string>& extra_read_only, const std::string& runner_name);

void confine_after_connect();

void confine_check_child();

// The Landlock ruleset a child check restricts itself to before its exec (a fd), or
// -1 (no Landlock, or confinement off).
int check_child_ruleset();

// The memfd_create flags the SDK's own memfds take: MFD_NOEXEC_SEAL where the kernel
// has it, which the runner filter requires (an executable memfd would escape Landlock).
unsigned memfd_flags();

}  // namespace carton::sandbox
