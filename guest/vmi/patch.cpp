#include <vmi/reloc.h>
#include <vmirt/patch.hpp>

namespace vmi {

namespace {

constexpr uint8_t kNops[9][9] = {
    {0x90},
    {0x66, 0x90},
    {0x0f, 0x1f, 0x00},
    {0x0f, 0x1f, 0x40, 0x00},
    {0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
    {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
};

} // namespace

void fill_nops(uint8_t* p, uint32_t length) {
    while (length > 0) {
        const uint32_t n = length < 9 ? length : 9;
        for (uint32_t i = 0; i < n; ++i)
            p[i] = kNops[n - 1][i];
        p += n;
        length -= n;
    }
}

Result<void, PatchError> patch_site(uint8_t* site, uint8_t length, uint64_t site_addr,
                                    Binding binding, uint64_t target) {
    if (length < VMI_SITE_MIN_BYTES) return PatchError::SiteTooShort;
    switch (binding) {
    case Binding::Native:
        return {};
    case Binding::Nop:
        fill_nops(site, length);
        return {};
    case Binding::Call:
        break;
    }
    // Two's-complement difference; in range iff it survives the round trip through int32.
    const int64_t rel = static_cast<int64_t>(target - (site_addr + 5));
    if (rel != static_cast<int32_t>(rel)) return PatchError::OutOfRange;
    const auto r = static_cast<uint32_t>(static_cast<int32_t>(rel));
    site[0] = 0xe8;
    site[1] = static_cast<uint8_t>(r);
    site[2] = static_cast<uint8_t>(r >> 8);
    site[3] = static_cast<uint8_t>(r >> 16);
    site[4] = static_cast<uint8_t>(r >> 24);
    fill_nops(site + 5, length - 5u);
    return {};
}

} // namespace vmi
