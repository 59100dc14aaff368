// The virtio-mmio transport's registers as a driver sees them (virtio 1.2 §4.2.2, §3.1): a
// fake device type behind it, a queue in test guest memory.
#include "devices/virtio_mmio.hpp"
#include "devices/virtio_mmio_regs.hpp"
#include "virtq_driver.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace vmm {
namespace {

using namespace virtio_mmio;
using test::VirtqDriver;

constexpr std::uint64_t kFeatureA = 1ull << 9;
constexpr std::uint64_t kFeatureB = 1ull << 5;
constexpr std::uint32_t kQueueMax = 16;

class FakeDevice final : public VirtioDevice {
  public:
    std::uint32_t device_id() const override { return 2; }
    std::uint64_t features() const override { return kFeatureA | kFeatureB; }
    std::uint16_t queue_count() const override { return 1; }
    std::uint32_t queue_max() const override { return kQueueMax; }
    std::span<const std::uint8_t> config() const override { return config_; }
    Result<std::uint32_t> handle(std::uint16_t, const DescChain& chain) override {
        heads.push_back(chain.head);
        if (fail) return make_error(ErrorKind::GuestAccess, "bad request");
        return 7;
    }
    std::vector<std::uint16_t> heads;
    bool fail = false;

  private:
    std::vector<std::uint8_t> config_{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
};

class VirtioMmioTest : public ::testing::Test {
  protected:
    std::uint32_t get(std::uint32_t reg) { return static_cast<std::uint32_t>(dev_.read(reg, 4)); }
    void put(std::uint32_t reg, std::uint32_t v) { dev_.write(reg, 4, v); }

