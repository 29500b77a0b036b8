#define BOOST_TEST_MODULE carton_logging
#include <unistd.h>

#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/trivial.hpp>
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "carton/runtime/boost_log_bridge.hpp"
#include "carton/runtime/log.hpp"
#include "carton/runtime/log_forwarder.hpp"
#include "carton/runtime/trace.hpp"
#include "carton/wire/json_value.hpp"

// Printers for failure messages.
namespace carton::wire {
inline std::ostream& boost_test_print_type(std::ostream& os, Level level) {
  return os << "Level(" << static_cast<std::uint32_t>(level) << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, JsonValue::Kind kind) { return os << json_kind_name(kind); }
}  // namespace carton::wire
namespace boost::test_tools::tt_detail {
template <class T>
struct print_log_value<std::optional<T>> {
  void operator()(std::ostream& os, const std::optional<T>& v) {
    if (v) {
      os << *v;
    } else {
      os << "None";
    }
  }
};
}  // namespace boost::test_tools::tt_detail

using namespace carton::runtime;
using carton::wire::Level;
using carton::wire::LogRecord;
namespace trivial = boost::log::trivial;

namespace {

// Collects what the sink receives. The forwarder serialises sink calls; the lock is for
// the test's own reads from other threads.
struct Collector {
  std::mutex mutex;
  std::vector<LogRecord> records;

  LogForwarder::Sink sink() {
    return [this](LogRecord&& r) {
      std::lock_guard<std::mutex> lock(mutex);
      records.push_back(std::move(r));
    };
  }
  std::vector<LogRecord> take() {
    std::lock_guard<std::mutex> lock(mutex);
    return std::move(records);
  }
};

// A bridge to a fresh forwarder with an attached collector, removed afterwards so the
// global Boost.Log core is clean for the next test.
struct BridgeFixture {
  std::shared_ptr<LogForwarder> forwarder = std::make_shared<LogForwarder>();
  Collector collector;
  explicit BridgeFixture(trivial::severity_level min = trivial::trace,
                         std::shared_ptr<TraceWriter> trace = nullptr) {
    install_log_bridge(forwarder, min, std::move(trace));
    forwarder->attach(collector.sink());
  }
  ~BridgeFixture() { remove_log_bridge(); }
};

LogRecord record(std::string args, Level level = Level::Info) {
  LogRecord r;
  r.metadata.level = level;
  r.metadata.target = "test";
  r.args = std::move(args);
  return r;
}

// Runs f; a hang (a deadlock is the failure these tests look for) ends the process with
// a message instead of stalling CI. Not a speed assertion: the limit is generous.
template <class F>
void within_seconds(int seconds, const char* what, F f) {
  auto done = std::async(std::launch::async, std::move(f));
  if (done.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: %s did not finish within %d s (deadlock?)\n", what, seconds);
    std::_Exit(1);
  }
  done.get();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A temporary file name, removed on destruction.
struct TempPath {
  std::string path;
  TempPath() {
    char buf[] = "/tmp/carton_logging_test_XXXXXX";
    const int fd = ::mkstemp(buf);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    path = buf;
  }
  ~TempPath() { std::remove(path.c_str()); }
};

// The trace file read with the SDK's JSON reader (which fails on any syntax error,
// naming line and column), in the shape these checks read it: numbers as doubles,
// objects by key.
struct Json {
  using Kind = carton::wire::JsonValue::Kind;
  static constexpr Kind kNull = Kind::kNull, kBool = Kind::kBool, kNumber = Kind::kNumber,
                        kString = Kind::kString, kArray = Kind::kArray, kObject = Kind::kObject;
  Kind kind = kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  bool has(const std::string& key) const { return kind == kObject && object.count(key) != 0; }
  const Json& operator[](const std::string& key) const {
    auto it = object.find(key);
    if (it == object.end()) throw std::runtime_error("no key " + key);
    return it->second;
  }
};

Json to_json(const carton::wire::JsonValue& v) {
  Json out;
  out.kind = v.kind;
  out.boolean = v.boolean;
  if (v.kind == Json::kNumber) out.number = std::stod(v.text);
  if (v.kind == Json::kString) out.string = v.text;
  for (const auto& item : v.items) out.array.push_back(to_json(item));
  for (const auto& [key, member] : v.members) out.object.emplace(key, to_json(member));
  return out;
}

Json parse_json(const std::string& s) { return to_json(carton::wire::parse_json(s)); }

std::vector<const Json*> events_with_phase(const Json& trace, const std::string& ph) {
  std::vector<const Json*> out;
  for (const Json& e : trace.array) {
    if (e["ph"].string == ph) out.push_back(&e);
  }
  return out;
}

// Logs from a function with a known name so the test can check Module. The statement
// and __LINE__ share a line on purpose.
unsigned log_from_named_function(Logger& logger) {
  CARTON_LOG(logger, warning) << "located " << 42; return __LINE__;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bridge)

BOOST_AUTO_TEST_CASE(level_mapping_covers_all_six_boost_levels) {
  BOOST_TEST(to_wire_level(trivial::fatal) == Level::Error);
  BOOST_TEST(to_wire_level(trivial::error) == Level::Error);
  BOOST_TEST(to_wire_level(trivial::warning) == Level::Warn);
  BOOST_TEST(to_wire_level(trivial::info) == Level::Info);
  BOOST_TEST(to_wire_level(trivial::debug) == Level::Debug);
  BOOST_TEST(to_wire_level(trivial::trace) == Level::Trace);

  // And end to end, through the Boost.Log core and the installed sink.
  BridgeFixture f;
  Logger log = make_logger("levels");
  CARTON_LOG(log, trace) << "t";
  CARTON_LOG(log, debug) << "d";
  CARTON_LOG(log, info) << "i";
  CARTON_LOG(log, warning) << "w";
  CARTON_LOG(log, error) << "e";
  CARTON_LOG(log, fatal) << "f";
  const auto got = f.collector.take();
  const std::vector<Level> expected{Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error, Level::Error};
  BOOST_REQUIRE_EQUAL(got.size(), expected.size());
  const std::vector<std::string> messages{"t", "d", "i", "w", "e", "f"};
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].metadata.level == expected[i], "record " << i);
    BOOST_TEST(got[i].args == messages[i]);
  }
}

