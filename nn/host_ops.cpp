#include "nn/host_ops.h"

#include <algorithm>
#include <limits>

#include "accel/requant.h"

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

int32_t pool_output(const FeatureMap& in, const PoolParams& p, bool is_max, int oy, int ox, int c) {
  int64_t acc = is_max ? std::numeric_limits<int64_t>::min() : 0;
  int count = 0;
  for (int ky = 0; ky < p.kernel_h; ++ky) {
    const int iy = oy * p.stride_h + ky - p.pads[0];
    if (iy < 0 || iy >= in.height) continue;
    for (int kx = 0; kx < p.kernel_w; ++kx) {
      const int ix = ox * p.stride_w + kx - p.pads[1];
      if (ix < 0 || ix >= in.width) continue;
      const int32_t v = in.at(iy, ix, c);
      acc = is_max ? std::max<int64_t>(acc, v) : acc + v;
      ++count;
    }
  }
  if (!is_max) acc = div_round_half_up(acc, p.count_include_pad ? p.kernel_h * p.kernel_w : count);
  return int32_t(acc);
}

namespace {

FeatureMap pool(const FeatureMap& in, const PoolParams& p, bool is_max) {
  FeatureMap out(pooled_size(in.height, p.pads[0], p.pads[2], p.kernel_h, p.stride_h),
                 pooled_size(in.width, p.pads[1], p.pads[3], p.kernel_w, p.stride_w), in.channels);
  for (int oy = 0; oy < out.height; ++oy)
    for (int ox = 0; ox < out.width; ++ox)
      for (int c = 0; c < in.channels; ++c) out.at(oy, ox, c) = pool_output(in, p, is_max, oy, ox, c);
  return out;
}

}  // namespace

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
