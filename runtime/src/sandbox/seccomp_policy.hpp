// The three seccomp filters of a runner's life, stacked (the kernel takes the strictest
// answer of every filter, and a process can only add filters):
//
//   start-up   installed before the self re-exec, with plain errnos (the new image has
//              no SIGSYS handler until run() installs one). Refuses the calls no
//              runner makes at any time; still lets start-up open its AF_UNIX
//              bootstrap socket and connect.
//   runner     installed on every thread (TSYNC) once the channels are connected,
//              before the first request: the rest (sockets, connect, ioctl and prctl
//              outside short allow-lists, ...) traps into the SIGSYS handler, which
//              reports the call and makes it fail with EPERM.
//   check      in a child check (read_child_input()), on top: no exec, no new process,
//              no file opened for writing, no signal to anyone but itself.
//
// docs/sandbox.md lists each call and why.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace carton::sandbox {

enum class Stage { startup, runner, check };

struct PolicyFacts {
  int own_pid = 0;
  int parent_pid = 0;
  bool memfd_noexec_seal = false;  // the kernel knows MFD_NOEXEC_SEAL (6.3)
  bool relaxed_for_sanitizers = false;  // LSan's leak check ptraces its own threads
};

std::vector<sock_filter> build_policy(Stage stage, const PolicyFacts& facts);

// Installs `program` on every thread of the process (SECCOMP_FILTER_FLAG_TSYNC).
// Returns 0, or the errno (ESRCH: a thread had other filters).
int install_filter(const std::vector<sock_filter>& program);

// Whether memfd_create accepts MFD_NOEXEC_SEAL here.
bool kernel_has_memfd_noexec_seal();

}  // namespace carton::sandbox
