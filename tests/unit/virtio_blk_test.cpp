// virtio-blk requests against a temporary disk file: data, directions, bounds, read-only disks,
// and framing a guest can get wrong.
#include "devices/virtio_blk.hpp"
#include "devices/virtio_blk_regs.hpp"
#include "support/disk_file.hpp"
#include "virtq_driver.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace vmm {
namespace {

using namespace virtio_blk;

constexpr std::uint64_t kHeader = 0x20000;
constexpr std::uint64_t kStatusByte = 0x21000;
constexpr std::uint64_t kData = 0x30000;
constexpr std::uint64_t kSectors = 8;

struct Data {
    std::uint32_t len;
    bool device_writes;
};

struct Reply {
    bool ok;             // handle() accepted the framing
    std::uint8_t status; // what the device wrote to the status byte
    std::uint32_t used;  // bytes it reported written
    std::string error;
};

class BlkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char name[] = "/tmp/virtio_blk_test.XXXXXX";
        const int fd = mkstemp(name);
        ASSERT_GE(fd, 0);
        path_ = name;
        std::vector<std::uint8_t> bytes(kSectors * kSectorSize);
        for (std::size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = pattern(i);
        ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
        close(fd);
    }
    void TearDown() override { unlink(path_.c_str()); }

    static std::uint8_t pattern(std::uint64_t offset) {
        return static_cast<std::uint8_t>(offset / kSectorSize * 16 + offset % 7);
    }
    void attach(bool readonly) {
        auto disk = open_disk(path_, readonly);
        ASSERT_TRUE(disk.ok()) << disk.error().message;
        blk_ = std::make_unique<VirtioBlk>(memory_, std::move(disk).value(), "vmi-disk0");
    }
    std::vector<std::uint8_t> file() {
        std::vector<std::uint8_t> bytes(kSectors * kSectorSize + 1);
        const int fd = open(path_.c_str(), O_RDONLY);
        const ssize_t n = read(fd, bytes.data(), bytes.size());
        close(fd);
        bytes.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
        return bytes;
    }
    std::uint8_t* guest(std::uint64_t addr, std::uint64_t len) {
        return memory_.span(GuestPhysAddr(addr), len).value().data();
    }

    // A request as Linux frames it: header, data buffers at kData one after another, status.
    Reply request(std::uint32_t type, std::uint64_t sector, const std::vector<Data>& data,
                  std::uint32_t header_len = 16, bool header_writes = false,
                  std::uint32_t status_len = 1, bool status_writes = true) {
        const RequestHeader header{type, 0, sector};
        EXPECT_TRUE(memory_.write_obj(GuestPhysAddr(kHeader), header).ok());
        *guest(kStatusByte, 1) = 0xee;
        DescChain chain{0, {{GuestPhysAddr(kHeader), header_len, header_writes}}};
        std::uint64_t at = kData;
        for (const Data& d : data) {
            chain.buffers.push_back({GuestPhysAddr(at), d.len, d.device_writes});
            at += d.len;
        }
        chain.buffers.push_back({GuestPhysAddr(kStatusByte), status_len, status_writes});
        auto r = blk_->handle(0, chain);
        if (!r) return {false, *guest(kStatusByte, 1), 0, r.error().message};
        return {true, *guest(kStatusByte, 1), r.value(), ""};
    }

    GuestMemory memory_ = test::make_memory();
    std::string path_;
    std::unique_ptr<VirtioBlk> blk_;
};

TEST_F(BlkTest, OffersFlushSegMaxBlkSizeAndCapacity) {
    attach(false);
    EXPECT_EQ(blk_->device_id(), 2u);
    EXPECT_EQ(blk_->features(), kFeatureFlush | kFeatureSegMax | kFeatureBlkSize);
    EXPECT_EQ(blk_->queue_count(), 1);
    Config config;
    ASSERT_EQ(blk_->config().size(), sizeof config);
    std::memcpy(&config, blk_->config().data(), sizeof config);
    EXPECT_EQ(config.capacity, kSectors);
    EXPECT_EQ(config.seg_max, VirtioBlk::kQueueSize - 2);
    EXPECT_EQ(config.blk_size, 512u);
}

