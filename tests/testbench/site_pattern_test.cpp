// The site-pattern language: parsing and its errors, matching single names, symbolic selection against
// name-by-name enumeration, and every documented pattern's bit count.
#include "testbench/site_pattern.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "documented_patterns.h"

namespace flipsim {
namespace {

// ---- malformed patterns: the position and what was expected there ----

struct Malformed {
  std::string pattern;
  int position;           // 1-based character
  std::string expected;   // part of the message
};

class MalformedPattern : public testing::TestWithParam<Malformed> {};

TEST_P(MalformedPattern, NamesThePositionAndTheExpectation) {
  const Malformed& m = GetParam();
  try {
    SitePattern p(m.pattern);
    FAIL() << "'" << m.pattern << "' parsed";
  } catch (const SitePatternError& e) {
    EXPECT_EQ(e.position(), m.position) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("at character " + std::to_string(m.position) + ", expected " + m.expected),
              std::string::npos)
        << what;
    // The caret line points at the same character.
    EXPECT_NE(what.find("\n  " + std::string(size_t(m.position - 1), ' ') + "^"), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedPattern,
    testing::Values(Malformed{"", 1, "a register or buffer name, or '*'"},
                    Malformed{"array.pe[0:][*]", 12, "a number after ':'"},
                    Malformed{"array.pe[0", 11, "':' or ']'"},
                    Malformed{"array.pe[]", 10, "an index: a number (decimal or 0x hex), a range lo:hi, or '*'"},
                    Malformed{"array.pe[*0]", 11, "']'"},
                    Malformed{"array.pe[a]", 10, "an index"},
                    Malformed{"array.pe[0:3:5]", 13, "']'"},
                    Malformed{"array.pe[-1]", 10, "an index"},
                    Malformed{"wbuf[0x]", 8, "hex digits after '0x'"},
                    Malformed{"wbuf[0xzz]", 8, "hex digits after '0x'"},
                    Malformed{"wbuf[99999999999]", 6, "an index of at most 2147483647"},
                    Malformed{"array.pe\\[0\\]*", 9, "a letter, digit, '_', '*', '[', '.' or the end"},
                    Malformed{"array.pe[0]x", 12, "'.', '[', '*' or the end of the pattern"},
                    Malformed{".array", 1, "a name (letters, digits, '_') or '*'"},
                    Malformed{"ctrl.", 6, "a name (letters, digits, '_') or '*'"},
                    Malformed{"ctrl..state_q", 6, "a name"},
                    Malformed{"[3]", 1, "a name"},
                    Malformed{"ctrl state_q", 5, "a letter, digit"},
                    Malformed{"ctrl.state_q]", 13, "a letter, digit"}));

TEST(SitePattern, MalformedIsAConfigErrorQuotingThePattern) {
  try {
    SitePattern p("wbuf[0x1a0:]");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("site pattern 'wbuf[0x1a0:]': at character 12, expected a number", 0), 0u)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(", found ']'"), std::string::npos);
  }
}

// ---- single names ----

struct NameCase {
  std::string pattern;
  std::string name;
  bool selected;
};

class PatternOnName : public testing::TestWithParam<NameCase> {};

TEST_P(PatternOnName, SelectsExactlyTheNamesItDescribes) {
  const NameCase& c = GetParam();
  EXPECT_EQ(SitePattern(c.pattern).matches(c.name), c.selected) << c.pattern << " on " << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, PatternOnName,
    testing::Values(
        // Brackets are indices, not character classes.
        NameCase{"array.pe[3][5].psum_q[17]", "array.pe[3][5].psum_q[17]", true},
        NameCase{"array.pe[0][*].psum_q", "array.pe[0][7].psum_q[31]", true},
        NameCase{"array.pe[0][*].psum_q", "array.pe[1][7].psum_q[31]", false},
        NameCase{"array.pe[0][*].psum_q", "array.pe[0][7].weight_q[3]", false},
        // Ranges include both ends, in either order; hex and decimal compare by value.
        NameCase{"array.pe[0:3][*].weight_q[7]", "array.pe[3][2].weight_q[7]", true},
        NameCase{"array.pe[0:3][*].weight_q[7]", "array.pe[0][2].weight_q[7]", true},
        NameCase{"array.pe[0:3][*].weight_q[7]", "array.pe[4][2].weight_q[7]", false},
        NameCase{"array.pe[0:3][*].weight_q[7]", "array.pe[2][2].weight_q[6]", false},
        NameCase{"array.pe[3:0][*].weight_q[7]", "array.pe[1][0].weight_q[7]", true},
        NameCase{"array.pe[0x3][0x0a]", "array.pe[3][10].act_q[0]", false},  // a segment is missing
        NameCase{"array.pe[0x3][0x0a].act_q", "array.pe[3][10].act_q[0]", true},
        NameCase{"array.pe[010][0].act_q", "array.pe[10][0].act_q[0]", true},  // decimal, not octal
        NameCase{"wbuf[0x1a0:0x1af]", "wbuf[0x1a2][6]", true},
        NameCase{"wbuf[0x1a0:0x1af]", "wbuf[0x1b0][6]", false},
        NameCase{"wbuf[418][6]", "wbuf[0x1a2][6]", true},
        NameCase{"wbuf[0x1A2][0x6]", "wbuf[0x1a2][6]", true},
        NameCase{"wbuf[0x1a2][6]", "wbuf[0x1a2][7]", false},
        NameCase{"wbuf[0x1a2]", "wbuf[0x1a2][63]", true},
        NameCase{"wbuf[*][8:15]", "wbuf[0x0][8]", true},
        NameCase{"wbuf[*][8:15]", "wbuf[0x0][16]", false},
        NameCase{"wbuf", "wbuf[0xfff][63]", true},
        NameCase{"wbuf", "abuf[0x0][0]", false},
        // Left-out trailing indices select every value, but a left-out segment does not.
        NameCase{"ctrl.bias_q", "ctrl.bias_q[3][31]", true},
        NameCase{"ctrl.bias_q[3]", "ctrl.bias_q[3][31]", true},
        NameCase{"ctrl.bias_q[3]", "ctrl.bias_q[2][3]", false},
        NameCase{"array.pe[0][0]", "array.pe[0][0].psum_q[0]", false},
        NameCase{"array.skew[3]", "array.skew[3].stage[1][0]", false},
        // '*' matches any run of characters, dots and whole indices included; not a partial name.
        NameCase{"*", "array.pe[3][5].psum_q[17]", true},
        NameCase{"*", "wbuf[0x1a2][6]", true},
        NameCase{"ctrl.*", "ctrl.bias_q[3][31]", true},
        NameCase{"ctrl.*", "ppu.acc_q[3][31]", false},
        NameCase{"array.pe[0][*].*", "array.pe[0][6].valid_q[0]", true},
        NameCase{"*.psum_q", "array.pe[7][7].psum_q[0]", true},
        NameCase{"*.psum_q", "ctrl.a_psum_q[2][0]", false},
        NameCase{"*psum_q", "ctrl.a_psum_q[2][0]", true},
        NameCase{"array.*", "array.deskew[2].stage[0][5]", true},
        NameCase{"*[5]", "array.pe[3][5].psum_q[5]", true},   // the bit
        NameCase{"*[5]", "array.pe[3][5].psum_q[4]", false},  // [5] is not the last index, a segment follows
        NameCase{"host.desc.*_q", "host.desc.in_h_q[0]", true},
        NameCase{"h*t.d*c.in_h_q", "host.desc.in_h_q[0]", true},
        NameCase{"ctrl.stat_q", "ctrl.state_q[0]", false},
        NameCase{"array.pe[0][0].psum_q[32]", "array.pe[0][0].psum_q[31]", false}));

// ---- symbolic selection agrees with matching every bit name ----

AccelConfig small_config() {
  AccelConfig a;
  a.rows = 2;
  a.cols = 3;
  a.data_bits = 4;
  a.acc_bits = 6;
  a.abuf_depth = 5;
  a.wbuf_depth = 20;
  a.bbuf_depth = 2;
  a.accbuf_depth = 3;
  a.obuf_depth = 4;
  return a;
}

bool in(const std::vector<IndexRange>& ranges, int64_t v) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const IndexRange& r) { return v >= r.lo && v <= r.hi; });
}

