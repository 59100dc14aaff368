// `run=bench:blk`: disk requests through the kernel's virtio-blk driver (docs/virtio.md), the
// same kernel on every hypervisor (docs/benchmarks.md, "Reading the disk figures"). Each
// result carries the driver's register accesses and interrupts over its requests.
//
// blk_read, blk_batch  one-sector reads of sector 0: one at a time, each waited for (its
//                      interrupt included), then batches of as many as the disk has slots
// blk_seq_read,        64 KiB transfers at consecutive offsets in the first 16 MiB; the driver's
// blk_seq_write        largest request is 4 KiB (one bounce buffer), so each transfer is 16
//                      requests of 8 sectors, up to 8 in flight, all waited for before the next
// blk_rand_qd1,        4 KiB reads at pseudo-random 4 KiB-aligned offsets over the whole disk:
// blk_rand_qd8         one at a time, or 8 in flight, the oldest's slot taking the next request
//                      as soon as it completes
//
// iterations=N: N requests for each (blk_batch: N batches; the sequential ones: N / 16
// transfers, at least one). blk_seq_write overwrites the first 16 MiB: a scratch disk only.
#include "bench.hpp"
#include "console.hpp"
#include "virtio/blk.hpp"

#include <virtio/virtio.hpp>
#include <vmirt/ops.hpp>

namespace kernel {

namespace {

using virtio::BlkOp;
using virtio::BlkRequest;
using virtio::BlkResult;

constexpr uint64_t kSectorBytes = ::virtio::blk::kSectorSize;
constexpr uint32_t kBlockSectors = virtio::kMaxRequestSectors;
constexpr uint64_t kBlockBytes = kBlockSectors * kSectorBytes;
constexpr uint64_t kTransferBytes = 64 * 1024;
constexpr uint64_t kRequestsPerTransfer = kTransferBytes / kBlockBytes;
constexpr uint64_t kSeqRegionSectors = 16 * 1024 * 1024 / kSectorBytes;
constexpr unsigned kQueueDepth = 8;
static_assert(kQueueDepth <= virtio::kRequestsPerDisk);

// Cycles, monitor entries and driver counters over one measured stretch.
class Measure {
  public:
    Measure()
        : entries_(vmi::get_monitor_entries()), before_(virtio::counters()),
          start_(vmi::get_cycle_counter(VMI_CYCLES_REAL)) {}

    void report(const char* name, uint64_t iterations, const char* unit) const {
        const uint64_t cycles = vmi::get_cycle_counter(VMI_CYCLES_REAL) - start_;
        const uint64_t entries = vmi::get_monitor_entries() - entries_;
        const virtio::BlkCounters after = virtio::counters();
        const BenchField fields[] = {
            {"requests", after.requests - before_.requests},
            {"mmio_accesses", after.mmio_accesses - before_.mmio_accesses},
            {"interrupts", after.interrupts - before_.interrupts},
        };
        report_benchmark(name, cycles, iterations, unit, entries, fields,
                         sizeof fields / sizeof fields[0]);
    }

