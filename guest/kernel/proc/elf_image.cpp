#include "elf_image.hpp"

namespace kernel {

namespace {

uint64_t load(const uint8_t* p, unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i)
        v |= uint64_t{p[i]} << (8 * i);
    return v;
}

bool in_file(uint64_t offset, uint64_t len, size_t size) {
    return offset <= size && len <= size - offset;
}

// ELF-64 object file format: e_* fields of the header, p_* of program headers.
constexpr unsigned kPhoff = 0x20, kPhentsize = 0x36, kPhnum = 0x38, kEntry = 0x18;
constexpr unsigned kEhdrSize = 0x40, kPhdrSize = 0x38;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPfX = 1, kPfW = 2;

} // namespace

ElfError parse_elf_image(const uint8_t* data, size_t size, uint64_t user_base, uint64_t user_top,
                         ElfImage& out) {
    if (size < kEhdrSize || data[0] != 0x7f || data[1] != 'E' || data[2] != 'L' || data[3] != 'F')
        return ElfError::NotElf;
    if (data[4] != 2 || data[5] != 1 || load(data + 0x10, 2) != 2 || load(data + 0x12, 2) != 62)
        return ElfError::Unsupported; // ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64
    const uint64_t phoff = load(data + kPhoff, 8);
    const uint64_t phnum = load(data + kPhnum, 2);
    if (load(data + kPhentsize, 2) != kPhdrSize || !in_file(phoff, phnum * kPhdrSize, size))
        return ElfError::BadHeaders;

    out.count = 0;
    out.entry = load(data + kEntry, 8);
    for (uint64_t i = 0; i < phnum; ++i) {
        const uint8_t* ph = data + phoff + i * kPhdrSize;
        if (load(ph, 4) != kPtLoad) continue;
        ElfSegment s;
        const uint32_t flags = static_cast<uint32_t>(load(ph + 4, 4));
        s.file_offset = load(ph + 8, 8);
        s.vaddr = load(ph + 0x10, 8);
        s.file_size = load(ph + 0x20, 8);
        s.mem_size = load(ph + 0x28, 8);
        s.writable = flags & kPfW;
        s.executable = flags & kPfX;
        if (s.mem_size == 0) continue;
        if (out.count == ElfImage::kMaxSegments) return ElfError::TooManySegments;
        if (!in_file(s.file_offset, s.file_size, size) || s.file_size > s.mem_size ||
            s.vaddr % 4096 != 0)
            return ElfError::BadSegment;
        if (s.vaddr < user_base || s.vaddr > user_top || s.mem_size > user_top - s.vaddr)
            return ElfError::OutsideUserSpace;
        for (unsigned j = 0; j < out.count; ++j) {
            const ElfSegment& o = out.segments[j];
            const uint64_t o_end = o.vaddr + ((o.mem_size + 4095) & ~uint64_t{4095});
            if (s.vaddr < o_end && o.vaddr < s.vaddr + s.mem_size) return ElfError::BadSegment;
        }
        out.segments[out.count++] = s;
    }
    for (unsigned j = 0; j < out.count; ++j) {
        const ElfSegment& s = out.segments[j];
        if (s.executable && out.entry >= s.vaddr && out.entry - s.vaddr < s.file_size)
            return ElfError::Ok;
    }
    return ElfError::BadEntry;
}

} // namespace kernel
