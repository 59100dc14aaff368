// Strong guest-physical address type: never mixes with host pointers or guest-virtual
// addresses (docs/design.md §6).
#pragma once

#include <compare>
#include <cstdint>

namespace vmm {

class GuestPhysAddr {
  public:
    constexpr GuestPhysAddr() = default;
    constexpr explicit GuestPhysAddr(std::uint64_t raw) : raw_(raw) {}

    constexpr std::uint64_t raw() const { return raw_; }
    // Returns false instead of wrapping around the 64-bit address space.
    constexpr bool checked_add(std::uint64_t delta, GuestPhysAddr& out) const {
        std::uint64_t sum = 0;
        if (__builtin_add_overflow(raw_, delta, &sum)) return false;
        out = GuestPhysAddr(sum);
        return true;
    }

    constexpr auto operator<=>(const GuestPhysAddr&) const = default;

  private:
    std::uint64_t raw_ = 0;
};

} // namespace vmm
