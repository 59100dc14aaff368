#include <vmirt/bindings.hpp>
#include <vmirt/ops.hpp>
#include <vmirt/runtime.hpp>

// The ABI minor this runtime presents to a ROM: its own, or an earlier one to test the version
// rules (tests/kernel, kernel-abi-1.1.elf). A 1.1 kernel passes no init flags and a 4 KiB state,
// calls reloc without arguments and knows no VMI_RELOC_CALL_STATE.
#ifndef VMI_RUNTIME_ABI_MINOR
#define VMI_RUNTIME_ABI_MINOR VMI_ABI_MINOR
#endif

namespace vmi {

namespace {

constexpr bool kAbi12 = VMI_RUNTIME_ABI_MINOR >= 2;
constexpr uint64_t kAbi11StateBytes = 4096;

using InitFn = uint32_t (*)(vmi_init_args*);
using RelocFn = uint32_t (*)(uint32_t);
// 1.2: the init arguments too, so that the answer can depend on what init chose.
using RelocArgsFn = uint32_t (*)(uint32_t, const vmi_init_args*);

RomInfo g_rom;
const uint8_t* g_image = nullptr;
bool g_bound = false;
BindingPlan g_plan;

// The ROM's reloc entry, called as this kernel's minor calls it.
struct RelocContext {
    uint64_t entry;
    bool with_args;
    const vmi_init_args* args;
};

uint32_t ask_reloc(void* context, uint32_t call) {
    const auto* r = static_cast<const RelocContext*>(context);
    return r->with_args ? reinterpret_cast<RelocArgsFn>(r->entry)(call, r->args)
                        : reinterpret_cast<RelocFn>(r->entry)(call);
}

struct Candidate {
    const uint8_t* image = nullptr;
    uint64_t phys = 0;
};

// Scans the option-ROM window; returns the first valid VMI ROM and notes why others failed.
Candidate scan(const BindParams& params, Report& report) {
    bool rejected = false;
    for (uint64_t phys = VMI_ROM_SCAN_START; phys < VMI_ROM_SCAN_END; phys += VMI_ROM_SCAN_STEP) {
        const auto* image = reinterpret_cast<const uint8_t*>(phys + params.phys_offset);
        const Result<RomInfo, RomCheck> valid = validate_rom(image, VMI_ROM_SCAN_END - phys);
        if (valid.ok()) {
            g_rom = valid.value();
            return {image, phys};
        }
        const RomCheck check = valid.error();
        if (check == RomCheck::NoOptionRom) continue;
        if (check == RomCheck::NotVmi) {
            if (!report.foreign_rom_phys) report.foreign_rom_phys = phys;
            continue;
        }
        if (!rejected) {
            rejected = true;
            report.outcome = Outcome::Rejected;
            report.check = check;
            report.rom_phys = phys;
        }
    }
    return {};
}

void serialize() {
    // Cross-modifying code is not an issue on one CPU, but CPUID makes the new bytes visible
    // to the instruction stream without relying on that.
    uint32_t a = 0, b, c = 0, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}

} // namespace

const RomInfo* bound_rom() {
    return g_bound ? &g_rom : nullptr;
}

Binding binding(uint32_t call) {
    return g_bound && call < VMI_CALL_COUNT ? g_plan.binding[call] : Binding::Native;
}

uint64_t binding_target(uint32_t call) {
    return binding(call) == Binding::Call ? g_plan.target[call] : 0;
}

const uint8_t* bound_image() {
    return g_bound ? g_image : nullptr;
}

const char* status_name(uint32_t status) {
    switch (status) {
    case VMI_OK:
        return "ok";
    case VMI_ERR_NO_HYPERVISOR:
        return "no hypervisor";
    case VMI_ERR_VERSION:
        return "version not supported";
    case VMI_ERR_INVALID:
        return "invalid argument";
    case VMI_ERR_UNSUPPORTED:
        return "unsupported";
    case VMI_ERR_FAULT:
        return "fault";
    default:
        return "unknown status";
    }
}

Report bind(const BindParams& params) {
    Report report;
    for (const vmi_site* s = params.sites_begin; s < params.sites_end; ++s)
        ++report.sites;
    report.calls_native = VMI_CALL_COUNT;

    const Candidate rom = scan(params, report);
    if (!rom.image) return report;
    report.rom_phys = rom.phys;
    report.rom_name = g_rom.name;
    report.abi_major = g_rom.abi_major;
    report.abi_minor = g_rom.abi_minor;
    report.rom_version = g_rom.rom_version;

    const auto rom_virt = reinterpret_cast<uint64_t>(rom.image);
    vmi_init_args args{};
    args.abi_major = VMI_ABI_MAJOR;
    args.abi_minor = VMI_RUNTIME_ABI_MINOR;
    args.rom_virt = rom_virt;
    args.state_virt = reinterpret_cast<uint64_t>(params.state_page);
    args.state_phys = params.state_phys;
    args.state_size =
        kAbi12 || params.state_size < kAbi11StateBytes ? params.state_size : kAbi11StateBytes;
    args.flags = kAbi12 ? params.init_flags : 0;
    const auto init = reinterpret_cast<InitFn>(rom_virt + g_rom.init);
    report.init_status = init(&args);
    if (report.init_status != VMI_OK) {
        report.outcome = Outcome::InitFailed;
        return report;
    }

    RelocContext reloc{rom_virt + g_rom.reloc, kAbi12 && g_rom.reloc_takes_args, &args};
    const BindingInputs inputs{rom.image,       &g_rom,          rom_virt,
                               args.state_virt, args.state_size, kAbi12};
    plan_bindings(inputs, ask_reloc, &reloc, g_plan);
    report.calls_rom = g_plan.calls_rom;
    report.calls_native = g_plan.calls_native;
    report.calls_nop = g_plan.calls_nop;
    const SiteCount sites = patch_sites(params.sites_begin, params.sites_end, g_plan);
    report.sites_patched = sites.patched;
    report.sites_bad = sites.bad;
    serialize();

    g_image = rom.image;
    g_bound = true;
    report.outcome = Outcome::Bound;
    // A ROM decides some features at init (e.g. deprivileged execution): ask it.
    report.features =
        g_plan.binding[VMI_CALL_GET_FEATURES] == Binding::Call ? get_features() : g_rom.features;
    return report;
}

} // namespace vmi
