#include "carton/runner/run.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "carton/runner/serve.hpp"
#include "carton/runner/startup.hpp"
#include "carton/runtime/boost_log_bridge.hpp"
#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/parent_death.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/limits.hpp"
#include "sandbox/confine.hpp"

#ifndef CARTON_SDK_VERSION
#define CARTON_SDK_VERSION "unknown"
#endif

// carton_add_runner(... SANDBOX_READ_ONLY <path>...) defines it in a generated source
// of the runner: a ':'-separated list. Weak: most runners do not define it.
extern "C" {
__attribute__((weak)) extern const char* const carton_sandbox_read_only_paths;
}

namespace carton::runner {
namespace {

// The revision comes from --core-revision, else CARTON_CORE_REVISION, else the schema's default.
wire::CoreRevision parse_revision(const std::string& text) {
  if (const auto rev = wire::parse_core_revision(text)) return *rev;
  throw CLI::ValidationError("--core-revision", "unknown core revision '" + text + "' (known: " +
                                                    wire::core_revision_names() + ")");
}

std::vector<std::string> sandbox_read_only(const RunnerInfo& info) {
  std::vector<std::string> out = info.sandbox.read_only_paths;
  if (&carton_sandbox_read_only_paths != nullptr && carton_sandbox_read_only_paths) {
    std::string_view list = carton_sandbox_read_only_paths;
    while (!list.empty()) {
      const auto colon = list.find(':');
      if (colon != 0) out.emplace_back(list.substr(0, colon));
      if (colon == std::string_view::npos) break;
      list.remove_prefix(colon + 1);
    }
  }
  return out;
}

}  // namespace

detail::Startup detail::start(int argc, char** argv, const RunnerInfo& info) {
  // Before anything reads the command line or the core's bytes; re-executes the binary.
  sandbox::confine_process(argv, sandbox_read_only(info), info.name);
  CLI::App app{info.name + ": a carton runner (carton-runner-sdk " CARTON_SDK_VERSION ")"};
  std::string uds_path;
  const char* env_revision = std::getenv("CARTON_CORE_REVISION");
  std::string revision{env_revision && *env_revision ? std::string_view(env_revision)
                                                     : wire::core_revision_name(wire::kDefaultCoreRevision)};
  Startup out;
  std::uint64_t bootstrap_timeout_ms = 30000;
  app.set_version_flag("--version", info.name + " " + info.version + " (carton-runner-sdk " CARTON_SDK_VERSION ")");
  app.add_option("--uds-path", uds_path, "The core's bootstrap socket (carton passes it)")->required();
  app.add_option("--core-revision", revision,
                 "The core revision to speak: " + wire::core_revision_names(" or ") +
                     " (default: $CARTON_CORE_REVISION or " +
                     std::string(wire::core_revision_name(wire::kDefaultCoreRevision)) + ")");
  app.add_option("--max-frame-bytes", out.options.max_frame_bytes, "Largest frame accepted on a channel")
      ->capture_default_str();
  app.add_option("--handler-threads", out.options.handler_threads, "Threads that run request handlers")
      ->capture_default_str();
  app.add_option("--bootstrap-timeout-ms", bootstrap_timeout_ms, "How long to wait for the core's channels")
      ->capture_default_str();
  std::int64_t max_reply_hold_us = out.options.max_reply_hold.count();
  app.add_option("--max-reply-hold-us", max_reply_hold_us,
                 "How long a cheap reply may wait to leave with those of the requests read with it (0: never)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}))
      ->capture_default_str();
  bool no_cpu_pin = false;
  app.add_flag("--no-cpu-pin", no_cpu_pin,
               "Let a thread serving cheap requests move between CPUs (by default it stays on one while it does)");
  try {
    app.parse(argc, argv);
    out.options.pin_cheap_work = !no_cpu_pin;
    out.options.revision = parse_revision(revision);
    out.options.max_reply_hold = std::chrono::microseconds(max_reply_hold_us);
  } catch (const CLI::ParseError& e) {
    out.exit_code = app.exit(e);
    return out;
  }

  try {
    // Die with the core: carton never reaps its runners itself.
    runtime::watch_parent();
    // From here on every Boost.Log record goes to the core (kept until it is there).
    out.options.logs = std::make_shared<runtime::LogForwarder>();
    out.options.trace = runtime::TraceWriter::from_env();
    runtime::install_log_bridge(out.options.logs, boost::log::trivial::trace, out.options.trace);
    runtime::UniqueFd bootstrap = runtime::connect_unix(uds_path);
    out.channels = runtime::receive_channels(bootstrap.get(), std::chrono::milliseconds(bootstrap_timeout_ms));
    // The last socket is connected: from here no socket, connect, ... (its log record
    // waits in the forwarder until the core's log channel is served).
    sandbox::confine_after_connect();
  } catch (const std::exception& e) {
    std::cerr << info.name << ": " << e.what() << "\n";
    out.exit_code = 1;
  }
  return out;
}

int run(int argc, char** argv, RunnerHandler& handler, const RunnerInfo& info) {
  detail::Startup s = detail::start(argc, argv, info);
  if (s.exit_code) return *s.exit_code;
  try {
    return serve(std::move(s.channels), handler, s.options);
  } catch (const std::exception& e) {
    std::cerr << info.name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace carton::runner
