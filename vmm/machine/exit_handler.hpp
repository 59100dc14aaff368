// Decodes one vCPU exit from the shared run area and dispatches it to the devices. Apart from
// KVM_RUN itself, so that unit tests and a fuzzer drive it with a run area of their own.
#pragma once

#include "devices/io_bus.hpp"
#include "devices/mmio_bus.hpp"
#include "machine/exit_stats.hpp"
#include "machine/stop_reason.hpp"

#include <cstddef>
#include <cstdint>
#include <linux/kvm.h>
#include <optional>

namespace vmm {

struct ExitContext {
    IoBus& bus;
    ExitStats& stats;
    // Ports where one instruction must be one request (the hypercall ports): string I/O there
    // (rep ins/outs) is refused instead of repeating the request once per element.
    std::uint16_t single_base = 0;
    std::uint16_t single_count = 0;
    // The MMIO devices; none: every MMIO address is unclaimed.
    MmioBus* mmio = nullptr;
};

// `run` is the area KVM shares, `run_size` bytes long (KVM_GET_VCPU_MMAP_SIZE); nothing outside
// it is read or written, whatever its fields say. Returns why the guest must stop, or nothing.
std::optional<StopRequest> handle_exit(kvm_run& run, std::size_t run_size, ExitContext& ctx);

} // namespace vmm
