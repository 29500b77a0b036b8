// FrameReader fed a byte stream in pieces whose sizes the input chooses.
//
// Input: byte 0 = k (k % 16 split sizes follow, one byte each: a piece of 1..256 bytes),
// then the stream. Pieces cycle through the split sizes; an odd size goes through
// writable()/commit() (the zero-copy path, taking at most what writable() offers),
// an even one through feed().
// Finds: crashes and sanitizer reports; frames that differ from a reference parse of the
// same stream (split_frames); a failure on a stream whose lengths are all within the
// limit, or no failure after a length over it.
// Ignores: payloads of kHugePayloadBytes (4 MiB) and more, which inputs never reach
// (libFuzzer's inputs are kilobytes): the pool path is covered by tests/runtime.
#include <algorithm>
#include <cstring>

#include "carton/runtime/frame_reader.hpp"
#include "fuzz_support.hpp"

using namespace carton;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t k = std::min<std::size_t>(data[0] % 16, size - 1);
  std::vector<std::size_t> splits;
  for (std::size_t i = 0; i < k; ++i) splits.push_back(std::size_t{data[1 + i]} + 1);
  if (splits.empty()) splits.push_back(size);
  const std::uint8_t* stream = data + 1 + k;
  const std::size_t n = size - 1 - k;

  runtime::FrameReader reader(fuzz::kFuzzMaxFrameBytes);
  std::vector<wire::Bytes> got;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < n && !reader.failed(); ++i) {
    const std::size_t want = std::min(splits[i % splits.size()], n - pos);
    if (want % 2 == 1) {
      auto [p, room] = reader.writable();
      if (p == nullptr || room == 0) fuzz::finding("writable() offered no room on a healthy reader");
      const std::size_t take = std::min(want, room);
      std::memcpy(p, stream + pos, take);
      reader.commit(take);
      pos += take;
    } else {
      reader.feed(stream + pos, want);
      pos += want;
    }
    while (auto f = reader.next()) got.push_back(std::move(*f));
  }
  while (auto f = reader.next()) got.push_back(std::move(*f));

  const auto expected = fuzz::split_frames(stream, n, fuzz::kFuzzMaxFrameBytes);
  if (got.size() != expected.size()) fuzz::finding("frame count differs from the reference parse");
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] != expected[i]) fuzz::finding("frame bytes differ from the reference parse");
  }
  // The reference stops at a truncated frame (fine) or at one over the limit (must fail).
  std::size_t consumed = 0;
  for (const auto& f : expected) consumed += 8 + f.size();
  bool over_limit = false;
  if (n - consumed >= 8) {
    std::uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | stream[consumed + i];
    over_limit = len > fuzz::kFuzzMaxFrameBytes;
  }
  if (over_limit != reader.failed()) fuzz::finding("reader failure disagrees with the limit check");
  if (reader.failed() && reader.error().empty()) fuzz::finding("failed reader without an error message");
  return 0;
}
