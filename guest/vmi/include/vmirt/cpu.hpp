// Unprivileged instructions the kernel needs but may not write itself: the kernel contains no
// assembly (tests/privileged), so it lives here with the rest. None of these is a VMI call.
#pragma once

#include <stdint.h>

namespace vmi {

// ud2 raises #UD (vector 6), a fault: the frame's rip is the ud2 itself, which a handler that
// resumes skips (kInvalidOpcodeBytes). rax carries `value` into the frame and back out, so a
// handler can show that the frame it returned is the one resumed. (int3 would be the natural
// test, but KVM's instruction emulator cannot deliver a software interrupt in long mode, which
// ends a guest whose kernel mode is emulated: docs/testbed.md.)
inline constexpr uint64_t kInvalidOpcodeBytes = 2;

inline uint64_t invalid_opcode(uint64_t value) {
    asm volatile("ud2" : "+a"(value)::"memory");
    return value;
}

} // namespace vmi
