#include "model/accel/layer_plan.h"

#include <algorithm>
#include <climits>

#include "model/common/config_error.h"
#include "model/accel/requant.h"

namespace flipsim {

namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }

/// Input pixels (row-major) that output pixel (oy, ox) reads: [first, last], or empty (first > last)
/// when the whole window is padding.
std::pair<int64_t, int64_t> input_pixels(int oy, int ox, int in_h, int in_w, const ConvLayer& layer) {
  const int y0 = std::max(0, oy * layer.stride - layer.pad);
  const int y1 = std::min(in_h - 1, oy * layer.stride - layer.pad + layer.kernel_h - 1);
  const int x0 = std::max(0, ox * layer.stride - layer.pad);
  const int x1 = std::min(in_w - 1, ox * layer.stride - layer.pad + layer.kernel_w - 1);
  if (y0 > y1 || x0 > x1) return {1, 0};
  return {int64_t(y0) * in_w + x0, int64_t(y1) * in_w + x1};
}

}  // namespace

LayerPlan plan_layer(int in_h, int in_w, const ConvLayer& layer, const AccelConfig& config) {
  const std::string name = layer.name.empty() ? "layer" : "layer '" + layer.name + "'";
  if (layer.in_channels < 1 || layer.out_channels < 1 || layer.kernel_h < 1 || layer.kernel_w < 1 ||
      layer.stride < 1 || layer.pad < 0)
    throw ConfigError(name + ": invalid shape");
  if (layer.weights.size() != size_t(layer.out_channels) * layer.kernel_h * layer.kernel_w * layer.in_channels)
    throw ConfigError(name + ": weight count does not match its shape");
  if (!layer.bias.empty() && layer.bias.size() != size_t(layer.out_channels))
    throw ConfigError(name + ": bias count does not match out_channels");
  if (layer.requant.multiplier < 0 || layer.requant.shift < 0 || layer.requant.shift > 62)
    throw ConfigError(name + ": requantization multiplier must be >= 0 and shift in [0, 62]");

  LayerPlan plan;
  plan.in_h = in_h;
  plan.in_w = in_w;
  plan.out_h = layer.out_height(in_h);
  plan.out_w = layer.out_width(in_w);
  if (plan.out_h < 1 || plan.out_w < 1) throw ConfigError(name + ": kernel larger than the padded input");
  plan.channel_blocks = ceil_div(layer.in_channels, config.rows);
  plan.k_tiles = layer.kernel_h * layer.kernel_w * plan.channel_blocks;
  plan.n_tiles = ceil_div(layer.out_channels, config.cols);

  const int words_per_n_tile = plan.k_tiles * config.rows;
  if (words_per_n_tile > config.wbuf_depth)
    throw ConfigError(name + ": one output-channel tile needs " + std::to_string(words_per_n_tile) +
                      " weight-buffer words, the buffer holds " + std::to_string(config.wbuf_depth) +
                      " (splitting K across passes is not supported)");
  plan.clip = !layer.clip.empty();
  if (plan.clip && !config.protectable)
    throw ConfigError(name + ": activation clipping needs a protectable accelerator");
  if (plan.clip && int(layer.clip.size()) != layer.out_channels)
    throw ConfigError(name + ": " + std::to_string(layer.clip.size()) + " clip ranges for " +
                      std::to_string(layer.out_channels) + " output channels");
  const int n_per_pass = std::min(
      {plan.n_tiles, config.wbuf_depth / words_per_n_tile, config.bbuf_depth / plan.bbuf_words_per_n_tile()});

  const int total_m = plan.out_h * plan.out_w;
  for (int n0 = 0; n0 < plan.n_tiles; n0 += n_per_pass) {
    const int nt = std::min(n_per_pass, plan.n_tiles - n0);
    const int m_limit = std::min(config.accbuf_depth, config.obuf_depth / nt);
    if (m_limit < 1) throw ConfigError(name + ": output buffer too small for one pixel");
    for (int m0 = 0; m0 < total_m;) {
      // Grow the pixel range while the input pixels it reads still fit the activation buffer.
      int count = 0;
      int64_t lo = INT64_MAX, hi = -1;
      while (count < m_limit && m0 + count < total_m) {
        const int m = m0 + count;
        const auto px = input_pixels(m / plan.out_w, m % plan.out_w, in_h, in_w, layer);
        const int64_t new_lo = px.first <= px.second ? std::min(lo, px.first) : lo;
        const int64_t new_hi = px.first <= px.second ? std::max(hi, px.second) : hi;
        if (new_hi >= new_lo && (new_hi - new_lo + 1) * plan.channel_blocks > config.abuf_depth) break;
        lo = new_lo;
        hi = new_hi;
        ++count;
      }
      if (count == 0)
        throw ConfigError(name + ": the input window of one output pixel needs more than the activation buffer's " +
                          std::to_string(config.abuf_depth) + " words");
      LayerPass pass;
      pass.n_tile_begin = n0;
      pass.n_tiles = nt;
      pass.m_begin = m0;
      pass.m_count = count;
      pass.in_pixel_begin = hi >= lo ? int(lo) : 0;
      pass.in_pixels = hi >= lo ? int(hi - lo + 1) : 0;

      Descriptor& d = pass.desc;
      d[kDescInH] = uint32_t(in_h);
      d[kDescInW] = uint32_t(in_w);
      d[kDescInCb] = uint32_t(plan.channel_blocks);
      d[kDescKernelH] = uint32_t(layer.kernel_h);
      d[kDescKernelW] = uint32_t(layer.kernel_w);
      d[kDescStride] = uint32_t(layer.stride);
      d[kDescPad] = uint32_t(layer.pad);
      d[kDescOutW] = uint32_t(plan.out_w);
      d[kDescOyStart] = uint32_t(m0 / plan.out_w);
      d[kDescOxStart] = uint32_t(m0 % plan.out_w);
      d[kDescMCount] = uint32_t(count);
      d[kDescNTiles] = uint32_t(nt);
      d[kDescRqMult] = uint32_t(layer.requant.multiplier);
      d[kDescRqShift] = uint32_t(layer.requant.shift);
      d[kDescRqZero] = uint32_t(layer.requant.zero_point);
      d[kDescRelu] = (layer.requant.relu ? 1u << fs_pkg::DescReluClampBit : 0u) |
                     (plan.clip ? 1u << fs_pkg::DescReluClipBit : 0u);
      d[kDescAbufBase] = uint32_t(-int64_t(pass.in_pixel_begin) * plan.channel_blocks);
      plan.passes.push_back(pass);
      m0 += count;
    }
  }
  return plan;
}

