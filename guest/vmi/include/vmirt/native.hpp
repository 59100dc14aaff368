// What the native implementations need from the kernel, outside the VMI calls: a ROM brings
// its own means, the native runtime borrows the kernel's.
#pragma once

#include <stdint.h>

namespace vmi {

// Maps `bytes` of device memory at physical `phys` into the kernel half of every address
// space and returns the virtual address, or null. Called lazily from a native call, with
// interrupts disabled: on a CPU without x2APIC, once, for the xAPIC page.
using DeviceMapper = void* (*)(uint64_t phys, uint64_t bytes);

void set_device_mapper(DeviceMapper mapper);

} // namespace vmi
