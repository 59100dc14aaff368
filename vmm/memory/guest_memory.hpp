// Guest RAM: one anonymous host mapping split into KVM memory regions around the legacy
// hole, plus the read-only option-ROM window 0xC0000-0xDFFFF where the VMM places a VMI ROM.
// Every access is bounds-checked against a single region (overflow-safe).
#pragma once

#include "memory/guest_addr.hpp"
#include "support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace vmm {

struct MemoryRegion {
    GuestPhysAddr base;
    std::uint64_t size;
    std::uint8_t* host; // host address of `base`
    bool readonly;      // the guest cannot write it (KVM_MEM_READONLY)
};

class GuestMemory {
  public:
    // PC layout: RAM below the 640 KiB legacy hole and from 1 MiB up to `size`.
    static constexpr std::uint64_t kLowRamEnd = 0xA0000;
    static constexpr std::uint64_t kHighRamBase = 0x100000;
    static constexpr std::uint64_t kMinSize = 2ull << 20;
    // Highest RAM end we map without a PCI hole below 4 GiB; a guest needing more is future work.
    static constexpr std::uint64_t kMaxSize = 3ull << 30;
    static constexpr std::uint64_t kRomWindowBase = 0xC0000;
    static constexpr std::uint64_t kRomWindowSize = 0x20000;

    static Result<GuestMemory> create(std::uint64_t size);
    // The checks create() makes on `size`, without allocating.
    static Result<void> validate_size(std::uint64_t size);

    GuestMemory(GuestMemory&& other) noexcept;
    GuestMemory& operator=(GuestMemory&& other) noexcept;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;
    ~GuestMemory();

    std::uint64_t size() const { return size_; }
    const std::vector<MemoryRegion>& regions() const { return regions_; }

    // A host view of [gpa, gpa+len) if it lies entirely inside one region (RAM or ROM).
    Result<std::span<std::uint8_t>> span(GuestPhysAddr gpa, std::uint64_t len);
    bool contains(GuestPhysAddr gpa, std::uint64_t len) const;
    // The option-ROM window, for the VMM to fill; the guest sees it read-only.
    std::span<std::uint8_t> rom_window() { return {rom_host_, kRomWindowSize}; }

    // Like span(), for writing on the guest's behalf: refuses the read-only ROM window.
    Result<std::span<std::uint8_t>> writable_span(GuestPhysAddr gpa, std::uint64_t len);
    // Writes on the guest's behalf: refuses the read-only ROM window.
    Result<void> write(GuestPhysAddr gpa, std::span<const std::uint8_t> bytes);
    Result<void> read(GuestPhysAddr gpa, std::span<std::uint8_t> out);

    // Copies a trivially copyable object out of guest memory once (no double fetch).
    template <typename T> Result<T> read_obj(GuestPhysAddr gpa) {
        static_assert(std::is_trivially_copyable_v<T>);
        T obj;
        TRY(read(gpa, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&obj), sizeof obj)));
        return obj;
    }
    template <typename T> Result<void> write_obj(GuestPhysAddr gpa, const T& obj) {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(gpa, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&obj),
                                                        sizeof obj));
    }

  private:
    GuestMemory(std::uint8_t* base, std::uint64_t size, std::uint8_t* rom);
    const MemoryRegion* find(GuestPhysAddr gpa, std::uint64_t len) const;
    void release();

    std::uint8_t* host_base_ = nullptr;
    std::uint64_t size_ = 0;
    std::uint8_t* rom_host_ = nullptr;
    std::vector<MemoryRegion> regions_;
};

} // namespace vmm
