#include "machine/cpu_state.hpp"

#include "loader/start_info.hpp"

#include <array>

namespace vmm {

namespace {

// GDT selectors of the PVH entry state.
constexpr std::uint16_t kCodeSelector = 0x08;
constexpr std::uint16_t kDataSelector = 0x10;
constexpr std::uint16_t kTssSelector = 0x18;

// Descriptors in SDM vol. 3A §3.4.5 format: flat 4 GiB 32-bit code and data, a 104-byte TSS.
constexpr std::array<std::uint64_t, 4> kGdt{
    0,
    0x00cf9b000000ffffull,
    0x00cf93000000ffffull,
    0x00008b0000000067ull,
};

kvm_segment flat_segment(std::uint16_t selector, std::uint8_t type) {
    kvm_segment s{};
    s.base = 0;
    s.limit = 0xffffffff;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.db = 1;
    s.s = 1;
    s.g = 1;
    return s;
}

} // namespace

Result<void> enter_pvh_state(Vcpu& vcpu, GuestMemory& memory, std::uint32_t entry,
                             GuestPhysAddr start_info) {
    TRY(memory.write_obj(boot_layout::kGdt, kGdt));

    kvm_sregs sregs = TRY(vcpu.get_sregs());
    sregs.cs = flat_segment(kCodeSelector, 0xb);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(kDataSelector, 0x3);
    sregs.tr = kvm_segment{};
    sregs.tr.selector = kTssSelector;
    sregs.tr.limit = 0x67;
    sregs.tr.type = 0xb; // busy 32-bit TSS
    sregs.tr.present = 1;
    sregs.ldt = kvm_segment{};
    sregs.ldt.unusable = 1;
    sregs.gdt.base = boot_layout::kGdt.raw();
    sregs.gdt.limit = sizeof kGdt - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;
    sregs.cr0 = 0x11; // PE | ET
    sregs.cr3 = 0;
    sregs.cr4 = 0;
    sregs.efer = 0;
    TRY(vcpu.set_sregs(sregs));

    kvm_regs regs{};
    regs.rip = entry;
    regs.rbx = start_info.raw();
    regs.rflags = 0x2;
    TRY(vcpu.set_regs(regs));
    return {};
}

void print_registers(std::FILE* out, const kvm_regs& r, const kvm_sregs& s) {
    auto q = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    std::fprintf(out, "vmm:   rip %016llx rsp %016llx rflags %016llx\n", q(r.rip), q(r.rsp),
                 q(r.rflags));
    std::fprintf(out, "vmm:   rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", q(r.rax),
                 q(r.rbx), q(r.rcx), q(r.rdx));
    std::fprintf(out, "vmm:   rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", q(r.rsi),
                 q(r.rdi), q(r.rbp), q(r.r8));
    std::fprintf(out, "vmm:   r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", q(r.r9), q(r.r10),
                 q(r.r11), q(r.r12));
    std::fprintf(out, "vmm:   r13 %016llx r14 %016llx r15 %016llx\n", q(r.r13), q(r.r14), q(r.r15));
    std::fprintf(out, "vmm:   cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n",
                 q(s.cr0), q(s.cr2), q(s.cr3), q(s.cr4), q(s.efer));
    std::fprintf(out, "vmm:   cs %04x (base %llx, %s) ss %04x gdt %llx/%x idt %llx/%x\n",
                 s.cs.selector, q(s.cs.base), s.cs.l ? "64-bit" : (s.cs.db ? "32-bit" : "16-bit"),
                 s.ss.selector, q(s.gdt.base), s.gdt.limit, q(s.idt.base), s.idt.limit);
}

} // namespace vmm
