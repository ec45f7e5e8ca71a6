// identity sleep-us: a buffer sleeping in identity does not hold up a state change
// to NULL (the wake-up comes after the pad is flushing, so the sleeper sees it).
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace tessera::core {
namespace identity_sleep_test {

using namespace std::chrono_literals;

TEST(IdentitySleep, NullStateInterruptsAMinuteLongSleepEveryTime) {
  for (int round = 0; round < 20; ++round) {
    auto p = video_test::build("testsrc width=8 height=8 ! identity sleep-us=60000000 ! fakesink");
    ASSERT_TRUE(p);
    p->set_state(state::playing);
    // Let the first buffer reach identity and start sleeping (a round that stops
    // before that still must return promptly).
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * (round % 5)));
    test::within(2000ms, "set_state(NULL) with a buffer sleeping in identity",
                 [&] { p->set_state(state::null_state); });
    EXPECT_EQ(p->current_state(), state::null_state) << "round " << round;
  }
}

}  // namespace identity_sleep_test
}  // namespace tessera::core
