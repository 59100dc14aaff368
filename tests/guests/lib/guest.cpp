#include "guest.hpp"

namespace guest {

namespace {
constexpr uint16_t kCom1 = 0x3f8;
int g_failures = 0;
} // namespace

void putc(char c) {
    while (!(inb(kCom1 + 5) & 0x20)) {
    }
    outb(kCom1, static_cast<uint8_t>(c));
}

void puts(const char* s) {
    while (*s) putc(*s++);
}

void put_hex(uint64_t v) {
    puts("0x");
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
        const unsigned digit = (v >> shift) & 0xf;
        if (!digit && !started && shift) continue;
        started = true;
        putc("0123456789abcdef"[digit]);
    }
}

void put_dec(uint64_t v) {
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    puts(buf + i);
}

bool streq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

bool starts_with(const char* s, const char* prefix) {
    while (*prefix)
        if (*s++ != *prefix++) return false;
    return true;
}

void check(bool ok, const char* name) {
    puts(ok ? "PASS: " : "FAIL: ");
    puts(name);
    putc('\n');
    if (!ok) ++g_failures;
}

int failures() { return g_failures; }

} // namespace guest
