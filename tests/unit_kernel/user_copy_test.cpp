// copy_from_user / copy_to_user / copy_string_from_user: checked before touching, never a fault.
#include "mm/user_copy.hpp"
#include "mm_test.hpp"

#include <string>

namespace kernel::mm::test {
namespace {

constexpr uint64_t kBuf = 0x10000000ull;

class UserCopyTest : public MmTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(s.create().ok());
        ASSERT_TRUE(areas.add(kBuf, kBuf + 4 * kPageSize, kProtRead | kProtWrite).ok());
        ASSERT_TRUE(areas.add(kBuf + 8 * kPageSize, kBuf + 9 * kPageSize, kProtRead).ok());
    }
    Space s = space();
    Areas areas;
};

TEST_F(UserCopyTest, RoundTripAcrossPagesFillsDemandZeroPages) {
    std::string text(3 * kPageSize, 'x');
    for (size_t i = 0; i < text.size(); ++i)
        text[i] = static_cast<char>('a' + i % 26);
    const uint64_t at = kBuf + 100;
    ASSERT_TRUE(copy_to_user(s, areas, at, text.data(), text.size()));
    EXPECT_TRUE(s.lookup(kBuf + 3 * kPageSize).present()); // four pages touched
    std::string back(text.size(), 0);
    ASSERT_TRUE(copy_from_user(s, areas, back.data(), at, back.size()));
    EXPECT_EQ(back, text);
    EXPECT_EQ(bytes(s.lookup(kBuf).frame())[99], 0); // the rest of a demand page is zero
    // Reading an untouched page of a read-only area maps a zero page.
    char c = 1;
    ASSERT_TRUE(copy_from_user(s, areas, &c, kBuf + 8 * kPageSize + 5, 1));
    EXPECT_EQ(c, 0);
}

TEST_F(UserCopyTest, BadPointersAreRejectedWithoutTouchingAnything) {
    char buf[16] = {};
    EXPECT_FALSE(copy_from_user(s, areas, buf, 0, 1));                        // null
    EXPECT_FALSE(copy_from_user(s, areas, buf, 0xffffffff80000000ull, 8));    // kernel
    EXPECT_FALSE(copy_from_user(s, areas, buf, kBuf + 5 * kPageSize, 8));     // no area
    EXPECT_FALSE(copy_from_user(s, areas, buf, kBuf + 4 * kPageSize - 4, 8)); // runs out
    EXPECT_FALSE(copy_from_user(s, areas, buf, ~0ull - 3, 8));                // wraps
    EXPECT_FALSE(copy_from_user(s, areas, buf, kUserTop - 8, 16));            // into the hole
    EXPECT_FALSE(copy_to_user(s, areas, kBuf + 8 * kPageSize, buf, 1));       // read-only area
    EXPECT_FALSE(copy_to_user(s, areas, kBuf + 4 * kPageSize - 4, buf, 8));
    // Nothing of the failed copy_to_user landed, though its first page was fine.
    EXPECT_FALSE(s.lookup(kBuf + 3 * kPageSize).present() &&
                 bytes(s.lookup(kBuf + 3 * kPageSize).frame())[kPageSize - 1] != 0);
    EXPECT_TRUE(copy_from_user(s, areas, buf, 0, 0)); // empty copies touch nothing
    // A supervisor page in the user half is no user memory.
    ASSERT_TRUE(s.map(kBuf + 2 * kPageSize, frame(), kWritable).ok());
    EXPECT_FALSE(copy_from_user(s, areas, buf, kBuf + 2 * kPageSize, 1));
}

TEST_F(UserCopyTest, CopyToUserBreaksCopyOnWrite) {
    Space child = space();
    ASSERT_TRUE(child.create().ok());
    ASSERT_TRUE(copy_to_user(s, areas, kBuf, "parent", 7));
    ASSERT_TRUE(s.clone_user_cow(child).ok());
    ASSERT_TRUE(copy_to_user(child, areas, kBuf, "child", 6));
    char p[8] = {}, c[8] = {};
    ASSERT_TRUE(copy_from_user(s, areas, p, kBuf, 7));
    ASSERT_TRUE(copy_from_user(child, areas, c, kBuf, 6));
    EXPECT_STREQ(p, "parent");
    EXPECT_STREQ(c, "child");
    EXPECT_TRUE(child.destroy().ok());
}

TEST_F(UserCopyTest, Strings) {
    const char name[] = "hello";
    const uint64_t at = kBuf + kPageSize - 3; // crosses into the next page
    ASSERT_TRUE(copy_to_user(s, areas, at, name, sizeof name));
    char out[16];
    ASSERT_TRUE(copy_string_from_user(s, areas, out, sizeof out, at));
    EXPECT_STREQ(out, "hello");
    EXPECT_FALSE(copy_string_from_user(s, areas, out, 5, at)); // no NUL within 4
    EXPECT_FALSE(copy_string_from_user(s, areas, out, sizeof out, 0));
    EXPECT_EQ(out[0], 0);
    // Runs off the end of the areas before a NUL.
    std::string fill(kPageSize, 'z');
    ASSERT_TRUE(copy_to_user(s, areas, kBuf + 3 * kPageSize, fill.data(), fill.size()));
    EXPECT_FALSE(copy_string_from_user(s, areas, out, sizeof out, kBuf + 4 * kPageSize - 4));
}

} // namespace
} // namespace kernel::mm::test
