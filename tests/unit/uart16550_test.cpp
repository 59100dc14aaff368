// 16550 UART register model (PC16550D datasheet) as the guest's console driver sees it.
#include "devices/uart16550.hpp"
#include "devices/uart16550_regs.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>

namespace vmm {
namespace {

using namespace uart16550;

class UartTest : public ::testing::Test {
  protected:
    void put(std::uint16_t reg, std::uint8_t value) { uart_.write(reg, 1, value); }
    std::uint32_t get(std::uint16_t reg) { return uart_.read(reg, 1); }
    void send(const std::string& text) {
        for (char c : text)
            put(kRbrThr, static_cast<std::uint8_t>(c));
    }

    std::string out_;
    Uart16550 uart_{[this](std::uint8_t b) { out_.push_back(static_cast<char>(b)); }};
};

TEST_F(UartTest, TransmitReachesTheSinkInOrder) {
    send("hi\n");
    EXPECT_EQ(out_, "hi\n");
    uart_.write(kRbrThr, 4, 0x12345641); // only the low byte is a character
    EXPECT_EQ(out_, "hi\nA");
}

TEST_F(UartTest, DivisorLatchDoesNotTransmit) {
    put(kLcr, kLcrDlab | 0x03);
    put(kRbrThr, 0x01); // 115200 baud
    put(kIer, 0x00);
    EXPECT_TRUE(out_.empty());
    EXPECT_EQ(get(kRbrThr), 0x01u);
    EXPECT_EQ(get(kIer), 0x00u);
    put(kRbrThr, 0x34);
    put(kIer, 0x12);
    EXPECT_EQ(get(kRbrThr), 0x34u);
    EXPECT_EQ(get(kIer), 0x12u);
    EXPECT_TRUE(out_.empty());

    put(kLcr, 0x03);
    EXPECT_EQ(get(kLcr), 0x03u);
    EXPECT_EQ(get(kIer), 0x00u) << "IER must not alias the divisor once DLAB is clear";
    send("ok");
    EXPECT_EQ(out_, "ok");
    put(kLcr, kLcrDlab | 0x03);
    EXPECT_EQ(get(kRbrThr), 0x34u) << "divisor survives DLAB toggling";
    EXPECT_EQ(get(kIer), 0x12u);
}

TEST_F(UartTest, InterruptEnableKeepsOnlyDefinedBits) {
    put(kIer, 0xff);
    EXPECT_EQ(get(kIer), 0x0fu);
}

TEST_F(UartTest, LineStatusReportsTransmitterReadyAndNoData) {
    const std::uint32_t lsr = get(kLsr);
    EXPECT_NE(lsr & kLsrThrEmpty, 0u);
    EXPECT_NE(lsr & kLsrTransmitterEmpty, 0u);
    EXPECT_EQ(lsr & kLsrDataReady, 0u);
    send("x");
    EXPECT_NE(get(kLsr) & kLsrThrEmpty, 0u) << "transmit completes at once";
    put(kLsr, 0x00); // read-only
    EXPECT_EQ(get(kLsr), lsr);
}

TEST_F(UartTest, ScratchRegisterHoldsAnyByte) {
    for (unsigned v : {0x00u, 0x5au, 0xa5u, 0xffu}) {
        put(kScr, static_cast<std::uint8_t>(v));
        EXPECT_EQ(get(kScr), v);
    }
    EXPECT_TRUE(out_.empty());
}

TEST_F(UartTest, FifoControlShowsInInterruptIdentification) {
    EXPECT_EQ(get(kIirFcr) & kIirNoInterrupt, kIirNoInterrupt);
    EXPECT_EQ(get(kIirFcr) & kIirFifoEnabled, 0u);
    put(kIirFcr, kFcrFifoEnable);
    EXPECT_EQ(get(kIirFcr) & kIirFifoEnabled, kIirFifoEnabled);
    EXPECT_EQ(get(kIirFcr) & kIirNoInterrupt, kIirNoInterrupt);
}

TEST_F(UartTest, ModemStatusWithoutLoopbackShowsALiveLine) {
    EXPECT_EQ(get(kMsr), static_cast<std::uint32_t>(kMsrCts | kMsrDsr | kMsrDcd));
}

TEST_F(UartTest, LoopbackMirrorsModemControlIntoModemStatus) {
    struct Case {
        std::uint8_t mcr;
        std::uint8_t msr;
    };
    // DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD (datasheet, MCR bit 4).
    for (const Case c :
         {Case{0x00, 0x00}, Case{0x01, kMsrDsr}, Case{0x02, kMsrCts}, Case{0x04, kMsrRi},
          Case{0x08, kMsrDcd},
          Case{0x0f, static_cast<std::uint8_t>(kMsrDsr | kMsrCts | kMsrRi | kMsrDcd)}}) {
        put(kMcr, kMcrLoop | c.mcr);
        EXPECT_EQ(get(kMsr), c.msr) << "MCR " << int{c.mcr};
    }
}

TEST_F(UartTest, ModemControlKeepsOnlyDefinedBits) {
    put(kMcr, 0xff);
    EXPECT_EQ(get(kMcr), 0x1fu);
}

TEST_F(UartTest, LoopbackSuppressesOutput) {
    send("a");
    put(kMcr, kMcrLoop);
    send("hidden");
    EXPECT_EQ(out_, "a");
    put(kMcr, 0x03);
    send("b");
    EXPECT_EQ(out_, "ab");
}

TEST_F(UartTest, OffsetsBeyondTheRegisterFileAreHarmless) {
    EXPECT_EQ(get(8), 0xffu);
    put(8, 'z');
    put(0xffff, 'z');
    EXPECT_TRUE(out_.empty());
}

} // namespace
} // namespace vmm
