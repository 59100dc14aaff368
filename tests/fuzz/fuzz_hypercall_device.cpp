// libFuzzer target: the hypercall device, with guest-controlled registers, paging state and
// guest memory. Must never crash or touch memory outside the guest's; statuses are the ABI's,
// a console write passes exactly the guest's bytes, and page calls do what they say.
//
// Input: cr0, cr3, cr4, efer (8 bytes each), a request count n (1 byte, at most 8), n requests
// of 34 bytes (port offset, access: bit 0 write, bits 1-2 width 1/2/4; rdi, rsi, rcx, r8), then
// guest-physical memory from address 0 (at most 640 KiB).
#include "fuzz_guest_memory.hpp"
#include "fuzz_support.hpp"
#include "hypercall/hypercall_device.hpp"
#include "memory/guest_memory.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <hypercall_ports.h>
#include <span>
#include <vector>
#include <vmi/status.h>

namespace {

using fuzz::check;

constexpr std::size_t kPaging = 4 * 8;
constexpr std::size_t kRequest = 2 + 4 * 8;
constexpr std::size_t kMaxRequests = 8;
constexpr std::uint64_t kPage = 4096;

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

bool is_status(std::uint32_t v) {
    return v == VMI_OK || v == VMI_ERR_INVALID || v == VMI_ERR_UNSUPPORTED || v == VMI_ERR_FAULT;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kPaging + 1) return 0;
    const vmm::PagingState paging{load64(data), load64(data + 8), load64(data + 16),
                                  load64(data + 24)};
    const std::size_t n = std::min<std::size_t>(data[kPaging], kMaxRequests);
    const std::size_t requests_end = kPaging + 1 + n * kRequest;
    if (size < requests_end) return 0;
    const std::span<const std::uint8_t> contents(
        data + requests_end,
        std::min<std::size_t>(size - requests_end, vmm::GuestMemory::kLowRamEnd));

    vmm::GuestMemory& memory = fuzz::load_guest_memory(contents, kPage);

    vmm::GuestContext context{};
    std::vector<std::uint8_t> console;
    vmm::HypercallDevice device([&context]() -> vmm::Result<vmm::GuestContext> { return context; },
                                memory, [&console](std::uint8_t b) { console.push_back(b); });

    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t* r = data + kPaging + 1 + i * kRequest;
        const auto offset = static_cast<std::uint16_t>(r[0] % VMM_HC_PORT_COUNT);
        const bool is_write = r[1] & 1;
        const unsigned width = 1u << ((r[1] >> 1) % 3);
        context = {load64(r + 2), load64(r + 10), paging, load64(r + 18), load64(r + 26)};
        const auto power_before = device.power_request();
        if (is_write) {
            device.write(offset, width, static_cast<std::uint32_t>(context.rsi));
            // The first power request wins.
            if (power_before) check(device.power_request() == power_before);
            continue;
        }
        const std::size_t console_before = console.size();
        const std::uint32_t status = device.read(offset, width);
        const unsigned port = VMM_HC_PORT_BASE + offset;
        if (port == VMM_HC_PORT_PROBE && width == 4) {
            check(status == VMM_HC_MAGIC);
            continue;
        }
        check(is_status(status));
        const std::size_t printed = console.size() - console_before;
        if (port == VMM_HC_PORT_CONSOLE && status == VMI_OK) {
            check(printed == context.rsi && printed <= VMM_HC_CONSOLE_MAX);
            std::vector<std::uint8_t> expect(printed);
            check(vmm::read_virtual(memory, paging, context.rdi, expect).ok());
            check(std::equal(expect.begin(), expect.end(), console.begin() + console_before));
        } else {
            check(printed == 0);
        }
        if (port == VMM_HC_PORT_ZERO_PAGE && status == VMI_OK) {
            auto page = memory.span(vmm::GuestPhysAddr(context.rsi), kPage);
            check(page.ok());
            check(std::all_of(page.value().begin(), page.value().end(),
                              [](std::uint8_t b) { return b == 0; }));
        }
        if (port == VMM_HC_PORT_COPY_PAGE && status == VMI_OK) {
            auto dst = memory.span(vmm::GuestPhysAddr(context.r8), kPage);
            auto src = memory.span(vmm::GuestPhysAddr(context.rcx), kPage);
            check(dst.ok() && src.ok());
            check(std::equal(dst.value().begin(), dst.value().end(), src.value().begin()));
        }
    }
    return 0;
}
