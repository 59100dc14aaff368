// A timer interrupt is pending in the IRR, but the task priority masks its class, so it can
// never be delivered; the guest then halts with interrupts on. The monitor must report the
// halt (vmi run: exit 81), not count the pending bit as a way to wake.
#include "lib/guest.hpp"
#include "lib/x2apic.hpp"

using namespace guest;

extern "C" int guest_main(const StartInfo*) {
    constexpr uint8_t kVector = 0x40;
    x2apic::enable();
    x2apic::wrmsr(x2apic::kTpr, 0xf0); // masks every class up to 15
    x2apic::arm_one_shot(kVector, 10'000);
    // The count reaches 0 before KVM posts the expiry to the IRR, at the next vCPU entry.
    for (uint32_t i = 0; i < 100'000 && !x2apic::irr_has(kVector); ++i)
        asm volatile("pause");
    check(x2apic::irr_has(kVector), "the timer's vector waits in the IRR");
    puts("halting with interrupts enabled behind a task priority of 0xf0\n");
    for (;;)
        asm volatile("sti; hlt");
}
