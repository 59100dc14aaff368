// A one-shot APIC timer fires once and is handled; then the guest halts with interrupts on.
// The timer's initial count still reads non-zero, but nothing can wake the vCPU again: the
// monitor must report the halt (vmi run: exit 81), not wait for --timeout.
#include "lib/guest.hpp"
#include "lib/idt.hpp"
#include "lib/x2apic.hpp"

using namespace guest;

namespace {

constexpr uint8_t kTimerVector = 0x40;

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
    idt::set_gate(kTimerVector, timer_isr);

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