BOOST_AUTO_TEST_CASE(channel_becomes_target) {
  BridgeFixture f;
  Logger mine = make_logger("my_runner::loader");
  CARTON_LOG(mine, info) << "a";
  CARTON_LOG(sdk_logger(), error) << "text";
  const auto got = f.collector.take();
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].metadata.target == "my_runner::loader");
  BOOST_TEST(got[1].metadata.target == "carton_runner_sdk");
  BOOST_TEST(got[1].metadata.level == Level::Error);
  BOOST_TEST(got[1].args == "text");
}

// A runner author's first try: a logger made in the statement. It must compile, log
// once with that logger's channel, and stay one statement under if/else.
BOOST_AUTO_TEST_CASE(carton_log_takes_a_temporary_logger) {
  BridgeFixture f;
  int evaluated = 0;
  const auto make = [&] {
    ++evaluated;
    return make_logger("made_here");
  };
  CARTON_LOG(make(), info) << "from a temporary";
  const bool flag = false;
  if (flag)
    CARTON_LOG(make_logger("never"), error) << "not logged";
  else
    CARTON_LOG(make_logger("else_branch"), warning) << "else";
  const auto got = f.collector.take();
  BOOST_TEST(evaluated == 1);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].metadata.target == "made_here");
  BOOST_TEST(got[0].args == "from a temporary");
  BOOST_TEST(got[1].metadata.target == "else_branch");
  BOOST_TEST(got[1].metadata.level == Level::Warn);
}

