// The stored bits a data-level fault can flip: the weights of the accelerator layers and the input activations
// they read, as B-bit two's-complement values (B = the network's data_bits), or the bias buffer's words: the
// layers' biases, stored at the accumulator width and added to every output of their channel, and, when the PPU
// clips activations, each channel's clip range beside them ({hi, lo}, B bits each, as the RTL stores it).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// Which stored values a fault can hit ("both": weights and activations; "all": and the biases).
enum class FaultTarget { kWeights, kActivations, kBoth, kBiases, kAll };

/// "weights", "activations", "both", "biases" or "all".
const char* fault_target_name(FaultTarget target);

/// What kind of value a bit belongs to. A clip range's bits: 0..B-1 its lower bound, B..2B-1 its upper bound.
enum class SiteKind { kWeight, kActivation, kBias, kClip };

/// One stored bit to flip.
struct BitFlip {
  int layer = 0;                       ///< position in QNetwork::accel_ops() (0 = first accelerator layer)
  SiteKind kind = SiteKind::kWeight;
  uint32_t index = 0;  ///< weights: OHWI index; activations: HWC index into the layer's input; biases, clip: channel
  int bit = 0;         ///< 0 = LSB; the value's width - 1 = sign bit
  bool operator==(const BitFlip& o) const {
    return layer == o.layer && kind == o.kind && index == o.index && bit == o.bit;
  }
  bool operator<(const BitFlip& o) const;
};

/// The flippable bits, laid out as consecutive segments (one per layer and kind) so that a uniformly drawn bit
/// index maps to a site.
class FaultSpace {
 public:
  struct Segment {
    int layer = 0;           ///< accelerator layer position
    SiteKind kind = SiteKind::kWeight;
    uint64_t values = 0;     ///< stored values in the segment
    uint64_t first_bit = 0;  ///< global index of its first bit
    int value_bits = 8;      ///< bits per value: data_bits, or acc_bits for biases
  };

  /// All accelerator layers when `layers` is empty, else only those positions (each < accel_ops().size()).
  /// `acc_bits` is the width biases are stored at.
  FaultSpace(const nn::QNetwork& net, FaultTarget target, const std::vector<int>& layers = {},
             int acc_bits = AccelConfig().acc_bits);

  int data_bits() const { return data_bits_; }
  uint64_t total_bits() const { return total_bits_; }
  const std::vector<Segment>& segments() const { return segments_; }
  /// Stored bits of one layer and kind within this space (0 when not targeted).
  uint64_t bits_of(int layer, SiteKind kind) const;
  /// The site of global bit `g` (< total_bits()).
  BitFlip site(uint64_t g) const;

 private:
  int data_bits_ = 8;
  uint64_t total_bits_ = 0;
  std::vector<Segment> segments_;
};

/// How faults are drawn for one injection.
struct FaultModel {
  enum class Mode {
    kSingle,  ///< one uniformly drawn bit
    kMulti,   ///< `multi_bits` adjacent bits of one uniformly drawn value (a multi-bit upset in one word; values
              ///< of the data width only, not biases)
    kRate,    ///< every bit flips independently with probability `ber`
  };
  Mode mode = Mode::kRate;
  double ber = 0;      ///< per-bit error rate (kRate)
  int multi_bits = 2;  ///< kMulti
};

/// Draws the flips of one injection. kRate draws the count K ~ Binomial(total_bits, ber) and then K distinct bit
/// positions uniformly, which has exactly the distribution of independent per-bit flips. The result is sorted.
std::vector<BitFlip> sample_faults(const FaultSpace& space, const FaultModel& model, std::mt19937_64& rng);

/// A seed for one independent random stream from a campaign seed and up to three indices (splitmix64 mixing), so
/// that every injection's faults depend only on (seed, point, image, injection), not on run order or threads.
uint64_t stream_seed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

/// A uniform number in [0, 1) from a stream_seed() value: counter-based draws, the same whatever the order.
inline double unit_uniform(uint64_t h) { return double(h >> 11) * 0x1.0p-53; }

}  // namespace flipsim::model
