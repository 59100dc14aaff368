#include "loader/pvh_elf.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <string>

namespace vmm {

namespace {

Error bad(const std::string& what) {
    return make_error(ErrorKind::BadImage, what);
}

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// True if [offset, offset+len) lies inside a buffer of `size` bytes, without overflow.
bool in_bounds(std::uint64_t offset, std::uint64_t len, std::uint64_t size) {
    return offset <= size && len <= size - offset;
}

template <typename T> T load(std::span<const std::uint8_t> file, std::uint64_t offset) {
    T v;
    std::memcpy(&v, file.data() + offset, sizeof v);
    return v;
}

std::uint64_t align4(std::uint64_t v) {
    return (v + 3) & ~std::uint64_t{3};
}

// Scans one PT_NOTE segment (ELF gABI "Note Section") for the PVH entry note and the VMI64
// minimum-memory note.
Result<void> scan_notes(std::span<const std::uint8_t> notes, PvhImage& image, bool& have_entry) {
    std::uint64_t pos = 0;
    while (pos < notes.size()) {
        if (!in_bounds(pos, sizeof(Elf64_Nhdr), notes.size()))
            return bad("truncated ELF note header at note offset " + hex(pos));
        const auto nh = load<Elf64_Nhdr>(notes, pos);
        const std::uint64_t name_off = pos + sizeof(Elf64_Nhdr);
        const std::uint64_t name_len = align4(nh.n_namesz);
        if (!in_bounds(name_off, name_len, notes.size()))
            return bad("ELF note name runs past its segment");
        const std::uint64_t desc_off = name_off + name_len;
        const std::uint64_t desc_len = align4(nh.n_descsz);
        if (!in_bounds(desc_off, desc_len, notes.size()))
            return bad("ELF note descriptor runs past its segment");
        const bool is_xen = nh.n_namesz == 4 && std::memcmp(notes.data() + name_off, "Xen", 4) == 0;
        const bool is_vmi = nh.n_namesz == sizeof kVmiNoteOwner &&
                            std::memcmp(notes.data() + name_off, kVmiNoteOwner, nh.n_namesz) == 0;
        if (is_vmi && nh.n_type == kVmiNoteMinMemory) {
            if (nh.n_descsz != 8)
                return bad("VMI64 minimum-memory note has descriptor size " +
                           std::to_string(nh.n_descsz) + ", expected 8");
            image.min_memory = std::max(image.min_memory, load<std::uint64_t>(notes, desc_off));
        } else if (is_xen && nh.n_type == kXenElfNotePhys32Entry && !have_entry) {
            std::uint32_t& entry = image.entry;
            // Linux emits this note as a pointer-sized value; accept 4 or 8 bytes.
            if (nh.n_descsz == 4) {
                entry = load<std::uint32_t>(notes, desc_off);
            } else if (nh.n_descsz == 8) {
                const auto v = load<std::uint64_t>(notes, desc_off);
                if (v > 0xffffffffu) return bad("PVH entry " + hex(v) + " is above 4 GiB");
                entry = static_cast<std::uint32_t>(v);
            } else {
                return bad("PVH entry note has descriptor size " + std::to_string(nh.n_descsz) +
                           ", expected 4 or 8");
            }
            have_entry = true;
        }
        pos = desc_off + desc_len;
    }
    return {};
}

} // namespace

Result<PvhImage> parse_pvh_elf(std::span<const std::uint8_t> file) {
    if (file.size() < EI_NIDENT || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0)
        return bad("not an ELF file");
    if (file[EI_CLASS] == ELFCLASS32)
        return bad("ELF32 image: PVH kernels for VMI-64 must be ELF64");
    if (file[EI_CLASS] != ELFCLASS64)
        return bad("unknown ELF class " + std::to_string(file[EI_CLASS]));
    if (file.size() < sizeof(Elf64_Ehdr)) return bad("truncated ELF header");
    const auto eh = load<Elf64_Ehdr>(file, 0);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return bad("not a little-endian ELF");
    if (eh.e_machine != EM_X86_64)
        return bad("ELF machine " + std::to_string(eh.e_machine) + " is not x86-64");
    if (eh.e_type != ET_EXEC)
        return bad("ELF type " + std::to_string(eh.e_type) + " is not an executable");
    if (eh.e_phnum == 0) return bad("ELF has no program headers");
    if (eh.e_phnum > kMaxProgramHeaders)
        return bad("ELF has " + std::to_string(eh.e_phnum) + " program headers, at most " +
                   std::to_string(kMaxProgramHeaders) + " supported");
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        return bad("ELF program header size " + std::to_string(eh.e_phentsize) + ", expected " +
                   std::to_string(sizeof(Elf64_Phdr)));
    if (!in_bounds(eh.e_phoff, std::uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), file.size()))
        return bad("truncated ELF program headers");

