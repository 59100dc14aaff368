// Two virtio-blk disks through the virtio-mmio transport, as a driver sees them: the devices
// found on the command line, feature negotiation, one queue each, then polled reads, a write, a
// flush, GET_ID and the refusals; last, completions as interrupts through IOAPIC pin 16, level-
// and edge-triggered. check_disk.py makes the disks (disk 0 read-write, disk 1
// read-only, sector 1 of each filled by the host) and checks the guest's write in the file.
// With `virtio_blk_bench` on the command line it also prints what a request costs.
#include "lib/guest.hpp"
#include "lib/idt.hpp"
#include "lib/x2apic.hpp"

#include <virtio/virtio.hpp>
#include <vmirt/boot.hpp>

using namespace guest;

namespace {

// virtio 1.2: §4.2.2 registers, §2.7 split virtqueue, §5.2 block device (<virtio/virtio.hpp>).
using namespace virtio;
using namespace virtio::mmio;
constexpr uint16_t kQueueSize = 8;
constexpr uint64_t kSector = blk::kSectorSize;

struct Avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[kQueueSize];
};
struct Used {
    uint16_t flags;
    uint16_t idx;
    virtq::UsedElem ring[kQueueSize];
};

struct Queue {
    alignas(4096) virtq::Desc desc[kQueueSize];
    alignas(4096) Avail avail;
    alignas(4096) Used used;
};

// The standard IOAPIC (82093AA datasheet): index at +0, data window at +0x10; pin n's
// redirection entry is registers 0x10 + 2n (low half) and 0x11 + 2n (destination).
constexpr uint64_t kIoapic = 0xfec00000;
constexpr uint32_t kRedirLevel = 1u << 15, kRedirMasked = 1u << 16;
constexpr uint8_t kDiskVector = 0x50;

Queue g_queues[2];
alignas(4096) uint64_t g_mmio_pd[512];
alignas(512) uint8_t g_data[2 * kSector];
blk::RequestHeader g_header;
uint8_t g_status;

uint64_t phys(const volatile void* p) {
    return vmi::boot::virt_to_phys(const_cast<const void*>(p));
}

void barrier() {
    asm volatile("" ::: "memory");
}

uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

// The n-th `virtio_mmio.device=512@0xADDR:IRQ` of the command line.
bool find_device(const char* cmdline, int n, uint64_t& addr, unsigned& irq) {
    static constexpr char kKey[] = "virtio_mmio.device=512@0x";
    for (const char* s = cmdline; *s; ++s) {
        if (!starts_with(s, kKey) || n-- > 0) continue;
        s += sizeof kKey - 1;
        addr = 0;
        for (; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); ++s)
            addr = addr * 16 + static_cast<uint64_t>(*s <= '9' ? *s - '0' : *s - 'a' + 10);
        if (*s++ != ':') return false;
        irq = 0;
        for (; *s >= '0' && *s <= '9'; ++s)
            irq = irq * 10 + static_cast<unsigned>(*s - '0');
        return true;
    }
    return false;
}

// The boot page tables map only the first GiB: add the 2 MiB page holding the devices,
// uncached, at its own address.
void map_mmio(uint64_t addr) {
    uint64_t cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    constexpr uint64_t kFrame = 0x000ffffffffff000ull;
    auto* pml4 = static_cast<uint64_t*>(vmi::boot::phys_to_virt(cr3 & kFrame));
    auto* pdpt = static_cast<uint64_t*>(vmi::boot::phys_to_virt(pml4[0] & kFrame));
    pdpt[(addr >> 30) & 511] = phys(g_mmio_pd) | 3;
    g_mmio_pd[(addr >> 21) & 511] = (addr & ~0x1fffffull) | 0x9b; // P RW PWT PCD PS
    asm volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}

class Disk {
  public:
    Disk(uint64_t base, Queue& q) : regs_(reinterpret_cast<volatile uint32_t*>(base)), q_(q) {}

    uint32_t get(uint32_t reg) { return regs_[reg / 4]; }
    void put(uint32_t reg, uint32_t v) { regs_[reg / 4] = v; }

