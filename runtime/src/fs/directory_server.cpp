#include "carton/fs/directory_server.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "carton/wire/fs_codec.hpp"
#include "directory_ops.hpp"
#include "fs_log.hpp"

namespace carton::fs {

namespace w = wire::fs;

struct DirectoryServer::Impl {
  Impl(std::shared_ptr<Multiplexer> mux_, wire::StreamId stream_, const std::string& root, Access access,
       DirectoryServerOptions options)
      : mux(std::move(mux_)), stream(stream_), ops(root, access, options, mux->options().limits.max_frame_bytes) {}

  const std::shared_ptr<Multiplexer> mux;
  const wire::StreamId stream;
  DirectoryOps ops;

  // The worker's queue. The worker starts with the first request from the channel: a
  // server that is only answered directly, or never asked, costs no thread.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<std::uint64_t, w::Request>> queue;
  bool stopping = false;
  std::thread worker;  // written under mu

  void run();
};

void DirectoryServer::Impl::run() {
  for (;;) {
    std::pair<std::uint64_t, w::Request> item;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      item = std::move(queue.front());
      queue.pop_front();
    }
    w::Response response = ops.handle(item.second);
    try {
      mux->send(w::FsResponseFrame{stream, item.first, std::move(response)});
    } catch (const std::exception& e) {
      CARTON_FS_LOG(error) << "stream " << stream.value << ", rpc_id " << item.first
                           << ": could not encode the answer: " << e.what();
      mux->send(w::FsResponseFrame{stream, item.first,
                                   w::IoErrorResponse{{IoErrorKind::Other, std::string("could not encode the answer: ") +
                                                                               e.what()}}});
    }
  }
}

// ---- DirectoryServer ---------------------------------------------------------------

std::shared_ptr<DirectoryServer> DirectoryServer::serve(std::shared_ptr<Multiplexer> mux, wire::StreamId stream,
                                                        const std::string& root, Access access,
                                                        DirectoryServerOptions options) {
  if (!mux) throw std::invalid_argument("carton::fs::DirectoryServer::serve: no multiplexer");
  auto server = std::make_shared<DirectoryServer>(Key{}, mux, stream, root, access, options);
  if (!mux->attach(stream, std::weak_ptr<RequestEndpoint>(server))) {
    CARTON_FS_LOG(warning) << "serving " << root << " on stream " << stream.value
                           << " of a closed channel: " << mux->close_reason();
  }
  return server;
}

DirectoryServer::DirectoryServer(Key, std::shared_ptr<Multiplexer> mux, wire::StreamId stream, const std::string& root,
                                 Access access, DirectoryServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(mux), stream, root, access, options)) {}

DirectoryServer::~DirectoryServer() {
  impl_->mux->detach(impl_->stream, static_cast<const RequestEndpoint*>(this));
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  // Never runs on the worker: it holds no reference to the server. No worker starts
  // once stopping is set, and `worker` was last written under mu.
  if (impl_->worker.joinable()) impl_->worker.join();
}

wire::StreamId DirectoryServer::stream() const { return impl_->stream; }
Access DirectoryServer::access() const { return impl_->ops.access(); }
const std::string& DirectoryServer::root() const { return impl_->ops.root(); }

w::Response DirectoryServer::handle(const w::Request& request) { return impl_->ops.handle(request); }

void DirectoryServer::on_request(std::uint64_t rpc_id, w::Request request) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->queue.emplace_back(rpc_id, std::move(request));
    if (!impl_->worker.joinable()) {
      Impl* impl = impl_.get();
      impl_->worker = std::thread([impl] { impl->run(); });
    }
  }
  impl_->cv.notify_one();
}

void DirectoryServer::on_channel_closed(const std::string&) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
    impl_->queue.clear();
  }
  impl_->cv.notify_all();
}

}  // namespace carton::fs
