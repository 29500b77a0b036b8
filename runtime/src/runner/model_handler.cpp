#include "carton/runner/model_handler.hpp"

#include <algorithm>
#include <stdexcept>

#include "carton/fs/file_system.hpp"

namespace carton::runner {

namespace {

std::string joined(std::string dir, const std::string& name) {
  if (dir.empty() || dir.back() != '/') dir += '/';
  return dir + name;
}

// The runner's check of `file`; its refusal gets the file named once: runners' Errors
// mostly name the file already ("cannot read /m/model.onnx: ...").
std::string checked(const detail::PackCheck& check, const std::string& file) {
  try {
    return check(file);
  } catch (const std::exception& e) {
    const std::string why = e.what();
    if (why.find(file) != std::string::npos) throw std::runtime_error(why);
    throw std::runtime_error(file + " is not a model this runner loads: " + why);
  }
}

// Links <temp_folder>/<name> to input_path on Pack's writable filesystem.
void link_packed_file(fs::FileSystem& filesystem, const wire::PackRequest& request, const std::string& link) {
  try {
    // A link, not a copy: when carton saves the packed model it stores a link that
    // leads outside the model directory as a regular file holding its target.
    filesystem.symlink(request.input_path, link);
  } catch (const fs::IoError& e) {
    throw std::runtime_error("cannot link " + link + " to " + request.input_path + ": " + e.message());
  }
}

}  // namespace

namespace detail {

std::string pack_model(RunnerContext& context, const wire::PackRequest& request,
                       const std::vector<std::string>& model_files, const PackCheck& check) {
  const auto filesystem = context.filesystem(request.fs, /*writable=*/true);
  fs::Metadata input;
  try {
    input = filesystem->metadata(request.input_path);  // follows a link to the model
  } catch (const fs::IoError& e) {
    throw std::runtime_error("cannot read " + request.input_path + ": " + e.message());
  }
  if (input.file_type.is_dir) {
    // carton saves the folder as it is, so Load will be served exactly this folder:
    // it must hold a model under a name Load looks for.
    const std::string file =
        find_model_file(context, request.fs, true, request.input_path, model_files,
                        "name the model file " + std::string(model_files.size() == 1 ? "" : "one of ") +
                            list_model_files(model_files) +
                            ", or pack the file itself (Pack links a file under the name Load looks for)");
    checked(check, file);
    return request.input_path;
  }
  const std::string name = checked(check, request.input_path);
  if (std::find(model_files.begin(), model_files.end(), name) == model_files.end()) {
    throw std::logic_error("the runner named the packed file '" + name + "', which is none of the names its Load " +
                           "looks for (" + list_model_files(model_files) + ")");
  }
  const std::string link = joined(request.temp_folder, name);
  link_packed_file(*filesystem, request, link);
  // What carton will save is temp_folder as Load will be served it: Load must find
  // the linked file there, and find it first.
  std::string found;
  try {
    found = find_model_file(context, request.fs, true, request.temp_folder, model_files);
  } catch (const ModelFileNotFound& e) {
    throw std::runtime_error("packed " + request.input_path + " as " + link + ", then " + e.what());
  }
  if (found != link) {
    throw std::runtime_error("packed " + request.input_path + " as " + link + ", but " + request.temp_folder +
                             " already holds " + found + ", which Load would read first");
  }
  return request.temp_folder;
}

std::string no_model_message(const std::string& load_hint) {
  return "Infer: no model loaded (send Load with " + load_hint + " first)";
}

}  // namespace detail

wire::Bytes read_model_file(RunnerContext& context, wire::FsToken fs, bool writable, const std::string& path) {
  try {
    return context.filesystem(fs, writable)->read(path);
  } catch (const fs::IoError& e) {
    // The message alone: IoError's what() names the path again.
    throw std::runtime_error("cannot read " + path + ": " + e.message());
  }
}

}  // namespace carton::runner
