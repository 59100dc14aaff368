#include <vmirt/conform.hpp>

namespace vmi::conform {

void native_cpuid(uint32_t leaf, uint32_t subleaf, uint64_t out[4]) {
    uint32_t a = leaf, b, c = subleaf, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    out[0] = a, out[1] = b, out[2] = c, out[3] = d;
}

uint64_t native_rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t{hi} << 32) | lo;
}

uint64_t native_read_cr(unsigned cr) {
    uint64_t v = 0;
    switch (cr) {
    case 0:
        asm volatile("mov %%cr0, %0" : "=r"(v));
        break;
    case 2:
        asm volatile("mov %%cr2, %0" : "=r"(v));
        break;
    case 3:
        asm volatile("mov %%cr3, %0" : "=r"(v));
        break;
    default:
        asm volatile("mov %%cr4, %0" : "=r"(v));
        break;
    }
    return v;
}

void native_store_gdtr(TablePointer* p) {
    asm volatile("sgdt %0" : "=m"(*p));
}

void native_store_idtr(TablePointer* p) {
    asm volatile("sidt %0" : "=m"(*p));
}

uint64_t native_rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

unsigned current_cpl() {
    uint16_t cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

void fill(void* p, uint8_t value, uint64_t n) {
    asm volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(value) : "memory");
}

uint64_t same_prefix(const void* p, uint8_t value, uint64_t n) {
    uint64_t left = n;
    bool all;
    asm volatile("test %%rcx, %%rcx; repe scasb"
                 : "+D"(p), "+c"(left), "=@ccz"(all)
                 : "a"(value)
                 : "memory");
    return all ? n : n - left - 1;
}

bool same_bytes(const void* a, const void* b, uint64_t n) {
    bool all;
    asm volatile("test %%rcx, %%rcx; repe cmpsb"
                 : "+S"(a), "+D"(b), "+c"(n), "=@ccz"(all)
                 :
                 : "memory");
    return all;
}

} // namespace vmi::conform
