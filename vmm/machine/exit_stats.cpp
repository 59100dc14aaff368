#include "machine/exit_stats.hpp"

#include <linux/kvm.h>

namespace vmm {

const char* exit_reason_name(std::uint32_t reason) {
    switch (reason) {
    case KVM_EXIT_UNKNOWN:
        return "UNKNOWN";
    case KVM_EXIT_EXCEPTION:
        return "EXCEPTION";
    case KVM_EXIT_IO:
        return "IO";
    case KVM_EXIT_HYPERCALL:
        return "HYPERCALL";
    case KVM_EXIT_DEBUG:
        return "DEBUG";
    case KVM_EXIT_HLT:
        return "HLT";
    case KVM_EXIT_MMIO:
        return "MMIO";
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        return "IRQ_WINDOW_OPEN";
    case KVM_EXIT_SHUTDOWN:
        return "SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY:
        return "FAIL_ENTRY";
    case KVM_EXIT_INTR:
        return "INTR";
    case KVM_EXIT_INTERNAL_ERROR:
        return "INTERNAL_ERROR";
    case KVM_EXIT_SYSTEM_EVENT:
        return "SYSTEM_EVENT";
    case KVM_EXIT_X86_RDMSR:
        return "X86_RDMSR";
    case KVM_EXIT_X86_WRMSR:
        return "X86_WRMSR";
    default:
        return "OTHER";
    }
}

std::uint64_t ExitStats::exits(std::uint32_t reason) const {
    auto it = by_reason_.find(reason);
    return it == by_reason_.end() ? 0 : it->second;
}

std::uint64_t ExitStats::io(std::uint16_t port, bool is_write) const {
    auto it = by_port_.find({port, is_write});
    return it == by_port_.end() ? 0 : it->second;
}

std::uint64_t ExitStats::total_exits() const {
    std::uint64_t n = 0;
    for (const auto& [reason, count] : by_reason_)
        n += count;
    return n;
}

void ExitStats::print(std::FILE* out) const {
    std::fprintf(out, "exits by reason:\n");
    for (const auto& [reason, count] : by_reason_)
        std::fprintf(out, "  %-16s %12llu\n", exit_reason_name(reason),
                     static_cast<unsigned long long>(count));
    std::fprintf(out, "  %-16s %12llu\n", "total", static_cast<unsigned long long>(total_exits()));
    if (by_port_.empty()) return;
    std::fprintf(out, "port I/O by port:\n");
    for (const auto& [key, count] : by_port_)
        std::fprintf(out, "  0x%04x %-5s       %12llu\n", key.first, key.second ? "out" : "in",
                     static_cast<unsigned long long>(count));
}

} // namespace vmm
