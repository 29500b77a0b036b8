// TraceWriter: a Chrome trace (chrome://tracing, ui.perfetto.dev) of request spans.
//
// Set CARTON_RUNNER_TRACE_FILE=PATH and the runner writes PATH, as the Rust runners do
// (they use tracing-chrome). The file is a JSON array of trace events: "[" on open,
// one event per line, "]" when the writer is destroyed. flush() pushes buffered events
// to disk but leaves the array open; the viewers accept an unterminated array, so a
// runner that crashes still leaves a readable trace.
//
// Events: one complete event ("ph":"X", ts and dur in microseconds since the writer
// opened, args {"id": request id}) per Span; one instant event ("ph":"i") per log()
// call; one "thread_name" metadata event per thread, the first time it writes.
// pid is the process id; tid is a small per-process thread number.
//
// Logs: with tracing on, the Rust runner stops forwarding logs to the core and sends
// them to the trace instead. We keep forwarding them, because a runner's errors must
// reach the user whether or not someone is profiling it, and also copy each record into
// the trace so it shows up next to the spans: pass the writer to install_log_bridge().
//
// Thread-safe. Spans must end before their writer is destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "carton/wire/rpc_types.hpp"

namespace carton::runtime {

class TraceWriter {
 public:
  static constexpr char kEnvVar[] = "CARTON_RUNNER_TRACE_FILE";

  // Creates or truncates `path`. Throws std::system_error naming the path on failure.
  explicit TraceWriter(std::string path);
  // nullptr if CARTON_RUNNER_TRACE_FILE is unset or empty. Also nullptr, after one line
  // on stderr, if the file cannot be created: a trace is a diagnostic aid, and a runner
  // that dies at startup leaves the core waiting forever.
  static std::unique_ptr<TraceWriter> from_env();
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Measures from construction to end() or destruction. A default-constructed Span does
  // nothing, so callers can write `auto s = trace ? trace->span(...) : TraceWriter::Span{};`.
  class Span {
   public:
    Span() = default;
    Span(Span&& other) noexcept;
    Span& operator=(Span&& other) noexcept;
    ~Span() { end(); }
    void end() noexcept;

   private:
    friend class TraceWriter;
    TraceWriter* writer_ = nullptr;
    std::string name_;
    std::uint64_t request_id_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::uint64_t tid_ = 0;  // the starting thread: X events belong to one thread
  };

  Span span(std::string name, std::uint64_t request_id);
  // An instant event named after the message, category = target, args {level, module,
  // file, line}.
  void log(const wire::LogRecord& record) noexcept;
  void flush() noexcept;

  const std::string& path() const { return path_; }

 private:
  void complete(const Span& span, std::chrono::steady_clock::time_point end) noexcept;
  // Writes the thread_name metadata event the first time thread `tid` (the caller) shows up.
  void name_this_thread(std::uint64_t tid) noexcept;
  void write(const std::string& event) noexcept;  // one JSON object
  void write_locked(const std::string& event) noexcept;
  double micros_since_open(std::chrono::steady_clock::time_point t) const;

  const std::string path_;
  const std::chrono::steady_clock::time_point opened_;
  const long pid_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool first_event_ = true;
  std::unordered_set<std::uint64_t> named_threads_;
};

}  // namespace carton::runtime
