#include "carton/mock/mock_core.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "carton/fs/directory_server.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/frame_channel.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/messages.hpp"
#include "core_bootstrap.hpp"
#include "io_driver.hpp"
#include "runner_process.hpp"

namespace carton::mock {
namespace {

using runtime::UniqueFd;

// How long a runner gets to connect after it is started (it may load a framework first).
constexpr std::chrono::milliseconds kBootstrapTimeout{10000};
// How long the destructor waits for the runner to exit once dropped, before SIGKILL.
constexpr std::chrono::milliseconds kExitWait{5000};

std::map<std::string, std::string> runner_environment(const MockCoreOptions& o) {
  std::map<std::string, std::string> env;
  // carton sets CUDA_VISIBLE_DEVICES to the GPU's uuid, and to "" for anything else.
  const auto* gpu = std::get_if<wire::GpuDevice>(&o.device);
  env["CUDA_VISIBLE_DEVICES"] = gpu && gpu->uuid ? *gpu->uuid : "";
  for (const auto& kv : o.environment) env[kv.first] = kv.second;
  return env;
}

}  // namespace

struct MockCore::Impl {
  ~Impl() {
    runner.reset();
    std::error_code ec;
    if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir, ec);
  }

  MockCoreOptions options;
  std::string temp_dir;
  std::unique_ptr<RunnerProcess> runner;
  // Kept for the runner's whole life, as carton keeps them (comms.rs): a runner may
  // read the bootstrap socket until EOF, which comes when the core drops it.
  UniqueFd listener;
  UniqueFd bootstrap;

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::shared_ptr<runtime::FrameChannel> rpc;
  std::shared_ptr<fs::Multiplexer> fs_mux;  // core side of the FileSystem channel
  std::vector<std::shared_ptr<fs::DirectoryServer>> served;
  UniqueFd rpc_raw;  // dup of the RPC socket for send_raw_bytes and shutdown
  UniqueFd fs_raw;   // dup of the FileSystem socket for shutdown

  mutable std::mutex mu;
  std::condition_variable cv;
  IoDriver driver{io, mu, cv};  // runs `io`: on waiting callers, else in the background
  std::uint64_t next_id = 0;
  struct Pending {
    std::vector<wire::RPCResponse> responses;
    bool complete = false;
    bool taken = false;  // wait() returned the responses; the entry stays for violations
  };
  std::map<std::uint64_t, Pending> pending;
  std::vector<wire::LogRecord> logs;
  std::vector<std::string> violations;
  std::string revision_mismatch;  // set once a reply decodes only in the other revision
  bool closed = false;
  bool dropped = false;  // the core dropped the runner: late replies are not checked
  std::string close_reason;

  void record_violation(std::string what) {
    std::lock_guard<std::mutex> lock(mu);
    violations.push_back(std::move(what));
  }

  // A reply that does not decode in the revision the core plays but does in the other
  // one: the runner was started for the wrong core, which the case names outright.
  void check_revision_mismatch(const wire::Bytes& frame) {
    for (const auto& other : wire::kCoreRevisions) {
      if (other.revision == options.revision) continue;
      try {
        (void)wire::decode_message<wire::RPCResponse>(frame, other.revision);
      } catch (const wire::DecodeError&) {
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!revision_mismatch.empty()) return;
      const std::string want(wire::core_revision_name(options.revision));
      revision_mismatch = "the runner speaks revision " + std::string(other.name) + "; start it with `--core-revision " +
                          want + "` or `CARTON_CORE_REVISION=" + want + "`";
      cv.notify_all();
      return;
    }
  }