BOOST_AUTO_TEST_CASE(carton_log_attaches_file_line_and_module) {
  BridgeFixture f;
  Logger log = make_logger("loc");
  const unsigned line = log_from_named_function(log);
  const std::string module_name = "explicit::module";
  CARTON_LOG_MODULE(log, info, module_name) << "m1"; const unsigned line2 = __LINE__;
  CARTON_LOG_MODULE(log, info, "literal_module") << "m2";

  const auto got = f.collector.take();
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0].args == "located 42");
  BOOST_TEST(got[0].metadata.level == Level::Warn);
  BOOST_REQUIRE(got[0].file.has_value());
  BOOST_TEST(*got[0].file == __FILE__);
  BOOST_TEST(got[0].line == std::optional<std::uint32_t>(line));
  BOOST_TEST(got[0].module_path == std::optional<std::string>("log_from_named_function"));
  BOOST_TEST(got[1].module_path == std::optional<std::string>("explicit::module"));
  BOOST_TEST(got[1].line == std::optional<std::uint32_t>(line2));
  BOOST_TEST(got[2].module_path == std::optional<std::string>("literal_module"));
}

BOOST_AUTO_TEST_CASE(plain_boost_log_records_forward_without_location) {
  BridgeFixture f;
  BOOST_LOG_TRIVIAL(warning) << "plain " << 7;
  boost::log::sources::severity_logger_mt<trivial::severity_level> no_channel;
  BOOST_LOG_SEV(no_channel, trivial::debug) << "sev";
  Logger with_channel = make_logger("chan");
  BOOST_LOG_SEV(with_channel, trivial::error) << "no location";

  const auto got = f.collector.take();
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0].args == "plain 7");
  BOOST_TEST(got[0].metadata.level == Level::Warn);
  BOOST_TEST(got[0].metadata.target == "");
  BOOST_TEST(got[1].metadata.level == Level::Debug);
  BOOST_TEST(got[2].metadata.target == "chan");
  for (const auto& r : got) {
    BOOST_TEST(!r.file.has_value());
    BOOST_TEST(!r.line.has_value());
    BOOST_TEST(!r.module_path.has_value());
  }
}

BOOST_AUTO_TEST_CASE(min_severity_filters_before_forwarding) {
  BridgeFixture f(trivial::warning);
  Logger log = make_logger("min");
  CARTON_LOG(log, info) << "dropped by filter";
  CARTON_LOG(log, debug) << "dropped by filter";
  CARTON_LOG(log, warning) << "kept";
  BOOST_LOG_TRIVIAL(trace) << "dropped by filter";
  const auto got = f.collector.take();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].args == "kept");
  BOOST_TEST(f.forwarder->dropped() == 0u);  // filtered records are not "dropped"
}

BOOST_AUTO_TEST_CASE(records_before_attach_are_buffered_in_order) {
  auto forwarder = std::make_shared<LogForwarder>();
  install_log_bridge(forwarder);
  Logger log = make_logger("early");
  for (int i = 0; i < 10; ++i) CARTON_LOG(log, info) << "early " << i;
  Collector c;
  BOOST_TEST(c.take().empty());
  forwarder->attach(c.sink());
  CARTON_LOG(log, info) << "late";
  remove_log_bridge();

  const auto got = c.take();
  BOOST_REQUIRE_EQUAL(got.size(), 11u);
  for (int i = 0; i < 10; ++i) BOOST_TEST(got[i].args == "early " + std::to_string(i));
  BOOST_TEST(got[10].args == "late");
  BOOST_TEST(forwarder->dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(remove_log_bridge_stops_forwarding) {
  auto forwarder = std::make_shared<LogForwarder>();
  Collector c;
  forwarder->attach(c.sink());
  install_log_bridge(forwarder);
  install_log_bridge(forwarder);  // replaces, does not duplicate
  BOOST_LOG_TRIVIAL(info) << "one";
  remove_log_bridge();
  remove_log_bridge();  // idempotent
  BOOST_LOG_TRIVIAL(info) << "not forwarded";  // goes to Boost's default stderr sink
  const auto got = c.take();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].args == "one");
}

