// Turns (campaign config, seed, injection id) into one concrete injection: which image, which site, which
// bits, at which cycle. A pure function: the same id gives the same injection in any worker or run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testbench/site_map.h"
#include "sim/campaign/campaign_config.h"

namespace flipsim {

/// The sites a campaign samples from, uniformly.
class TargetSpace {
 public:
  /// Throws ConfigError (naming the campaign file) when the filter selects nothing.
  TargetSpace(const SiteMap& map, const CampaignConfig& config);
  uint64_t size() const { return total_; }
  /// The index-th selected site, index in [0, size()).
  Site pick(uint64_t index) const;
  /// Buffers selected (SRAM bit-error-rate mode flips bits of these).
  const std::vector<Buffer>& buffers() const { return buffers_; }
  /// The site classes with selected sites (targets.per_class draws a class first, uniformly, then a site).
  const std::vector<SiteClass>& classes() const { return classes_; }
  uint64_t class_size(size_t c) const { return by_class_[c].total; }
  /// The index-th selected site of classes()[c], index in [0, class_size(c)).
  Site pick_in_class(size_t c, uint64_t index) const;

 private:
  struct Range {
    bool sram = false;
    int group = 0;  ///< flip-flop group index
    Buffer buffer = Buffer::kAbuf;
    int bit_lo = 0, bit_hi = 0;
    uint64_t count = 0;
    int word_lo = 0, lane_lo = 0, lanes = 0;  ///< SRAM: the words and lanes a site pattern selects
  };
  struct ClassRanges {
    std::vector<size_t> ranges;  ///< indices into ranges_
    std::vector<uint64_t> starts;
    uint64_t total = 0;
  };
  Site site_in(const Range& range, uint64_t within) const;

  const SiteMap& map_;
  std::vector<Range> ranges_;
  std::vector<SiteClass> classes_;
  std::vector<ClassRanges> by_class_;
  std::vector<uint64_t> starts_;
  std::vector<Buffer> buffers_;
  uint64_t total_ = 0;
};

/// The fault-free run's accelerator passes: busy cycles and layer of each, in order. Transient faults land
/// on a uniformly random busy cycle of the whole inference.
struct Timeline {
  std::vector<uint64_t> pass_cycles;
  std::vector<std::string> pass_layer;
  uint64_t total() const;
  std::string to_json() const;
  static Timeline from_json(const std::string& text);
};

/// Deterministic 64-bit generator (SplitMix64): identical streams on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [0, n), without modulo bias.
  uint64_t below(uint64_t n);
  double unit();  ///< uniform in [0, 1)

 private:
  uint64_t state_;
};

Injection draw_injection(uint64_t id, const CampaignConfig& config, const TargetSpace& space, const SiteMap& map,
                         const Timeline& timeline);

/// Per-pass watchdog: `factor` times the longest fault-free pass, plus slack for short passes.
uint64_t watchdog_cycles(const Timeline& timeline, double factor);

/// Population for statistical sizing: selected sites x busy cycles x images.
double fault_population(const CampaignConfig& config, const TargetSpace& space, const Timeline& timeline);

}  // namespace flipsim
