// Exit statuses of `vmi` (documented in README.md and `vmi run --help`). A guest that uses the
// debug-exit port gets its own value back; the VMM's own codes sit at 64 and above (sysexits.h
// style) so guests that keep their status below 64 are never ambiguous.
#pragma once

#include "support/result.hpp"

namespace vmm::exit_code {

inline constexpr int kUsage = 64;                // bad command line
inline constexpr int kBadImage = 65;             // kernel or ROM image malformed
inline constexpr int kNoInput = 66;              // file missing or unreadable
inline constexpr int kUnavailable = 69;          // /dev/kvm missing or unusable
inline constexpr int kSystem = 71;               // an OS or KVM call failed
inline constexpr int kGuestCrash = 80;           // triple fault / shutdown
inline constexpr int kGuestHalted = 81;          // halted forever without a debug-exit status
inline constexpr int kGuestTimeout = 82;         // --timeout elapsed
inline constexpr int kGuestUnhandled = 83;       // an exit the VMM cannot handle
inline constexpr int kGuestReboot = 84;          // the guest asked for a reboot
inline constexpr int kGuestStatusTooLarge = 255; // debug-exit value above 255

inline int for_error(vmm::ErrorKind kind) {
    switch (kind) {
    case vmm::ErrorKind::Usage:
        return kUsage;
    case vmm::ErrorKind::NoInput:
        return kNoInput;
    case vmm::ErrorKind::BadImage:
        return kBadImage;
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
