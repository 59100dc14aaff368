#include "machine/exit_handler.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace vmm {

namespace {

std::string port_name(std::uint16_t port) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", unsigned{port});
    return buf;
}

std::optional<StopRequest> handle_io(kvm_run& run, std::size_t run_size, ExitContext& ctx) {
    // Copied once: the data written back for an IN lies in the same area, and must not be able
    // to change the size or count the loop goes by. KVM fills these, but the data must lie
    // inside the shared run area before we touch it.
    const auto io = run.io;
    if ((io.size != 1 && io.size != 2 && io.size != 4) || io.data_offset > run_size ||
        std::uint64_t{io.count} * io.size > run_size - io.data_offset)
        return StopRequest{StopReason::UnhandledExit, "malformed port I/O exit"};
    const bool is_write = io.direction == KVM_EXIT_IO_OUT;
    ctx.stats.count_io(io.port, is_write);
    if (io.count > 1 && io.port >= ctx.single_base && io.port - ctx.single_base < ctx.single_count)
        return StopRequest{StopReason::UnhandledExit,
                           "string port I/O (rep ins/outs) on hypercall port " +
                               port_name(io.port) + " refused"};
    auto* data = reinterpret_cast<std::uint8_t*>(&run) + io.data_offset;
    for (std::uint32_t i = 0; i < io.count; ++i, data += io.size) {
        std::uint32_t v = 0;
        if (is_write) {
            std::memcpy(&v, data, io.size);
            ctx.bus.write(io.port, io.size, v);
        } else {
            ctx.bus.read(io.port, io.size, v);
            std::memcpy(data, &v, io.size);
        }
    }
    return std::nullopt;
}

std::optional<StopRequest> handle_mmio(kvm_run& run, ExitContext& ctx) {
    // Copied once, like a port I/O exit; the data of a read goes back into the run area.
    const auto mmio = run.mmio;
    if (mmio.len == 0 || mmio.len > sizeof mmio.data)
        return StopRequest{StopReason::UnhandledExit, "malformed MMIO exit"};
    const GuestPhysAddr addr(mmio.phys_addr);
    if (mmio.is_write) {
        std::uint64_t v = 0;
        std::memcpy(&v, mmio.data, mmio.len);
        if (ctx.mmio) ctx.mmio->write(addr, mmio.len, v); // unclaimed: dropped
        return std::nullopt;
    }
    std::uint64_t v = ~std::uint64_t{0}; // unclaimed: all ones
    if (ctx.mmio) ctx.mmio->read(addr, mmio.len, v);
    std::memset(run.mmio.data, 0xff, sizeof run.mmio.data);
    std::memcpy(run.mmio.data, &v, mmio.len);
    return std::nullopt;
}

} // namespace

std::optional<StopRequest> handle_exit(kvm_run& run, std::size_t run_size, ExitContext& ctx) {
    ctx.stats.count_exit(run.exit_reason);
    switch (run.exit_reason) {
    case KVM_EXIT_IO:
        return handle_io(run, run_size, ctx);
    case KVM_EXIT_MMIO:
        return handle_mmio(run, ctx);
    case KVM_EXIT_SHUTDOWN:
        return StopRequest{StopReason::Shutdown, "guest shut down (triple fault)"};
    case KVM_EXIT_FAIL_ENTRY: {
        char buf[96];
        std::snprintf(
            buf, sizeof buf, "VM entry failed (hardware reason 0x%llx)",
            static_cast<unsigned long long>(run.fail_entry.hardware_entry_failure_reason));
        return StopRequest{StopReason::UnhandledExit, buf};
    }
    case KVM_EXIT_INTERNAL_ERROR:
        return StopRequest{StopReason::UnhandledExit,
                           "KVM internal error, suberror " + std::to_string(run.internal.suberror) +
                               (run.internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                                    ? " (instruction emulation failed)"
                                    : "")};
    case KVM_EXIT_SYSTEM_EVENT:
        return StopRequest{StopReason::Shutdown,
                           "guest requested system event " + std::to_string(run.system_event.type)};
    default:
        return StopRequest{StopReason::UnhandledExit, std::string("unhandled vCPU exit ") +
                                                          exit_reason_name(run.exit_reason) + " (" +
                                                          std::to_string(run.exit_reason) + ")"};
    }
}

} // namespace vmm
