// Exit statuses of `vmi` (documented in README.md, docs/architecture.md and `vmi run --help`).
// A guest that uses the debug-exit port gets its own value back; the VMM's own codes sit at 64
// and above (sysexits.h style) so guests that keep their status below 64 are never ambiguous.
#pragma once

#include "support/result.hpp"

namespace vmm::exit_code {

inline constexpr int kUsage = 64;                // bad command line, --mem below the kernel's needs
inline constexpr int kBadImage = 65;             // kernel image malformed
inline constexpr int kNoInput = 66;              // file missing, unreadable or not a regular file
inline constexpr int kBadRom = 67;               // ROM image malformed or larger than 128 KiB
inline constexpr int kUnavailable = 69;          // /dev/kvm or a needed KVM capability missing
inline constexpr int kSeccomp = 70;              // a system call outside the seccomp allow-list
inline constexpr int kSystem = 71;               // an OS or KVM call failed
inline constexpr int kConsoleError = 74;         // guest console output could not be written
inline constexpr int kGuestCrash = 80;           // triple fault / shutdown
inline constexpr int kGuestHalted = 81;          // halted forever without a debug-exit status
inline constexpr int kGuestTimeout = 82;         // --timeout elapsed
inline constexpr int kGuestUnhandled = 83;       // an exit the VMM cannot handle or refuses
inline constexpr int kGuestReboot = 84;          // the guest asked for a reboot
inline constexpr int kConsoleLimit = 85;         // the guest reached --console-limit
inline constexpr int kSignalBase = 128;          // + SIGINT (130) or SIGTERM (143)
inline constexpr int kGuestStatusTooLarge = 255; // debug-exit value above 255

inline int for_error(vmm::ErrorKind kind) {
    switch (kind) {
    case vmm::ErrorKind::Usage:
        return kUsage;
    case vmm::ErrorKind::NoInput:
        return kNoInput;
    case vmm::ErrorKind::BadImage:
        return kBadImage;
    case vmm::ErrorKind::BadRom:
        return kBadRom;
    case vmm::ErrorKind::Unavailable:
        return kUnavailable;
    case vmm::ErrorKind::GuestAccess:
        return kBadImage;
    case vmm::ErrorKind::System:
        return kSystem;
    }
    return kSystem;
}

} // namespace vmm::exit_code
