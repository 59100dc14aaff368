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
bool g_bound = false;
Binding g_binding[VMI_CALL_COUNT];

uint32_t header_u32(const uint8_t* image, size_t offset) {
    return uint32_t{image[offset]} | uint32_t{image[offset + 1]} << 8 |
           uint32_t{image[offset + 2]} << 16 | uint32_t{image[offset + 3]} << 24;
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

bool state_entry_ok(uint32_t offset, const BindParams& params) {
    return offset != 0 && offset < params.state_size;
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
    return g_bound && call < VMI_CALL_COUNT ? g_binding[call] : Binding::Native;
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
    const auto init = reinterpret_cast<InitFn>(
        rom_virt + header_u32(rom.image, offsetof(vmi_rom_header, init_offset)));
    report.init_status = init(&args);
    if (report.init_status != VMI_OK) {
        report.outcome = Outcome::InitFailed;
        return report;
    }

    // Calls the ROM does not know (it is older than this kernel) stay native.
    const auto reloc = [&](uint32_t call) {
        return kAbi12 && g_rom.reloc_takes_args
                   ? reinterpret_cast<RelocArgsFn>(rom_virt + g_rom.reloc)(call, &args)
                   : reinterpret_cast<RelocFn>(rom_virt + g_rom.reloc)(call);
    };
    Binding* binding = g_binding;
    uint64_t target[VMI_CALL_COUNT];
    report.calls_native = 0;
    for (uint32_t call = 0; call < VMI_CALL_COUNT; ++call) {
        binding[call] = Binding::Native;
        target[call] = 0;
        const uint32_t type = call < g_rom.call_count ? reloc(call) : VMI_RELOC_NATIVE;
        const uint32_t entry = call < g_rom.call_count ? rom_call_offset(rom.image, call) : 0;
        if (type == VMI_RELOC_CALL && entry != 0) {
            binding[call] = Binding::Call;
            target[call] = rom_virt + entry;
            ++report.calls_rom;
        } else if (kAbi12 && type == VMI_RELOC_CALL_STATE &&
                   state_entry_ok(rom_state_call_offset(rom.image, g_rom, call), params)) {
            // Code the ROM's init placed in its state (spec §7.1).
            binding[call] = Binding::Call;
            target[call] = args.state_virt + rom_state_call_offset(rom.image, g_rom, call);
            ++report.calls_rom;
        } else if (type == VMI_RELOC_NOP) {
            binding[call] = Binding::Nop;
            ++report.calls_nop;
        } else {
            ++report.calls_native;
        }
    }

    for (const vmi_site* s = params.sites_begin; s < params.sites_end; ++s) {
        auto* site = reinterpret_cast<uint8_t*>(reinterpret_cast<uint64_t>(&s->site_rel) +
                                                static_cast<int64_t>(s->site_rel));
        if (s->call >= VMI_CALL_COUNT || s->length > kMaxSiteBytes) {
            ++report.sites_bad;
            continue;
        }
        if (binding[s->call] == Binding::Native) continue;
        if (patch_site(site, s->length, reinterpret_cast<uint64_t>(site), binding[s->call],
                       target[s->call])
                .ok())
            ++report.sites_patched;
        else
            ++report.sites_bad;
    }
    serialize();

    g_bound = true;
    report.outcome = Outcome::Bound;
    // A ROM decides some features at init (e.g. deprivileged execution): ask it.
    report.features =
        binding[VMI_CALL_GET_FEATURES] == Binding::Call
            ? get_features()
            : header_u32(rom.image, offsetof(vmi_rom_header, features)) |
                  uint64_t{header_u32(rom.image, offsetof(vmi_rom_header, features) + 4)} << 32;
    return report;
}

} // namespace vmi