class SymbolicSelection : public testing::TestWithParam<std::string> {};

TEST_P(SymbolicSelection, EqualsMatchingEveryBitName) {
  const SiteMap map(small_config());
  const SitePattern pattern(GetParam());
  const SiteSelection selection(map, pattern);
  uint64_t expected = 0;
  for (uint64_t id = 0; id < map.size(); ++id) {
    const Site s = map.site(id);
    const bool want = pattern.matches(map.name(s));
    expected += want;
    bool got = false, got_lanes = false;
    if (!s.sram) {
      got = in(selection.group_bits(s.ff_group), s.bit);
    } else {
      const int64_t word_bit = int64_t(s.lane) * map.lane_bits(s.buffer) + s.bit;
      for (const auto& r : selection.buffer_rects(s.buffer))
        got |= s.word >= r.words.lo && s.word <= r.words.hi && word_bit >= r.bits.lo && word_bit <= r.bits.hi;
      int hits = 0;
      for (const auto& b : selection.lane_boxes(s.buffer))
        hits += s.word >= b.words.lo && s.word <= b.words.hi && s.lane >= b.lanes.lo && s.lane <= b.lanes.hi &&
                s.bit >= b.bits.lo && s.bit <= b.bits.hi;
      EXPECT_LE(hits, 1) << "lane boxes overlap at " << map.name(s);
      got_lanes = hits == 1;
      EXPECT_EQ(got_lanes, want) << GetParam() << " lane boxes on " << map.name(s);
    }
    ASSERT_EQ(got, want) << GetParam() << " on " << map.name(s);
  }
  EXPECT_EQ(selection.bits(), expected);
  uint64_t boxes = 0;
  for (int b = 0; b < kNumBuffers; ++b)
    for (const auto& box : selection.lane_boxes(Buffer(b))) boxes += box.count();
  EXPECT_EQ(boxes, selection.sram_bits());
}

