#include "memory/guest_memory.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <utility>

namespace vmm {

Result<void> GuestMemory::validate_size(std::uint64_t size) {
    if (size < kMinSize || size > kMaxSize)
        return make_error(ErrorKind::Usage,
                          "guest memory size " + std::to_string(size) +
                              " bytes is outside the supported range 2 MiB..3 GiB");
    if (size % 4096 != 0)
        return make_error(ErrorKind::Usage, "guest memory size must be a multiple of 4 KiB");
    return {};
}

Result<GuestMemory> GuestMemory::create(std::uint64_t size) {
    TRY(validate_size(size));
    const int prot = PROT_READ | PROT_WRITE;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void* ram = mmap(nullptr, size, prot, flags, -1, 0);
    if (ram == MAP_FAILED)
        return make_error(ErrorKind::System, "mmap of " + std::to_string(size >> 20) +
                                                 " MiB guest memory: " + std::strerror(errno));
    void* rom = mmap(nullptr, kRomWindowSize, prot, flags, -1, 0);
    if (rom == MAP_FAILED) {
        const int err = errno;
        munmap(ram, size);
        return make_error(ErrorKind::System,
                          std::string("mmap of the ROM window: ") + std::strerror(err));
    }
    return GuestMemory(static_cast<std::uint8_t*>(ram), size, static_cast<std::uint8_t*>(rom));
}

GuestMemory::GuestMemory(std::uint8_t* base, std::uint64_t size, std::uint8_t* rom)
    : host_base_(base), size_(size), rom_host_(rom) {
    regions_.push_back({GuestPhysAddr(0), kLowRamEnd, base, false});
    regions_.push_back({GuestPhysAddr(kRomWindowBase), kRomWindowSize, rom, true});
    regions_.push_back(
        {GuestPhysAddr(kHighRamBase), size - kHighRamBase, base + kHighRamBase, false});
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : host_base_(std::exchange(other.host_base_, nullptr)), size_(std::exchange(other.size_, 0)),
      rom_host_(std::exchange(other.rom_host_, nullptr)), regions_(std::move(other.regions_)) {}

GuestMemory& GuestMemory::operator=(GuestMemory&& other) noexcept {
    if (this != &other) {
        release();
        host_base_ = std::exchange(other.host_base_, nullptr);
        size_ = std::exchange(other.size_, 0);
        rom_host_ = std::exchange(other.rom_host_, nullptr);
        regions_ = std::move(other.regions_);
    }
    return *this;
}

GuestMemory::~GuestMemory() {
    release();
}

void GuestMemory::release() {
    if (host_base_) munmap(host_base_, size_);
    if (rom_host_) munmap(rom_host_, kRomWindowSize);
    host_base_ = rom_host_ = nullptr;
}

const MemoryRegion* GuestMemory::find(GuestPhysAddr gpa, std::uint64_t len) const {
    for (const auto& r : regions_) {
        // Written so that no sum can overflow: gpa - base <= size and len <= size - offset.
        if (gpa < r.base) continue;
        const std::uint64_t offset = gpa.raw() - r.base.raw();
        if (offset >= r.size && !(offset == r.size && len == 0)) continue;
        if (len > r.size - offset) return nullptr;
        return &r;
    }
    return nullptr;
}

bool GuestMemory::contains(GuestPhysAddr gpa, std::uint64_t len) const {
    return find(gpa, len) != nullptr;
}

static Error out_of_bounds(GuestPhysAddr gpa, std::uint64_t len) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "guest range 0x%llx+0x%llx is outside guest memory",
                  static_cast<unsigned long long>(gpa.raw()), static_cast<unsigned long long>(len));
    return make_error(ErrorKind::GuestAccess, buf);
}

Result<std::span<std::uint8_t>> GuestMemory::span(GuestPhysAddr gpa, std::uint64_t len) {
    const MemoryRegion* r = find(gpa, len);
    if (!r) return out_of_bounds(gpa, len);
    return std::span<std::uint8_t>(r->host + (gpa.raw() - r->base.raw()), len);
}

Result<std::span<std::uint8_t>> GuestMemory::writable_span(GuestPhysAddr gpa, std::uint64_t len) {
    const MemoryRegion* r = find(gpa, len);
    if (r && r->readonly) {
        char buf[80];
        std::snprintf(buf, sizeof buf, "guest range 0x%llx+0x%llx is read-only",
                      static_cast<unsigned long long>(gpa.raw()),
                      static_cast<unsigned long long>(len));
        return make_error(ErrorKind::GuestAccess, buf);
    }
    return span(gpa, len);
}

Result<void> GuestMemory::write(GuestPhysAddr gpa, std::span<const std::uint8_t> bytes) {
    auto dst = TRY(writable_span(gpa, bytes.size()));
    if (!bytes.empty()) std::memcpy(dst.data(), bytes.data(), bytes.size());
    return {};
}

Result<void> GuestMemory::read(GuestPhysAddr gpa, std::span<std::uint8_t> out) {
    auto src = TRY(span(gpa, out.size()));
    if (!out.empty()) std::memcpy(out.data(), src.data(), out.size());
    return {};
}

} // namespace vmm
