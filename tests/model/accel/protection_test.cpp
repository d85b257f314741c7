// Protection options: the code geometry the site map and the cost use, the YAML reader's errors, the site map's
// check bits and copies (the RTL agrees: tests/rtl/site_map_rtl_test.cpp on the protectable variant).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "model/accel/accel_config.h"
#include "model/accel/protection.h"
#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"
#include "testbench/site_map.h"

namespace flipsim {
namespace {

Protection parse(const std::string& yaml) {
  const YAML::Node node = YAML::Load(yaml);
  return read_protection(YamlFields(node, "test.yaml", "protection"));
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Protection, SecdedCheckBitsAreHammingPlusParity) {
  // 2^r >= k + r + 1: 8 -> 4, 16 -> 5, 32 -> 6, 48 -> 6; plus the overall parity bit.
  EXPECT_EQ(check_bits(8), 5);
  EXPECT_EQ(check_bits(16), 6);
  EXPECT_EQ(check_bits(32), 7);
  EXPECT_EQ(check_bits(48), 7);
  EXPECT_EQ(code_bits(Code::kParity, 32), 1);
  EXPECT_EQ(code_bits(Code::kNone, 32), 0);
  EXPECT_EQ(copies(Redundancy::kDmrUpper), 2);
  EXPECT_EQ(protected_lsb(Redundancy::kTmrUpper, 32), 16);
  EXPECT_EQ(protected_lsb(Redundancy::kTmr, 32), 0);
}

TEST(Protection, ReadsEveryKeyAndDescribesIt) {
  const Protection p = parse("{wbuf: secded, accbuf: parity, pe_psum: tmr_upper, on_detect: recompute, max_retries: 2}");
  EXPECT_EQ(p.buffer[size_t(Buffer::kWbuf)], Code::kSecded);
  EXPECT_EQ(p.buffer[size_t(Buffer::kAccbuf)], Code::kParity);
  EXPECT_EQ(p.buffer[size_t(Buffer::kAbuf)], Code::kNone);
  EXPECT_EQ(p.registers[size_t(RegisterClass::kPePsum)], Redundancy::kTmrUpper);
  EXPECT_EQ(p.on_detect, OnDetect::kRecompute);
  EXPECT_EQ(p.max_retries, 2);
  EXPECT_TRUE(p.any());
  EXPECT_EQ(p.describe(), "wbuf=secded accbuf=parity pe_psum=tmr_upper on_detect=recompute");
  EXPECT_FALSE(parse("{on_detect: zero}").any());
  EXPECT_EQ(parse("{}").describe(), "none");
  // Clipping detects nothing: on_detect is not part of its name.
  const Protection clip = parse("{clip_activations: true}");
  EXPECT_TRUE(clip.any());
  EXPECT_FALSE(clip.detects());
  EXPECT_EQ(clip.describe(), "clip_activations");
  EXPECT_EQ(parse("{abuf: parity, clip_activations: true}").describe(), "abuf=parity clip_activations on_detect=flag");
}

TEST(Protection, BadInputNamesTheKeyAndWhatWasExpected) {
  EXPECT_NE(error_of("{wbuf: hamming}").find("wbuf"), std::string::npos);
  EXPECT_NE(error_of("{wbuf: hamming}").find("secded"), std::string::npos);
  EXPECT_NE(error_of("{pe_psum: qmr}").find("tmr"), std::string::npos);
  EXPECT_NE(error_of("{ppu: tmr}").find("ppu"), std::string::npos);
  EXPECT_NE(error_of("{max_retries: 99}").find("max_retries"), std::string::npos);
  EXPECT_NE(error_of("{clip_activations: sometimes}").find("clip_activations"), std::string::npos);
}

TEST(Protection, NeedsAProtectableAccelerator) {
  AccelConfig c = load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/default.yaml");
  c.protection.buffer.fill(Code::kParity);
  EXPECT_THROW(validate_accel_config(c, "test"), ConfigError);
  c.protectable = true;
  EXPECT_NO_THROW(validate_accel_config(c, "test"));
  EXPECT_FALSE(c.same_hardware(load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/default.yaml")));
}

TEST(Protection, SiteMapAddsCheckBitsAndCopiesInUseOnly) {
  AccelConfig c = load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/protectable_8x8.yaml");
  const SiteMap none(c);
  c.protection.buffer[size_t(Buffer::kWbuf)] = Code::kSecded;
  c.protection.registers[size_t(RegisterClass::kPePsum)] = Redundancy::kTmrUpper;
  const SiteMap some(c);
  EXPECT_EQ(some.stored_bits(Buffer::kWbuf), 8 + 5);
  EXPECT_EQ(some.stored_bits(Buffer::kAbuf), 8);
  EXPECT_EQ(some.sram_bits() - none.sram_bits(), uint64_t(c.wbuf_depth) * c.cols * 5);
  // Two more copies of the upper 16 partial-sum bits in each of the 64 PEs.
  EXPECT_EQ(some.ff_bits() - none.ff_bits(), uint64_t(64) * 2 * 16);
  // A copy's sites are its register's upper bits, named after the copy; decoding round-trips.
  bool seen = false;
  for (size_t g = 0; g < some.ff_groups().size(); ++g) {
    const FfGroup& group = some.ff_groups()[g];
    if (group.replica == 0) continue;
    seen = true;
    EXPECT_EQ(group.lsb, 16);
    EXPECT_NE(group.name.find(".copy"), std::string::npos);
    const Site s = some.site(some.group_first_site(int(g)));
    EXPECT_EQ(s.bit, 16);
    EXPECT_EQ(s.ff_group, int(g));
  }
  EXPECT_TRUE(seen);
  // The last stored bit of the first wbuf lane is its last check bit.
  const Site check = some.site(some.buffer_first_site(Buffer::kWbuf) + 12);
  EXPECT_TRUE(check.sram);
  EXPECT_EQ(check.lane, 0);
  EXPECT_EQ(check.bit, 12);
}

TEST(Protection, SiteMapAddsClipRegistersInUseOnly) {
  AccelConfig c = load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/protectable_8x8.yaml");
  const SiteMap none(c);
  c.protection.clip_activations = true;
  const SiteMap clip(c);
  // A {hi, lo} pair of 8-bit bounds per PPU lane, and the controller's read strobe; no SRAM.
  EXPECT_EQ(clip.ff_bits() - none.ff_bits(), uint64_t(8) * 16 + 1);
  EXPECT_EQ(clip.sram_bits(), none.sram_bits());
  int ppu_bounds = 0;
  for (const FfGroup& g : clip.ff_groups())
    if (g.name.rfind("ppu.clip_q", 0) == 0) {
      EXPECT_EQ(g.cls, SiteClass::kPpu);
      EXPECT_EQ(g.width, 16);
      ++ppu_bounds;
    }
  EXPECT_EQ(ppu_bounds, 8);
}

}  // namespace
}  // namespace flipsim