    PvhImage image{};
    bool have_entry = false;
    for (std::size_t i = 0; i < eh.e_phnum; ++i) {
        const auto ph = load<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
        if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE) continue;
        if (!in_bounds(ph.p_offset, ph.p_filesz, file.size()))
            return bad("segment " + std::to_string(i) + " runs past the end of the file");
        if (ph.p_type == PT_NOTE) {
            TRY(scan_notes(file.subspan(ph.p_offset, ph.p_filesz), image, have_entry));
            continue;
        }
        if (ph.p_filesz > ph.p_memsz)
            return bad("segment " + std::to_string(i) + " has file size above memory size");
        if (ph.p_memsz == 0) continue;
        if (ph.p_paddr < kMinLoadAddress)
            return bad("segment " + std::to_string(i) + " at " + hex(ph.p_paddr) +
                       " is below 1 MiB");
        std::uint64_t end = 0;
        if (__builtin_add_overflow(ph.p_paddr, ph.p_memsz, &end))
            return bad("segment " + std::to_string(i) + " wraps around the address space");
        for (const auto& s : image.segments) {
            if (ph.p_paddr < s.paddr + s.mem_size && s.paddr < end)
                return bad("segment " + std::to_string(i) + " at " + hex(ph.p_paddr) +
                           " overlaps the segment at " + hex(s.paddr));
        }
        image.segments.push_back({ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz});
    }
    if (!have_entry) return bad("no PVH entry note (Xen ELF note type 18): not a PVH kernel");
    if (image.segments.empty()) return bad("ELF has no loadable segments");
    const bool entry_loaded =
        std::any_of(image.segments.begin(), image.segments.end(), [&](auto& s) {
            return image.entry >= s.paddr && image.entry - s.paddr < s.file_size;
        });
    if (!entry_loaded)
        return bad("PVH entry " + hex(image.entry) + " is not inside a loaded segment");
    return image;
}

std::uint64_t memory_needed(const PvhImage& image) {
    std::uint64_t end = image.min_memory;
    for (const auto& s : image.segments)
        end = std::max(end, s.paddr + s.mem_size); // no overflow: parse_pvh_elf checked it
    return end;
}

Result<void> load_pvh_segments(const PvhImage& image, std::span<const std::uint8_t> file,
                               GuestMemory& memory) {
    for (const auto& s : image.segments) {
        auto dst = memory.span(GuestPhysAddr(s.paddr), s.mem_size);
        if (!dst)
            return bad("segment at " + hex(s.paddr) + "+" + hex(s.mem_size) +
                       " lies beyond guest memory (" + std::to_string(memory.size() >> 20) +
                       " MiB); try a larger --mem");
        auto bytes = dst.value();
        if (!in_bounds(s.file_offset, s.file_size, file.size()))
            return bad("segment at " + hex(s.paddr) + " runs past the end of the file");
        std::memcpy(bytes.data(), file.data() + s.file_offset, s.file_size);
        std::memset(bytes.data() + s.file_size, 0, s.mem_size - s.file_size);
    }
    return {};
}

} // namespace vmm
