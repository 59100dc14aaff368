// Minimal runtime of the test guests: COM1 output, PVH start info, PASS/FAIL helpers.
#pragma once

#include <stdint.h>
#include <vmirt/pvh.hpp>

namespace guest {

using StartInfo = vmi::pvh::StartInfo;
using MemmapEntry = vmi::pvh::MemmapEntry;

inline void outb(uint16_t port, uint8_t v) {
    asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

void putc(char c);
void puts(const char* s);
void put_hex(uint64_t v);
void put_dec(uint64_t v);
bool streq(const char* a, const char* b);
bool starts_with(const char* s, const char* prefix);

// Prints "PASS: name" or "FAIL: name" and counts failures.
void check(bool ok, const char* name);
int failures();

} // namespace guest

// Each test guest defines this; its return value is the debug-exit status.
extern "C" int guest_main(const guest::StartInfo* info);
