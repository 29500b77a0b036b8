// RunnerContext: what a handler can ask of the runtime that serves it.
#pragma once

#include <memory>

#include "carton/wire/common_types.hpp"

namespace carton::fs {
class FileSystem;
}

namespace carton::runner {

class RunnerContext {
 public:
  virtual ~RunnerContext() = default;
  // The core revision this runner speaks (chosen at startup; see docs/runtime.md).
  virtual wire::CoreRevision revision() const = 0;
  // The filesystem the core serves for a Load (read-only) or a Pack (read-write)
  // request, by the request's FsToken. Its calls block: use it from handler threads.
  virtual std::shared_ptr<fs::FileSystem> filesystem(wire::FsToken token, bool writable) = 0;
};

}  // namespace carton::runner
