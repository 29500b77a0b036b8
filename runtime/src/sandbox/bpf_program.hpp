// A seccomp-bpf program written as a list of per-syscall rules, each of which ends in a
// return on every path, so jumps stay local and no label arithmetic spans the program.
// Only the low 32 bits of an argument are compared: every argument a rule looks at
// (flags, an ioctl request, a prctl option, a pid, a signal) is a 32-bit int or
// unsigned int in the kernel's own signature, so the high half carries nothing.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace carton::sandbox {

class BpfProgram {
 public:
  // Starts with the architecture check: a call through another ABI (i386 int 0x80, x32)
  // has other numbers, so it is refused with ENOSYS before any rule reads the number.
  BpfProgram();

  // `action` for every call of `nr`.
  void always(int nr, std::uint32_t action);
  // `action` unless argument `arg` equals one of `allowed`.
  void unless_arg_in(int nr, int arg, const std::vector<std::uint32_t>& allowed, std::uint32_t action);
  // `action` unless every listed argument equals one of its allowed values.
  struct ArgIn {
    int arg;
    std::vector<std::uint32_t> allowed;
  };
  void unless_args_in(int nr, const std::vector<ArgIn>& conditions, std::uint32_t action);
  // `action` when argument `arg` has any bit of `mask` set.
  void when_arg_has_bits(int nr, int arg, std::uint32_t mask, std::uint32_t action);
  // `action` unless argument `arg` has every bit of `mask` set.
  void unless_arg_has_bits(int nr, int arg, std::uint32_t mask, std::uint32_t action);
  // `action` when argument `arg` equals one of `denied`, or has the sign bit set
  // (a negative pid) when `negative_too`.
  void when_arg_in(int nr, int arg, const std::vector<std::uint32_t>& denied, bool negative_too,
                   std::uint32_t action);

  // Ends the program with "allow" and returns it; the object is spent.
  std::vector<sock_filter> finish();

 private:
  void add_rule(int nr, const std::vector<sock_filter>& body);
  std::vector<sock_filter> code_;
};

}  // namespace carton::sandbox
