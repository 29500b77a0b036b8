#include "carton/conformance/roundtrip.hpp"

#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include "carton/wire/json.hpp"
#include "carton/wire/messages.hpp"

namespace carton::conformance {
namespace {

using wire::Bytes;
using wire::CoreRevision;

struct Codec {
  std::function<RoundtripResult(const Bytes&, CoreRevision, bool, const wire::Limits&)> roundtrip;
  std::function<std::string(const Bytes&, CoreRevision)> json;
};

template <class T>
T decode_as(const Bytes& payload, CoreRevision rev, const char* name, const wire::Limits& limits = {}) {
  wire::Reader r(payload, name, rev, limits);
  T value{};
  decode(r, value);
  r.finish();
  return value;
}

std::string byte_hex(std::uint8_t b) {
  static const char* d = "0123456789abcdef";
  return std::string("0x") + d[b >> 4] + d[b & 15];
}

template <class T>
Codec codec_for(const char* name) {
  Codec c;
  c.roundtrip = [name](const Bytes& payload, CoreRevision rev, bool by_value, const wire::Limits& limits) {
    RoundtripResult res;
    try {
      const T value = decode_as<T>(payload, rev, name, limits);
      wire::Writer w(rev, limits);
      encode(w, value);
      const auto again = std::move(w).finish().flatten();
      const std::size_t n = std::min<std::size_t>(again.size(), payload.size());
      std::size_t diff = 0;
      while (diff < n && again[diff] == payload[diff]) ++diff;
      if (diff == n && again.size() == payload.size()) {
        res.ok = true;
        return res;
      }
      if (by_value && decode_as<T>(Bytes::adopt(std::vector<std::uint8_t>(again)), rev, name) == value) {
        res.ok = true;
        return res;
      }
      std::ostringstream m;
      m << "re-encoded bytes differ at offset " << diff << ": expected "
        << (diff < payload.size() ? byte_hex(payload[diff]) : std::string("end")) << ", got "
        << (diff < again.size() ? byte_hex(again[diff]) : std::string("end")) << " (" << payload.size()
        << " bytes in, " << again.size() << " out)";
      res.message = m.str();
      res.kind = "mismatch";
    } catch (const wire::DecodeError& e) {
      res.message = e.what();
      res.kind = wire::to_string(e.kind());
    } catch (const std::exception& e) {
      res.message = e.what();
      res.kind = "error";
    }
    return res;
  };
  c.json = [name](const Bytes& payload, CoreRevision rev) { return wire::to_json(decode_as<T>(payload, rev, name)); };
  return c;
}

const std::map<std::string, Codec>& codecs() {
  static const std::map<std::string, Codec> table = [] {
    std::map<std::string, Codec> t;
    wire::visit_message_types([&](auto tag) {
      using M = typename decltype(tag)::type;
      t.emplace(wire::MessageTraits<M>::kToolName, codec_for<M>(wire::MessageTraits<M>::kName));
    });
    // Fragments: values that appear inside messages, captured on their own.
    t.emplace("tensor", codec_for<wire::Tensor>("Tensor"));
    t.emplace("fs-token", codec_for<wire::FsToken>("FsToken"));
    t.emplace("device", codec_for<wire::Device>("Device"));
    t.emplace("string", codec_for<std::string>("String"));
    return t;
  }();
  return table;
}

}  // namespace

std::vector<std::string> codec_types() {
  std::vector<std::string> out;
  for (const auto& e : codecs()) out.push_back(e.first);
  return out;
}

bool is_codec_type(const std::string& type) { return codecs().count(type) != 0; }

RoundtripResult roundtrip(const std::string& type, const Bytes& payload, CoreRevision revision, bool by_value,
                          const wire::Limits& limits) {
  auto it = codecs().find(type);
  if (it == codecs().end()) return {false, "unknown type '" + type + "'", "error"};
  return it->second.roundtrip(payload, revision, by_value, limits);
}

std::string decode_to_json(const std::string& type, const Bytes& payload, CoreRevision revision) {
  auto it = codecs().find(type);
  if (it == codecs().end()) throw std::invalid_argument("unknown type '" + type + "'");
  return it->second.json(payload, revision);
}

Bytes unframe(const Bytes& frame) {
  if (frame.size() < 8) {
    throw std::runtime_error("a frame needs an 8-byte length prefix; the file has " + std::to_string(frame.size()) +
                             " bytes");
  }
  std::uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | frame[i];
  if (len != frame.size() - 8) {
    throw std::runtime_error("the frame's length prefix says " + std::to_string(len) + " bytes but " +
                             std::to_string(frame.size() - 8) + " follow");
  }
  return frame.slice(8, frame.size() - 8);
}

}  // namespace carton::conformance
