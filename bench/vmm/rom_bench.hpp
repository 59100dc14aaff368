// What the ROM gains the same kernel: the reference kernel.elf under `vmi run` with the bundled
// vmm.rom vs `vmi run --no-rom`, interleaved. Two workloads:
//   console: run=bench:console, 64 KiB through vmi::console_write in 4 KiB writes, timed by
//            the guest with its TSC (UART natively, one hypercall per write with the ROM);
//   boot:    no run=, the kernel binds, prints a few facts and exits; timed from launch to
//            the monitor's exit.
// `vmi run --stats` counts the exits of every run.
#pragma once

#include "progress.hpp"
#include "summary.hpp"
#include "vmi_output.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct RomConfig {
    std::string vmi;    // the vmi binary
    std::string kernel; // build/bin/kernel.elf
    std::string rom;    // the vmm.rom `vmi run` maps by default (beside vmi): checked only
    unsigned console_reps = 0;
    unsigned boot_reps = 0;
    std::uint32_t tsc_khz = 0; // KVM_GET_TSC_KHZ, 0 if unknown
    std::string tsc_source;    // where tsc_khz came from (Environment::tsc_source)
};

// One side (ROM or --no-rom) of one workload.
struct RomSide {
    std::string name;
    std::vector<std::string> argv;
    std::string vmi_line;           // what the kernel reported binding (first run)
    std::vector<PortExits> ports;   // exits by port (first run)
    std::optional<Summary> exits;   // total exits per run
    std::optional<Summary> wall_ms; // launch to exit
    std::optional<Summary> cycles;  // console only: guest TSC cycles for the whole transfer
    std::uint64_t guest_hz = 0;     // console only: the kernel's cycle frequency (0: unknown)
    std::string error;              // empty when measured
};

struct RomWorkload {
    RomSide rom;
    RomSide native;
    // no-ROM / ROM of the medians and of the minima: for the console the throughput gain
    // (cycles), for the boot the wall-time gain. Empty unless both sides were measured.
    std::optional<double> ratio_median;
    std::optional<double> ratio_min;
};

struct RomResult {
    std::uint64_t console_bytes = 0; // the kernel's "iterations" (unit "byte")
    double tsc_hz = 0;               // converts guest cycles to seconds; 0 if unknown
    std::string tsc_source;
    RomWorkload console;
    RomWorkload boot;
    std::string error; // why nothing was measured
    bool unavailable = false;
};

RomResult run_rom_bench(const RomConfig& config, bool kvm_available, Progress& progress);

// Whether every requested figure is there.
bool rom_measured(const RomResult& result);

} // namespace bench
