// A deliberately broken carton runner for the carton-conformance tests, built in five
// flavours (BROKEN_MODE): it speaks the bootstrap and framing correctly through the
// SDK's raw APIs, then breaks one rule on purpose so the suite must name it.
//   1 wrong_id:          every reply carries the request id + 1000
//   2 incomplete_reply:  a non-streaming infer's reply is sent twice, first with complete: false
//   3 crash_on_oversize: abort()s on a frame header above 64 MiB (a crash signal)
//   4 wrong_variant:     answers Load with a Seal reply, which the real core panics on
//   5 leak:              keeps every request's bytes and a dup of the channel fd forever
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/frame_header.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/messages.hpp"

#ifndef BROKEN_MODE
#error "define BROKEN_MODE"
#endif

using namespace carton;

namespace {

bool read_exact(int fd, std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

void write_exact(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) std::exit(4);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void send_response(int fd, const wire::RPCResponse& response, wire::CoreRevision rev) {
  const auto payload = wire::encode_message(response, rev).flatten();
  const auto header = runtime::encode_frame_header(payload.size());
  write_exact(fd, header.data(), header.size());
  write_exact(fd, payload.data(), payload.size());
}

wire::RPCResponseData answer(wire::RPCRequestData& request) {
  if (std::holds_alternative<wire::LoadRequest>(request)) {
    if (BROKEN_MODE == 4) return wire::SealResponse{wire::SealHandle{0}};
    return wire::LoadResponse{};
  }
  if (auto* pack = std::get_if<wire::PackRequest>(&request)) return wire::PackResponse{pack->input_path};
  if (std::holds_alternative<wire::SealRequest>(request)) return wire::SealResponse{wire::SealHandle{0}};
  if (auto* infer = std::get_if<wire::InferWithTensorsRequest>(&request)) return wire::InferResponse{infer->tensors};
  return wire::ErrorResponse{"this broken runner keeps no sealed tensors"};
}

}  // namespace

int main(int argc, char** argv) {
  std::string uds;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--uds-path") uds = argv[i + 1];
  }
  if (uds.empty()) return 2;
  const char* env = std::getenv("CARTON_CORE_REVISION");
  const auto rev = wire::parse_core_revision(env ? env : "").value_or(wire::kDefaultCoreRevision);
  auto bootstrap = runtime::connect_unix(uds);
  auto channels = runtime::receive_channels(bootstrap.get(), std::chrono::milliseconds(10000));
  const int fd = channels.rpc.get();
  // carton hands its channels over non-blocking (O_NONBLOCK travels with the fd); this
  // runner reads with plain blocking read()s.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  for (;;) {
    std::uint8_t header[8];
    if (!read_exact(fd, header, 8)) return 0;  // the core closed the channel
    const std::uint64_t len = runtime::decode_frame_header(header);
    if (len > (64u << 20)) {
      if (BROKEN_MODE == 3) std::abort();
      return 3;
    }
    std::vector<std::uint8_t> payload(len);
    if (!read_exact(fd, payload.data(), len)) return 0;
    if (BROKEN_MODE == 5) {
      static std::vector<std::vector<std::uint8_t>> hoard;
      hoard.push_back(payload);
      (void)::dup(fd);
    }
    wire::RPCRequest request;
    try {
      request = wire::decode_message<wire::RPCRequest>(wire::Bytes::adopt(std::move(payload)), rev);
    } catch (const std::exception&) {
      continue;  // malformed: ignored
    }
    wire::RPCResponse response{request.id, true, answer(request.data)};
    if (BROKEN_MODE == 1) response.id.value += 1000;
    bool non_streaming_infer = false;
    if (auto* i = std::get_if<wire::InferWithTensorsRequest>(&request.data)) non_streaming_infer = !i->streaming;
    if (auto* h = std::get_if<wire::InferWithHandleRequest>(&request.data)) non_streaming_infer = !h->streaming;
    if (BROKEN_MODE == 2 && non_streaming_infer) {
      auto partial = response;
      partial.complete = false;
      send_response(fd, partial, rev);
    }
    send_response(fd, response, rev);
  }
}
