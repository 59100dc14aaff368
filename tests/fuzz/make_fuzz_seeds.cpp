// Writes the seed corpus of one fuzz target: a few valid inputs, so libFuzzer starts from the
// interesting part of the input space instead of rediscovering the ELF magic.
#include "elf_builder.hpp"
#include "rom_builder.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <linux/kvm.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <virtio/virtio.hpp>

namespace {

// File name and contents.
using Seeds = std::vector<std::pair<std::string, std::vector<std::uint8_t>>>;

bool write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

// An argument list as fuzz_run_options reads it: arguments separated by NUL.
std::vector<std::uint8_t> args(std::initializer_list<std::string_view> list) {
    std::vector<std::uint8_t> out;
    for (std::string_view a : list) {
        if (!out.empty()) out.push_back(0);
        out.insert(out.end(), a.begin(), a.end());
    }
    return out;
}

Seeds pvh_elf_seeds() {
    using namespace vmm::test;
    ElfBuilder two;
    two.add_load(0x100000, Bytes(48, 0x90), 0x2000);
    two.add_load(0x200000, Bytes(16, 0xcc));
    Bytes notes = make_note("GNU", 3, Bytes(5, 1));
    const Bytes pvh = make_pvh_note(0x100010, 8);
    notes.insert(notes.end(), pvh.begin(), pvh.end());
    two.add_note_segment(notes);
    return {{"valid-note4.elf", valid_pvh_image(4)},
            {"valid-note8.elf", valid_pvh_image(8)},
            {"two-segments.elf", two.build()}};
}

Seeds run_options_seeds() {
    return {{"all", args({"kernel.elf", "--mem", "64M", "--cmdline", "console=ttyS0", "--stats",
                          "--timeout", "5"})},
            {"help", args({"--help"})},
            {"sizes", args({"--mem", "512KiB", "--mem", "1G", "--mem", "4096"})},
            {"bad", args({"--timeout", "0", "--mem", "99999999999G", "-x"})}};
}

// Small valid ROMs of several shapes and a few with one check broken; libFuzzer's default
// input limit follows the largest seed, so they stay within a few KiB.
Seeds rom_seeds() {
    using namespace vmm::test;
    RomSpec smallest;
    smallest.units = 1;
    smallest.call_count = 4;
    smallest.data_area = false;
    RomSpec newer;
    newer.abi_minor = 3;
    newer.header_size = VMI_ROM_HEADER_SIZE + 0x20;
    newer.call_count = 60;
    newer.name = "newer-rom";
    RomSpec older;
    older.call_count = 40;
    older.units = 6;
    const RomImage valid = build_rom();
    Bytes misaligned_data = valid.bytes;
    put32(misaligned_data, kFieldDataOffset, valid.data + 4);
    fix_checksum(misaligned_data);
    Bytes bad_entry = valid.bytes;
    put32(bad_entry, valid.table + 5 * 4, static_cast<std::uint32_t>(valid.bytes.size()));
    fix_checksum(bad_entry);
    Bytes bad_sum = valid.bytes;
    bad_sum[valid.code] ^= 0x40;
    return {{"valid.rom", valid.bytes},
            {"smallest.rom", build_rom(smallest).bytes},
            {"newer.rom", build_rom(newer).bytes},
            {"older.rom", build_rom(older).bytes},
            {"misaligned-data.rom", misaligned_data},
            {"bad-entry.rom", bad_entry},
            {"bad-checksum.rom", bad_sum}};
}

// fuzz_page_walk input: cr0 cr3 cr4 efer gva (u64 each), length (u16), mode, then guest
// memory from physical address 0.
struct WalkSeed {
    std::uint64_t cr0 = 0x80000011, cr3 = 0x1000, cr4 = 0x20, efer = 0x500, gva = 0;
    std::uint16_t len = 64;
    std::uint8_t mode = 0;
    std::vector<std::uint8_t> memory = std::vector<std::uint8_t>(0x6000, 0);

