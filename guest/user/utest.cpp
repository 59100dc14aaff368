// User-level self-tests (`run=tests`): processes, memory and faults as a program sees them.
// Output is identical in every environment.
#include "lib/user.hpp"

using namespace user;

namespace {

constexpr uint64_t kPage = 4096;
volatile uint64_t g_cow_value = 1111;
volatile uint64_t g_fault_vector = ~0ull;
volatile uint64_t g_fault_address;
volatile int g_zero = 0;
uint64_t g_resume;

void on_fault(uint64_t vector, uint64_t address) {
    g_fault_vector = vector;
    g_fault_address = address;
    syscall(SYS_FAULT_RETURN, static_cast<long>(g_resume));
}

// Runs `body` in a child and returns its exit status (or -1).
template <typename F> int in_child(F body) {
    const long pid = fork();
    if (pid == 0) exit(body());
    int status = -1;
    if (pid < 0 || wait(&status) != pid) return -1;
    return status;
}

void test_basics() {
    check(getpid() >= 1, "getpid returns a pid");
    check(write(reinterpret_cast<const char*>(0xffffffff80100000ull), 8) == -E_FAULT,
          "write from a kernel address fails with EFAULT");
    check(write(reinterpret_cast<const char*>(0x10), 8) == -E_FAULT,
          "write from an unmapped address fails with EFAULT");
    check(yield() == 0, "yield returns");
    int status;
    check(wait(&status) == -E_CHILD, "wait without children fails");
}

void test_memory() {
    auto* p = static_cast<volatile uint64_t*>(mmap(3 * kPage));
    check(p != nullptr, "mmap returns memory");
    bool zero = true;
    for (uint64_t i = 0; p && i < 3 * kPage / 8; i += 512)
        zero = zero && p[i] == 0;
    check(zero, "mmap memory reads as zero");
    if (p) p[1000] = 0x1234;
    check(p && p[1000] == 0x1234, "mmap memory keeps what is written");
    check(p && munmap(const_cast<uint64_t*>(p), 3 * kPage) == 0, "munmap succeeds");
    check(mmap(0) == nullptr, "mmap of zero bytes fails");
    check(munmap(reinterpret_cast<void*>(0xffffffff80000000ull), kPage) == -E_INVAL,
          "munmap of kernel memory fails");
}

void test_processes() {
    check(in_child([] { return 7; }) == 7, "fork, exit and wait pass the status");
    g_cow_value = 1111;
    const int seen = in_child([] {
        g_cow_value = 2222;
        return g_cow_value == 2222 ? 5 : 6;
    });
    check(seen == 5 && g_cow_value == 1111, "copy-on-write keeps parent and child apart");
    const int exec_status = in_child([] {
        exec("hello", "from exec");
        return 99;
    });
    check(exec_status == 3, "exec runs a built-in program");
    check(in_child([] {
              exec("no-such-program", "");
              return 4;
          }) == 4,
          "exec of an unknown program fails");
}

void test_faults() {
    check(in_child([] { return 10 / g_zero; }) == KILLED_BY_FAULT(0),
          "divide by zero kills the process");
    check(in_child([] {
              return static_cast<int>(*reinterpret_cast<volatile uint64_t*>(0xffffffff80100000ull));
          }) == KILLED_BY_FAULT(14),
          "touching kernel memory kills the process");
    check(in_child([] {
              *reinterpret_cast<volatile uint64_t*>(0x12345000ull) = 1;
              return 0;
          }) == KILLED_BY_FAULT(14),
          "touching unmapped memory kills the process");

    set_fault_handler(on_fault);
    g_fault_vector = ~0ull;
    // The handler resumes at label 1 with every register as the fault left it.
    asm volatile("lea 1f(%%rip), %%rax\n\t"
                 "mov %%rax, %[resume]\n\t"
                 "xor %%ecx, %%ecx\n\t"
                 "mov $1, %%eax\n\t"
                 "cltd\n\t"
                 "idiv %%ecx\n\t"
                 "1:"
                 : [resume] "=m"(g_resume)
                 :
                 : "rax", "rcx", "rdx", "memory");
    check(g_fault_vector == 0, "a fault handler sees its divide error");
    set_fault_handler(nullptr);
}

uint64_t kernel_address(long which) {
    return static_cast<uint64_t>(syscall(SYS_KERNEL_ADDRESS, which));
}

uint64_t g_target; // read by the children below, each a fork of this process

int read_target() {
    return static_cast<int>(*reinterpret_cast<volatile uint64_t*>(g_target));
}
int write_target() {
    *reinterpret_cast<volatile uint64_t*>(g_target) = 0x5a5a5a5a;
    return 0;
}
int execute_target() {
    return reinterpret_cast<int (*)()>(g_target)();
}

// Whether every access to [begin, end) page by page kills the process with a page fault;
// `execute` also tries to run code there.
bool unreachable(uint64_t begin, uint64_t end, bool execute) {
    bool ok = begin != 0 && begin < end;
    for (g_target = begin; ok && g_target < end; g_target += 4096) {
        ok = in_child(read_target) == KILLED_BY_FAULT(14) &&
             in_child(write_target) == KILLED_BY_FAULT(14) &&
             (!execute || in_child(execute_target) == KILLED_BY_FAULT(14));
    }
    return ok;
}

// Isolation: kernel and ROM (a deprivileged ROM's monitor included) are out of user mode's
// reach, and the kernel goes on. SYSCALL's entry is only read and written: running it is a
// system call.
void test_isolation() {
    const uint64_t text = kernel_address(KERNEL_ADDRESS_TEXT);
    const uint64_t data = kernel_address(KERNEL_ADDRESS_DATA);
    const uint64_t rom = kernel_address(KERNEL_ADDRESS_ROM);
    check(unreachable(text, text + 1, true), "user mode cannot read, write or run kernel code");
    check(unreachable(data, data + 1, true), "user mode cannot read, write or run kernel data");
    check(unreachable(rom, rom + 0x20000, true), "user mode cannot read, write or run the ROM");
    check(unreachable(kernel_address(KERNEL_ADDRESS_ROM_STATE),
                      kernel_address(KERNEL_ADDRESS_ROM_STATE_END), true),
          "user mode cannot read, write or run the ROM's state");
    const uint64_t entry = kernel_address(KERNEL_ADDRESS_SYSCALL);
    check(unreachable(entry, entry + 1, false), "user mode cannot read or write the SYSCALL entry");
}

// Preemption: a busy parent forks a child and keeps computing. With a preempting timer the
// child starts within a quantum or two; without one it starts only once the parent blocks in
// wait(), after a whole computation. Timing the same computation alone first gives the scale,
// and a quarter of it leaves room for host noise either way.
void test_scheduler() {
    const uint64_t work = 300000000;
    auto spin = [](uint64_t n) {
        volatile uint64_t x = 0;
        for (uint64_t i = 0; i < n; ++i)
            x = x + i;
    };
    const uint64_t t0 = rdtsc();
    spin(work);
    const uint64_t alone = rdtsc() - t0;
    const uint64_t forked_at = rdtsc();
    const long pid = fork();
    if (pid == 0) exit(rdtsc() - forked_at < alone / 4 ? 1 : 2);
    spin(work);
    int status = -1;
    wait(&status);
    check(pid > 0 && status == 1, "the timer preempts a busy process");
}

// The disk through the block system calls, when there is one (nothing is printed otherwise).
// What the tests write is restored, so that the disk is unchanged afterwards.
constexpr unsigned kSector = 512;
uint8_t g_disk_a[BLK_MAX_SECTORS * kSector];
uint8_t g_disk_b[BLK_MAX_SECTORS * kSector];

bool same(const uint8_t* a, const uint8_t* b, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

void test_disk() {
    struct blk_info info;
    if (blk_get_info(0, &info) != 0) return;
    check(info.sectors > BLK_MAX_SECTORS && info.sector_bytes == kSector,
          "virtio-blk user: the disk is there");
    bool ok = blk_read(0, 0, g_disk_a, BLK_MAX_SECTORS) == 0;
    for (unsigned s = 0; ok && s < BLK_MAX_SECTORS; ++s)
        ok = blk_read(0, s, g_disk_b + s * kSector, 1) == 0;
    check(ok && same(g_disk_a, g_disk_b, sizeof g_disk_a),
          "virtio-blk user: reads reach the caller's buffer");

    auto* kernel = reinterpret_cast<uint8_t*>(0xffffffff80100000ull);
    check(blk_read(0, 0, kernel, 1) == -E_FAULT && blk_write(0, 0, kernel, 1) == -E_FAULT &&
              blk_read(0, 0, reinterpret_cast<void*>(0x10), 1) == -E_FAULT &&
              blk_get_info(0, reinterpret_cast<struct blk_info*>(kernel)) == -E_FAULT,
          "virtio-blk user: bad buffers fail with EFAULT");
    check(blk_read(0, info.sectors, g_disk_b, 1) == -E_INVAL &&
              blk_read(0, info.sectors - 1, g_disk_b, 2) == -E_INVAL &&
              blk_read(0, 0, g_disk_b, BLK_MAX_SECTORS + 1) == -E_INVAL &&
              blk_read(1, 0, g_disk_b, 1) == -E_NODEV,
          "virtio-blk user: requests past the last sector or disk fail");

    // Children blocked on the disk at the same time, each reading its own sector.
    constexpr unsigned kChildren = 4;
    long pids[kChildren];
    for (unsigned c = 0; c < kChildren; ++c) {
        pids[c] = fork();
        if (pids[c] == 0) {
            uint8_t mine[kSector];
            exit(blk_read(0, c, mine, 1) == 0 && same(mine, g_disk_a + c * kSector, kSector) ? 0
                                                                                             : 1);
        }
    }
    int good = 0;
    for (unsigned c = 0; c < kChildren; ++c) {
        int status = -1;
        if (pids[c] > 0 && wait(&status) > 0 && status == 0) ++good;
    }
    check(good == kChildren,
          "virtio-blk user: processes waiting on the disk each get their sector");

    if (info.flags & BLK_INFO_READ_ONLY) {
        check(blk_write(0, 0, g_disk_a, 1) == -E_ROFS,
              "virtio-blk user: a write to a read-only disk fails with EROFS");
        return;
    }
    for (unsigned i = 0; i < kSector; ++i)
        g_disk_b[i] = static_cast<uint8_t>(i * 31 + 7);
    const uint64_t last = info.sectors - 1;
    uint8_t saved[kSector], back[kSector];
    ok = blk_read(0, last, saved, 1) == 0 && blk_write(0, last, g_disk_b, 1) == 0 &&
         blk_flush(0) == 0 && blk_read(0, last, back, 1) == 0 && same(back, g_disk_b, kSector);
    ok = blk_write(0, last, saved, 1) == 0 && blk_flush(0) == 0 &&
         blk_read(0, last, back, 1) == 0 && same(back, saved, kSector) && ok;
    check(ok, "virtio-blk user: a write, flushed, reads back and is undone");
}

} // namespace

int main(const char*) {
    test_basics();
    test_memory();
    test_processes();
    test_faults();
    test_isolation();
    test_scheduler();
    test_disk();
    return failures();
}
