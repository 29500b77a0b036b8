// The Boost.Log sink that turns every record into a wire::LogRecord for the core.
//
// Mapping: severity fatal and error -> Error, warning -> Warn, info -> Info,
// debug -> Debug, trace -> Trace; a record without a boost::log::trivial Severity
// (another logger type) counts as info. target = the Channel attribute ("" if none);
// args = the message; module_path, file, line = the Module, File and Line attributes
// CARTON_LOG adds (log.hpp), absent for BOOST_LOG_TRIVIAL and other plain records.
//
// The sink is a boost::log::sinks::unlocked_sink, not a synchronous_sink: the forwarder
// already serialises, and a second lock would invert with the forwarder's when a sink
// logs (thread A holds the forwarder's lock and logs; thread B holds the frontend's lock
// and publishes). With one lock, a record logged from inside the forwarder's sink is
// simply dropped by the forwarder (counted in dropped()), never recursed into.
//
// Once any sink is installed Boost.Log drops its default stderr output; the core prints
// the records instead, as it does for the Rust runners.
#pragma once

#include <memory>

#include <boost/log/core/record_view.hpp>
#include <boost/log/trivial.hpp>

#include "carton/runtime/log_forwarder.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::runtime {

class TraceWriter;

// Registers the sink with the global Boost.Log core, replacing one installed before.
// Records below `min` are not forwarded; the default forwards everything, as the Rust
// runners do, and leaves filtering to the core. With `trace`, each record also becomes
// an instant event in the trace (trace.hpp).
void install_log_bridge(std::shared_ptr<LogForwarder> forwarder,
                        boost::log::trivial::severity_level min = boost::log::trivial::trace,
                        std::shared_ptr<TraceWriter> trace = nullptr);
// Unregisters it (shutdown, tests). Records being forwarded on other threads finish.
void remove_log_bridge();

wire::Level to_wire_level(boost::log::trivial::severity_level severity);
wire::LogRecord to_wire_record(const boost::log::record_view& record);

}  // namespace carton::runtime