INSTANTIATE_TEST_SUITE_P(Table, SymbolicSelection,
                         testing::Values("*", "*[1]", "*[0x1]", "*[1][2]", "*[1:2][3]", "array.*", "array.pe[1][*]*",
                                         "array.pe[*][1:2].*", "array.skew[*].stage[0]", "*bias*", "*.*",
                                         "ppu.acc_q[1:2][0:3]", "ctrl.state_q[2:1]", "wbuf", "wbuf[3:17][5:9]",
                                         "wbuf[*][2]", "wbuf[0x13][11]", "wbuf[3][2:9]", "wbuf*", "*buf[1]",
                                         "obuf[2:9]", "*buf[1:2][3:5]", "a*", "*[0]*[1]", "host.*_q[0]"));

TEST(DisjointUnion, MergesOverlapsAndNeighbours) {
  using Box = SitePattern::Box;
  EXPECT_EQ(disjoint_union({Box{{0, 3}}, Box{{2, 5}}, Box{{6, 6}}, Box{{9, 9}}}),
            (std::vector<Box>{Box{{0, 6}}, Box{{9, 9}}}));
  // Two crossing rectangles: a word range with every bit, and one bit of every word.
  const std::vector<Box> cross = disjoint_union({Box{{3, 3}, {0, 7}}, Box{{0, 9}, {5, 5}}});
  EXPECT_EQ(cross, (std::vector<Box>{Box{{0, 2}, {5, 5}}, Box{{3, 3}, {0, 7}}, Box{{4, 9}, {5, 5}}}));
  EXPECT_TRUE(disjoint_union({}).empty());
}

// ---- the default accelerator: documented patterns and errors ----

TEST(SitePattern, DocumentedPatternsSelectTheBitsTheGeometryGives) {
  const AccelConfig config;
  const SiteMap map(config);
  for (const auto& d : test::documented_patterns(config))
    EXPECT_EQ(select_sites(map, d.pattern).bits(), d.bits) << d.pattern;
  EXPECT_EQ(select_sites(map, "*").bits(), map.size());
}

TEST(SitePattern, EveryPatternInTheReadmeAndDocsIsCounted) {
  std::set<std::string> known;
  for (const auto& d : test::documented_patterns(AccelConfig{})) known.insert(d.pattern);
  known.insert("*");
  std::vector<std::string> shown = test::captures(test::read_source_file("README.md"), "--filter '([^']*)'");
  const std::string campaigns = test::read_source_file("docs/campaigns.md");
  for (const std::string& p : test::captures(campaigns, "pattern: \"([^\"]*)\"")) shown.push_back(p);
  // The examples table of the "Site patterns" section: one pattern per row, in the first column.
  const size_t start = campaigns.find("## Site patterns");
  ASSERT_NE(start, std::string::npos);
  const std::string section = campaigns.substr(start, campaigns.find("\n## ", start + 1) - start);
  const auto table = test::captures(section, "\n\\| `([^`]+)` \\|");
  EXPECT_GE(table.size(), 8u);
  shown.insert(shown.end(), table.begin(), table.end());
  for (const char* doc : {"docs/architecture.md", "docs/model.md", "docs/networks.md", "docs/findings.md"})
    for (const std::string& p : test::captures(test::read_source_file(doc), "--filter '([^']*)'")) shown.push_back(p);
  ASSERT_GE(shown.size(), 10u);
  for (const std::string& p : shown) EXPECT_EQ(known.count(p), 1u) << "documented pattern without a count: " << p;
}

