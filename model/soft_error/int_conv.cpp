#include "model/soft_error/int_conv.h"

#include <algorithm>

#include "model/accel/requant.h"

namespace flipsim::model {
namespace {

// Separate loops for the two accumulator widths: the int32 one vectorizes, the int64 one does not need to.
inline int32_t dot32(const int32_t* x, const int32_t* w, int n) {
  int32_t s = 0;
  for (int k = 0; k < n; ++k) s += x[k] * w[k];
  return s;
}

// kChannels output channels at once, sharing each load of the window: int16 x int16 products summed in int32,
// which the compiler turns into packed multiply-adds (pmaddwd). `n` is a multiple of 8 (zero-padded), so no
// remainder loop runs.
template <int kChannels>
inline void dot_channels(const int16_t* x, const int16_t* w, size_t n, const int64_t* bias, int64_t* out) {
  int32_t sum[kChannels] = {};
  for (size_t k = 0; k < n; ++k) {
    const int32_t xk = x[k];
    for (int c = 0; c < kChannels; ++c) sum[c] += xk * int32_t(w[size_t(c) * n + k]);
  }
  for (int c = 0; c < kChannels; ++c) out[c] = bias[c] + sum[c];
}

inline int64_t dot64(const int32_t* x, const int32_t* w, int n) {
  int64_t s = 0;
  for (int k = 0; k < n; ++k) s += int64_t(x[k]) * w[k];
  return s;
}

}  // namespace

IntConv::IntConv(const ConvLayer& layer, int data_bits, int acc_bits)
    : layer_(layer),
      data_bits_(data_bits),
      acc_bits_(acc_bits),
      fan_in_(size_t(layer.kernel_h) * layer.kernel_w * layer.in_channels),
      bias_(layer.bias.empty() ? std::vector<int64_t>(size_t(layer.out_channels), 0) : layer.bias) {
  // int8 products are below 2^14 in magnitude, so any fan-in below 2^16 sums without int32 overflow; the sum is
  // then exact and wrapping it at acc_bits <= 32 afterwards equals the hardware's modular accumulation.
  narrow_ = data_bits <= 8 && fan_in_ < (size_t(1) << 16) && acc_bits <= 32;
  if (narrow_) {
    padded_fan_in_ = (fan_in_ + 7) / 8 * 8;
    w16_.assign(padded_fan_in_ * size_t(layer.out_channels), 0);
  }
  by_tap_.resize(layer.weights.size());
  for (size_t index = 0; index < layer.weights.size(); ++index) set_weight(index, layer.weights[index]);
}

void IntConv::set_weight(size_t index, int32_t value) {
  const size_t o = index / fan_in_, tap = index % fan_in_;
  layer_.weights[index] = value;
  by_tap_[tap * size_t(layer_.out_channels) + o] = value;
  if (narrow_) w16_[o * padded_fan_in_ + tap] = int16_t(value);
}

void IntConv::accumulators(const FeatureMap& in, std::vector<int64_t>& out) const {
  const ConvLayer& l = layer_;
  const int oh = out_height(in.height), ow = out_width(in.width), c = l.in_channels, oc = l.out_channels;
  out.resize(size_t(oh) * ow * size_t(oc));
  if (!narrow_) {
    size_t k = 0;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int o = 0; o < oc; ++o, ++k) out[k] = accumulator(in, oy, ox, o, /*wrap=*/false);
    return;
  }
  // Each window is gathered into a zero-padded int16 patch (padding contributes 0, as the golden model skips it),
  // then dotted with several output channels at a time. The input is converted to int16 once, so that every
  // window row is one contiguous run.
  const std::vector<int16_t> x16(in.data.begin(), in.data.end());
  std::vector<int16_t> patch(padded_fan_in_, 0);  // the tail beyond fan_in_ stays 0, as in w16_
  const int row_len = l.kernel_w * c;
  int64_t* dst = out.data();
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox, dst += oc) {
      const int ix0 = ox * l.stride - l.pad;
      const int kx_lo = std::min(l.kernel_w, std::max(0, -ix0));
      const int kx_hi = std::max(kx_lo, std::min(l.kernel_w, in.width - ix0));
      int16_t* row = patch.data();
      for (int ky = 0; ky < l.kernel_h; ++ky, row += row_len) {
        const int iy = oy * l.stride - l.pad + ky;
        if (iy < 0 || iy >= in.height || kx_hi == kx_lo) {
          std::fill(row, row + row_len, int16_t(0));
          continue;
        }
        std::fill(row, row + kx_lo * c, int16_t(0));
        std::copy_n(&x16[(size_t(iy) * in.width + size_t(ix0 + kx_lo)) * size_t(c)], (kx_hi - kx_lo) * c,
                    row + kx_lo * c);
        std::fill(row + kx_hi * c, row + row_len, int16_t(0));
      }
      int o = 0;
      for (; o + 4 <= oc; o += 4)
        dot_channels<4>(patch.data(), &w16_[size_t(o) * padded_fan_in_], padded_fan_in_, &bias_[size_t(o)], dst + o);
      for (; o < oc; ++o)
        dot_channels<1>(patch.data(), &w16_[size_t(o) * padded_fan_in_], padded_fan_in_, &bias_[size_t(o)], dst + o);
    }
}

int64_t IntConv::accumulator(const FeatureMap& in, int oy, int ox, int o, bool wrap) const {
  const ConvLayer& l = layer_;
  const int c = l.in_channels;
  const int ix0 = ox * l.stride - l.pad;
  const int kx_lo = std::max(0, -ix0);
  const int kx_hi = std::min(l.kernel_w, in.width - ix0);
  int64_t acc = bias_[size_t(o)];
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
  return requantize(accumulator(in, oy, ox, o), o);
}

FeatureMap IntConv::run(const FeatureMap& in) const {
  FeatureMap out(out_height(in.height), out_width(in.width), layer_.out_channels);
  std::vector<int64_t> acc;
  accumulators(in, acc);
  for (size_t k = 0; k < acc.size(); ++k)
    out.data[k] = requantize(wrap_to_bits(acc[k], acc_bits_), int(k % size_t(layer_.out_channels)));
  return out;
}

}  // namespace flipsim::model
