#include "model/nn/host_ops.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "model/accel/requant.h"

namespace flipsim::nn {
namespace {

int64_t floor_div(int64_t num, int64_t den) {
  int64_t q = num / den;
  if ((num % den != 0) && ((num < 0) != (den < 0))) --q;
  return q;
}

int pooled_size(int in, int pad_before, int pad_after, int kernel, int stride) {
  return (in + pad_before + pad_after - kernel) / stride + 1;
}

}  // namespace

int64_t rescale(int64_t v, const Requant& rq) {
  const __int128 prod = __int128(v) * rq.multiplier;
  if (rq.shift == 0) return int64_t(prod);
  return int64_t((prod + (__int128(1) << (rq.shift - 1))) >> rq.shift);
}

int64_t div_round_half_up(int64_t num, int64_t den) { return floor_div(2 * num + den, 2 * den); }

namespace {

// The part of the window of output (oy, ox) inside the map, [y0, y1) x [x0, x1), and what an average divides by:
// the one statement of the window rule, used for whole maps and for single outputs alike.
struct PoolWindow {
  int y0, y1, x0, x1;
  int64_t divisor;
};

PoolWindow pool_window(const FeatureMap& in, const PoolParams& p, int oy, int ox) {
  const int top = oy * p.stride_h - p.pads[0], left = ox * p.stride_w - p.pads[1];
  PoolWindow w;
  w.y0 = std::max(0, top);
  w.y1 = std::max(w.y0, std::min(in.height, top + p.kernel_h));
  w.x0 = std::max(0, left);
  w.x1 = std::max(w.x0, std::min(in.width, left + p.kernel_w));
  w.divisor = p.count_include_pad ? int64_t(p.kernel_h) * p.kernel_w : int64_t(w.y1 - w.y0) * (w.x1 - w.x0);
  return w;
}

int64_t pool_start(bool is_max) { return is_max ? std::numeric_limits<int64_t>::min() : 0; }

int64_t pool_step(bool is_max, int64_t acc, int32_t v) { return is_max ? std::max<int64_t>(acc, v) : acc + v; }

int32_t pool_finish(bool is_max, int64_t acc, const PoolWindow& w) {
  return int32_t(is_max ? acc : div_round_half_up(acc, w.divisor));
}

FeatureMap pool(const FeatureMap& in, const PoolParams& p, bool is_max) {
  FeatureMap out(pooled_size(in.height, p.pads[0], p.pads[2], p.kernel_h, p.stride_h),
                 pooled_size(in.width, p.pads[1], p.pads[3], p.kernel_w, p.stride_w), in.channels);
  // A whole position at a time: the window is found once and its pixels' channels are consecutive in HWC.
  const size_t channels = size_t(in.channels);
  std::vector<int64_t> acc(channels);
  for (int oy = 0; oy < out.height; ++oy)
    for (int ox = 0; ox < out.width; ++ox) {
      const PoolWindow w = pool_window(in, p, oy, ox);
      std::fill(acc.begin(), acc.end(), pool_start(is_max));
      for (int iy = w.y0; iy < w.y1; ++iy)
        for (int ix = w.x0; ix < w.x1; ++ix) {
          const int32_t* pixel = &in.data[(size_t(iy) * in.width + size_t(ix)) * channels];
          for (size_t c = 0; c < channels; ++c) acc[c] = pool_step(is_max, acc[c], pixel[c]);
        }
      int32_t* dst = &out.data[(size_t(oy) * out.width + size_t(ox)) * channels];
      for (size_t c = 0; c < channels; ++c) dst[c] = pool_finish(is_max, acc[c], w);
    }
  return out;
}

}  // namespace

int32_t pool_output(const FeatureMap& in, const PoolParams& p, bool is_max, int oy, int ox, int c) {
  const PoolWindow w = pool_window(in, p, oy, ox);
  int64_t acc = pool_start(is_max);
  for (int iy = w.y0; iy < w.y1; ++iy)
    for (int ix = w.x0; ix < w.x1; ++ix) acc = pool_step(is_max, acc, in.at(iy, ix, c));
  return pool_finish(is_max, acc, w);
}

FeatureMap max_pool(const FeatureMap& in, const PoolParams& p) { return pool(in, p, true); }

FeatureMap avg_pool(const FeatureMap& in, const PoolParams& p) { return pool(in, p, false); }

FeatureMap global_avg_pool(const FeatureMap& in) {
  FeatureMap out(1, 1, in.channels);
  const int64_t n = int64_t(in.height) * in.width;
  for (int c = 0; c < in.channels; ++c) {
    int64_t sum = 0;
    for (int y = 0; y < in.height; ++y)
      for (int x = 0; x < in.width; ++x) sum += in.at(y, x, c);
    out.at(0, 0, c) = int32_t(div_round_half_up(sum, n));
  }
  return out;
}

FeatureMap pad_map(const FeatureMap& in, const std::array<int, 4>& pads, int32_t value) {
  FeatureMap out(in.height + pads[0] + pads[2], in.width + pads[1] + pads[3], in.channels);
  std::fill(out.data.begin(), out.data.end(), value);
  for (int y = 0; y < in.height; ++y) {
    std::copy_n(&in.data[size_t(y) * in.width * in.channels], size_t(in.width) * in.channels,
                &out.at(y + pads[0], pads[1], 0));
  }
  return out;
}

FeatureMap relu_map(FeatureMap in) {
  for (int32_t& v : in.data) v = std::max(v, 0);
  return in;
}

FeatureMap add_maps(const FeatureMap& a, const FeatureMap& b, const AddParams& p, int data_bits) {
  FeatureMap out(a.height, a.width, a.channels);
  for (size_t k = 0; k < out.data.size(); ++k) {
    int64_t y = saturate_to_bits(rescale(a.data[k], p.a) + rescale(b.data[k], p.b), data_bits);
    if (p.relu) y = std::max<int64_t>(y, 0);
    out.data[k] = int32_t(y);
  }
  return out;
}

FeatureMap flatten_map(FeatureMap in) {
  in.channels = in.height * in.width * in.channels;
  in.height = in.width = 1;
  return in;
}

}  // namespace flipsim::nn
