#include "testbench/site_pattern.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>

namespace flipsim {

namespace {

constexpr int64_t kMaxIndex = std::numeric_limits<int32_t>::max();
constexpr IndexRange kAnyIndex{0, std::numeric_limits<int64_t>::max()};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

IndexRange intersect(const IndexRange& a, const IndexRange& b) {
  return {std::max(a.lo, b.lo), std::min(a.hi, b.hi)};
}

std::string hex(int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string range_text(const IndexRange& r, bool as_hex) {
  auto num = [&](int64_t v) { return as_hex ? hex(v) : std::to_string(v); };
  return "[" + (r.lo == r.hi ? num(r.lo) : num(r.lo) + ":" + num(r.hi)) + "]";
}

// Recursive descent over the grammar in docs/campaigns.md; every failure names the position and the
// expectation, because a pattern is typed by hand and the brackets make typos easy.
class PatternParser {
 public:
  explicit PatternParser(const std::string& text) : s_(text) {}

  std::vector<SitePattern::Token> parse() {
    if (s_.empty()) fail("a register or buffer name, or '*'");
    for (;;) {  // one dot-separated segment
      if (!is_name_char(peek()) && peek() != '*') fail("a name (letters, digits, '_') or '*'");
      for (;;) {
        while (is_name_char(peek()) || peek() == '*') {
          // Consecutive stars match what one star matches; keeping one keeps the matcher's table small.
          if (peek() != '*') {
            push(SitePattern::Token::kChar, peek());
          } else if (out_.empty() || out_.back().kind != SitePattern::Token::kStar) {
            push(SitePattern::Token::kStar);
          }
          ++pos_;
        }
        bool indexed = false;
        while (peek() == '[') {
          parse_index();
          indexed = true;
        }
        // No name has a letter right after an index, but "array.pe[0]*" is a natural way to say "all of it".
        if (indexed && peek() == '*') continue;
        if (pos_ == s_.size()) return out_;
        if (peek() == '.') break;
        fail(indexed ? "'.', '[', '*' or the end of the pattern"
                     : "a letter, digit, '_', '*', '[', '.' or the end of the pattern");
      }
      push(SitePattern::Token::kChar, '.');
      ++pos_;
    }
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  void push(SitePattern::Token::Kind kind, char c = 0, IndexRange range = {}) {
    SitePattern::Token t;
    t.kind = kind;
    t.c = c;
    t.range = range;
    out_.push_back(t);
  }

  [[noreturn]] void fail(const std::string& expected) const {
    const std::string found = pos_ < s_.size() ? "'" + std::string(1, s_[pos_]) + "'" : "the end of the pattern";
    throw SitePatternError("site pattern '" + s_ + "': at character " + std::to_string(pos_ + 1) + ", expected " +
                               expected + ", found " + found + "\n  " + s_ + "\n  " + std::string(pos_, ' ') + "^",
                           int(pos_) + 1);
  }

  void parse_index() {
    ++pos_;  // '['
    IndexRange r = kAnyIndex;
    bool range = false;
    if (peek() == '*') {
      ++pos_;
      range = true;  // only ']' may follow
    } else {
      r.lo = r.hi = number("an index: a number (decimal or 0x hex), a range lo:hi, or '*'");
      if (peek() == ':') {
        ++pos_;
        r.hi = number("a number after ':' (a range is lo:hi, both included)");
        range = true;
        if (r.lo > r.hi) std::swap(r.lo, r.hi);  // [7:0] reads like a SystemVerilog part-select
      }
    }
    if (peek() != ']') fail(range ? "']'" : "':' or ']'");
    ++pos_;
    push(SitePattern::Token::kIndex, 0, r);
  }

  int64_t number(const std::string& expected) {
    if (!is_digit(peek())) fail(expected);
    const size_t start = pos_;
    int64_t v = 0;
    const bool is_hex = peek() == '0' && pos_ + 1 < s_.size() && (s_[pos_ + 1] == 'x' || s_[pos_ + 1] == 'X');
    if (is_hex) {
      pos_ += 2;
      if (hex_value(peek()) < 0) fail("hex digits after '0x'");
    }
    const int base = is_hex ? 16 : 10;
    while (is_hex ? hex_value(peek()) >= 0 : is_digit(peek())) {
      v = v * base + hex_value(peek());
      ++pos_;
      if (v > kMaxIndex) {
        pos_ = start;
        fail("an index of at most " + std::to_string(kMaxIndex));
      }
    }
    return v;
  }

  const std::string& s_;
  size_t pos_ = 0;
  std::vector<SitePattern::Token> out_;
};

// A name to match: its characters, its concrete indices, and the free indices appended after it.
struct NameToken {
  enum Kind { kChar, kFixed, kFree } kind = kChar;
  char c = 0;
  int64_t value = 0;  ///< kFixed
  size_t dim = 0;     ///< kFree
};

std::vector<NameToken> tokenize_name(const std::string& name, size_t free_indices) {
  std::vector<NameToken> out;
  for (size_t i = 0; i < name.size();) {
    if (name[i] != '[') {
      out.push_back({NameToken::kChar, name[i++], 0, 0});
      continue;
    }
    // Decimal, or hex after "0x", as SiteMap prints them (never octal: "010" is ten).
    const size_t close = name.find(']', i);
    const bool is_hex = i + 2 < name.size() && name[i + 1] == '0' && (name[i + 2] == 'x' || name[i + 2] == 'X');
    size_t k = i + (is_hex ? 3 : 1);
    int64_t v = 0;
    for (; k < close && k < name.size() && (is_hex ? hex_value(name[k]) >= 0 : is_digit(name[k])) && v <= kMaxIndex;
         ++k)
      v = v * (is_hex ? 16 : 10) + hex_value(name[k]);
    if (close == std::string::npos || k != close || k == i + (is_hex ? 3 : 1))
      throw std::invalid_argument("not a site name (an index is [number]): " + name);
    out.push_back({NameToken::kFixed, 0, v, 0});
    i = close + 1;
  }
  for (size_t d = 0; d < free_indices; ++d) out.push_back({NameToken::kFree, 0, 0, d});
  return out;
}

void sort_unique(std::vector<SitePattern::Box>* boxes) {
  std::sort(boxes->begin(), boxes->end());
  boxes->erase(std::unique(boxes->begin(), boxes->end()), boxes->end());
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "array.pe[3][*].psum_q" -> "array.pe[][].psum_q": the shape of a name, so that suggestions rank names by
// their spelling rather than by index values.
std::string without_indices(const std::string& s) {
  std::string out;
  bool inside = false;
  for (char c : s) {
    if (c == '[') inside = true;
    if (!inside || c == '[' || c == ']') out += c;
    if (c == ']') inside = false;
  }
  return out;
}

}  // namespace

SitePattern::SitePattern(std::string text) : text_(std::move(text)), tokens_(PatternParser(text_).parse()) {
  for (const Token& t : tokens_) {
    if (t.kind != Token::kChar) break;
    literal_prefix_ += t.c;
  }
}

std::vector<SitePattern::Box> SitePattern::match(const std::string& fixed, const std::vector<IndexRange>& free) const {
  if (fixed.compare(0, literal_prefix_.size(), literal_prefix_) != 0) return {};
  const std::vector<NameToken> name = tokenize_name(fixed, free.size());
  const size_t np = tokens_.size(), nn = name.size();
  // Glob matching by dynamic programming, carrying what the match requires of the free indices:
  // at(i, j) holds the boxes of free-index values for which tokens_[i..] matches name[j..].
  std::vector<std::vector<Box>> table((np + 1) * (nn + 1));
  auto at = [&](size_t i, size_t j) -> std::vector<Box>& { return table[i * (nn + 1) + j]; };
  // The end of the pattern matches a rest of the name made of indices only: left-out trailing indices
  // select every value (a register name alone selects all its bits).
  for (size_t j = nn + 1; j-- > 0;)
    if (j == nn || (name[j].kind != NameToken::kChar && !at(np, j + 1).empty())) at(np, j) = {free};
  for (size_t i = np; i-- > 0;) {
    const Token& p = tokens_[i];
    for (size_t j = nn + 1; j-- > 0;) {
      std::vector<Box>& out = at(i, j);
      if (p.kind == Token::kStar) {
        out = at(i + 1, j);  // the star matches nothing more
        if (j < nn) {        // or takes name[j] (a character or a whole index) and goes on
          const std::vector<Box>& more = at(i, j + 1);
          out.insert(out.end(), more.begin(), more.end());
          sort_unique(&out);
        }
        continue;
      }
      if (j == nn) continue;
      const NameToken& t = name[j];
      const std::vector<Box>& next = at(i + 1, j + 1);
      if (p.kind == Token::kChar) {
        if (t.kind == NameToken::kChar && t.c == p.c) out = next;
      } else if (t.kind == NameToken::kFixed) {
        if (t.value >= p.range.lo && t.value <= p.range.hi) out = next;
      } else if (t.kind == NameToken::kFree) {
        for (Box b : next) {
          b[t.dim] = intersect(b[t.dim], p.range);
          if (!b[t.dim].empty()) out.push_back(std::move(b));
        }
      }
    }
  }
  return disjoint_union(at(0, 0));
}

std::vector<SitePattern::Box> disjoint_union(std::vector<SitePattern::Box> boxes) {
  using Box = SitePattern::Box;
  if (boxes.empty()) return {};
  if (boxes[0].empty()) return {Box{}};
  // Cut the first dimension at every box edge; within a slab the same boxes apply, so recurse on the rest
  // and merge neighbouring slabs whose rest is the same.
  std::vector<int64_t> cuts;
  for (const Box& b : boxes) {
    cuts.push_back(b[0].lo);
    cuts.push_back(b[0].hi + 1);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<Box> out;
  IndexRange slab;
  std::vector<Box> slab_rest;
  auto flush = [&] {
    for (const Box& r : slab_rest) {
      Box b{slab};
      b.insert(b.end(), r.begin(), r.end());
      out.push_back(std::move(b));
    }
  };
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const IndexRange here{cuts[k], cuts[k + 1] - 1};
    std::vector<Box> rest;
    for (const Box& b : boxes)
      if (b[0].lo <= here.lo && b[0].hi >= here.hi) rest.emplace_back(b.begin() + 1, b.end());
    rest = disjoint_union(std::move(rest));
    if (!slab_rest.empty() && rest == slab_rest && slab.hi + 1 == here.lo) {
      slab.hi = here.hi;
      continue;
    }
    flush();
    slab = here;
    slab_rest = std::move(rest);
  }
  flush();
  return out;
}

SiteSelection::SiteSelection(const SiteMap& map, const SitePattern& pattern)
    : map_(map), pattern_(pattern.text()), group_bits_(map.ff_groups().size()) {
  for (size_t g = 0; g < map.ff_groups().size(); ++g) {
    const FfGroup& group = map.ff_groups()[g];
    for (const SitePattern::Box& b : pattern.match(group.name, {{0, group.width - 1}})) {
      group_bits_[g].push_back(b[0]);
      ff_bits_ += b[0].size();
    }
  }
  for (int i = 0; i < kNumBuffers; ++i) {
    const Buffer b = Buffer(i);
    const IndexRange words{0, map.depth(b) - 1}, bits{0, int64_t(map.lanes(b)) * map.stored_bits(b) - 1};
    for (const SitePattern::Box& box : pattern.match(buffer_name(b), {words, bits})) {
      buffer_rects_[i].push_back({box[0], box[1]});
      sram_bits_ += buffer_rects_[i].back().count();
    }
  }
}

uint64_t SiteSelection::group_count(int group) const {
  uint64_t n = 0;
  for (const IndexRange& r : group_bits(group)) n += r.size();
  return n;
}

uint64_t SiteSelection::buffer_count(Buffer b) const {
  uint64_t n = 0;
  for (const SramRect& r : buffer_rects(b)) n += r.count();
  return n;
}

bool SiteSelection::whole_buffer(Buffer b) const {
  return buffer_count(b) == uint64_t(map_.depth(b)) * map_.lanes(b) * map_.stored_bits(b);
}

std::vector<SiteSelection::LaneBox> SiteSelection::lane_boxes(Buffer b) const {
  const int64_t lane_bits = map_.stored_bits(b);
  std::vector<LaneBox> out;
  for (const SramRect& r : buffer_rects(b)) {
    const int64_t first = r.bits.lo / lane_bits, last = r.bits.hi / lane_bits;
    const int64_t lo = r.bits.lo % lane_bits, hi = r.bits.hi % lane_bits;
    if (first == last) {
      out.push_back({r.words, {first, first}, {lo, hi}});
      continue;
    }
    // A partial first lane, whole lanes, a partial last lane.
    int64_t full_lo = first, full_hi = last;
    if (lo != 0) {
      out.push_back({r.words, {first, first}, {lo, lane_bits - 1}});
      ++full_lo;
    }
    if (hi != lane_bits - 1) --full_hi;
    if (full_lo <= full_hi) out.push_back({r.words, {full_lo, full_hi}, {0, lane_bits - 1}});
    if (hi != lane_bits - 1) out.push_back({r.words, {last, last}, {0, hi}});
  }
  return out;
}

std::string SiteSelection::describe_group(int group) const {
  const FfGroup& g = map_.ff_groups()[size_t(group)];
  const std::vector<IndexRange>& bits = group_bits(group);
  if (bits.size() == 1 && bits[0] == IndexRange{0, g.width - 1}) return g.name;
  std::string out;
  for (const IndexRange& r : bits) out += (out.empty() ? "" : ", ") + g.name + range_text(r, false);
  return out;
}

std::string SiteSelection::describe_buffer(Buffer b) const {
  if (whole_buffer(b)) return buffer_name(b);
  const IndexRange all_words{0, map_.depth(b) - 1}, all_bits{0, int64_t(map_.lanes(b)) * map_.stored_bits(b) - 1};
  std::string out;
  for (const SramRect& r : buffer_rects(b)) {
    std::string one = buffer_name(b);
    if (!(r.words == all_words) || !(r.bits == all_bits)) one += range_text(r.words, true);
    if (!(r.bits == all_bits)) one += range_text(r.bits, false);
    out += (out.empty() ? "" : ", ") + one;
  }
  return out;
}

SiteSelection select_sites(const SiteMap& map, const std::string& pattern) {
  SiteSelection selection(map, SitePattern(pattern));
  if (selection.empty()) {
    std::string message = "site pattern '" + pattern + "' selects no fault site; the nearest names that exist:";
    for (const std::string& n : nearest_site_names(map, pattern, 5)) message += "\n  " + n;
    message += "\n(`flipsim sites --list` prints every register; patterns: docs/campaigns.md, \"Site patterns\")";
    throw ConfigError(message);
  }
  return selection;
}

std::vector<std::string> nearest_site_names(const SiteMap& map, const std::string& pattern, int count) {
  // Registers that differ only in their indices form one family ("array.pe[0:7][0:7].psum_q"): suggesting
  // 64 PEs one by one would hide the other spellings.
  struct Family {
    std::string shape;
    std::vector<IndexRange> indices;
    bool sram = false;
    uint64_t members = 0;
    int min_width = 0, max_width = 0;
    std::string text;
  };
  std::vector<Family> families;
  std::map<std::string, size_t> by_shape;
  for (const FfGroup& g : map.ff_groups()) {
    const std::string shape = without_indices(g.name);
    std::vector<IndexRange> indices;
    for (const NameToken& t : tokenize_name(g.name, 0))
      if (t.kind == NameToken::kFixed) indices.push_back({t.value, t.value});
    auto [it, fresh] = by_shape.emplace(shape, families.size());
    if (fresh) {
      families.push_back({shape, indices, false, 0, g.width, g.width, ""});
    }
    Family& f = families[it->second];
    for (size_t d = 0; d < indices.size(); ++d)
      f.indices[d] = {std::min(f.indices[d].lo, indices[d].lo), std::max(f.indices[d].hi, indices[d].hi)};
    ++f.members;
    f.min_width = std::min(f.min_width, g.width);
    f.max_width = std::max(f.max_width, g.width);
  }
  for (auto& f : families) {
    std::string text;
    size_t d = 0;
    for (char c : f.shape) {
      if (c == '[') continue;
      text += c == ']' ? range_text(f.indices[d++], false) : std::string(1, c);
    }
    const std::string width = f.min_width == f.max_width
                                  ? std::to_string(f.min_width) + (f.min_width == 1 ? " bit" : " bits")
                                  : std::to_string(f.min_width) + "-" + std::to_string(f.max_width) + " bits";
    f.text = text + " (" + (f.members == 1 ? "" : std::to_string(f.members) + " registers x ") + width + ")";
  }
  for (int i = 0; i < kNumBuffers; ++i) {
    const Buffer b = Buffer(i);
    const IndexRange words{0, map.depth(b) - 1};
    families.push_back({std::string(buffer_name(b)) + "[]", {words}, true, uint64_t(map.depth(b)), 0, 0,
                        buffer_name(b) + range_text(words, true) + " (" + std::to_string(map.depth(b)) +
                            " words x " + std::to_string(map.lanes(b) * map.stored_bits(b)) + " bits)"});
  }
  // Rank by the spelling of the name first, then by the whole text (indices included), then map order.
  const std::string shape = without_indices(pattern);
  std::vector<std::pair<std::pair<size_t, size_t>, size_t>> ranked;
  for (size_t k = 0; k < families.size(); ++k)
    ranked.push_back({{edit_distance(shape, families[k].shape),
                       edit_distance(pattern, families[k].text.substr(0, families[k].text.find(' ')))},
                      k});
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t k = 0; k < ranked.size() && int(out.size()) < count; ++k) out.push_back(families[ranked[k].second].text);
  return out;
}

}  // namespace flipsim
