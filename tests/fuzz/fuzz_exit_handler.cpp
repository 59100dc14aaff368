// libFuzzer target: exit decoding (machine/exit_handler), with every field of the run area as
// KVM might fill it, or garbage. The run area is allocated at exactly its size, so any access
// beyond it is an ASan report; devices behind the bus are the VMM's real ones.
//
// Input: the run area's size beyond sizeof(kvm_run) (2 bytes), then its contents.
#include "devices/debug_exit.hpp"
#include "devices/io_bus.hpp"
#include "devices/uart16550.hpp"
#include "devices/uart16550_regs.hpp"
#include "fuzz_guest_memory.hpp"
#include "fuzz_support.hpp"
#include "hypercall/hypercall_device.hpp"
#include "machine/exit_handler.hpp"
#include "memory/guest_memory.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <hypercall_ports.h>
#include <memory>

namespace {

using fuzz::check;
using fuzz::guest_memory;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t run_size = sizeof(kvm_run) + (std::size_t{data[0]} | data[1] << 8) % 8192;
    auto area = std::make_unique<std::uint8_t[]>(run_size);
    std::memcpy(area.get(), data + 2, std::min(size - 2, run_size));
    auto& run = *reinterpret_cast<kvm_run*>(area.get());

    std::size_t printed = 0;
    vmm::Uart16550 uart([&printed](std::uint8_t) { ++printed; });
    vmm::DebugExit debug_exit;
    vmm::HypercallDevice hypercalls(
        []() -> vmm::Result<vmm::GuestContext> {
            return vmm::GuestContext{0x1000, 16, {}, 0, 0};
        },
        guest_memory(), [&printed](std::uint8_t) { ++printed; });
    vmm::IoBus bus;
    check(bus.add(vmm::uart16550::kCom1Base, vmm::uart16550::kPortCount, &uart).ok());
    check(bus.add(vmm::DebugExit::kPort, vmm::DebugExit::kPortCount, &debug_exit).ok());
    check(bus.add(VMM_HC_PORT_BASE, VMM_HC_PORT_COUNT, &hypercalls).ok());
    vmm::ExitStats stats;
    vmm::ExitContext ctx{bus, stats, VMM_HC_PORT_BASE, VMM_HC_PORT_COUNT};

    const std::uint32_t reason = run.exit_reason;
    const auto io = run.io;
    const auto stop = vmm::handle_exit(run, run_size, ctx);
    check(stats.exits(reason) == 1);
    if (stop) check(!stop->detail.empty());
    if (reason == KVM_EXIT_IO && !stop) {
        // Served: well-formed, inside the area, and one request per element at most.
        check(io.size == 1 || io.size == 2 || io.size == 4);
        check(io.data_offset + std::uint64_t{io.count} * io.size <= run_size);
        const bool hypercall_port =
            io.port >= VMM_HC_PORT_BASE && io.port - VMM_HC_PORT_BASE < VMM_HC_PORT_COUNT;
        check(!hypercall_port || io.count <= 1);
        check(hypercall_port ? printed <= 16 : printed <= io.count);
    }
    if (reason == KVM_EXIT_SHUTDOWN) check(stop && stop->reason == vmm::StopReason::Shutdown);
    return 0;
}
