// libFuzzer target: a hostile kernel image through the PVH ELF parser and, when it parses,
// the loader. Beyond "no crash", checks that what parsed keeps the parser's promises.
#include "fuzz_support.hpp"
#include "loader/pvh_elf.hpp"
#include "memory/guest_memory.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

namespace {

using fuzz::check;

// Above GuestMemory::kMinSize so images that fit exercise the copy, small enough that most
// random segments do not.
constexpr std::uint64_t kGuestSize = 4ull << 20;

vmm::GuestMemory& guest_memory() {
    static vmm::GuestMemory memory = [] {
        auto m = vmm::GuestMemory::create(kGuestSize);
        check(m.ok());
        return std::move(m).value();
    }();
    return memory;
}

bool is_zero(const std::uint8_t* p, std::uint64_t len) {
    static const std::uint8_t zeros[4096] = {};
    for (std::uint64_t done = 0; done < len; done += sizeof zeros) {
        const std::uint64_t n = len - done < sizeof zeros ? len - done : sizeof zeros;
        if (std::memcmp(p + done, zeros, n) != 0) return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> file(data, size);
    auto parsed = vmm::parse_pvh_elf(file);
    if (!parsed) {
        check(parsed.error().kind == vmm::ErrorKind::BadImage && !parsed.error().message.empty());
        return 0;
    }
    const vmm::PvhImage& image = parsed.value();
    check(!image.segments.empty());
    bool entry_loaded = false;
    for (std::size_t i = 0; i < image.segments.size(); ++i) {
        const vmm::LoadSegment& s = image.segments[i];
        check(s.paddr >= vmm::kMinLoadAddress);
        check(s.file_size <= s.mem_size);
        check(s.file_offset <= size && s.file_size <= size - s.file_offset);
        check(s.paddr + s.mem_size > s.paddr);
        for (std::size_t j = 0; j < i; ++j) {
            const vmm::LoadSegment& t = image.segments[j];
            check(s.paddr + s.mem_size <= t.paddr || t.paddr + t.mem_size <= s.paddr);
        }
        entry_loaded |= image.entry >= s.paddr && image.entry - s.paddr < s.file_size;
    }
    check(entry_loaded);

    vmm::GuestMemory& memory = guest_memory();
    auto loaded = vmm::load_pvh_segments(image, file, memory);
    if (!loaded) {
        check(loaded.error().kind == vmm::ErrorKind::BadImage);
        return 0;
    }
    for (const vmm::LoadSegment& s : image.segments) {
        auto view = memory.span(vmm::GuestPhysAddr(s.paddr), s.mem_size);
        check(view.ok());
        const std::uint8_t* p = view.value().data();
        check(s.file_size == 0 || std::memcmp(p, data + s.file_offset, s.file_size) == 0);
        check(is_zero(p + s.file_size, s.mem_size - s.file_size));
    }
    return 0;
}
