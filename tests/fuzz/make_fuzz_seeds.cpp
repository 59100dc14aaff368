// Writes the seed corpus of one fuzz target: a few valid inputs, so libFuzzer starts from the
// interesting part of the input space instead of rediscovering the ELF magic.
#include "elf_builder.hpp"

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: make_fuzz_seeds pvh_elf|run_options DIR\n");
        return 64;
    }
    const std::string_view target = argv[1];
    const std::string dir = argv[2];
    const auto seeds = target == "pvh_elf"       ? pvh_elf_seeds()
                       : target == "run_options" ? run_options_seeds()
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
