#include "bpf_program.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace carton::sandbox {
namespace {

#if defined(__x86_64__)
constexpr std::uint32_t kArch = AUDIT_ARCH_X86_64;
// x32 calls share the architecture value and set this bit in the number.
constexpr std::uint32_t kX32Bit = 0x40000000;
#elif defined(__aarch64__)
constexpr std::uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
#error "carton's sandbox knows x86_64 and aarch64 only"
#endif

// A jump offset is 8 bits: a rule body longer than this could not be skipped.
constexpr std::size_t kMaxRuleBody = 255;

constexpr std::uint32_t arg_low(int arg) {
  return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * arg);  // little endian
}

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}
sock_filter ret(std::uint32_t action) { return stmt(BPF_RET | BPF_K, action); }
sock_filter load(std::uint32_t offset) { return stmt(BPF_LD | BPF_W | BPF_ABS, offset); }

}  // namespace

BpfProgram::BpfProgram() {
  code_.push_back(load(offsetof(seccomp_data, arch)));
  code_.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0));
  code_.push_back(ret(SECCOMP_RET_ERRNO | ENOSYS));
  code_.push_back(load(offsetof(seccomp_data, nr)));
#if defined(__x86_64__)
  code_.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, kX32Bit, 0, 1));
  code_.push_back(ret(SECCOMP_RET_ERRNO | ENOSYS));
#endif
}

void BpfProgram::add_rule(int nr, const std::vector<sock_filter>& body) {
  if (body.size() > kMaxRuleBody) throw std::logic_error("seccomp rule for syscall " + std::to_string(nr) + " too long");
  // The accumulator holds the number on entry to every rule: a body may load an
  // argument, but it ends in a return on every path, and a call that is not `nr`
  // jumps over it with the accumulator untouched.
  code_.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(nr), 0,
                       static_cast<std::uint8_t>(body.size())));
  code_.insert(code_.end(), body.begin(), body.end());
}

void BpfProgram::always(int nr, std::uint32_t action) { add_rule(nr, {ret(action)}); }

void BpfProgram::unless_arg_in(int nr, int arg, const std::vector<std::uint32_t>& allowed, std::uint32_t action) {
  std::vector<sock_filter> body{load(arg_low(arg))};
  const std::size_t n = allowed.size();
  for (std::size_t i = 0; i < n; ++i) {
    // A match jumps over the remaining compares and the denial, to the allow.
    body.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, allowed[i], static_cast<std::uint8_t>(n - i), 0));
  }
  body.push_back(ret(action));
  body.push_back(ret(SECCOMP_RET_ALLOW));
  add_rule(nr, body);
}

void BpfProgram::unless_args_in(int nr, const std::vector<ArgIn>& conditions, std::uint32_t action) {
  std::vector<sock_filter> body;
  for (const ArgIn& c : conditions) {
    body.push_back(load(arg_low(c.arg)));
    const std::size_t n = c.allowed.size();
    for (std::size_t i = 0; i < n; ++i) {
      // A match jumps over the remaining compares and this condition's denial, to the
      // next condition (or the allow).
      body.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, c.allowed[i], static_cast<std::uint8_t>(n - i), 0));
    }
    body.push_back(ret(action));
  }
  body.push_back(ret(SECCOMP_RET_ALLOW));
  add_rule(nr, body);
}

void BpfProgram::when_arg_has_bits(int nr, int arg, std::uint32_t mask, std::uint32_t action) {
  add_rule(nr, {load(arg_low(arg)), jump(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1), ret(action), ret(SECCOMP_RET_ALLOW)});
}

void BpfProgram::unless_arg_has_bits(int nr, int arg, std::uint32_t mask, std::uint32_t action) {
  add_rule(nr, {load(arg_low(arg)), stmt(BPF_ALU | BPF_AND | BPF_K, mask),
                jump(BPF_JMP | BPF_JEQ | BPF_K, mask, 1, 0), ret(action), ret(SECCOMP_RET_ALLOW)});
}

void BpfProgram::when_arg_in(int nr, int arg, const std::vector<std::uint32_t>& denied, bool negative_too,
                             std::uint32_t action) {
  std::vector<sock_filter> body{load(arg_low(arg))};
  const std::size_t n = denied.size() + (negative_too ? 1 : 0);
  for (std::size_t i = 0; i < denied.size(); ++i) {
    // A match jumps over the remaining tests and the allow, to the denial.
    body.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, denied[i], static_cast<std::uint8_t>(n - i), 0));
  }
  if (negative_too) body.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, 0x80000000u, 1, 0));
  body.push_back(ret(SECCOMP_RET_ALLOW));
  body.push_back(ret(action));
  add_rule(nr, body);
}

std::vector<sock_filter> BpfProgram::finish() {
  code_.push_back(ret(SECCOMP_RET_ALLOW));
  return std::move(code_);
}

}  // namespace carton::sandbox
