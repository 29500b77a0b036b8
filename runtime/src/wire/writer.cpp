#include "carton/wire/writer.hpp"

#include <algorithm>

#include "carton/wire/core_revision.hpp"
#include "utf8.hpp"

namespace carton::wire {

void Writer::u64_big_endian(std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<std::uint8_t>(v);
  std::memcpy(extend(8), b, 8);
}

void Writer::string(std::string_view s) {
  // The peer refuses (the real core panics on) a String that is not UTF-8.
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t bad = detail::utf8_invalid_at(p, s.size());
  if (bad != s.size()) {
    throw EncodeError("cannot encode a string that is not valid UTF-8 (byte " + std::to_string(bad) + " of " +
                      std::to_string(s.size()) + ")");
  }
  count(s.size());
  if (!s.empty()) std::memcpy(extend(s.size()), s.data(), s.size());
}

void Writer::bytes(const Bytes& b) {
  count(b.size());
  if (b.size() >= kGatherThreshold) {
    out_.segments.push_back({used_, b});
  } else if (!b.empty()) {
    std::memcpy(extend(b.size()), b.data(), b.size());
  }
}

void Writer::grow(std::size_t n) {
  // Doubling, as push_back would; the first allocation covers most whole messages.
  out_.head.resize(std::max({used_ + n, 2 * out_.head.size(), std::size_t{256}}));
}

void Writer::tag(std::size_t width, std::uint32_t index) {
  switch (width) {
    case 1: fixed<std::uint8_t>(static_cast<std::uint8_t>(index)); break;
    case 2: fixed<std::uint16_t>(static_cast<std::uint16_t>(index)); break;
    case 4: fixed<std::uint32_t>(index); break;
    default: fixed<std::uint64_t>(index); break;
  }
}

void Writer::enter_nested() {
  if (++depth_ > limits_.max_depth) {
    --depth_;
    throw EncodeError("cannot encode: nesting depth exceeds the limit of " + std::to_string(limits_.max_depth));
  }
}

void Writer::not_in_revision(const char* what) {
  throw EncodeError(std::string("cannot encode ") + what + ": it does not exist in core revision " +
                    std::string(core_revision_name(revision())));
}

}  // namespace carton::wire
