// Guest RAM: one anonymous host mapping split into KVM memory regions around the legacy
// hole. Every access is bounds-checked against a single region (overflow-safe).
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
};

class GuestMemory {
  public:
    // PC layout: RAM below the 640 KiB legacy hole and from 1 MiB up to `size`.
    static constexpr std::uint64_t kLowRamEnd = 0xA0000;
    static constexpr std::uint64_t kHighRamBase = 0x100000;
    static constexpr std::uint64_t kMinSize = 2ull << 20;
    // Highest RAM end we map without a PCI hole below 4 GiB; a guest needing more is future work.
    static constexpr std::uint64_t kMaxSize = 3ull << 30;

    static Result<GuestMemory> create(std::uint64_t size);

    GuestMemory(GuestMemory&& other) noexcept;
    GuestMemory& operator=(GuestMemory&& other) noexcept;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;
    ~GuestMemory();

    std::uint64_t size() const { return size_; }
    const std::vector<MemoryRegion>& regions() const { return regions_; }

    // A host view of [gpa, gpa+len) if it lies entirely inside one RAM region.
    Result<std::span<std::uint8_t>> span(GuestPhysAddr gpa, std::uint64_t len);
    bool contains(GuestPhysAddr gpa, std::uint64_t len) const;

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
        return write(gpa, std::span<const std::uint8_t>(
                              reinterpret_cast<const std::uint8_t*>(&obj), sizeof obj));
    }

  private:
    GuestMemory(std::uint8_t* base, std::uint64_t size);
    const MemoryRegion* find(GuestPhysAddr gpa, std::uint64_t len) const;

    std::uint8_t* host_base_ = nullptr;
    std::uint64_t size_ = 0;
    std::vector<MemoryRegion> regions_;
};

} // namespace vmm
