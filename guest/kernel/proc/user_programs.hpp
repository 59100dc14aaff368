// The user programs built into the kernel image (generated table: guest/user/CMakeLists.txt).
#pragma once

#include <stdint.h>

namespace kernel {

struct UserProgram {
    const char* name;
    const uint8_t* begin;
    const uint8_t* end;
};

extern const UserProgram kUserPrograms[];
extern const unsigned kUserProgramCount;

} // namespace kernel
