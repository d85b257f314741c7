#include "model/int_conv.h"

#include <algorithm>

#include "accel/requant.h"

namespace flipsim::model {
namespace {

// Separate loops for the two accumulator widths: the int32 one vectorizes, the int64 one does not need to.
inline int32_t dot32(const int32_t* x, const int32_t* w, int n) {
  int32_t s = 0;
  for (int k = 0; k < n; ++k) s += x[k] * w[k];
  return s;
}

// int16 x int16 products summed in int32: the compiler turns this into packed multiply-adds (pmaddwd).
inline int32_t dot16(const int16_t* x, const int16_t* w, int n) {
  int32_t s = 0;
  for (int k = 0; k < n; ++k) s += int32_t(x[k]) * int32_t(w[k]);
  return s;
}

inline int64_t dot64(const int32_t* x, const int32_t* w, int n) {
  int64_t s = 0;
  for (int k = 0; k < n; ++k) s += int64_t(x[k]) * w[k];
  return s;
}

}  // namespace

IntConv::IntConv(const ConvLayer& layer, int data_bits, int acc_bits)
    : layer_(layer), data_bits_(data_bits), acc_bits_(acc_bits) {
  // int8 products are below 2^14 in magnitude, so any fan-in below 2^16 sums without int32 overflow; the sum is
  // then exact and wrapping it at acc_bits <= 32 afterwards equals the hardware's modular accumulation.
  const int64_t fan_in = int64_t(layer.kernel_h) * layer.kernel_w * layer.in_channels;
  narrow_ = data_bits <= 8 && fan_in < (int64_t(1) << 16) && acc_bits <= 32;
  if (narrow_) w16_.assign(layer.weights.begin(), layer.weights.end());
}

void IntConv::accumulators(const FeatureMap& in, std::vector<int64_t>& out) const {
  const ConvLayer& l = layer_;
  const int oh = out_height(in.height), ow = out_width(in.width), c = l.in_channels;
  out.resize(size_t(oh) * ow * l.out_channels);
  size_t k = 0;
  if (narrow_) {
    // Gather each window into a zero-padded int16 patch (padding contributes 0, as the golden model skips it), then
    // one long dot product per output channel.
    const int kk = l.kernel_h * l.kernel_w * c;
    std::vector<int16_t> patch(static_cast<size_t>(kk));
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        int16_t* dst = patch.data();
        for (int ky = 0; ky < l.kernel_h; ++ky) {
          const int iy = oy * l.stride - l.pad + ky;
          for (int kx = 0; kx < l.kernel_w; ++kx, dst += c) {
            const int ix = ox * l.stride - l.pad + kx;
            if (iy < 0 || iy >= in.height || ix < 0 || ix >= in.width) {
              std::fill(dst, dst + c, int16_t(0));
            } else {
              const int32_t* src = &in.data[(size_t(iy) * in.width + size_t(ix)) * size_t(c)];
              for (int i = 0; i < c; ++i) dst[i] = int16_t(src[i]);
            }
          }
        }
        for (int o = 0; o < l.out_channels; ++o, ++k)
          out[k] = (l.bias.empty() ? 0 : l.bias[size_t(o)]) + dot16(patch.data(), &w16_[size_t(o) * size_t(kk)], kk);
      }
    return;
  }
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int o = 0; o < l.out_channels; ++o, ++k) out[k] = accumulator(in, oy, ox, o, /*wrap=*/false);
}

int32_t IntConv::requantize(int64_t acc) const {
  const Requant& rq = layer_.requant;
  // With a wrapped accumulator of at most 32 bits, acc * multiplier + 2^(shift-1) < 2^63: 64-bit arithmetic is
  // exact and the same as requant.h's 128-bit path.
  if (acc_bits_ > 32 || rq.shift == 0) return flipsim::requantize(acc, rq, data_bits_);
  int64_t v = ((acc * rq.multiplier + (int64_t(1) << (rq.shift - 1))) >> rq.shift) + rq.zero_point;
  if (rq.relu && v < rq.zero_point) v = rq.zero_point;
  const int64_t hi = (int64_t(1) << (data_bits_ - 1)) - 1, lo = -(int64_t(1) << (data_bits_ - 1));
  return int32_t(v > hi ? hi : (v < lo ? lo : v));
}

int64_t IntConv::wrap(int64_t acc) const { return wrap_to_bits(acc, acc_bits_); }

int64_t IntConv::accumulator(const FeatureMap& in, int oy, int ox, int o, bool wrap) const {
  const ConvLayer& l = layer_;
  const int c = l.in_channels;
  const int ix0 = ox * l.stride - l.pad;
  const int kx_lo = std::max(0, -ix0);
  const int kx_hi = std::min(l.kernel_w, in.width - ix0);
  int64_t acc = l.bias.empty() ? 0 : l.bias[size_t(o)];
  if (kx_hi <= kx_lo) return wrap ? wrap_to_bits(acc, acc_bits_) : acc;
  const int run = (kx_hi - kx_lo) * c;
  int32_t acc32 = 0;
  for (int ky = 0; ky < l.kernel_h; ++ky) {
    const int iy = oy * l.stride - l.pad + ky;
    if (iy < 0 || iy >= in.height) continue;
    const int32_t* x = &in.data[(size_t(iy) * in.width + size_t(ix0 + kx_lo)) * size_t(c)];
    const int32_t* w = &l.weights[((size_t(o) * l.kernel_h + ky) * l.kernel_w + size_t(kx_lo)) * size_t(c)];
    if (narrow_)
      acc32 += dot32(x, w, run);
    else
      acc += dot64(x, w, run);
  }
  return wrap ? wrap_to_bits(acc + acc32, acc_bits_) : acc + acc32;
}

int32_t IntConv::output(const FeatureMap& in, int oy, int ox, int o) const {
  return requantize(accumulator(in, oy, ox, o));
}

FeatureMap IntConv::run(const FeatureMap& in) const {
  FeatureMap out(out_height(in.height), out_width(in.width), layer_.out_channels);
  std::vector<int64_t> acc;
  accumulators(in, acc);
  for (size_t k = 0; k < acc.size(); ++k) out.data[k] = requantize(wrap_to_bits(acc[k], acc_bits_));
  return out;
}

}  // namespace flipsim::model
