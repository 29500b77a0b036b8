#include "carton/wire/json_value.hpp"

#include <cstdint>
#include <cstdio>
#include <unordered_set>

namespace carton::wire {

namespace {

class Parser {
 public:
  Parser(std::string_view text, const JsonOptions& options) : text_(text), options_(options) {}

  JsonValue document() {
    JsonValue v = value(0);
    skip_space();
    if (pos_ != text_.size()) fail("expected the end of the document after its value", true);
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what, bool show_char = false) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string message = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what;
    if (show_char) message += pos_ < text_.size() ? ", got '" + std::string(1, text_[pos_]) + "'" : ", got the end";
    throw JsonError(message);
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool take_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // NaN, Infinity or -Infinity taken, when the options allow them; else "".
  std::string_view non_finite() {
    if (!options_.non_finite_numbers) return {};
    for (std::string_view word : {"NaN", "Infinity", "-Infinity"}) {
      if (take_word(word)) return word;
    }
    return {};
  }

  JsonValue value(std::size_t depth) {
    skip_space();
    JsonValue v;
    if (pos_ >= text_.size()) fail("expected a value", true);
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxJsonDepth) {
        fail("arrays and objects nest deeper than the limit of " + std::to_string(kMaxJsonDepth) + " levels");
      }
      ++pos_;
      return c == '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c == '"') {
      v.kind = JsonValue::Kind::kString;
      v.text = string();
    } else if (std::string_view word = non_finite(); !word.empty()) {
      v.kind = JsonValue::Kind::kNumber;
      v.text = word;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = JsonValue::Kind::kNumber;
      v.text = number();
    } else if (take_word("true")) {
      v.kind = JsonValue::Kind::kBool;
      v.boolean = true;
    } else if (take_word("false")) {
      v.kind = JsonValue::Kind::kBool;
    } else if (!take_word("null")) {
      fail("expected a value (object, array, string, number, true, false or null)", true);
    }
    return v;
  }

  JsonValue object(std::size_t depth) {
    JsonValue v;
    v.kind = JsonValue::Kind::kObject;
    skip_space();
    if (take('}')) return v;
    std::unordered_set<std::string> keys;
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string key in an object", true);
      const std::size_t key_at = pos_;
      std::string key = string();
      if (!keys.insert(key).second) {
        pos_ = key_at;
        fail("the key \"" + key + "\" appears twice in one object");
      }
      skip_space();
      if (!take(':')) fail("expected ':' after the key \"" + key + "\"", true);
      JsonValue member = value(depth);
      v.members.emplace_back(std::move(key), std::move(member));
      skip_space();
      if (take('}')) return v;
      if (!take(',')) fail("expected ',' or '}' in an object", true);
    }
  }

  JsonValue array(std::size_t depth) {
    JsonValue v;
    v.kind = JsonValue::Kind::kArray;
    skip_space();
    if (take(']')) return v;
    for (;;) {
      v.items.push_back(value(depth));
      skip_space();
      if (take(']')) return v;
      if (!take(',')) fail("expected ',' or ']' in an array", true);
    }
  }

  // RFC 8259's number grammar; the text is kept for the caller to convert.
  std::string number() {
    const std::size_t start = pos_;
    take('-');
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (take('0')) {
      if (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') fail("a number may not start with 0");
    } else if (digits() == 0) {
      fail("expected digits in a number", true);
    }
    if (take('.') && digits() == 0) fail("expected digits after '.' in a number", true);
    if (take('e') || take('E')) {
      if (!take('+')) take('-');
      if (digits() == 0) fail("expected digits in a number's exponent", true);
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) fail("expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("expected 4 hex digits after \\u");
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // At the opening quote. Bytes other than escapes and control characters are kept as
  // they are.
  std::string string() {
    ++pos_;
    std::string out;
    for (;;) {
      if (pos_ >= text_.size()) fail("expected '\"' to end a string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        fail("a control character in a string must be escaped");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("expected an escape after '\\'");
      switch (text_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xd800 && cp < 0xdc00) {
            if (!take_word("\\u")) fail("expected a low surrogate after a high one");
            const std::uint32_t low = hex4();
            if (low < 0xdc00 || low >= 0xe000) fail("expected a low surrogate after a high one");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            fail("a low surrogate without a high one");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          fail("unknown escape in a string", true);
      }
    }
  }

  std::string_view text_;
  const JsonOptions options_;
  std::size_t pos_ = 0;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool JsonValue::is_integer() const {
  return kind == Kind::kNumber && text.find_first_of(".eE") == std::string::npos;
}

const char* json_kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull: return "null";
    case JsonValue::Kind::kBool: return "a boolean";
    case JsonValue::Kind::kNumber: return "a number";
    case JsonValue::Kind::kString: return "a string";
    case JsonValue::Kind::kArray: return "an array";
    case JsonValue::Kind::kObject: return "an object";
  }
  return "?";
}

JsonValue parse_json(std::string_view text, const JsonOptions& options) { return Parser(text, options).document(); }

}  // namespace carton::wire