    bool identifies() {
        return get(kMagicValue) == kMagic && get(kVersion) == kVersionModern &&
               get(kDeviceId) == blk::kDeviceId;
    }
    uint32_t features_low() {
        put(kDeviceFeaturesSel, 0);
        return get(kDeviceFeatures);
    }
    bool version1() {
        put(kDeviceFeaturesSel, 1);
        return get(kDeviceFeatures) & 1;
    }
    // Reset, negotiate VERSION_1 and FLUSH, set up queue 0, DRIVER_OK.
    bool start() {
        put(kStatus, 0);
        // A reset device starts again at index 0; so does the driver.
        q_.avail.flags = q_.avail.idx = q_.used.idx = 0;
        avail_ = used_ = 0;
        put(kStatus, kStatusAcknowledge | kStatusDriver);
        put(kDriverFeaturesSel, 0);
        put(kDriverFeatures, features_low() & blk::kFeatureFlush);
        put(kDriverFeaturesSel, 1);
        put(kDriverFeatures, 1);
        put(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        if (!(get(kStatus) & kStatusFeaturesOk)) return false;
        put(kQueueSel, 0);
        if (get(kQueueNumMax) < kQueueSize) return false;
        put(kQueueNum, kQueueSize);
        put(kQueueDescLow, static_cast<uint32_t>(phys(q_.desc)));
        put(kQueueDescHigh, static_cast<uint32_t>(phys(q_.desc) >> 32));
        put(kQueueDriverLow, static_cast<uint32_t>(phys(&q_.avail)));
        put(kQueueDriverHigh, static_cast<uint32_t>(phys(&q_.avail) >> 32));
        put(kQueueDeviceLow, static_cast<uint32_t>(phys(&q_.used)));
        put(kQueueDeviceHigh, static_cast<uint32_t>(phys(&q_.used) >> 32));
        put(kQueueReady, 1);
        put(kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
        return get(kQueueReady) == 1 && get(kStatus) == (kStatusAcknowledge | kStatusDriver |
                                                         kStatusFeaturesOk | kStatusDriverOk);
    }
    uint64_t capacity() { return get(kConfig) | (uint64_t{get(kConfig + 4)} << 32); }

    // One request: header, at most one data buffer, status. Returns the status byte; 0xff if
    // the device never returned the chain.
    uint8_t request(uint32_t type, uint64_t sector, void* data, uint32_t len, bool device_writes) {
        g_header = {type, 0, sector};
        g_status = 0xee;
        uint16_t n = 0;
        q_.desc[n] = {phys(&g_header), sizeof g_header, virtq::kDescNext,
                      static_cast<uint16_t>(n + 1)};
        ++n;
        if (len) {
            q_.desc[n] = {
                phys(data), len,
                static_cast<uint16_t>(virtq::kDescNext | (device_writes ? virtq::kDescWrite : 0)),
                static_cast<uint16_t>(n + 1)};
            ++n;
        }
        q_.desc[n] = {phys(&g_status), 1, virtq::kDescWrite, 0};
        q_.avail.ring[avail_ % kQueueSize] = 0;
        barrier();
        q_.avail.idx = ++avail_;
        barrier();
        put(kQueueNotify, 0);
        for (unsigned spin = 0; static_cast<volatile uint16_t&>(q_.used.idx) == used_; ++spin)
            if (spin == 10000000) return 0xff;
        last_used_len_ = q_.used.ring[used_ % kQueueSize].len;
        ++used_;
        return g_status;
    }
    uint32_t last_used_len() const { return last_used_len_; }
    // Reads and acknowledges InterruptStatus.
    uint32_t take_interrupt() {
        const uint32_t bits = get(kInterruptStatus);
        put(kInterruptAck, bits);
        return bits;
    }
    void notify_empty() { put(kQueueNotify, 0); }

  private:
    volatile uint32_t* regs_;
    Queue& q_;
    uint16_t avail_ = 0;
    uint16_t used_ = 0;
    uint32_t last_used_len_ = 0;
};

void ioapic_route(unsigned pin, uint8_t vector, uint32_t mode) {
    auto* io = reinterpret_cast<volatile uint32_t*>(kIoapic);
    io[0] = 0x11 + 2 * pin;
    io[4] = 0; // APIC ID 0, the only vCPU
    io[0] = 0x10 + 2 * pin;
    io[4] = vector | mode;
}

// Completions counted by the interrupt handler, which acknowledges the device before the
// local APIC: a level-triggered line must be low by the EOI or it fires again.
Disk* g_irq_disk;
volatile uint32_t g_irqs;
volatile uint32_t g_irq_bits;

} // namespace

extern "C" {
void disk_isr();

void disk_interrupt() {
    g_irq_bits = g_irq_bits | g_irq_disk->take_interrupt();
    g_irqs = g_irqs + 1;
    x2apic::wrmsr(x2apic::kEoi, 0);
}
}

// Saves the registers a call may change (9 of them: the stack is 16-byte aligned again).
asm(R"(
    .text
    .globl disk_isr
disk_isr:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    cld
    call disk_interrupt
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    iretq
)");

namespace {

void install_isr() {
    idt::set_gate(kDiskVector, disk_isr);
    x2apic::enable();
}

// Issues a read and waits for its interrupt; the halt check of `vmi run` ends a guest whose
// interrupt never comes (exit 81).
bool read_by_interrupt(Disk& d, uint32_t irqs_before) {
    if (d.request(blk::kIn, 1, g_data, kSector, true) != 0) return false;
    while (g_irqs == irqs_before)
        asm volatile("sti; hlt; cli");
    return true;
}

bool bytes_are(const uint8_t* p, uint64_t n, unsigned mul, unsigned add) {
    for (uint64_t i = 0; i < n; ++i)
        if (p[i] != static_cast<uint8_t>(i * mul + add)) return false;
    return true;
}

// The ID in g_data is `want` and then a NUL, unless it fills all 20 bytes.
bool id_is(const char* want) {
    for (unsigned i = 0; i < 20; ++i) {
        if (g_data[i] != static_cast<uint8_t>(*want)) return false;
        if (!*want++) return true;
    }
    return true;
}

// GET_ID into a cleared buffer: a device may write only the string and its NUL.
uint8_t get_id(Disk& d) {
    for (unsigned i = 0; i < 20; ++i)
        g_data[i] = 0xaa;
    return d.request(blk::kGetId, 0, g_data, blk::kIdBytes, true);
}

// An MMIO write KVM serves in the kernel (the IOAPIC's index register) against one that
// returns to `vmi run` (QueueNotify with nothing queued): their difference bounds what serving
// QueueNotify in the kernel (ioeventfd) could save. The IOAPIC must be mapped.
void bench(Disk& d) {
    constexpr unsigned kRounds = 50;
    auto* ioapic = reinterpret_cast<volatile uint32_t*>(kIoapic);
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < kRounds; ++i)
        ioapic[0] = 0;
    const uint64_t in_kernel = (rdtsc() - t0) / kRounds;
    t0 = rdtsc();
    for (unsigned i = 0; i < kRounds; ++i)
        d.notify_empty();
    const uint64_t empty = (rdtsc() - t0) / kRounds;
    t0 = rdtsc();
    for (unsigned i = 0; i < kRounds; ++i)
        d.request(blk::kIn, 1, g_data, kSector, true);
    const uint64_t read = (rdtsc() - t0) / kRounds;
    puts("bench: MMIO write served in KVM: ");
    put_dec(in_kernel);
    puts(" cycles; QueueNotify with nothing queued: ");
    put_dec(empty);
    puts(" cycles; 512-byte read request, polled: ");
    put_dec(read);
    puts(" cycles\n");
}

} // namespace