BOOST_AUTO_TEST_CASE(sink_that_logs_is_not_reentered) {
  auto forwarder = std::make_shared<LogForwarder>();
  install_log_bridge(forwarder);
  std::vector<LogRecord> got;
  forwarder->attach([&](LogRecord&& r) {
    got.push_back(std::move(r));
    // Both ways a sink can log: through Boost.Log and straight to the forwarder.
    CARTON_LOG(sdk_logger(), error) << "from inside the sink";
    forwarder->publish(record("direct from inside the sink"));
  });
  within_seconds(60, "re-entrant logging", [&] {
    CARTON_LOG(sdk_logger(), info) << "outer 1";
    CARTON_LOG(sdk_logger(), info) << "outer 2";
  });
  remove_log_bridge();
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].args == "outer 1");
  BOOST_TEST(got[1].args == "outer 2");
  BOOST_TEST(forwarder->dropped() == 4u);
}

BOOST_AUTO_TEST_CASE(concurrent_logging_with_a_logging_sink_does_not_deadlock) {
  // attach() runs the sink for the backlog while other threads log through Boost.Log.
  // With a second lock in the Boost.Log frontend (a synchronous_sink), the sink's own
  // record would wait for that lock while its holder waits for the forwarder: deadlock.
  constexpr int kRounds = 20, kThreads = 4, kEach = 300;
  for (int round = 0; round < kRounds; ++round) {
    auto forwarder = std::make_shared<LogForwarder>(1u << 20);
    install_log_bridge(forwarder);
    std::atomic<std::size_t> delivered{0};
    std::atomic<int> started{0};
    within_seconds(60, "concurrent re-entrant logging", [&] {
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          Logger log = make_logger("thread " + std::to_string(t));
          started.fetch_add(1);
          for (int i = 0; i < kEach; ++i) CARTON_LOG(log, info) << i;
        });
      }
      while (started.load() < kThreads) std::this_thread::yield();
      forwarder->attach([&](LogRecord&&) {
        delivered.fetch_add(1);
        CARTON_LOG(sdk_logger(), debug) << "nested";
      });
      for (auto& th : threads) th.join();
    });
    remove_log_bridge();
    BOOST_TEST(delivered.load() == std::size_t{kThreads * kEach});
    BOOST_TEST(forwarder->dropped() == std::size_t{kThreads * kEach});  // one nested record each
  }
}

BOOST_AUTO_TEST_CASE(records_reach_the_trace_too) {
  TempPath tmp;
  auto trace = std::make_shared<TraceWriter>(tmp.path);
  {
    BridgeFixture f(trivial::trace, trace);
    Logger log = make_logger("traced");
    CARTON_LOG(log, warning) << "into both";
    BOOST_REQUIRE_EQUAL(f.collector.take().size(), 1u);
  }
  trace.reset();  // the bridge was removed, so this was the last reference: closes the file
  const Json doc = parse_json(read_file(tmp.path));
  const auto instants = events_with_phase(doc, "i");
  BOOST_REQUIRE_EQUAL(instants.size(), 1u);
  BOOST_TEST((*instants[0])["name"].string == "into both");
  BOOST_TEST((*instants[0])["cat"].string == "traced");
  BOOST_TEST((*instants[0])["args"]["level"].string == "WARN");
  BOOST_TEST((*instants[0])["args"]["module"].string == "test_method");
  BOOST_TEST((*instants[0])["args"]["file"].string == __FILE__);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(forwarder)

BOOST_AUTO_TEST_CASE(buffer_bound_keeps_the_oldest_and_counts_the_rest) {
  LogForwarder forwarder(3);
  for (int i = 0; i < 5; ++i) forwarder.publish(record("r" + std::to_string(i)));
  BOOST_TEST(forwarder.dropped() == 2u);
  Collector c;
  forwarder.attach(c.sink());
  forwarder.publish(record("after"));
  const auto got = c.take();
  BOOST_REQUIRE_EQUAL(got.size(), 5u);
  BOOST_TEST(got[0].args == "r0");
  BOOST_TEST(got[1].args == "r1");
  BOOST_TEST(got[2].args == "r2");
  // The core learns that records are missing.
  BOOST_TEST(got[3].metadata.level == Level::Warn);
  BOOST_TEST(got[3].metadata.target == "carton_runner_sdk");
  BOOST_TEST(got[3].args.find("2 log records were dropped") == 0u, got[3].args);
  BOOST_TEST(got[4].args == "after");
  BOOST_TEST(forwarder.dropped() == 2u);
}

BOOST_AUTO_TEST_CASE(zero_sized_buffer_drops_everything_before_attach) {
  LogForwarder forwarder(0);
  forwarder.publish(record("lost"));
  Collector c;
  forwarder.attach(c.sink());
  forwarder.publish(record("kept"));
  const auto got = c.take();
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].metadata.level == Level::Warn);
  BOOST_TEST(got[1].args == "kept");
  BOOST_TEST(forwarder.dropped() == 1u);
}