    void negotiate(std::uint64_t features = kFeatureVersion1 | kFeatureA) {
        put(kStatus, kStatusAcknowledge | kStatusDriver);
        put(kDriverFeaturesSel, 0);
        put(kDriverFeatures, static_cast<std::uint32_t>(features));
        put(kDriverFeaturesSel, 1);
        put(kDriverFeatures, static_cast<std::uint32_t>(features >> 32));
        put(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    }
    void setup_queue(std::uint32_t size = 8) {
        put(kQueueSel, 0);
        put(kQueueNum, size);
        put(kQueueDescLow, VirtqDriver::kDesc);
        put(kQueueDescHigh, 0);
        put(kQueueDriverLow, VirtqDriver::kAvail);
        put(kQueueDriverHigh, 0);
        put(kQueueDeviceLow, VirtqDriver::kUsed);
        put(kQueueDeviceHigh, 0);
        put(kQueueReady, 1);
    }
    void go_live() {
        negotiate();
        setup_queue();
        put(kStatus, get(kStatus) | kStatusDriverOk);
        ASSERT_EQ(get(kStatus) & kStatusDriverOk, kStatusDriverOk);
    }
    void offer_one(std::uint16_t head = 2) {
        driver_.desc(head, VirtqDriver::kBuffers, 16, 0);
        driver_.offer(head);
    }

    GuestMemory memory_ = test::make_memory();
    VirtqDriver driver_{memory_};
    FakeDevice device_;
    std::vector<bool> line_;
    std::vector<std::string> reports_;
    VirtioMmio dev_{memory_, device_, [this](bool level) { line_.push_back(level); },
                    [this](const std::string& why) { reports_.push_back(why); }};
};

TEST_F(VirtioMmioTest, IdentifiesAsAModernDevice) {
    EXPECT_EQ(get(kMagicValue), 0x74726976u);
    EXPECT_EQ(get(kVersion), 2u);
    EXPECT_EQ(get(kDeviceId), 2u);
    EXPECT_EQ(get(kVendorId), kVendorIdVmi);
    EXPECT_EQ(get(kConfigGeneration), 0u);
    EXPECT_EQ(get(kShmLenLow), 0xffffffffu) << "no shared memory region";
    EXPECT_EQ(get(kShmLenHigh), 0xffffffffu);
}

TEST_F(VirtioMmioTest, ControlRegistersAnswerOnlyAlignedWordAccess) {
    EXPECT_EQ(dev_.read(kMagicValue, 1), 0u);
    EXPECT_EQ(dev_.read(kMagicValue, 2), 0u);
    EXPECT_EQ(dev_.read(kMagicValue, 8), 0u);
    EXPECT_EQ(dev_.read(kMagicValue + 1, 4), 0u);
    dev_.write(kStatus, 1, kStatusAcknowledge);
    EXPECT_EQ(get(kStatus), 0u);
}

TEST_F(VirtioMmioTest, WriteOnlyRegistersReadZero) {
    for (std::uint32_t reg : {kDeviceFeaturesSel, kDriverFeatures, kQueueSel, kQueueNum,
                              kQueueNotify, kInterruptAck, kQueueDescLow, kQueueDeviceHigh})
        EXPECT_EQ(get(reg), 0u) << "register 0x" << std::hex << reg;
}

TEST_F(VirtioMmioTest, DeviceFeaturesBySelector) {
    EXPECT_EQ(get(kDeviceFeatures), static_cast<std::uint32_t>(kFeatureA | kFeatureB));
    put(kDeviceFeaturesSel, 1);
    EXPECT_EQ(get(kDeviceFeatures), 1u) << "VIRTIO_F_VERSION_1 is bit 32";
    put(kDeviceFeaturesSel, 2);
    EXPECT_EQ(get(kDeviceFeatures), 0u);
}

TEST_F(VirtioMmioTest, FeaturesOkForAnOfferedSubsetWithVersion1) {
    negotiate(kFeatureVersion1 | kFeatureB);
    EXPECT_EQ(get(kStatus) & kStatusFeaturesOk, kStatusFeaturesOk);
}

TEST_F(VirtioMmioTest, FeaturesOkRefusedWithoutVersion1) {
    negotiate(kFeatureA);
    EXPECT_EQ(get(kStatus), kStatusAcknowledge | kStatusDriver) << "legacy is not offered";
}

TEST_F(VirtioMmioTest, FeaturesOkRefusedForAFeatureNotOffered) {
    negotiate(kFeatureVersion1 | (1ull << 28)); // indirect descriptors
    EXPECT_EQ(get(kStatus) & kStatusFeaturesOk, 0u);
}

TEST_F(VirtioMmioTest, FeaturesAreFrozenAtFeaturesOk) {
    negotiate();
    put(kDriverFeaturesSel, 1);
    put(kDriverFeatures, 0); // would drop VERSION_1
    setup_queue();
    put(kStatus, get(kStatus) | kStatusDriverOk);
    EXPECT_EQ(get(kStatus) & kStatusDriverOk, kStatusDriverOk);
}

TEST_F(VirtioMmioTest, DriverOkNeedsFeaturesOk) {
    put(kStatus, kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
    EXPECT_EQ(get(kStatus), kStatusAcknowledge | kStatusDriver);
}

TEST_F(VirtioMmioTest, StatusBitsAreNeverClearedButByReset) {
    negotiate();
    put(kStatus, kStatusAcknowledge);
    EXPECT_EQ(get(kStatus), kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    put(kStatus, kStatusNeedsReset | kStatusAcknowledge);
    EXPECT_EQ(get(kStatus) & kStatusNeedsReset, 0u) << "that bit is the device's";
    put(kStatus, 0);
    EXPECT_EQ(get(kStatus), 0u);
}

TEST_F(VirtioMmioTest, QueueNumMaxOnlyForQueuesThatExist) {
    EXPECT_EQ(get(kQueueNumMax), kQueueMax);
    put(kQueueSel, 1);
    EXPECT_EQ(get(kQueueNumMax), 0u);
    put(kQueueReady, 1);
    EXPECT_EQ(get(kQueueReady), 0u);
}

TEST_F(VirtioMmioTest, ValidQueueBecomesReady) {
    negotiate();
    setup_queue();
    EXPECT_EQ(get(kQueueReady), 1u);
    EXPECT_EQ(get(kStatus) & kStatusNeedsReset, 0u);
    put(kQueueReady, 0); // before DRIVER_OK the driver may take it back
    EXPECT_EQ(get(kQueueReady), 0u);
}

TEST_F(VirtioMmioTest, QueueSizeNotAPowerOfTwoOrAboveMaxNeedsReset) {
    for (std::uint32_t size : {0u, 3u, 12u, kQueueMax * 2, 0x10000u}) {
        put(kStatus, 0);
        reports_.clear();
        negotiate();
        setup_queue(size);
        EXPECT_EQ(get(kQueueReady), 0u) << size;
        EXPECT_EQ(get(kStatus) & kStatusNeedsReset, kStatusNeedsReset) << size;
        EXPECT_EQ(reports_.size(), 1u);
        EXPECT_EQ(get(kInterruptStatus), 0u) << "no notification before DRIVER_OK";
    }
}

TEST_F(VirtioMmioTest, QueueOutsideGuestMemoryNeedsReset) {
    negotiate();
    put(kQueueNum, 8);
    put(kQueueDescLow, 0);
    put(kQueueDescHigh, 0x10); // 64 GiB
    put(kQueueDriverLow, VirtqDriver::kAvail);
    put(kQueueDeviceLow, VirtqDriver::kUsed);
    put(kQueueReady, 1);
    EXPECT_EQ(get(kQueueReady), 0u);
    EXPECT_EQ(get(kStatus) & kStatusNeedsReset, kStatusNeedsReset);
    ASSERT_EQ(reports_.size(), 1u);
    EXPECT_NE(reports_[0].find("outside guest memory"), std::string::npos) << reports_[0];
}

TEST_F(VirtioMmioTest, NoReconfigurationWhileReadyOrAfterDriverOk) {
    go_live();
    // Moving the rings now must not take effect: the device keeps the ones it checked.
    put(kQueueDescLow, 0xfff00000u);
    put(kQueueNum, 4);
    put(kQueueReady, 0);
    EXPECT_EQ(get(kQueueReady), 1u);
    offer_one();
    put(kQueueNotify, 0);
    EXPECT_EQ(device_.heads, (std::vector<std::uint16_t>{2}));
    EXPECT_EQ(get(kStatus) & kStatusNeedsReset, 0u);
}

TEST_F(VirtioMmioTest, NotifyBeforeDriverOkServesNothing) {
    negotiate();
    setup_queue();
    offer_one();
    put(kQueueNotify, 0);
    EXPECT_TRUE(device_.heads.empty());
    EXPECT_EQ(driver_.used_idx(), 0);
}

TEST_F(VirtioMmioTest, NotifyServesTheChainAndRaisesTheLineUntilAcked) {
    go_live();
    offer_one(5);
    put(kQueueNotify, 0);
    EXPECT_EQ(device_.heads, (std::vector<std::uint16_t>{5}));
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).id, 5u);
    EXPECT_EQ(driver_.used(0).len, 7u);
    EXPECT_EQ(get(kInterruptStatus), kInterruptUsedBuffer);
    EXPECT_EQ(line_, (std::vector<bool>{true}));
    put(kInterruptAck, kInterruptUsedBuffer);
    EXPECT_EQ(get(kInterruptStatus), 0u);
    EXPECT_EQ(line_, (std::vector<bool>{true, false}));
}

TEST_F(VirtioMmioTest, NotifyServesEveryPendingChain) {
    go_live();
    for (const std::uint16_t head : {std::uint16_t{1}, std::uint16_t{4}, std::uint16_t{6}}) {
        driver_.desc(head, VirtqDriver::kBuffers, 16, 0);
        driver_.offer(head);
    }
    put(kQueueNotify, 0);
    EXPECT_EQ(device_.heads, (std::vector<std::uint16_t>{1, 4, 6}));
    EXPECT_EQ(driver_.used_idx(), 3);
    EXPECT_EQ(line_, (std::vector<bool>{true})) << "one interrupt for the batch";
}

TEST_F(VirtioMmioTest, NoInterruptFlagSuppressesTheInterrupt) {
    go_live();
    driver_.set_avail_flags(virtq::kAvailNoInterrupt);
    offer_one();
    put(kQueueNotify, 0);
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(get(kInterruptStatus), 0u);
    EXPECT_TRUE(line_.empty());
}

TEST_F(VirtioMmioTest, NotifyOfAQueueThatDoesNotExistIsIgnored) {
    go_live();
    offer_one();
    put(kQueueNotify, 1);
    put(kQueueNotify, 0xffffffffu);
    EXPECT_TRUE(device_.heads.empty());
}

TEST_F(VirtioMmioTest, MalformedQueueNeedsResetWithAConfigInterrupt) {
    go_live();
    driver_.desc(0, VirtqDriver::kBuffers, 16, virtq::kDescNext, 0); // a loop
    driver_.offer(0);
    put(kQueueNotify, 0);
    EXPECT_EQ(get(kStatus) & kStatusNeedsReset, kStatusNeedsReset);
    EXPECT_EQ(get(kInterruptStatus), kInterruptConfigChange);
    EXPECT_EQ(line_, (std::vector<bool>{true}));
    ASSERT_EQ(reports_.size(), 1u);
    EXPECT_NE(reports_[0].find("queue 0: "), std::string::npos) << reports_[0];
    // Until the reset nothing is served, and the reason is told once.
    offer_one();
    put(kQueueNotify, 0);
    EXPECT_TRUE(device_.heads.empty());
    EXPECT_EQ(reports_.size(), 1u);
}

TEST_F(VirtioMmioTest, RequestTheDeviceRefusesNeedsReset) {
    go_live();
    device_.fail = true;
    offer_one();
    put(kQueueNotify, 0);
    EXPECT_EQ(get(kStatus) & kStatusNeedsReset, kStatusNeedsReset);
    EXPECT_EQ(driver_.used_idx(), 0) << "a refused chain is not returned";
}

TEST_F(VirtioMmioTest, ResetClearsEverything) {
    go_live();
    offer_one();
    put(kQueueNotify, 0);
    put(kDeviceFeaturesSel, 1);
    put(kQueueSel, 3);
    put(kStatus, 0);
    EXPECT_EQ(get(kStatus), 0u);
    EXPECT_EQ(get(kInterruptStatus), 0u);
    EXPECT_EQ(line_, (std::vector<bool>{true, false}));
    EXPECT_EQ(get(kDeviceFeatures), static_cast<std::uint32_t>(kFeatureA | kFeatureB));
    EXPECT_EQ(get(kQueueNumMax), kQueueMax) << "queue selector back at 0";
    EXPECT_EQ(get(kQueueReady), 0u);
    // And the device works again from scratch, with the ring indices back at 0.
    VirtqDriver fresh(memory_);
    for (std::uint64_t a = VirtqDriver::kAvail; a < VirtqDriver::kAvail + 0x2000; a += 2)
        ASSERT_TRUE(memory_.write_obj(GuestPhysAddr(a), std::uint16_t{0}).ok());
    go_live();
    fresh.desc(1, VirtqDriver::kBuffers, 16, 0);
    fresh.offer(1);
    put(kQueueNotify, 0);
    EXPECT_EQ(device_.heads, (std::vector<std::uint16_t>{2, 1}));
    EXPECT_EQ(fresh.used_idx(), 1);
}

TEST_F(VirtioMmioTest, ConfigSpaceReadsAtAnyWidth) {
    EXPECT_EQ(dev_.read(kConfig, 1), 1u);
    EXPECT_EQ(dev_.read(kConfig + 1, 2), 0x0302u);
    EXPECT_EQ(dev_.read(kConfig, 4), 0x04030201u);
    EXPECT_EQ(dev_.read(kConfig, 8), 0x0807060504030201u);
    EXPECT_EQ(dev_.read(kConfig + 8, 4), 0x0a09u) << "bytes past the config read 0";
    EXPECT_EQ(dev_.read(kConfig + 0xfc, 4), 0u);
    dev_.write(kConfig, 4, 0xffffffffu);
    EXPECT_EQ(dev_.read(kConfig, 4), 0x04030201u) << "nothing in it is writable";
}

} // namespace
} // namespace vmm