PassWords pass_words(const LayerPlan& plan, const LayerPass& pass, const AccelConfig& config) {
  PassWords w;
  w.abuf = size_t(pass.in_pixels) * plan.channel_blocks;
  w.wbuf = size_t(pass.n_tiles) * plan.k_tiles * config.rows;
  w.bbuf = size_t(pass.n_tiles) * size_t(plan.bbuf_words_per_n_tile());
  return w;
}

std::vector<BufferWord> abuf_image(const FeatureMap& input, const LayerPlan& plan, const LayerPass& pass,
                                   const AccelConfig& config) {
  std::vector<BufferWord> words;
  words.reserve(size_t(pass.in_pixels) * plan.channel_blocks);
  for (int p = pass.in_pixel_begin; p < pass.in_pixel_begin + pass.in_pixels; ++p)
    for (int cb = 0; cb < plan.channel_blocks; ++cb) {
      BufferWord w(config.rows, 0);
      for (int r = 0; r < config.rows; ++r) {
        const int c = cb * config.rows + r;
        if (c < input.channels) w[r] = input.data[size_t(p) * input.channels + c];
      }
      words.push_back(std::move(w));
    }
  return words;
}

std::vector<BufferWord> wbuf_image(const ConvLayer& layer, const LayerPlan& plan, const LayerPass& pass,
                                   const AccelConfig& config) {
  std::vector<BufferWord> words;
  words.reserve(size_t(pass.n_tiles) * plan.k_tiles * config.rows);
  for (int nt = 0; nt < pass.n_tiles; ++nt)
    for (int ky = 0; ky < layer.kernel_h; ++ky)
      for (int kx = 0; kx < layer.kernel_w; ++kx)
        for (int cb = 0; cb < plan.channel_blocks; ++cb)
          for (int r = 0; r < config.rows; ++r) {
            // Word r of a K tile holds the weights of array row r, one per column (output channel).
            BufferWord w(config.cols, 0);
            const int i = cb * config.rows + r;
            for (int c = 0; c < config.cols; ++c) {
              const int o = (pass.n_tile_begin + nt) * config.cols + c;
              if (o < layer.out_channels && i < layer.in_channels) w[c] = layer.weight(o, ky, kx, i);
            }
            words.push_back(std::move(w));
          }
  return words;
}

