#include "carton/runtime/trace.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "carton/runtime/log_forwarder.hpp"
#include "carton/wire/json.hpp"

namespace carton::runtime {

namespace {

// Small numbers read better in the viewer than pthread ids, and are what tracing-chrome
// uses too. Shared by all writers so one thread has one number.
std::uint64_t this_thread_number() {
  static std::atomic<std::uint64_t> next{1};
  thread_local const std::uint64_t number = next.fetch_add(1, std::memory_order_relaxed);
  return number;
}

std::string thread_name(std::uint64_t tid) {
  char buf[64] = {};
  if (::pthread_getname_np(::pthread_self(), buf, sizeof buf) == 0 && buf[0] != '\0') {
    return buf;
  }
  return "thread " + std::to_string(tid);
}

// JSON strings must be valid UTF-8 for the viewers' parsers.
void append_string(std::string& out, const std::string& s) {
  wire::json_detail::quote(out, lossy_utf8(s));
}

void append_micros(std::string& out, double us) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", us);
  out += buf;
}

const char* level_name(wire::Level level) {
  switch (level) {
    case wire::Level::Error: return "ERROR";
    case wire::Level::Warn: return "WARN";
    case wire::Level::Info: return "INFO";
    case wire::Level::Debug: return "DEBUG";
    case wire::Level::Trace: return "TRACE";
  }
  return "UNKNOWN";
}

}  // namespace

TraceWriter::TraceWriter(std::string path)
    : path_(std::move(path)), opened_(std::chrono::steady_clock::now()), pid_(static_cast<long>(::getpid())) {
  file_ = std::fopen(path_.c_str(), "w");
  if (file_ == nullptr) {
    throw std::system_error(errno, std::generic_category(), "cannot create trace file " + path_);
  }
  std::fputs("[\n", file_);
}

std::unique_ptr<TraceWriter> TraceWriter::from_env() {
  const char* path = std::getenv(kEnvVar);
  if (path == nullptr || *path == '\0') return nullptr;
  try {
    return std::make_unique<TraceWriter>(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "carton_runner_sdk: %s=%s: %s; tracing is off\n", kEnvVar, path, e.what());
    return nullptr;
  }
}

TraceWriter::~TraceWriter() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fputs(first_event_ ? "]\n" : "\n]\n", file_);
  std::fclose(file_);
}

TraceWriter::Span::Span(Span&& other) noexcept
    : writer_(std::exchange(other.writer_, nullptr)),
      name_(std::move(other.name_)),
      request_id_(other.request_id_),
      start_(other.start_),
      tid_(other.tid_) {}

TraceWriter::Span& TraceWriter::Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    writer_ = std::exchange(other.writer_, nullptr);
    name_ = std::move(other.name_);
    request_id_ = other.request_id_;
    start_ = other.start_;
    tid_ = other.tid_;
  }
  return *this;
}

void TraceWriter::Span::end() noexcept {
  if (writer_ == nullptr) return;
  writer_->complete(*this, std::chrono::steady_clock::now());
  writer_ = nullptr;
}

TraceWriter::Span TraceWriter::span(std::string name, std::uint64_t request_id) {
  Span s;
  s.writer_ = this;
  s.name_ = std::move(name);
  s.request_id_ = request_id;
  s.tid_ = this_thread_number();
  name_this_thread(s.tid_);
  s.start_ = std::chrono::steady_clock::now();
  return s;
}

void TraceWriter::complete(const Span& span, std::chrono::steady_clock::time_point end) noexcept {
  try {
    std::string e = "{\"ph\":\"X\",\"pid\":" + std::to_string(pid_) + ",\"tid\":" + std::to_string(span.tid_) +
                    ",\"ts\":";
    append_micros(e, micros_since_open(span.start_));
    e += ",\"dur\":";
    append_micros(e, std::chrono::duration<double, std::micro>(end - span.start_).count());
    e += ",\"name\":";
    append_string(e, span.name_);
    e += ",\"cat\":\"request\",\"args\":{\"id\":" + std::to_string(span.request_id_) + "}}";
    write(e);
  } catch (...) {  // bad_alloc: lose the event, not the runner
  }
}

void TraceWriter::log(const wire::LogRecord& record) noexcept {
  try {
    const auto now = std::chrono::steady_clock::now();
    const std::uint64_t tid = this_thread_number();
    name_this_thread(tid);
    std::string e = "{\"ph\":\"i\",\"s\":\"t\",\"pid\":" + std::to_string(pid_) + ",\"tid\":" + std::to_string(tid) +
                    ",\"ts\":";
    append_micros(e, micros_since_open(now));
    e += ",\"name\":";
    append_string(e, record.args);
    e += ",\"cat\":";
    append_string(e, record.metadata.target);
    e += ",\"args\":{\"level\":\"";
    e += level_name(record.metadata.level);
    e += '"';
    if (record.module_path) {
      e += ",\"module\":";
      append_string(e, *record.module_path);
    }
    if (record.file) {
      e += ",\"file\":";
      append_string(e, *record.file);
    }
    if (record.line) e += ",\"line\":" + std::to_string(*record.line);
    e += "}}";
    write(e);
  } catch (...) {
  }
}

void TraceWriter::flush() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fflush(file_);
}

void TraceWriter::name_this_thread(std::uint64_t tid) noexcept {
  try {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (named_threads_.count(tid) != 0) return;
    }
    std::string e = "{\"ph\":\"M\",\"pid\":" + std::to_string(pid_) + ",\"tid\":" + std::to_string(tid) +
                    ",\"name\":\"thread_name\",\"args\":{\"name\":";
    append_string(e, thread_name(tid));
    e += "}}";
    std::lock_guard<std::mutex> lock(mutex_);
    if (named_threads_.insert(tid).second) write_locked(e);
  } catch (...) {
  }
}

void TraceWriter::write(const std::string& event) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  write_locked(event);
}

void TraceWriter::write_locked(const std::string& event) noexcept {
  if (!first_event_) std::fputs(",\n", file_);
  first_event_ = false;
  std::fwrite(event.data(), 1, event.size(), file_);
}

double TraceWriter::micros_since_open(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration<double, std::micro>(t - opened_).count();
}

}  // namespace carton::runtime
