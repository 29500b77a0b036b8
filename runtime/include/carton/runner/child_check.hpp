// Child checks: run a framework's own loader on untrusted model bytes in a child
// process first, so that a model which crashes the framework fails its Load with an
// Error instead of killing the runner (and every model it serves).
//
// The child is the runner's own binary started as `<binary> <flag>`: main() sees the
// flag and calls the runner's check, which reads the model from its stdin
// (read_child_input()). The bytes reach it through a memfd, so the file never needs
// to be on the local disk. What the child writes to its stdout, up to kChildOutputBytes,
// comes back in ChildExit::output (a framework's refusal, say, so that the runner need
// not repeat a load the child already saw fail); its stderr goes to /dev/null.
//
// What the child's exit means is the runner's to say: by convention it exits 0 when
// the framework returned (accepted or refused, which the runner's own load meets and
// reports again), so only a signal or the deadline is a verdict.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "carton/wire/bytes.hpp"

namespace carton::runner {

// A pipe's capacity: a child that writes more blocks until the deadline kills it.
inline constexpr std::size_t kChildOutputBytes = 64 * 1024;

struct ChildExit {
  enum class How { exited, signaled, timed_out };
  How how = How::exited;
  int value = 0;  // the exit status, or the signal number
  std::string output;  // the child's stdout, at most kChildOutputBytes

  bool ok() const { return how == How::exited && value == 0; }
  // "exited with status 3", "was killed by Segmentation fault",
  // "did not finish within 300 s (and was killed)" (or "200 ms").
  std::string describe(std::chrono::milliseconds deadline) const;
};

// Runs `binary flag` with `input` on its stdin and waits for it, killing it with
// SIGKILL past `deadline`. Throws std::runtime_error when it cannot be started.
ChildExit run_child_check(const wire::Bytes& input, const std::string& binary, const std::string& flag,
                          std::chrono::milliseconds deadline);

// The child's side: the whole of stdin.
std::vector<char> read_child_input();

}  // namespace carton::runner
