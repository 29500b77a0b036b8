// Writes the fuzz targets' seed corpora from conformance/vectors/ and conformance/cases/,
// in the input layouts the targets read (fuzz_support.hpp and each target's header), so
// the seeds follow the captures instead of being copied by hand.
//
// Usage: make_seeds SOURCE_DIR OUT_DIR  ->  OUT_DIR/<target>/<name> for each target.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "carton/conformance/decoder_cases.hpp"
#include "carton/conformance/roundtrip.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/conformance/vector_index.hpp"
#include "fuzz_support.hpp"
#include "xgboost_seeds.hpp"

using namespace carton;
namespace stdfs = std::filesystem;
using Seed = std::vector<std::uint8_t>;

namespace {

const std::map<std::string, std::uint8_t> kDecoderCodec = {
    {"rpc-request", 0}, {"rpc-response", 1}, {"fs-request", 2}, {"fs-response", 3}};

std::uint8_t revision_index(wire::CoreRevision rev) {
  for (std::size_t i = 0; i < fuzz::kRevisionCount; ++i) {
    if (fuzz::revision_at(i) == rev) return static_cast<std::uint8_t>(i);
  }
  return 0;
}

struct Writer {
  stdfs::path out;
  std::map<std::string, int> counts;
  void put(const std::string& target, const std::string& name, const Seed& seed) {
    stdfs::create_directories(out / target);
    std::ofstream(out / target / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
    ++counts[target];
  }
};

// One sendmsg per line of the bootstrap strace capture: its data bytes and fd count.
void bootstrap_seeds(Writer& w, const std::string& strace_file) {
  std::ifstream in(strace_file);
  const std::regex call(R"re(sendmsg\(.*iov_base="([^"]*)".*cmsg_data=\[([0-9, ]*)\])re");
  std::string line;
  Seed all;
  int n = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, call)) continue;
    Seed data;
    const std::string esc = m[1];
    for (std::size_t i = 0; i + 4 <= esc.size(); i += 4) {  // \xNN each
      data.push_back(static_cast<std::uint8_t>(std::stoi(esc.substr(i + 2, 2), nullptr, 16)));
    }
    const std::string fds = m[2];
    const std::uint8_t fd_count = static_cast<std::uint8_t>(1 + std::count(fds.begin(), fds.end(), ','));
    Seed one{fd_count, static_cast<std::uint8_t>(data.size())};
    one.insert(one.end(), data.begin(), data.end());
    w.put("bootstrap_fuzzer", "strace_" + std::to_string(n++), one);
    all.insert(all.end(), one.begin(), one.end());
  }
  if (!all.empty()) w.put("bootstrap_fuzzer", "strace_all", all);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds SOURCE_DIR OUT_DIR\n";
    return 2;
  }
  const stdfs::path src = argv[1];
  Writer w{argv[2], {}};
  stdfs::remove_all(w.out);

