#include "devices/virtio_mmio.hpp"

#include "devices/virtio_mmio_regs.hpp"

#include <utility>

namespace vmm {

using namespace virtio_mmio;

namespace {

constexpr std::uint32_t kDriverStatusBits =
    kStatusAcknowledge | kStatusDriver | kStatusDriverOk | kStatusFeaturesOk | kStatusFailed;

std::uint32_t half(std::uint64_t v, std::uint32_t sel) {
    if (sel == 0) return static_cast<std::uint32_t>(v);
    if (sel == 1) return static_cast<std::uint32_t>(v >> 32);
    return 0;
}

void set_half(GuestPhysAddr& addr, bool high, std::uint32_t value) {
    const std::uint64_t raw = addr.raw();
    addr = GuestPhysAddr(high ? (raw & 0xffffffffu) | (std::uint64_t{value} << 32)
                              : (raw & ~std::uint64_t{0xffffffffu}) | value);
}

} // namespace

VirtioMmio::VirtioMmio(GuestMemory& memory, VirtioDevice& device, IrqLine irq, Report report)
    : memory_(memory), device_(device), irq_(std::move(irq)), report_(std::move(report)) {
    reset();
}

std::uint64_t VirtioMmio::offered_features() const {
    return device_.features() | kFeatureVersion1;
}

std::uint64_t VirtioMmio::read(std::uint64_t offset, unsigned width) {
    if (offset >= kConfig) {
        const auto config = device_.config();
        std::uint64_t v = 0;
        for (unsigned i = 0; i < width; ++i) {
            const std::uint64_t at = offset - kConfig + i;
            if (at < config.size()) v |= std::uint64_t{config[at]} << (8 * i);
        }
        return v;
    }
    // Control registers are 32 bits wide and read only as such (§4.2.2.2).
    if (width != 4 || offset % 4 != 0) return 0;
    return read_register(static_cast<std::uint32_t>(offset));
}

void VirtioMmio::write(std::uint64_t offset, unsigned width, std::uint64_t value) {
    // No configuration field offered is writable (virtio-blk's writeback would need CONFIG_WCE).
    if (offset >= kConfig || width != 4 || offset % 4 != 0) return;
    write_register(static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(value));
}

std::uint32_t VirtioMmio::read_register(std::uint32_t reg) const {
    const Queue* q = selected_queue();
    switch (reg) {
    case kMagicValue:
        return kMagic;
    case kVersion:
        return kVersionModern;
    case kDeviceId:
        return device_.device_id();
    case kVendorId:
        return kVendorIdVmi;
    case kDeviceFeatures:
        return half(offered_features(), device_features_sel_);
    case kQueueNumMax:
        return q ? device_.queue_max() : 0; // 0: no such queue
    case kQueueReady:
        return q && q->ready ? 1 : 0;
    case kInterruptStatus:
        return interrupt_status_;
    case kStatus:
        return status_;
    case kShmLenLow:
    case kShmLenHigh:
    case kShmBaseLow:
    case kShmBaseHigh:
        return 0xffffffffu; // no shared memory region: length -1
    case kConfigGeneration:
        return 0; // the configuration never changes
    default:
        return 0; // write-only or reserved
    }
}

void VirtioMmio::write_register(std::uint32_t reg, std::uint32_t value) {
    switch (reg) {
    case kDeviceFeaturesSel:
        device_features_sel_ = value;
        return;
    case kDriverFeaturesSel:
        driver_features_sel_ = value;
        return;
    case kDriverFeatures:
        // Negotiation ends at FEATURES_OK (§3.1.1).
        if (status_ & kStatusFeaturesOk) return;
        if (driver_features_sel_ == 0)
            driver_features_ = (driver_features_ & ~std::uint64_t{0xffffffffu}) | value;
        else if (driver_features_sel_ == 1)
            driver_features_ = (driver_features_ & 0xffffffffu) | (std::uint64_t{value} << 32);
        return;
    case kQueueSel:
        queue_sel_ = value;
        return;
    case kQueueReady:
        if (Queue* q = selected_queue()) set_ready(*q, value);
        return;
    case kQueueNotify:
        notify(value);
        return;
    case kInterruptAck:
        interrupt_status_ &= ~value;
        update_line();
        return;
    case kStatus:
        write_status(value);
        return;
    default:
        break;
    }
    Queue* q = configurable_queue();
    if (!q) return;
    switch (reg) {
    case kQueueNum:
        q->layout.size = value;
        break;
    case kQueueDescLow:
    case kQueueDescHigh:
        set_half(q->layout.desc, reg == kQueueDescHigh, value);
        break;
    case kQueueDriverLow:
    case kQueueDriverHigh:
        set_half(q->layout.avail, reg == kQueueDriverHigh, value);
        break;
    case kQueueDeviceLow:
    case kQueueDeviceHigh:
        set_half(q->layout.used, reg == kQueueDeviceHigh, value);
        break;
    default:
        break; // read-only or reserved
    }
}

void VirtioMmio::write_status(std::uint32_t value) {
    if (value == 0) {
        reset();
        return;
    }
    std::uint32_t requested = value & kDriverStatusBits;
    // FEATURES_OK only for a subset of what was offered that includes VERSION_1: this device
    // has no legacy interface (§3.1.1, §6.1).
    const bool acceptable =
        (driver_features_ & ~offered_features()) == 0 && (driver_features_ & kFeatureVersion1) != 0;
    if ((requested & kStatusFeaturesOk) && !(status_ & kStatusFeaturesOk) && !acceptable)
        requested &= ~kStatusFeaturesOk;
    if ((requested & kStatusDriverOk) && !((status_ | requested) & kStatusFeaturesOk))
        requested &= ~kStatusDriverOk;
    // A driver never clears a bit but by reset (§2.1.1); one that tries is ignored.
    status_ |= requested;
}

VirtioMmio::Queue* VirtioMmio::selected_queue() {
    return queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
}

const VirtioMmio::Queue* VirtioMmio::selected_queue() const {
    return queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
}

VirtioMmio::Queue* VirtioMmio::configurable_queue() {
    if (status_ & kStatusDriverOk) return nullptr;
    Queue* q = selected_queue();
    return q && !q->ready ? q : nullptr;
}

void VirtioMmio::set_ready(Queue& q, std::uint32_t value) {
    if (status_ & kStatusDriverOk) return;
    if (value == 0) {
        q.ready = false;
        q.ring.reset();
        return;
    }
    if (q.ready) return;
    if (auto valid = check_queue_layout(memory_, q.layout, device_.queue_max()); !valid) {
        needs_reset("queue " + std::to_string(queue_sel_) + ": " + valid.error().message);
        return;
    }
    q.ring.emplace(memory_, q.layout);
    q.ready = true;
}

void VirtioMmio::notify(std::uint32_t index) {
    if ((status_ & (kStatusDriverOk | kStatusNeedsReset | kStatusFailed)) != kStatusDriverOk)
        return;
    if (index >= queues_.size() || !queues_[index].ready) return;
    Virtqueue& ring = *queues_[index].ring;
    const auto queue = static_cast<std::uint16_t>(index);
    const std::string where = "queue " + std::to_string(index) + ": ";
    bool used = false;
    // One notification serves at most a queue's worth of chains, so that the work of one exit
    // is bounded even if another vCPU kept adding entries.
    for (std::uint32_t n = 0; n < queues_[index].layout.size; ++n) {
        auto chain = ring.pop();
        if (!chain) return needs_reset(where + chain.error().message);
        if (!chain.value()) break;
        auto written = device_.handle(queue, *chain.value());
        if (!written) return needs_reset(where + written.error().message);
        if (auto pushed = ring.push(chain.value()->head, written.value()); !pushed)
            return needs_reset(where + pushed.error().message);
        used = true;
    }
    if (!used) return;
    auto suppressed = ring.interrupt_suppressed();
    if (!suppressed) return needs_reset(where + suppressed.error().message);
    if (!suppressed.value()) raise(kInterruptUsedBuffer);
}

void VirtioMmio::needs_reset(const std::string& why) {
    if (status_ & kStatusNeedsReset) return;
    status_ |= kStatusNeedsReset;
    report_(why);
    // §2.1.2: a device that needs a reset after DRIVER_OK says so with a configuration change.
    if (status_ & kStatusDriverOk) raise(kInterruptConfigChange);
}

void VirtioMmio::raise(std::uint32_t bits) {
    interrupt_status_ |= bits;
    update_line();
}

void VirtioMmio::update_line() {
    const bool asserted = interrupt_status_ != 0;
    if (asserted == line_) return;
    line_ = asserted;
    irq_(asserted);
}

void VirtioMmio::reset() {
    status_ = 0;
    device_features_sel_ = 0;
    driver_features_sel_ = 0;
    driver_features_ = 0;
    queue_sel_ = 0;
    interrupt_status_ = 0;
    update_line();
    queues_.clear();
    queues_.resize(device_.queue_count());
}

} // namespace vmm
