// The private hypercall ports of rom/vmm (rom/vmm/hypercall_ports.h) with the vCPU context
// injected: what the ROM's requests do, and that bad ones get an error status and no effect.
#include "devices/io_bus.hpp"
#include "hypercall/hypercall_device.hpp"
#include "memory/guest_memory.hpp"
#include "page_tables.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <hypercall_ports.h>
#include <optional>
#include <string>
#include <vector>
#include <vmi/status.h>

namespace vmm {
namespace {

using test::k2MiB;
using test::k4KiB;
using test::PageTables;

constexpr std::uint16_t kProbe = VMM_HC_PORT_PROBE - VMM_HC_PORT_BASE;
constexpr std::uint16_t kConsole = VMM_HC_PORT_CONSOLE - VMM_HC_PORT_BASE;
constexpr std::uint16_t kShutdown = VMM_HC_PORT_SHUTDOWN - VMM_HC_PORT_BASE;
constexpr std::uint16_t kReboot = VMM_HC_PORT_REBOOT - VMM_HC_PORT_BASE;

constexpr std::uint64_t kBuffer = 0xffffffff80200000ull; // a kernel buffer, two pages
constexpr std::uint64_t kBufferPhys0 = 0x640000;         // its pages, out of order
constexpr std::uint64_t kBufferPhys1 = 0x310000;

class HypercallTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(8ull << 20);
        ASSERT_TRUE(m) << m.error().message;
        memory_.emplace(std::move(m).value());
        tables_.emplace(*memory_, 0x200000, 0x40000);
        tables_->map(kBuffer, kBufferPhys0, k4KiB);
        tables_->map(kBuffer + k4KiB, kBufferPhys1, k4KiB);
        device_.emplace(
            [this]() -> Result<GuestContext> {
                ++context_reads_;
                if (context_fails_) return make_error(ErrorKind::System, "KVM_GET_REGS: EIO");
                return context_;
            },
            *memory_, [this](std::uint8_t byte) { out_.push_back(static_cast<char>(byte)); });
    }

    HypercallDevice& dev() { return *device_; }