std::vector<BufferWord> bbuf_image(const ConvLayer& layer, const LayerPass& pass, const AccelConfig& config) {
  std::vector<BufferWord> words;
  // One word per output-channel tile of the pass, lane c holding `lane(o)` of its channel o (0 past the last).
  const auto add_tiles = [&](const auto& lane) {
    for (int nt = 0; nt < pass.n_tiles; ++nt) {
      BufferWord w(config.cols, 0);
      for (int c = 0; c < config.cols; ++c) {
        const int o = (pass.n_tile_begin + nt) * config.cols + c;
        if (o < layer.out_channels) w[c] = lane(o);
      }
      words.push_back(std::move(w));
    }
  };
  add_tiles([&](int o) { return layer.bias.empty() ? 0 : wrap_to_bits(layer.bias[size_t(o)], config.acc_bits); });
  if (!layer.clip.empty())
    add_tiles([&](int o) { return clip_lane(layer.clip[size_t(o)], config.data_bits, config.acc_bits); });
  return words;
}

PassTiming pass_timing(const LayerPlan& plan, const LayerPass& pass, const AccelConfig& config) {
  const uint64_t drain = uint64_t(config.rows) + uint64_t(config.cols) + 2;
  PassTiming t;
  t.n_tiles = uint64_t(pass.n_tiles);
  t.k_tiles = uint64_t(plan.k_tiles);
  t.n_tile_setup = plan.clip ? 3 : 2;
  t.k_tile = uint64_t(config.rows) + uint64_t(pass.m_count) + drain;
  return t;
}

uint64_t pass_busy_cycles(const LayerPlan& plan, const LayerPass& pass, const AccelConfig& config) {
  return pass_timing(plan, pass, config).busy_cycles();
}

int64_t clip_lane(const ClipRange& range, int data_bits, int acc_bits) {
  const uint64_t mask = (uint64_t(1) << data_bits) - 1;
  return wrap_to_bits(int64_t(((uint64_t(range.hi) & mask) << data_bits) | (uint64_t(range.lo) & mask)), acc_bits);
}

ClipRange clip_range_of_lane(int64_t lane, int data_bits) {
  const uint64_t mask = (uint64_t(1) << data_bits) - 1;
  ClipRange r;
  r.lo = int32_t(wrap_to_bits(int64_t(uint64_t(lane) & mask), data_bits));
  r.hi = int32_t(wrap_to_bits(int64_t((uint64_t(lane) >> data_bits) & mask), data_bits));
  return r;
}

void scatter_obuf(const std::vector<BufferWord>& obuf, const LayerPlan& plan, const LayerPass& pass,
                  const AccelConfig& config, FeatureMap& output) {
  for (int m = 0; m < pass.m_count; ++m) {
    const int pixel = pass.m_begin + m;
    const int oy = pixel / plan.out_w, ox = pixel % plan.out_w;
    for (int nt = 0; nt < pass.n_tiles; ++nt) {
      const BufferWord& w = obuf[size_t(m) * pass.n_tiles + nt];
      for (int c = 0; c < config.cols; ++c) {
        const int o = (pass.n_tile_begin + nt) * config.cols + c;
        if (o < output.channels) output.at(oy, ox, o) = int32_t(w[c]);
      }
    }
  }
}

}  // namespace flipsim
