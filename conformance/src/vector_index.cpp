#include "carton/conformance/vector_index.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace carton::conformance {

std::vector<VectorEntry> read_vector_index(const std::string& dir) {
  const std::string path = dir + "/index.tsv";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<VectorEntry> out;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      cols.push_back(line.substr(start, tab - start));
    }
    cols.push_back(line.substr(start));
    if (cols.size() != 6) {
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected 6 tab-separated columns, found " +
                               std::to_string(cols.size()));
    }
    VectorEntry e;
    e.name = cols[0];
    e.channel = cols[1];
    e.direction = cols[2];
    e.description = cols[3];
    try {
      e.payload_len = std::stoull(cols[4]);
    } catch (const std::exception&) {
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": payload_len '" + cols[4] + "' is not a number");
    }
    e.frame_file = cols[5];
    e.arbitrary_order = e.description.find("ARBITRARY") != std::string::npos ||
                        e.description.find("NON-DETERMINISTIC") != std::string::npos;
    out.push_back(std::move(e));
  }
  return out;
}

std::string vector_type(const VectorEntry& e) {
  if (e.channel == "rpc") return e.direction == "core->runner" ? "rpc-request" : "rpc-response";
  if (e.channel == "filesystem") return e.direction == "runner->core" ? "fs-request" : "fs-response";
  auto starts = [&](const char* p) { return e.name.rfind(p, 0) == 0; };
  if (starts("fragment_tensor_")) return "tensor";
  if (starts("fragment_fstoken_")) return "fs-token";
  if (starts("fragment_device_")) return "device";
  if (starts("fragment_versionreq_")) return "string";
  return "";
}

wire::Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return wire::Bytes::adopt(std::move(data));
}

}  // namespace carton::conformance
