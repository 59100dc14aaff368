#include "mmio_cmdline.hpp"

namespace kernel::virtio {

namespace {

constexpr char kKey[] = "virtio_mmio.device=";

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

bool parse_word(const char* p, const char* end, MmioDevice* dev) {
    uint64_t size, base, irq, id;
    if (!parse_number(&p, true, &size) || size == 0 || p == end || *p++ != '@') return false;
    if (!parse_number(&p, true, &base) || base + size < base || p == end || *p++ != ':')
        return false;
    if (!parse_number(&p, false, &irq) || irq > 0xffffffffu) return false;
    if (p != end && (*p++ != ':' || !parse_number(&p, false, &id))) return false;
    if (p != end) return false;
    *dev = MmioDevice{base, size, static_cast<uint32_t>(irq)};
    return true;
}

} // namespace

bool parse_number(const char** p, bool suffix, uint64_t* out) {
    const char* s = *p;
    unsigned radix = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
        radix = 16;
        s += 2;
    } else if (s[0] == '0') {
        radix = 8;
    }
    if (digit_value(*s) >= static_cast<int>(radix)) return false;
    uint64_t v = 0;
    for (int d; (d = digit_value(*s)) < static_cast<int>(radix); ++s) {
        if (v > (~0ull - static_cast<unsigned>(d)) / radix) return false;
        v = v * radix + static_cast<unsigned>(d);
    }
    if (suffix) {
        unsigned shift = 0;
        switch (*s) {
        case 'G':
        case 'g':
            shift = 30;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'K':
        case 'k':
            shift = 10;
            break;
        default:
            break;
        }
        if (shift) {
            if (v > (~0ull >> shift)) return false;
            v <<= shift;
            ++s;
        }
    }
    *out = v;
    *p = s;
    return true;
}

MmioScan parse_mmio_devices(const char* cmdline, MmioDevice* out, unsigned max) {
    MmioScan scan{0, 0};
    if (!cmdline) return scan;
    for (const char* p = cmdline; *p;) {
        while (*p == ' ')
            ++p;
        const char* end = p;
        while (*end && *end != ' ')
            ++end;
        size_t k = 0;
        while (kKey[k] && p + k < end && p[k] == kKey[k])
            ++k;
        if (!kKey[k]) {
            MmioDevice dev;
            if (scan.found < max && parse_word(p + k, end, &dev))
                out[scan.found++] = dev;
            else
                ++scan.malformed;
        }
        p = end;
    }
    return scan;
}

} // namespace kernel::virtio
