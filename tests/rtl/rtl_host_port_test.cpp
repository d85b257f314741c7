// The front door: every buffer and register is reachable through the host port, lanes pack as specified,
// and a configuration that does not match the compiled RTL is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include "model/common/config_error.h"
#include "model/accel/requant.h"
#include "rtl_fixture.h"
#include "testbench/harness.h"

namespace flipsim {
namespace {

TEST(HostPort, BuffersReadBackWhatWasWritten) {
  const AccelConfig config = test_accel();
  Harness harness(config);
  struct Region_ {
    Region region;
    int lanes, bits, depth;
  };
  const Region_ regions[] = {{Region::kAbuf, config.rows, config.data_bits, config.abuf_depth},
                             {Region::kWbuf, config.cols, config.data_bits, config.wbuf_depth},
                             {Region::kBbuf, config.cols, config.acc_bits, config.bbuf_depth},
                             {Region::kAccbuf, config.cols, config.acc_bits, config.accbuf_depth},
                             {Region::kObuf, config.cols, config.data_bits, config.obuf_depth}};
  harness.run([&](HostPort& port) {
    for (const auto& r : regions) {
      const int per_beat = 64 / r.bits;
      for (uint32_t word : {0u, 1u, uint32_t(r.depth - 1)}) {
        for (int lane = 0; lane < r.lanes; lane += per_beat) {
          const uint64_t pattern = 0x9e3779b97f4a7c15ull * (word + 1) ^ (uint64_t(lane) << 40) ^ uint64_t(r.region);
          port.write(host_address(r.region, word, lane), pattern);
          const uint64_t back = port.read(host_address(r.region, word, lane));
          // Lanes beyond the word's last lane read as zero.
          const int used = std::min(per_beat, r.lanes - lane) * r.bits;
          const uint64_t mask = used >= 64 ? ~0ull : (1ull << used) - 1;
          EXPECT_EQ(back, pattern & mask) << "region " << int(r.region) << " word " << word << " lane " << lane;
        }
      }
    }
  });
}

TEST(HostPort, RegistersReportParametersAndCycles) {
  const AccelConfig config = test_accel();
  Harness harness(config);
  harness.run([&](HostPort& port) {
    const uint64_t params = port.read(host_address(Region::kRegs, kRegParams));
    EXPECT_EQ(params & 0xffff, uint64_t(config.rows));
    EXPECT_EQ((params >> 16) & 0xffff, uint64_t(config.cols));
    EXPECT_EQ((params >> 32) & 0xffff, uint64_t(config.data_bits));
    const uint64_t c0 = port.read(host_address(Region::kRegs, kRegCycles));
    port.clock(10);
    const uint64_t c1 = port.read(host_address(Region::kRegs, kRegCycles));
    EXPECT_EQ(c1 - c0, 12u);  // 10 idle cycles plus the read's request and response cycles
    port.write(host_address(Region::kRegs, kRegDescBase + 3), 0xabcd);
    EXPECT_EQ(port.read(host_address(Region::kRegs, kRegDescBase + 3)), 0xabcdu);
    EXPECT_EQ(port.read(host_address(Region::kRegs, kRegStatus)), 0u);
  });
}

TEST(HostPort, ConfigurationNotMatchingTheRtlIsRefused) {
  AccelConfig config = test_accel();
  config.abuf_depth *= 2;
  try {
    Harness harness(config);
    FAIL() << "a mismatching configuration was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match any compiled RTL variant"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flipsim

namespace flipsim {
namespace {

TEST(HostPort, ScrubZeroesEveryBuffer) {
  const AccelConfig config = test_accel();
  Harness harness(config);
  const uint32_t last_abuf = uint32_t(config.abuf_depth - 1), last_obuf = uint32_t(config.obuf_depth - 1);
  harness.run([&](HostPort& port) {
    port.write(host_address(Region::kAbuf, last_abuf, 0), ~0ull);
    port.write(host_address(Region::kObuf, last_obuf, 0), ~0ull);
    port.write(host_address(Region::kAccbuf, 3, 0), 0x1234);
    EXPECT_NE(port.read(host_address(Region::kAbuf, last_abuf, 0)), 0u);
  });
  harness.scrub();
  harness.run([&](HostPort& port) {
    EXPECT_EQ(port.read(host_address(Region::kAbuf, last_abuf, 0)), 0u);
    EXPECT_EQ(port.read(host_address(Region::kObuf, last_obuf, 0)), 0u);
    EXPECT_EQ(port.read(host_address(Region::kAccbuf, 3, 0)), 0u);
    EXPECT_EQ(port.read(host_address(Region::kRegs, kRegStatus)) & 1, 0u);
  });
}

// The RTL's assertions are compiled into the test builds: a host that withdraws a request the accelerator has
// not accepted yet breaks the valid/ready protocol, and the simulation stops naming the assertion.
TEST(HostPortDeathTest, WithdrawingARequestBeforeItIsAcceptedStopsTheSimulation) {
  EXPECT_DEATH(
      {
        // Verilator prints the failure on stdout; the death test reads stderr.
        dup2(STDERR_FILENO, STDOUT_FILENO);
        Harness harness(test_accel());
        harness.run([&](HostPort& port) {
          port.write(host_address(Region::kRegs, kRegCtrl), kCtrlScrub);  // the buffers are busy for a while
          DutSignals& s = harness.signals();
          s.req_addr.write(host_address(Region::kAbuf, 0));
          s.req_write.write(false);
          s.req_valid.write(true);
          port.clock(2);  // refused: the scrub owns the buffers
          s.req_valid.write(false);
          port.clock(2);
        });
      },
      "assertion a_req_held_until_ready failed");
}

}  // namespace
}  // namespace flipsim
