#include "elf_builder.hpp"

#include "loader/pvh_elf.hpp"

namespace vmm::test {

namespace {

void append_u32(Bytes& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void pad_to(Bytes& out, std::size_t alignment) {
    while (out.size() % alignment != 0)
        out.push_back(0);
}

} // namespace

Bytes make_note(std::string_view name, std::uint32_t type, const Bytes& desc) {
    Bytes out;
    append_u32(out, static_cast<std::uint32_t>(name.size() + 1)); // namesz counts the NUL
    append_u32(out, static_cast<std::uint32_t>(desc.size()));
    append_u32(out, type);
    out.insert(out.end(), name.begin(), name.end());
    out.push_back(0);
    pad_to(out, 4);
    out.insert(out.end(), desc.begin(), desc.end());
    pad_to(out, 4);
    return out;
}

Bytes make_pvh_note(std::uint64_t entry, std::size_t desc_size) {
    Bytes desc;
    for (std::size_t i = 0; i < desc_size; ++i)
        desc.push_back(static_cast<std::uint8_t>(i < 8 ? entry >> (8 * i) : 0));
    return make_note("Xen", kXenElfNotePhys32Entry, desc);
}

std::size_t ElfBuilder::add_segment(std::uint32_t type, std::uint64_t paddr, Bytes data,
                                    std::uint64_t mem_size) {
    segments_.push_back({type, paddr, std::move(data), mem_size});
    return segments_.size() - 1;
}

std::size_t ElfBuilder::add_load(std::uint64_t paddr, Bytes data, std::uint64_t mem_size) {
    return add_segment(PT_LOAD, paddr, std::move(data), mem_size);
}

std::size_t ElfBuilder::add_note_segment(Bytes notes) {
    const std::uint64_t size = notes.size();
    return add_segment(PT_NOTE, 0, std::move(notes), size);
}

Bytes ElfBuilder::build() const {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry_;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(segments_.size());

    Bytes out(sizeof eh + segments_.size() * sizeof(Elf64_Phdr));
    std::memcpy(out.data(), &eh, sizeof eh);
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const Segment& s = segments_[i];
        pad_to(out, 8);
        Elf64_Phdr ph{};
        ph.p_type = s.type;
        ph.p_flags = s.type == PT_LOAD ? PF_R | PF_W | PF_X : PF_R;
        ph.p_offset = out.size();
        ph.p_vaddr = s.paddr;
        ph.p_paddr = s.paddr;
        ph.p_filesz = s.data.size();
        ph.p_memsz = s.mem_size;
        ph.p_align = s.type == PT_NOTE ? 4 : 8;
        std::memcpy(out.data() + sizeof eh + i * sizeof ph, &ph, sizeof ph);
        out.insert(out.end(), s.data.begin(), s.data.end());
    }
    return out;
}

ElfBuilder valid_pvh_builder(std::size_t note_desc_size) {
    ElfBuilder b;
    Bytes code(64);
    for (std::size_t i = 0; i < code.size(); ++i)
        code[i] = static_cast<std::uint8_t>(0x40 + i);
    b.add_load(kTestEntry, std::move(code), 0x3000);
    b.add_note_segment(make_pvh_note(kTestEntry, note_desc_size));
    b.set_entry(kTestEntry);
    return b;
}

Elf64_Phdr read_phdr(const Bytes& image, std::size_t index) {
    Elf64_Phdr ph;
    std::memcpy(&ph, image.data() + sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr), sizeof ph);
    return ph;
}

} // namespace vmm::test
