#include "carton/runtime/frame_reader.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

using carton::runtime::encode_frame_header;
using carton::runtime::FrameReader;
using Buffer = std::vector<std::uint8_t>;

namespace {

Buffer pattern(std::size_t n, std::uint32_t seed) {
  Buffer b(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& byte : b) {
    x = x * 1664525u + 1013904223u;
    byte = static_cast<std::uint8_t>(x >> 24);
  }
  return b;
}

Buffer framed(const std::vector<Buffer>& payloads) {
  Buffer out;
  for (const auto& p : payloads) {
    auto h = encode_frame_header(p.size());
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

std::vector<Buffer> drain(FrameReader& r) {
  std::vector<Buffer> out;
  while (auto f = r.next()) out.push_back(f->to_vector());
  return out;
}

// Small frames of varied sizes, including empty ones back to back.
const std::vector<Buffer>& small_payloads() {
  static const std::vector<Buffer> p = {pattern(5, 1), {}, {}, pattern(1, 2), pattern(100, 3),
                                        pattern(8, 4), pattern(9, 5), {}};
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_reader)

BOOST_AUTO_TEST_CASE(every_pair_of_split_points) {
  const Buffer stream = framed(small_payloads());
  // Three pieces [0,i) [i,j) [j,n) for every i <= j: covers every split point, and splits
  // inside headers, inside payloads and exactly on frame boundaries.
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      FrameReader r;
      BOOST_REQUIRE(r.feed(stream.data(), i));
      BOOST_REQUIRE(r.feed(stream.data() + i, j - i));
      BOOST_REQUIRE(r.feed(stream.data() + j, stream.size() - j));
      BOOST_REQUIRE_MESSAGE(drain(r) == small_payloads(), "split at " << i << ", " << j);
    }
  }
}

BOOST_AUTO_TEST_CASE(one_byte_feeds) {
  std::vector<Buffer> payloads = small_payloads();
  payloads.push_back(pattern(70000, 6));  // larger than the scratch buffer
  const Buffer stream = framed(payloads);
  FrameReader r;
  std::vector<Buffer> got;
  for (std::uint8_t byte : stream) {
    BOOST_REQUIRE(r.feed(&byte, 1));
    for (auto& f : drain(r)) got.push_back(std::move(f));
  }
  BOOST_TEST((got == payloads));
}

BOOST_AUTO_TEST_CASE(writable_commit_reads_large_payload_into_its_own_buffer) {
  std::vector<Buffer> payloads = {pattern(3, 7), pattern(300000, 8), {}, pattern(65536, 9),
                                  pattern(65535, 10), pattern(12, 11)};
  const Buffer stream = framed(payloads);
  const std::size_t chunks[] = {1, 7, 8, 9, 100, 4096, 65536, 100000, 3};

  FrameReader r;
  std::vector<carton::wire::Bytes> frames;
  std::vector<const std::uint8_t*> direct_regions;
  std::size_t pos = 0;
  for (std::size_t k = 0; pos < stream.size(); ++k) {
    auto [p, room] = r.writable();
    BOOST_REQUIRE(p != nullptr);
    BOOST_REQUIRE(room > 0);
    if (room != FrameReader::kScratchBytes) direct_regions.push_back(p);
    std::size_t n = std::min({room, chunks[k % std::size(chunks)], stream.size() - pos});
    std::memcpy(p, stream.data() + pos, n);  // what recv() would do
    pos += n;
    BOOST_REQUIRE(r.commit(n));
    while (auto f = r.next()) frames.push_back(std::move(*f));
  }
  BOOST_REQUIRE_EQUAL(frames.size(), payloads.size());
  std::set<const void*> owners;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST((frames[i].to_vector() == payloads[i]), "frame " << i);
    if (!frames[i].empty()) owners.insert(frames[i].owner().get());
  }
  BOOST_TEST(owners.size() == 5u);  // one buffer per non-empty frame

  // The 300000-byte payload was read (at least partly) straight into its final buffer.
  const auto& big = frames[1];
  auto within = [](const std::uint8_t* p, const carton::wire::Bytes& b) {
    return p >= b.data() && p < b.data() + b.size();
  };
  std::size_t into_big = 0;
  for (const std::uint8_t* p : direct_regions) {
    BOOST_TEST((within(p, big) || within(p, frames[3])));
    if (within(p, big)) ++into_big;
  }
  BOOST_TEST(into_big >= 1u);
}

BOOST_AUTO_TEST_CASE(frames_outlive_the_reader) {
  std::vector<carton::wire::Bytes> frames;
  {
    FrameReader r;
    Buffer stream = framed({pattern(10, 1), pattern(200000, 2)});
    BOOST_REQUIRE(r.feed(stream.data(), stream.size()));
    while (auto f = r.next()) frames.push_back(std::move(*f));
  }
  BOOST_REQUIRE_EQUAL(frames.size(), 2u);
  BOOST_TEST((frames[1].to_vector() == pattern(200000, 2)));
}

