#include "carton/runtime/log.hpp"

#include <utility>

namespace carton::runtime {

Logger& sdk_logger() {
  // Leaked on purpose: a function-local static would be destroyed at exit while other
  // threads or static destructors may still log.
  static Logger* const logger = new Logger(boost::log::keywords::channel = std::string(kSdkChannel));
  return *logger;
}

Logger make_logger(std::string channel) {
  return Logger(boost::log::keywords::channel = std::move(channel));
}

namespace detail {

const boost::log::attribute_name& file_attribute() {
  static const boost::log::attribute_name name(kFileAttribute);
  return name;
}

const boost::log::attribute_name& line_attribute() {
  static const boost::log::attribute_name name(kLineAttribute);
  return name;
}

const boost::log::attribute_name& module_attribute() {
  static const boost::log::attribute_name name(kModuleAttribute);
  return name;
}

}  // namespace detail
}  // namespace carton::runtime
