#include "guest.hpp"

#include <vmirt/boot.hpp>

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
    while (*s)
        putc(*s++);
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
    while (*a && *a == *b)
        ++a, ++b;
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

int failures() {
    return g_failures;
}

} // namespace guest

// guest/vmi/pvh_entry.S calls this in long mode; the guest's status goes to the debug-exit port.
extern "C" [[noreturn]] void vmi_boot_main(uint64_t start_info_phys) {
    const int status =
        guest_main(static_cast<const guest::StartInfo*>(vmi::boot::phys_to_virt(start_info_phys)));
    asm volatile("outl %0, %1" ::"a"(static_cast<uint32_t>(status)), "Nd"(uint16_t{0xf4}));
    for (;;)
        asm volatile("cli; hlt");
}
