#include "ioapic.hpp"

#include "mm/device_memory.hpp"

#include <vmirt/ops.hpp>

namespace kernel {

namespace {

// Indirect access (82093AA §3.1): IOREGSEL selects a register, IOWIN reads or writes it.
constexpr unsigned kIoRegSel = 0x00 / 4;
constexpr unsigned kIoWin = 0x10 / 4;
constexpr uint32_t kRegVersion = 0x01;     // bits 23:16: the highest redirection entry
constexpr uint32_t kRegRedirection = 0x10; // entry n: registers 0x10 + 2n (low), + 1 (high)
constexpr uint64_t kWindowBytes = 0x20;

volatile uint32_t* g_ioapic;
unsigned g_pins;

uint32_t read(uint32_t reg) {
    g_ioapic[kIoRegSel] = reg;
    return g_ioapic[kIoWin];
}

void write(uint32_t reg, uint32_t value) {
    g_ioapic[kIoRegSel] = reg;
    g_ioapic[kIoWin] = value;
}

} // namespace

bool ioapic_init() {
    if (g_ioapic) return true;
    auto* regs = static_cast<volatile uint32_t*>(mm::map_device(kIoApicPhys, kWindowBytes));
    if (!regs) return false;
    g_ioapic = regs;
    const uint32_t version = read(kRegVersion);
    // Nothing there reads as all ones.
    if (version == ~0u) {
        g_ioapic = nullptr;
        return false;
    }
    g_pins = ((version >> 16) & 0xff) + 1;
    return true;
}

bool ioapic_route(unsigned pin, const IoApicRoute& route) {
    if (!g_ioapic || pin >= g_pins) return false;
    const uint64_t entry = route.encode();
    // Masked while it changes; the low half, which holds the mask, goes last.
    write(kRegRedirection + 2 * pin, static_cast<uint32_t>(entry) | 1u << 16);
    write(kRegRedirection + 2 * pin + 1, static_cast<uint32_t>(entry >> 32));
    write(kRegRedirection + 2 * pin, static_cast<uint32_t>(entry));
    return true;
}

void enable_local_apic() {
    // The spurious-interrupt vector register: bit 8 enables the APIC, vector 0xff as natively
    // (SDM vol. 3A, "Spurious Interrupt").
    constexpr uint32_t kRegSpurious = 0xf0;
    constexpr uint32_t kEnable = 1u << 8;
    const uint32_t spurious = vmi::apic_read(kRegSpurious);
    if (!(spurious & kEnable)) vmi::apic_write(kRegSpurious, kEnable | 0xff);
}

uint8_t boot_apic_id() {
    return static_cast<uint8_t>(vmi::cpuid(1).ebx >> 24);
}

} // namespace kernel
