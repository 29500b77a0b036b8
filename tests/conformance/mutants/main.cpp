// carton-runner-mutant: carton's noop runner with one fault switched on, for checking
// that the conformance suite catches it (test_mutants.py). The fault comes from
// `--mutant NAME` (before the core's arguments or after them) or CARTON_MUTANT=NAME;
// none runs the noop runner unchanged. `--list-faults` prints every fault, one a line.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "carton/runner/serve.hpp"
#include "carton/runner/startup.hpp"
#include "carton/wire/revisions.hpp"
#include "faults.hpp"
#include "mutant_handler.hpp"
#include "mutating_sink.hpp"

using namespace carton;
using mutants::Fault;

namespace {

// exclusive_instance's lock: one fixed path for every instance, the bug itself.
constexpr char kLockPath[] = "/tmp/carton-runner-mutant.lock";

// Takes --mutant NAME / --mutant=NAME out of argv (the SDK's parser does not know it).
std::string take_mutant_flag(std::vector<char*>& args) {
  const char* env = std::getenv("CARTON_MUTANT");
  std::string name = env ? env : "";
  for (std::size_t i = 1; i < args.size();) {
    const std::string a = args[i];
    if (a == "--mutant" && i + 1 < args.size()) {
      name = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
    } else if (a.rfind("--mutant=", 0) == 0) {
      name = a.substr(9);
      args.erase(args.begin() + i);
    } else {
      ++i;
    }
  }
  return name;
}

wire::CoreRevision other_revision(wire::CoreRevision r) {
  for (const auto& info : wire::kCoreRevisions) {
    if (info.revision != r) return info.revision;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  if (args.size() == 2 && std::string(args[1]) == "--list-faults") {
    for (const auto& f : mutants::faults()) std::cout << f.name << "  " << f.what << "\n";
    return 0;
  }
  const std::string name = take_mutant_flag(args);
  const auto fault = mutants::parse_fault(name);
  if (!fault) {
    std::cerr << "carton-runner-mutant: unknown fault '" << name << "' (--list-faults lists them)\n";
    return 2;
  }
  if (*fault == Fault::kExclusiveInstance) {
    const int lock = ::open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
      std::cerr << "carton-runner-mutant: another instance holds " << kLockPath << "\n";
      return 1;
    }
  }
  auto s = runner::detail::start(static_cast<int>(args.size()), args.data(), {"carton-runner-mutant", "0.1.0"});
  if (s.exit_code) return *s.exit_code;

  mutants::MutantState state(*fault);
  switch (*fault) {
    case Fault::kNoLogs: s.options.logs.reset(); break;  // records stay buffered, never sent
    case Fault::kNoParentDeath: ::prctl(PR_SET_PDEATHSIG, 0); break;
    case Fault::kWrongRevision: s.options.revision = other_revision(s.options.revision); break;
    case Fault::kStrayBytes:
    case Fault::kStrayFrame: state.stray_fd = ::fcntl(s.channels.rpc.get(), F_DUPFD_CLOEXEC, 0); break;
    default: break;
  }
  mutants::MutantHandler handler(*fault);
  const int rc = runner::detail::serve_with(
      std::move(s.channels),
      [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
        std::uint64_t seen = state.highest_id.load();
        while (request.id.value > seen && !state.highest_id.compare_exchange_weak(seen, request.id.value)) {
        }
        if (*fault == Fault::kFdLeakPerRequest) (void)::open("/dev/null", O_RDONLY | O_CLOEXEC);
        auto mutating = std::make_shared<mutants::MutatingSink>(sink, state, request);
        runner::dispatch(handler, std::move(request), mutating);
      },
      [&](runner::RunnerContext* context) { handler.attach_context(context); }, s.options);
  if (*fault == Fault::kLingerAfterEof) {
    for (;;) ::pause();
  }
  if (*fault == Fault::kExitNonzero) return 3;
  return rc;
}
