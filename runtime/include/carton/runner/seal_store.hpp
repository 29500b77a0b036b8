// SealStore: the tensors a runner keeps between Seal and InferWithHandle, as carton's
// runners keep them: handles 0, 1, 2, ... in order, and each handle is consumed by the
// one InferWithHandle that takes it. Thread-safe: handlers run on several threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "carton/wire/rpc_types.hpp"

namespace carton::runner {

class SealStore {
 public:
  using Tensors = wire::Map<std::string, wire::Tensor>;

  // Keeps `tensors` and returns their new handle.
  wire::SealHandle put(Tensors tensors) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::uint64_t handle = next_++;
    sealed_.emplace(handle, std::move(tensors));
    return wire::SealHandle{handle};
  }

  // Removes and returns the tensors of `handle`; nullopt when it was never returned by
  // put() or was taken already.
  std::optional<Tensors> take(wire::SealHandle handle) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sealed_.find(handle.value);
    if (it == sealed_.end()) return std::nullopt;
    Tensors tensors = std::move(it->second);
    sealed_.erase(it);
    return tensors;
  }

  // The ErrorResponse text for a handle take() did not find.
  static std::string unknown_handle_message(wire::SealHandle handle) {
    return "unknown seal handle " + std::to_string(handle.value) + " (never returned by Seal, or already used)";
  }

 private:
  std::mutex mu_;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, Tensors> sealed_;
};

}  // namespace carton::runner
