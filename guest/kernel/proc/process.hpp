// Processes (docs/kernel.md, Processes): a fixed table, round-robin scheduling preempted by
// the VMI alarm, system calls, user faults and exec of the programs built into the image.
// Everything runs in event handlers with interrupts disabled; a context switch is returning
// another process's saved frame. While every process waits for the disk, the CPU idles in a
// kernel context with interrupts enabled.
#pragma once

#include "mm/mm.hpp"

#include <stdint.h>
#include <vmi/vmi.h>

namespace kernel::proc {

inline constexpr unsigned kMaxProcesses = 64;
inline constexpr uint64_t kImageBase = 0x400000;
inline constexpr uint64_t kMmapBase = 0x100000000ull;
inline constexpr uint64_t kMmapTop = 0x200000000ull;
inline constexpr uint64_t kStackTop = 0x7ffffff000ull;
inline constexpr uint64_t kStackSize = 1ull << 20;

// Waiting: in wait() for a child; Blocked: until its disk request completes.
enum class State : uint8_t { Free, Runnable, Waiting, Blocked, Zombie };

struct Process {
    int pid;
    int parent; // 0: none (orphans are reaped as they exit)
    State state;
    int exit_status;
    vmi_trap_frame frame; // the user context while the process is not running
    mm::AddressSpace space;
    mm::Areas areas;
    uint64_t mmap_next;
    uint64_t wait_status; // user pointer a waiting parent gets the status through
    uint64_t fault_handler;
    bool in_fault_handler;
    vmi_trap_frame fault_frame; // the context a fault interrupted, for SYS_FAULT_RETURN
    uint64_t io_buffer;         // Blocked in a disk read: where the sectors go, and how many bytes
    uint64_t io_bytes;
};

// Called with process 1's exit status; must not return (it ends the run).
using InitExitFn = void (*)(int status);

// Runs `program` with `arg` as process 1, preempted every `quantum_cycles`.
[[noreturn]] void start_init(const char* program, const char* arg, uint64_t quantum_cycles,
                             InitExitFn on_exit);

} // namespace kernel::proc
