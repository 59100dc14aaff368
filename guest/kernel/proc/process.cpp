#include "process.hpp"

#include "bench.hpp"
#include "console.hpp"
#include "elf_image.hpp"
#include "events.hpp"
#include "mm/bytes.hpp"
#include "rom_state.hpp"
#include "uapi/syscalls.h"
#include "user_programs.hpp"
#include "virtio/blk.hpp"
#include "virtio/mmio_regs.hpp"

#include <vmirt/boot.hpp>
#include <vmirt/ops.hpp>

namespace kernel::proc {

namespace {

Process g_table[kMaxProcesses];
Process* g_current;
int g_next_pid = 1;
InitExitFn g_on_init_exit;

constexpr uint64_t kRflagsUser = 0x202; // IF, and the reserved bit 1
constexpr uint64_t kPage = mm::kPageSize;

// ---- scheduling -------------------------------------------------------------------------

Process* find(int pid) {
    for (Process& p : g_table)
        if (p.state != State::Free && p.pid == pid) return &p;
    return nullptr;
}

// The CPU's context while every process is blocked on the disk: interrupts on, halted until
// one arrives. The periodic alarm bounds the wait for an interrupt that comes between the two
// (docs/kernel.md, "Halting with interrupts enabled"). Its frame is rebuilt each time.
alignas(16) uint8_t g_idle_stack[8192];
vmi_trap_frame g_idle_frame;

[[noreturn]] void idle() {
    vmi::enable_interrupts();
    for (;;)
        vmi::halt();
}

vmi_trap_frame* idle_frame() {
    g_idle_frame = vmi_trap_frame{};
    g_idle_frame.rip = reinterpret_cast<uint64_t>(&idle);
    g_idle_frame.cs = VMI_SEL_KERNEL_CODE;
    g_idle_frame.rflags = 2;
    g_idle_frame.rsp = reinterpret_cast<uint64_t>(g_idle_stack + sizeof g_idle_stack) - 8;
    g_idle_frame.ss = VMI_SEL_KERNEL_DATA;
    return &g_idle_frame;
}

bool any_in(State state) {
    for (const Process& p : g_table)
        if (p.state == state) return true;
    return false;
}

// Saves the running process's context (unless it already lives in its slot) and resumes the
// next runnable one after it, or idles while a process waits for the disk.
vmi_trap_frame* reschedule(vmi_trap_frame* f) {
    if (g_current && f != &g_current->frame) g_current->frame = *f;
    const unsigned start = g_current ? static_cast<unsigned>(g_current - g_table) + 1 : 0;
    for (unsigned i = 0; i < kMaxProcesses; ++i) {
        Process& next = g_table[(start + i) % kMaxProcesses];
        if (next.state != State::Runnable) continue;
        if (&next != g_current) next.space.activate();
        g_current = &next;
        return &next.frame;
    }
    if (any_in(State::Blocked)) {
        g_current = nullptr;
        return idle_frame();
    }
    // Otherwise only wait() blocks, and a waiting process has a live child: unreachable while
    // any process exists, and process 1's exit ends the run first.
    print("kernel: no runnable process\n");
    vmi::shutdown(3);
}

void free_slot(Process& p) {
    p.state = State::Free;
    p.areas.clear();
}

// Hands a zombie's status to its waiting parent; true if the parent took it.
bool deliver_to_waiting_parent(Process& child) {
    Process* parent = find(child.parent);
    if (!parent || parent->state != State::Waiting) return false;
    const int status = child.exit_status;
    if (parent->wait_status && !mm::copy_to_user(parent->space, parent->areas, parent->wait_status,
                                                 &status, sizeof status))
        parent->frame.rax = static_cast<uint64_t>(-E_FAULT);
    else
        parent->frame.rax = static_cast<uint64_t>(child.pid);
    parent->state = State::Runnable;
    free_slot(child);
    return true;
}

// The running process ends with `status`; returns the frame to resume next.
vmi_trap_frame* exit_current(int status) {
    Process& p = *g_current;
    mm::kernel_space().activate(); // never free the tables CR3 points at
    (void)p.space.destroy();
    p.exit_status = status;
    g_current = nullptr;
    for (Process& c : g_table)
        if (c.state != State::Free && c.parent == p.pid) {
            c.parent = 0;
            if (c.state == State::Zombie) free_slot(c);
        }
    if (p.pid == 1) {
        free_slot(p);
        flush();
        g_on_init_exit(status);
        vmi::shutdown(static_cast<uint32_t>(status)); // InitExitFn must not return
    }
    p.state = State::Zombie;
    if (!deliver_to_waiting_parent(p) && p.parent == 0) free_slot(p);
    return reschedule(nullptr);
}

// Addresses the isolation self-tests (guest/user/utest.cpp) must not reach from user mode.
uint64_t kernel_address(uint64_t which) {
    constexpr uint32_t kMsrLstar = 0xc0000082;
    switch (which) {
    case KERNEL_ADDRESS_TEXT:
        return reinterpret_cast<uint64_t>(&start_init);
    case KERNEL_ADDRESS_DATA:
        return reinterpret_cast<uint64_t>(&g_next_pid);
    case KERNEL_ADDRESS_ROM:
        return vmi::boot::kKernelBase + VMI_ROM_SCAN_START;
    case KERNEL_ADDRESS_ROM_STATE:
        return reinterpret_cast<uint64_t>(rom_state());
    case KERNEL_ADDRESS_ROM_STATE_END:
        return reinterpret_cast<uint64_t>(rom_state()) + kRomStateBytes;
    case KERNEL_ADDRESS_SYSCALL:
        return vmi::rdmsr(kMsrLstar);
    default:
        return 0;
    }
}

// ---- faults -----------------------------------------------------------------------------

// A fault the process's own handler gets, if it has one and is not already in it; otherwise
// the fault kills the process.
vmi_trap_frame* user_fault(vmi_trap_frame* f, uint64_t vector, uint64_t address) {
    Process& p = *g_current;
    if (!p.fault_handler || p.in_fault_handler) return exit_current(KILLED_BY_FAULT(vector));
    p.fault_frame = *f;
    p.in_fault_handler = true;
    f->rip = p.fault_handler;
    f->rdi = vector;
    f->rsi = address;
    f->rsp = ((f->rsp - 128) & ~uint64_t{15}) - 8; // past the red zone, as if called
    return f;
}

vmi_trap_frame* on_exception(vmi_trap_frame* f) {
    if ((f->cs & 3) != 3 || !g_current) {
        print("kernel: exception %lu at rip 0x%lx in kernel mode (cr2 0x%lx)\n", f->vector, f->rip,
              vmi::get_cr2());
        print_frame(f);
        flush();
        vmi::shutdown(kKernelFaultStatus);
    }
    if (f->vector == 14) {
        const uint64_t address = vmi::get_cr2();
        Process& p = *g_current;
        if (mm::handle_user_fault(p.space, p.areas, address, f->error_code) ==
            mm::FaultResult::Resolved)
            return f;
        return user_fault(f, 14, address);
    }
    return user_fault(f, f->vector, f->rip);
}

vmi_trap_frame* on_alarm(vmi_trap_frame* f) {
    vmi::apic_eoi();
    // The kernel runs with interrupts off; only user mode is preempted (and the idle context
    // keeps idling).
    if ((f->cs & 3) != 3 || !g_current) return f;
    return reschedule(f);
}

// A disk request of a Blocked process is done: the result (and a read's sectors) go to the
// process, which becomes runnable again.
void on_disk_request_done(virtio::BlkRequest* r, void* context) {
    Process& p = *static_cast<Process*>(context);
    int64_t result;
    switch (virtio::request_result(r)) {
    case virtio::BlkResult::Ok:
        result = 0;
        break;
    case virtio::BlkResult::Unsupported:
        result = -E_OPNOTSUPP;
        break;
    default:
        result = -E_IO;
        break;
    }
    if (result == 0 && p.io_bytes &&
        !mm::copy_to_user(p.space, p.areas, p.io_buffer, virtio::request_data(r), p.io_bytes))
        result = -E_FAULT;
    virtio::request_free(r);
    p.frame.rax = static_cast<uint64_t>(result);
    p.state = State::Runnable;
}

vmi_trap_frame* on_disk_interrupt(vmi_trap_frame* f) {
    virtio::handle_interrupt(static_cast<unsigned>(f->vector));
    // A process woken while the CPU idles runs now, not at the next tick.
    if (!g_current && any_in(State::Runnable)) return reschedule(f);
    return f;
}

// ---- exec -------------------------------------------------------------------------------

const UserProgram* lookup_program(const char* name) {
    for (unsigned i = 0; i < kUserProgramCount; ++i) {
        const char* a = kUserPrograms[i].name;
        const char* b = name;
        while (*a && *a == *b)
            ++a, ++b;
        if (*a == *b) return &kUserPrograms[i];
    }
    return nullptr;
}

// Maps every page of the image eagerly (programs are small) and registers the stack as a
// demand-zero area. Fails only for lack of memory.
bool load_image(Process& p, const UserProgram& prog, const ElfImage& image) {
    for (unsigned i = 0; i < image.count; ++i) {
        const ElfSegment& s = image.segments[i];
        const uint64_t end = (s.vaddr + s.mem_size + kPage - 1) & ~(kPage - 1);
        const uint32_t prot =
            mm::kProtRead | (s.writable ? mm::kProtWrite : 0) | (s.executable ? mm::kProtExec : 0);
        if (!p.areas.add(s.vaddr, end, prot).ok()) return false;
        for (uint64_t va = s.vaddr; va < end; va += kPage) {
            auto frame = mm::frames().alloc(mm::Fill::Zero);
            if (!frame.ok()) return false;
            const uint64_t offset = va - s.vaddr;
            if (offset < s.file_size) {
                const uint64_t n = s.file_size - offset < kPage ? s.file_size - offset : kPage;
                mm::copy_bytes(mm::frames().virt(frame.value()),
                               prog.begin + s.file_offset + offset, n);
            }
            const uint64_t flags = mm::kUser | (s.writable ? mm::kWritable : 0);
            if (!p.space.map(va, frame.value(), flags).ok()) {
                mm::frames().free(frame.value());
                return false;
            }
        }
    }
    return p.areas.add(kStackTop - kStackSize, kStackTop, mm::kProtRead | mm::kProtWrite).ok();
}

// Replaces the running process's image. Validation first: a failed exec returns an error to
// the old image; after the point of no return a failure kills the process.
vmi_trap_frame* exec_current(vmi_trap_frame* f, const char* name, const char* arg) {
    const UserProgram* prog = lookup_program(name);
    ElfImage image;
    if (!prog || parse_elf_image(prog->begin, static_cast<size_t>(prog->end - prog->begin),
                                 kImageBase, kMmapBase, image) != ElfError::Ok) {
        f->rax = static_cast<uint64_t>(-E_NOENT);
        return f;
    }
    Process& p = *g_current;
    p.space.destroy_user();
    p.areas.clear();
    p.mmap_next = kMmapBase;
    p.fault_handler = 0;
    p.in_fault_handler = false;
    size_t arg_len = 0;
    while (arg[arg_len])
        ++arg_len;
    const uint64_t arg_at = (kStackTop - (arg_len + 1)) & ~uint64_t{15};
    if (!load_image(p, *prog, image) ||
        !mm::copy_to_user(p.space, p.areas, arg_at, arg, arg_len + 1))
        return exit_current(KILLED_BY_FAULT(14));
    *f = vmi_trap_frame{};
    f->rip = image.entry;
    f->rsp = arg_at - 8;
    f->rdi = arg_at;
    f->cs = VMI_SEL_USER_CODE;
    f->ss = VMI_SEL_USER_DATA;
    f->rflags = kRflagsUser;
    return f;
}

// ---- system calls -----------------------------------------------------------------------

int64_t sys_write(Process& p, uint64_t fd, uint64_t buf, uint64_t len) {
    if (fd != 1 && fd != 2) return -E_INVAL;
    char chunk[256];
    for (uint64_t done = 0; done < len;) {
        const uint64_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        if (!mm::copy_from_user(p.space, p.areas, chunk, buf + done, n)) return -E_FAULT;
        write(chunk, n);
        done += n;
    }
    return static_cast<int64_t>(len);
}

vmi_trap_frame* sys_fork(vmi_trap_frame* f) {
    Process& parent = *g_current;
    Process* child = nullptr;
    for (Process& p : g_table)
        if (p.state == State::Free) {
            child = &p;
            break;
        }
    if (!child) {
        f->rax = static_cast<uint64_t>(-E_AGAIN);
        return f;
    }
    if (!child->space.create().ok() || !parent.space.clone_user_cow(child->space).ok()) {
        (void)child->space.destroy();
        f->rax = static_cast<uint64_t>(-E_NOMEM);
        return f;
    }
    child->pid = g_next_pid++;
    child->parent = parent.pid;
    child->areas = parent.areas;
    child->mmap_next = parent.mmap_next;
    child->fault_handler = parent.fault_handler;
    child->in_fault_handler = false;
    child->frame = *f;
    child->frame.rax = 0;
    child->state = State::Runnable;
    f->rax = static_cast<uint64_t>(child->pid);
    return f;
}

vmi_trap_frame* sys_wait(vmi_trap_frame* f, uint64_t status_ptr) {
    Process& p = *g_current;
    const int probe = 0;
    if (status_ptr && !mm::copy_to_user(p.space, p.areas, status_ptr, &probe, sizeof probe)) {
        f->rax = static_cast<uint64_t>(-E_FAULT);
        return f;
    }
    bool any_child = false;
    for (Process& c : g_table) {
        if (c.state == State::Free || c.parent != p.pid) continue;
        any_child = true;
        if (c.state != State::Zombie) continue;
        const int status = c.exit_status;
        // As for a parent woken by the exit (deliver_to_waiting_parent): the child is reaped
        // either way, and a bad pointer is the caller's -EFAULT.
        const bool copied =
            !status_ptr || mm::copy_to_user(p.space, p.areas, status_ptr, &status, sizeof status);
        f->rax = copied ? static_cast<uint64_t>(c.pid) : static_cast<uint64_t>(-E_FAULT);
        free_slot(c);
        return f;
    }
    if (!any_child) {
        f->rax = static_cast<uint64_t>(-E_CHILD);
        return f;
    }
    p.wait_status = status_ptr;
    p.state = State::Waiting;
    return reschedule(f);
}

int64_t sys_mmap(Process& p, uint64_t len) {
    if (len == 0 || len > kMmapTop - kMmapBase) return -E_INVAL;
    len = (len + kPage - 1) & ~(kPage - 1);
    if (len > kMmapTop - p.mmap_next) return -E_NOMEM;
    const uint64_t at = p.mmap_next;
    if (!p.areas.add(at, at + len, mm::kProtRead | mm::kProtWrite).ok()) return -E_NOMEM;
    p.mmap_next = at + len + kPage; // a guard page between mappings
    return static_cast<int64_t>(at);
}

int64_t sys_munmap(Process& p, uint64_t addr, uint64_t len) {
    if (len == 0 || addr % kPage != 0 || addr < kMmapBase || addr > kMmapTop ||
        len > kMmapTop - addr)
        return -E_INVAL;
    const uint64_t end = addr + ((len + kPage - 1) & ~(kPage - 1));
    if (!p.areas.remove(addr, end).ok() || !p.space.unmap_user_range(addr, end).ok())
        return -E_INVAL;
    return 0;
}

int64_t sys_blk_info(Process& p, uint64_t disk, uint64_t info_ptr) {
    if (disk >= virtio::disk_count()) return -E_NODEV;
    const virtio::DiskInfo d = virtio::disk_info(static_cast<unsigned>(disk));
    const blk_info info{d.sectors, virtio::blk::kSectorSize,
                        (d.read_only ? BLK_INFO_READ_ONLY : 0u) | (d.flush ? BLK_INFO_FLUSH : 0u)};
    return mm::copy_to_user(p.space, p.areas, info_ptr, &info, sizeof info) ? 0 : -E_FAULT;
}

// Read, write or flush: the request goes to the device and the process blocks until its
// interrupt (on_disk_request_done). Refusals return at once.
vmi_trap_frame* sys_blk(vmi_trap_frame* f, virtio::BlkOp op) {
    static_assert(BLK_MAX_SECTORS == virtio::kMaxRequestSectors);
    Process& p = *g_current;
    auto ret = [f](int64_t v) {
        f->rax = static_cast<uint64_t>(v);
        return f;
    };
    const uint64_t disk = f->rdi, sector = f->rsi, buf = f->rdx, count = f->r10;
    const bool transfer = op != virtio::BlkOp::Flush;
    if (disk >= virtio::disk_count()) return ret(-E_NODEV);
    if (transfer && (count == 0 || count > BLK_MAX_SECTORS)) return ret(-E_INVAL);
    virtio::BlkRequest* r = virtio::request_alloc(static_cast<unsigned>(disk));
    if (!r) return ret(-E_AGAIN);
    const uint64_t bytes = transfer ? count * virtio::blk::kSectorSize : 0;
    if (op == virtio::BlkOp::Write &&
        !mm::copy_from_user(p.space, p.areas, virtio::request_data(r), buf, bytes)) {
        virtio::request_free(r);
        return ret(-E_FAULT);
    }
    virtio::BlkSubmit s;
    s.op = op;
    s.sector = sector;
    s.sectors = static_cast<uint32_t>(count);
    s.done = on_disk_request_done;
    s.context = &p;
    const virtio::BlkResult result = virtio::request_submit(r, s);
    if (result != virtio::BlkResult::Pending) {
        virtio::request_free(r);
        switch (result) {
        case virtio::BlkResult::ReadOnly:
            return ret(-E_ROFS);
        case virtio::BlkResult::Unsupported:
            return ret(-E_OPNOTSUPP);
        default:
            return ret(-E_INVAL);
        }
    }
    p.io_buffer = buf;
    p.io_bytes = op == virtio::BlkOp::Read ? bytes : 0;
    p.state = State::Blocked;
    return reschedule(f);
}

vmi_trap_frame* on_syscall(vmi_trap_frame* f) {
    Process& p = *g_current;
    auto ret = [f](int64_t v) {
        f->rax = static_cast<uint64_t>(v);
        return f;
    };
    switch (f->rax) {
    case SYS_EXIT:
        return exit_current(static_cast<int>(f->rdi));
    case SYS_WRITE:
        return ret(sys_write(p, f->rdi, f->rsi, f->rdx));
    case SYS_GETPID:
        return ret(p.pid);
    case SYS_YIELD:
        f->rax = 0;
        return reschedule(f);
    case SYS_FORK:
        return sys_fork(f);
    case SYS_WAIT:
        return sys_wait(f, f->rdi);
    case SYS_EXEC: {
        char name[32], arg[256];
        if (!mm::copy_string_from_user(p.space, p.areas, name, sizeof name, f->rdi) ||
            !mm::copy_string_from_user(p.space, p.areas, arg, sizeof arg, f->rsi))
            return ret(-E_FAULT);
        return exec_current(f, name, arg);
    }
    case SYS_MMAP:
        return ret(sys_mmap(p, f->rdi));
    case SYS_MUNMAP:
        return ret(sys_munmap(p, f->rdi, f->rsi));
    case SYS_SET_FAULT_HANDLER:
        if (f->rdi >= mm::kUserTop) return ret(-E_INVAL);
        p.fault_handler = f->rdi;
        return ret(0);
    case SYS_FAULT_RETURN: {
        const uint64_t rip = f->rdi;
        if (!p.in_fault_handler || rip >= mm::kUserTop) return ret(-E_INVAL);
        *f = p.fault_frame;
        f->rip = rip;
        p.in_fault_handler = false;
        return f;
    }
    case SYS_BENCH_REPORT: {
        char name[32];
        if (!mm::copy_string_from_user(p.space, p.areas, name, sizeof name, f->rdi))
            return ret(-E_FAULT);
        report_benchmark(name, f->rsi, f->rdx, "op", f->r10);
        return ret(0);
    }
    case SYS_CYCLES:
        return ret(static_cast<int64_t>(vmi::get_cycle_counter(VMI_CYCLES_REAL)));
    case SYS_MONITOR_ENTRIES:
        return ret(static_cast<int64_t>(vmi::get_monitor_entries()));
    case SYS_KERNEL_ADDRESS:
        return ret(static_cast<int64_t>(kernel_address(f->rdi)));
    case SYS_BLK_INFO:
        return ret(sys_blk_info(p, f->rdi, f->rsi));
    case SYS_BLK_READ:
        return sys_blk(f, virtio::BlkOp::Read);
    case SYS_BLK_WRITE:
        return sys_blk(f, virtio::BlkOp::Write);
    case SYS_BLK_FLUSH:
        return sys_blk(f, virtio::BlkOp::Flush);
    default:
        return ret(-E_INVAL);
    }
}

} // namespace

void start_init(const char* program, const char* arg, uint64_t quantum_cycles, InitExitFn on_exit) {
    g_on_init_exit = on_exit;
    for (unsigned v = 0; v < 32; ++v)
        set_exception_handler(v, on_exception);
    set_interrupt_handler(VMI_VECTOR_ALARM, on_alarm);
    for (unsigned d = 0; d < virtio::disk_count(); ++d)
        set_interrupt_handler(virtio::disk_info(d).vector, on_disk_interrupt);
    set_syscall_handler(on_syscall);

    Process& init = g_table[0];
    init.pid = g_next_pid++;
    init.parent = 0;
    init.state = State::Runnable;
    if (!init.space.create().ok()) {
        print("kernel: no memory for process 1\n");
        on_exit(127);
        vmi::shutdown(127);
    }
    init.space.activate();
    g_current = &init;
    vmi_trap_frame* f = exec_current(&init.frame, program, arg);
    if (f == &init.frame && init.frame.rax == static_cast<uint64_t>(-E_NOENT)) {
        print("kernel: no program '%s'\n", program);
        on_exit(127);
        vmi::shutdown(127);
    }
    const uint64_t now = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    if (vmi::set_alarm(VMI_ALARM_PERIODIC, now + quantum_cycles, quantum_cycles) != VMI_OK)
        print("kernel: no alarm: processes are not preempted\n");
    vmi::return_to_user(f);
}

} // namespace kernel::proc
