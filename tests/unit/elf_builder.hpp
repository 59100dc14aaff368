// Builds small ELF64 images in memory for loader tests and fuzz seeds: an Ehdr, a program
// header table right after it, then each segment's bytes. Tests start from a valid PVH image
// and break one thing, either through the builder or by patching the serialized bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <elf.h>
#include <string_view>
#include <vector>

namespace vmm::test {

using Bytes = std::vector<std::uint8_t>;

// One note record (ELF gABI "Note Section"): header, name and descriptor, each 4-aligned.
Bytes make_note(std::string_view name, std::uint32_t type, const Bytes& desc);
// XEN_ELFNOTE_PHYS32_ENTRY with a 4- or 8-byte little-endian descriptor.
Bytes make_pvh_note(std::uint64_t entry, std::size_t desc_size = 4);

class ElfBuilder {
  public:
    // Returns the index of the new program header.
    std::size_t add_load(std::uint64_t paddr, Bytes data, std::uint64_t mem_size);
    std::size_t add_load(std::uint64_t paddr, Bytes data) {
        const std::uint64_t size = data.size();
        return add_load(paddr, std::move(data), size);
    }
    std::size_t add_note_segment(Bytes notes);
    std::size_t add_segment(std::uint32_t type, std::uint64_t paddr, Bytes data,
                            std::uint64_t mem_size);
    ElfBuilder& set_entry(std::uint64_t entry) {
        entry_ = entry;
        return *this;
    }

    Bytes build() const;

  private:
    struct Segment {
        std::uint32_t type;
        std::uint64_t paddr;
        Bytes data;
        std::uint64_t mem_size;
    };
    std::vector<Segment> segments_;
    std::uint64_t entry_ = 0;
};

inline constexpr std::uint64_t kTestEntry = 0x100000;

// Code at 1 MiB with a bss tail, and a PVH note pointing at its start.
ElfBuilder valid_pvh_builder(std::size_t note_desc_size = 4);
inline Bytes valid_pvh_image(std::size_t note_desc_size = 4) {
    return valid_pvh_builder(note_desc_size).build();
}

// Rewrites a header of a serialized image in place; memcpy keeps it free of alignment and
// aliasing assumptions.
template <typename F> void patch_ehdr(Bytes& image, F edit) {
    Elf64_Ehdr eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    edit(eh);
    std::memcpy(image.data(), &eh, sizeof eh);
}
template <typename F> void patch_phdr(Bytes& image, std::size_t index, F edit) {
    Elf64_Phdr ph;
    const std::size_t off = sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr);
    std::memcpy(&ph, image.data() + off, sizeof ph);
    edit(ph);
    std::memcpy(image.data() + off, &ph, sizeof ph);
}
Elf64_Phdr read_phdr(const Bytes& image, std::size_t index);

} // namespace vmm::test
