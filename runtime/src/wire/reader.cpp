#include "carton/wire/reader.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

#include "carton/wire/core_revision.hpp"
#include "utf8.hpp"

namespace carton::wire {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the wire is little-endian and Reader/Writer copy scalars as they are in memory");

Reader::Reader(Bytes frame, const char* message_type, CoreRevision revision, const Limits& limits)
    : frame_(std::move(frame)), message_type_(message_type), revision_(revision), limits_(limits) {
  path_.reserve(16);
  if (frame_.size() > limits_.max_frame_bytes) {
    fail(DecodeErrorKind::kFrameTooLarge, frame_.size(), limits_.max_frame_bytes, "frame is larger than the limit");
  }
}

std::uint64_t Reader::u64_big_endian() {
  need(8);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | frame_.data()[pos_ + i];
  pos_ += 8;
  return v;
}

bool Reader::boolean() {
  const std::size_t at = pos_;
  const auto b = fixed<std::uint8_t>();
  if (b > 1) {
    pos_ = at;
    fail(DecodeErrorKind::kBadBool, b, 1, "a bool must be 0 or 1");
  }
  return b == 1;
}

std::uint64_t Reader::count(std::size_t min_element_bytes) {
  const std::size_t at = pos_;
  const auto n = fixed<std::uint64_t>();
  const std::uint64_t room = min_element_bytes == 0 ? remaining() : remaining() / min_element_bytes;
  if (n > room) {
    const std::string detail = "count exceeds what the remaining " + std::to_string(remaining()) + " bytes can hold";
    pos_ = at;  // the error points at the count itself
    fail(DecodeErrorKind::kLengthTooLarge, n, room, detail);
  }
  return n;
}

Bytes Reader::bytes() {
  const std::uint64_t n = count(1);
  Bytes out = frame_.slice(pos_, static_cast<std::size_t>(n));
  pos_ += n;
  return out;
}

std::string Reader::string() {
  const std::size_t start = pos_;
  const std::uint64_t n = count(1);
  const std::uint8_t* p = frame_.data() + pos_;
  const std::size_t bad = detail::utf8_invalid_at(p, n);
  if (bad != n) {
    pos_ += bad;
    const std::uint8_t byte = p[bad];
    (void)start;
    fail(DecodeErrorKind::kBadUtf8, byte, n, "string is not valid UTF-8 at byte " + std::to_string(bad));
  }
  std::string s(reinterpret_cast<const char*>(p), n);
  pos_ += n;
  return s;
}

std::uint32_t Reader::tag(std::size_t width, std::uint32_t variants, const char* union_name) {
  const std::size_t at = pos_;
  std::uint64_t v;
  switch (width) {
    case 1: v = fixed<std::uint8_t>(); break;
    case 2: v = fixed<std::uint16_t>(); break;
    case 4: v = fixed<std::uint32_t>(); break;
    default: v = fixed<std::uint64_t>(); break;
  }
  if (v >= variants) {
    pos_ = at;
    fail(DecodeErrorKind::kBadTag, v, variants - 1,
         std::string("no variant of ") + union_name + " has this index");
  }
  return static_cast<std::uint32_t>(v);
}

bool Reader::option() {
  const std::size_t at = pos_;
  const auto b = fixed<std::uint8_t>();
  if (b > 1) {
    pos_ = at;
    fail(DecodeErrorKind::kBadOption, b, 1, "an Option tag must be 0 (None) or 1 (Some)");
  }
  return b == 1;
}

void Reader::always_some() {
  const std::size_t at = pos_;
  const auto b = fixed<std::uint8_t>();
  if (b != 1) {
    pos_ = at;
    fail(DecodeErrorKind::kBadOption, b, 1, "this Option is always Some (1) on the wire");
  }
}

void Reader::bad_enum(const char* enum_name, std::uint64_t value, std::uint64_t limit, std::size_t width) {
  pos_ -= width;
  fail(DecodeErrorKind::kBadTag, value, limit, std::string("not a value of ") + enum_name);
}

void Reader::not_in_revision(const char* what, std::uint64_t value) {
  fail(DecodeErrorKind::kNotInRevision, value, 0,
       std::string(what) + " does not exist in core revision " + std::string(core_revision_name(revision())));
}

void Reader::enter_nested() {
  if (++depth_ > limits_.max_depth) {
    fail(DecodeErrorKind::kDepthExceeded, depth_, limits_.max_depth, "nesting is deeper than the limit");
  }
}

void Reader::finish() {
  if (remaining() != 0) {
    fail(DecodeErrorKind::kTrailingBytes, remaining(), 0, "bytes remain after the end of the message");
  }
}

std::string Reader::path() const {
  std::string p;
  for (const auto& seg : path_) {
    if (seg.name) {
      if (!p.empty()) p += '.';
      p += seg.name;
    } else {
      p += '[' + std::to_string(seg.index) + ']';
    }
  }
  return p;
}

void Reader::fail(DecodeErrorKind kind, std::uint64_t value, std::uint64_t limit, const std::string& detail) {
  throw DecodeError(kind, message_type_, path(), pos_, value, limit, detail);
}

namespace {

// Whether any two keys are equal. Sorts by (hash, length, bytes), so that almost every
// comparison is one integer compare; keys that collide on purpose only fall back to
// byte comparisons, and std::sort stays O(n log n) whatever the input.
bool has_repeated_key(const std::vector<const std::string*>& keys) {
  const std::size_t n = keys.size();
  if (n <= 8) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        if (*keys[i] == *keys[j]) return true;
      }
    }
    return false;
  }
  struct Key {
    std::size_t hash;
    std::string_view s;
  };
  std::vector<Key> sorted;
  sorted.reserve(n);
  const std::hash<std::string_view> hash;
  for (const auto* k : keys) sorted.push_back({hash(*k), *k});
  std::sort(sorted.begin(), sorted.end(), [](const Key& a, const Key& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    if (a.s.size() != b.s.size()) return a.s.size() < b.s.size();
    return a.s < b.s;
  });
  for (std::size_t i = 1; i < n; ++i) {
    if (sorted[i].hash == sorted[i - 1].hash && sorted[i].s == sorted[i - 1].s) return true;
  }
  return false;
}

}  // namespace

void check_unique_keys(Reader& r, const std::vector<const std::string*>& keys) {
  if (keys.size() < 2 || !has_repeated_key(keys)) return;
  // A key repeats: name the first repeated key in byte order, as the error always has.
  std::vector<const std::string*> sorted(keys);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a < *b; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i] == *sorted[i - 1]) {
      r.fail(DecodeErrorKind::kDuplicateKey, keys.size(), 0, "the map repeats the key \"" + *sorted[i] + "\"");
    }
  }
}

}  // namespace carton::wire
