// virtio-mmio transport (Virtual I/O Device (VIRTIO) Version 1.2, §4.2), modern layout only,
// in front of one VirtioDevice. Requests are served on the vCPU thread inside the QueueNotify
// write, so a used buffer and its interrupt exist before the guest runs again (docs/virtio.md).
// The interrupt line is level-triggered: asserted while InterruptStatus is non-zero.
#pragma once

#include "devices/mmio_device.hpp"
#include "devices/virtio_device.hpp"
#include "devices/virtqueue.hpp"
#include "memory/guest_memory.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vmm {

class VirtioMmio final : public MmioDevice {
  public:
    using IrqLine = std::function<void(bool asserted)>;
    // Told once per reset cycle why the device stopped serving (it then needs a reset).
    using Report = std::function<void(const std::string&)>;

    VirtioMmio(GuestMemory& memory, VirtioDevice& device, IrqLine irq, Report report);

    std::uint64_t read(std::uint64_t offset, unsigned width) override;
    void write(std::uint64_t offset, unsigned width, std::uint64_t value) override;

  private:
    struct Queue {
        QueueLayout layout;
        bool ready = false;
        std::optional<Virtqueue> ring;
    };

    std::uint64_t offered_features() const;
    std::uint32_t read_register(std::uint32_t reg) const;
    void write_register(std::uint32_t reg, std::uint32_t value);
    void write_status(std::uint32_t value);
    void set_ready(Queue& q, std::uint32_t value);
    Queue* selected_queue();
    const Queue* selected_queue() const;
    // Queue setup is the driver's until DRIVER_OK and while the queue is not ready (§4.2.2.2).
    Queue* configurable_queue();
    void notify(std::uint32_t index);
    void needs_reset(const std::string& why);
    void raise(std::uint32_t bits);
    void update_line();
    void reset();

    GuestMemory& memory_;
    VirtioDevice& device_;
    IrqLine irq_;
    Report report_;
    std::uint32_t status_ = 0;
    std::uint32_t device_features_sel_ = 0;
    std::uint32_t driver_features_sel_ = 0;
    std::uint64_t driver_features_ = 0;
    std::uint32_t queue_sel_ = 0;
    std::uint32_t interrupt_status_ = 0;
    bool line_ = false;
    std::vector<Queue> queues_;
};

} // namespace vmm
