// Exit decoding without KVM: a run area of our own, filled as KVM would (or would not).
#include "devices/io_bus.hpp"
#include "devices/mmio_bus.hpp"
#include "machine/exit_handler.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace vmm {
namespace {

class Recorder final : public PortDevice {
  public:
    std::uint32_t read(std::uint16_t offset, unsigned) override {
        ++reads;
        return 0x40 + offset;
    }
    void write(std::uint16_t, unsigned, std::uint32_t value) override { written.push_back(value); }
    unsigned reads = 0;
    std::vector<std::uint32_t> written;
};

constexpr std::size_t kRunSize = 4096;
constexpr std::uint32_t kDataOffset = 1024;

struct Fixture {
    Fixture() {
        EXPECT_TRUE(bus.add(0x3f8, 8, &uart).ok());
        EXPECT_TRUE(bus.add(0x560, 8, &hypercalls).ok());
    }
    kvm_run& run() { return *reinterpret_cast<kvm_run*>(area.data()); }
    std::uint8_t* data() { return area.data() + kDataOffset; }
    void io(std::uint8_t direction, std::uint16_t port, std::uint8_t size, std::uint32_t count) {
        run().exit_reason = KVM_EXIT_IO;
        run().io = {direction, size, port, count, kDataOffset};
    }
    std::optional<StopRequest> handle() { return handle_exit(run(), kRunSize, ctx); }

