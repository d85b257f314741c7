// The fault-site map and the RTL agree: the map's registers are exactly the design's fs_ff registers (found
// through Verilator's symbol table), and injecting each site through the fault ports changes exactly that
// bit and nothing else (every flip-flop bit; SRAM bits exhaustively on small buffers, sampled on large ones).
#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_syms.h>

#include <cstring>
#include <map>
#include <random>

#include "testbench/site_map.h"
#include "rtl_fixture.h"
#include "testbench/harness.h"

namespace flipsim {
namespace {

bool bit_of(const void* data, uint64_t k) { return (static_cast<const uint8_t*>(data)[k / 8] >> (k % 8)) & 1; }

uint64_t value_of(const VerilatedVar& v) {
  uint64_t x = 0;
  std::memcpy(&x, v.datap(), v.entSize() < 8 ? v.entSize() : 8);
  const int width = v.packed().elements();
  return width >= 64 ? x : x & ((uint64_t(1) << width) - 1);
}

/// The design's registers and memories, keyed by hierarchical path below fs_top.
struct Inventory {
  std::map<std::string, const VerilatedVar*> regs;
  std::map<std::string, const VerilatedVar*> mems;
};

Inventory inventory() {
  Inventory inv;
  const std::string top = ".fs_top.";
  for (const auto& [name, scope] : *Verilated::threadContextp()->scopeNameMap()) {
    if (!scope->varsp()) continue;
    std::string path = name;
    const size_t at = path.find(top);
    if (at == std::string::npos) continue;
    path = path.substr(at + top.size());
    for (const auto& [var_name, var] : *scope->varsp()) {
      if (std::string(var_name) == "q_q") inv.regs[path] = &var;
      if (std::string(var_name) == "mem") inv.mems[path] = &var;
    }
  }
  return inv;
}

std::vector<uint64_t> snapshot(const Inventory& inv, const SiteMap& map) {
  std::vector<uint64_t> values;
  for (const FfGroup& g : map.ff_groups()) values.push_back(value_of(*inv.regs.at(g.rtl_path)));
  return values;
}

/// The accelerator under test; a protectable one with every check bit, copy and clip register in use, so that
/// all of its storage is fault sites.
AccelConfig fully_used_accel() {
  AccelConfig c = test_accel();
  if (c.protectable) {
    c.protection.buffer.fill(Code::kSecded);
    c.protection.registers.fill(Redundancy::kTmr);
    c.protection.clip_activations = true;
  }
  return c;
}

class SiteMapRtl : public ::testing::Test {
 protected:
  SiteMapRtl() : config_(fully_used_accel()), map_(config_), harness_(config_), inv_(inventory()) {}
  AccelConfig config_;
  SiteMap map_;
  Harness harness_;
  Inventory inv_;
};

TEST_F(SiteMapRtl, RegistersAndMemoriesAreExactlyTheDesigns) {
  ASSERT_FALSE(inv_.regs.empty()) << "no public registers: build this test against a --public-flat-rw variant";
  uint64_t rtl_bits = 0;
  for (const auto& [path, var] : inv_.regs) rtl_bits += uint64_t(var->packed().elements());
  EXPECT_EQ(inv_.regs.size(), map_.ff_groups().size());
  EXPECT_EQ(rtl_bits, map_.ff_bits());
  for (const FfGroup& g : map_.ff_groups()) {
    const auto it = inv_.regs.find(g.rtl_path);
    ASSERT_NE(it, inv_.regs.end()) << g.name << " -> " << g.rtl_path << " is not a register of the RTL";
    EXPECT_EQ(it->second->packed().elements(), g.width) << g.name;
  }
  uint64_t sram_bits = 0;
  for (const auto& [path, var] : inv_.mems) sram_bits += uint64_t(var->unpacked().elements()) * var->packed().elements();
  EXPECT_EQ(inv_.mems.size(), size_t(kNumBuffers));
  EXPECT_EQ(sram_bits, map_.sram_bits());
}

TEST_F(SiteMapRtl, EveryFlipFlopSiteFlipsExactlyItsBit) {
  // The cycle counter and its copies: the only registers that move by themselves while idle.
  std::vector<size_t> counting;
  for (size_t i = 0; i < map_.ff_groups().size(); ++i)
    if (map_.ff_groups()[i].name.rfind("host.cycles_q", 0) == 0) counting.push_back(i);
  ASSERT_FALSE(counting.empty());
  uint64_t checked = 0;
  harness_.run([&](HostPort& port) {
    for (uint64_t id = 0; id < map_.ff_bits(); ++id) {
      const Site site = map_.site(id);
      const FfGroup& g = map_.ff_groups()[site.ff_group];
      port.set_reset(true);
      port.clock(1);
      port.set_reset(false);
      port.clock(2);
      sc_core::wait(sc_core::SC_ZERO_TIME);  // let the DUT evaluate the edge before looking at it
      const std::vector<uint64_t> before = snapshot(inv_, map_);
      harness_.injector().schedule_ff(FfFault{g.group, uint64_t(1) << site.bit, 0, 0, g.replica}, 0, 1);
      port.clock(1);
      sc_core::wait(sc_core::SC_ZERO_TIME);
      std::vector<uint64_t> expected = before;
      for (size_t i : counting) expected[i] += 1;
      expected[site.ff_group] ^= uint64_t(1) << site.bit;
      const std::vector<uint64_t> after = snapshot(inv_, map_);
      for (size_t i = 0; i < after.size(); ++i)
        ASSERT_EQ(after[i], expected[i]) << "injecting " << map_.name(site) << " changed " << map_.ff_groups()[i].name;
      ++checked;
    }
  });
  EXPECT_EQ(checked, map_.ff_bits());
}

TEST_F(SiteMapRtl, StuckAtHoldsForItsWindowThenReleases) {
  // A register that holds and that no redundancy repairs: a descriptor field, or in a protectable build (whose
  // descriptor is replicated here) the protection register.
  const FfGroup* weight = nullptr;
  for (const FfGroup& g : map_.ff_groups())
    if (!weight && !g.replicated && (g.name.rfind("host.desc.", 0) == 0 || g.name == "host.prot_q")) weight = &g;
  ASSERT_NE(weight, nullptr);
  const VerilatedVar& q = *inv_.regs.at(weight->rtl_path);
  harness_.run([&](HostPort& port) {
    port.clock(1);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    // Bits 1 and 2 stuck at the opposite of what the register holds.
    const uint64_t held = value_of(q), forced = ~held & 0b110, stuck = (held & ~uint64_t{0b110}) | forced;
    harness_.injector().schedule_ff(FfFault{weight->group, 0, 0b110, forced}, 1, 3);
    port.clock(1);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    EXPECT_EQ(value_of(q), held);
    for (int cycle = 0; cycle < 3; ++cycle) {
      port.clock(1);
      sc_core::wait(sc_core::SC_ZERO_TIME);
      EXPECT_EQ(value_of(q), stuck) << "cycle " << cycle;
    }
    // A held register keeps the value the fault left in it: stuck-at ends, the corruption stays.
    port.clock(2);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    EXPECT_EQ(value_of(q), stuck);
  });
}

TEST_F(SiteMapRtl, SramSitesFlipExactlyTheirBit) {
  // Every SRAM bit on small buffers; a sample (plus every buffer's first and last bit) on large ones.
  std::vector<uint64_t> ids;
  if (map_.sram_bits() <= 200000) {
    for (uint64_t id = map_.ff_bits(); id < map_.size(); ++id) ids.push_back(id);
  } else {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 4000; ++i)
      ids.push_back(std::uniform_int_distribution<uint64_t>(map_.ff_bits(), map_.size() - 1)(rng));
    ids.push_back(map_.ff_bits());
    ids.push_back(map_.size() - 1);
  }
  std::map<int, const VerilatedVar*> mem_of;
  for (int b = 0; b < kNumBuffers; ++b) mem_of[b] = inv_.mems.at(std::string("u_") + buffer_name(Buffer(b)));
  auto copy = [&](int b) {
    const VerilatedVar& v = *mem_of[b];
    const auto* p = static_cast<const uint8_t*>(v.datap());
    return std::vector<uint8_t>(p, p + size_t(v.entSize()) * v.unpacked().elements());
  };
  harness_.run([&](HostPort& port) {
    for (uint64_t id : ids) {
      const Site s = map_.site(id);
      const int b = int(s.buffer);
      const std::vector<uint8_t> before = copy(b);
      harness_.injector().schedule_sram({SramFault{b, uint32_t(s.word), s.lane, uint64_t(1) << s.bit}}, 0);
      port.clock(1);
      sc_core::wait(sc_core::SC_ZERO_TIME);
      std::vector<uint8_t> expected = before;
      const uint64_t k = uint64_t(s.lane) * map_.stored_bits(s.buffer) + s.bit;
      expected[size_t(s.word) * mem_of[b]->entSize() + k / 8] ^= uint8_t(1u << (k % 8));
      ASSERT_TRUE(copy(b) == expected) << "injecting " << map_.name(s);
      ASSERT_TRUE(bit_of(copy(b).data() + size_t(s.word) * mem_of[b]->entSize(), k) !=
                  bit_of(before.data() + size_t(s.word) * mem_of[b]->entSize(), k));
    }
  });
}

}  // namespace
}  // namespace flipsim
