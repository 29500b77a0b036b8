#include "carton/mock/mock_core.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "carton/fs/directory_server.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/frame_channel.hpp"
#include "carton/wire/messages.hpp"

extern char** environ;

namespace carton::mock {
namespace {

using runtime::UniqueFd;

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "carton-mock-core-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return tmpl;
}

// Sends a channel the way a slow or fragmenting core might: the fd with the first id
// byte, the other seven bytes in a second write.
void send_channel_split(int sock, std::uint64_t id, int fd) {
  std::uint8_t bytes[8];
  std::memcpy(bytes, &id, 8);
  iovec iov{bytes, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1) throw std::runtime_error("bootstrap sendmsg failed");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the runner see them apart
  if (send(sock, bytes + 1, 7, MSG_NOSIGNAL) != 7) throw std::runtime_error("bootstrap send failed");
}

pid_t spawn_runner(const MockCoreOptions& o, const std::string& uds_path) {
  std::vector<std::string> args = {o.runner_path, "--uds-path", uds_path};
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) env[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
  }
  // carton sets CUDA_VISIBLE_DEVICES to the GPU's uuid, and to "" for anything else.
  const auto* gpu = std::get_if<wire::GpuDevice>(&o.device);
  env["CUDA_VISIBLE_DEVICES"] = gpu && gpu->uuid ? *gpu->uuid : "";
  for (const auto& kv : o.environment) env[kv.first] = kv.second;

  std::vector<std::string> env_strings;
  for (const auto& kv : env) env_strings.push_back(kv.first + "=" + kv.second);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawn(&pid, o.runner_path.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) throw std::runtime_error("cannot start " + o.runner_path + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

struct MockCore::Impl {
  MockCoreOptions options;
  std::string temp_dir;
  pid_t pid = -1;
  bool reaped = false;
  int status = 0;

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread io_thread;
  std::shared_ptr<runtime::FrameChannel> rpc;
  std::shared_ptr<fs::Multiplexer> fs_mux;  // core side of the FileSystem channel
  std::vector<std::shared_ptr<fs::DirectoryServer>> served;
  UniqueFd rpc_raw;  // dup of the RPC socket for send_raw_bytes

  mutable std::mutex mu;
  std::condition_variable cv;
  std::uint64_t next_id = 0;
  std::uint64_t next_stream = 0;
  struct Pending {
    std::vector<wire::RPCResponse> responses;
    bool complete = false;
    bool taken = false;  // wait() returned the responses; the entry stays for violations
  };
  std::map<std::uint64_t, Pending> pending;
  std::vector<wire::LogRecord> logs;
  std::vector<std::string> violations;
  bool closed = false;
  std::string close_reason;

  void on_frame(const wire::Bytes& frame) {
    wire::RPCResponse response;
    try {
      response = wire::decode_message<wire::RPCResponse>(frame, options.revision);
    } catch (const wire::DecodeError& e) {
      std::lock_guard<std::mutex> lock(mu);
      violations.push_back(std::string("undecodable response: ") + e.what());
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    if (auto* log = std::get_if<wire::LogMessageResponse>(&response.data)) {
      logs.push_back(std::move(log->record));
      return;
    }
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
};

MockCore::MockCore(MockCoreOptions options) : impl_(std::make_unique<Impl>()), typed_(*this) {
  auto& m = *impl_;
  m.options = std::move(options);
  m.temp_dir = make_temp_dir();
  const std::string uds = m.temp_dir + "/bootstrap";
  UniqueFd listener = runtime::listen_unix(uds);
  m.pid = spawn_runner(m.options, uds);
  UniqueFd conn = runtime::accept_unix(listener.get(), std::chrono::milliseconds(10000));

  auto [rpc_core, rpc_runner] = runtime::make_socketpair();
  auto [fs_core, fs_runner] = runtime::make_socketpair();
  auto send = [&](std::uint64_t id, int fd) {
    if (m.options.split_id_and_fd) {
      send_channel_split(conn.get(), id, fd);
    } else {
      runtime::send_channel(conn.get(), id, fd);
    }
  };
  if (m.options.filesystem_channel_first) {
    send(1, fs_runner.get());
    send(0, rpc_runner.get());
  } else {
    send(0, rpc_runner.get());
    send(1, fs_runner.get());
  }
  fs::MultiplexerOptions fs_options;
  fs_options.revision = m.options.revision;
  fs_options.name = "mock-core filesystem";
  m.fs_mux = fs::Multiplexer::create(m.io, std::move(fs_core), fs::Side::kCore, fs_options);
  m.fs_mux->start();
  m.rpc_raw = UniqueFd(::dup(rpc_core.get()));
  m.rpc = runtime::FrameChannel::create(m.io, std::move(rpc_core), {wire::kDefaultMaxFrameBytes, "mock-core rpc"});
  Impl* p = impl_.get();
  m.rpc->start([p](wire::Bytes frame) { p->on_frame(frame); }, [p](std::string reason) { p->on_close(std::move(reason)); });
  m.io_thread = std::thread([p] { p->io.run(); });
}

MockCore::~MockCore() {
  close_and_wait(std::chrono::milliseconds(5000));
  std::error_code ec;
  std::filesystem::remove_all(impl_->temp_dir, ec);
}

wire::RpcId MockCore::send(wire::RPCRequestData request) {
  auto& m = *impl_;
  wire::RpcId id;
  {
    std::lock_guard<std::mutex> lock(m.mu);
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
  if (!m.cv.wait_for(lock, m.options.call_timeout, [&] { return p.complete || m.closed; })) {
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

void MockCore::send_raw_payload(std::vector<std::uint8_t> payload) {
  impl_->rpc->send(wire::Encoded{std::move(payload), {}});
}

void MockCore::send_raw_bytes(std::vector<std::uint8_t> bytes) {
  // Through a duplicate of the socket, past the channel's framing. Callers do not
  // interleave this with framed sends, so the byte stream stays as they intend.
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(impl_->rpc_raw.get(), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
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

pid_t MockCore::runner_pid() const { return impl_->pid; }

bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

int MockCore::close_and_wait(std::chrono::milliseconds timeout) {
  auto& m = *impl_;
  if (m.io_thread.joinable()) {
    boost::asio::post(m.io, [&m] { m.rpc->close(); });
    boost::asio::post(m.io, [&m] { m.fs_mux->close(); });
    m.rpc_raw.reset();
    m.work.reset();
    m.io_thread.join();
  }
  if (m.reaped) return m.status;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(m.pid, &m.status, WNOHANG);
    if (r == m.pid) {
      m.reaped = true;
      return m.status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(m.pid, SIGKILL);
  waitpid(m.pid, &m.status, 0);
  m.reaped = true;
  m.status = -1;
  return -1;
}

}  // namespace carton::mock