    void entry(std::uint64_t table, std::uint64_t va, int level, std::uint64_t value) {
        const std::uint64_t index = (va >> (12 + 9 * (level - 1))) & 0x1ff;
        for (int i = 0; i < 8; ++i)
            memory.at(table + index * 8 + i) = static_cast<std::uint8_t>(value >> (8 * i));
    }
    std::vector<std::uint8_t> bytes() const {
        std::vector<std::uint8_t> out;
        for (std::uint64_t v : {cr0, cr3, cr4, efer, gva})
            for (int i = 0; i < 8; ++i)
                out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        out.push_back(static_cast<std::uint8_t>(len));
        out.push_back(static_cast<std::uint8_t>(len >> 8));
        out.push_back(mode);
        out.insert(out.end(), memory.begin(), memory.end());
        return out;
    }
};

Seeds page_walk_seeds() {
    // PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000, data page 0x5000.
    WalkSeed four_k;
    four_k.gva = 0xffffffff80000ff0ull; // crosses into an unmapped page
    four_k.entry(0x1000, four_k.gva, 4, 0x2003);
    four_k.entry(0x2000, four_k.gva, 3, 0x3003);
    four_k.entry(0x3000, four_k.gva, 2, 0x4003);
    four_k.entry(0x4000, four_k.gva, 1, 0x5003);
    for (std::size_t i = 0; i < 0x1000; ++i)
        four_k.memory[0x5000 + i] = static_cast<std::uint8_t>(i);

    WalkSeed two_m;
    two_m.gva = 0x0000000040200ff8ull;
    two_m.len = 300;
    two_m.entry(0x1000, two_m.gva, 4, 0x2003);
    two_m.entry(0x2000, two_m.gva, 3, 0x3003);
    two_m.entry(0x3000, two_m.gva, 2, 0x0083); // 2 MiB page at 0

    WalkSeed one_g;
    one_g.gva = 0xffff8000c0001234ull;
    one_g.entry(0x1000, one_g.gva, 4, 0x2003);
    one_g.entry(0x2000, one_g.gva, 3, 0x0083); // 1 GiB page at 0

    WalkSeed wrap;
    wrap.gva = 0xfffffffffffffff8ull;
    wrap.len = 16;
    for (std::uint64_t va : {wrap.gva, std::uint64_t{0}}) {
        wrap.entry(0x1000, va, 4, 0x2003);
        wrap.entry(0x2000, va, 3, 0x3003);
        wrap.entry(0x3000, va, 2, 0x4003);
        wrap.entry(0x4000, va, 1, 0x5003);
    }

    WalkSeed off;
    off.cr0 = 0x11;
    off.gva = 0x12340000ffffull;
    off.len = 8;
    off.memory.resize(0x100);

    WalkSeed la57 = four_k;
    la57.cr4 |= 1ull << 12;
    WalkSeed outside = four_k;
    outside.entry(0x3000, outside.gva, 2, 0x7ff000003ull); // table far outside guest memory
    outside.mode = 1;

    return {{"4k", four_k.bytes()},      {"2m", two_m.bytes()},       {"1g", one_g.bytes()},
            {"wrap", wrap.bytes()},      {"paging-off", off.bytes()}, {"la57", la57.bytes()},
            {"outside", outside.bytes()}};
}

void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// fuzz_hypercall_device input: cr0 cr3 cr4 efer, a request count, requests (port offset,
// access, rdi, rsi, rcx, r8), then guest memory from physical address 0. Paging is off, so
// guest-virtual pointers are physical.
struct HypercallRequest {
    std::uint8_t offset, access;
    std::uint64_t rdi, rsi, rcx, r8;
};
std::vector<std::uint8_t> hypercall_seed(std::initializer_list<HypercallRequest> requests) {
    std::vector<std::uint8_t> out;
    for (std::uint64_t v : {0x11ull, 0ull, 0ull, 0ull})
        put64(out, v);
    out.push_back(static_cast<std::uint8_t>(requests.size()));
    for (const auto& r : requests) {
        out.push_back(r.offset);
        out.push_back(r.access);
        for (std::uint64_t v : {r.rdi, r.rsi, r.rcx, r.r8})
            put64(out, v);
    }
    std::vector<std::uint8_t> memory(0x3000);
    for (std::size_t i = 0; i < memory.size(); ++i)
        memory[i] = static_cast<std::uint8_t>('a' + i % 26);
    out.insert(out.end(), memory.begin(), memory.end());
    return out;
}

Seeds hypercall_device_seeds() {
    constexpr std::uint8_t kRead32 = 4, kWrite32 = 5; // access: width 4, bit 0 = write
    return {
        {"probe", hypercall_seed({{0, kRead32, 0, 0, 0, 0}})},
        {"console", hypercall_seed({{1, kRead32, 0x100, 64, 0, 0}})},
        {"console-fault", hypercall_seed({{1, kRead32, 0x7ffff000, 4096, 0, 0}})},
        {"zero-copy",
         hypercall_seed({{4, kRead32, 0, 0x1000, 0, 0}, {5, kRead32, 0, 0, 0x2000, 0x1000}})},
        {"shutdown-twice", hypercall_seed({{2, kWrite32, 0, 7, 0, 0}, {3, kWrite32, 0, 0, 0, 0}})},
        {"narrow", hypercall_seed({{1, 2, 0x100, 64, 0, 0}})}};
}

// fuzz_exit_handler input: the run area's size beyond sizeof(kvm_run) (2 bytes), then the area.
std::vector<std::uint8_t> exit_seed(const kvm_run& run, const std::uint8_t* data = nullptr,
                                    std::size_t len = 0) {
    std::vector<std::uint8_t> area(4096);
    std::memcpy(area.data(), &run, sizeof run);
    if (data) std::memcpy(area.data() + 2048, data, len);
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(4096 - sizeof(kvm_run)),
                                  static_cast<std::uint8_t>((4096 - sizeof(kvm_run)) >> 8)};
    out.insert(out.end(), area.begin(), area.end());
    return out;
}

