// Counts of vCPU exits by reason and of port I/O by port and direction (`vmi run --stats`).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <utility>

namespace vmm {

class ExitStats {
  public:
    void count_exit(std::uint32_t reason) { ++by_reason_[reason]; }
    void count_io(std::uint16_t port, bool is_write) { ++by_port_[{port, is_write}]; }
    std::uint64_t exits(std::uint32_t reason) const;
    std::uint64_t io(std::uint16_t port, bool is_write) const;
    std::uint64_t total_exits() const;

    void print(std::FILE* out) const;

  private:
    std::map<std::uint32_t, std::uint64_t> by_reason_;
    std::map<std::pair<std::uint16_t, bool>, std::uint64_t> by_port_;
};

const char* exit_reason_name(std::uint32_t reason);

} // namespace vmm
