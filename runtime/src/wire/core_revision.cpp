#include "carton/wire/core_revision.hpp"

namespace carton::wire {
namespace {

const CoreRevisionInfo* find(CoreRevision revision) {
  for (const auto& info : kCoreRevisions) {
    if (info.revision == revision) return &info;
  }
  return nullptr;  // only a value cast from outside the enum
}

}  // namespace

std::optional<CoreRevision> parse_core_revision(std::string_view text) {
  for (const auto& info : kCoreRevisions) {
    if (text == info.name || text == info.enumerator) return info.revision;
  }
  return std::nullopt;
}

std::string_view core_revision_name(CoreRevision revision) {
  const auto* info = find(revision);
  return info ? info->name : std::string_view("unknown");
}

std::string core_revision_names(std::string_view separator) {
  std::string out;
  for (const auto& info : kCoreRevisions) {
    if (!out.empty()) out += separator;
    out += info.name;
  }
  return out;
}

bool supports_streaming(CoreRevision revision) {
  const auto* info = find(revision);
  return info && info->streaming;
}

}  // namespace carton::wire