    void put_text(std::uint64_t gpa, const std::string& text) {
        ASSERT_TRUE(memory_->write(
            GuestPhysAddr(gpa),
            std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
    }

    // rdi = buffer, rsi = length, then `in eax` from the console port.
    std::uint32_t console_write(std::uint64_t gva, std::uint64_t len) {
        context_ = GuestContext{gva, len, tables_->paging()};
        return dev().read(kConsole, 4);
    }

    std::optional<GuestMemory> memory_;
    std::optional<PageTables> tables_;
    std::optional<HypercallDevice> device_;
    GuestContext context_{};
    bool context_fails_ = false;
    int context_reads_ = 0;
    std::string out_;
};

TEST_F(HypercallTest, ProbeAnswersTheMagic) {
    EXPECT_EQ(dev().read(kProbe, 4), VMM_HC_MAGIC);
    EXPECT_EQ(context_reads_, 0) << "the probe takes no arguments";
    IoBus bus;
    ASSERT_TRUE(bus.add(VMM_HC_PORT_BASE, VMM_HC_PORT_COUNT, &dev()).ok());
    std::uint32_t value = 0;
    ASSERT_TRUE(bus.read(VMM_HC_PORT_PROBE, 4, value));
    EXPECT_EQ(value, VMM_HC_MAGIC);
}

TEST_F(HypercallTest, ConsoleWriteCopiesExactlyLenBytesThroughThePageTables) {
    // The text starts 5 bytes before the end of the first page and goes on in the second,
    // which lies elsewhere physically. Bytes go out as they are, NUL and CR included.
    put_text(kBufferPhys0 + k4KiB - 5, std::string("hello", 5));
    put_text(kBufferPhys1, std::string(" wor\0ld\r\n\xffXYZ", 13));
    EXPECT_EQ(console_write(kBuffer + k4KiB - 5, 15), std::uint32_t{VMI_OK});
    EXPECT_EQ(out_, std::string("hello wor\0ld\r\n\xff", 15));
    EXPECT_EQ(context_reads_, 1);
}

TEST_F(HypercallTest, ConsoleWriteOfNothingSucceedsWithoutTouchingMemory) {
    EXPECT_EQ(console_write(0x0000800000000000ull, 0), std::uint32_t{VMI_OK}); // non-canonical
    EXPECT_TRUE(out_.empty());
}

TEST_F(HypercallTest, ConsoleWriteLongerThanTheLimitIsInvalid) {
    // A mapping large enough for the limit itself, which is accepted.
    const std::uint64_t big = 0xffffffffc0000000ull;
    tables_->map(big, 0x400000, k2MiB);
    put_text(0x400000, "big");
    EXPECT_EQ(console_write(big, VMM_HC_CONSOLE_MAX), std::uint32_t{VMI_OK});
    EXPECT_EQ(out_.size(), VMM_HC_CONSOLE_MAX);
    EXPECT_EQ(out_.substr(0, 3), "big");
    out_.clear();
    for (std::uint64_t len :
         {std::uint64_t{VMM_HC_CONSOLE_MAX} + 1, std::uint64_t{1} << 32, ~std::uint64_t{0}}) {
        EXPECT_EQ(console_write(big, len), std::uint32_t{VMI_ERR_INVALID}) << len;
        EXPECT_TRUE(out_.empty()) << len;
    }
}

TEST_F(HypercallTest, ConsoleWriteFromUnmappedMemoryFaultsWithNoOutput) {
    put_text(kBufferPhys1 + k4KiB - 4, "tail");
    // Wholly unmapped; then starting in the mapped second page and running off its end:
    // nothing at all is written, not the readable part.
    EXPECT_EQ(console_write(0x0000000012345000ull, 4), std::uint32_t{VMI_ERR_FAULT});
    EXPECT_EQ(console_write(kBuffer + 2 * k4KiB - 4, 5), std::uint32_t{VMI_ERR_FAULT});
    EXPECT_TRUE(out_.empty()) << out_;
    EXPECT_EQ(console_write(kBuffer + 2 * k4KiB - 4, 4), std::uint32_t{VMI_OK});
    EXPECT_EQ(out_, "tail");
    // A page that maps outside guest memory.
    out_.clear();
    tables_->set_entry(kBuffer, 1, (std::uint64_t{1} << 40) | test::kPtePresent);
    EXPECT_EQ(console_write(kBuffer, 4), std::uint32_t{VMI_ERR_FAULT});
    EXPECT_TRUE(out_.empty()) << out_;
}

TEST_F(HypercallTest, ConsoleWriteWithoutRegistersFaults) {
    put_text(kBufferPhys0, "text");
    context_ = GuestContext{kBuffer, 4, tables_->paging()};
    context_fails_ = true;
    EXPECT_EQ(dev().read(kConsole, 4), std::uint32_t{VMI_ERR_FAULT});
    EXPECT_TRUE(out_.empty());
}

TEST_F(HypercallTest, ReadsOtherThanFourBytesAreInvalid) {
    put_text(kBufferPhys0, "text");
    context_ = GuestContext{kBuffer, 4, tables_->paging()};
    for (unsigned width : {1u, 2u}) {
        EXPECT_EQ(dev().read(kProbe, width), std::uint32_t{VMI_ERR_INVALID}) << width;
        EXPECT_EQ(dev().read(kConsole, width), std::uint32_t{VMI_ERR_INVALID}) << width;
    }
    EXPECT_EQ(context_reads_, 0) << "no request is made by a malformed access";
    EXPECT_TRUE(out_.empty());
}

TEST_F(HypercallTest, NoPowerRequestUntilOneIsWritten) {
    EXPECT_FALSE(dev().power_request().has_value());
    EXPECT_EQ(dev().shutdown_status(), 0u);
    EXPECT_EQ(dev().read(kShutdown, 4), std::uint32_t{VMI_ERR_UNSUPPORTED});
    EXPECT_EQ(dev().read(kReboot, 4), std::uint32_t{VMI_ERR_UNSUPPORTED});
    EXPECT_FALSE(dev().power_request().has_value()) << "reads request nothing";
}

TEST_F(HypercallTest, ShutdownRecordsTheStatus) {
    dev().write(kShutdown, 4, 0x2a);
    ASSERT_EQ(dev().power_request(), PowerRequest::Shutdown);
    EXPECT_EQ(dev().shutdown_status(), 0x2au);
}

TEST_F(HypercallTest, NarrowPowerWritesAreIgnored) {
    dev().write(kShutdown, 1, 0x2a);
    dev().write(kReboot, 2, 0);
    EXPECT_FALSE(dev().power_request().has_value());
}

TEST_F(HypercallTest, TheFirstPowerRequestWins) {
    dev().write(kShutdown, 4, 3);
    dev().write(kReboot, 4, 0);
    dev().write(kShutdown, 4, 9);
    EXPECT_EQ(dev().power_request(), PowerRequest::Shutdown);
    EXPECT_EQ(dev().shutdown_status(), 3u);

    HypercallDevice other([] { return Result<GuestContext>(GuestContext{}); }, *memory_,
                          [](std::uint8_t) {});
    other.write(kReboot, 4, 0);
    other.write(kShutdown, 4, 5);
    EXPECT_EQ(other.power_request(), PowerRequest::Reboot);
    EXPECT_EQ(other.shutdown_status(), 0u) << "a later shutdown does not leave its status";
}

TEST_F(HypercallTest, UnknownPortOffsets) {
    for (std::uint16_t offset = VMM_HC_PORT_COPY_PAGE - VMM_HC_PORT_BASE + 1;
         offset < VMM_HC_PORT_COUNT; ++offset) {
        EXPECT_EQ(dev().read(offset, 4), std::uint32_t{VMI_ERR_UNSUPPORTED}) << offset;
        dev().write(offset, 4, 1);
    }
    // Writes to the read-only ports are ignored too.
    dev().write(kProbe, 4, 1);
    dev().write(kConsole, 4, 1);
    dev().write(VMM_HC_PORT_ZERO_PAGE - VMM_HC_PORT_BASE, 4, 1);
    EXPECT_FALSE(dev().power_request().has_value());
    EXPECT_EQ(context_reads_, 0);
    EXPECT_TRUE(out_.empty());
}

TEST_F(HypercallTest, ReachableThroughTheBusAtItsPorts) {
    IoBus bus;
    ASSERT_TRUE(bus.add(VMM_HC_PORT_BASE, VMM_HC_PORT_COUNT, &dev()).ok());
    put_text(kBufferPhys0, "ok");
    context_ = GuestContext{kBuffer, 2, tables_->paging()};
    std::uint32_t status = 1;
    ASSERT_TRUE(bus.read(VMM_HC_PORT_CONSOLE, 4, status));
    EXPECT_EQ(status, std::uint32_t{VMI_OK});
    EXPECT_EQ(out_, "ok");
    ASSERT_TRUE(bus.write(VMM_HC_PORT_SHUTDOWN, 4, 7));
    EXPECT_EQ(dev().power_request(), PowerRequest::Shutdown);
    EXPECT_EQ(dev().shutdown_status(), 7u);
}

// ZERO_PAGE / COPY_PAGE (rom/vmm/rom.S): by physical address, guest-writable RAM only.
constexpr std::uint16_t kZeroPage = VMM_HC_PORT_ZERO_PAGE - VMM_HC_PORT_BASE;
constexpr std::uint16_t kCopyPage = VMM_HC_PORT_COPY_PAGE - VMM_HC_PORT_BASE;
constexpr std::uint64_t kPageA = 0x300000, kPageB = 0x301000;

TEST_F(HypercallTest, ZeroPageClearsExactlyOnePage) {
    put_text(kPageA - 1, std::string(4098, 'x'));
    context_ = GuestContext{0, kPageA, {}};
    ASSERT_EQ(dev().read(kZeroPage, 4), std::uint32_t{VMI_OK});
    auto page = memory_->span(GuestPhysAddr(kPageA - 1), 4098).value();
    EXPECT_EQ(page[0], 'x') << "the byte before";
    EXPECT_EQ(page[4097], 'x') << "the byte after";
    for (std::size_t i = 1; i <= 4096; ++i)
        ASSERT_EQ(page[i], 0) << i;
}

TEST_F(HypercallTest, ZeroPageRefusesBadAddresses) {
    for (std::uint64_t phys : {kPageA + 8, std::uint64_t{0xC0000}, std::uint64_t{0xA0000},
                               std::uint64_t{8} << 20, ~std::uint64_t{0} & ~std::uint64_t{4095}}) {
        context_ = GuestContext{0, phys, {}};
        EXPECT_NE(dev().read(kZeroPage, 4), std::uint32_t{VMI_OK}) << std::hex << phys;
    }
    context_fails_ = true;
    EXPECT_EQ(dev().read(kZeroPage, 4), std::uint32_t{VMI_ERR_FAULT});
}

TEST_F(HypercallTest, CopyPageCopiesFromRcxToR8) {
    put_text(kPageA, std::string(4096, 's'));
    put_text(kPageB, std::string(4096, 'd'));
    context_ = GuestContext{.rcx = kPageA, .r8 = kPageB}; // source, destination
    ASSERT_EQ(dev().read(kCopyPage, 4), std::uint32_t{VMI_OK});
    auto dst = memory_->span(GuestPhysAddr(kPageB), 4096).value();
    for (std::uint8_t c : dst)
        ASSERT_EQ(c, 's');
}

TEST_F(HypercallTest, CopyPageRefusesTheRomAsDestinationButReadsIt) {
    context_ = GuestContext{.rcx = kPageA, .r8 = 0xC0000}; // destination in the ROM window
    EXPECT_EQ(dev().read(kCopyPage, 4), std::uint32_t{VMI_ERR_FAULT});
    context_ = GuestContext{.rcx = 0xC0000, .r8 = kPageB};
    EXPECT_EQ(dev().read(kCopyPage, 4), std::uint32_t{VMI_OK});
    context_ = GuestContext{.rcx = kPageA + 1, .r8 = kPageB};
    EXPECT_EQ(dev().read(kCopyPage, 4), std::uint32_t{VMI_ERR_INVALID});
    context_ = GuestContext{.rcx = std::uint64_t{64} << 20, .r8 = kPageB};
    EXPECT_EQ(dev().read(kCopyPage, 4), std::uint32_t{VMI_ERR_FAULT});
}

} // namespace
} // namespace vmm
