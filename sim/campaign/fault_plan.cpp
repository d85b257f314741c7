#include "sim/campaign/fault_plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "model/common/config_error.h"
#include "testbench/site_pattern.h"

namespace flipsim {

namespace {

bool in(int v, int lo, int hi) { return v < 0 || (v >= lo && v <= hi); }

bool class_selected(const TargetFilter& t, SiteClass c) {
  return t.classes.empty() || std::find(t.classes.begin(), t.classes.end(), c) != t.classes.end();
}

bool model_reaches(FaultModel m, bool sram) {
  switch (m) {
    case FaultModel::kStuckAt0:
    case FaultModel::kStuckAt1: return !sram;
    case FaultModel::kSramFlip:
    case FaultModel::kSramBer: return sram;
    default: return true;
  }
}

}  // namespace

TargetSpace::TargetSpace(const SiteMap& map, const CampaignConfig& config) : map_(map) {
  const TargetFilter& t = config.targets;
  const SiteSelection selection = [&] {
    try {
      return select_sites(map, t.pattern);
    } catch (const ConfigError& e) {
      throw ConfigError(config.file + ": campaign.targets.pattern: " + e.what());
    }
  }();
  for (size_t g = 0; g < map.ff_groups().size(); ++g) {
    const FfGroup& group = map.ff_groups()[g];
    if (!model_reaches(config.fault, false) || !class_selected(t, group.cls)) continue;
    if (!in(group.row, t.row_min, t.row_max) || !in(group.col, t.col_min, t.col_max)) continue;
    for (const IndexRange& r : selection.group_bits(int(g))) {
      const int lo = std::max(t.bit_min, int(r.lo)), hi = std::min(t.bit_max, int(r.hi));
      if (lo <= hi) ranges_.push_back(Range{false, int(g), Buffer::kAbuf, lo, hi, uint64_t(hi - lo + 1), 0, 0, 0});
    }
  }
  for (int b = 0; b < kNumBuffers; ++b) {
    const Buffer buffer = Buffer(b);
    const SiteClass cls = SiteClass(int(SiteClass::kAbuf) + b);
    if (!model_reaches(config.fault, true) || !class_selected(t, cls)) continue;
    if (config.fault == FaultModel::kSramBer && selection.buffer_count(buffer) > 0 && !selection.whole_buffer(buffer))
      throw ConfigError(config.file + ": campaign.targets.pattern '" + t.pattern + "' selects part of " +
                        buffer_name(buffer) + " (" + selection.describe_buffer(buffer) +
                        "); sram_ber flips bits anywhere in a selected buffer, so select whole buffers");
    const size_t before = ranges_.size();
    for (const SiteSelection::LaneBox& box : selection.lane_boxes(buffer)) {
      const int lo = std::max(t.bit_min, int(box.bits.lo)), hi = std::min(t.bit_max, int(box.bits.hi));
      if (lo <= hi)
        ranges_.push_back(Range{true, 0, buffer, lo, hi, box.words.size() * box.lanes.size() * uint64_t(hi - lo + 1),
                                int(box.words.lo), int(box.lanes.lo), int(box.lanes.size())});
    }
    if (ranges_.size() > before) buffers_.push_back(buffer);
  }
  for (size_t i = 0; i < ranges_.size(); ++i) {
    const Range& r = ranges_[i];
    starts_.push_back(total_);
    total_ += r.count;
    const SiteClass cls = r.sram ? SiteClass(int(SiteClass::kAbuf) + int(r.buffer)) : map.ff_groups()[size_t(r.group)].cls;
    auto it = std::find(classes_.begin(), classes_.end(), cls);
    if (it == classes_.end()) {
      classes_.push_back(cls);
      by_class_.emplace_back();
      it = classes_.end() - 1;
    }
    ClassRanges& c = by_class_[size_t(it - classes_.begin())];
    c.ranges.push_back(i);
    c.starts.push_back(c.total);
    c.total += r.count;
  }
  if (total_ == 0)
    throw ConfigError(config.file + ": campaign.targets select no fault site for fault model " +
                      fault_model_name(config.fault));
}

Site TargetSpace::pick(uint64_t index) const {
  const size_t r = size_t(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
  return site_in(ranges_[r], index - starts_[r]);
}

Site TargetSpace::pick_in_class(size_t c, uint64_t index) const {
  const ClassRanges& k = by_class_[c];
  const size_t r = size_t(std::upper_bound(k.starts.begin(), k.starts.end(), index) - k.starts.begin()) - 1;
  return site_in(ranges_[k.ranges[r]], index - k.starts[r]);
}

Site TargetSpace::site_in(const Range& range, uint64_t within) const {
  const uint64_t bits = uint64_t(range.bit_hi - range.bit_lo + 1);
  if (!range.sram) {
    return map_.site(map_.group_first_site(range.group) + uint64_t(range.bit_lo) + within);
  }
  const int lanes = map_.lanes(range.buffer), lane_bits = map_.stored_bits(range.buffer);
  const uint64_t word = uint64_t(range.word_lo) + within / (uint64_t(range.lanes) * bits);
  const uint64_t lane = uint64_t(range.lane_lo) + (within / bits) % uint64_t(range.lanes);
  const uint64_t bit = uint64_t(range.bit_lo) + within % bits;
  return map_.site(map_.buffer_first_site(range.buffer) + (word * uint64_t(lanes) + lane) * uint64_t(lane_bits) + bit);
}

uint64_t Timeline::total() const {
  uint64_t t = 0;
  for (uint64_t c : pass_cycles) t += c;
  return t;
}

std::string Timeline::to_json() const {
  return nlohmann::json{{"pass_cycles", pass_cycles}, {"pass_layer", pass_layer}}.dump();
}

Timeline Timeline::from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  Timeline t;
  t.pass_cycles = j.at("pass_cycles").get<std::vector<uint64_t>>();
  t.pass_layer = j.at("pass_layer").get<std::vector<std::string>>();
  return t;
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t n) {
  const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % n);
  uint64_t x;
  do x = next();
  while (x >= limit);
  return x % n;
}

