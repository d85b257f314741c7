// The model's exact moments against brute-force enumeration of every flip pattern on tiny layers, and its
// normal-distribution building blocks against sampling.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "testbench/random_layer.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/data_model.h"
#include "model/soft_error/local_moments.h"
#include "model/soft_error/moment_model.h"
#include "model/soft_error/normal_math.h"
#include "model/common/stats.h"

namespace flipsim::model {
namespace {

// Accumulator of output (oy, ox, o) written out directly (padding reads zero), independent of the model code.
int64_t acc_at(const ConvLayer& l, const FeatureMap& in, int oy, int ox, int o) {
  int64_t acc = l.bias.empty() ? 0 : l.bias[size_t(o)];
  for (int ky = 0; ky < l.kernel_h; ++ky)
    for (int kx = 0; kx < l.kernel_w; ++kx) {
      const int iy = oy * l.stride - l.pad + ky, ix = ox * l.stride - l.pad + kx;
      if (iy < 0 || ix < 0 || iy >= in.height || ix >= in.width) continue;
      for (int i = 0; i < l.in_channels; ++i) acc += int64_t(in.at(iy, ix, i)) * l.weight(o, ky, kx, i);
    }
  return acc;
}

// Exact mean and variance of every accumulator's disturbance, summed over all 2^(bits) flip patterns with their
// probabilities (weight bits flip with pw, input bits with pa).
MapMoments enumerate(const ConvLayer& l, const FeatureMap& in, int bits, double pw, double pa) {
  const int nw = int(l.weights.size()) * bits, nx = int(in.data.size()) * bits;
  const int oh = l.out_height(in.height), ow = l.out_width(in.width);
  const size_t outs = size_t(oh) * ow * l.out_channels;
  std::vector<int64_t> golden(outs);
  for (int oy = 0, k = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int o = 0; o < l.out_channels; ++o, ++k) golden[size_t(k)] = acc_at(l, in, oy, ox, o);
  std::vector<double> m1(outs), m2(outs);
  for (uint64_t mask = 0; mask < (uint64_t(1) << (nw + nx)); ++mask) {
    double prob = 1;
    ConvLayer f = l;
    FeatureMap x = in;
    for (int b = 0; b < nw + nx; ++b) {
      const bool flip = (mask >> b) & 1;
      const double p = b < nw ? pw : pa;
      prob *= flip ? p : 1 - p;
      if (!flip) continue;
      if (b < nw)
        f.weights[size_t(b / bits)] = flip_bit(f.weights[size_t(b / bits)], b % bits, bits);
      else
        x.data[size_t((b - nw) / bits)] = flip_bit(x.data[size_t((b - nw) / bits)], (b - nw) % bits, bits);
    }
    if (prob == 0) continue;
    for (int oy = 0, k = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int o = 0; o < l.out_channels; ++o, ++k) {
          const double d = double(acc_at(f, x, oy, ox, o) - golden[size_t(k)]);
          m1[size_t(k)] += prob * d;
          m2[size_t(k)] += prob * d * d;
        }
  }
  MapMoments r;
  for (size_t k = 0; k < outs; ++k) {
    r.mean.push_back(m1[k]);
    r.var.push_back(m2[k] - m1[k] * m1[k]);
  }
  return r;
}

struct TinyCase {
  const char* name;
  int bits;
  ConvShape shape;
};

class MomentsAgainstEnumeration : public ::testing::TestWithParam<TinyCase> {};

// A fully-connected neuron and a padded convolution whose weights are shared by several outputs, at rates large
// enough that multi-bit and weight-times-input terms matter.
TEST_P(MomentsAgainstEnumeration, ExactForWeightsInputsAndBoth) {
  const TinyCase c = GetParam();
  std::mt19937_64 rng(7);
  ConvLayer layer = random_conv(c.shape, c.bits, ValueMix::kUniform, rng);
  const FeatureMap in = random_map(c.shape.in_h, c.shape.in_w, c.shape.in_channels, c.bits, ValueMix::kUniform, rng);
  const FlipSumTable sums(c.bits);
  for (auto [pw, pa] : {std::pair{0.1, 0.0}, std::pair{0.0, 0.2}, std::pair{0.15, 0.05}}) {
    const MapMoments want = enumerate(layer, in, c.bits, pw, pa);
    const MapMoments got = accumulator_moments(layer, in, MapMoments(), sums, pw, pa);
    const MapMoments local = LocalMoments(layer, in, sums, pw > 0, pa > 0).at(pw, pa);
    ASSERT_EQ(got.mean.size(), want.mean.size());
    for (size_t k = 0; k < want.mean.size(); ++k) {
      SCOPED_TRACE(testing::Message() << c.name << " pw=" << pw << " pa=" << pa << " output " << k);
      EXPECT_NEAR(got.mean[k], want.mean[k], 1e-9 * (1 + std::abs(want.mean[k])));
      EXPECT_NEAR(got.var[k], want.var[k], 1e-9 * (1 + want.var[k]));
      EXPECT_NEAR(local.mean[k], want.mean[k], 1e-9 * (1 + std::abs(want.mean[k])));
      EXPECT_NEAR(local.var[k], want.var[k], 1e-9 * (1 + want.var[k]));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    TinyLayers, MomentsAgainstEnumeration,
    ::testing::Values(TinyCase{"fc 3 inputs, 3-bit", 3, gemm_shape(1, 3, 1)},
                      TinyCase{"conv 2x2 pad 1, 2-bit", 2, ConvShape{2, 2, 1, 1, 2, 1, 1}},
                      TinyCase{"conv 2 channels, 2-bit", 2, ConvShape{1, 2, 2, 2, 1, 1, 0}}),
    [](const auto& info) { return std::string("case") + std::to_string(info.index); });

TEST(LocalMoments, EqualsDirectSumsOnARealisticLayer) {
  std::mt19937_64 rng(3);
  const ConvShape shape{10, 10, 6, 16, 5, 1, 0};
  const ConvLayer layer = random_conv(shape, 8, ValueMix::kUniform, rng);
  const FeatureMap in = random_map(10, 10, 6, 8, ValueMix::kUniform, rng);
  const FlipSumTable sums(8);
  const LocalMoments local(layer, in, sums, true, true);
  for (auto [pw, pa] : {std::pair{1e-3, 0.0}, std::pair{0.0, 1e-2}, std::pair{3e-3, 2e-3}}) {
    const MapMoments a = accumulator_moments(layer, in, MapMoments(), sums, pw, pa);
    const MapMoments b = local.at(pw, pa);
    for (size_t k = 0; k < a.mean.size(); ++k) {
      EXPECT_NEAR(a.mean[k], b.mean[k], 1e-6 * (1 + std::abs(a.mean[k])));
      EXPECT_NEAR(a.var[k], b.var[k], 1e-6 * (1 + a.var[k]));
    }
  }
}

// Moments of clamp(floor(T + 1/2), lo, hi) for normal T, against one million samples.
TEST(NormalMath, RoundedClampedNormalMatchesSampling) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  struct Case {
    double c, s, lo, hi;
  } cases[] = {{3.3, 0.2, -128, 127}, {0.4, 0.7, 0, 127}, {-2.0, 3.0, 0, 127}, {120.0, 10.0, -128, 127},
               {10.5, 50.0, 0, 127}, {0.49, 0.01, -128, 127}};
  for (const Case& c : cases) {
    double m1 = 0, m2 = 0;
    const int n = 1000000;
    for (int i = 0; i < n; ++i) {
      const double z = normal(rng), t = c.c + c.s * z;
      const double y = std::clamp(std::floor(t + 0.5), c.lo, c.hi);
      m1 += y;
      m2 += y * y;
    }
    m1 /= n;
    m2 /= n;
    const MeanVar got = rounded_clamped_normal(c.c, c.s, c.lo, c.hi);
    SCOPED_TRACE(testing::Message() << "c=" << c.c << " s=" << c.s);
    const double sd = std::sqrt(std::max(m2 - m1 * m1, 1e-12));
    // The continuous treatment above 1 LSB adds the rounding noise as 1/12: allow a few percent there.
    EXPECT_NEAR(got.mean, m1, 4 * sd / std::sqrt(double(n)) + (c.s > 1 ? 0.02 * c.s : 1e-3));
    EXPECT_NEAR(got.var, m2 - m1 * m1, 0.03 * (m2 - m1 * m1) + 0.01);
  }
}

// Clark's moments are exact for the maximum of two normals and an approximation beyond (the running maximum is
// not normal): checked at 1 % for two, at 3 % (mean) and 20 % (variance) for a pooling window of four.
TEST(NormalMath, MaxOfTwoNormalsIsExact) {
  std::mt19937_64 rng(6);
  std::normal_distribution<double> normal;
  const std::vector<MeanVar> xs = {{3, 1}, {2.5, 4}};
  double m1 = 0, m2 = 0;
  const int n = 1000000;
  for (int i = 0; i < n; ++i) {
    const double m = std::max(3 + normal(rng), 2.5 + 2 * normal(rng));
    m1 += m;
    m2 += m * m;
  }
  m1 /= n;
  m2 /= n;
  const MeanVar got = max_of_normals(xs);
  EXPECT_NEAR(got.mean, m1, 0.01);
  EXPECT_NEAR(got.var, m2 - m1 * m1, 0.01 * (m2 - m1 * m1));
}

TEST(NormalMath, MaxOfFourNormalsIsClose) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  const std::vector<MeanVar> xs = {{3, 1}, {2.5, 4}, {0, 0}, {3.2, 0.25}};
  double m1 = 0, m2 = 0;
  const int n = 400000;
  for (int i = 0; i < n; ++i) {
    double m = -1e9;
    for (const auto& x : xs) m = std::max(m, x.mean + std::sqrt(x.var) * normal(rng));
    m1 += m;
    m2 += m * m;
  }
  m1 /= n;
  m2 /= n;
  const MeanVar got = max_of_normals(xs);
  EXPECT_NEAR(got.mean, m1, 0.03 * m1);
  EXPECT_NEAR(got.var, m2 - m1 * m1, 0.2 * (m2 - m1 * m1));
}

TEST(Stats, BinomialPmfSumsToOneAndMatchesSmallCases) {
  EXPECT_NEAR(binomial_pmfs(4, 0.5, 2)[2], 6.0 / 16, 1e-12);
  EXPECT_NEAR(binomial_pmfs(10, 0.1, 0)[0], std::pow(0.9, 10), 1e-12);
  double total = 0;
  for (double pk : binomial_pmfs(1000000, 5e-5, 200)) total += pk;
  EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(Stats, WilsonInterval) {
  // Known values (Wilson 1927; e.g. 8 of 10 -> [0.490, 0.943]).
  const Proportion p = wilson(8, 10);
  EXPECT_DOUBLE_EQ(p.value, 0.8);
  EXPECT_NEAR(p.low, 0.4902, 1e-4);
  EXPECT_NEAR(p.high, 0.9433, 1e-4);
  const Proportion all = wilson(100, 100);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  EXPECT_NEAR(all.low, 0.963, 1e-3);
  const Proportion none = wilson(0, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
}

}  // namespace
}  // namespace flipsim::model