Seeds exit_handler_seeds() {
    kvm_run out{};
    out.exit_reason = KVM_EXIT_IO;
    out.io = {KVM_EXIT_IO_OUT, 1, 0x3f8, 5, 2048};
    kvm_run probe = out;
    probe.io = {KVM_EXIT_IO_IN, 4, 0x560, 1, 2048};
    kvm_run string_io = probe;
    string_io.io.port = 0x561;
    string_io.io.count = 8;
    kvm_run debug = out;
    debug.io = {KVM_EXIT_IO_OUT, 4, 0xf4, 1, 2048};
    kvm_run mmio{};
    mmio.exit_reason = KVM_EXIT_MMIO;
    mmio.mmio.phys_addr = 0xfeb00070; // virtio-mmio Status
    mmio.mmio.len = 4;
    kvm_run shutdown{};
    shutdown.exit_reason = KVM_EXIT_SHUTDOWN;
    kvm_run internal{};
    internal.exit_reason = KVM_EXIT_INTERNAL_ERROR;
    internal.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    const std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
    return {{"uart", exit_seed(out, hello, sizeof hello)},
            {"probe", exit_seed(probe)},
            {"string-io", exit_seed(string_io)},
            {"debug-exit", exit_seed(debug)},
            {"mmio", exit_seed(mmio)},
            {"shutdown", exit_seed(shutdown)},
            {"internal", exit_seed(internal)}};
}

constexpr std::uint16_t kNext = virtio::virtq::kDescNext, kWrite = virtio::virtq::kDescWrite;

// fuzz_virtqueue input: flags, chain count, then guest memory from 0 with the descriptor table
// at 0x1000, the available ring at 0x2000 and the used ring at 0x3000 (queue of 8).
class VirtqSeed {
  public:
    explicit VirtqSeed(std::uint8_t flags = 3) : bytes_(2 + 0x6000) {
        bytes_[0] = flags;
        bytes_[1] = 8;
    }
    void desc(std::uint16_t i, std::uint64_t addr, std::uint32_t len, std::uint16_t flags,
              std::uint16_t next = 0) {
        put(0x1000 + 16u * i, addr);
        put(0x1008 + 16u * i, len);
        put(0x100c + 16u * i, flags);
        put(0x100e + 16u * i, next);
    }
    void offer(std::uint16_t head) {
        put(0x2004 + 2u * (avail_ % 8), head);
        put(0x2002, ++avail_);
    }
    // A block request header (type, sector) at `at`.
    void header(std::uint64_t at, std::uint32_t type, std::uint64_t sector) {
        put(at, type);
        put(at + 8, sector);
    }
    std::vector<std::uint8_t> bytes() const { return bytes_; }
    std::vector<std::uint8_t> memory() const { return {bytes_.begin() + 2, bytes_.end()}; }

  private:
    template <typename T> void put(std::uint64_t at, T v) {
        std::memcpy(&bytes_[2 + at], &v, sizeof v);
    }
    std::vector<std::uint8_t> bytes_;
    std::uint16_t avail_ = 0;
};

// Both virtio targets' seeds: a 1024-byte read of sector 2, and a chain that loops.
VirtqSeed read_seed() {
    VirtqSeed read;
    read.header(0x4000, 0, 2);
    read.desc(0, 0x4000, 16, kNext, 1);
    read.desc(1, 0x5000, 1024, kNext | kWrite, 2);
    read.desc(2, 0x4100, 1, kWrite);
    read.offer(0);
    return read;
}

VirtqSeed loop_seed() {
    VirtqSeed loop;
    loop.desc(0, 0x4000, 16, kNext, 1);
    loop.desc(1, 0x4000, 16, kNext, 0);
    loop.offer(0);
    return loop;
}