TEST_F(BlkTest, ReadOnlyDiskOffersRo) {
    attach(true);
    EXPECT_NE(blk_->features() & kFeatureRo, 0u);
}

TEST_F(BlkTest, InReadsSectorsIntoEveryBuffer) {
    attach(false);
    const Reply r = request(kIn, 2, {{512, true}, {1024, true}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, kOk);
    EXPECT_EQ(r.used, 1536u + 1);
    const std::uint8_t* got = guest(kData, 1536);
    for (std::uint64_t i = 0; i < 1536; ++i)
        ASSERT_EQ(got[i], pattern(2 * 512 + i)) << "byte " << i;
}

TEST_F(BlkTest, OutWritesTheSectorsAndNothingElse) {
    attach(false);
    std::memset(guest(kData, 512), 0x5a, 512);
    const Reply r = request(kOut, 3, {{512, false}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, kOk);
    EXPECT_EQ(r.used, 1u) << "only the status byte is written";
    const auto bytes = file();
    ASSERT_EQ(bytes.size(), kSectors * 512);
    for (std::uint64_t i = 0; i < bytes.size(); ++i)
        ASSERT_EQ(bytes[i], i / 512 == 3 ? 0x5a : pattern(i)) << "byte " << i;
}

TEST_F(BlkTest, FlushSucceeds) {
    attach(false);
    const Reply r = request(kFlush, 0, {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, kOk);
    EXPECT_EQ(request(kFlush, 0, {{512, true}}).status, kIoErr) << "flush carries no data";
}

TEST_F(BlkTest, ReadOnlyDiskRefusesOutAndStillReads) {
    attach(true);
    const auto before = file();
    std::memset(guest(kData, 512), 0x5a, 512);
    EXPECT_EQ(request(kOut, 0, {{512, false}}).status, kIoErr);
    EXPECT_EQ(file(), before);
    EXPECT_EQ(request(kIn, 0, {{512, true}}).status, kOk);
    EXPECT_EQ(request(kFlush, 0, {}).status, kOk);
}

TEST_F(BlkTest, RequestsPastTheEndFailWholeAndNeverGrowTheFile) {
    attach(false);
    const auto before = file();
    std::memset(guest(kData, 1024), 0xaa, 1024);
    EXPECT_EQ(request(kIn, kSectors - 1, {{1024, true}}).status, kIoErr);
    EXPECT_EQ(guest(kData, 1)[0], 0xaa) << "a failing read moves no byte";
    EXPECT_EQ(request(kOut, kSectors - 1, {{512, false}, {512, false}}).status, kIoErr);
    EXPECT_EQ(request(kOut, kSectors, {{512, false}}).status, kIoErr);
    // Sectors whose byte offset overflows 64 bits.
    EXPECT_EQ(request(kOut, ~std::uint64_t{0} / 256, {{512, false}}).status, kIoErr);
    EXPECT_EQ(request(kIn, ~std::uint64_t{0}, {{512, true}}).status, kIoErr);
    EXPECT_EQ(file(), before);
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), kSectors * 512);
    // The last sector itself is fine.
    EXPECT_EQ(request(kIn, kSectors - 1, {{512, true}}).status, kOk);
}

TEST_F(BlkTest, GetIdAnswersTheSerialNulPadded) {
    attach(false);
    const Reply r = request(kGetId, 0, {{kIdBytes, true}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, kOk);
    EXPECT_EQ(r.used, kIdBytes + 1);
    char id[kIdBytes + 1] = {};
    std::memcpy(id, guest(kData, kIdBytes), kIdBytes);
    EXPECT_STREQ(id, "vmi-disk0");
    EXPECT_EQ(id[kIdBytes - 1], 0);
    const Reply short_buffer = request(kGetId, 0, {{4, true}});
    EXPECT_EQ(short_buffer.status, kOk);
    EXPECT_EQ(short_buffer.used, 5u);
    EXPECT_EQ(request(kGetId, 0, {{20, false}}).status, kIoErr) << "the ID goes to the driver";
}

TEST_F(BlkTest, UnknownTypeIsUnsupported) {
    attach(false);
    for (std::uint32_t type : {2u, 11u, 13u, 99u, 0xffffffffu})
        EXPECT_EQ(request(type, 0, {}).status, kUnsupp) << "type " << type;
}

TEST_F(BlkTest, DataInTheWrongDirectionFails) {
    attach(false);
    const auto before = file();
    EXPECT_EQ(request(kIn, 0, {{512, false}}).status, kIoErr);
    EXPECT_EQ(request(kOut, 0, {{512, true}}).status, kIoErr);
    EXPECT_EQ(file(), before);
}

TEST_F(BlkTest, DataNotWholeSectorsFails) {
    attach(false);
    const auto before = file();
    EXPECT_EQ(request(kIn, 0, {{511, true}}).status, kIoErr);
    EXPECT_EQ(request(kOut, 0, {{512, false}, {100, false}}).status, kIoErr);
    EXPECT_EQ(file(), before);
}

TEST_F(BlkTest, FramingTheDeviceCannotAnswerIsAnError) {
    attach(false);
    EXPECT_FALSE(request(kIn, 0, {{512, true}}, 15).ok) << "short header";
    EXPECT_FALSE(request(kIn, 0, {{512, true}}, 32).ok) << "header with data in it";
    EXPECT_FALSE(request(kIn, 0, {{512, true}}, 16, true).ok) << "writable header";
    EXPECT_FALSE(request(kIn, 0, {{512, true}}, 16, false, 2).ok) << "2-byte status";
    EXPECT_FALSE(request(kIn, 0, {}, 16, false, 1, false).ok) << "readable status";
    DescChain alone{0, {{GuestPhysAddr(kHeader), 16, false}}};
    EXPECT_FALSE(blk_->handle(0, alone).ok()) << "no status descriptor";
}

TEST(DiskFile, OpensReadWriteOrReadOnlyAndBlocking) {
    char name[] = "/tmp/disk_file_test.XXXXXX";
    const int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 4096), 0);
    close(fd);
    for (bool ro : {false, true}) {
        auto disk = open_disk(name, ro);
        ASSERT_TRUE(disk.ok()) << disk.error().message;
        EXPECT_EQ(disk.value().size, 4096u);
        EXPECT_EQ(disk.value().readonly, ro);
        const int flags = fcntl(disk.value().fd.get(), F_GETFL);
        EXPECT_EQ(flags & O_ACCMODE, ro ? O_RDONLY : O_RDWR);
        EXPECT_EQ(flags & O_NONBLOCK, 0);
        EXPECT_NE(fcntl(disk.value().fd.get(), F_GETFD) & FD_CLOEXEC, 0);
    }
    unlink(name);
}

TEST(DiskFile, RefusesWhatIsNoDisk) {
    char dir[] = "/tmp/disk_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string base = dir;
    const std::string odd = base + "/odd", fifo = base + "/fifo";
    const int fd = open(odd.c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 1000), 0);
    close(fd);
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    struct Case {
        std::string path;
        bool ro;
        const char* error;
    };
    for (const Case& c :
         {Case{base + "/missing", false, "No such file"}, Case{base, true, "is a directory"},
          Case{base, false, "irectory"}, Case{fifo, true, "not a regular file or block device"},
          Case{fifo, false, "not a regular file or block device"},
          Case{odd, false, "1000 bytes, not a multiple of 512"}}) {
        auto disk = open_disk(c.path, c.ro);
        ASSERT_FALSE(disk.ok()) << c.path;
        EXPECT_EQ(disk.error().kind, ErrorKind::NoInput);
        EXPECT_NE(disk.error().message.find(c.error), std::string::npos) << disk.error().message;
    }
    unlink(odd.c_str());
    unlink(fifo.c_str());
    rmdir(dir);
}

} // namespace
} // namespace vmm
