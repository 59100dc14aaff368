// vCPU register state: the PVH entry state and a readable dump for crash reports.
#pragma once

#include "kvm/kvm.hpp"
#include "memory/guest_memory.hpp"
#include "support/result.hpp"

#include <cstdio>

namespace vmm {

// Writes the flat GDT at boot_layout::kGdt and puts the vCPU in the PVH entry state
// (pvh.pandoc): 32-bit protected mode, paging off, flat CS/DS/ES/SS, ebx = start info.
Result<void> enter_pvh_state(Vcpu& vcpu, GuestMemory& memory, std::uint32_t entry,
                             GuestPhysAddr start_info);

void print_registers(std::FILE* out, const kvm_regs& regs, const kvm_sregs& sregs);

} // namespace vmm
