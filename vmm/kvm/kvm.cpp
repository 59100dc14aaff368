#include "kvm/kvm.hpp"

#include "kvm/capabilities.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>

namespace vmm {

namespace {

// <linux/kvm.h> declares kvm_cpuid2's entries with __DECLARE_FLEX_ARRAY, which in C++ adds an
// empty member and makes sizeof(kvm_cpuid2) 12 instead of 8, so the ioctl numbers derived from
// it are wrong. Use the kernel's real layout: an 8-byte header, then the entries.
struct CpuidHeader {
    std::uint32_t nent;
    std::uint32_t padding;
};
static_assert(sizeof(CpuidHeader) == 8);
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
// kvm_msrs has the same flexible-array problem.
struct MsrsHeader {
    std::uint32_t nmsrs;
    std::uint32_t pad;
};
static_assert(sizeof(MsrsHeader) == 8);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);

std::vector<std::uint8_t> cpuid_buffer(std::uint32_t n) {
    std::vector<std::uint8_t> buf(sizeof(CpuidHeader) + std::size_t{n} * sizeof(kvm_cpuid_entry2));
    const CpuidHeader header{n, 0};
    std::memcpy(buf.data(), &header, sizeof header);
    return buf;
}

Error ioctl_error(const char* name) {
    const int err = errno;
    return make_error(ErrorKind::System, std::string(name) + " failed: " + std::strerror(err) +
                                             " (errno " + std::to_string(err) + ")");
}

constexpr unsigned long kRunLoopIoctls[] = {
    KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS, KVM_GET_LAPIC, KVM_GET_MP_STATE, kGetMsrs, KVM_IRQ_LINE};

} // namespace

std::span<const unsigned long> run_loop_ioctls() {
    return kRunLoopIoctls;
}

