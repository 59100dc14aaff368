// The host end of the guest console: buffers the bytes the guest sends (UART or the ROM's
// console hypercall) and writes every one of them to a file descriptor, retrying interrupted
// and partial writes. A write error is kept and reported, not dropped; an optional limit stops
// a guest that writes too much.
#pragma once

#include "machine/stop_reason.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmm {

class ConsoleOutput {
  public:
    // limit 0: none. flush_lines: write at every newline (a terminal), else when the buffer fills.
    ConsoleOutput(int fd, std::uint64_t limit, bool flush_lines);
    ConsoleOutput(const ConsoleOutput&) = delete;
    ConsoleOutput& operator=(const ConsoleOutput&) = delete;

    void put(std::uint8_t byte);
    // Writes everything buffered; false if output has failed (now or before).
    bool flush();
    // Why the guest must stop: output failed, or the guest went past the limit.
    std::optional<StopRequest> check() const;
    std::uint64_t accepted() const { return accepted_; }

  private:
    int fd_;
    std::uint64_t limit_;
    bool flush_lines_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t accepted_ = 0;
    bool over_limit_ = false;
    std::string error_; // the first write error; output stops there
};

} // namespace vmm
