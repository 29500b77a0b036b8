// Import check: the model is imported once in a child process before the runner
// imports it itself, so that a model which crashes OpenCV's importer fails the Load
// with an Error instead of killing the runner (and with it every model it serves).
//
// Why a child: model_check.hpp refuses the damage that crashed OpenCV in our tests,
// but the importer trusts far more than any check can cover (an attribute such as a
// pooling kernel of 2^31 crashes forward()). The child is this runner's own binary,
// started with --check-import: it reads the model from its stdin (a memfd holding the
// bytes, so the file never needs to be on the local disk), imports it, and runs one
// forward() on zero inputs of the declared shapes (dynamic dimensions as 1). It exits
// 0 whatever OpenCV answers, as long as OpenCV returns: an importer error is then met
// again, and reported, by the runner's own import. A signal or the deadline fails the
// Load, naming it.
//
// Cost: a process start, a second import and one forward per Load (docs/runners/onnx.md
// has the figures). The runner option check_in_child = false skips it, for models
// whose source is trusted.
#pragma once

#include <chrono>
#include <string>

#include "carton/wire/bytes.hpp"

namespace carton::runners::onnx {

// An import and a first forward() of a large model take seconds; minutes are a hang.
constexpr std::chrono::seconds kImportCheckDeadline{300};
// The flag that makes the runner binary the child (main.cpp).
constexpr char kImportCheckFlag[] = "--check-import";

// Runs the check with `binary` (the runner's own, /proc/self/exe). Throws ModelError
// when the child dies by a signal, exits otherwise than 0, or passes the deadline.
void check_import_in_child(const wire::Bytes& bytes, const std::string& file, const std::string& binary,
                           std::chrono::seconds deadline = kImportCheckDeadline);

// The child's side: main() calls it when argv[1] is kImportCheckFlag.
int run_import_check();

}  // namespace carton::runners::onnx
