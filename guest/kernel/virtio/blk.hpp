// The kernel's own virtio-blk driver over virtio-mmio (docs/virtio.md, "The driver (reference
// kernel)"). It is a native device driver, not a VMI call: the same code runs natively, under
// any ROM and at CPL3 under a deprivileging one, where its register accesses are plain loads
// and stores to a page the kernel mapped. Requests are interrupt-driven, several in flight per
// disk; each owns a slot with a 4 KiB bounce buffer, and completions are matched to slots by
// the head descriptor the device returns.
#pragma once

#include <stdint.h>
#include <vmi/vmi.h>

namespace kernel::virtio {

inline constexpr unsigned kMaxDisks = 4;
inline constexpr unsigned kRequestsPerDisk = 8;
inline constexpr uint32_t kMaxRequestSectors = 8; // one bounce buffer
// Interrupts of I/O APIC pin p arrive at vector kVectorBase + p: above the alarm's priority
// class (VMI_VECTOR_ALARM), below the spurious vector.
inline constexpr unsigned kVectorBase = 0x30;

enum class BlkOp : uint8_t { Read, Write, Flush, GetId };

enum class BlkResult : uint8_t {
    Ok,
    IoError,     // the device's VIRTIO_BLK_S_IOERR
    Unsupported, // the device's VIRTIO_BLK_S_UNSUPP
    ReadOnly,    // a write to a disk that offers VIRTIO_BLK_F_RO
    OutOfRange,  // beyond the last sector, or more than kMaxRequestSectors
    Pending,     // submitted, not completed yet
};

struct BlkRequest;
using BlkDone = void (*)(BlkRequest* request, void* context);

struct DiskInfo {
    uint64_t base; // physical address of the transport
    uint32_t irq;
    unsigned vector;  // kVectorBase + irq
    uint64_t sectors; // capacity in 512-byte sectors
    bool read_only;
    bool flush;
};

// Sets up every block device the command line announces (mmio_cmdline.hpp) and routes its
// interrupt; each device refused prints one `virtio: ` line saying why. Returns the disks.
unsigned init_disks(const char* cmdline);
unsigned disk_count();
DiskInfo disk_info(unsigned disk);

// A free request slot of `disk`, or null if all are in flight.
BlkRequest* request_alloc(unsigned disk);
void request_free(BlkRequest* request);
// The slot's bounce buffer: write data before submitting, read data after completion.
uint8_t* request_data(BlkRequest* request);
BlkResult request_result(const BlkRequest* request);

struct BlkSubmit {
    BlkOp op = BlkOp::Read;
    uint64_t sector = 0;
    uint32_t sectors = 0;   // Read and Write: 1..kMaxRequestSectors
    BlkDone done = nullptr; // called from the interrupt handler, interrupts disabled
    void* context = nullptr;
    // Self-tests only: send the request even where the driver would refuse it (beyond the
    // last sector, a write to a read-only disk), to see the device refuse it too.
    bool unchecked = false;
};
// Hands the request to the device. A refusal is the returned result (and the slot's); Pending
// means the device has it.
BlkResult request_submit(BlkRequest* request, const BlkSubmit& submit);

// The interrupt work of every disk on `vector`'s pin: acknowledges the device, completes what
// it finished, then signals the local APIC's EOI.
void handle_interrupt(unsigned vector);
// Waits with interrupts enabled until none of `requests` is Pending, at most `max_cycles`;
// for kernel code outside event handlers. False on timeout.
bool wait_requests(BlkRequest* const* requests, unsigned count, uint64_t max_cycles);

// What the driver has done since boot, over all disks, for the benchmarks: each access to a
// transport's registers is a VM exit under a hypervisor (a load or store the device model
// serves), each interrupt a delivery plus its EOI.
struct BlkCounters {
    uint64_t mmio_accesses = 0; // reads and writes of the virtio-mmio registers
    uint64_t interrupts = 0;    // handle_interrupt calls
    uint64_t requests = 0;      // requests handed to a device
};
BlkCounters counters();

} // namespace kernel::virtio
