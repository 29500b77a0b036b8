// carton-wire: decode, round-trip and check captured carton wire payloads.
//
//   carton-wire decode    --type T [--frame] [--revision R] FILE
//   carton-wire roundtrip --type T [--frame] [--revision R] FILE
//   carton-wire check     [--revision R] DIR
//
// Exit status: 0 success; 1 the data failed (decode error, bytes differ, a vector
// failed); 2 usage error (bad option, unknown type or revision, unreadable input,
// missing or malformed index.tsv).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "carton/conformance/cli_status.hpp"
#include "carton/conformance/roundtrip.hpp"
#include "carton/conformance/vector_index.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/decode_error.hpp"

#ifndef CARTON_SDK_VERSION
#define CARTON_SDK_VERSION "unknown"
#endif

namespace {

namespace cf = carton::conformance;
using carton::wire::Bytes;
using carton::wire::CoreRevision;

using cf::UsageError;

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string type_list() { return join(cf::codec_types(), ", "); }

void require_type(const std::string& type) {
  if (!cf::is_codec_type(type)) {
    throw UsageError("unknown --type '" + type + "'; valid types: " + type_list());
  }
}

CoreRevision require_revision(const std::string& text) {
  auto rev = carton::wire::parse_core_revision(text);
  if (!rev) throw UsageError("unknown --revision '" + text + "'; valid revisions: " + carton::wire::core_revision_names());
  return *rev;
}

// FILE's bytes; "-" reads standard input.
Bytes read_input(const std::string& path) {
  if (path == "-") {
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return Bytes::adopt(std::move(data));
  }
  try {
    return cf::read_file(path);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

struct PayloadOptions {
  std::string type;
  bool frame = false;
  std::string revision = std::string(carton::wire::core_revision_name(carton::wire::kDefaultCoreRevision));
  std::string file;
};

int run_decode(const PayloadOptions& o) {
  require_type(o.type);
  const CoreRevision rev = require_revision(o.revision);
  const Bytes input = read_input(o.file);
  try {
    const Bytes payload = o.frame ? cf::unframe(input) : input;
    std::cout << cf::decode_to_json(o.type, payload, rev) << '\n';
    return cf::kExitOk;
  } catch (const carton::wire::DecodeError& e) {
    std::cerr << "carton-wire: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "carton-wire: " << o.file << ": " << e.what() << '\n';
  }
  return cf::kExitFailed;
}

int run_roundtrip(const PayloadOptions& o) {
  require_type(o.type);
  const CoreRevision rev = require_revision(o.revision);
  const Bytes input = read_input(o.file);
  Bytes payload;
  try {
    payload = o.frame ? cf::unframe(input) : input;
  } catch (const std::exception& e) {
    std::cerr << "carton-wire: " << o.file << ": " << e.what() << '\n';
    return cf::kExitFailed;
  }
  const cf::RoundtripResult r = cf::roundtrip(o.type, payload, rev);
  if (!r.ok) {
    std::cerr << "carton-wire: " << o.file << ": " << r.message << '\n';
    return cf::kExitFailed;
  }
  std::cout << "OK " << o.file << ": " << payload.size() << " bytes decode and re-encode identically as " << o.type
            << " (" << carton::wire::core_revision_name(rev) << ")\n";
  return cf::kExitOk;
}

// The reason a vector fails, or "" when it passes. Sets `skipped` for vectors that are
// well-formed on disk but have no codec type.
std::string check_vector(const std::string& dir, const cf::VectorEntry& e, CoreRevision rev, bool& skipped) {
  skipped = false;
  Bytes payload;
  try {
    payload = cf::read_file(dir + "/" + e.name + ".bin");
  } catch (const std::exception& ex) {
    return ex.what();
  }
  if (payload.size() != e.payload_len) {
    return e.name + ".bin has " + std::to_string(payload.size()) + " bytes but index.tsv says payload_len " +
           std::to_string(e.payload_len);
  }
  if (e.frame_file != "-") {
    try {
      const Bytes frame = cf::read_file(dir + "/" + e.frame_file);
      const Bytes inner = cf::unframe(frame);
      if (inner != payload) {
        std::size_t i = 0;
        while (i < inner.size() && inner[i] == payload[i]) ++i;
        return e.frame_file + " does not hold " + e.name + ".bin: payload differs at offset " + std::to_string(i);
      }
    } catch (const std::exception& ex) {
      return e.frame_file + ": " + ex.what();
    }
  }
  const std::string type = cf::vector_type(e);
  if (type.empty()) {
    skipped = true;
    return "";
  }
  if (!cf::is_codec_type(type)) return "vector type '" + type + "' has no codec";
  const cf::RoundtripResult r = cf::roundtrip(type, payload, rev, e.arbitrary_order);
  return r.ok ? std::string() : type + ": " + r.message;
}

int run_check(const std::string& dir, const std::string& revision) {
  const CoreRevision rev = require_revision(revision);
  std::vector<cf::VectorEntry> entries;
  try {
    entries = cf::read_vector_index(dir);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (entries.empty()) throw UsageError(dir + "/index.tsv lists no vectors");

  int passed = 0, failed = 0, skipped = 0;
  for (const auto& e : entries) {
    bool skip = false;
    const std::string reason = check_vector(dir, e, rev, skip);
    if (!reason.empty()) {
      ++failed;
      std::cout << "FAIL " << e.name << ": " << reason << '\n';
    } else if (skip) {
      ++skipped;
      std::cout << "SKIP " << e.name << ": no codec type for this fragment\n";
    } else {
      ++passed;
      std::cout << "PASS " << e.name << '\n';
    }
  }
  std::cout << passed << " passed, " << failed << " failed";
  if (skipped > 0) std::cout << ", " << skipped << " skipped";
  std::cout << std::endl;
  return failed == 0 ? cf::kExitOk : cf::kExitFailed;
}

void add_payload_options(CLI::App* cmd, PayloadOptions& o) {
  cmd->add_option("--type,-t", o.type, "Payload type, one of: " + type_list())->required();
  cmd->add_flag("--frame", o.frame, "FILE is a frame: a u64 big-endian length, then the payload");
  cmd->add_option("--revision,-r", o.revision, "Core revision: " + carton::wire::core_revision_names(" or "))->capture_default_str();
  cmd->add_option("FILE", o.file, "Payload file ('-' for standard input)")->required();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"carton-wire " CARTON_SDK_VERSION
               ": decode, round-trip and check carton runner wire payloads (bincode; core revisions " +
                   carton::wire::core_revision_names() + ").",
               "carton-wire"};
  app.set_version_flag("--version", "carton-wire " CARTON_SDK_VERSION);
  app.require_subcommand(1);
  app.footer("Types (--type): " + type_list() +
             "\nExit status: 0 ok, 1 the data failed, 2 usage error or unreadable input.");

  PayloadOptions dec, rt;
  std::string check_dir, check_revision = std::string(carton::wire::core_revision_name(carton::wire::kDefaultCoreRevision));

  CLI::App* decode = app.add_subcommand("decode", "Print a payload as JSON; exit 1 on a decode error");
  add_payload_options(decode, dec);

  CLI::App* roundtrip =
      app.add_subcommand("roundtrip", "Exit 0 iff decoding and re-encoding a payload reproduces its bytes");
  add_payload_options(roundtrip, rt);

  CLI::App* check = app.add_subcommand(
      "check", "Round-trip every vector in DIR/index.tsv; print PASS/FAIL/SKIP per vector and a summary");
  check->add_option("--revision,-r", check_revision, "Core revision: " + carton::wire::core_revision_names(" or "))->capture_default_str();
  check->add_option("DIR", check_dir, "Vector directory holding index.tsv")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help/version (rc 0) or the error
    return rc == 0 ? cf::kExitOk : cf::kExitUsage;
  }

  try {
    if (*decode) return run_decode(dec);
    if (*roundtrip) return run_roundtrip(rt);
    if (*check) return run_check(check_dir, check_revision);
  } catch (const UsageError& e) {
    std::cerr << "carton-wire: " << e.what() << '\n';
    return cf::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "carton-wire: " << e.what() << '\n';
    return cf::kExitFailed;
  }
  return cf::kExitUsage;
}
