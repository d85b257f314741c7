// The harness's clock: its edges come where sc_clock's did (rising at every period from time 0, falling half a
// period later), and the processes an edge wakes see what other processes wrote at the same time (a fault-port
// write at the falling edge, say), as after a signal's edge.
#include <gtest/gtest.h>

#include <systemc>
#include <vector>

#include "testbench/clock.h"

namespace flipsim {
namespace {

const sc_core::sc_time kPeriod(10, sc_core::SC_NS);

// Watches the clock for `cycles` periods: when rising edges came, when falling edges came while it asked for
// them (from 2 periods to 4), and what a signal written at each falling edge's time held when the edge woke it.
struct Watcher : sc_core::sc_module {
  Watcher(sc_core::sc_module_name name, Clock& clock) : sc_module(name), clock(clock) {
    SC_HAS_PROCESS(Watcher);
    SC_METHOD(on_rise);
    sensitive << clock.posedge_event();
    dont_initialize();
    SC_THREAD(on_fall);
    SC_THREAD(write_at_falls);
    SC_THREAD(settle);
  }
  void on_rise() {
    EXPECT_TRUE(clock.posedge());
    rises.push_back(sc_core::sc_time_stamp());
  }
  void on_fall() {
    wait(2 * kPeriod);
    while (sc_core::sc_time_stamp() < 4 * kPeriod) {
      wait(clock.negedge_event());
      EXPECT_TRUE(clock.negedge());
      EXPECT_FALSE(clock.posedge());
      falls.push_back(sc_core::sc_time_stamp());
      seen_at_fall.push_back(marker.read());
    }
  }
  void write_at_falls() {
    wait(kPeriod / 2);
    for (int i = 1;; ++i) {
      marker.write(i);
      wait(kPeriod);
    }
  }
  void settle() {
    wait(kPeriod * 7.3);
    wait(clock.until_settled());
    settled = sc_core::sc_time_stamp();
  }
  Clock& clock;
  sc_core::sc_signal<int> marker{"marker"};
  std::vector<sc_core::sc_time> rises, falls;
  std::vector<int> seen_at_fall;
  sc_core::sc_time settled;
};

TEST(Clock, EdgesWhereScClockHadThem) {
  Clock clock("clock", kPeriod);
  Watcher watcher("watcher", clock);
  sc_core::sc_start(kPeriod * 8);
  ASSERT_EQ(watcher.rises.size(), 8u);
  for (size_t i = 0; i < watcher.rises.size(); ++i) EXPECT_EQ(watcher.rises[i], kPeriod * double(i));
  // Asked from 2 periods on, last asked at 3.5: the falls at 2.5, 3.5 and 4.5 periods.
  ASSERT_EQ(watcher.falls.size(), 3u);
  for (size_t i = 0; i < watcher.falls.size(); ++i) EXPECT_EQ(watcher.falls[i], kPeriod * (2.5 + double(i)));
  // The write at 2.5 periods (the third) is visible to the edge at 2.5 periods.
  EXPECT_EQ(watcher.seen_at_fall, (std::vector<int>{3, 4, 5}));
  // From 7.3 periods: the fall at 7.5, then a quarter period.
  EXPECT_EQ(watcher.settled, kPeriod * 7.75);
}

}  // namespace
}  // namespace flipsim
