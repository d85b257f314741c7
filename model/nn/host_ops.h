// Integer operations the harness runs on the host between accelerator layers. Every rounding rule is exact
// integer arithmetic, so a network's result does not depend on the machine.
#pragma once

#include <array>
#include <cstdint>

#include "model/accel/layer.h"

namespace flipsim::nn {

/// Sliding-window parameters of a pooling op; pads are top, left, bottom, right.
struct PoolParams {
  int kernel_h = 1;
  int kernel_w = 1;
  int stride_h = 1;
  int stride_w = 1;
  std::array<int, 4> pads{0, 0, 0, 0};
  bool count_include_pad = false;  ///< average pooling: divide by kernel_h * kernel_w even where it hangs over
};

/// Integer rescaling by multiplier * 2^-shift: (v * multiplier + 2^(shift-1)) >> shift, i.e. round half up
/// (towards +infinity), no saturation. Uses Requant's multiplier and shift only.
int64_t rescale(int64_t v, const Requant& rq);

/// round(num / den) with halves rounded up (towards +infinity): floor((2 * num + den) / (2 * den)); den > 0.
int64_t div_round_half_up(int64_t num, int64_t den);

/// One output of max (is_max) or average pooling at (oy, ox, c), by the rules of max_pool / avg_pool.
int32_t pool_output(const FeatureMap& in, const PoolParams& p, bool is_max, int oy, int ox, int c);

/// Max pooling; padded positions are ignored (they act as -infinity, as in ONNX).
FeatureMap max_pool(const FeatureMap& in, const PoolParams& p);

/// Average pooling: div_round_half_up(sum of the window's valid values, n) where n counts the valid positions,
/// or the whole window with count_include_pad (padded positions then add 0). Output scale = input scale.
FeatureMap avg_pool(const FeatureMap& in, const PoolParams& p);

/// Global average pooling to 1 x 1 x C: div_round_half_up(sum over H*W, H*W) per channel.
FeatureMap global_avg_pool(const FeatureMap& in);

/// Constant padding (pads top, left, bottom, right) with an already quantized value.
FeatureMap pad_map(const FeatureMap& in, const std::array<int, 4>& pads, int32_t value);

/// max(v, 0) element-wise.
FeatureMap relu_map(FeatureMap in);

/// Residual addition with both inputs brought to the output scale:
///   y = saturate(rescale(a, a_rq) + rescale(b, b_rq)), then max(y, 0) if relu. Saturation to data_bits.
struct AddParams {
  Requant a;  ///< multiplier/shift for s_a / s_out
  Requant b;  ///< multiplier/shift for s_b / s_out
  bool relu = false;
};
FeatureMap add_maps(const FeatureMap& a, const FeatureMap& b, const AddParams& p, int data_bits);

/// Reinterprets an H x W x C map as 1 x 1 x (H*W*C): HWC order is kept (the next Gemm's columns are permuted to
/// match, see quantize.h).
FeatureMap flatten_map(FeatureMap in);

}  // namespace flipsim::nn