  Seed stream_all;                              // frame_reader: every frame of every capture
  std::map<std::uint8_t, Seed> requests_by_rev;  // dispatch: all requests of one revision
  Seed fs_requests_all;                         // directory server: every captured request
  for (const auto& dir : stdfs::directory_iterator(src / "conformance/vectors")) {
    const auto rev = wire::parse_core_revision(dir.path().filename().string().substr(7));
    if (!rev) continue;
    const std::uint8_t ri = revision_index(*rev);
    for (const auto& e : conformance::read_vector_index(dir.path().string())) {
      if (e.frame_file == "-") continue;
      const auto frame = conformance::read_file((dir.path() / e.frame_file).string());
      const auto payload = conformance::unframe(frame);
      const std::string type = conformance::vector_type(e);
      const std::string name = dir.path().filename().string() + "_" + e.name;
      Seed fr{0};
      fr.insert(fr.end(), frame.begin(), frame.end());
      w.put("frame_reader_fuzzer", name, fr);
      stream_all.insert(stream_all.end(), frame.begin(), frame.end());
      auto codec = kDecoderCodec.find(type);
      if (codec == kDecoderCodec.end()) continue;
      Seed dec{static_cast<std::uint8_t>(codec->second + 4 * ri)};
      dec.insert(dec.end(), payload.begin(), payload.end());
      w.put("decoder_fuzzer", name, dec);
      if (type == "rpc-request") {
        Seed d{ri};
        d.insert(d.end(), frame.begin(), frame.end());
        w.put("dispatch_fuzzer", name, d);
        requests_by_rev[ri].insert(requests_by_rev[ri].end(), frame.begin(), frame.end());
      } else if (type == "fs-request") {
        for (std::uint8_t mode : {0, 1, 3}) {
          Seed d{mode};
          d.insert(d.end(), frame.begin(), frame.end());
          w.put("directory_server_fuzzer", name + "_mode" + std::to_string(mode), d);
        }
        fs_requests_all.insert(fs_requests_all.end(), frame.begin(), frame.end());
      }
    }
  }
  // Three frames cut into pieces of 1..7 bytes, read both ways.
  Seed split{7, 0, 1, 2, 3, 4, 5, 6};
  split.insert(split.end(), stream_all.begin(), stream_all.begin() + std::min<std::size_t>(stream_all.size(), 512));
  w.put("frame_reader_fuzzer", "split_small", split);
  for (auto& [ri, all] : requests_by_rev) {
    Seed d{ri};
    d.insert(d.end(), all.begin(), all.end());
    w.put("dispatch_fuzzer", "all_requests_rev" + std::to_string(ri), d);
    d[0] |= 0x80;
    w.put("dispatch_fuzzer", "all_requests_defaults_rev" + std::to_string(ri), d);
  }
  Seed rw{3};
  rw.insert(rw.end(), fs_requests_all.begin(), fs_requests_all.end());
  w.put("directory_server_fuzzer", "all_requests_rw", rw);

  for (const auto& c : conformance::load_decoder_cases((src / "conformance/cases").string())) {
    Seed payload = c.bytes;
    if (c.framed) {
      Seed fr{0};
      fr.insert(fr.end(), c.bytes.begin(), c.bytes.end());
      w.put("frame_reader_fuzzer", "case_" + c.name, fr);
      payload.erase(payload.begin(), payload.begin() + std::min<std::size_t>(8, payload.size()));
    }
    auto codec = kDecoderCodec.find(c.type);
    if (codec == kDecoderCodec.end()) continue;
    Seed dec{static_cast<std::uint8_t>(codec->second + 4 * revision_index(c.revision))};
    dec.insert(dec.end(), payload.begin(), payload.end());
    w.put("decoder_fuzzer", "case_" + c.name, dec);
    if (c.type == "rpc-request") {
      Seed d{revision_index(c.revision)};
      fuzz::append_frame(d, payload.data(), payload.size());
      w.put("dispatch_fuzzer", "case_" + c.name, d);
    } else if (c.type == "fs-request") {
      Seed d{3};
      fuzz::append_frame(d, payload.data(), payload.size());
      w.put("directory_server_fuzzer", "case_" + c.name, d);
    }
  }
  bootstrap_seeds(w, (src / "conformance/vectors/carton-0.0.1/bootstrap-strace.txt").string());
  w.put("xgboost_model_check_fuzzer", "two_trees", fuzz::seed_model({{0, {}}, {3, {}}}));
  w.put("xgboost_model_check_fuzzer", "categorical", fuzz::seed_model({{1, {0, 2, 5}}, {2, {}}}));
  auto text = [](const std::string& s) { return Seed(s.begin(), s.end()); };
  w.put("xgboost_walker_fuzzer", "two_trees",
        text(fuzz::seed_json_model("gbtree", "reg:squarederror", {{0, {}}, {3, {}}})));
  w.put("xgboost_walker_fuzzer", "categorical",
        text(fuzz::seed_json_model("gbtree", "binary:logistic", {{1, {0, 2, 5, 40}}, {2, {}}})));
  w.put("xgboost_walker_fuzzer", "dart", text(fuzz::seed_json_model("dart", "count:poisson", {{0, {}}, {1, {3}}})));

  for (const auto& [target, n] : w.counts) std::cout << "make_seeds: " << n << " seeds for " << target << "\n";
  return 0;
}