extern "C" int guest_main(const StartInfo* info) {
    const char* cmdline = static_cast<const char*>(vmi::boot::phys_to_virt(info->cmdline_paddr));
    uint64_t base[2] = {};
    unsigned irq[2] = {};
    for (int i = 0; i < 2; ++i)
        if (!find_device(cmdline, i, base[i], irq[i])) base[i] = 0;
    check(base[0] == 0xfeb00000 && irq[0] == 16, "command line announces disk 0 at 0xfeb00000:16");
    check(base[1] == 0xfeb00200 && irq[1] == 17, "command line announces disk 1 at 0xfeb00200:17");
    if (base[0] != 0xfeb00000 || base[1] != 0xfeb00200) return 1;
    map_mmio(base[0]);

    Disk d0(base[0], g_queues[0]), d1(base[1], g_queues[1]);
    check(d0.identifies() && d1.identifies(), "both are virtio-mmio version 2 block devices");
    check(d0.version1() && (d0.features_low() & blk::kFeatureFlush) &&
              !(d0.features_low() & blk::kFeatureRo),
          "disk 0 offers VERSION_1 and FLUSH, not RO");
    check(d1.features_low() & blk::kFeatureRo, "disk 1 offers RO");
    check(d0.start() && d1.start(), "features accepted, queues ready, DRIVER_OK");
    check(d0.capacity() == 128 && d1.capacity() == 16, "capacities 128 and 16 sectors");

    check(d0.request(blk::kIn, 1, g_data, kSector, true) == 0 && bytes_are(g_data, kSector, 3, 1),
          "disk 0: read sector 1 sees the host's bytes");
    check(d0.last_used_len() == kSector + 1, "disk 0: used length is the data and the status");
    check(d0.take_interrupt() == 1 && d0.take_interrupt() == 0,
          "disk 0: used-buffer interrupt pending until acknowledged");
    for (uint64_t i = 0; i < kSector; ++i)
        g_data[i] = static_cast<uint8_t>(i * 5 + 7);
    check(d0.request(blk::kOut, 2, g_data, kSector, false) == 0, "disk 0: write sector 2");
    check(d0.request(blk::kFlush, 0, nullptr, 0, false) == 0, "disk 0: flush");
    for (uint64_t i = 0; i < kSector; ++i)
        g_data[i] = 0;
    check(d0.request(blk::kIn, 2, g_data, kSector, true) == 0 && bytes_are(g_data, kSector, 5, 7),
          "disk 0: sector 2 reads back what was written");
    check(get_id(d0) == 0 && id_is("vmi-disk0"), "disk 0: GET_ID is vmi-disk0");
    check(d0.request(blk::kIn, 127, g_data, 2 * kSector, true) == 1,
          "disk 0: a read past the end fails");
    check(d0.request(99, 0, nullptr, 0, false) == 2, "disk 0: an unknown request is unsupported");

    check(d1.request(blk::kIn, 1, g_data, kSector, true) == 0 && bytes_are(g_data, kSector, 3, 1),
          "disk 1: read sector 1 sees the host's bytes");
    check(d1.request(blk::kOut, 2, g_data, kSector, false) == 1,
          "disk 1: a write fails (read-only)");
    check(get_id(d1) == 0 && id_is("vmi-disk1"), "disk 1: GET_ID is vmi-disk1");
    d0.take_interrupt();
    d1.take_interrupt();

    map_mmio(kIoapic);
    install_isr();
    g_irq_disk = &d0;
    ioapic_route(irq[0], kDiskVector, kRedirLevel);
    check(read_by_interrupt(d0, 0) && g_irqs == 1 && g_irq_bits == 1,
          "disk 0: a read completes with one level-triggered interrupt on IOAPIC pin 16");
    check(read_by_interrupt(d0, 1) && g_irqs == 2, "disk 0: and the next read with the next one");
    ioapic_route(irq[0], kDiskVector, 0);
    check(read_by_interrupt(d0, 2) && g_irqs == 3, "disk 0: edge-triggered too");
    ioapic_route(irq[0], kDiskVector, kRedirMasked);
    d0.put(kStatus, 0);
    check(d0.get(kStatus) == 0 && d0.get(kQueueReady) == 0, "disk 0: reset");

    for (const char* s = cmdline; *s; ++s)
        if (starts_with(s, "virtio_blk_bench") && d1.start()) bench(d1);
    return failures();
}
