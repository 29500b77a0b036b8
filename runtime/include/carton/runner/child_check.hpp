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
// A child may also hand back bytes of any size, up to the parent's `result_limit`:
// the model as the framework's own writer saves it, say, so that the runner then
// parses bytes the framework wrote instead of the untrusted ones (a loader that reads
// past a damaged length without faulting passes a check and may still crash the
// runner, whose heap is laid out differently). They travel through a memfd on the
// child's fd 3 (write_child_result()); the child's RLIMIT_FSIZE is the limit, so a
// child writing more is killed by SIGXFSZ before the runner holds a byte too many.
// Without a result it is 0: the child writes no file at all, not even its stdin memfd,
// whose pages the runner would pay for. Only stdio and that memfd cross the exec.
//
// What the child's exit means is the runner's to say: by convention it exits 0 when
// the framework returned (accepted or refused, which the runner's own load meets and
// reports again), so only a signal or the deadline is a verdict.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "carton/runner/runner_options.hpp"
#include "carton/wire/bytes.hpp"

namespace carton::runner {

// A pipe's capacity: a child that writes more blocks until the deadline kills it.
inline constexpr std::size_t kChildOutputBytes = 64 * 1024;

struct ChildExit {
  enum class How { exited, signaled, timed_out };
  How how = How::exited;
  int value = 0;  // the exit status, or the signal number
  std::string output;  // the child's stdout, at most kChildOutputBytes
  wire::Bytes result;  // what it wrote with write_child_result(), when it exited 0

  bool ok() const { return how == How::exited && value == 0; }
  // "exited with status 3", "was killed by Segmentation fault",
  // "did not finish within 300 s (and was killed)" (or "200 ms").
  std::string describe(std::chrono::milliseconds deadline) const;
};

// Runs `binary flag` with `input` on its stdin and waits for it, killing it with
// SIGKILL past `deadline`. With `result_limit` > 0 the child may hand back up to that
// many bytes (above). Throws std::runtime_error when it cannot be started.
ChildExit run_child_check(const wire::Bytes& input, const std::string& binary, const std::string& flag,
                          std::chrono::milliseconds deadline, std::size_t result_limit = 0);

// The child's side: the whole of stdin. It first confines the child further than the
// runner (no exec, no new process, no file opened for writing): call it before the
// framework sees a byte of the model.
std::vector<char> read_child_input();

// The child's side of the result: writes `size` bytes to fd 3. False when the parent
// gave no result channel, or the write failed.
bool write_child_result(const void* data, std::size_t size);

// The environment variable through which the operator (never the model) turns child
// checks off: CARTON_RUNNER_CHILD_CHECK=off.
inline constexpr const char* kChildCheckVariable = "CARTON_RUNNER_CHILD_CHECK";

// Reads the runner option `key` (default true) that asks for a child check. Runner
// options come from the model's own manifest, so a model may only ask for the check,
// never skip it: `false` throws std::invalid_argument naming kChildCheckVariable,
// unless the operator set it to "off", which skips every check whatever the option.
bool read_check_in_child(RunnerOptions& options, std::string_view key = "check_in_child");

}  // namespace carton::runner