  void on_frame(const wire::Bytes& frame) {
    wire::RPCResponse response;
    try {
      response = wire::decode_message<wire::RPCResponse>(frame, options.revision);
    } catch (const wire::DecodeError& e) {
      record_violation(std::string("undecodable response: ") + e.what());
      check_revision_mismatch(frame);
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    if (auto* log = std::get_if<wire::LogMessageResponse>(&response.data)) {
      logs.push_back(std::move(log->record));
      return;
    }
    if (dropped) return;
    auto it = pending.find(response.id.value);
    if (it == pending.end() || it->second.complete) {
      violations.push_back("a response for id " + std::to_string(response.id.value) +
                           (it == pending.end() ? ", which no request has" : ", whose request was already answered"));
      return;
    }
    it->second.complete = response.complete;
    it->second.responses.push_back(std::move(response));
    cv.notify_all();
  }

  void on_close(std::string reason) {
    std::lock_guard<std::mutex> lock(mu);
    closed = true;
    close_reason = std::move(reason);
    cv.notify_all();
  }

  // Closes every socket the core holds, as its process exiting would, and stops the
  // I/O thread.
  void close_everything() {
    if (driver.running()) {
      boost::asio::post(io, [this] { rpc->close(); });
      boost::asio::post(io, [this] { fs_mux->close(); });
      work.reset();
      driver.finish();
    }
    rpc_raw.reset();
    fs_raw.reset();
    bootstrap.reset();
    listener.reset();
  }
};

MockCore::MockCore(MockCoreOptions options) : impl_(std::make_unique<Impl>()), typed_(*this) {
  auto& m = *impl_;
  m.options = std::move(options);
  m.temp_dir = make_bootstrap_dir();
  const std::string uds = m.temp_dir + "/bootstrap";
  m.listener = runtime::listen_unix(uds);
  std::vector<std::string> args = {"--uds-path", uds};
  args.insert(args.end(), m.options.extra_args.begin(), m.options.extra_args.end());
  m.runner = std::make_unique<RunnerProcess>(m.options.runner_path, args, runner_environment(m.options));
  m.bootstrap = accept_runner(m.listener.get(), *m.runner, kBootstrapTimeout);

  // carton creates and sends the Rpc channel, then the FileSystem channel (client.rs),
  // each as soon as the runner has connected.
  auto [rpc_core, rpc_runner] = carton_socketpair();
  auto [fs_core, fs_runner] = carton_socketpair();
  auto send = [&](std::uint64_t id, int fd) {
    if (m.options.split_id_and_fd) {
      send_channel_split(m.bootstrap.get(), id, fd);
    } else {
      runtime::send_channel(m.bootstrap.get(), id, fd);
    }
  };
  if (m.options.filesystem_channel_first) {
    send(1, fs_runner.get());
    send(0, rpc_runner.get());
  } else {
    send(0, rpc_runner.get());
    send(1, fs_runner.get());
  }
  Impl* p = impl_.get();
  fs::MultiplexerOptions fs_options;
  fs_options.revision = m.options.revision;
  fs_options.name = "mock-core filesystem";
  fs_options.on_peer_error = [p](const std::string& what) { p->record_violation(what); };
  // Close-on-exec, as all of carton's sockets are: a runner started later by this process
  // must not hold this core's end of another runner's channels.
  m.fs_raw = UniqueFd(::fcntl(fs_core.get(), F_DUPFD_CLOEXEC, 0));
  m.fs_mux = fs::Multiplexer::create(m.io, std::move(fs_core), fs::Side::kCore, fs_options);
  m.fs_mux->start();
  m.rpc_raw = UniqueFd(::fcntl(rpc_core.get(), F_DUPFD_CLOEXEC, 0));
  m.rpc = runtime::FrameChannel::create(m.io, std::move(rpc_core), {wire::kDefaultMaxFrameBytes, "mock-core rpc"});
  m.rpc->start([p](wire::Bytes frame) { p->on_frame(frame); }, [p](std::string reason) { p->on_close(std::move(reason)); });
  m.driver.start();
}

MockCore::~MockCore() { close_and_wait(kExitWait); }

wire::RpcId MockCore::send(wire::RPCRequestData request) {
  auto& m = *impl_;
  wire::RpcId id;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    // Past any id a raw payload took (send_raw_payload), so no two requests share one.
    while (m.pending.count(m.next_id)) ++m.next_id;
    id = wire::RpcId{m.next_id++};
    m.pending[id.value];
  }
  m.rpc->send(wire::encode_message(wire::RPCRequest{id, std::move(request)}, m.options.revision));
  return id;
}

