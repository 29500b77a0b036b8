// Logging front end: Boost.Log loggers for the SDK and for runner code.
//
// Records are ordinary Boost.Log records, so anything that logs through Boost.Log
// (BOOST_LOG_TRIVIAL, BOOST_LOG_SEV, a library's own logger) reaches the core once
// install_log_bridge() is called (boost_log_bridge.hpp). The logger's channel becomes
// the record's target; CARTON_LOG also attaches the source location.
//
// Usage:
//   CARTON_LOG(carton::runtime::sdk_logger(), error) << "load failed: " << what;
//   auto log = carton::runtime::make_logger("my_runner");   // keep it: making one is not free
//   CARTON_LOG(carton::runtime::make_logger("once"), info) << "...";  // compiles, but pays that each time
//   CARTON_LOG(log, info) << "model loaded";
//   CARTON_LOG_MODULE(log, debug, "my_runner::loader") << "...";
//
// Attributes added per record (names in kFileAttribute etc.): File (__FILE__ as the
// compiler spells it, often an absolute path: use -fmacro-prefix-map to shorten it),
// Line, and Module. Module is the enclosing function's name (__func__), because C++ has
// no module path like Rust's module_path!(); CARTON_LOG_MODULE names it explicitly.
// Inside a lambda __func__ is "operator()".
#pragma once

#include <string>

#include <boost/log/attributes/attribute_name.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/manipulators/add_value.hpp>

namespace carton::runtime {

using Logger =
    boost::log::sources::severity_channel_logger_mt<boost::log::trivial::severity_level, std::string>;

inline constexpr char kSdkChannel[] = "carton_runner_sdk";
inline constexpr char kFileAttribute[] = "File";
inline constexpr char kLineAttribute[] = "Line";
inline constexpr char kModuleAttribute[] = "Module";

// The SDK's own logger (channel kSdkChannel). Never destroyed, so it stays usable from
// static destructors and detached threads during exit.
Logger& sdk_logger();
// A logger whose channel (the record's target on the core) is `channel`.
Logger make_logger(std::string channel);

namespace detail {
// Attribute names are interned through a global lookup; resolve them once.
const boost::log::attribute_name& file_attribute();
const boost::log::attribute_name& line_attribute();
const boost::log::attribute_name& module_attribute();
}  // namespace detail

}  // namespace carton::runtime

// The attributes are only evaluated when the record passes the filters.
// add_value stores character arrays and pointers as std::string.
//
// `logger` is evaluated once and bound to a reference for the statement, so it may be
// a temporary (CARTON_LOG(make_logger("x"), info) compiles; BOOST_LOG_SEV alone needs
// an lvalue and names it twice). The two loops run their body exactly once; they exist
// to scope that reference and keep the macro one statement (safe under if/else).
#define CARTON_LOG_MODULE(logger, sev, module)                                                  \
  for (bool carton_log_once_ = true; carton_log_once_; carton_log_once_ = false)                 \
    for (auto&& carton_log_logger_ = (logger); carton_log_once_; carton_log_once_ = false)       \
  BOOST_LOG_SEV(carton_log_logger_, ::boost::log::trivial::sev)                                  \
      << ::boost::log::add_value(::carton::runtime::detail::file_attribute(), __FILE__)          \
      << ::boost::log::add_value(::carton::runtime::detail::line_attribute(),                    \
                                 static_cast<unsigned int>(__LINE__))                           \
      << ::boost::log::add_value(::carton::runtime::detail::module_attribute(), (module))

// sev: trace, debug, info, warning, error or fatal.
#define CARTON_LOG(logger, sev) CARTON_LOG_MODULE(logger, sev, __func__)
