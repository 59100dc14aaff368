// Native SET_CALLBACKS (docs/spec.md §4.1), reached through native.S: the runtime's own GDT, TSS
// and IDT and the SYSCALL MSRs. The stubs and the SYSCALL entry are in events.S.
#include "native_cpu.hpp"

#include <stddef.h>
#include <stdint.h>
#include <vmi/vmi.h>

namespace {

// 64-bit TSS (SDM vol. 3A, "Task Management in 64-bit Mode", figure "64-Bit TSS Format").
struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
};
static_assert(sizeof(Tss) == 104);
static_assert(offsetof(Tss, rsp) == 4, "events.S reads RSP0 at offset 4");
static_assert(offsetof(Tss, ist) == 36);
static_assert(offsetof(Tss, io_map_base) == 102);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

} // namespace

extern "C" {
// The kernel's handlers, called by the stubs in events.S (offsets 0, 8, 16).
vmi_callbacks vmi_native_handlers;
// RSP0 is the kernel stack for events from user mode; the SYSCALL entry loads it too.
alignas(16) Tss vmi_native_tss;
// The stub of each vector (events.S).
extern const uint64_t vmi_native_idt_stubs[256];
void vmi_native_syscall_entry();
}

namespace {

using namespace vmi::native;

// Selectors of events.h plus the TSS; user data precedes user code because SYSRET derives
// both from IA32_STAR[63:48] (+8 data, +16 code; SDM vol. 2B SYSRET).
constexpr uint16_t kSelectorTss = 0x28;
static_assert(VMI_SEL_USER_DATA == (0x18 | 3) && VMI_SEL_USER_CODE == (0x20 | 3));

// Code and data descriptors (SDM vol. 3A §3.4.5): present, DPL, S, type; L for 64-bit code.
constexpr uint64_t kKernelCode = 0x00af9b000000ffff;
constexpr uint64_t kKernelData = 0x00cf93000000ffff;
constexpr uint64_t kUserData = 0x00cff3000000ffff;
constexpr uint64_t kUserCode = 0x00affb000000ffff;

constexpr unsigned kGdtEntries = 7; // null, 4 segments, 16-byte TSS descriptor
constexpr uint8_t kIstDoubleFault = 1;

alignas(16) uint64_t g_gdt[kGdtEntries];
alignas(16) uint64_t g_idt[256 * 2];
// #DF runs on its own stack (IST1) so that a kernel stack overflow is reported, not a triple
// fault.
alignas(16) uint8_t g_double_fault_stack[4096];
bool g_tables_loaded;

constexpr uint32_t kMsrEfer = 0xc0000080;
constexpr uint32_t kMsrStar = 0xc0000081;
constexpr uint32_t kMsrLstar = 0xc0000082;
constexpr uint32_t kMsrFmask = 0xc0000084;
constexpr uint64_t kEferSce = 1;
// Cleared on SYSCALL: TF, IF, DF, AC as the ABI wants, and NT, which a user can set with popf
// and which would make the kernel's iretq fault (SDM vol. 2A IRET: NT = 1 in IA-32e mode).
constexpr uint64_t kFmask = (1u << 8) | (1u << 9) | (1u << 10) | (1u << 14) | (1u << 18);

// 16-byte system descriptor for the TSS (SDM vol. 3A, "TSS Descriptor in 64-bit mode"): type 9,
// available 64-bit TSS.
void tss_descriptor(uint64_t* entry, uint64_t base, uint32_t limit) {
    entry[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | uint64_t{0x89} << 40 |
               uint64_t{(limit >> 16) & 0xf} << 48 | ((base >> 24) & 0xff) << 56;
    entry[1] = base >> 32;
}

// 64-bit interrupt gate (SDM vol. 3A §6.14.1): clears IF on entry, so handlers run with
// interrupts disabled.
void interrupt_gate(uint64_t* entry, uint64_t handler, unsigned dpl, unsigned ist) {
    entry[0] = (handler & 0xffff) | uint64_t{VMI_SEL_KERNEL_CODE} << 16 | uint64_t{ist} << 32 |
               uint64_t{0x8e | dpl << 5} << 40 | ((handler >> 16) & 0xffff) << 48;
    entry[1] = handler >> 32;
}

// Reloads every segment register from the new GDT, so that nothing still refers to the boot
// GDT (which goes away with the boot page tables); CS by a far return.
void reload_segments() {
    asm volatile("mov %0, %%ds\n\t"
                 "mov %0, %%es\n\t"
                 "mov %0, %%ss\n\t"
                 "pushq %1\n\t"
                 "lea 1f(%%rip), %%rax\n\t"
                 "push %%rax\n\t"
                 "lretq\n"
                 "1:"
                 :
                 : "r"(uint32_t{VMI_SEL_KERNEL_DATA}), "i"(VMI_SEL_KERNEL_CODE)
                 : "rax", "memory");
}

// Firmware may leave the 8259A PICs delivering at vectors 8-15 with the PIT unmasked
// (SeaBIOS: 18.2 Hz at vector 8, which would look like a #DF): move them to 0xF0-0xFF and mask
// every line. Events come from the local APIC. ICW1 cascade with ICW4, ICW2 vector base, ICW3
// wiring, ICW4 8086 mode (8259A data sheet); without PICs the writes go nowhere.
void silence_pics() {
    constexpr uint16_t kMaster = 0x20, kSlave = 0xa0;
    const uint8_t init[][2] = {
        {0x11, 0x11}, {0xf0, 0xf8}, {0x04, 0x02}, {0x01, 0x01}, {0xff, 0xff}};
    for (unsigned i = 0; i < sizeof init / sizeof init[0]; ++i) {
        out8(i == 0 ? kMaster : kMaster + 1, init[i][0]);
        out8(i == 0 ? kSlave : kSlave + 1, init[i][1]);
    }
}

void load_tables() {
    g_gdt[0] = 0;
    g_gdt[VMI_SEL_KERNEL_CODE / 8] = kKernelCode;
    g_gdt[VMI_SEL_KERNEL_DATA / 8] = kKernelData;
    g_gdt[VMI_SEL_USER_DATA / 8] = kUserData;
    g_gdt[VMI_SEL_USER_CODE / 8] = kUserCode;
    // No I/O bitmap: the map base lies beyond the limit, so user port I/O needs IOPL 3.
    vmi_native_tss.io_map_base = sizeof(Tss);
    vmi_native_tss.ist[kIstDoubleFault - 1] =
        reinterpret_cast<uint64_t>(g_double_fault_stack + sizeof g_double_fault_stack);
    tss_descriptor(&g_gdt[kSelectorTss / 8], reinterpret_cast<uint64_t>(&vmi_native_tss),
                   sizeof(Tss) - 1);
    const DescriptorPointer gdtr{sizeof g_gdt - 1, reinterpret_cast<uint64_t>(g_gdt)};
    asm volatile("lgdt %0" ::"m"(gdtr) : "memory");
    reload_segments();
    asm volatile("ltr %0" ::"r"(kSelectorTss) : "memory");

    // int3 and into may be used from user mode (DPL 3); any other vector raised by a user's
    // `int n` faults with #GP instead.
    for (unsigned v = 0; v < 256; ++v)
        interrupt_gate(&g_idt[2 * v], vmi_native_idt_stubs[v], v == 3 || v == 4 ? 3 : 0,
                       v == 8 ? kIstDoubleFault : 0);
    const DescriptorPointer idtr{sizeof g_idt - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(idtr) : "memory");
    silence_pics();

    // SYSCALL: CS/SS from STAR[47:32] (kernel code, +8 data); SYSRET from STAR[63:48].
    wrmsr(kMsrStar, uint64_t{VMI_SEL_KERNEL_DATA} << 48 | uint64_t{VMI_SEL_KERNEL_CODE} << 32);
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&vmi_native_syscall_entry));
    wrmsr(kMsrFmask, kFmask);
    wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferSce);
}

} // namespace

// Handlers may be replaced by calling again; the tables are built once.
extern "C" uint32_t vmi_native_set_callbacks_impl(const vmi_callbacks* callbacks) {
    if (!callbacks || !callbacks->exception || !callbacks->interrupt || !callbacks->syscall)
        return VMI_ERR_INVALID;
    vmi_native_handlers = *callbacks;
    if (!g_tables_loaded) {
        load_tables();
        g_tables_loaded = true;
    }
    return VMI_OK;
}
