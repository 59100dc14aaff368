#include "conform.hpp"

#include "console.hpp"
#include "events.hpp"
#include "mm/mm.hpp"

#include <stdarg.h>
#include <vmi/vmi.h>
#include <vmirt/conform.hpp>
#include <vmirt/ops.hpp>

namespace kernel {

namespace {

using namespace vmi::conform;
const char* const kRegNames[kGprs] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
                                      "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

const char* const kCallNames[VMI_CALL_COUNT] = {
#define X(number, NAME, name, sig) #NAME,
    VMI_CALLS(X)
#undef X
};

constexpr uint64_t kRflagsIf = 1u << 9;
constexpr uint64_t kRflagsDf = 1u << 10;
constexpr uint64_t kPtePresentWritable = 3;
constexpr uint64_t kPteUser = 4;
constexpr uint64_t kPteAddress = 0x000ffffffffff000ull;
constexpr uint64_t kCr0Pe = 1, kCr0Pg = 1ull << 31, kCr4Pae = 1u << 5;
constexpr uint32_t kMsrKernelGsBase = 0xc0000102;
constexpr uint64_t kMsrProbe = 0xffff800012345000ull;
constexpr uint16_t kCom1Scratch = 0x3ff;
constexpr uint16_t kUnusedPort = 0x1e0;
constexpr uint64_t kCr2Probe = 0xffff800012345678ull;
constexpr uint32_t kApicVersion = 0x30, kApicTpr = 0x80;
constexpr uint32_t kTprProbe = 0x10; // holds back only vectors 0x10-0x1f, which nothing uses
constexpr uint64_t kPageBytes = 4096;
constexpr uint64_t kFeatureReserved = ~uint64_t{0x7f};
constexpr uint64_t kNsPer2020 = 1577836800ull * 1000000000ull;
constexpr uint64_t kNsPer2100 = 4102444800ull * 1000000000ull;

int g_passed, g_failed, g_skipped;

void verdict(const char* what, uint32_t call, const char* rule, const char* fmt, va_list ap) {
    print("%s: %s: %s: ", what, kCallNames[call], rule);
    vprint(fmt, ap);
    print("\n");
}

[[gnu::format(printf, 4, 5)]] void check(bool ok, uint32_t call, const char* rule, const char* fmt,
                                         ...) {
    va_list ap;
    va_start(ap, fmt);
    verdict(ok ? "PASS" : "FAIL", call, rule, fmt, ap);
    va_end(ap);
    ++(ok ? g_passed : g_failed);
}

[[gnu::format(printf, 3, 4)]] void skip(uint32_t call, const char* rule, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verdict("SKIP", call, rule, fmt, ap);
    va_end(ap);
    ++g_skipped;
}

bool bound(uint32_t call) {
    return vmi::binding(call) == vmi::Binding::Call;
}

// ---- the harness ------------------------------------------------------------------------------

// The call's stack: guard bytes below the stack pointer it is called with (the ROM may use
// max_stack_bytes of them) and above it (the caller's, which it must not touch). Room below for
// an event delivered during the call (HALT), as natively on the kernel's stack.
alignas(16) uint8_t g_stack[16384];
constexpr uint64_t kGuardBelow = 1024;
constexpr uint64_t kGuardAbove = 64;
constexpr uint8_t kGuardByte = 0xc5;

uint8_t* call_stack_top() {
    return g_stack + sizeof g_stack - kGuardAbove;
}

struct Called {
    Regs out;
    uint64_t stack_used;    // bytes below the stack pointer that the call changed
    bool caller_stack_kept; // nothing above it changed
};

void lay_guard() {
    fill(call_stack_top() - kGuardBelow, kGuardByte, kGuardBelow + kGuardAbove);
}

void measure_guard(Called& c) {
    const uint8_t* top = call_stack_top();
    c.stack_used = kGuardBelow - same_prefix(top - kGuardBelow, kGuardByte, kGuardBelow);
    c.caller_stack_kept = same_prefix(top, kGuardByte, kGuardAbove) == kGuardAbove;
}

Called invoke(uint32_t call, const Regs& in) {
    lay_guard();
    Called c{};
    vmi_conform_call(vmi::binding_target(call), &in, &c.out, call_stack_top());
    measure_guard(c);
    return c;
}

// A distinct pattern per register, none with the guard byte in it.
Regs patterns() {
    Regs r{};
    for (unsigned i = 0; i < kGprs; ++i)
        r.gpr[i] = 0x0101010101010101ull * (0x11 + i) ^ (uint64_t{i} << 60);
    return r;
}

// Bits of a register that `call` may change: its declared outputs (docs/spec.md §4, §5.2).
uint64_t output_bits(uint32_t call, unsigned reg) {
    switch (call) {
    case VMI_CALL_CPUID:
        return reg <= RDX ? ~uint64_t{0} : 0;
    case VMI_CALL_RDMSR:
    case VMI_CALL_GET_CYCLE_COUNTER:
        return reg == RAX || reg == RDX ? ~uint64_t{0} : 0;
    case VMI_CALL_INB:
        return reg == RAX ? 0xff : 0;
    case VMI_CALL_INW:
        return reg == RAX ? 0xffff : 0;
    case VMI_CALL_INL:
    case VMI_CALL_GET_CR0:
    case VMI_CALL_GET_CR2:
    case VMI_CALL_GET_CR3:
    case VMI_CALL_GET_CR4:
    case VMI_CALL_GET_INTERRUPT_MASK:
    case VMI_CALL_SET_CALLBACKS:
    case VMI_CALL_APIC_READ:
    case VMI_CALL_GET_CYCLE_FREQUENCY:
    case VMI_CALL_SET_ALARM:
    case VMI_CALL_GET_WALLCLOCK_TIME:
    case VMI_CALL_GET_FEATURES:
    case VMI_CALL_GET_MONITOR_ENTRIES:
        return reg == RAX ? ~uint64_t{0} : 0;
    default:
        return 0;
    }
}

struct Facts {
    const vmi_rom_header* header;
    const vmi_data_area* data; // null unless the hypervisor filled it
    uint64_t features;         // GET_FEATURES
    bool cpl0;                 // the kernel runs at CPL0 (not deprivileged)
};
Facts g_facts;

// The register rule's finding: the first register the call changed although it is not an
// output, with its value before and after; `name` null if none.
struct Changed {
    const char* name = nullptr;
    uint64_t before = 0, after = 0;
};

Changed changed_register(uint32_t call, const Regs& in, const Called& c) {
    for (unsigned i = 0; i < kGprs; ++i)
        if ((in.gpr[i] ^ c.out.gpr[i]) & ~output_bits(call, i))
            return {kRegNames[i], in.gpr[i], c.out.gpr[i]};
    const auto top = reinterpret_cast<uint64_t>(call_stack_top());
    if (c.out.rsp != top) return {"rsp", top, c.out.rsp};
    if (c.out.rflags & kRflagsDf) return {"DF", 0, 1};
    return {};
}

void report_registers(uint32_t call, const Changed& r) {
    if (r.name)
        check(false, call, "registers", "%s was %lx, is %lx after the call", r.name, r.before,
              r.after);
    else
        check(true, call, "registers", "every register but the declared outputs kept");
}

void check_registers(uint32_t call, const Regs& in, const Called& c) {
    report_registers(call, changed_register(call, in, c));
}

void check_stack(uint32_t call, const Called& c) {
    const uint32_t max = g_facts.header->max_stack_bytes;
    if (!c.caller_stack_kept)
        check(false, call, "stack", "wrote above the caller's stack pointer");
    else
        check(c.stack_used <= max, call, "stack", "%lu bytes used of max_stack_bytes %u",
              c.stack_used, max);
}

bool interrupts_enabled() {
    return vmi::get_interrupt_mask() & kRflagsIf;
}

void check_interrupts(uint32_t call, bool expect_enabled) {
    const bool on = interrupts_enabled();
    if (expect_enabled)
        check(on, call, "interrupts", "interrupts enabled afterwards, as the call asks");
    else
        check(!on, call, "interrupts", "called with interrupts disabled, left disabled");
}

// The whole contract of one call made with `in`: registers, stack, interrupt flag.
Called exercise(uint32_t call, const Regs& in, bool enables = false) {
    vmi::disable_interrupts();
    const Called c = invoke(call, in);
    check_registers(call, in, c);
    check_stack(call, c);
    check_interrupts(call, enables);
    vmi::disable_interrupts();
    return c;
}

// Another call of the ROM's entry, for a result only.
uint64_t again(uint32_t call, Regs in, Reg out_reg = RAX) {
    return invoke(call, in).out.gpr[out_reg];
}

// Without a 128-bit division (no libgcc here); exact below 18 GHz.
uint64_t cycles_to_ns(uint64_t cycles, uint64_t hz) {
    constexpr uint64_t kNsPerS = 1000000000;
    return cycles / hz * kNsPerS + cycles % hz * kNsPerS / hz;
}

// docs/spec.md §3.4's wall-clock formula at TSC value `tsc`.
uint64_t data_area_wallclock(const vmi_data_area& d, uint64_t tsc) {
    const unsigned __int128 product =
        static_cast<unsigned __int128>(tsc - d.boot_cycles) * d.wallclock_mul;
    return d.boot_wallclock_ns + static_cast<uint64_t>(product >> d.wallclock_shift);
}

// ---- the calls ---------------------------------------------------------------------------------

// The hypervisor's cached answer for a leaf (subleaf 0), or null.
const vmi_cpuid_answer* cached_leaf(uint32_t leaf) {
    const vmi_data_area* d = g_facts.data;
    for (uint32_t i = 0; d && i < d->cpuid_count && i < VMI_DATA_CPUID_MAX; ++i)
        if (d->cpuid[i].leaf == leaf && d->cpuid[i].subleaf == 0) return &d->cpuid[i];
    return nullptr;
}

// Cached leaves must be the data area's answers: the hypervisor's, which the instruction need
// not give (docs/testbed.md: at CPL3, and for leaf 7 even at CPL0, this host answers for the
// machine underneath). Other leaves must be the instruction's where the kernel runs at CPL0.
void conform_cpuid() {
    constexpr uint32_t c = VMI_CALL_CPUID;
    Regs in = patterns();
    in.gpr[RAX] = 0;
    in.gpr[RCX] = 0;
    const Called r = exercise(c, in);
    check(r.out.gpr[RAX] >= 1, c, "result", "leaf 0 reports a highest leaf of at least 1");
    const uint32_t leaves[] = {0, 1, 6, 7, 0x80000000u, 0x80000001u, 0x80000008u};
    unsigned cached = 0, compared = 0;
    for (const uint32_t leaf : leaves) {
        const vmi_cpuid_answer* a = cached_leaf(leaf);
        uint64_t expect[4];
        if (a) {
            expect[0] = a->eax, expect[1] = a->ebx, expect[2] = a->ecx, expect[3] = a->edx;
            ++cached;
        } else if (g_facts.cpl0) {
            native_cpuid(leaf, 0, expect);
            ++compared;
        } else {
            continue;
        }
        in.gpr[RAX] = leaf;
        const Called o = invoke(c, in);
        for (unsigned i = 0; i < 4; ++i) {
            if (o.out.gpr[i] != expect[i]) {
                check(false, c, "result", "leaf %x: %s %lx, %s %lx", leaf, kRegNames[i],
                      o.out.gpr[i], a ? "the data area's" : "the CPUID instruction's", expect[i]);
                return;
            }
        }
    }
    if (cached + compared)
        check(true, c, "result", "%u leaves as the data area caches them, %u as CPUID answers",
              cached, compared);
    else
        skip(c, "result",
             "the kernel runs at CPL3 and the data area caches none of the leaves: CPUID at "
             "CPL3 may answer for another machine (docs/testbed.md)");
}

void conform_rdmsr() {
    constexpr uint32_t c = VMI_CALL_RDMSR;
    Regs in = patterns();
    in.gpr[RCX] = kMsrKernelGsBase;
    const uint64_t expect = vmi::rdmsr(kMsrKernelGsBase);
    const Called r = exercise(c, in);
    const uint64_t got = (r.out.gpr[RDX] << 32) | (r.out.gpr[RAX] & 0xffffffff);
    const bool zero_extended = (r.out.gpr[RDX] >> 32) == 0 && (r.out.gpr[RAX] >> 32) == 0;
    if (g_facts.cpl0)
        check(got == native_rdmsr(kMsrKernelGsBase) && zero_extended, c, "result",
              "IA32_KERNEL_GS_BASE as the RDMSR instruction reads it");
    vmi::wrmsr(kMsrKernelGsBase, kMsrProbe);
    const Called probe = invoke(c, in);
    vmi::wrmsr(kMsrKernelGsBase, expect);
    check(got == expect && zero_extended &&
              ((probe.out.gpr[RDX] << 32) | (probe.out.gpr[RAX] & 0xffffffff)) == kMsrProbe,
          c, "result", "reads back what WRMSR wrote to IA32_KERNEL_GS_BASE");
}

void conform_wrmsr() {
    constexpr uint32_t c = VMI_CALL_WRMSR;
    const uint64_t old = vmi::rdmsr(kMsrKernelGsBase);
    Regs in = patterns();
    in.gpr[RCX] = kMsrKernelGsBase;
    in.gpr[RAX] = kMsrProbe & 0xffffffff;
    in.gpr[RDX] = kMsrProbe >> 32;
    exercise(c, in);
    const uint64_t now = vmi::rdmsr(kMsrKernelGsBase);
    vmi::wrmsr(kMsrKernelGsBase, old);
    check(now == kMsrProbe, c, "result", "RDMSR reads back the value written");
}

void conform_descriptor(uint32_t c) {
    if (!g_facts.cpl0) {
        skip(c, "contract", "the kernel runs at CPL3, where it owns no descriptor table");
        return;
    }
    if (c == VMI_CALL_LOAD_TR) {
        skip(c, "contract", "LTR of the TSS already loaded faults (busy): not repeatable");
        return;
    }
    TablePointer gdt{}, idt{};
    native_store_gdtr(&gdt);
    native_store_idtr(&idt);
    Regs in = patterns();
    if (c == VMI_CALL_LOAD_GDT || c == VMI_CALL_LOAD_IDT) {
        // The tables in force, loaded again.
        in.gpr[RDI] = reinterpret_cast<uint64_t>(c == VMI_CALL_LOAD_GDT ? &gdt : &idt);
        exercise(c, in);
        TablePointer now{};
        if (c == VMI_CALL_LOAD_GDT)
            native_store_gdtr(&now);
        else
            native_store_idtr(&now);
        const TablePointer& was = c == VMI_CALL_LOAD_GDT ? gdt : idt;
        check(now.base == was.base && now.limit == was.limit, c, "result",
              "the table register holds what was loaded");
        return;
    }
    // An entry written with the value it has: the kernel code segment, the #DE gate.
    auto* entry =
        reinterpret_cast<uint64_t*>(c == VMI_CALL_WRITE_GDT_ENTRY ? gdt.base + 8 : idt.base);
    in.gpr[RDI] = reinterpret_cast<uint64_t>(entry);
    in.gpr[RSI] = entry[0];
    if (c == VMI_CALL_WRITE_IDT_ENTRY) in.gpr[RDX] = entry[1];
    const uint64_t low = entry[0], high = entry[1];
    exercise(c, in);
    check(entry[0] == low && entry[1] == high, c, "result", "the entry holds the value written");
}

void conform_get_cr(uint32_t c) {
    const Called r = exercise(c, patterns());
    const uint64_t v = r.out.gpr[RAX];
    switch (c) {
    case VMI_CALL_GET_CR0:
        check((v & kCr0Pe) && (v & kCr0Pg), c, "result", "PE and PG set (long mode)");
        break;
    case VMI_CALL_GET_CR2: {
        vmi::set_cr2(kCr2Probe);
        Regs in = patterns();
        const uint64_t probe = again(c, in);
        vmi::set_cr2(v);
        check(probe == kCr2Probe, c, "result", "reads back what SET_CR2 wrote");
        break;
    }
    case VMI_CALL_GET_CR3:
        check((v & kPteAddress) == mm::kernel_space().root().value, c, "result",
              "the kernel's own root (%lx)", mm::kernel_space().root().value);
        break;
    default:
        check(v & kCr4Pae, c, "result", "PAE set (long mode)");
        break;
    }
    if (g_facts.cpl0)
        check(native_read_cr(c == VMI_CALL_GET_CR0   ? 0
                             : c == VMI_CALL_GET_CR2 ? 2
                             : c == VMI_CALL_GET_CR3 ? 3
                                                     : 4) == v,
              c, "result", "as the MOV from the control register");
}

void conform_set_cr(uint32_t c) {
    uint64_t value = 0, now = 0;
    Regs in = patterns();
    switch (c) {
    case VMI_CALL_SET_CR0:
        value = vmi::get_cr0();
        break;
    case VMI_CALL_SET_CR2:
        value = kCr2Probe;
        break;
    case VMI_CALL_SET_CR3:
        value = vmi::get_cr3(); // the current root: the kernel goes on running
        break;
    default:
        value = vmi::get_cr4();
        break;
    }
    const uint64_t cr2 = vmi::get_cr2();
    in.gpr[RDI] = value;
    exercise(c, in);
    switch (c) {
    case VMI_CALL_SET_CR0:
        now = vmi::get_cr0();
        break;
    case VMI_CALL_SET_CR2:
        now = vmi::get_cr2();
        vmi::set_cr2(cr2);
        break;
    case VMI_CALL_SET_CR3:
        now = vmi::get_cr3();
        break;
    default:
        now = vmi::get_cr4();
        break;
    }
    check(now == value, c, "result", "GET reads back the value set (%lx)", value);
}

void conform_interrupt_calls(uint32_t c) {
    Regs in = patterns();
    switch (c) {
    case VMI_CALL_ENABLE_INTERRUPTS:
        exercise(c, in, true);
        break;
    case VMI_CALL_DISABLE_INTERRUPTS:
        exercise(c, in);
        vmi::enable_interrupts();
        again(c, in);
        check(!interrupts_enabled(), c, "result", "disables interrupts that were enabled");
        vmi::disable_interrupts();
        break;
    case VMI_CALL_GET_INTERRUPT_MASK: {
        const Called r = exercise(c, in);
        vmi::enable_interrupts();
        const uint64_t on = again(c, in);
        vmi::disable_interrupts();
        check(!(r.out.gpr[RAX] & kRflagsIf) && (on & kRflagsIf), c, "result",
              "IF clear while interrupts are disabled, set while enabled");
        break;
    }
    default:
        in.gpr[RDI] = vmi::get_interrupt_mask() | kRflagsIf;
        exercise(c, in, true);
        in.gpr[RDI] &= ~kRflagsIf;
        vmi::enable_interrupts();
        again(c, in);
        check(!interrupts_enabled(), c, "result", "restores IF clear as well as set");
        vmi::disable_interrupts();
        break;
    }
}

void conform_set_callbacks() {
    constexpr uint32_t c = VMI_CALL_SET_CALLBACKS;
    Regs in = patterns();
    in.gpr[RDI] = reinterpret_cast<uint64_t>(&registered_callbacks());
    const Called r = exercise(c, in);
    const vmi_callbacks none{};
    in.gpr[RDI] = reinterpret_cast<uint64_t>(&none);
    const uint64_t invalid = again(c, in);
    // Whatever the answer, the kernel's handlers are registered again.
    vmi::set_callbacks(&registered_callbacks());
    check(r.out.gpr[RAX] == VMI_OK && invalid == VMI_ERR_INVALID, c, "result",
          "VMI_OK for the kernel's handlers, VMI_ERR_INVALID for null ones");
}

void conform_update_kernel_stack() {
    Regs in = patterns();
    in.gpr[RDI] = kernel_stack_top(); // the stack the kernel already uses
    exercise(VMI_CALL_UPDATE_KERNEL_STACK, in);
}

// A page-table page that no root reaches, for the PTE and page calls.
struct ScratchTable {
    mm::PhysAddr phys;
    uint64_t* entries;
};

bool scratch_table(ScratchTable& t) {
    const mm::Result<mm::PhysAddr> frame = mm::frames().alloc(mm::Fill::Zero);
    if (!frame.ok()) return false;
    t.phys = frame.value();
    t.entries = static_cast<uint64_t*>(mm::frames().virt(t.phys));
    return true;
}

void conform_pte(uint32_t c) {
    ScratchTable t{};
    if (!scratch_table(t)) {
        skip(c, "contract", "no free frame for a scratch page table");
        return;
    }
    const uint64_t pfn = t.phys.value / kPageBytes;
    vmi::allocate_page(pfn, VMI_PAGE_L1 | VMI_PAGE_ZEROED);
    const unsigned slot = c == VMI_CALL_SET_PTE ? 5 : 6;
    const uint64_t value = t.phys.value | kPtePresentWritable;
    Regs in = patterns();
    in.gpr[RDI] = reinterpret_cast<uint64_t>(&t.entries[slot]);
    in.gpr[RSI] = value;
    exercise(c, in);
    // A deprivileged ROM makes present entries user-accessible (docs/spec.md §12.4).
    const uint64_t may_differ = (g_facts.features & VMI_FEATURE_DEPRIVILEGED) ? kPteUser : 0;
    const bool ok = (t.entries[slot] & ~may_differ) == value;
    in.gpr[RSI] = 0;
    again(c, in);
    check(ok && t.entries[slot] == 0, c, "result", "the entry holds the value stored");
    vmi::release_page(pfn, VMI_PAGE_L1);
    mm::frames().free_zeroed(t.phys);
}

void conform_page_role(uint32_t c) {
    ScratchTable t{};
    if (!scratch_table(t)) {
        skip(c, "contract", "no free frame for a scratch page table");
        return;
    }
    const uint64_t pfn = t.phys.value / kPageBytes;
    Regs in = patterns();
    in.gpr[RDI] = pfn;
    if (c == VMI_CALL_ALLOCATE_PAGE) {
        in.gpr[RSI] = VMI_PAGE_L1 | VMI_PAGE_ZEROED;
        exercise(c, in);
        vmi::release_page(pfn, VMI_PAGE_L1);
    } else {
        vmi::allocate_page(pfn, VMI_PAGE_L1 | VMI_PAGE_ZEROED);
        in.gpr[RSI] = VMI_PAGE_L1;
        exercise(c, in);
    }
    mm::frames().free_zeroed(t.phys);
}

uint64_t g_tlb_probe = 0x5eed;

void conform_tlb(uint32_t c) {
    Regs in = patterns();
    if (c == VMI_CALL_INVAL_PAGE)
        in.gpr[RDI] = reinterpret_cast<uint64_t>(&g_tlb_probe);
    else if (c == VMI_CALL_FLUSH_TLB)
        in.gpr[RDI] = VMI_FLUSH_TLB;
    else
        in.gpr[RDI] = VMI_LAZY_OFF;
    exercise(c, in);
    if (c != VMI_CALL_SET_LAZY_MODE)
        check(*static_cast<volatile uint64_t*>(&g_tlb_probe) == 0x5eed, c, "result",
              "kernel memory reads as before");
}

// Byte port calls through COM1's scratch register, which holds what was written; the wider
// ones on a port no PC device decodes (QEMU's UART rejects wider accesses), where reads float
// to all ones and writes go nowhere.
void conform_port(uint32_t c) {
    Regs in = patterns();
    const bool is_byte = c == VMI_CALL_INB || c == VMI_CALL_OUTB;
    in.gpr[RDX] = is_byte ? kCom1Scratch : kUnusedPort;
    const uint8_t value = static_cast<uint8_t>(0x3c + c);
    switch (c) {
    case VMI_CALL_INB: {
        vmi::outb(kCom1Scratch, value);
        const uint64_t got = exercise(c, in).out.gpr[RAX] & 0xff;
        check(got == value, c, "result", "COM1's scratch register holds %x", value);
        break;
    }
    case VMI_CALL_OUTB: {
        in.gpr[RAX] = (in.gpr[RAX] & ~uint64_t{0xff}) | value;
        exercise(c, in);
        const uint8_t got = vmi::inb(kCom1Scratch);
        check(got == value, c, "result", "COM1's scratch register holds %x", value);
        break;
    }
    case VMI_CALL_INW: {
        const uint64_t got = exercise(c, in).out.gpr[RAX] & 0xffff;
        check(got == 0xffff, c, "result", "port %x reads %lx, unused ports all ones", kUnusedPort,
              got);
        break;
    }
    case VMI_CALL_INL: {
        const uint64_t got = exercise(c, in).out.gpr[RAX];
        check(got == 0xffffffff, c, "result", "port %x reads %lx: all ones, bits 63:32 cleared",
              kUnusedPort, got);
        break;
    }
    default:
        exercise(c, in);
        break;
    }
}

void conform_apic(uint32_t c) {
    Regs in = patterns();
    if (c == VMI_CALL_APIC_READ) {
        in.gpr[RDI] = kApicVersion;
        const Called r = exercise(c, in);
        const uint64_t v = r.out.gpr[RAX];
        check((v & 0xff) != 0 && ((v >> 16) & 0xff) >= 3 && (v >> 32) == 0, c, "result",
              "the version register reads as a local APIC's (%lx)", v);
    } else if (c == VMI_CALL_APIC_WRITE) {
        const uint32_t tpr = vmi::apic_read(kApicTpr);
        in.gpr[RDI] = kApicTpr;
        in.gpr[RSI] = kTprProbe;
        exercise(c, in);
        const uint32_t now = vmi::apic_read(kApicTpr);
        vmi::apic_write(kApicTpr, tpr);
        check(now == kTprProbe, c, "result", "APIC_READ reads back the TPR written");
    } else {
        // No interrupt is in service: an EOI then changes nothing.
        exercise(c, in);
    }
}

void conform_cycles(uint32_t c) {
    Regs in = patterns();
    if (c == VMI_CALL_GET_CYCLE_FREQUENCY) {
        const uint64_t hz = exercise(c, in).out.gpr[RAX];
        if (g_facts.data)
            check(hz == g_facts.data->cycle_hz, c, "result", "the data area's cycle_hz (%lu Hz)",
                  g_facts.data->cycle_hz);
        else
            check(hz == 0 || (hz >= 100000000ull && hz <= 10000000000ull), c, "result",
                  "0 (unknown) or 0.1-10 GHz (%lu Hz)", hz);
        if (g_facts.features & VMI_FEATURE_CYCLE_FREQUENCY)
            check(hz != 0, c, "result", "known, as VMI_FEATURE_CYCLE_FREQUENCY promises");
        return;
    }
    in.gpr[RDI] = VMI_CYCLES_REAL;
    const uint64_t before = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    const uint64_t got = exercise(c, in).out.gpr[RAX];
    const uint64_t after = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    check(before < got && got < after, c, "result", "REAL lies between the reads around it");
    bool rising = true;
    uint64_t last = again(c, in);
    for (int i = 0; i < 8; ++i) {
        const uint64_t now = again(c, in);
        rising = rising && now > last;
        last = now;
    }
    check(rising, c, "monotonic", "REAL rises at every one of 8 reads");
    in.gpr[RDI] = VMI_CYCLES_AVAILABLE;
    const uint64_t available = again(c, in);
    in.gpr[RDI] = VMI_CYCLES_STOLEN;
    const uint64_t stolen = again(c, in);
    in.gpr[RDI] = VMI_CYCLES_REAL;
    const uint64_t real = again(c, in);
    check(stolen <= real && available <= real, c, "result", "STOLEN <= REAL, AVAILABLE <= REAL");
}

void conform_alarm_calls(uint32_t c) {
    const uint64_t hz = vmi::get_cycle_frequency();
    const uint64_t far = vmi::get_cycle_counter(VMI_CYCLES_REAL) + (hz ? hz * 10 : 1ull << 40);
    Regs in = patterns();
    if (c == VMI_CALL_SET_ALARM) {
        in.gpr[RDI] = VMI_ALARM_ONESHOT;
        in.gpr[RSI] = far;
        in.gpr[RDX] = 0;
        const uint64_t status = exercise(c, in).out.gpr[RAX];
        vmi::cancel_alarm(0);
        in.gpr[RDI] = VMI_ALARM_PERIODIC;
        const uint64_t no_period = again(c, in);
        in.gpr[RDI] = 0x80;
        const uint64_t bad_flags = again(c, in);
        vmi::cancel_alarm(0);
        check(status == VMI_OK && no_period == VMI_ERR_INVALID && bad_flags == VMI_ERR_INVALID, c,
              "result", "VMI_OK; VMI_ERR_INVALID for period 0 and for unknown flags");
    } else {
        vmi::set_alarm(VMI_ALARM_ONESHOT, far, 0);
        in.gpr[RDI] = 0;
        exercise(c, in);
    }
}

void conform_wallclock() {
    constexpr uint32_t c = VMI_CALL_GET_WALLCLOCK_TIME;
    const uint64_t t0 = native_rdtsc();
    const uint64_t ns = exercise(c, patterns()).out.gpr[RAX];
    const uint64_t t1 = native_rdtsc();
    const vmi_data_area* d = g_facts.data;
    if (d && d->cycle_hz) {
        check(ns >= data_area_wallclock(*d, t0) && ns <= data_area_wallclock(*d, t1), c,
              "wallclock", "the data area's boot time plus the cycles since (%lu s)",
              ns / uint64_t{1000000000});
    } else {
        check(ns == 0 || (ns > kNsPer2020 && ns < kNsPer2100), c, "wallclock",
              "0 (unknown) or 2020-2100 (%lu s)", ns / uint64_t{1000000000});
    }
    if (g_facts.features & VMI_FEATURE_WALLCLOCK)
        check(ns != 0, c, "wallclock", "known, as VMI_FEATURE_WALLCLOCK promises");
}

// Console order: numbered lines, written through the ROM's entry in pieces of varying sizes
// that cut lines anywhere; the host checks that they arrive whole and in order
// (tests/conform/check_conform.py).
constexpr unsigned kConsoleLines = 24;
char g_console[kConsoleLines * 48];

void conform_console() {
    constexpr uint32_t c = VMI_CALL_CONSOLE_WRITE;
    uint64_t n = 0;
    for (unsigned line = 0; line < kConsoleLines; ++line) {
        const char* head = "CONSOLE: ";
        while (*head)
            g_console[n++] = *head++;
        g_console[n++] = static_cast<char>('0' + line / 10);
        g_console[n++] = static_cast<char>('0' + line % 10);
        g_console[n++] = ' ';
        for (unsigned i = 0; i < line % 13; ++i)
            g_console[n++] = static_cast<char>('a' + (line + i) % 26);
        g_console[n++] = '\n';
    }
    print("conform: console: %u numbered lines follow\n", kConsoleLines);
    flush();
    const uint64_t pieces[] = {1, 2, 3, 40, 7, 64, 5, 120, 11};
    Regs in = patterns();
    bool stack_ok = true, caller_ok = true;
    uint64_t used = 0;
    Changed changed;
    vmi::disable_interrupts();
    for (uint64_t at = 0, i = 0; at < n; at += in.gpr[RSI], ++i) {
        const uint64_t piece = pieces[i % (sizeof pieces / sizeof pieces[0])];
        in.gpr[RDI] = reinterpret_cast<uint64_t>(g_console + at);
        in.gpr[RSI] = piece < n - at ? piece : n - at;
        const Called r = invoke(c, in);
        if (!changed.name) changed = changed_register(c, in, r);
        used = r.stack_used > used ? r.stack_used : used;
        stack_ok = stack_ok && r.stack_used <= g_facts.header->max_stack_bytes;
        caller_ok = caller_ok && r.caller_stack_kept;
    }
    const bool if_ok = !interrupts_enabled();
    print("conform: console: end\n");
    report_registers(c, changed);
    if (!caller_ok)
        check(false, c, "stack", "wrote above the caller's stack pointer");
    else
        check(stack_ok, c, "stack", "%lu bytes used of max_stack_bytes %u", used,
              g_facts.header->max_stack_bytes);
    check(if_ok, c, "interrupts", "called with interrupts disabled, left disabled");
}

void conform_features() {
    constexpr uint32_t c = VMI_CALL_GET_FEATURES;
    const uint64_t f = exercise(c, patterns()).out.gpr[RAX];
    check((f & kFeatureReserved) == 0, c, "result", "reserved bits 7-63 clear (%lx)", f);
}

void conform_page_ops(uint32_t c) {
    const mm::Result<mm::PhysAddr> a = mm::frames().alloc();
    const mm::Result<mm::PhysAddr> b = mm::frames().alloc();
    if (!a.ok() || !b.ok()) {
        skip(c, "contract", "no free frames for the pages");
        return;
    }
    auto* pa = static_cast<uint8_t*>(mm::frames().virt(a.value()));
    auto* pb = static_cast<uint8_t*>(mm::frames().virt(b.value()));
    Regs in = patterns();
    if (c == VMI_CALL_ZERO_PAGE) {
        fill(pa, 0xab, kPageBytes);
        in.gpr[RDI] = reinterpret_cast<uint64_t>(pa);
        in.gpr[RSI] = a.value().value;
        exercise(c, in);
        check(same_prefix(pa, 0, kPageBytes) == kPageBytes, c, "result",
              "every byte of the page is zero, as after rep stosq");
    } else {
        for (uint64_t i = 0; i < kPageBytes; ++i)
            pa[i] = static_cast<uint8_t>(i * 7 + 1);
        fill(pb, 0, kPageBytes);
        in.gpr[RDI] = reinterpret_cast<uint64_t>(pb);
        in.gpr[RSI] = reinterpret_cast<uint64_t>(pa);
        in.gpr[RDX] = b.value().value;
        in.gpr[RCX] = a.value().value;
        exercise(c, in);
        check(same_bytes(pa, pb, kPageBytes), c, "result", "the copy equals the source page");
    }
    mm::frames().unref(a.value());
    mm::frames().unref(b.value());
}

void conform_monitor_entries() {
    constexpr uint32_t c = VMI_CALL_GET_MONITOR_ENTRIES;
    const uint64_t before = vmi::get_monitor_entries();
    const uint64_t got = exercise(c, patterns()).out.gpr[RAX];
    const uint64_t after = vmi::get_monitor_entries();
    check(before <= got && got <= after, c, "result", "a count that never decreases (%lu)", got);
}

// RETURN_TO_INTERRUPTED of a kernel frame whose every register holds a pattern, on a stack of
// its own, resuming at conform_resumed: the registers, rsp, CF, ZF and IF it arrives with must
// be the frame's.
alignas(16) uint8_t g_resume_stack[1024];
vmi_trap_frame g_frame;
constexpr uint64_t kRflagsCfZf = 0x41;

uint64_t frame_register(const vmi_trap_frame& f, unsigned reg) {
    const uint64_t values[kGprs] = {f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.r8,
                                    f.r9,  f.r10, f.r11, f.r12, f.r13, f.r14, f.r15};
    return values[reg];
}

Called resume_frame(uint32_t call) {
    vmi::disable_interrupts();
    lay_guard();
    Called c{};
    vmi_conform_resume(vmi::binding_target(call), &g_frame, &c.out, call_stack_top());
    measure_guard(c);
    return c;
}

void conform_return_to_interrupted() {
    constexpr uint32_t c = VMI_CALL_RETURN_TO_INTERRUPTED;
    const Regs p = patterns();
    vmi_trap_frame& f = g_frame;
    f = vmi_trap_frame{};
    f.rax = p.gpr[RAX], f.rbx = p.gpr[RBX], f.rcx = p.gpr[RCX], f.rdx = p.gpr[RDX];
    f.rsi = p.gpr[RSI], f.rdi = p.gpr[RDI], f.rbp = p.gpr[RBP], f.r8 = p.gpr[R8];
    f.r9 = p.gpr[R9], f.r10 = p.gpr[R10], f.r11 = p.gpr[R11], f.r12 = p.gpr[R12];
    f.r13 = p.gpr[R13], f.r14 = p.gpr[R14], f.r15 = p.gpr[R15];
    f.rip = reinterpret_cast<uint64_t>(vmi_conform_resumed);
    f.cs = VMI_SEL_KERNEL_CODE;
    f.rflags = 2 | kRflagsCfZf;
    f.rsp = reinterpret_cast<uint64_t>(g_resume_stack + sizeof g_resume_stack - kGuardAbove);
    f.ss = VMI_SEL_KERNEL_DATA;
    const Called r = resume_frame(c);
    const bool interrupts_off = !interrupts_enabled();
    if (r.out.rsp != f.rsp) {
        check(false, c, "result", "returned to its caller instead of resuming the frame");
        return;
    }
    unsigned bad = kGprs;
    for (unsigned i = 0; i < kGprs && bad == kGprs; ++i)
        if (r.out.gpr[i] != frame_register(f, i)) bad = i;
    if (bad != kGprs)
        check(false, c, "registers", "%s is %lx, the frame's %lx", kRegNames[bad], r.out.gpr[bad],
              frame_register(f, bad));
    else
        check((r.out.rflags & kRflagsCfZf) == kRflagsCfZf, c, "registers",
              "every register, rsp, CF and ZF as the frame holds them");
    check_stack(c, r);
    check(interrupts_off, c, "interrupts", "the frame's IF clear: interrupts stay disabled");
    f.rflags |= kRflagsIf;
    const Called on = resume_frame(c);
    const bool enabled = interrupts_enabled();
    vmi::disable_interrupts();
    check(enabled && on.out.rsp == f.rsp, c, "result",
          "a frame with IF set resumes with interrupts enabled");
}

// Every call bound to the ROM, one after another; what cannot be called safely says why.
void conform_call_contract(uint32_t c) {
    switch (c) {
    case VMI_CALL_CPUID:
        return conform_cpuid();
    case VMI_CALL_RDMSR:
        return conform_rdmsr();
    case VMI_CALL_WRMSR:
        return conform_wrmsr();
    case VMI_CALL_LOAD_GDT:
    case VMI_CALL_LOAD_IDT:
    case VMI_CALL_LOAD_TR:
    case VMI_CALL_WRITE_GDT_ENTRY:
    case VMI_CALL_WRITE_IDT_ENTRY:
        return conform_descriptor(c);
    case VMI_CALL_GET_CR0:
    case VMI_CALL_GET_CR2:
    case VMI_CALL_GET_CR3:
    case VMI_CALL_GET_CR4:
        return conform_get_cr(c);
    case VMI_CALL_SET_CR0:
    case VMI_CALL_SET_CR2:
    case VMI_CALL_SET_CR3:
    case VMI_CALL_SET_CR4:
        return conform_set_cr(c);
    case VMI_CALL_ENABLE_INTERRUPTS:
    case VMI_CALL_DISABLE_INTERRUPTS:
    case VMI_CALL_GET_INTERRUPT_MASK:
    case VMI_CALL_SET_INTERRUPT_MASK:
        return conform_interrupt_calls(c);
    case VMI_CALL_RETURN_TO_INTERRUPTED:
        return conform_return_to_interrupted();
    case VMI_CALL_RETURN_TO_USER:
        return skip(c, "contract",
                    "needs a user context: every system call's return uses it (run=tests)");
    case VMI_CALL_UPDATE_KERNEL_STACK:
        return conform_update_kernel_stack();
    case VMI_CALL_SET_CALLBACKS:
        return conform_set_callbacks();
    case VMI_CALL_HALT:
        return; // with the alarms, below
    case VMI_CALL_REBOOT:
        return skip(c, "contract", "resets the machine");
    case VMI_CALL_SHUTDOWN:
        return skip(c, "contract",
                    "ends the machine: called last, with the suite's status, which the host "
                    "checks");
    case VMI_CALL_SET_PTE:
    case VMI_CALL_UPDATE_PTE:
        return conform_pte(c);
    case VMI_CALL_ALLOCATE_PAGE:
    case VMI_CALL_RELEASE_PAGE:
        return conform_page_role(c);
    case VMI_CALL_INVAL_PAGE:
    case VMI_CALL_FLUSH_TLB:
    case VMI_CALL_SET_LAZY_MODE:
        return conform_tlb(c);
    case VMI_CALL_INB:
    case VMI_CALL_INW:
    case VMI_CALL_INL:
    case VMI_CALL_OUTB:
    case VMI_CALL_OUTW:
    case VMI_CALL_OUTL:
        return conform_port(c);
    case VMI_CALL_APIC_READ:
    case VMI_CALL_APIC_WRITE:
    case VMI_CALL_APIC_EOI:
        return conform_apic(c);
    case VMI_CALL_GET_CYCLE_FREQUENCY:
    case VMI_CALL_GET_CYCLE_COUNTER:
        return conform_cycles(c);
    case VMI_CALL_SET_ALARM:
    case VMI_CALL_CANCEL_ALARM:
        return conform_alarm_calls(c);
    case VMI_CALL_GET_WALLCLOCK_TIME:
        return conform_wallclock();
    case VMI_CALL_CONSOLE_WRITE:
        return conform_console();
    case VMI_CALL_GET_FEATURES:
        return conform_features();
    case VMI_CALL_ZERO_PAGE:
    case VMI_CALL_COPY_PAGE:
        return conform_page_ops(c);
    case VMI_CALL_GET_MONITOR_ENTRIES:
        return conform_monitor_entries();
    default:
        return skip(c, "contract", "a call this suite does not know");
    }
}

// ---- bindings ------------------------------------------------------------------------------

// Calls whose effect a hypervisor may make unnecessary (docs/spec.md §7.1): those that natively
// do nothing, and under deprivileged execution the descriptor tables, which the ROM owns
// (§12.5). A call with outputs or without return can never be NOPs.
bool nop_allowed(uint32_t c) {
    switch (c) {
    case VMI_CALL_ALLOCATE_PAGE:
    case VMI_CALL_RELEASE_PAGE:
    case VMI_CALL_SET_LAZY_MODE:
        return true;
    case VMI_CALL_LOAD_GDT:
    case VMI_CALL_LOAD_IDT:
    case VMI_CALL_LOAD_TR:
    case VMI_CALL_WRITE_GDT_ENTRY:
    case VMI_CALL_WRITE_IDT_ENTRY:
        return (g_facts.features & VMI_FEATURE_DEPRIVILEGED) != 0;
    default:
        return false;
    }
}

void conform_nops() {
    for (uint32_t c = 0; c < VMI_CALL_COUNT; ++c) {
        if (vmi::binding(c) != vmi::Binding::Nop) continue;
        if (nop_allowed(c))
            check(true, c, "nop", "the spec allows this call to be NOPs");
        else
            check(false, c, "nop",
                  "bound to NOPs, but its effect is needed (docs/spec.md §7.1, §12.5)");
    }
}

// What GET_FEATURES says against what reloc answered (docs/spec.md §3.3, §4, §12).
void feature_implies(uint64_t feature, const char* name, uint32_t call) {
    if (g_facts.features & feature)
        check(bound(call), VMI_CALL_GET_FEATURES, "features", "%s: %s bound to the ROM", name,
              kCallNames[call]);
}

void conform_feature_bindings(const vmi::Report& report) {
    constexpr uint32_t c = VMI_CALL_GET_FEATURES;
    const uint64_t f = g_facts.features;
    check(bound(c) || f == 0, c, "features", "features reported only by the ROM's GET_FEATURES");
    check(report.features == f, c, "features", "the same answer as at binding (%lx)", f);
    feature_implies(VMI_FEATURE_CONSOLE, "CONSOLE", VMI_CALL_CONSOLE_WRITE);
    feature_implies(VMI_FEATURE_CYCLE_FREQUENCY, "CYCLE_FREQUENCY", VMI_CALL_GET_CYCLE_FREQUENCY);
    feature_implies(VMI_FEATURE_WALLCLOCK, "WALLCLOCK", VMI_CALL_GET_WALLCLOCK_TIME);
    feature_implies(VMI_FEATURE_CPUID_CACHE, "CPUID_CACHE", VMI_CALL_CPUID);
    feature_implies(VMI_FEATURE_POWER, "POWER", VMI_CALL_SHUTDOWN);
    feature_implies(VMI_FEATURE_POWER, "POWER", VMI_CALL_REBOOT);
    feature_implies(VMI_FEATURE_PAGE_OPS, "PAGE_OPS", VMI_CALL_ZERO_PAGE);
    feature_implies(VMI_FEATURE_PAGE_OPS, "PAGE_OPS", VMI_CALL_COPY_PAGE);
    const bool deprivileged = f & VMI_FEATURE_DEPRIVILEGED;
    check(deprivileged == !g_facts.cpl0, c, "features",
          "DEPRIVILEGED %s, and the kernel runs at CPL%d", deprivileged ? "set" : "clear",
          g_facts.cpl0 ? 0 : 3);
    const uint32_t events[] = {VMI_CALL_RETURN_TO_INTERRUPTED, VMI_CALL_RETURN_TO_USER,
                               VMI_CALL_UPDATE_KERNEL_STACK, VMI_CALL_SET_CALLBACKS};
    unsigned n = 0;
    for (const uint32_t e : events)
        n += bound(e);
    check(n == 0 || n == 4, c, "features",
          "the four event calls bound together or not at all (%u of 4)", n);
    if (deprivileged) check(n == 4, c, "features", "DEPRIVILEGED: the event calls bound");
}

// ---- time and alarms ----------------------------------------------------------------------------

volatile unsigned g_ticks;
volatile uint64_t g_first_tick;

vmi_trap_frame* on_alarm(vmi_trap_frame* frame) {
    if (g_ticks == 0) g_first_tick = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    g_ticks = g_ticks + 1;
    vmi::apic_eoi();
    return frame;
}

// Waits `cycles` with interrupts enabled, spinning at the kernel's level.
void wait_enabled(uint64_t cycles) {
    const uint64_t start = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    vmi::enable_interrupts();
    while (vmi::get_cycle_counter(VMI_CYCLES_REAL) - start < cycles) {
    }
    vmi::disable_interrupts();
}

// The stated frequency against the host's clock: the host times the two CLOCK: lines
// (tests/conform/check_conform.py), a wait of half a second by the cycle counter apart.
void conform_clock(uint64_t hz) {
    constexpr uint32_t c = VMI_CALL_GET_CYCLE_FREQUENCY;
    if (!bound(c) && !bound(VMI_CALL_GET_CYCLE_COUNTER))
        return skip(c, "clock", "neither the frequency nor the counter is bound to the ROM");
    if (hz == 0) return skip(c, "clock", "the frequency is unknown (0)");
    print("CLOCK: start\n");
    flush();
    // Each wall-clock read between two counter reads: however long the vCPU was preempted in
    // between, the wall clock's interval lies within the counter's outer and inner ones.
    const uint64_t a0 = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    const uint64_t w0 = vmi::get_wallclock_time();
    const uint64_t b0 = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    while (vmi::get_cycle_counter(VMI_CYCLES_REAL) - b0 < hz / 2) {
    }
    const uint64_t a1 = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    const uint64_t w1 = vmi::get_wallclock_time();
    const uint64_t b1 = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    print("CLOCK: end after 500 ms by the cycle counter\n");
    flush();
    if (w0 == 0) return skip(c, "clock", "the wall clock is unknown (0): the host times it");
    const uint64_t inner = cycles_to_ns(a1 - b0, hz), outer = cycles_to_ns(b1 - a0, hz);
    const uint64_t wall = w1 - w0;
    // 2 % for a wall clock kept by other means than the counter.
    check(wall >= inner - inner / 50 && wall <= outer + outer / 50, c, "clock",
          "500 ms by the cycle counter are %lu ms by the wall clock", wall / 1000000);
}

void conform_alarms(uint64_t hz) {
    constexpr uint32_t c = VMI_CALL_SET_ALARM;
    if (!bound(c)) {
        skip(c, "alarm", "SET_ALARM is not bound to the ROM");
        if (bound(VMI_CALL_HALT)) skip(VMI_CALL_HALT, "halt", "needs the ROM's alarm");
        return;
    }
    if (hz == 0) return skip(c, "alarm", "the cycle frequency is unknown (0)");
    set_interrupt_handler(VMI_VECTOR_ALARM, on_alarm);
    const uint64_t ms = hz / 1000;

    // One-shot: fires once, not before its expiry and at most 200 ms after it (a loaded host
    // may not run the vCPU for a while; firing early or twice is what the rule catches).
    g_ticks = 0;
    const uint64_t expiry = vmi::get_cycle_counter(VMI_CYCLES_REAL) + 2 * ms;
    uint32_t status = vmi::set_alarm(VMI_ALARM_ONESHOT, expiry, 0);
    wait_enabled(300 * ms);
    const unsigned once = g_ticks;
    const uint64_t late = g_first_tick - expiry;
    check(status == VMI_OK && once == 1 && g_first_tick >= expiry && late <= 200 * ms, c,
          "alarm-oneshot", "fired %u time(s) in 300 ms, %lu us after its expiry", once,
          once ? late / (ms / 1000 ? ms / 1000 : 1) : 0);

    // Periodic, 5 ms, for 200 ms: repeatedly (at least 3 ticks) and never faster than the
    // period (at most 41); periods the vCPU missed are skipped, not made up (docs/spec.md §4.2).
    g_ticks = 0;
    const uint64_t period = 5 * ms;
    status = vmi::set_alarm(VMI_ALARM_PERIODIC, vmi::get_cycle_counter(VMI_CYCLES_REAL) + period,
                            period);
    wait_enabled(200 * ms);
    const unsigned ticks = g_ticks;
    check(status == VMI_OK && ticks >= 3 && ticks <= 41, c, "alarm-periodic",
          "%u ticks of 5 ms in 200 ms", ticks);

    // HALT with interrupts enabled returns after an event and leaves IF set; the periodic alarm
    // bounds the wait should a tick arrive before the ROM's HLT (docs/spec.md §4).
    constexpr uint32_t h = VMI_CALL_HALT;
    if (bound(h)) {
        const unsigned before = g_ticks;
        const Regs in = patterns();
        vmi::enable_interrupts();
        const Called r = invoke(h, in);
        const bool still_on = interrupts_enabled();
        vmi::disable_interrupts();
        check_registers(h, in, r);
        skip(h, "stack", "an interrupt delivered during HALT uses the caller's stack, as natively");
        check(still_on && g_ticks > before, h, "halt",
              "returned after the alarm's interrupt, interrupts still enabled");
        skip(h, "interrupts",
             "with interrupts disabled only an NMI ends HALT (docs/spec.md §4): not exercised");
    }

    vmi::cancel_alarm(0);
    wait_enabled(10 * ms); // a tick that had already fired may still arrive once
    const unsigned cancelled = g_ticks;
    wait_enabled(20 * ms);
    check(g_ticks == cancelled, VMI_CALL_CANCEL_ALARM, "alarm", "no tick in 20 ms after it");
    set_interrupt_handler(VMI_VECTOR_ALARM, nullptr);
}

} // namespace

int run_conformance(const vmi::Report& report) {
    g_passed = g_failed = g_skipped = 0;
    const auto* header = reinterpret_cast<const vmi_rom_header*>(vmi::bound_image());
    if (!header) {
        print("FAIL: ROM: bind: no ROM bound (see the vmi: line), nothing to check\n");
        print("CONFORM: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    g_facts.header = header;
    g_facts.data = nullptr;
    if (header->data_size) {
        const auto* d =
            reinterpret_cast<const vmi_data_area*>(vmi::bound_image() + header->data_offset);
        if (d->magic == VMI_DATA_MAGIC) g_facts.data = d;
    }
    g_facts.features = vmi::get_features();
    g_facts.cpl0 = current_cpl() == 0;
    print("conform: ROM \"%s\", max_stack_bytes %u, features %lx, kernel at CPL%d, data area "
          "%s\n",
          report.rom_name, header->max_stack_bytes, g_facts.features, g_facts.cpl0 ? 0 : 3,
          g_facts.data ? "filled" : "absent");

    vmi::disable_interrupts();
    for (uint32_t c = 0; c < VMI_CALL_COUNT; ++c)
        if (bound(c)) conform_call_contract(c);
    conform_nops();
    conform_feature_bindings(report);
    const uint64_t hz = vmi::get_cycle_frequency();
    conform_clock(hz);
    conform_alarms(hz);

    print("CONFORM: %d passed, %d failed, %d skipped (ROM \"%s\")\n", g_passed, g_failed, g_skipped,
          report.rom_name);
    return g_failed;
}

} // namespace kernel
