// The core's side of carton's bootstrap (comms.rs, OwnedComms), as MockCore plays it:
// the socket's directory, the channel socketpairs, sending a channel's fd, and accepting
// the runner's connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "carton/runtime/unique_fd.hpp"
#include "runner_process.hpp"

namespace carton::mock {

// As carton's OwnedComms (tempfile::tempdir()): a fresh `.tmpXXXXXX` under $TMPDIR,
// mode 0777 & ~umask, to hold the socket `bootstrap`.
std::string make_bootstrap_dir();

// A channel's socketpair, {core end, runner end}. carton's are non-blocking, and
// O_NONBLOCK belongs to the open file, so the runner receives its end non-blocking.
std::pair<runtime::UniqueFd, runtime::UniqueFd> carton_socketpair();

// Sends a channel the way a slow or fragmenting core might (carton never does): the fd
// with the first id byte, the other seven bytes in a second write.
void send_channel_split(int sock, std::uint64_t id, int fd);

// Accepts the runner's bootstrap connection; a runner that exits first is reported at
// once, with its exit status and stderr, instead of after the whole timeout.
runtime::UniqueFd accept_runner(int listener, RunnerProcess& runner, std::chrono::milliseconds timeout);

}  // namespace carton::mock
