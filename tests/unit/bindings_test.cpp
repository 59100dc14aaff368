// The binding steps of vmi::bind() (guest/vmi/bindings.cpp): reloc answers turned into call
// targets, and sites rewritten from them.
#include "rom_builder.hpp"

#include <cstring>
#include <gtest/gtest.h>
#include <vmirt/bindings.hpp>

namespace vmi {
namespace {

using vmm::test::build_rom;
using vmm::test::Bytes;
using vmm::test::RomImage;

constexpr std::uint64_t kRomVirt = 0xffffffff800c0000ull;
constexpr std::uint64_t kStateVirt = 0xffffffff80200000ull;
constexpr std::uint64_t kStateSize = 0x10000;

// A reloc that answers from a table: the test's stand-in for a ROM's entry.
struct Answers {
    std::uint32_t type[VMI_CALL_COUNT] = {};
    std::uint32_t asked = 0;
};
std::uint32_t answer(void* context, std::uint32_t call) {
    auto* a = static_cast<Answers*>(context);
    ++a->asked;
    return a->type[call];
}

struct Fixture {
    RomImage rom = build_rom();
    RomInfo info{};
    Fixture() {
        const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
        EXPECT_TRUE(valid.ok());
        info = valid.value();
    }
    // A state table after the image: `entry` for every call.
    void add_state_table(std::uint32_t entry) {
        info.state_table = static_cast<std::uint32_t>(rom.bytes.size());
        rom.bytes.resize(rom.bytes.size() + 4 * VMI_CALL_COUNT);
        for (std::uint32_t c = 0; c < VMI_CALL_COUNT; ++c)
            std::memcpy(rom.bytes.data() + info.state_table + 4 * c, &entry, 4);
    }
    BindingPlan plan(Answers& answers, bool call_state = true) {
        const BindingInputs in{rom.bytes.data(), &info,      kRomVirt,
                               kStateVirt,       kStateSize, call_state};
        BindingPlan p;
        plan_bindings(in, answer, &answers, p);
        return p;
    }
};

TEST(PlanBindings, CallsGoToTheirTableEntryAndEmptyEntriesStayNative) {
    Fixture f;
    Answers a;
    for (auto& t : a.type)
        t = VMI_RELOC_CALL;
    const BindingPlan p = f.plan(a);
    ASSERT_EQ(f.info.call_count, 50u);
    EXPECT_EQ(a.asked, 50u) << "only the calls the ROM knows are asked about";
    for (std::uint32_t c = 0; c < VMI_CALL_COUNT; ++c) {
        const std::uint32_t entry = c < 50 ? rom_call_offset(f.rom.bytes.data(), c) : 0;
        if (entry == 0) {
            EXPECT_EQ(p.binding[c], Binding::Native) << "call " << c;
        } else {
            EXPECT_EQ(p.binding[c], Binding::Call) << "call " << c;
            EXPECT_EQ(p.target[c], kRomVirt + entry) << "call " << c;
        }
    }
    EXPECT_EQ(p.calls_rom + p.calls_native + p.calls_nop, std::uint32_t{VMI_CALL_COUNT});
}

TEST(PlanBindings, NopAndUnknownAnswers) {
    Fixture f;
    Answers a;
    a.type[1] = VMI_RELOC_NOP;
    a.type[2] = 77; // no such type: native
    const BindingPlan p = f.plan(a);
    EXPECT_EQ(p.binding[1], Binding::Nop);
    EXPECT_EQ(p.binding[2], Binding::Native);
    EXPECT_EQ(p.calls_nop, 1u);
    EXPECT_EQ(p.calls_rom, 0u);
}

TEST(PlanBindings, CallStateTargetsTheStateWithinItsSize) {
    Fixture f;
    f.add_state_table(0x1234);
    Answers a;
    a.type[4] = VMI_RELOC_CALL_STATE;
    BindingPlan p = f.plan(a);
    EXPECT_EQ(p.binding[4], Binding::Call);
    EXPECT_EQ(p.target[4], kStateVirt + 0x1234);

    f.add_state_table(static_cast<std::uint32_t>(kStateSize)); // one past the state: refused
    p = f.plan(a);
    EXPECT_EQ(p.binding[4], Binding::Native);
}

TEST(PlanBindings, CallStateIsNativeWithoutATableOrForAKernelThatDoesNotKnowIt) {
    Fixture f;
    Answers a;
    a.type[4] = VMI_RELOC_CALL_STATE;
    EXPECT_EQ(f.plan(a).binding[4], Binding::Native) << "no state table";
    f.add_state_table(0x100);
    EXPECT_EQ(f.plan(a, /*call_state=*/false).binding[4], Binding::Native) << "an ABI 1.1 kernel";
}

// Sites in a buffer with their records, as .vmi_sites holds them.
struct Sites {
    std::uint8_t code[64];
    vmi_site records[3];
    Sites() {
        std::memset(code, 0xcc, sizeof code);
        const std::uint16_t calls[3] = {VMI_CALL_CPUID, VMI_CALL_RDMSR, VMI_CALL_COUNT + 3};
        for (int i = 0; i < 3; ++i) {
            records[i].site_rel =
                static_cast<std::int32_t>(reinterpret_cast<std::intptr_t>(code + 16 * i) -
                                          reinterpret_cast<std::intptr_t>(&records[i].site_rel));
            records[i].call = calls[i];
            records[i].length = 8;
            records[i].reserved = 0;
        }
    }
};

TEST(PatchSites, RewritesBoundSitesAndCountsBadRecords) {
    Sites s;
    BindingPlan plan;
    for (auto& b : plan.binding)
        b = Binding::Native;
    plan.binding[VMI_CALL_CPUID] = Binding::Nop;
    const SiteCount n = patch_sites(s.records, s.records + 3, plan);
    EXPECT_EQ(n.patched, 1u);
    EXPECT_EQ(n.bad, 1u) << "the record with an unknown call";
    EXPECT_EQ(s.code[0], 0x0f) << "an 8-byte NOP starts 0F 1F";
    EXPECT_EQ(s.code[16], 0xcc) << "RDMSR is native: untouched";
}

TEST(PatchSites, AnOverlongRecordIsBadAndUntouched) {
    Sites s;
    s.records[0].length = kMaxSiteBytes + 1;
    BindingPlan plan;
    for (auto& b : plan.binding)
        b = Binding::Nop;
    const SiteCount n = patch_sites(s.records, s.records + 1, plan);
    EXPECT_EQ(n.patched, 0u);
    EXPECT_EQ(n.bad, 1u);
    EXPECT_EQ(s.code[0], 0xcc);
}

} // namespace
} // namespace vmi
