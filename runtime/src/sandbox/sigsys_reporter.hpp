// What happens when the runner's seccomp filter refuses a call (SECCOMP_RET_TRAP): the
// SIGSYS handler makes the call return -errno (the errno rides in the filter's return
// data), so the framework sees a failed call instead of the runner dying, and writes
// the call's number to a pipe, the only async-signal-safe way out. A thread drains the
// pipe into Boost.Log warnings, which the LogForwarder sends to the core.
#pragma once

namespace carton::sandbox {

// Installs the handler; with `report`, also the pipe and the thread that logs. Call
// before the filter that traps.
void install_sigsys_handler(bool report);

// The name of a syscall number the policy may refuse ("socket"), else "syscall N".
const char* syscall_name(int nr);

}  // namespace carton::sandbox