Seeds virtqueue_seeds() {
    const VirtqSeed read = read_seed();
    VirtqSeed write(0x13); // read-only disk
    write.header(0x4000, 1, 5);
    write.desc(3, 0x4000, 16, kNext, 4);
    write.desc(4, 0x5000, 512, kNext, 5);
    write.desc(5, 0x4100, 1, kWrite);
    write.offer(3);
    VirtqSeed batch;
    batch.header(0x4000, 4, 0); // flush
    batch.desc(0, 0x4000, 16, kNext, 1);
    batch.desc(1, 0x4100, 1, kWrite);
    batch.header(0x4010, 8, 0); // get ID
    batch.desc(2, 0x4010, 16, kNext, 3);
    batch.desc(3, 0x5000, 20, kNext | kWrite, 4);
    batch.desc(4, 0x4101, 1, kWrite);
    batch.offer(0);
    batch.offer(2);
    const VirtqSeed loop = loop_seed();
    return {{"read", read.bytes()},
            {"write-ro", write.bytes()},
            {"flush-get-id", batch.bytes()},
            {"loop", loop.bytes()}};
}

// fuzz_virtio_mmio input: flags, an access count, accesses (offset, access, value), memory.
struct MmioAccess {
    std::uint16_t offset;
    bool write;
    std::uint32_t value;
};

std::vector<std::uint8_t> mmio_seed(const std::vector<MmioAccess>& accesses,
                                    const std::vector<std::uint8_t>& memory) {
    std::vector<std::uint8_t> out{0, static_cast<std::uint8_t>(accesses.size())};
    for (const MmioAccess& a : accesses) {
        const std::uint8_t access = static_cast<std::uint8_t>((a.write ? 1 : 0) | (2 << 1));
        out.insert(out.end(), {static_cast<std::uint8_t>(a.offset),
                               static_cast<std::uint8_t>(a.offset >> 8), access});
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<std::uint8_t>(a.value >> (8 * i)));
    }
    out.insert(out.end(), memory.begin(), memory.end());
    return out;
}

Seeds virtio_mmio_seeds() {
    const VirtqSeed read = read_seed();
    // Reset, negotiate VERSION_1 and FLUSH, queue 0 of 8 at 0x1000/0x2000/0x3000, DRIVER_OK,
    // notify, read InterruptStatus, acknowledge.
    const std::vector<MmioAccess> bring_up = {
        {0x70, true, 0}, {0x70, true, 3},      {0x24, true, 0},      {0x20, true, 1u << 9},
        {0x24, true, 1}, {0x20, true, 1},      {0x70, true, 11},     {0x30, true, 0},
        {0x38, true, 8}, {0x80, true, 0x1000}, {0x90, true, 0x2000}, {0xa0, true, 0x3000},
        {0x44, true, 1}, {0x70, true, 15},     {0x50, true, 0},      {0x60, false, 0},
        {0x64, true, 1}, {0x100, false, 0}};
    std::vector<MmioAccess> reset_midway = bring_up;
    reset_midway.insert(reset_midway.begin() + 15, MmioAccess{0x70, true, 0});
    const VirtqSeed loop = loop_seed();
    return {{"bring-up-read", mmio_seed(bring_up, read.memory())},
            {"reset-midway", mmio_seed(reset_midway, read.memory())},
            {"loop", mmio_seed(bring_up, loop.memory())}};
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: make_fuzz_seeds "
                             "pvh_elf|run_options|rom_validate|install_rom|page_walk|"
                             "hypercall_device|exit_handler|virtqueue|virtio_mmio DIR\n");
        return 64;
    }
    const std::string_view target = argv[1];
    const std::string dir = argv[2];
    const auto seeds = target == "pvh_elf"                                   ? pvh_elf_seeds()
                       : target == "run_options"                             ? run_options_seeds()
                       : target == "rom_validate" || target == "install_rom" ? rom_seeds()
                       : target == "page_walk"                               ? page_walk_seeds()
                       : target == "hypercall_device" ? hypercall_device_seeds()
                       : target == "exit_handler"     ? exit_handler_seeds()
                       : target == "virtqueue"        ? virtqueue_seeds()
                       : target == "virtio_mmio"      ? virtio_mmio_seeds()
                                                      : Seeds{};
    if (seeds.empty()) {
        std::fprintf(stderr, "make_fuzz_seeds: unknown target '%s'\n", argv[1]);
        return 64;
    }
    for (const auto& [name, bytes] : seeds) {
        if (!write_file(dir + "/" + name, bytes)) {
            std::perror((dir + "/" + name).c_str());
            return 1;
        }
    }
    return 0;
}
