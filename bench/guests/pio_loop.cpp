// Port-I/O round-trip guest: `out` to kLoopPort "iters=N" times (PVH command line), then exit
// with kStatusOk. The loop body is unrolled so that the emulated loop bookkeeping (CPL0 code
// is emulated on hosts without VT-x/SVM) adds little to each exit.
#include "bench_guest_abi.hpp"
#include "lib/guest.hpp"

namespace {

// Finds "iters=N" as a whole word; false if present but not a decimal number.
bool parse_iters(const char* cmdline, uint64_t& iters) {
    iters = bench_guest::kDefaultIters;
    if (!cmdline) return true;
    for (const char* p = cmdline; *p;) {
        while (*p == ' ')
            ++p;
        if (guest::starts_with(p, bench_guest::kItersKey)) {
            p += sizeof bench_guest::kItersKey - 1;
            uint64_t v = 0;
            const char* digits = p;
            while (*p >= '0' && *p <= '9')
                v = v * 10 + static_cast<uint64_t>(*p++ - '0');
            if (p == digits || (*p && *p != ' ')) return false;
            iters = v;
            return true;
        }
        while (*p && *p != ' ')
            ++p;
    }
    return true;
}

inline void out8(uint8_t v) {
    asm volatile(".rept 8\n\toutb %0, %1\n\t.endr" ::"a"(v), "Nd"(bench_guest::kLoopPort));
}

} // namespace

extern "C" int guest_main(const guest::StartInfo* info) {
    uint64_t iters = 0;
    const char* cmdline = info ? reinterpret_cast<const char*>(info->cmdline_paddr) : nullptr;
    if (!parse_iters(cmdline, iters)) return bench_guest::kStatusBadCmdline;
    for (uint64_t i = iters / 8; i; --i)
        out8(0);
    for (uint64_t i = iters % 8; i; --i)
        guest::outb(bench_guest::kLoopPort, 0);
    return bench_guest::kStatusOk;
}
