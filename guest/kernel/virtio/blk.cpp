#include "blk.hpp"

#include "console.hpp"
#include "events.hpp"
#include "ioapic.hpp"
#include "mm/device_memory.hpp"
#include "mm/mm.hpp"
#include "mmio_cmdline.hpp"
#include "mmio_regs.hpp"
#include "virtqueue.hpp"

#include <stddef.h>
#include <vmirt/ops.hpp>

namespace kernel::virtio {

namespace {

constexpr unsigned kMaxTransports = 8;
constexpr uint16_t kQueueSize = 32; // 3 descriptors per request: header, data, status
constexpr unsigned kResetPolls = 1000;
constexpr unsigned kConfigReads = 16;
constexpr uint64_t kAcceptedFeatures = kFeatureVersion1 | blk::kFeatureRo | blk::kFeatureFlush;

enum class SlotState : uint8_t { Free, Allocated, Pending, Done };

// Header and status byte of a slot, in a frame the device reads and writes.
struct SlotWire {
    blk::RequestHeader header;
    uint8_t status;
    uint8_t pad[15];
};
static_assert(sizeof(SlotWire) == 32);

struct Disk;

} // namespace

struct BlkRequest {
    Disk* disk;
    SlotState state;
    BlkResult result;
    uint16_t head;
    BlkDone done;
    void* context;
    uint8_t* data;
    mm::PhysAddr data_phys;
};

namespace {

struct Disk {
    volatile uint32_t* regs;
    DiskInfo info;
    Virtqueue queue;
    SlotWire* wire;
    mm::PhysAddr wire_phys;
    BlkRequest slots[kRequestsPerDisk];
    unsigned slot_count; // slots the queue has descriptors for: size / 3
    BlkRequest* by_head[kQueueSize];
};

Disk g_disks[kMaxDisks];
unsigned g_disk_count;
BlkCounters g_counters;

uint32_t rd(const Disk& d, uint32_t offset) {
    ++g_counters.mmio_accesses;
    return d.regs[offset / 4];
}
void wr(const Disk& d, uint32_t offset, uint32_t value) {
    ++g_counters.mmio_accesses;
    d.regs[offset / 4] = value;
}

uint64_t read_features(const Disk& d) {
    wr(d, mmio::kDeviceFeaturesSel, 1);
    const uint64_t high = rd(d, mmio::kDeviceFeatures);
    wr(d, mmio::kDeviceFeaturesSel, 0);
    return high << 32 | rd(d, mmio::kDeviceFeatures);
}

void write_features(const Disk& d, uint64_t features) {
    wr(d, mmio::kDriverFeaturesSel, 1);
    wr(d, mmio::kDriverFeatures, static_cast<uint32_t>(features >> 32));
    wr(d, mmio::kDriverFeaturesSel, 0);
    wr(d, mmio::kDriverFeatures, static_cast<uint32_t>(features));
}

// 64-bit configuration fields are two 32-bit reads; the generation tells a torn read
// (virtio 1.2 §4.2.2.2). False if the configuration keeps changing.
bool read_capacity(const Disk& d, uint64_t* sectors) {
    for (unsigned attempt = 0; attempt < kConfigReads; ++attempt) {
        const uint32_t generation = rd(d, mmio::kConfigGeneration);
        const uint64_t low = rd(d, mmio::kConfig + kConfigCapacity);
        const uint64_t high = rd(d, mmio::kConfig + kConfigCapacity + 4);
        if (rd(d, mmio::kConfigGeneration) == generation) {
            *sectors = high << 32 | low;
            return true;
        }
    }
    return false;
}

void write_queue_address(const Disk& d, uint32_t low_reg, uint32_t high_reg, uint64_t phys) {
    wr(d, low_reg, static_cast<uint32_t>(phys));
    wr(d, high_reg, static_cast<uint32_t>(phys >> 32));
}

vmi_trap_frame* on_interrupt(vmi_trap_frame* frame) {
    handle_interrupt(static_cast<unsigned>(frame->vector));
    return frame;
}

// The initialisation sequence of virtio 1.2 §3.1.1 and §4.2.3; on failure the device is left
// with FAILED set and the reason is returned.
const char* start_device(Disk& d) {
    wr(d, mmio::kStatus, 0);
    unsigned polls = 0;
    while (rd(d, mmio::kStatus) != 0 && ++polls < kResetPolls) {
    }
    if (polls == kResetPolls) return "does not reset";
    wr(d, mmio::kStatus, kStatusAcknowledge);
    wr(d, mmio::kStatus, kStatusAcknowledge | kStatusDriver);
    const uint64_t offered = read_features(d);
    if (!(offered & kFeatureVersion1)) return "does not offer VIRTIO_F_VERSION_1";
    const uint64_t features = offered & kAcceptedFeatures;
    write_features(d, features);
    uint32_t status = kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk;
    wr(d, mmio::kStatus, status);
    if (!(rd(d, mmio::kStatus) & kStatusFeaturesOk)) return "refuses the features";

    wr(d, mmio::kQueueSel, 0);
    if (rd(d, mmio::kQueueReady) != 0) return "has request queue 0 already in use";
    const uint32_t max = rd(d, mmio::kQueueNumMax);
    uint16_t size = kQueueSize;
    while (size > max)
        size = static_cast<uint16_t>(size / 2);
    if (size < 4) return "has no request queue of 4 entries";
    // Ring and slot headers each in one zeroed frame: the device reads them by physical address.
    static_assert(Virtqueue::bytes(kQueueSize) <= mm::kPageSize);
    static_assert(sizeof(SlotWire) * kRequestsPerDisk <= mm::kPageSize);
    const auto ring = mm::frames().alloc(mm::Fill::Zero);
    const auto wire = mm::frames().alloc(mm::Fill::Zero);
    if (!ring.ok() || !wire.ok()) return "no memory";
    if (!d.queue.init(mm::frames().virt(ring.value()), size)) return "bad queue size";
    d.wire = static_cast<SlotWire*>(mm::frames().virt(wire.value()));
    d.wire_phys = wire.value();
    d.slot_count = size / 3 < kRequestsPerDisk ? size / 3 : kRequestsPerDisk;
    for (unsigned i = 0; i < d.slot_count; ++i) {
        BlkRequest& r = d.slots[i];
        r = BlkRequest{};
        r.disk = &d;
        const auto data = mm::frames().alloc();
        if (!data.ok()) return "no memory";
        r.data = static_cast<uint8_t*>(mm::frames().virt(data.value()));
        r.data_phys = data.value();
    }
    wr(d, mmio::kQueueNum, size);
    const uint64_t ring_phys = ring.value().value;
    write_queue_address(d, mmio::kQueueDescLow, mmio::kQueueDescHigh, ring_phys);
    write_queue_address(d, mmio::kQueueDriverLow, mmio::kQueueDriverHigh,
                        ring_phys + Virtqueue::avail_offset(size));
    write_queue_address(d, mmio::kQueueDeviceLow, mmio::kQueueDeviceHigh,
                        ring_phys + Virtqueue::used_offset(size));
    wr(d, mmio::kQueueReady, 1);

    if (!read_capacity(d, &d.info.sectors)) return "keeps changing its configuration";
    d.info.read_only = features & blk::kFeatureRo;
    d.info.flush = features & blk::kFeatureFlush;

    // Edge-triggered, active high: QEMU microvm's MP table gives its virtio-mmio pins as ISA
    // interrupts conforming to the bus (MP spec 1.4 §4.3.4), and Linux programs them so. The device
    // holds its line up while InterruptStatus is non-zero, so the handler acknowledges before it
    // reads the used ring: a completion after that raises the line again, a new edge
    // (docs/virtio.md).
    IoApicRoute route;
    route.vector = static_cast<uint8_t>(d.info.vector);
    route.destination = boot_apic_id();
    route.masked = false;
    enable_local_apic();
    set_interrupt_handler(d.info.vector, on_interrupt);
    if (!ioapic_route(d.info.irq, route)) return "has an IRQ the I/O APIC does not have";
    wr(d, mmio::kStatus, status | kStatusDriverOk);
    // An edge that came before the route was in place would be lost; acknowledge it instead.
    wr(d, mmio::kInterruptAck, rd(d, mmio::kInterruptStatus));
    return nullptr;
}

// Probes one announced transport. Returns false, printing why, for anything but a modern
// block device that started.
bool probe(const MmioDevice& dev, Disk& d) {
    if (dev.size < kMinWindow) {
        print("virtio: device at 0x%lx: window of %lu bytes is too small\n", dev.base, dev.size);
        return false;
    }
    const uint64_t vector = kVectorBase + uint64_t{dev.irq};
    if (vector >= 0xff) {
        print("virtio: device at 0x%lx: IRQ %u out of range\n", dev.base, dev.irq);
        return false;
    }
    // Only the registers the driver uses, whatever size the command line claims.
    d.regs = static_cast<volatile uint32_t*>(mm::map_device(dev.base, kMinWindow));
    if (!d.regs) {
        print("virtio: device at 0x%lx: cannot be mapped (not in [3 GiB, 4 GiB))\n", dev.base);
        return false;
    }
    const uint32_t magic = rd(d, mmio::kMagicValue);
    const uint32_t version = rd(d, mmio::kVersion);
    const uint32_t id = rd(d, mmio::kDeviceId);
    if (magic != mmio::kMagic) {
        print("virtio: device at 0x%lx: bad magic value 0x%x\n", dev.base, magic);
        return false;
    }
    if (version == mmio::kVersionLegacy) {
        print("virtio: device at 0x%lx: legacy virtio-mmio (version 1) is not supported\n",
              dev.base);
        return false;
    }
    if (version != mmio::kVersionModern) {
        print("virtio: device at 0x%lx: unknown virtio-mmio version %u\n", dev.base, version);
        return false;
    }
    if (id != blk::kDeviceId) {
        print("virtio: device at 0x%lx: device type %u is not a block device, skipped\n", dev.base,
              id);
        return false;
    }
    if (!ioapic_init()) {
        print("virtio: device at 0x%lx: no I/O APIC at 0x%lx\n", dev.base, kIoApicPhys);
        return false;
    }
    d.info = DiskInfo{};
    d.info.base = dev.base;
    d.info.irq = dev.irq;
    d.info.vector = static_cast<unsigned>(vector);
    if (const char* why = start_device(d)) {
        wr(d, mmio::kStatus, rd(d, mmio::kStatus) | kStatusFailed);
        print("virtio: block device at 0x%lx: %s\n", dev.base, why);
        return false;
    }
    return true;
}

BlkResult device_result(uint8_t status) {
    switch (status) {
    case blk::kOk:
        return BlkResult::Ok;
    case blk::kUnsupp:
        return BlkResult::Unsupported;
    case blk::kIoErr:
    default: // including a status byte the device never wrote
        return BlkResult::IoError;
    }
}

void service(Disk& d) {
    const uint32_t status = rd(d, mmio::kInterruptStatus);
    if (status == 0) return;
    wr(d, mmio::kInterruptAck, status);
    VirtqUsedElem used;
    while (d.queue.next_used(&used)) {
        BlkRequest* r = d.by_head[used.id];
        d.by_head[used.id] = nullptr;
        if (!r || r->state != SlotState::Pending) continue;
        r->result = device_result(d.wire[r - d.slots].status);
        r->state = SlotState::Done;
        if (r->done) r->done(r, r->context);
    }
}

} // namespace

unsigned init_disks(const char* cmdline) {
    MmioDevice devices[kMaxTransports];
    const MmioScan scan = parse_mmio_devices(cmdline, devices, kMaxTransports);
    if (scan.malformed)
        print("virtio: %u virtio_mmio.device= entries not understood or beyond %u\n",
              scan.malformed, kMaxTransports);
    for (unsigned i = 0; i < scan.found; ++i) {
        if (g_disk_count == kMaxDisks) {
            print("virtio: device at 0x%lx: more than %u disks\n", devices[i].base, kMaxDisks);
            continue;
        }
        if (probe(devices[i], g_disks[g_disk_count])) ++g_disk_count;
    }
    return g_disk_count;
}

unsigned disk_count() {
    return g_disk_count;
}

DiskInfo disk_info(unsigned disk) {
    return disk < g_disk_count ? g_disks[disk].info : DiskInfo{};
}

BlkRequest* request_alloc(unsigned disk) {
    if (disk >= g_disk_count) return nullptr;
    Disk& d = g_disks[disk];
    for (unsigned i = 0; i < d.slot_count; ++i)
        if (BlkRequest& r = d.slots[i]; r.state == SlotState::Free) {
            r.state = SlotState::Allocated;
            r.result = BlkResult::Pending;
            r.done = nullptr;
            r.context = nullptr;
            return &r;
        }
    return nullptr;
}

void request_free(BlkRequest* r) {
    if (r && r->state != SlotState::Pending) r->state = SlotState::Free;
}

uint8_t* request_data(BlkRequest* r) {
    return r->data;
}

BlkResult request_result(const BlkRequest* r) {
    return r->result;
}

BlkResult request_submit(BlkRequest* r, const BlkSubmit& s) {
    Disk& d = *r->disk;
    const bool transfer = s.op == BlkOp::Read || s.op == BlkOp::Write;
    const uint32_t sectors = transfer ? s.sectors : 0;
    if (transfer && (sectors == 0 || sectors > kMaxRequestSectors))
        return r->result = BlkResult::OutOfRange;
    if (!s.unchecked) {
        if (transfer && (s.sector >= d.info.sectors || sectors > d.info.sectors - s.sector))
            return r->result = BlkResult::OutOfRange;
        if (s.op == BlkOp::Write && d.info.read_only) return r->result = BlkResult::ReadOnly;
        if (s.op == BlkOp::Flush && !d.info.flush) return r->result = BlkResult::Unsupported;
    }
    const unsigned index = static_cast<unsigned>(r - d.slots);
    SlotWire& w = d.wire[index];
    static constexpr uint32_t kTypes[] = {blk::kIn, blk::kOut, blk::kFlush, blk::kGetId};
    w.header = blk::RequestHeader{kTypes[static_cast<unsigned>(s.op)], 0, transfer ? s.sector : 0};
    w.status = 0xff; // a device that completes without writing it reads as an error
    const uint64_t wire_phys = d.wire_phys.value + index * sizeof(SlotWire);
    VirtqBuffer chain[3];
    unsigned n = 0;
    chain[n++] = VirtqBuffer{wire_phys, sizeof(blk::RequestHeader), false};
    if (transfer)
        chain[n++] =
            VirtqBuffer{r->data_phys.value, sectors * blk::kSectorSize, s.op == BlkOp::Read};
    else if (s.op == BlkOp::GetId)
        chain[n++] = VirtqBuffer{r->data_phys.value, blk::kIdBytes, true};
    chain[n++] = VirtqBuffer{wire_phys + offsetof(SlotWire, status), 1, true};
    r->done = s.done;
    r->context = s.context;
    r->result = BlkResult::Pending;
    r->state = SlotState::Pending;
    // There are at most size / 3 slots, so three descriptors are always free for one.
    r->head = d.queue.submit(chain, n);
    d.by_head[r->head] = r;
    ++g_counters.requests;
    wr(d, mmio::kQueueNotify, 0);
    return BlkResult::Pending;
}

void handle_interrupt(unsigned vector) {
    ++g_counters.interrupts;
    for (unsigned i = 0; i < g_disk_count; ++i)
        if (g_disks[i].info.vector == vector) service(g_disks[i]);
    vmi::apic_eoi();
}

BlkCounters counters() {
    return g_counters;
}

bool wait_requests(BlkRequest* const* requests, unsigned count, uint64_t max_cycles) {
    const uint64_t start = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    auto pending = [&] {
        for (unsigned i = 0; i < count; ++i)
            if (static_cast<const volatile SlotState&>(requests[i]->state) == SlotState::Pending)
                return true;
        return false;
    };
    // Requests complete only in the interrupt handler, so none pending needs no interrupt
    // window. Opening one anyway costs a delivery per request when a queue is refilled under a
    // monitor that delivers at once (the deprivileged ROM): a device that serves requests as
    // they are notified has finished the one just submitted, and its interrupt would be taken
    // alone instead of with the next ones (docs/benchmarks.md, "Reading the disk figures").
    if (!pending()) return true;
    vmi::enable_interrupts();
    bool waiting;
    while ((waiting = pending()) && vmi::get_cycle_counter(VMI_CYCLES_REAL) - start < max_cycles) {
    }
    vmi::disable_interrupts();
    return !waiting;
}

} // namespace kernel::virtio
