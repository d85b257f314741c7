// The buffer residency flipsim validate reports, against the buffer images the host driver really loads: with
// every stored value non-zero, the real values a pass loads are exactly the non-zero lanes of its images.
#include <gtest/gtest.h>

#include <random>

#include "model/accel/layer_plan.h"
#include "sim/validate/validation.h"

namespace flipsim {
namespace {

ConvLayer nonzero_layer(int in_c, int out_c, int k, int stride, int pad) {
  ConvLayer l;
  l.name = "l";
  l.in_channels = in_c;
  l.out_channels = out_c;
  l.kernel_h = l.kernel_w = k;
  l.stride = stride;
  l.pad = pad;
  l.weights.assign(size_t(out_c) * k * k * in_c, 3);
  l.bias.assign(size_t(out_c), 7);
  return l;
}

// Whether the layer's windows read every input pixel: not when the stride skips rows or columns, nor when the last
// window stops short of the input's far edge.
bool every_pixel_read(int in, int k, int stride, int pad) {
  const int out = (in + 2 * pad - k) / stride + 1;
  return stride <= k && -pad + (out - 1) * stride + k - 1 >= in - 1;
}

uint64_t nonzero_lanes(const std::vector<BufferWord>& words) {
  uint64_t n = 0;
  for (const BufferWord& w : words)
    for (int64_t v : w) n += v != 0;
  return n;
}

TEST(Residency, MatchesTheLoadedBufferImagesOnLayersSplitIntoPasses) {
  AccelConfig small;  // small buffers: layers split over output channels and output pixels
  small.rows = 4;
  small.cols = 6;
  small.abuf_depth = 64;
  small.wbuf_depth = 256;
  small.bbuf_depth = 4;
  small.accbuf_depth = 32;
  small.obuf_depth = 64;
  std::mt19937 rng(7);
  int multi_pass = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const int k = 1 + int(rng() % 3), in_c = 1 + int(rng() % 9), out_c = 1 + int(rng() % 20);
    const int stride = 1 + int(rng() % 2), pad = int(rng() % k);
    const int in_h = k + int(rng() % 9), in_w = k + int(rng() % 9);
    const ConvLayer layer = nonzero_layer(in_c, out_c, k, stride, pad);
    SCOPED_TRACE(testing::Message() << "k " << k << " in " << in_c << " out " << out_c << " stride " << stride
                                    << " pad " << pad << " input " << in_h << "x" << in_w);
    LayerPlan plan;
    try {
      plan = plan_layer(in_h, in_w, layer, small);
    } catch (const std::exception&) {
      continue;  // does not fit this accelerator at all
    }
    FeatureMap input(in_h, in_w, in_c);
    for (auto& v : input.data) v = 1;
    uint64_t words[3] = {0, 0, 0}, values[3] = {0, 0, 0};
    for (const LayerPass& pass : plan.passes) {
      const auto a = abuf_image(input, plan, pass, small), w = wbuf_image(layer, plan, pass, small),
                 b = bbuf_image(layer, pass, small);
      words[0] += a.size(), words[1] += w.size(), words[2] += b.size();
      values[0] += nonzero_lanes(a), values[1] += nonzero_lanes(w), values[2] += nonzero_lanes(b);
    }
    multi_pass += plan.passes.size() > 1;
    const Buffer buffers[3] = {Buffer::kAbuf, Buffer::kWbuf, Buffer::kBbuf};
    for (int i = 0; i < 3; ++i) {
      const LayerResidency r = layer_residency(buffers[i], small, layer, in_h, in_w);
      EXPECT_EQ(r.passes, int(plan.passes.size()));
      EXPECT_EQ(r.loaded_words, words[i]) << buffer_name(buffers[i]);
      const int lane_bits = buffers[i] == Buffer::kBbuf ? small.acc_bits : small.data_bits;
      EXPECT_EQ(r.loaded_bits, values[i] * uint64_t(lane_bits)) << buffer_name(buffers[i]);
    }
    const uint64_t distinct[3] = {uint64_t(in_h) * in_w * in_c, layer.weights.size(), uint64_t(out_c)};
    for (int i = 0; i < 3; ++i) {
      const LayerResidency r = layer_residency(buffers[i], small, layer, in_h, in_w);
      EXPECT_EQ(r.values, distinct[i]);
      // Every value is loaded at least once (an input pixel no window reads is the exception).
      if (i > 0 || (every_pixel_read(in_h, k, stride, pad) && every_pixel_read(in_w, k, stride, pad))) EXPECT_GE(r.loads_per_value, 1.0) << buffer_name(buffers[i]);
    }
  }
  EXPECT_GT(multi_pass, 5) << "too few layers split into passes to test the residency";
}

TEST(Residency, AccumulatorAndOutputBuffersAreNeverLoaded) {
  const ConvLayer layer = nonzero_layer(3, 5, 3, 1, 1);
  for (Buffer b : {Buffer::kAccbuf, Buffer::kObuf}) {
    const LayerResidency r = layer_residency(b, AccelConfig{}, layer, 6, 6);
    EXPECT_EQ(r.loaded_words, 0u);
    EXPECT_EQ(r.loaded_bits, 0u);
  }
}

}  // namespace
}  // namespace flipsim
