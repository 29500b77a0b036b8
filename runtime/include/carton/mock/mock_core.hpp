// MockCore: plays carton's core against a runner binary, over real sockets, as carton
// starts and drives runners (docs/conformance.md, "Fidelity", lists each behaviour
// and how it was checked against the real core): a bootstrap socket in a fresh
// `.tmpXXXXXX` dir kept open for the runner's life, `RUNNER --uds-path PATH`,
// CUDA_VISIBLE_DEVICES from the Device, the Rpc then the FileSystem channel sent with
// SCM_RIGHTS. It sends requests with ids counted from 0, collects every response,
// accepts log messages at any time, and records what the real core would panic on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carton/mock/core_transport.hpp"
#include "carton/mock/typed_core.hpp"
#include "carton/wire/common_types.hpp"
#include "carton/wire/encoded.hpp"
#include "carton/wire/revisions.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::mock {

struct MockCoreOptions {
  std::string runner_path;
  std::vector<std::string> extra_args;             // after --uds-path PATH
  std::map<std::string, std::string> environment;  // added to the inherited environment
  // The revision the core speaks; it cannot encode what this revision lacks. The runner
  // must speak the same one: for a request a later revision adds, set both, e.g.
  // revision = *parse_core_revision("0.0.2") and environment["CARTON_CORE_REVISION"] =
  // "0.0.2" (docs/evolving-the-protocol.md, "Sending a new request in a test").
  wire::CoreRevision revision = wire::kDefaultCoreRevision;
  wire::Device device = wire::CpuDevice{};
  std::chrono::milliseconds call_timeout{20000};
  // Bootstrap variations the runner must tolerate.
  bool filesystem_channel_first = false;
  bool split_id_and_fd = false;  // the id bytes in one sendmsg, the fd in the next
};

class MockCore : public CoreTransport {
 public:
  // Throws std::runtime_error if the runner does not connect within 10 s, or at once
  // (naming its exit status and the end of its stderr) if it exits first.
  explicit MockCore(MockCoreOptions options);
  ~MockCore() override;  // drops the runner and reaps it (SIGKILL after 5 s)
  MockCore(const MockCore&) = delete;
  MockCore& operator=(const MockCore&) = delete;

  // Typed calls (generated): core().load(...), core().infer_with_tensors(...), ...
  TypedCore& core() { return typed_; }

  std::vector<wire::RPCResponse> call(wire::RPCRequestData request) override;
  // Sends without waiting; pair with wait().
  wire::RpcId send(wire::RPCRequestData request);
  // The request's responses, once complete. They are handed over (the core keeps no
  // copy, so their frames are freed with them): wait() once per id.
  std::vector<wire::RPCResponse> wait(wire::RpcId id);
  // Writes one frame with this payload on the RPC channel, for malformed-input tests.
  // A payload that starts with an id (8 bytes, little-endian) not yet in use registers
  // it, so a reply the runner sends to it (an Error, say) is collected for wait(id)
  // rather than recorded as a violation; returns that id. A runner may also never
  // answer such a request, so wait() on it only where a reply is required.
  std::optional<wire::RpcId> send_raw_payload(std::vector<std::uint8_t> payload);
  // Writes raw bytes (no framing added) on the RPC channel.
  void send_raw_bytes(std::vector<std::uint8_t> bytes);

  // Serves `directory` on the next filesystem stream; the token goes into Load/Pack.
  wire::FsToken serve_directory(const std::string& directory, bool writable);

  std::vector<wire::LogRecord> logs() const;
  // Replies the real core would panic on (unknown id, undecodable frames, ...).
  std::vector<std::string> violations() const;

  pid_t runner_pid() const;
  // The runner's wait status once it has exited (reaping it); nullopt while it runs.
  std::optional<int> runner_exit_status();
  // "exited with status 3; the end of its stderr: ..." for a wait status.
  std::string describe_exit(int status) const;
  // Drops the runner as carton does (shuts down the core's writing side of the
  // bootstrap socket and channels, keeps serving filesystems it handed out) and waits
  // for the runner to exit; returns its wait status, or -1 if it had to be killed.
  int close_and_wait(std::chrono::milliseconds timeout);
  // Closes every socket at once, as the core process dying would, then waits likewise.
  int vanish_and_wait(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TypedCore typed_;
};

// True when `pid` has exited: gone, or a zombie waiting for a reaper we do not control
// (a runner whose core died is reparented, and nobody may reap it).
bool process_gone(pid_t pid);

}  // namespace carton::mock
