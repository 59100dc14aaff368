// Why a guest run ended, as the run loop and the exit handler report it.
#pragma once

#include <string>

namespace vmm {

enum class StopReason {
    DebugExit,     // the guest wrote its status to the debug-exit port or shut down via the ROM
    Reboot,        // the guest asked for a reboot, which the VMM does not perform
    Halted,        // HLT that nothing can end: interrupts disabled, or nothing can raise one
    Shutdown,      // triple fault or other shutdown condition
    Timeout,       // --timeout elapsed
    UnhandledExit, // an exit the VMM does not model (entry failure, emulation error, ...)
    Signal,        // SIGINT or SIGTERM reached the VMM
    ConsoleLimit,  // the guest reached --console-limit
    ConsoleError,  // console output could not be written
};

struct StopRequest {
    StopReason reason;
    std::string detail; // one line
};

} // namespace vmm