BOOST_AUTO_TEST_CASE(after_detach_records_are_dropped_without_blocking_or_throwing) {
  LogForwarder forwarder;
  Collector c;
  forwarder.attach(c.sink());
  forwarder.publish(record("before"));
  forwarder.detach();
  within_seconds(60, "publish after detach", [&] {
    for (int i = 0; i < 1000; ++i) forwarder.publish(record("after"));  // noexcept
  });
  forwarder.attach(c.sink());  // final: no effect
  forwarder.publish(record("after reattach"));
  forwarder.detach();          // idempotent
  const auto got = c.take();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].args == "before");
  BOOST_TEST(forwarder.dropped() == 1001u);
}

BOOST_AUTO_TEST_CASE(detach_drops_and_counts_the_backlog) {
  LogForwarder forwarder;
  for (int i = 0; i < 4; ++i) forwarder.publish(record("never sent"));
  forwarder.detach();
  BOOST_TEST(forwarder.dropped() == 4u);
}

BOOST_AUTO_TEST_CASE(detach_releases_the_sink) {
  LogForwarder forwarder;
  auto token = std::make_shared<int>(0);
  forwarder.attach([token](LogRecord&&) {});
  BOOST_TEST(token.use_count() == 2);
  forwarder.detach();
  BOOST_TEST(token.use_count() == 1);  // e.g. the sink's channel is released
}

BOOST_AUTO_TEST_CASE(sink_may_detach_from_inside) {
  LogForwarder forwarder;
  for (int i = 0; i < 3; ++i) forwarder.publish(record("b" + std::to_string(i)));
  std::vector<std::string> got;
  within_seconds(60, "detach from inside the sink", [&] {
    forwarder.attach([&](LogRecord&& r) {
      got.push_back(r.args);
      forwarder.detach();  // e.g. the send failed: the core is gone
    });
    forwarder.publish(record("after"));
  });
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0] == "b0");
  BOOST_TEST(forwarder.dropped() == 3u);  // b1, b2 and "after"
}

BOOST_AUTO_TEST_CASE(a_throwing_sink_does_not_propagate) {
  auto forwarder = std::make_shared<LogForwarder>();
  forwarder->publish(record("buffered"));
  int calls = 0;
  BOOST_CHECK_NO_THROW(forwarder->attach([&](LogRecord&&) {
    ++calls;
    throw std::runtime_error("channel closed");
  }));
  BOOST_CHECK_NO_THROW(forwarder->publish(record("direct")));
  install_log_bridge(forwarder);
  BOOST_CHECK_NO_THROW(CARTON_LOG(sdk_logger(), error) << "through Boost.Log");
  remove_log_bridge();
  BOOST_TEST(calls == 3);
  BOOST_TEST(forwarder->dropped() == 3u);

  LogForwarder empty_sink;
  empty_sink.attach(LogForwarder::Sink{});
  BOOST_CHECK_NO_THROW(empty_sink.publish(record("x")));
  BOOST_TEST(empty_sink.dropped() == 1u);
}