std::vector<wire::RPCResponse> MockCore::wait(wire::RpcId id) {
  auto& m = *impl_;
  std::unique_lock<std::mutex> lock(m.mu);
  auto& p = m.pending[id.value];
  const bool done = m.driver.wait(
      lock, [&] { return p.complete || m.closed || !m.revision_mismatch.empty(); },
      IoDriver::Clock::now() + m.options.call_timeout);
  if (!m.revision_mismatch.empty()) throw RevisionMismatch(m.revision_mismatch);
  if (!done) {
    throw ProtocolError("no complete response to request " + std::to_string(id.value) + " within " +
                        std::to_string(m.options.call_timeout.count()) + " ms");
  }
  if (!p.complete) {
    throw ProtocolError("the runner closed the channel before answering request " + std::to_string(id.value) +
                        (m.close_reason.empty() ? "" : ": " + m.close_reason));
  }
  if (p.taken) throw ProtocolError("the responses to request " + std::to_string(id.value) + " were already taken");
  // Handed over, not kept: the responses' tensors are views into their frames, and a
  // long-lived core would otherwise hold every frame it ever received.
  p.taken = true;
  return std::move(p.responses);
}

std::vector<wire::RPCResponse> MockCore::call(wire::RPCRequestData request) { return wait(send(std::move(request))); }

std::optional<wire::RpcId> MockCore::send_raw_payload(std::vector<std::uint8_t> payload) {
  auto& m = *impl_;
  std::optional<wire::RpcId> id;
  if (payload.size() >= sizeof(std::uint64_t)) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof value; ++i) value |= std::uint64_t{payload[i]} << (8 * i);
    std::lock_guard<std::mutex> lock(m.mu);
    // The runner may answer a request it cannot decode, by its id: that answer is to a
    // request this core sent, not one the real core would panic on.
    if (m.pending.emplace(value, Impl::Pending{}).second) id = wire::RpcId{value};
  }
  m.rpc->send(wire::Encoded{std::move(payload), {}});
  return id;
}

void MockCore::send_raw_bytes(std::vector<std::uint8_t> bytes) {
  // Through a duplicate of the socket, past the channel's framing. Callers do not
  // interleave this with framed sends, so the byte stream stays as they intend.
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(impl_->rpc_raw.get(), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      // The socket is non-blocking (Asio set it): more than its buffer waits for room.
      pollfd p{impl_->rpc_raw.get(), POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) throw ProtocolError(std::string("raw send failed: ") + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

wire::FsToken MockCore::serve_directory(const std::string& directory, bool writable) {
  // As carton does: the next stream id, one per served filesystem (Load: read-only,
  // Pack: read-write). Unlike carton, which serves the whole host for Pack, the mock
  // serves only `directory`; pass absolute paths inside it as input_path/temp_folder.
  auto& m = *impl_;
  const wire::StreamId stream = m.fs_mux->new_stream_id();
  auto server = fs::DirectoryServer::serve(m.fs_mux, stream, directory,
                                           writable ? fs::Access::kReadWrite : fs::Access::kReadOnly);
  std::lock_guard<std::mutex> lock(m.mu);
  m.served.push_back(std::move(server));
  return wire::FsToken{stream.value};
}

std::vector<wire::LogRecord> MockCore::logs() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->logs;
}

std::vector<std::string> MockCore::violations() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->violations;
}

pid_t MockCore::runner_pid() const { return impl_->runner->pid(); }

std::string MockCore::describe_exit(int status) const { return impl_->runner->describe_exit(status); }

std::optional<int> MockCore::runner_exit_status() { return impl_->runner->poll_exit(); }

bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

int MockCore::close_and_wait(std::chrono::milliseconds timeout) {
  // What carton does when it drops a Runner (observed with strace on both revisions):
  // shutdown(SHUT_WR) of the bootstrap socket, of the FileSystem channel unless a
  // filesystem was served (each served filesystem keeps its stream, and with it the
  // channel, open and answering until the runner closes it), and of the Rpc channel.
  // The core keeps reading what the runner still sends. It never signals the runner.
  auto& m = *impl_;
  if (m.driver.running() && !m.runner->poll_exit()) {
    bool any_served;
    {
      std::lock_guard<std::mutex> lock(m.mu);
      m.dropped = true;
      any_served = !m.served.empty();
    }
    boost::asio::post(m.io, [&m, any_served] {
      ::shutdown(m.bootstrap.get(), SHUT_WR);
      if (!any_served) ::shutdown(m.fs_raw.get(), SHUT_WR);
      ::shutdown(m.rpc_raw.get(), SHUT_WR);
    });
  }
  const int status = m.runner->wait_or_kill(timeout);
  m.close_everything();
  return status;
}

int MockCore::vanish_and_wait(std::chrono::milliseconds timeout) {
  impl_->close_everything();
  return impl_->runner->wait_or_kill(timeout);
}

}  // namespace carton::mock