    alignas(8) std::vector<std::uint8_t> area = std::vector<std::uint8_t>(kRunSize);
    Recorder uart, hypercalls;
    IoBus bus;
    ExitStats stats;
    ExitContext ctx{bus, stats, 0x560, 8};
};

TEST(ExitHandler, PortWritesReachTheDeviceInOrder) {
    Fixture f;
    f.io(KVM_EXIT_IO_OUT, 0x3f8, 1, 3);
    std::memcpy(f.data(), "abc", 3);
    EXPECT_FALSE(f.handle());
    EXPECT_EQ(f.uart.written, (std::vector<std::uint32_t>{'a', 'b', 'c'}));
    EXPECT_EQ(f.stats.io(0x3f8, true), 1u);
    EXPECT_EQ(f.stats.exits(KVM_EXIT_IO), 1u);
}

TEST(ExitHandler, PortReadsLandInTheRunArea) {
    Fixture f;
    f.io(KVM_EXIT_IO_IN, 0x3fd, 1, 1);
    EXPECT_FALSE(f.handle());
    EXPECT_EQ(f.data()[0], 0x45);
}

TEST(ExitHandler, StringIoOnAHypercallPortIsRefusedBeforeAnyRequest) {
    Fixture f;
    f.io(KVM_EXIT_IO_IN, 0x561, 4, 4);
    const auto stop = f.handle();
    ASSERT_TRUE(stop);
    EXPECT_EQ(stop->reason, StopReason::UnhandledExit);
    EXPECT_NE(stop->detail.find("hypercall port 0x561 refused"), std::string::npos);
    EXPECT_EQ(f.hypercalls.reads, 0u);
    f.io(KVM_EXIT_IO_OUT, 0x562, 4, 2);
    EXPECT_TRUE(f.handle());
    EXPECT_TRUE(f.hypercalls.written.empty());
}

TEST(ExitHandler, SingleHypercallAccessesAreServed) {
    Fixture f;
    f.io(KVM_EXIT_IO_IN, 0x560, 4, 1);
    EXPECT_FALSE(f.handle());
    EXPECT_EQ(f.hypercalls.reads, 1u);
}

TEST(ExitHandler, MalformedPortExitsTouchNothing) {
    Fixture f;
    struct Case {
        std::uint8_t size;
        std::uint32_t count;
        std::uint64_t offset;
    };
    for (const Case c : {Case{3, 1, kDataOffset}, Case{0, 1, kDataOffset}, Case{1, 1, kRunSize + 1},
                         Case{4, 1024, 100}, Case{4, 0xffffffffu, kDataOffset}}) {
        f.run().exit_reason = KVM_EXIT_IO;
        f.run().io = {KVM_EXIT_IO_OUT, c.size, 0x3f8, c.count, c.offset};
        const auto stop = f.handle();
        ASSERT_TRUE(stop) << "size " << int{c.size} << " count " << c.count;
        EXPECT_EQ(stop->detail, "malformed port I/O exit");
    }
    EXPECT_TRUE(f.uart.written.empty());
}

TEST(ExitHandler, AnInWhoseDataOverlapsTheExitFieldsUsesTheFieldsAsFirstRead) {
    // Not what KVM does, but the area is shared memory: data written back must not change the
    // size or count the loop goes by (found by fuzz_exit_handler).
    Fixture f;
    const auto at = static_cast<std::uint32_t>(offsetof(kvm_run, io));
    f.run().exit_reason = KVM_EXIT_IO;
    f.run().io = {KVM_EXIT_IO_IN, 4, 0x3f8, 3, at};
    EXPECT_FALSE(f.handle());
    EXPECT_EQ(f.uart.reads, 3u);
}

TEST(ExitHandler, MmioReadsSeeAllOnes) {
    Fixture f;
    f.run().exit_reason = KVM_EXIT_MMIO;
    f.run().mmio.is_write = 0;
    f.run().mmio.len = 4;
    EXPECT_FALSE(f.handle());
    for (std::uint8_t b : f.run().mmio.data)
        EXPECT_EQ(b, 0xff);
}

class MmioRecorder final : public MmioDevice {
  public:
    std::uint64_t read(std::uint64_t offset, unsigned width) override {
        return 0x1122334455667788u + offset + width;
    }
    void write(std::uint64_t offset, unsigned width, std::uint64_t value) override {
        last = {offset, width, value};
    }
    struct {
        std::uint64_t offset;
        unsigned width;
        std::uint64_t value;
    } last{};
};

TEST(ExitHandler, MmioReachesTheDeviceWithItsWidth) {
    Fixture f;
    MmioBus mmio;
    MmioRecorder dev;
    ASSERT_TRUE(mmio.add(GuestPhysAddr(0xfeb00000), 0x200, &dev).ok());
    f.ctx.mmio = &mmio;
    f.run().exit_reason = KVM_EXIT_MMIO;
    f.run().mmio.phys_addr = 0xfeb00050;
    f.run().mmio.is_write = 1;
    f.run().mmio.len = 2;
    const std::uint8_t bytes[8] = {0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    std::memcpy(f.run().mmio.data, bytes, 8);
    EXPECT_FALSE(f.handle());
    EXPECT_EQ(dev.last.offset, 0x50u);
    EXPECT_EQ(dev.last.width, 2u);
    EXPECT_EQ(dev.last.value, 0x1234u) << "only the access's bytes";

    f.run().mmio.is_write = 0;
    f.run().mmio.len = 4;
    f.run().mmio.phys_addr = 0xfeb00000;
    EXPECT_FALSE(f.handle());
    std::uint64_t got = 0;
    std::memcpy(&got, f.run().mmio.data, 8);
    EXPECT_EQ(got, 0xffffffff00000000u | 0x5566778cu) << "low 4 bytes of the value";
}

TEST(ExitHandler, MalformedMmioExitStops) {
    Fixture f;
    f.run().exit_reason = KVM_EXIT_MMIO;
    for (std::uint32_t len : {0u, 9u, 0xffffffffu}) {
        f.run().mmio.len = len;
        auto stop = f.handle();
        ASSERT_TRUE(stop) << len;
        EXPECT_EQ(stop->reason, StopReason::UnhandledExit);
    }
}

TEST(ExitHandler, StopsWithAReasonForEveryOtherExit) {
    Fixture f;
    f.run().exit_reason = KVM_EXIT_SHUTDOWN;
    EXPECT_EQ(f.handle()->reason, StopReason::Shutdown);
    f.run().exit_reason = KVM_EXIT_INTERNAL_ERROR;
    f.run().internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    EXPECT_EQ(f.handle()->detail, "KVM internal error, suberror 1 (instruction emulation failed)");
    f.run().exit_reason = KVM_EXIT_FAIL_ENTRY;
    f.run().fail_entry.hardware_entry_failure_reason = 0x21;
    EXPECT_EQ(f.handle()->detail, "VM entry failed (hardware reason 0x21)");
    f.run().exit_reason = 0xdead;
    EXPECT_EQ(f.handle()->reason, StopReason::UnhandledExit);
}

} // namespace
} // namespace vmm