  private:
    uint64_t entries_;
    virtio::BlkCounters before_;
    uint64_t start_;
};

// Runs `count` requests of `op` and `sectors` each, at the sectors `next()` gives, at most
// `depth` in flight: the oldest's slot takes the next one when it completes, so the device
// always has `depth` (or what is left) to work on. Returns the requests that succeeded.
template <typename Next>
uint64_t run_requests(BlkOp op, uint32_t sectors, uint64_t count, unsigned depth, Next next) {
    BlkRequest* slots[virtio::kRequestsPerDisk];
    unsigned n = 0;
    while (n < depth && n < virtio::kRequestsPerDisk && (slots[n] = virtio::request_alloc(0)))
        ++n;
    if (n == 0) return 0;
    uint64_t submitted = 0;
    auto submit = [&](BlkRequest* r) {
        virtio::BlkSubmit s;
        s.op = op;
        s.sector = next();
        s.sectors = sectors;
        (void)virtio::request_submit(r, s);
        ++submitted;
    };
    for (unsigned i = 0; i < n && submitted < count; ++i)
        submit(slots[i]);
    uint64_t ok = 0;
    for (uint64_t i = 0; i < submitted; ++i) {
        BlkRequest* r = slots[i % n];
        const bool done = virtio::wait_requests(&r, 1, ~0ull);
        ok += done && virtio::request_result(r) == BlkResult::Ok;
        if (submitted < count) submit(r);
    }
    for (unsigned i = 0; i < n; ++i)
        virtio::request_free(slots[i]);
    return ok;
}

void check(const char* name, uint64_t ok, uint64_t expected) {
    if (ok != expected)
        print("FAIL: %s: %lu of %lu requests failed\n", name, expected - ok, expected);
}

void bench_sector0() {
    const uint64_t n = iterations_or(200);
    auto sector0 = [] { return uint64_t{0}; };
    uint64_t ok = 0;
    const Measure one;
    for (uint64_t i = 0; i < n; ++i)
        ok += run_requests(BlkOp::Read, 1, 1, 1, sector0);
    one.report("blk_read", n, "request");
    check("blk_read", ok, n);

    ok = 0;
    const Measure batch;
    for (uint64_t i = 0; i < n; ++i)
        ok += run_requests(BlkOp::Read, 1, virtio::kRequestsPerDisk, virtio::kRequestsPerDisk,
                           sector0);
    batch.report("blk_batch", n * virtio::kRequestsPerDisk, "request");
    check("blk_batch", ok, n * virtio::kRequestsPerDisk);
}

// 64 KiB transfers one after another; reported per byte, so that bytes per second is hz /
// cycles per byte.
void bench_sequential(const char* name, BlkOp op, uint64_t region_sectors) {
    const uint64_t requests = iterations_or(32 * kRequestsPerTransfer);
    const uint64_t transfers = (requests + kRequestsPerTransfer - 1) / kRequestsPerTransfer;
    uint64_t sector = 0;
    auto consecutive = [&] {
        const uint64_t s = sector;
        sector = (sector + kBlockSectors) % region_sectors;
        return s;
    };
    uint64_t ok = 0;
    const Measure m;
    for (uint64_t i = 0; i < transfers; ++i)
        ok += run_requests(op, kBlockSectors, kRequestsPerTransfer, kQueueDepth, consecutive);
    m.report(name, transfers * kTransferBytes, "byte");
    check(name, ok, transfers * kRequestsPerTransfer);
}

void bench_random(const char* name, unsigned depth, uint64_t blocks) {
    const uint64_t n = iterations_or(200);
    uint64_t state = 0x9e3779b97f4a7c15; // xorshift64: the same offsets on every hypervisor
    auto random_block = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state % blocks * kBlockSectors;
    };
    const Measure m;
    const uint64_t ok = run_requests(BlkOp::Read, kBlockSectors, n, depth, random_block);
    m.report(name, n, "request");
    check(name, ok, n);
}

} // namespace

void bench_blk() {
    if (virtio::disk_count() == 0) {
        print("FAIL: blk: no disk (virtio_mmio.device=)\n");
        return;
    }
    const virtio::DiskInfo disk = virtio::disk_info(0);
    const uint64_t region = disk.sectors < kSeqRegionSectors ? disk.sectors : kSeqRegionSectors;
    const uint64_t blocks = disk.sectors / kBlockSectors;
    if (region < kBlockSectors || disk.read_only) {
        print("FAIL: blk: disk 0 is read-only or smaller than %lu bytes\n", kBlockBytes);
        return;
    }
    bench_sector0();
    bench_sequential("blk_seq_read", BlkOp::Read, region - region % kBlockSectors);
    bench_sequential("blk_seq_write", BlkOp::Write, region - region % kBlockSectors);
    bench_random("blk_rand_qd1", 1, blocks);
    bench_random("blk_rand_qd8", kQueueDepth, blocks);
}

} // namespace kernel
