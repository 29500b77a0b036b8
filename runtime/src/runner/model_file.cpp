#include "carton/runner/model_file.hpp"

#include "carton/fs/file_system.hpp"

namespace carton::runner {

std::string list_model_files(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string find_model_file(RunnerContext& context, wire::FsToken fs, bool writable, const std::string& dir,
                            const std::vector<std::string>& names, const std::string& hint) {
  const auto filesystem = context.filesystem(fs, writable);
  std::string prefix = dir;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::string notes;
  for (const auto& name : names) {
    const std::string path = prefix + name;
    try {
      if (!filesystem->metadata(path).file_type.is_dir) return path;
      notes += (notes.empty() ? "" : "; ") + name + " is a directory";
    } catch (const fs::IoError& e) {
      // The channel gone is no answer about the model: the caller reports it as it is.
      if (e.origin() == fs::IoError::Origin::kConnection) throw;
      // Missing is the common answer and goes unsaid. Servers word "missing" their own
      // way (carton's zip filesystem: "File not found in zipfile"), so anything else the
      // server said is kept for the Error rather than guessed at.
      if (e.kind() != fs::IoErrorKind::NotFound) notes += (notes.empty() ? "" : "; ") + name + ": " + e.message();
    }
  }
  std::string message = "no model file: " + (dir.empty() ? std::string("the model directory") : dir) +
                        (names.size() == 1 ? " holds no " : " holds none of ") + list_model_files(names);
  if (!notes.empty()) message += " (" + notes + ")";
  if (!hint.empty()) message += "; " + hint;
  throw ModelFileNotFound(message);
}

}  // namespace carton::runner
