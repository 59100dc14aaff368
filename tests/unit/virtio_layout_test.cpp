// Placement of the virtio-mmio devices and the command line that announces them.
#include "loader/start_info.hpp"
#include "machine/virtio_layout.hpp"

#include <gtest/gtest.h>
#include <string>

namespace vmm::virtio_layout {
namespace {

TEST(VirtioLayout, DevicesSitInARowBelowTheIoapic) {
    EXPECT_EQ(device_base(0).raw(), 0xfeb00000u);
    EXPECT_EQ(device_base(7).raw(), 0xfeb00e00u);
    EXPECT_LE(device_base(kMaxDevices).raw(), 0xfec00000u);
    EXPECT_EQ(device_gsi(0), 16u);
    EXPECT_EQ(device_gsi(kMaxDevices - 1), 23u) << "the IOAPIC's last pin";
}

TEST(VirtioLayout, ArgumentsInLinuxSyntax) {
    EXPECT_EQ(device_arg(0), "virtio_mmio.device=512@0xfeb00000:16");
    EXPECT_EQ(device_arg(3), "virtio_mmio.device=512@0xfeb00600:19");
}

TEST(VirtioLayout, AppendedToTheUsersCommandLine) {
    EXPECT_EQ(kernel_cmdline("", 0).value(), "");
    EXPECT_EQ(kernel_cmdline("quiet", 0).value(), "quiet");
    EXPECT_EQ(kernel_cmdline("", 1).value(), "virtio_mmio.device=512@0xfeb00000:16");
    EXPECT_EQ(kernel_cmdline("quiet", 2).value(),
              "quiet virtio_mmio.device=512@0xfeb00000:16 virtio_mmio.device=512@0xfeb00200:17");
}

TEST(VirtioLayout, WholeLineMustFitTheBootCommandLine) {
    const std::string arg = " " + device_arg(0);
    const std::size_t room = boot_layout::kCmdlineMax - 1;
    EXPECT_TRUE(kernel_cmdline(std::string(room - arg.size(), 'x'), 1).ok());
    auto over = kernel_cmdline(std::string(room - arg.size() + 1, 'x'), 1);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().kind, ErrorKind::Usage);
    EXPECT_NE(over.error().message.find("at most 4095"), std::string::npos) << over.error().message;
    EXPECT_TRUE(kernel_cmdline(std::string(room, 'x'), 0).ok());
}

} // namespace
} // namespace vmm::virtio_layout
