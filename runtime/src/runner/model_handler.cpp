#include "carton/runner/model_handler.hpp"

#include <stdexcept>

#include "carton/fs/file_system.hpp"

namespace carton::runner {

namespace detail {

void link_packed_file(RunnerContext& context, const wire::PackRequest& request, const std::string& name) {
  std::string link = request.temp_folder;
  if (link.empty() || link.back() != '/') link += '/';
  link += name;
  try {
    // A link, not a copy: when carton saves the packed model it stores a link that
    // leads outside the model directory as a regular file holding its target.
    context.filesystem(request.fs, /*writable=*/true)->symlink(request.input_path, link);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot link " + link + " to " + request.input_path + ": " + e.what());
  }
}

std::string no_model_message(const std::string& load_hint) {
  return "Infer: no model loaded (send Load with " + load_hint + " first)";
}

}  // namespace detail

wire::Bytes read_model_file(RunnerContext& context, wire::FsToken fs, bool writable, const std::string& path) {
  try {
    return context.filesystem(fs, writable)->read(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read " + path + ": " + e.what());
  }
}

}  // namespace carton::runner
