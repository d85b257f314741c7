// Site patterns: how users select fault sites by name (`flipsim sites --filter`, campaign `targets.pattern`).
// The language is documented once, in docs/campaigns.md ("Site patterns"). In short: brackets are the indices
// of the printed names (`array.pe[3][5].psum_q[17]`, `wbuf[0x1a2][46]`), and an index in a pattern is a number
// (decimal or 0x hex), an inclusive range `lo:hi` or `*`; `*` outside brackets matches any run of characters;
// trailing indices a pattern leaves out select every value (a register name alone selects all its bits).
//
// Matching is symbolic: a register is matched once with its bit index left free, a buffer once with its word
// and bit indices left free, and the result is a set of index ranges. No selection enumerates bits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/config_error.h"
#include "testbench/site_map.h"

namespace flipsim {

/// An inclusive range of index values.
struct IndexRange {
  int64_t lo = 0, hi = -1;
  bool empty() const { return hi < lo; }
  uint64_t size() const { return empty() ? 0 : uint64_t(hi - lo + 1); }
  bool operator==(const IndexRange& o) const { return lo == o.lo && hi == o.hi; }
  bool operator<(const IndexRange& o) const { return lo != o.lo ? lo < o.lo : hi < o.hi; }
};

/// A malformed pattern; the message names the character position and what was expected there.
class SitePatternError : public ConfigError {
 public:
  SitePatternError(const std::string& message, int position) : ConfigError(message), position_(position) {}
  /// 1-based character of the pattern where the error was found (length + 1: at the end).
  int position() const { return position_; }

 private:
  int position_;
};

class SitePattern {
 public:
  /// One box of index values: element d ranges over free index d of the matched name.
  using Box = std::vector<IndexRange>;

  /// Parses a pattern; throws SitePatternError when it is malformed.
  explicit SitePattern(std::string text);
  const std::string& text() const { return text_; }

  /// Matches `fixed`, a concrete name such as "ctrl.bias_q[3]", followed by one free index per element of
  /// `free` (each ranging over that element's values). Returns the selected values of the free indices as
  /// disjoint boxes, in a canonical order; empty when nothing matches.
  std::vector<Box> match(const std::string& fixed, const std::vector<IndexRange>& free) const;
  /// True if the pattern selects this one bit name ("array.pe[3][5].psum_q[17]", "wbuf[0x1a2][46]").
  bool matches(const std::string& name) const { return !match(name, {}).empty(); }

  struct Token {
    enum Kind { kChar, kStar, kIndex } kind = kChar;
    char c = 0;          ///< kChar
    IndexRange range;    ///< kIndex: the values it accepts ([*]: every value)
  };

 private:
  std::string text_;
  std::vector<Token> tokens_;
  std::string literal_prefix_;  ///< the characters before the first '*' or '[': most names fail on these
};

/// Disjoint boxes covering exactly the union of `boxes` (all of the same dimension), in a canonical order.
std::vector<SitePattern::Box> disjoint_union(std::vector<SitePattern::Box> boxes);

/// The fault sites of one accelerator that a pattern selects, per register and per buffer.
class SiteSelection {
 public:
  /// Bits of one SRAM buffer: `words` x `bits` (bit within the whole word, as in "wbuf[0x1a2][46]").
  struct SramRect {
    IndexRange words, bits;
    uint64_t count() const { return words.size() * bits.size(); }
  };
  /// The same bits split at lane boundaries (bit within the lane), the form a sampler walks.
  struct LaneBox {
    IndexRange words, lanes, bits;
    uint64_t count() const { return words.size() * lanes.size() * bits.size(); }
  };

  SiteSelection(const SiteMap& map, const SitePattern& pattern);

  const std::string& pattern() const { return pattern_; }
  /// Selected bits of flip-flop group `group` (index into SiteMap::ff_groups()): disjoint, ascending.
  const std::vector<IndexRange>& group_bits(int group) const { return group_bits_[size_t(group)]; }
  uint64_t group_count(int group) const;
  const std::vector<SramRect>& buffer_rects(Buffer b) const { return buffer_rects_[int(b)]; }
  std::vector<LaneBox> lane_boxes(Buffer b) const;
  uint64_t buffer_count(Buffer b) const;
  bool whole_buffer(Buffer b) const;

  uint64_t ff_bits() const { return ff_bits_; }
  uint64_t sram_bits() const { return sram_bits_; }
  uint64_t bits() const { return ff_bits_ + sram_bits_; }
  bool empty() const { return bits() == 0; }

  /// What is selected in one register or buffer, written as patterns: "array.pe[0][0].psum_q" (every bit),
  /// "ctrl.state_q[0:1]", "wbuf[0x1a0:0x1af]".
  std::string describe_group(int group) const;
  std::string describe_buffer(Buffer b) const;

 private:
  const SiteMap& map_;
  std::string pattern_;
  std::vector<std::vector<IndexRange>> group_bits_;
  std::vector<SramRect> buffer_rects_[kNumBuffers];
  uint64_t ff_bits_ = 0, sram_bits_ = 0;
};

/// Parses `pattern` and selects its sites. Throws ConfigError when the pattern is malformed, or when it selects
/// nothing (the message then lists the nearest names that exist).
SiteSelection select_sites(const SiteMap& map, const std::string& pattern);

/// The `count` families of existing names nearest to `pattern` by edit distance, each written as a pattern
/// with its index ranges and sizes: "array.pe[0:7][0:7].psum_q (64 registers x 32 bits)".
std::vector<std::string> nearest_site_names(const SiteMap& map, const std::string& pattern, int count);

}  // namespace flipsim