BOOST_AUTO_TEST_CASE(eight_threads_deliver_every_record_exactly_once_and_in_thread_order) {
  constexpr int kThreads = 8, kEach = 5000;
  // Room for everything, so that attaching in the middle of the stream loses nothing.
  LogForwarder forwarder(kThreads * kEach);
  std::vector<std::vector<int>> seen(kThreads);
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  within_seconds(120, "concurrent publishing", [&] {
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        started.fetch_add(1);
        for (int i = 0; i < kEach; ++i) {
          LogRecord r = record(std::to_string(t) + ":" + std::to_string(i));
          forwarder.publish(std::move(r));
        }
      });
    }
    while (started.load() < kThreads) std::this_thread::yield();
    // Attach while the threads publish: the backlog and the live records must meet
    // without loss, duplication or reordering.
    forwarder.attach([&](LogRecord&& r) {
      const auto colon = r.args.find(':');
      const int t = std::stoi(r.args.substr(0, colon));
      seen[t].push_back(std::stoi(r.args.substr(colon + 1)));
    });
    for (auto& th : threads) th.join();
  });
  BOOST_TEST(forwarder.dropped() == 0u);
  for (int t = 0; t < kThreads; ++t) {
    BOOST_REQUIRE_EQUAL(seen[t].size(), std::size_t{kEach});
    for (int i = 0; i < kEach; ++i) {
      if (seen[t][i] != i) {
        BOOST_FAIL("thread " << t << ": position " << i << " holds record " << seen[t][i]);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(strings_are_made_valid_utf8) {
  BOOST_TEST(lossy_utf8("plain ascii") == "plain ascii");
  BOOST_TEST(lossy_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  const std::string fffd = "\xEF\xBF\xBD";
  BOOST_TEST(lossy_utf8("a\xFFz") == "a" + fffd + "z");
  // A truncated sequence is one replacement (Rust's from_utf8_lossy does the same).
  BOOST_TEST(lossy_utf8("\xE2\x82" "A") == fffd + "A");
  BOOST_TEST(lossy_utf8("end\xF0\x9F\x98") == "end" + fffd);
  BOOST_TEST(lossy_utf8("\xED\xA0\x80") == fffd + fffd + fffd);  // a surrogate
  BOOST_TEST(lossy_utf8("\xC0\xAF") == fffd + fffd);              // overlong
  BOOST_TEST(lossy_utf8(std::string("nul\0ok", 6)) == std::string("nul\0ok", 6));

  LogForwarder forwarder;
  Collector c;
  forwarder.attach(c.sink());
  LogRecord r = record("bad \xFF byte");
  r.metadata.target = "t\xFE";
  r.file = "/path/\xE9t\xE9.cpp";  // Latin-1
  r.module_path = "m";
  forwarder.publish(std::move(r));
  const auto got = c.take();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].args == "bad " + fffd + " byte");
  BOOST_TEST(got[0].metadata.target == "t" + fffd);
  BOOST_TEST(*got[0].file == "/path/" + fffd + "t" + fffd + ".cpp");
  BOOST_TEST(*got[0].module_path == "m");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trace)

BOOST_AUTO_TEST_CASE(writes_one_complete_event_per_span_as_valid_json) {
  TempPath tmp;
  {
    TraceWriter writer(tmp.path);
    { auto s = writer.span("load", 0); }
    {
      auto s = writer.span("infer \"quoted\"\n", 7);
      TraceWriter::Span moved = std::move(s);  // the moved-from span writes nothing
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::thread([&] { auto s = writer.span("on another thread", 9); }).join();
    { auto ended = writer.span("ended early", 11); ended.end(); ended.end(); }
    TraceWriter::Span inert;  // tracing off: does nothing
    inert.end();
    LogRecord r = record("a log line", Level::Error);
    r.line = 12;
    writer.log(r);
  }
  const std::string text = read_file(tmp.path);
  BOOST_TEST(text.front() == '[');
  const Json doc = parse_json(text);
  BOOST_REQUIRE(doc.kind == Json::kArray);

  const auto spans = events_with_phase(doc, "X");
  BOOST_REQUIRE_EQUAL(spans.size(), 4u);
  std::map<std::string, const Json*> by_name;
  for (const Json* e : spans) {
    for (const char* key : {"ph", "ts", "dur", "pid", "tid", "name", "args"}) {
      BOOST_TEST(e->has(key), "X event lacks " << key);
    }
    BOOST_TEST((*e)["pid"].number == static_cast<double>(::getpid()));
    BOOST_TEST((*e)["ts"].number >= 0.0);
    BOOST_TEST((*e)["dur"].number >= 0.0);
    by_name[(*e)["name"].string] = e;
  }
  BOOST_REQUIRE(by_name.count("infer \"quoted\"\n"));
  BOOST_TEST((*by_name["load"])["args"]["id"].number == 0);
  BOOST_TEST((*by_name["infer \"quoted\"\n"])["args"]["id"].number == 7);
  BOOST_TEST((*by_name["infer \"quoted\"\n"])["dur"].number >= 2000.0);  // slept 2 ms
  BOOST_TEST((*by_name["on another thread"])["args"]["id"].number == 9);
  BOOST_TEST((*by_name["ended early"])["args"]["id"].number == 11);
  BOOST_TEST((*by_name["on another thread"])["tid"].number != (*by_name["load"])["tid"].number);
  BOOST_TEST((*by_name["load"])["ts"].number <= (*by_name["on another thread"])["ts"].number);

  const auto instants = events_with_phase(doc, "i");
  BOOST_REQUIRE_EQUAL(instants.size(), 1u);
  BOOST_TEST((*instants[0])["name"].string == "a log line");
  BOOST_TEST((*instants[0])["args"]["level"].string == "ERROR");
  BOOST_TEST((*instants[0])["args"]["line"].number == 12);

  // One thread_name per thread that wrote.
  BOOST_TEST(events_with_phase(doc, "M").size() == 2u);
}

BOOST_AUTO_TEST_CASE(concurrent_spans_all_land_in_valid_json) {
  TempPath tmp;
  constexpr int kThreads = 8, kEach = 200;
  {
    TraceWriter writer(tmp.path);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) auto s = writer.span("s", static_cast<std::uint64_t>(t * kEach + i));
      });
    }
    for (auto& th : threads) th.join();
    writer.flush();
  }
  const Json doc = parse_json(read_file(tmp.path));
  const auto spans = events_with_phase(doc, "X");
  BOOST_REQUIRE_EQUAL(spans.size(), std::size_t{kThreads * kEach});
  std::vector<int> ids(kThreads * kEach, 0);
  for (const Json* e : spans) ++ids.at(static_cast<std::size_t>((*e)["args"]["id"].number));
  for (int n : ids) BOOST_TEST(n == 1);
}