TEST(SitePattern, SelectingNothingNamesTheNearestNames) {
  const SiteMap map(AccelConfig{});
  struct Case {
    std::string pattern, first_suggestion;
  };
  for (const Case& c : {Case{"array.pe[0][*].psm_q", "array.pe[0:7][0:7].psum_q (64 registers x 32 bits)"},
                        Case{"array.pe[8][*].psum_q", "array.pe[0:7][0:7].psum_q (64 registers x 32 bits)"},
                        Case{"wbuff[*]", "wbuf[0x0:0xfff] (4096 words x 64 bits)"},
                        Case{"wbuf[0x1000]", "wbuf[0x0:0xfff] (4096 words x 64 bits)"},
                        Case{"ctrl.state_q[3]", "ctrl.state_q (3 bits)"},
                        Case{"ctrl.bias[0]", "ctrl.bias_q[0:7] (8 registers x 32 bits)"}}) {
    try {
      select_sites(map, c.pattern);
      FAIL() << c.pattern;
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("site pattern '" + c.pattern + "' selects no fault site; the nearest names that exist:\n  " +
                               c.first_suggestion + "\n",
                           0),
                0u)
          << what;
      EXPECT_EQ(std::count(what.begin(), what.end(), '\n'), 6) << what;  // five suggestions and a pointer
    }
  }
}

TEST(SitePattern, DescribesWhatItSelectsAsPatterns) {
  const SiteMap map(AccelConfig{});
  const SiteSelection words(map, SitePattern("wbuf[0x1a0:0x1af]"));
  EXPECT_EQ(words.describe_buffer(Buffer::kWbuf), "wbuf[0x1a0:0x1af]");
  EXPECT_FALSE(words.whole_buffer(Buffer::kWbuf));
  const SiteSelection bit(map, SitePattern("wbuf[0x1a2][6]"));
  EXPECT_EQ(bit.describe_buffer(Buffer::kWbuf), "wbuf[0x1a2][6]");
  EXPECT_EQ(SiteSelection(map, SitePattern("wbuf[*]")).describe_buffer(Buffer::kWbuf), "wbuf");
  EXPECT_EQ(SiteSelection(map, SitePattern("wbuf[*][8:15]")).describe_buffer(Buffer::kWbuf), "wbuf[0x0:0xfff][8:15]");
  const SiteSelection state(map, SitePattern("ctrl.state_q[2:1]"));
  for (size_t g = 0; g < map.ff_groups().size(); ++g)
    if (map.ff_groups()[g].name == "ctrl.state_q") {
      EXPECT_EQ(state.describe_group(int(g)), "ctrl.state_q[1:2]");
      EXPECT_EQ(SiteSelection(map, SitePattern("ctrl.*")).describe_group(int(g)), "ctrl.state_q");
    }
}

TEST(SitePattern, LargeBuffersAreMatchedAsRangesNotBitByBit) {
  // 2^24 words x 64 bits: enumerating names would take minutes; ranges take microseconds.
  AccelConfig big;
  big.wbuf_depth = 1 << 24;
  const SiteMap map(big);
  const SiteSelection all(map, SitePattern("wbuf[*]"));
  EXPECT_EQ(all.bits(), (uint64_t(1) << 24) * uint64_t(big.cols) * uint64_t(big.data_bits));
  EXPECT_EQ(all.buffer_rects(Buffer::kWbuf).size(), 1u);
  const SiteSelection odd(map, SitePattern("wbuf[0x100000:0x1fffff][*]"));
  EXPECT_EQ(odd.bits(), (uint64_t(1) << 20) * uint64_t(big.cols) * uint64_t(big.data_bits));
}

}  // namespace
}  // namespace flipsim
