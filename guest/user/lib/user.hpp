// The user-side library of the reference kernel's programs: system calls and a few helpers.
// Programs run at CPL3 with no FPU state saved by the kernel, so they are built without SSE.
#pragma once

#include "uapi/syscalls.h"

#include <stddef.h>
#include <stdint.h>

namespace user {

inline long syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0) {
    long ret;
    register long r10 asm("r10") = d;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                 : "rcx", "r11", "memory");
    return ret;
}

[[noreturn]] inline void exit(int status) {
    syscall(SYS_EXIT, status);
    __builtin_unreachable();
}
inline long write(const char* buf, size_t len) {
    return syscall(SYS_WRITE, 1, reinterpret_cast<long>(buf), static_cast<long>(len));
}
inline long getpid() {
    return syscall(SYS_GETPID);
}
inline long yield() {
    return syscall(SYS_YIELD);
}
inline long fork() {
    return syscall(SYS_FORK);
}
inline long wait(int* status) {
    return syscall(SYS_WAIT, reinterpret_cast<long>(status));
}
inline long exec(const char* name, const char* arg) {
    return syscall(SYS_EXEC, reinterpret_cast<long>(name), reinterpret_cast<long>(arg));
}
inline void* mmap(size_t len) {
    const long r = syscall(SYS_MMAP, static_cast<long>(len));
    return r < 0 ? nullptr : reinterpret_cast<void*>(r);
}
inline long munmap(void* addr, size_t len) {
    return syscall(SYS_MUNMAP, reinterpret_cast<long>(addr), static_cast<long>(len));
}
inline long set_fault_handler(void (*fn)(uint64_t vector, uint64_t address)) {
    return syscall(SYS_SET_FAULT_HANDLER, reinterpret_cast<long>(fn));
}
[[noreturn]] inline void fault_return() {
    syscall(SYS_FAULT_RETURN);
    __builtin_unreachable();
}
inline void bench_report(const char* name, uint64_t cycles, uint64_t iterations,
                         uint64_t monitor_entries) {
    syscall(SYS_BENCH_REPORT, reinterpret_cast<long>(name), static_cast<long>(cycles),
            static_cast<long>(iterations), static_cast<long>(monitor_entries));
}
inline uint64_t monitor_entries() {
    return static_cast<uint64_t>(syscall(SYS_MONITOR_ENTRIES));
}
inline uint64_t cycles() {
    return static_cast<uint64_t>(syscall(SYS_CYCLES));
}

inline long blk_get_info(long disk, struct blk_info* info) {
    return syscall(SYS_BLK_INFO, disk, reinterpret_cast<long>(info));
}
inline long blk_read(long disk, uint64_t sector, void* buf, long count) {
    return syscall(SYS_BLK_READ, disk, static_cast<long>(sector), reinterpret_cast<long>(buf),
                   count);
}
inline long blk_write(long disk, uint64_t sector, const void* buf, long count) {
    return syscall(SYS_BLK_WRITE, disk, static_cast<long>(sector), reinterpret_cast<long>(buf),
                   count);
}
inline long blk_flush(long disk) {
    return syscall(SYS_BLK_FLUSH, disk);
}

// TSC read at CPL3 (CR4.TSD is clear): the clock benchmarks use, free of syscall cost.
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

size_t strlen(const char* s);
bool streq(const char* a, const char* b);
void print(const char* s);
void print_u64(uint64_t v);
uint64_t parse_u64(const char* s, uint64_t fallback);
void check(bool ok, const char* name); // prints PASS:/FAIL: and counts failures
int failures();

} // namespace user

// Each program defines main; `arg` is the string given to exec (never null).
int main(const char* arg);
