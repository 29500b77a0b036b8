// LargeBufferPool: memory for large, short-lived buffers (frame payloads of 4 MiB and
// up, a runner's staging copies), reused instead of freshly mapped each time.
//
// Why: fresh memory, not copying, is what large transfers pay for. Every first touch of
// a 4 KiB page is a fault; on the reference VM (PVM, free page reporting) one costs
// ~19 us, so a fresh 64 MiB buffer costs ~300 ms before a byte is copied into it. Reused
// memory is already resident.
//
// Buffers are anonymous mappings aligned to 2 MiB and advised for transparent huge
// pages (MADV_HUGEPAGE). The pool keeps at most one spare, the largest given back,
// marked MADV_FREE so the kernel may reclaim it under memory pressure instead of
// swapping; take() unmaps a spare too small before mapping anew, so the two are never
// resident together. Thread-safe: buffers come back from whichever thread drops them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace carton::runtime {

class LargeBufferPool : public std::enable_shared_from_this<LargeBufferPool> {
 public:
  static std::shared_ptr<LargeBufferPool> create() { return std::shared_ptr<LargeBufferPool>(new LargeBufferPool); }
  ~LargeBufferPool();
  LargeBufferPool(const LargeBufferPool&) = delete;
  LargeBufferPool& operator=(const LargeBufferPool&) = delete;

  // A writable buffer of at least `size` bytes (2 MiB aligned), given back to this pool
  // when its last owner drops it. nullptr if no memory can be mapped.
  std::shared_ptr<std::uint8_t> acquire(std::size_t size);

 private:
  LargeBufferPool() = default;
  // The spare if it holds `size` bytes, else a fresh mapping; with its mapped length
  // ({nullptr, 0} on failure).
  std::pair<std::uint8_t*, std::size_t> take(std::size_t size);
  // Keeps the larger of `p` and the spare; unmaps the other.
  void give_back(std::uint8_t* p, std::size_t length);

  std::mutex mu_;
  std::uint8_t* spare_ = nullptr;
  std::size_t spare_length_ = 0;
};

}  // namespace carton::runtime
