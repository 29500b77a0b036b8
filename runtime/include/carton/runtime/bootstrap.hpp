// Bootstrap: how the runner receives its channel sockets from the core.
//
// The core binds a Unix socket (`--uds-path`), the runner connects, and the core sends one
// sendmsg per channel: 8 bytes (channel id, u64 little-endian) plus exactly one fd in
// SCM_RIGHTS (FACTS.md, "Processes and bootstrap"). The receiver must cope with the id
// bytes arriving in several pieces and the channels in any order, and must never leak or
// inherit an fd it did not ask for: every received fd is owned at once (UniqueFd,
// MSG_CMSG_CLOEXEC), and any error closes all of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "carton/runtime/unique_fd.hpp"

namespace carton::runtime {

enum class ChannelId : std::uint64_t {
  kRpc = 0,
  kFileSystem = 1,
  kCartonData = 2,  // reserved; carton 0.0.1 never sends it
};

// "Rpc (0)", "FileSystem (1)", "CartonData (2)", or "unknown (7)".
std::string describe_channel(std::uint64_t id);

// Any protocol violation, timeout or socket failure during the bootstrap.
class BootstrapError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Channels {
  UniqueFd rpc;         // channel 0
  UniqueFd filesystem;  // channel 1
};

// Runner side: waits (poll) up to `timeout` in total until both channels have arrived.
// Throws BootstrapError on: truncated control data (more than one fd in one message), an
// id that came with 0 or more than 1 fd, fds without id bytes, channel 2 or an unknown id,
// a duplicate id, EOF, or the timeout (naming the channels that never arrived).
Channels receive_channels(int bootstrap_fd, std::chrono::milliseconds timeout);

// Core side (mock core, tests): sends `fd` as channel `id`. Throws std::system_error.
void send_channel(int bootstrap_fd, std::uint64_t id, int fd);

// A connected AF_UNIX SOCK_STREAM pair with close-on-exec set. Throws std::system_error.
std::pair<UniqueFd, UniqueFd> make_socketpair();

// The bootstrap socket itself. All throw std::system_error (or BootstrapError for a
// path longer than sockaddr_un allows, or an accept timeout).
UniqueFd connect_unix(const std::string& path);                 // runner side
UniqueFd listen_unix(const std::string& path);                  // core side; non-blocking
UniqueFd accept_unix(int listen_fd, std::chrono::milliseconds timeout);  // returns a blocking fd

}  // namespace carton::runtime
