#include "carton/runtime/boost_log_bridge.hpp"

#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/attributes/value_visitation.hpp>
#include <boost/log/core/core.hpp>
#include <boost/log/expressions/message.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/unlocked_frontend.hpp>
#include <boost/log/utility/string_literal.hpp>
#include <boost/mpl/vector.hpp>
#include <boost/smart_ptr/make_shared_object.hpp>
#include <boost/smart_ptr/shared_ptr.hpp>

#include "carton/runtime/log.hpp"
#include "carton/runtime/trace.hpp"

namespace carton::runtime {

namespace {

namespace logging = boost::log;
using Severity = logging::trivial::severity_level;

// Types a string attribute may have: add_value stores text as std::string, but other
// code may attach literals or C strings.
using StringTypes = boost::mpl::vector<std::string, logging::string_literal, const char*>;
using LineTypes = boost::mpl::vector<unsigned int, int, unsigned long, long, unsigned long long, long long,
                                     unsigned short, short>;

std::optional<std::string> string_attribute(const logging::attribute_value_set& values,
                                            const logging::attribute_name& name) {
  std::optional<std::string> out;
  logging::visit<StringTypes>(name, values, [&out](const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, const char*>) {
      if (v != nullptr) out = std::string(v);
    } else {
      out = std::string(v.data(), v.size());
    }
  });
  return out;
}

std::optional<std::uint32_t> line_attribute(const logging::attribute_value_set& values) {
  std::optional<std::uint32_t> out;
  logging::visit<LineTypes>(detail::line_attribute(), values, [&out](auto v) {
    // Line numbers fit; anything else is a foreign attribute of the same name.
    if constexpr (std::is_signed_v<decltype(v)>) {
      if (v < 0) return;
    }
    if (static_cast<unsigned long long>(v) <= std::numeric_limits<std::uint32_t>::max()) {
      out = static_cast<std::uint32_t>(v);
    }
  });
  return out;
}

Severity severity_of(const logging::attribute_value_set& values) {
  static const logging::attribute_name name("Severity");
  return logging::extract_or_default<Severity>(name, values, logging::trivial::info);
}

class ForwardingBackend : public logging::sinks::basic_sink_backend<logging::sinks::concurrent_feeding> {
 public:
  ForwardingBackend(std::shared_ptr<LogForwarder> forwarder, std::shared_ptr<TraceWriter> trace)
      : forwarder_(std::move(forwarder)), trace_(std::move(trace)) {}

  void consume(const logging::record_view& record) {
    // Boost.Log would hand an exception to the logging statement; logging must not throw.
    try {
      wire::LogRecord r = to_wire_record(record);
      if (trace_) trace_->log(r);
      forwarder_->publish(std::move(r));
    } catch (...) {  // bad_alloc while converting: the record is lost
    }
  }

 private:
  const std::shared_ptr<LogForwarder> forwarder_;
  const std::shared_ptr<TraceWriter> trace_;
};

using BridgeSink = logging::sinks::unlocked_sink<ForwardingBackend>;

std::mutex g_bridge_mutex;
boost::shared_ptr<BridgeSink> g_bridge;  // guarded by g_bridge_mutex

}  // namespace

wire::Level to_wire_level(Severity severity) {
  switch (severity) {
    case logging::trivial::fatal:
    case logging::trivial::error: return wire::Level::Error;
    case logging::trivial::warning: return wire::Level::Warn;
    case logging::trivial::info: return wire::Level::Info;
    case logging::trivial::debug: return wire::Level::Debug;
    case logging::trivial::trace: return wire::Level::Trace;
  }
  return wire::Level::Info;  // out-of-range values cast into the enum
}

wire::LogRecord to_wire_record(const logging::record_view& record) {
  static const logging::attribute_name channel("Channel");
  const logging::attribute_value_set& values = record.attribute_values();
  wire::LogRecord r;
  r.metadata.level = to_wire_level(severity_of(values));
  r.metadata.target = string_attribute(values, channel).value_or(std::string());
  if (auto message = logging::extract<std::string>(logging::expressions::smessage.get_name(), values)) {
    r.args = message.get();
  }
  r.module_path = string_attribute(values, detail::module_attribute());
  r.file = string_attribute(values, detail::file_attribute());
  r.line = line_attribute(values);
  return r;
}

void install_log_bridge(std::shared_ptr<LogForwarder> forwarder, Severity min, std::shared_ptr<TraceWriter> trace) {
  auto sink = boost::make_shared<BridgeSink>(boost::make_shared<ForwardingBackend>(std::move(forwarder), std::move(trace)));
  sink->set_filter([min](const logging::attribute_value_set& values) { return severity_of(values) >= min; });
  auto core = logging::core::get();
  std::lock_guard<std::mutex> lock(g_bridge_mutex);
  if (g_bridge) core->remove_sink(g_bridge);
  core->add_sink(sink);
  g_bridge = std::move(sink);
}

void remove_log_bridge() {
  std::lock_guard<std::mutex> lock(g_bridge_mutex);
  if (!g_bridge) return;
  logging::core::get()->remove_sink(g_bridge);
  g_bridge.reset();
}

}  // namespace carton::runtime
