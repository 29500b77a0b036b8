#include "carton/wire/json.hpp"

namespace carton::wire {

void json_detail::quote(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void json_detail::hex(std::string& out, const Bytes& b) {
  static const char* digits = "0123456789abcdef";
  out += '"';
  for (auto c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  out += '"';
}

void append_json(std::string& out, double d) {
  if (std::isfinite(d)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    out += buf;
  } else {
    json_detail::quote(out, std::isnan(d) ? "NaN" : (d > 0 ? "inf" : "-inf"));
  }
}

void append_json(std::string& out, const Tensor& t) {
  out += "{\"dtype\": ";
  json_detail::quote(out, to_string(t.dtype()));
  if (t.dtype() == DType::kNested) {
    out += ", \"tensors\": ";
    append_json(out, t.children());
  } else {
    out += ", \"shape\": ";
    append_json(out, t.shape());
    out += ", \"strides\": ";
    append_json(out, t.strides());
    if (t.dtype() == DType::kString) {
      out += ", \"strings\": ";
      append_json(out, t.strings());
    } else {
      out += ", \"data_hex\": ";
      json_detail::hex(out, t.bytes());
    }
  }
  out += '}';
}

}  // namespace carton::wire