double SplitMix64::unit() { return double(next() >> 11) * 0x1.0p-53; }

Injection draw_injection(uint64_t id, const CampaignConfig& config, const TargetSpace& space, const SiteMap& map,
                         const Timeline& timeline) {
  SplitMix64 rng(config.seed * 0x2545f4914f6cdd1dull + id);
  rng.next();
  Injection inj;
  inj.id = id;
  inj.model = config.fault;
  inj.image = config.images[rng.below(config.images.size())];  // drawn either way: the later draws stay the same
  if (config.images_in_turn) inj.image = config.images[id % config.images.size()];
  inj.stream = rng.next();
  const bool permanent =
      (config.fault == FaultModel::kStuckAt0 || config.fault == FaultModel::kStuckAt1) && config.duration == 0;
  inj.cycle = (permanent || config.fault == FaultModel::kSramBer) ? 0 : rng.below(timeline.total());
  uint64_t rest = inj.cycle;
  while (inj.pass + 1 < int(timeline.pass_cycles.size()) && rest >= timeline.pass_cycles[inj.pass])
    rest -= timeline.pass_cycles[inj.pass++];
  inj.offset = rest;
  if (config.fault == FaultModel::kSramBer) {
    inj.ber = config.ber;
    inj.ber_buffers = space.buffers();
    return inj;
  }

  inj.has_site = true;
  if (config.targets.per_class) {
    const size_t c = size_t(rng.below(space.classes().size()));
    inj.site = space.pick_in_class(c, rng.below(space.class_size(c)));
  } else {
    inj.site = space.pick(rng.below(space.size()));
  }
  // A multi-bit fault stays inside the register (or the stored lane) it starts in.
  const int end = inj.site.sram ? map.stored_bits(inj.site.buffer)
                                : map.ff_groups()[inj.site.ff_group].lsb + map.ff_groups()[inj.site.ff_group].width;
  const int bits = config.fault == FaultModel::kMultiBit ? config.fault_bits : 1;
  for (int b = inj.site.bit; b < inj.site.bit + bits && b < end; ++b) inj.mask |= uint64_t(1) << b;
  if (config.fault == FaultModel::kStuckAt0 || config.fault == FaultModel::kStuckAt1) inj.hold = config.duration;
  return inj;
}

uint64_t watchdog_cycles(const Timeline& t, double factor) {
  const uint64_t longest = t.pass_cycles.empty() ? 0 : *std::max_element(t.pass_cycles.begin(), t.pass_cycles.end());
  return uint64_t(double(longest) * factor) + 1000;
}

double fault_population(const CampaignConfig& config, const TargetSpace& space, const Timeline& timeline) {
  return double(space.size()) * double(std::max<uint64_t>(1, timeline.total())) * double(config.images.size());
}

}  // namespace flipsim
