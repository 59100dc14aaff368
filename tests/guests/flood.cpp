// Prints a long, checkable stream to the console: blocks of 4096 bytes, each a header line
// "block NNNNNNNN" and 63 lines of one letter, so a lost, doubled or reordered piece shows.
// Command line: "path=uart" (COM1, byte by byte) or "path=hypercall" (the ROM's console
// hypercall, 64 KiB per request), and "kib=N", the stream's length in KiB (a multiple of 4).
#include "lib/guest.hpp"

using namespace guest;

namespace {

constexpr uint32_t kBlock = 4096;
constexpr uint32_t kLine = 64;
constexpr uint32_t kChunk = 64 * 1024;
constexpr uint16_t kConsolePort = 0x561; // rom/vmm/hypercall_ports.h: VMM_HC_PORT_CONSOLE
alignas(4096) char g_chunk[kChunk];

void fill_header(char* block, uint32_t index) {
    const char prefix[] = "block ";
    for (uint32_t i = 0; i < sizeof prefix - 1; ++i)
        block[i] = prefix[i];
    for (int d = 7; d >= 0; --d)
        block[6 + 7 - d] = "0123456789abcdef"[(index >> (4 * d)) & 0xf];
    for (uint32_t i = 14; i < kLine - 1; ++i)
        block[i] = '.';
    block[kLine - 1] = '\n';
}

void fill_body(char* block) {
    for (uint32_t line = 1; line < kBlock / kLine; ++line) {
        char* p = block + line * kLine;
        for (uint32_t i = 0; i < kLine - 1; ++i)
            p[i] = static_cast<char>('a' + line % 26);
        p[kLine - 1] = '\n';
    }
}

uint64_t value_of(const char* cmdline, const char* key) {
    for (const char* p = cmdline; *p; ++p)
        if ((p == cmdline || p[-1] == ' ') && starts_with(p, key)) {
            uint64_t v = 0;
            for (p += 4; *p >= '0' && *p <= '9'; ++p)
                v = v * 10 + static_cast<uint64_t>(*p - '0');
            return v;
        }
    return 0;
}

uint32_t hypercall_console(const char* buf, uint64_t len) {
    uint32_t status;
    asm volatile("inl %%dx, %%eax"
                 : "=a"(status)
                 : "d"(kConsolePort), "D"(buf), "S"(len)
                 : "memory");
    return status;
}

} // namespace

extern "C" int guest_main(const StartInfo* info) {
    const char* cmdline = reinterpret_cast<const char*>(info->cmdline_paddr);
    const bool hypercall = cmdline && [&] {
        for (const char* p = cmdline; *p; ++p)
            if (starts_with(p, "path=hypercall")) return true;
        return false;
    }();
    const uint64_t blocks = (cmdline ? value_of(cmdline, "kib=") : 0) / 4;
    for (uint32_t b = 0; b < kChunk / kBlock; ++b)
        fill_body(g_chunk + b * kBlock);

    for (uint64_t done = 0; done < blocks;) {
        const uint64_t n =
            hypercall ? (blocks - done < kChunk / kBlock ? blocks - done : kChunk / kBlock) : 1;
        for (uint64_t b = 0; b < n; ++b)
            fill_header(g_chunk + b * kBlock, static_cast<uint32_t>(done + b));
        if (hypercall) {
            if (hypercall_console(g_chunk, n * kBlock) != 0) return 2;
        } else {
            for (uint32_t i = 0; i < kBlock; ++i)
                putc(g_chunk[i]);
        }
        done += n;
    }
    return 0;
}
