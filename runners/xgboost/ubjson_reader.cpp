#include "ubjson_reader.hpp"

#include <cstring>
#include <stdexcept>

namespace carton::runners::xgboost {

namespace {

std::uint64_t big_endian(const std::uint8_t* p, std::size_t n) {
  std::uint64_t u = 0;
  for (std::size_t k = 0; k < n; ++k) u = (u << 8) | p[k];
  return u;
}

std::int64_t as_integer(char type, const std::uint8_t* p) {
  switch (type) {
    case 'i': return static_cast<std::int8_t>(p[0]);
    case 'U': return p[0];
    case 'I': return static_cast<std::int16_t>(big_endian(p, 2));
    case 'l': return static_cast<std::int32_t>(big_endian(p, 4));
    case 'L': return static_cast<std::int64_t>(big_endian(p, 8));
    default: break;
  }
  throw std::logic_error("as_integer of a non-integer UBJSON type");
}

std::string printable(char c) {
  if (c >= 0x21 && c < 0x7f) return std::string("'") + c + "'";
  return "byte " + std::to_string(static_cast<unsigned char>(c));
}

}  // namespace

std::size_t ubjson_width(char type) {
  switch (type) {
    case 'i': case 'U': case 'C': return 1;
    case 'I': return 2;
    case 'l': case 'd': return 4;
    case 'L': case 'D': return 8;
    default: return 0;
  }
}

std::int64_t UbjsonReader::TypedArray::integer(std::uint64_t i) const {
  return as_integer(type, data + i * ubjson_width(type));
}

double UbjsonReader::TypedArray::number(std::uint64_t i) const {
  const std::uint8_t* p = data + i * ubjson_width(type);
  if (type == 'd') {
    const auto u = static_cast<std::uint32_t>(big_endian(p, 4));
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
  if (type == 'D') {
    const std::uint64_t u = big_endian(p, 8);
    double d;
    std::memcpy(&d, &u, sizeof d);
    return d;
  }
  return static_cast<double>(integer(i));
}

void UbjsonReader::fail(const std::string& what) const {
  throw std::invalid_argument("UBJSON at byte " + std::to_string(offset()) + ": " + what);
}

const std::uint8_t* UbjsonReader::take(std::size_t n) {
  if (n > static_cast<std::size_t>(end_ - p_)) {
    fail("needs " + std::to_string(n) + " bytes, " + std::to_string(end_ - p_) + " remain");
  }
  const std::uint8_t* at = p_;
  p_ += n;
  return at;
}

char UbjsonReader::peek_marker() {
  while (p_ < end_ && *p_ == 'N') ++p_;
  if (p_ == end_) fail("ends where a value or a container's end was due");
  return static_cast<char>(*p_);
}

char UbjsonReader::marker() {
  const char m = peek_marker();
  ++p_;
  return m;
}

std::int64_t UbjsonReader::integer_after(char marker) {
  const std::size_t n = ubjson_width(marker);
  if (n == 0 || marker == 'd' || marker == 'D' || marker == 'C') fail(printable(marker) + " where an integer was due");
  return as_integer(marker, take(n));
}

std::string_view UbjsonReader::string_body() {
  const std::int64_t n = integer();
  if (n < 0) fail("a string of length " + std::to_string(n));
  const auto* at = take(static_cast<std::size_t>(n));
  return {reinterpret_cast<const char*>(at), static_cast<std::size_t>(n)};
}

UbjsonReader::Container UbjsonReader::open() {
  Container c;
  if (p_ < end_ && *p_ == '$') {
    ++p_;
    c.type = static_cast<char>(*take(1));
    // Fixed-width elements only: what XGBoost writes, and what a view can hold.
    if (ubjson_width(c.type) == 0) fail("a container typed " + printable(c.type) + " (fixed-width types only)");
    if (p_ == end_ || *p_ != '#') fail("a typed container without a count");
  }
  if (p_ < end_ && *p_ == '#') {
    ++p_;
    c.count = integer();
    if (c.count < 0) fail("a container of " + std::to_string(c.count) + " elements");
    // Every element takes a byte at least (a typed one its width, checked when read):
    // a count the remaining bytes cannot hold is a lie, refused before any loop on it.
    if (c.type == 0 && static_cast<std::uint64_t>(c.count) > static_cast<std::uint64_t>(end_ - p_)) {
      fail("a container of " + std::to_string(c.count) + " elements in " + std::to_string(end_ - p_) +
           " remaining bytes");
    }
  }
  return c;
}

UbjsonReader::TypedArray UbjsonReader::typed_elements(const Container& c) {
  const std::size_t width = ubjson_width(c.type);
  const auto count = static_cast<std::uint64_t>(c.count);
  if (count > static_cast<std::uint64_t>(end_ - p_) / width) {
    fail(std::to_string(count) + " elements of " + std::to_string(width) + " bytes in " + std::to_string(end_ - p_) +
         " remaining bytes");
  }
  return {c.type, count, take(count * width)};
}

bool UbjsonReader::more(const Container& c, std::int64_t taken, char end) {
  if (c.count >= 0) return taken < c.count;
  if (peek_marker() != end) return true;
  ++p_;
  return false;
}

void UbjsonReader::skip(char m, int depth) {
  switch (m) {
    case 'Z': case 'T': case 'F': return;
    case 'S': case 'H': string_body(); return;
    case '[': case '{': break;
    default:
      if (ubjson_width(m) == 0) fail("unknown marker " + printable(m));
      take(ubjson_width(m));
      return;
  }
  if (depth >= kMaxDepth) fail("containers nested deeper than " + std::to_string(kMaxDepth));
  const Container c = open();
  if (c.type != 0) {
    if (m == '{') fail("a typed object");
    typed_elements(c);
    return;
  }
  for (std::int64_t taken = 0; more(c, taken, m == '[' ? ']' : '}'); ++taken) {
    if (m == '{') string_body();
    skip(marker(), depth + 1);
  }
}

}  // namespace carton::runners::xgboost