// Large payloads get mapped buffers that come back to the reader when released: a
// live frame's buffer is never handed out again, a released one is reused by the next
// large frame that fits, and a larger frame gets a fresh one.
BOOST_AUTO_TEST_CASE(large_payload_buffers_are_reused_only_once_released) {
  const std::size_t big = FrameReader::kHugePayloadBytes + 12345;
  FrameReader r;
  auto read_one = [&r](const Buffer& payload) {
    const Buffer stream = framed({payload});
    for (std::size_t pos = 0; pos < stream.size();) {
      auto [p, room] = r.writable();
      const std::size_t n = std::min(room, stream.size() - pos);
      std::memcpy(p, stream.data() + pos, n);
      pos += n;
      BOOST_REQUIRE(r.commit(n));
    }
    auto f = r.next();
    BOOST_REQUIRE(f.has_value());
    BOOST_REQUIRE(!r.next().has_value());
    return *f;
  };
  auto a = read_one(pattern(big, 1));
  auto b = read_one(pattern(big, 2));
  BOOST_TEST(a.data() != b.data());
  BOOST_TEST((a.to_vector() == pattern(big, 1)));
  BOOST_TEST((b.to_vector() == pattern(big, 2)));
  const std::uint8_t* a_data = a.data();
  a = {};
  auto c = read_one(pattern(big - 1000, 3));
  BOOST_TEST(c.data() == a_data);  // A's buffer, reused
  BOOST_TEST((c.to_vector() == pattern(big - 1000, 3)));
  BOOST_TEST((b.to_vector() == pattern(big, 2)));
  b = {};
  c = {};
  auto d = read_one(pattern(2 * big, 4));
  BOOST_TEST((d.to_vector() == pattern(2 * big, 4)));
  // Frames, large ones included, outlive the reader (and its spare buffer).
  auto e = read_one(pattern(big, 5));
  r = FrameReader();
  BOOST_TEST((d.to_vector() == pattern(2 * big, 4)));
  BOOST_TEST((e.to_vector() == pattern(big, 5)));
}

BOOST_AUTO_TEST_CASE(zero_length_payload) {
  FrameReader r;
  auto h = encode_frame_header(0);
  BOOST_REQUIRE(r.feed(h.data(), h.size()));
  auto f = r.next();
  BOOST_REQUIRE(f.has_value());
  BOOST_TEST(f->empty());
  BOOST_TEST(!r.next().has_value());
}

BOOST_AUTO_TEST_CASE(exactly_at_limit_is_accepted) {
  FrameReader r(16);
  Buffer stream = framed({pattern(16, 1)});
  BOOST_REQUIRE(r.feed(stream.data(), stream.size()));
  auto f = r.next();
  BOOST_REQUIRE(f.has_value());
  BOOST_TEST(f->size() == 16u);
  BOOST_TEST(!r.failed());
}

BOOST_AUTO_TEST_CASE(over_limit_fails_and_stays_failed) {
  FrameReader r(16);
  // A good frame, then one byte over the limit, then a frame that would be fine.
  Buffer stream = framed({pattern(4, 1), pattern(17, 2), pattern(1, 3)});
  BOOST_TEST(!r.feed(stream.data(), stream.size()));
  BOOST_TEST(r.failed());
  BOOST_TEST(r.error() == "frame of 17 bytes exceeds the limit of 16 bytes");
  // The frame completed before the error is still delivered; nothing after it.
  auto f = r.next();
  BOOST_REQUIRE(f.has_value());
  BOOST_TEST((f->to_vector() == pattern(4, 1)));
  BOOST_TEST(!r.next().has_value());

  Buffer more = framed({pattern(2, 4)});
  BOOST_TEST(!r.feed(more.data(), more.size()));
  BOOST_TEST(!r.next().has_value());
  auto [p, n] = r.writable();
  BOOST_TEST(p == nullptr);
  BOOST_TEST(n == 0u);
  BOOST_TEST(!r.commit(0));
  BOOST_TEST(r.error() == "frame of 17 bytes exceeds the limit of 16 bytes");
}

BOOST_AUTO_TEST_CASE(length_2_pow_63_is_refused_before_allocating) {
  FrameReader r;  // default limit, 4 GiB
  auto h = encode_frame_header(std::uint64_t{1} << 63);
  // Through the zero-copy path, as the channel does it.
  auto [p, n] = r.writable();
  BOOST_REQUIRE(n >= h.size());
  std::memcpy(p, h.data(), h.size());
  BOOST_TEST(!r.commit(h.size()));
  // The limit message (not the allocation-failure one) proves nothing was allocated.
  BOOST_TEST(r.error() == "frame of 9223372036854775808 bytes exceeds the limit of 4294967296 bytes");
}

BOOST_AUTO_TEST_CASE(max_u64_header_is_refused) {
  FrameReader r;
  auto h = encode_frame_header(UINT64_MAX);
  BOOST_TEST(!r.feed(h.data(), h.size()));
  BOOST_TEST(r.error() ==
             "frame of 18446744073709551615 bytes exceeds the limit of 4294967296 bytes");
}

BOOST_AUTO_TEST_CASE(failed_allocation_is_an_error_not_a_crash) {
  FrameReader r(UINT64_MAX);  // no limit: the allocation itself must fail gracefully
  auto h = encode_frame_header(std::uint64_t{1} << 63);
  BOOST_TEST(!r.feed(h.data(), h.size()));
  BOOST_TEST(r.error() ==
             "cannot allocate a frame of 9223372036854775808 bytes (limit 18446744073709551615 bytes)");
}

BOOST_AUTO_TEST_SUITE_END()
