// A gtest fixture over FakeMachine: every test ends with no broken VMI rule.
#pragma once

#include "fake_machine.hpp"

#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>

namespace kernel::mm::test {

class MmTest : public ::testing::Test {
  protected:
    explicit MmTest(uint64_t ram_bytes = 4ull << 20) : m(ram_bytes), ops{&m} {}

    void TearDown() override {
        for (const std::string& v : m.violations)
            ADD_FAILURE() << "VMI rule broken: " << v;
    }

    Space space() const { return Space(ops); }
    // A frame filled with `byte`.
    PhysAddr frame(uint8_t byte = 0) {
        const Result<PhysAddr> f = m.frames.alloc();
        EXPECT_TRUE(f.ok());
        if (f.ok()) std::memset(m.virt(f.value()), byte, kPageSize);
        return f.ok() ? f.value() : PhysAddr{};
    }
    uint8_t* bytes(PhysAddr p) const { return static_cast<uint8_t*>(m.virt(p)); }

    FakeMachine m;
    FakeOps ops;
    const uint64_t free_at_start = m.frames.free_frames();
};

} // namespace kernel::mm::test
