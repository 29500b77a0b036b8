// UTF-8 validation with the rules of Rust's str::from_utf8: no overlong forms, no
// surrogates, nothing above U+10FFFF. A String that fails it is malformed input.
#pragma once

#include <cstddef>
#include <cstdint>

namespace carton::wire::detail {

// Returns the offset of the first invalid byte, or `n` when all of it is valid.
std::size_t utf8_invalid_at(const std::uint8_t* s, std::size_t n);

}  // namespace carton::wire::detail
