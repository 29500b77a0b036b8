// JsonValue and parse_json(): a small JSON reader for files users hand to the tools
// (carton-conformance --model-check) and to tests, in the tensor format of carton's
// ref-core (json_tensors.hpp). The writer for wire values is json.hpp.
//
// Numbers keep the text they were written with, so a uint64 or int64 is read exactly
// and 1 (an integer) stays apart from 1.0. Objects keep their members in file order; a
// key given twice is an error rather than one value silently winning.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carton::wire {

// Parsing recurses once per array or object level; tensor files need a few levels
// (nested data lists one per dimension), so 64 leaves room for any real tensor rank.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Says where: "line 3, column 14: expected ',' or '}' in an object, got 'x'".
class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a string's value (UTF-8), or a number as written
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  // The member `key` of an object, or nullptr.
  const JsonValue* find(std::string_view key) const;
  // A number written without fraction or exponent.
  bool is_integer() const;
};

// "null", "a boolean", "a number", "a string", "an array", "an object".
const char* json_kind_name(JsonValue::Kind kind);

struct JsonOptions {
  // NaN, Infinity and -Infinity as numbers (kept as written): not JSON, but what
  // XGBoost's writer gives for a float that is not finite (the XGBoost runner reads
  // the models XGBoost saves).
  bool non_finite_numbers = false;
};

// The one value in `text` (surrounding whitespace allowed). Throws JsonError.
JsonValue parse_json(std::string_view text, const JsonOptions& options = {});

}  // namespace carton::wire
