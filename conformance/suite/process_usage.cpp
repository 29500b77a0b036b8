#include "suite/process_usage.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace carton::conformance::suite {

ProcessUsage process_usage(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  ProcessUsage usage;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(proc + "/fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++usage.open_fds;
  }
  if (ec) throw std::runtime_error("cannot list " + proc + "/fd: " + ec.message());
  std::ifstream status(proc + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      usage.rss_kib = std::stoull(line.substr(6));  // "VmRSS:   1234 kB"
      return usage;
    }
  }
  throw std::runtime_error("no VmRSS line in " + proc + "/status (is the process gone?)");
}

}  // namespace carton::conformance::suite
