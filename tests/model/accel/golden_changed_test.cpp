// golden_conv_changed (the campaign's faulty layers from their golden run) against the direct convolution it
// replaces, on random layers of every shape the accelerator takes and inputs changed in one, a few or most places.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "model/accel/golden.h"
#include "model/accel/requant.h"
#include "testbench/random_layer.h"

namespace flipsim {
namespace {

TEST(GoldenConvChanged, EqualsTheDirectConvolutionOnRandomLayersAndChanges) {
  std::mt19937_64 rng(17);
  const auto pick = [&](int lo, int hi) { return lo + int(rng() % uint64_t(hi - lo + 1)); };
  int compared = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int data_bits = trial % 2 ? 16 : 8, acc_bits = data_bits == 16 ? 48 : 32;
    ConvShape s;
    s.kernel = pick(1, 5);
    s.stride = pick(1, 3);
    s.pad = pick(0, s.kernel - 1);
    s.in_h = pick(s.kernel, 12);
    s.in_w = trial % 5 == 0 ? 1 : pick(s.kernel, 12);  // some one pixel wide, as dense layers are
    if (s.in_w < s.kernel) s.pad = std::max(s.pad, s.kernel - 1);
    s.in_channels = pick(1, 9);
    s.out_channels = pick(1, 12);
    const ValueMix mix = trial % 3 ? ValueMix::kUniform : ValueMix::kExtreme;
    ConvLayer layer = random_conv(s, data_bits, mix, rng);
    if (trial % 4 == 0) add_random_clip(layer, data_bits, rng);
    const FeatureMap golden = random_map(s.in_h, s.in_w, s.in_channels, data_bits, mix, rng);
    const FeatureMap golden_out = golden_conv(golden, layer, data_bits, acc_bits);
    const std::vector<int64_t> accumulators = layer_accumulators(golden, layer, acc_bits);
    const int values = int(golden.data.size());
    for (int changes : {0, 1, 2, 5, values / 3, values}) {
      FeatureMap faulty = golden;
      for (int k = 0; k < changes; ++k) {
        int32_t& v = faulty.data[rng() % golden.data.size()];
        v = int32_t(wrap_to_bits(int64_t(v) ^ (int64_t(1) << (rng() % uint64_t(data_bits))), data_bits));
      }
      ASSERT_EQ(golden_conv_changed(faulty, golden, accumulators, golden_out, layer, data_bits, acc_bits),
                golden_conv(faulty, layer, data_bits, acc_bits))
          << "trial " << trial << ", " << changes << " changes, kernel " << s.kernel << " stride " << s.stride
          << " pad " << s.pad << ", " << s.in_h << "x" << s.in_w << "x" << s.in_channels << " -> " << s.out_channels;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 2400);
}

}  // namespace
}  // namespace flipsim
