#include "carton/conformance/decoder_cases.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "carton/conformance/roundtrip.hpp"
#include "carton/wire/bytes.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/decode_error.hpp"

namespace carton::conformance {
namespace {

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

DecoderCase parse_case(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  DecoderCase c;
  c.name = path.stem().string();
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    const auto where = [&] { return path.string() + ":" + std::to_string(lineno) + ": "; };
    const auto hash = line.find('#');
    std::string data = trim(line.substr(0, hash));
    if (hash != std::string::npos && data.empty()) {
      const std::string comment = trim(line.substr(hash + 1));
      const auto colon = comment.find(':');
      if (colon == std::string::npos) continue;
      const std::string key = comment.substr(0, colon);
      const std::string value = trim(comment.substr(colon + 1));
      if (key == "type") {
        c.type = value;
      } else if (key == "revision") {
        auto rev = wire::parse_core_revision(value);
        if (!rev) throw std::runtime_error(where() + "unknown revision '" + value + "'");
        c.revision = *rev;
      } else if (key == "framed") {
        c.framed = value == "yes";
      } else if (key == "max-frame-bytes") {
        c.limits.max_frame_bytes = std::stoull(value);
      } else if (key == "max-depth") {
        c.limits.max_depth = std::stoull(value);
      } else if (key == "expect") {
        c.expect = value;
      }
      continue;
    }
    for (std::size_t i = 0; i < data.size();) {
      if (std::isspace(static_cast<unsigned char>(data[i]))) {
        ++i;
        continue;
      }
      if (i + 1 >= data.size() || !std::isxdigit(static_cast<unsigned char>(data[i])) ||
          !std::isxdigit(static_cast<unsigned char>(data[i + 1]))) {
        throw std::runtime_error(where() + "expected hex byte pairs, found '" + data.substr(i) + "'");
      }
      c.bytes.push_back(static_cast<std::uint8_t>(std::stoi(data.substr(i, 2), nullptr, 16)));
      i += 2;
    }
  }
  if (c.type.empty() || c.expect.empty()) {
    throw std::runtime_error(path.string() + ": a case needs '# type:' and '# expect:' lines");
  }
  if (!is_codec_type(c.type)) throw std::runtime_error(path.string() + ": unknown type '" + c.type + "'");
  return c;
}

}  // namespace

std::vector<DecoderCase> load_decoder_cases(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".case") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<DecoderCase> out;
  for (const auto& f : files) out.push_back(parse_case(f));
  return out;
}

CaseResult run_decoder_case(const DecoderCase& c) {
  CaseResult r;
  auto bytes = wire::Bytes::copy_of(c.bytes.data(), c.bytes.size());
  try {
    if (c.framed) {
      if (bytes.size() >= 8) {
        std::uint64_t len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | bytes[i];
        // The length prefix is checked against the limit before anything else, as
        // the frame reader does: a frame over it is never read.
        if (len > c.limits.max_frame_bytes) {
          throw wire::DecodeError(wire::DecodeErrorKind::kFrameTooLarge, c.type, "", 0, len,
                                  c.limits.max_frame_bytes, "the frame's length prefix exceeds the limit");
        }
      }
      bytes = unframe(bytes);
    }
    const auto rt = roundtrip(c.type, bytes, c.revision, false, c.limits);
    r.got = rt.ok ? "PASS" : rt.kind;
    r.message = rt.message;
  } catch (const wire::DecodeError& e) {
    r.got = wire::to_string(e.kind());
    r.message = e.what();
  } catch (const std::exception& e) {
    r.got = "error";
    r.message = e.what();
  }
  r.ok = r.got == c.expect;
  return r;
}

}  // namespace carton::conformance