BOOST_AUTO_TEST_CASE(an_empty_trace_is_an_empty_array) {
  TempPath tmp;
  { TraceWriter writer(tmp.path); }
  const Json doc = parse_json(read_file(tmp.path));
  BOOST_TEST(doc.kind == Json::kArray);
  BOOST_TEST(doc.array.empty());
}

BOOST_AUTO_TEST_CASE(from_env_reads_carton_runner_trace_file) {
  ::unsetenv(TraceWriter::kEnvVar);
  BOOST_TEST(!TraceWriter::from_env());
  ::setenv(TraceWriter::kEnvVar, "", 1);
  BOOST_TEST(!TraceWriter::from_env());

  TempPath tmp;
  ::setenv(TraceWriter::kEnvVar, tmp.path.c_str(), 1);
  {
    auto writer = TraceWriter::from_env();
    BOOST_REQUIRE(writer);
    BOOST_TEST(writer->path() == tmp.path);
    auto s = writer->span("x", 1);
  }
  BOOST_TEST(events_with_phase(parse_json(read_file(tmp.path)), "X").size() == 1u);

  // An unusable path turns tracing off instead of stopping the runner.
  ::setenv(TraceWriter::kEnvVar, "/nonexistent-dir/for/sure/trace.json", 1);
  BOOST_TEST(!TraceWriter::from_env());
  BOOST_CHECK_THROW(TraceWriter("/nonexistent-dir/for/sure/trace.json"), std::system_error);
  ::unsetenv(TraceWriter::kEnvVar);
}

BOOST_AUTO_TEST_SUITE_END()
