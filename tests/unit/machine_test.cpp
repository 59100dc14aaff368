// What the type system promises about Machine: its devices hold references into it, so it must
// stay where it was created.
#include "machine/machine.hpp"

#include <gtest/gtest.h>
#include <type_traits>

namespace vmm {
namespace {

static_assert(!std::is_copy_constructible_v<Machine>);
static_assert(!std::is_copy_assignable_v<Machine>);
static_assert(!std::is_move_constructible_v<Machine>);
static_assert(!std::is_move_assignable_v<Machine>);

TEST(Machine, CannotBeCopiedOrMoved) {
    // The static_asserts above are the test; a build that compiles has passed it.
    SUCCEED();
}

} // namespace
} // namespace vmm
