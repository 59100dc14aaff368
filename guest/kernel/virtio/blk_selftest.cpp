#include "blk_selftest.hpp"

#include "blk.hpp"
#include "console.hpp"
#include "mm/bytes.hpp"
#include "mmio_regs.hpp"

#include <vmirt/ops.hpp>

namespace kernel::virtio {

namespace {

constexpr uint32_t kChunk = kMaxRequestSectors * blk::kSectorSize;
constexpr uint64_t kSignatureSector = 1;
constexpr char kSignature[] = "VMI-64 virtio-blk signature";

uint8_t g_saved[kChunk];
uint8_t g_saved_last[blk::kSectorSize];
uint8_t g_buffer[kChunk];
uint8_t g_other[kChunk];

uint64_t max_wait() {
    const uint64_t hz = vmi::get_cycle_frequency();
    return 5 * (hz ? hz : 1000000000ull); // 5 s
}

uint8_t pattern(uint64_t sector, unsigned byte, unsigned seed) {
    return static_cast<uint8_t>(sector * 7 + byte * 13 + seed * 101 + (byte >> 8));
}

void fill(uint8_t* buf, uint64_t first_sector, uint32_t sectors, unsigned seed) {
    for (uint32_t s = 0; s < sectors; ++s)
        for (unsigned i = 0; i < blk::kSectorSize; ++i)
            buf[s * blk::kSectorSize + i] = pattern(first_sector + s, i, seed);
}

bool same(const uint8_t* a, const uint8_t* b, uint32_t bytes) {
    for (uint32_t i = 0; i < bytes; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// One request, waited for: `in` is written (Write), `out` receives the data (Read, GetId).
BlkResult run_one(BlkOp op, uint64_t sector, uint32_t sectors, const uint8_t* in, uint8_t* out,
                  bool unchecked = false) {
    BlkRequest* r = request_alloc(0);
    if (!r) return BlkResult::Pending;
    if (in) mm::copy_bytes(request_data(r), in, sectors * blk::kSectorSize);
    BlkSubmit s;
    s.op = op;
    s.sector = sector;
    s.sectors = sectors;
    s.unchecked = unchecked;
    BlkResult result = request_submit(r, s);
    if (result == BlkResult::Pending) {
        if (!wait_requests(&r, 1, max_wait())) return BlkResult::Pending; // the slot stays busy
        result = request_result(r);
    }
    if (result == BlkResult::Ok && out)
        mm::copy_bytes(out, request_data(r),
                       op == BlkOp::GetId ? blk::kIdBytes : sectors * blk::kSectorSize);
    request_free(r);
    return result;
}

bool ok(BlkResult r) {
    return r == BlkResult::Ok;
}

// One request per sector from `first`, as many as there are slots, all submitted before any is
// waited for; `data` is written (write) or filled from each request's own bounce buffer (read).
// Returns how many sectors that was, 0 on any failure.
unsigned in_flight(bool write, uint64_t first, uint8_t* data) {
    BlkRequest* reqs[kRequestsPerDisk];
    unsigned n = 0;
    bool submitted = true;
    for (; n < kRequestsPerDisk; ++n) {
        if (!(reqs[n] = request_alloc(0))) break;
        if (write)
            mm::copy_bytes(request_data(reqs[n]), data + n * blk::kSectorSize, blk::kSectorSize);
        BlkSubmit s;
        s.op = write ? BlkOp::Write : BlkOp::Read;
        s.sector = first + n;
        s.sectors = 1;
        submitted = submitted && request_submit(reqs[n], s) == BlkResult::Pending;
    }
    bool good = n > 1 && submitted && wait_requests(reqs, n, max_wait());
    for (unsigned i = 0; i < n; ++i) {
        good = good && ok(request_result(reqs[i]));
        if (good && !write)
            mm::copy_bytes(data + i * blk::kSectorSize, request_data(reqs[i]), blk::kSectorSize);
        request_free(reqs[i]);
    }
    return good ? n : 0;
}

// Past the end: the driver refuses without asking the device, and the device, asked anyway,
// reports an error.
bool refuses_past_end(uint64_t sectors) {
    return run_one(BlkOp::Read, sectors, 1, nullptr, g_buffer) == BlkResult::OutOfRange &&
           run_one(BlkOp::Read, sectors - 1, 2, nullptr, g_buffer) == BlkResult::OutOfRange &&
           run_one(BlkOp::Write, sectors, 1, g_buffer, nullptr) == BlkResult::OutOfRange &&
           run_one(BlkOp::Read, sectors, 1, nullptr, g_buffer, true) == BlkResult::IoError;
}

void read_write_tests(void (*check)(bool, const char*), uint64_t last) {
    const bool saved = ok(run_one(BlkOp::Read, 0, kMaxRequestSectors, nullptr, g_saved)) &&
                       ok(run_one(BlkOp::Read, last, 1, nullptr, g_saved_last));

    fill(g_buffer, 0, kMaxRequestSectors, 1);
    bool good = saved && ok(run_one(BlkOp::Write, 0, kMaxRequestSectors, g_buffer, nullptr)) &&
                ok(run_one(BlkOp::Flush, 0, 0, nullptr, nullptr)) &&
                ok(run_one(BlkOp::Read, 0, kMaxRequestSectors, nullptr, g_other)) &&
                same(g_buffer, g_other, kChunk);
    check(good, "virtio-blk writes patterns, flushes and reads them back");

    for (uint8_t& b : g_other)
        b = 0;
    unsigned n = in_flight(false, 0, g_other);
    good = n && same(g_buffer, g_other, n * blk::kSectorSize);
    check(good, "virtio-blk several reads in flight each get their own sector");

    fill(g_buffer, 0, kMaxRequestSectors, 2);
    n = in_flight(true, 0, g_buffer);
    good = n && ok(run_one(BlkOp::Read, 0, kMaxRequestSectors, nullptr, g_other)) &&
           same(g_buffer, g_other, n * blk::kSectorSize);
    check(good, "virtio-blk several writes in flight land each in its sector");

    fill(g_buffer, last, 1, 3);
    good = saved && ok(run_one(BlkOp::Write, last, 1, g_buffer, nullptr)) &&
           ok(run_one(BlkOp::Read, last, 1, nullptr, g_other)) &&
           same(g_buffer, g_other, blk::kSectorSize);
    check(good, "virtio-blk writes and reads the last sector");

    good = saved && ok(run_one(BlkOp::Write, 0, kMaxRequestSectors, g_saved, nullptr)) &&
           ok(run_one(BlkOp::Write, last, 1, g_saved_last, nullptr)) &&
           ok(run_one(BlkOp::Flush, 0, 0, nullptr, nullptr)) &&
           ok(run_one(BlkOp::Read, 0, kMaxRequestSectors, nullptr, g_buffer)) &&
           ok(run_one(BlkOp::Read, last, 1, nullptr, g_other)) && same(g_saved, g_buffer, kChunk) &&
           same(g_saved_last, g_other, blk::kSectorSize);
    check(good, "virtio-blk restores what the tests overwrote");
}

void read_only_tests(void (*check)(bool, const char*), uint64_t last) {
    bool good = ok(run_one(BlkOp::Read, 0, kMaxRequestSectors, nullptr, g_saved));
    for (uint8_t& b : g_other)
        b = 0;
    const unsigned n = in_flight(false, 0, g_other);
    good = good && n && same(g_saved, g_other, n * blk::kSectorSize);
    check(good, "virtio-blk several reads in flight each get their own sector");
    check(ok(run_one(BlkOp::Read, last, 1, nullptr, g_buffer)), "virtio-blk reads the last sector");
    fill(g_buffer, 0, 1, 4);
    good = run_one(BlkOp::Write, 0, 1, g_buffer, nullptr) == BlkResult::ReadOnly &&
           !ok(run_one(BlkOp::Write, 0, 1, g_buffer, nullptr, true)) &&
           ok(run_one(BlkOp::Read, 0, 1, nullptr, g_other)) &&
           same(g_saved, g_other, blk::kSectorSize);
    check(good, "virtio-blk a read-only disk refuses writes, driver and device");
}

} // namespace

void run_blk_selftests(void (*check)(bool ok, const char* name)) {
    if (disk_count() == 0) return;
    const DiskInfo info = disk_info(0);
    check(info.sectors > kMaxRequestSectors, "virtio-blk disk is ready");
    if (info.sectors <= kMaxRequestSectors) return;
    uint8_t id[blk::kIdBytes];
    check(ok(run_one(BlkOp::GetId, 0, 0, nullptr, id)), "virtio-blk GET_ID completes");
    const uint64_t last = info.sectors - 1;
    if (info.read_only)
        read_only_tests(check, last);
    else
        read_write_tests(check, last);
    check(refuses_past_end(info.sectors),
          "virtio-blk refuses requests past the last sector, driver and device");
}

int run_blk_command(const char* command) {
    const bool write = command[0] == 'w';
    const char* expected = write ? "write-sig" : "check-sig";
    for (unsigned i = 0; expected[i] || command[i]; ++i)
        if (command[i] != expected[i]) return -1;
    if (disk_count() == 0 || disk_info(0).sectors <= kSignatureSector) {
        print("FAIL: virtio-blk no disk for the signature\n");
        return 1;
    }
    fill(g_buffer, kSignatureSector, 1, 5);
    mm::copy_bytes(g_buffer, kSignature, sizeof kSignature);
    bool good;
    if (write) {
        good = ok(run_one(BlkOp::Write, kSignatureSector, 1, g_buffer, nullptr)) &&
               ok(run_one(BlkOp::Flush, 0, 0, nullptr, nullptr));
        print("%s: virtio-blk signature written to sector 1 and flushed\n", good ? "PASS" : "FAIL");
    } else {
        good = ok(run_one(BlkOp::Read, kSignatureSector, 1, nullptr, g_other)) &&
               same(g_buffer, g_other, blk::kSectorSize);
        print("%s: virtio-blk signature of the previous boot found in sector 1\n",
              good ? "PASS" : "FAIL");
    }
    return good ? 0 : 1;
}

} // namespace kernel::virtio
