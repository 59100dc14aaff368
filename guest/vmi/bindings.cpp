#include <vmirt/bindings.hpp>

namespace vmi {

void plan_bindings(const BindingInputs& in, RelocQuery reloc, void* context, BindingPlan& plan) {
    plan.calls_rom = plan.calls_native = plan.calls_nop = 0;
    for (uint32_t call = 0; call < VMI_CALL_COUNT; ++call) {
        plan.binding[call] = Binding::Native;
        plan.target[call] = 0;
        const bool known = call < in.info->call_count;
        const uint32_t type = known ? reloc(context, call) : VMI_RELOC_NATIVE;
        const uint32_t entry = known ? rom_call_offset(in.image, call) : 0;
        const uint32_t state_entry = known ? rom_state_call_offset(in.image, *in.info, call) : 0;
        if (type == VMI_RELOC_CALL && entry != 0) {
            plan.binding[call] = Binding::Call;
            plan.target[call] = in.rom_virt + entry;
            ++plan.calls_rom;
        } else if (type == VMI_RELOC_CALL_STATE && in.call_state && state_entry != 0 &&
                   state_entry < in.state_size) {
            // Code the ROM's init placed in its state (spec §7.1).
            plan.binding[call] = Binding::Call;
            plan.target[call] = in.state_virt + state_entry;
            ++plan.calls_rom;
        } else if (type == VMI_RELOC_NOP) {
            plan.binding[call] = Binding::Nop;
            ++plan.calls_nop;
        } else {
            ++plan.calls_native;
        }
    }
}

SiteCount patch_sites(const vmi_site* begin, const vmi_site* end, const BindingPlan& plan) {
    SiteCount count;
    for (const vmi_site* s = begin; s < end; ++s) {
        auto* site = reinterpret_cast<uint8_t*>(reinterpret_cast<uint64_t>(&s->site_rel) +
                                                static_cast<int64_t>(s->site_rel));
        if (s->call >= VMI_CALL_COUNT || s->length > kMaxSiteBytes) {
            ++count.bad;
            continue;
        }
        if (plan.binding[s->call] == Binding::Native) continue;
        if (patch_site(site, s->length, reinterpret_cast<uint64_t>(site), plan.binding[s->call],
                       plan.target[s->call])
                .ok())
            ++count.patched;
        else
            ++count.bad;
    }
    return count;
}

} // namespace vmi