Result<Kvm> Kvm::open(const char* path) {
    Kvm kvm;
    kvm.fd_ = Fd(::open(path, O_RDWR | O_CLOEXEC));
    if (!kvm.fd_.valid()) {
        const int err = errno;
        return make_error(ErrorKind::Unavailable,
                          std::string("cannot open ") + path + ": " + std::strerror(err));
    }
    const int version = ioctl(kvm.fd(), KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        return make_error(ErrorKind::Unavailable, "KVM API version " + std::to_string(version) +
                                                      ", expected " +
                                                      std::to_string(KVM_API_VERSION));
    if (const KvmCapability* c =
            missing_capability([&kvm](int cap) { return kvm.check_extension(cap); }))
        return make_error(ErrorKind::Unavailable, std::string("KVM on this host lacks ") + c->name +
                                                      ", needed for " + c->usage);
    kvm.vcpu_mmap_size_ = ioctl(kvm.fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (kvm.vcpu_mmap_size_ < static_cast<int>(sizeof(kvm_run)))
        return ioctl_error("KVM_GET_VCPU_MMAP_SIZE");
    return kvm;
}

int Kvm::check_extension(int cap) const {
    const int r = ioctl(fd(), KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

Result<std::vector<kvm_cpuid_entry2>> Kvm::supported_cpuid() const {
    // KVM fails with E2BIG while the buffer is too small.
    for (std::uint32_t n = 128; n <= 4096; n *= 2) {
        auto buf = cpuid_buffer(n);
        if (ioctl(fd(), kGetSupportedCpuid, buf.data()) == 0) {
            CpuidHeader header;
            std::memcpy(&header, buf.data(), sizeof header);
            std::vector<kvm_cpuid_entry2> entries(std::min(header.nent, n));
            std::memcpy(entries.data(), buf.data() + sizeof header,
                        entries.size() * sizeof(kvm_cpuid_entry2));
            return entries;
        }
        if (errno != E2BIG) return ioctl_error("KVM_GET_SUPPORTED_CPUID");
    }
    return make_error(ErrorKind::System, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

Result<Vm> Vm::create(const Kvm& kvm) {
    Fd fd(ioctl(kvm.fd(), KVM_CREATE_VM, 0));
    if (!fd.valid()) return ioctl_error("KVM_CREATE_VM");
    return Vm(std::move(fd));
}

Result<void> Vm::map_memory(const GuestMemory& memory) {
    for (const auto& region : memory.regions()) {
        kvm_userspace_memory_region r{};
        r.slot = next_slot_++;
        r.guest_phys_addr = region.base.raw();
        r.memory_size = region.size;
        r.userspace_addr = reinterpret_cast<std::uint64_t>(region.host);
        r.flags = region.readonly ? KVM_MEM_READONLY : 0;
        if (ioctl(fd(), KVM_SET_USER_MEMORY_REGION, &r) != 0)
            return ioctl_error("KVM_SET_USER_MEMORY_REGION");
    }
    return {};
}

Result<void> Vm::create_irqchip() {
    if (ioctl(fd(), KVM_CREATE_IRQCHIP, 0) != 0) return ioctl_error("KVM_CREATE_IRQCHIP");
    return {};
}

Result<void> Vm::set_irq_line(unsigned gsi, bool level) {
    kvm_irq_level irq{};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    if (ioctl(fd(), KVM_IRQ_LINE, &irq) != 0) return ioctl_error("KVM_IRQ_LINE");
    return {};
}

Result<Vcpu> Vm::create_vcpu(const Kvm& kvm, unsigned id) {
    Fd fd(ioctl(this->fd(), KVM_CREATE_VCPU, id));
    if (!fd.valid()) return ioctl_error("KVM_CREATE_VCPU");
    const auto size = static_cast<std::size_t>(kvm.vcpu_mmap_size());
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) return ioctl_error("mmap(vcpu run area)");
    return Vcpu(std::move(fd), static_cast<kvm_run*>(p), size);
}

Vcpu::Vcpu(Vcpu&& other) noexcept
    : fd_(std::move(other.fd_)), run_(std::exchange(other.run_, nullptr)),
      run_size_(std::exchange(other.run_size_, 0)) {}

Vcpu::~Vcpu() {
    if (run_) munmap(run_, run_size_);
}

Result<bool> Vcpu::run() {
    if (ioctl(fd(), KVM_RUN, 0) == 0) return true;
    if (errno == EINTR || errno == EAGAIN) return false;
    return ioctl_error("KVM_RUN");
}

Result<kvm_regs> Vcpu::get_regs() const {
    kvm_regs regs{};
    if (ioctl(fd(), KVM_GET_REGS, &regs) != 0) return ioctl_error("KVM_GET_REGS");
    return regs;
}

Result<void> Vcpu::set_regs(const kvm_regs& regs) {
    if (ioctl(fd(), KVM_SET_REGS, &regs) != 0) return ioctl_error("KVM_SET_REGS");
    return {};
}

Result<kvm_sregs> Vcpu::get_sregs() const {
    kvm_sregs sregs{};
    if (ioctl(fd(), KVM_GET_SREGS, &sregs) != 0) return ioctl_error("KVM_GET_SREGS");
    return sregs;
}

Result<void> Vcpu::set_sregs(const kvm_sregs& sregs) {
    if (ioctl(fd(), KVM_SET_SREGS, &sregs) != 0) return ioctl_error("KVM_SET_SREGS");
    return {};
}

Result<void> Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
    auto buf = cpuid_buffer(static_cast<std::uint32_t>(entries.size()));
    std::memcpy(buf.data() + sizeof(CpuidHeader), entries.data(),
                entries.size() * sizeof(kvm_cpuid_entry2));
    if (ioctl(fd(), kSetCpuid2, buf.data()) != 0) return ioctl_error("KVM_SET_CPUID2");
    return {};
}

Result<std::uint32_t> Vcpu::get_mp_state() const {
    kvm_mp_state state{};
    if (ioctl(fd(), KVM_GET_MP_STATE, &state) != 0) return ioctl_error("KVM_GET_MP_STATE");
    return state.mp_state;
}

Result<kvm_lapic_state> Vcpu::get_lapic() const {
    kvm_lapic_state lapic{};
    if (ioctl(fd(), KVM_GET_LAPIC, &lapic) != 0) return ioctl_error("KVM_GET_LAPIC");
    return lapic;
}

Result<std::uint64_t> Vcpu::get_msr(std::uint32_t index) const {
    struct {
        MsrsHeader header;
        kvm_msr_entry entry;
    } msrs{{1, 0}, {}};
    static_assert(offsetof(decltype(msrs), entry) == sizeof(MsrsHeader));
    msrs.entry.index = index;
    if (ioctl(fd(), kGetMsrs, &msrs) != 1) return ioctl_error("KVM_GET_MSRS");
    return std::uint64_t{msrs.entry.data};
}

std::uint32_t Vcpu::tsc_khz() const {
    const int khz = ioctl(fd(), KVM_GET_TSC_KHZ, 0);
    return khz > 0 ? static_cast<std::uint32_t>(khz) : 0;
}

} // namespace vmm
