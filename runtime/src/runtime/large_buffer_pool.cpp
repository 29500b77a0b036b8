#include "carton/runtime/large_buffer_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace carton::runtime {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// A private anonymous mapping of `length` bytes (a multiple of the page size) that starts
// on a 2 MiB boundary, advised for huge pages: every whole 2 MiB of it can be a huge page,
// and the tail takes small pages instead of a huge page mostly unused. nullptr if it
// cannot be mapped.
std::uint8_t* map_huge(std::size_t length) {
  const std::size_t reserve = length + kHugePage;  // room to slide to a boundary
  void* raw = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHugePage - 1) & ~static_cast<std::uintptr_t>(kHugePage - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const std::size_t tail = reserve - (aligned - start) - length;
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + length), tail);
  ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);  // advice: failure is harmless
  return reinterpret_cast<std::uint8_t*>(aligned);
}

}  // namespace

LargeBufferPool::~LargeBufferPool() {
  if (spare_) ::munmap(spare_, spare_length_);
}

// Syscalls happen outside the mutex.
std::pair<std::uint8_t*, std::size_t> LargeBufferPool::take(std::size_t size) {
  std::uint8_t* p;
  std::size_t length;
  {
    std::lock_guard<std::mutex> lock(mu_);
    p = std::exchange(spare_, nullptr);
    length = std::exchange(spare_length_, 0);
  }
  if (p && length >= size) return {p, length};
  if (p) ::munmap(p, length);
  if (size > SIZE_MAX - 2 * kHugePage) return {nullptr, 0};
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  length = (size + page - 1) / page * page;
  p = map_huge(length);
  return {p, p ? length : 0};
}

void LargeBufferPool::give_back(std::uint8_t* p, std::size_t length) {
  // Until it is reused the kernel may reclaim it instead of swapping or failing.
  ::madvise(p, length, MADV_FREE);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!spare_ || spare_length_ < length) {
      std::swap(p, spare_);
      std::swap(length, spare_length_);
    }
  }
  if (p) ::munmap(p, length);
}

std::shared_ptr<std::uint8_t> LargeBufferPool::acquire(std::size_t size) {
  const auto [p, length] = take(size);
  if (!p) return nullptr;
  return std::shared_ptr<std::uint8_t>(p, [pool = shared_from_this(), length = length](std::uint8_t* q) {
    pool->give_back(q, length);
  });
}


}  // namespace carton::runtime
