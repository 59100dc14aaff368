// A minimal kernel on the guest/vmi runtime, written from docs/porting.md alone: it boots
// through the runtime's PVH entry, binds VMI, registers its event callbacks, checks a
// kernel-mode exception round trip and leaves through vmi::shutdown. It keeps the boot page
// tables (no SET_CR3 of its own), so it does not offer VMI_INIT_PAGE_TABLES_LINEAR.
#include <stddef.h>
#include <stdint.h>
#include <vmi/vmi.h>
#include <vmirt/boot.hpp>
#include <vmirt/cpu.hpp>
#include <vmirt/ops.hpp>
#include <vmirt/runtime.hpp>

// Bounds of the call-site records (guest/vmi/kernel.ld).
extern "C" const vmi_site __vmi_sites_start[];
extern "C" const vmi_site __vmi_sites_end[];

namespace {

// Every byte goes through CONSOLE_WRITE: COM1 natively, the ROM's console when bound.
void put(const char* s) {
    size_t n = 0;
    while (s[n])
        ++n;
    vmi::console_write(s, n);
}

void put_number(uint64_t v, unsigned base) {
    char buf[24];
    char* p = buf + sizeof buf;
    *--p = 0;
    do {
        *--p = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    put(p);
}

int g_failures;

void check(bool ok, const char* what) {
    put(ok ? "PASS: " : "FAIL: ");
    put(what);
    put("\n");
    g_failures += !ok;
}

// The binding line of docs/spec.md §8.
void print_binding(const vmi::Report& r) {
    put("vmi: ");
    switch (r.outcome) {
    case vmi::Outcome::Bound:
        put("bound ");
        put_number(r.calls_rom, 10);
        put(" of ");
        put_number(VMI_CALL_COUNT, 10);
        put(" calls to ROM \"");
        put(r.rom_name);
        put("\" ");
        put_number(r.rom_version >> 16, 10);
        put(".");
        put_number(r.rom_version & 0xffff, 10);
        put(", ABI ");
        put_number(r.abi_major, 10);
        put(".");
        put_number(r.abi_minor, 10);
        if (r.features & VMI_FEATURE_DEPRIVILEGED) put(", deprivileged");
        put(" (");
        put_number(r.calls_native, 10);
        put(" native, ");
        put_number(r.calls_nop, 10);
        put(" nop)\n");
        return;
    case vmi::Outcome::Rejected:
        put("no ROM (");
        put(vmi::rom_check_reason(r.check));
        put(" at 0x");
        put_number(r.rom_phys, 16);
        break;
    case vmi::Outcome::InitFailed:
        put("no ROM (\"");
        put(r.rom_name);
        put("\" at 0x");
        put_number(r.rom_phys, 16);
        put(": init failed: status ");
        put_number(r.init_status, 10);
        put(" (");
        put(vmi::status_name(r.init_status));
        put(")");
        break;
    case vmi::Outcome::NoRom:
        if (!r.foreign_rom_phys) {
            put("no ROM found, running native\n");
            return;
        }
        put("no ROM (bad signature at 0x");
        put_number(r.foreign_rom_phys, 16);
        break;
    }
    put("), running native\n");
}

// Zeroed (.bss), writable, executable and physically contiguous, as vmi_init_args wants: the
// boot page tables map it at kKernelBase + physical. 4 KiB is the ABI's minimum.
alignas(4096) uint8_t g_rom_state[4096];

vmi::Report bind_vmi() {
    vmi::BindParams params{};
    params.phys_offset = vmi::boot::kKernelBase; // the ROM window, as the boot tables map it
    params.state_page = g_rom_state;
    params.state_phys = vmi::boot::virt_to_phys(g_rom_state);
    params.state_size = sizeof g_rom_state;
    params.init_flags = 0; // no page tables of its own: a deprivileging ROM binds directly
    params.sites_begin = __vmi_sites_start;
    params.sites_end = __vmi_sites_end;
    return vmi::bind(params);
}

constexpr uint64_t kInvalidOpcode = 6;
constexpr uint64_t kProbe = 0x7e57;
unsigned g_exceptions;

// Resumes a ud2 of vmi::invalid_opcode past it, with rax changed to show which frame ran on.
vmi_trap_frame* on_exception(vmi_trap_frame* frame) {
    if (frame->vector != kInvalidOpcode || frame->cs != VMI_SEL_KERNEL_CODE) {
        put("FAIL: unexpected exception ");
        put_number(frame->vector, 10);
        put(" at rip 0x");
        put_number(frame->rip, 16);
        put("\n");
        vmi::shutdown(100);
    }
    ++g_exceptions;
    frame->rax = ~frame->rax;
    frame->rip += vmi::kInvalidOpcodeBytes;
    return frame;
}

// Nothing arms a timer or enters user mode: these only keep the ABI's contract.
vmi_trap_frame* on_interrupt(vmi_trap_frame* frame) {
    if (frame->vector != 0xff) vmi::apic_eoi(); // the spurious vector takes no EOI
    return frame;
}
vmi_trap_frame* on_syscall(vmi_trap_frame* frame) {
    frame->rax = static_cast<uint64_t>(-38); // ENOSYS
    return frame;
}

const vmi_callbacks g_callbacks = {on_exception, on_interrupt, on_syscall};

} // namespace

extern "C" [[noreturn]] void vmi_boot_main(uint64_t) {
    const vmi::Report report = bind_vmi(); // first: it patches the call sites
    print_binding(report);
    const uint32_t events = vmi::set_callbacks(&g_callbacks);
    check(events == VMI_OK, "event callbacks registered");
    // Checked where it arrives: the test compares the console output with what it expects.
    put("PASS: console through vmi::console_write\n");
    const uint64_t back = vmi::invalid_opcode(kProbe);
    check(g_exceptions == 1 && back == ~kProbe, "kernel-mode #UD resumed through the callbacks");
    vmi::shutdown(static_cast<uint32_t>(g_failures));
}
