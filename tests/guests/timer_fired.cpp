// A one-shot APIC timer fires once and is handled; then the guest halts with interrupts on.
// The timer's initial count still reads non-zero, but nothing can wake the vCPU again: the
// monitor must report the halt (vmi run: exit 81), not wait for --timeout.
#include "lib/guest.hpp"
#include "lib/x2apic.hpp"

using namespace guest;

namespace {

constexpr uint8_t kTimerVector = 0x40;

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; // 0x8e: present, DPL 0, 64-bit interrupt gate
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] IdtPointer {
    uint16_t limit;
    uint64_t base;
};

alignas(16) Gate g_idt[256];

} // namespace

extern "C" {
volatile uint32_t g_timer_ticks = 0;
void timer_isr();
}

// Counts the interrupt and signals end of interrupt (x2APIC EOI: write 0 to MSR 0x80b).
asm(R"(
    .text
    .globl timer_isr
timer_isr:
    push %rax
    push %rcx
    push %rdx
    incl g_timer_ticks(%rip)
    mov $0x80b, %ecx
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    pop %rdx
    pop %rcx
    pop %rax
    iretq
)");

extern "C" int guest_main(const StartInfo*) {
    uint16_t cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    const auto isr = reinterpret_cast<uint64_t>(&timer_isr);
    g_idt[kTimerVector] = {
        static_cast<uint16_t>(isr),       cs, 0, 0x8e, static_cast<uint16_t>(isr >> 16),
        static_cast<uint32_t>(isr >> 32), 0};
    const IdtPointer idtr{sizeof g_idt - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(idtr));

    x2apic::enable();
    x2apic::arm_one_shot(kTimerVector, 100'000);
    while (g_timer_ticks == 0)
        asm volatile("sti; hlt; cli");
    check(g_timer_ticks == 1, "the one-shot timer fired once");
    check(x2apic::rdmsr(x2apic::kInitialCount) != 0, "its initial count still reads non-zero");
    check(x2apic::rdmsr(x2apic::kCurrentCount) == 0, "its current count reads 0");
    puts("halting with interrupts enabled and nothing armed\n");
    for (;;)
        asm volatile("sti; hlt");
}
