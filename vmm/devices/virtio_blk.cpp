#include "devices/virtio_blk.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace vmm {

using namespace virtio_blk;

namespace {

Error malformed(const char* what) {
    return make_error(ErrorKind::GuestAccess, what);
}

bool read_all(int fd, std::span<std::uint8_t> out, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false; // an error, or the file shrank under us
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all(int fd, std::span<const std::uint8_t> in, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < in.size()) {
        const ssize_t n =
            ::pwrite(fd, in.data() + done, in.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

VirtioBlk::VirtioBlk(GuestMemory& memory, DiskFile disk, std::string_view serial)
    : memory_(memory), disk_(std::move(disk)) {
    std::copy_n(serial.begin(), std::min(serial.size(), id_.size()), id_.begin());
    Config config{};
    config.capacity = disk_.size / kSectorSize;
    // Without indirect descriptors a request's chain must fit in the queue with its header
    // and status.
    config.seg_max = kQueueSize - 2;
    config.blk_size = kSectorSize;
    std::memcpy(config_.data(), &config, sizeof config);
}

std::uint64_t VirtioBlk::features() const {
    return kFeatureSegMax | kFeatureBlkSize | kFeatureFlush | (disk_.readonly ? kFeatureRo : 0);
}

// Framing as §5.2.6 lays it out and Linux sends it: the header alone in the first descriptor,
// the status alone in the last. A request framed otherwise cannot be answered safely.
Result<std::uint32_t> VirtioBlk::handle(std::uint16_t, const DescChain& chain) {
    const auto& buffers = chain.buffers;
    if (buffers.size() < 2) return malformed("block request has fewer than two descriptors");
    const DescBuffer& head = buffers.front();
    const DescBuffer& status = buffers.back();
    if (head.device_writes || head.len != sizeof(RequestHeader))
        return malformed("block request header is not one device-readable 16-byte descriptor");
    if (!status.device_writes || status.len != 1)
        return malformed("block request status is not one device-writable 1-byte descriptor");
    const auto header = TRY(memory_.read_obj<RequestHeader>(head.addr));
    std::uint32_t written = 0;
    const std::uint8_t result =
        execute(header, std::span(buffers).subspan(1, buffers.size() - 2), written);
    TRY(memory_.write_obj(status.addr, result));
    return written + 1;
}

std::uint8_t VirtioBlk::execute(const RequestHeader& header, std::span<const DescBuffer> data,
                                std::uint32_t& written) {
    switch (header.type) {
    case kIn:
        return transfer(header.sector, data, true, written);
    case kOut:
        if (disk_.readonly) return kIoErr;
        return transfer(header.sector, data, false, written);
    case kFlush:
        if (!data.empty()) return kIoErr;
        return ::fdatasync(disk_.fd.get()) == 0 ? kOk : kIoErr;
    case kGetId:
        return get_id(data, written);
    default:
        return kUnsupp;
    }
}

std::uint8_t VirtioBlk::transfer(std::uint64_t sector, std::span<const DescBuffer> data,
                                 bool to_guest, std::uint32_t& written) {
    // Checked whole first: a request that cannot complete moves no byte (§5.2.6.1: data is
    // whole sectors, written into device-writable buffers for IN, read from readable ones for
    // OUT).
    std::uint64_t bytes = 0;
    for (const DescBuffer& d : data) {
        if (d.device_writes != to_guest || d.len % kSectorSize != 0) return kIoErr;
        bytes += d.len;
    }
    const std::uint64_t capacity = disk_.size / kSectorSize;
    if (sector > capacity || bytes / kSectorSize > capacity - sector) return kIoErr;
    std::uint64_t offset = sector * kSectorSize;
    for (const DescBuffer& d : data) {
        auto guest = to_guest ? memory_.writable_span(d.addr, d.len) : memory_.span(d.addr, d.len);
        if (!guest) return kIoErr;
        if (!(to_guest ? read_all(disk_.fd.get(), guest.value(), offset)
                       : write_all(disk_.fd.get(), guest.value(), offset)))
            return kIoErr;
        offset += d.len;
        if (to_guest) written += d.len;
    }
    return kOk;
}

std::uint8_t VirtioBlk::get_id(std::span<const DescBuffer> data, std::uint32_t& written) {
    std::size_t done = 0;
    for (const DescBuffer& d : data) {
        if (!d.device_writes) return kIoErr;
        const std::size_t n = std::min<std::size_t>(d.len, id_.size() - done);
        if (!memory_.write(d.addr, std::span(id_).subspan(done, n))) return kIoErr;
        done += n;
    }
    written = static_cast<std::uint32_t>(done);
    return kOk;
}

} // namespace vmm
