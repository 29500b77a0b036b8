#include "report.hpp"

#include "carton/wire/json.hpp"

namespace carton::conformance::report {
namespace {

std::string json_string(const std::string& s) { return wire::to_json(s); }

// Text for an XML attribute: the five special characters escaped, and control bytes
// (which XML 1.0 cannot carry at all) replaced, so a runner's message cannot break the file.
std::string xml_attr(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default: out += c < 0x20 ? '?' : ch;
    }
  }
  return out;
}

std::string counts_attrs(const Counts& c) {
  return "tests=\"" + std::to_string(c.passed + c.failed + c.skipped) + "\" failures=\"" + std::to_string(c.failed) +
         "\" errors=\"0\" skipped=\"" + std::to_string(c.skipped) + "\"";
}

}  // namespace

void Counts::add(suite::Outcome o) {
  if (o == suite::Outcome::kPass) ++passed;
  if (o == suite::Outcome::kFail) ++failed;
  if (o == suite::Outcome::kSkip) ++skipped;
}

Counts count(const std::vector<CaseRun>& runs, const std::string& core_version) {
  Counts c;
  for (const auto& r : runs) {
    if (core_version.empty() || r.core_version == core_version) c.add(r.result.outcome);
  }
  return c;
}

std::string closing_line(const Counts& c) {
  std::string s = std::to_string(c.passed) + " passed, " + std::to_string(c.failed) + " failed";
  if (c.skipped > 0) s += ", " + std::to_string(c.skipped) + " skipped";
  return s;
}

void write_matrix(std::ostream& out, const std::string& runner, const std::vector<std::string>& core_versions,
                  const std::vector<CaseRun>& runs) {
  out << "# matrix (runner x core version)\n";
  out << "#   runner: " << runner << "\n";
  for (const auto& v : core_versions) {
    const Counts c = count(runs, v);
    out << "#   core " << v << ": " << c.passed << " pass, " << c.failed << " fail, " << c.skipped << " skip";
    for (const auto& r : runs) {
      if (r.core_version == v && !r.result.revision_mismatch.empty()) {
        out << "; " << r.result.revision_mismatch;
        break;
      }
    }
    out << "\n";
  }
}

void write_json(std::ostream& out, const std::string& runner, const std::vector<CaseRun>& runs) {
  out << "{\"runner\": " << json_string(runner) << ", \"results\": [";
  bool first = true;
  for (const auto& r : runs) {
    out << (first ? "\n  " : ",\n  ") << "{\"core_version\": " << json_string(r.core_version)
        << ", \"suite\": " << json_string(r.suite) << ", \"case\": " << json_string(r.name)
        << ", \"outcome\": " << json_string(suite::outcome_name(r.result.outcome))
        << ", \"message\": " << json_string(r.result.message) << "}";
    first = false;
  }
  const Counts c = count(runs);
  out << "\n], \"passed\": " << c.passed << ", \"failed\": " << c.failed << ", \"skipped\": " << c.skipped << "}\n";
}

void write_junit(std::ostream& out, const std::string& runner, const std::vector<std::string>& core_versions,
                 const std::vector<CaseRun>& runs) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"carton-conformance " << xml_attr(runner) << "\" " << counts_attrs(count(runs)) << ">\n";
  for (const auto& v : core_versions) {
    out << "  <testsuite name=\"core " << xml_attr(v) << "\" " << counts_attrs(count(runs, v)) << ">\n";
    for (const auto& r : runs) {
      if (r.core_version != v) continue;
      out << "    <testcase classname=\"" << xml_attr(r.suite) << "\" name=\"" << xml_attr(r.name + "@" + v) << "\"";
      if (r.result.outcome == suite::Outcome::kPass) {
        out << "/>\n";
        continue;
      }
      const char* tag = r.result.outcome == suite::Outcome::kFail ? "failure" : "skipped";
      out << ">\n      <" << tag << " message=\"" << xml_attr(r.result.message) << "\"/>\n    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace carton::conformance::report
