#include "model/nn/float_executor.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace flipsim::nn {
namespace {

// Results must not depend on how the loops are arranged: every output element sums its terms in one fixed order
// (bias first, then input channel, kernel row, kernel column, ascending), exactly as a plain loop nest would. The
// loops below only choose which independent elements are computed side by side.

// The outputs o of one row whose input column o * stride + offset lies in [0, width): [lo, hi).
struct ValidRange {
  int lo;
  int hi;
};
ValidRange valid_outputs(int offset, int stride, int width, int outputs) {
  const int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = width - 1 - offset;  // the largest o * stride allowed
  const int hi = last < 0 ? 0 : std::min(outputs, last / stride + 1);
  return {lo, std::max(lo, hi)};
}

// dst[n] += w * x[n] for n < count (the buffers never overlap).
inline void add_scaled(float* __restrict dst, const float* __restrict x, float w, size_t count) {
  for (size_t n = 0; n < count; ++n) dst[n] += w * x[n];
}

// One kernel tap (input channel i, kernel position ky, kx) reaches the outputs in a rectangle (padding excluded).
// The tap's inputs for that rectangle are gathered once into a dense buffer and then added, scaled by each output
// channel's weight, to every output plane: long unit-stride loops that vectorize, with no bounds checks. Taps are
// visited in (i, ky, kx) order, so every output element still adds its terms in exactly that order.
void conv(const FloatTensor& in, const ValueInfo& iv, const ValueInfo& ov, const FloatOp& op, FloatTensor& out) {
  out.resize(size_t(ov.size()));
  const int pad = op.pads[0];
  const int s = op.stride_h;
  const size_t out_plane = size_t(ov.height) * ov.width, in_plane = size_t(iv.height) * iv.width;
  const size_t taps_per_output = size_t(iv.channels) * op.kernel_h * op.kernel_w;
  for (int o = 0; o < ov.channels; ++o) {
    float* plane = &out[size_t(o) * out_plane];
    std::fill(plane, plane + out_plane, op.bias[size_t(o)]);
  }
  std::vector<float> gathered(out_plane);
  for (int i = 0; i < iv.channels; ++i) {
    const float* src = &in[size_t(i) * in_plane];
    for (int ky = 0; ky < op.kernel_h; ++ky) {
      const ValidRange rows = valid_outputs(ky - pad, s, iv.height, ov.height);
      for (int kx = 0; kx < op.kernel_w; ++kx) {
        const ValidRange cols = valid_outputs(kx - pad, s, iv.width, ov.width);
        const int n_rows = rows.hi - rows.lo, n_cols = cols.hi - cols.lo;
        if (n_rows == 0 || n_cols == 0) continue;
        float* g = gathered.data();
        for (int oy = rows.lo; oy < rows.hi; ++oy) {
          const float* x = src + size_t(oy * s + ky - pad) * iv.width + size_t(cols.lo * s + kx - pad);
          for (int n = 0; n < n_cols; ++n) *g++ = x[n * s];
        }
        // Whole output rows are contiguous in the plane: one loop over all of them.
        const bool whole_rows = n_cols == ov.width;
        const size_t tap = (size_t(i) * op.kernel_h + ky) * op.kernel_w + kx;
        for (int o = 0; o < ov.channels; ++o) {
          const float w = op.weights[size_t(o) * taps_per_output + tap];
          float* plane = &out[size_t(o) * out_plane] + size_t(rows.lo) * ov.width + cols.lo;
          if (whole_rows) {
            add_scaled(plane, gathered.data(), w, size_t(n_rows) * n_cols);
          } else {
            for (int r = 0; r < n_rows; ++r)
              add_scaled(plane + size_t(r) * ov.width, gathered.data() + size_t(r) * n_cols, w, size_t(n_cols));
          }
        }
      }
    }
  }
}

// kRows outputs at a time, each with its own running sum: independent additions overlap instead of waiting on one
// long dependency chain, and each sum still adds its terms in input order.
template <size_t kRows>
void gemm_rows(const float* in, size_t k, const float* weights, const float* bias, float* out) {
  float acc[kRows];
  for (size_t r = 0; r < kRows; ++r) acc[r] = bias[r];
  for (size_t i = 0; i < k; ++i) {
    const float x = in[i];
    for (size_t r = 0; r < kRows; ++r) acc[r] += weights[r * k + i] * x;
  }
  for (size_t r = 0; r < kRows; ++r) out[r] = acc[r];
}

void gemm(const FloatTensor& in, const ValueInfo& ov, const FloatOp& op, FloatTensor& out) {
  constexpr size_t kBlock = 8;
  out.resize(size_t(ov.channels));
  const size_t k = in.size(), n_out = out.size();
  size_t n = 0;
  for (; n + kBlock <= n_out; n += kBlock)
    gemm_rows<kBlock>(in.data(), k, &op.weights[n * k], &op.bias[n], &out[n]);
  for (; n < n_out; ++n) gemm_rows<1>(in.data(), k, &op.weights[n * k], &op.bias[n], &out[n]);
}

void pool(const FloatTensor& in, const ValueInfo& iv, const ValueInfo& ov, const FloatOp& op, FloatTensor& out) {
  out.resize(size_t(ov.size()));
  const bool is_max = op.type == OpType::kMaxPool;
  for (int c = 0; c < ov.channels; ++c) {
    for (int oy = 0; oy < ov.height; ++oy) {
      for (int ox = 0; ox < ov.width; ++ox) {
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int count = 0;
        for (int ky = 0; ky < op.kernel_h; ++ky) {
          const int iy = oy * op.stride_h + ky - op.pads[0];
          for (int kx = 0; kx < op.kernel_w; ++kx) {
            const int ix = ox * op.stride_w + kx - op.pads[1];
            if (iy < 0 || iy >= iv.height || ix < 0 || ix >= iv.width) continue;
            const float v = in[(size_t(c) * iv.height + iy) * iv.width + ix];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count;
          }
        }
        if (!is_max) acc /= float(op.count_include_pad ? op.kernel_h * op.kernel_w : count);
        out[(size_t(c) * ov.height + oy) * ov.width + ox] = acc;
      }
    }
  }
}

void pad(const FloatTensor& in, const ValueInfo& iv, const ValueInfo& ov, const FloatOp& op, FloatTensor& out) {
  out.assign(size_t(ov.size()), op.pad_value);
  for (int c = 0; c < iv.channels; ++c) {
    for (int y = 0; y < iv.height; ++y) {
      for (int x = 0; x < iv.width; ++x)
        out[(size_t(c) * ov.height + y + op.pads[0]) * ov.width + x + op.pads[1]] =
            in[(size_t(c) * iv.height + y) * iv.width + x];
    }
  }
}

}  // namespace

FloatTensor image_to_tensor(const uint8_t* pixels, size_t count) {
  FloatTensor t(count);
  for (size_t i = 0; i < count; ++i) t[i] = float(pixels[i]) / 255.0f;
  return t;
}

void run_float_graph(const FloatGraph& graph, const FloatTensor& input, std::vector<FloatTensor>& values) {
  if (int64_t(input.size()) != graph.input().size())
    throw std::invalid_argument("run_float_graph: input has " + std::to_string(input.size()) + " elements, " +
                                graph.source + " expects " + std::to_string(graph.input().size()));
  values.resize(graph.values.size());
  values[size_t(graph.input_value)].assign(input.begin(), input.end());
  for (const FloatOp& op : graph.ops) {
    const FloatTensor& in = values[size_t(op.inputs[0])];
    const ValueInfo& iv = graph.values[size_t(op.inputs[0])];
    const ValueInfo& ov = graph.values[size_t(op.output)];
    FloatTensor& out = values[size_t(op.output)];
    switch (op.type) {
      case OpType::kConv: conv(in, iv, ov, op, out); break;
      case OpType::kGemm: gemm(in, ov, op, out); break;
      case OpType::kMaxPool:
      case OpType::kAvgPool: pool(in, iv, ov, op, out); break;
      case OpType::kPad: pad(in, iv, ov, op, out); break;
      case OpType::kGlobalAvgPool: {
        const size_t plane = size_t(iv.height) * iv.width;
        out.assign(size_t(iv.channels), 0.0f);
        for (size_t c = 0; c < out.size(); ++c) {
          for (size_t k = 0; k < plane; ++k) out[c] += in[c * plane + k];
          out[c] /= float(plane);
        }
        break;
      }
      case OpType::kAdd: {
        const FloatTensor& b = values[size_t(op.inputs[1])];
        out.assign(in.begin(), in.end());
        for (size_t k = 0; k < out.size(); ++k) out[k] += b[k];
        break;
      }
      case OpType::kAffine: {
        out.assign(in.begin(), in.end());
        const size_t plane = out.size() / op.scale.size();
        for (size_t k = 0; k < out.size(); ++k) out[k] = out[k] * op.scale[k / plane] + op.bias[k / plane];
        break;
      }
      case OpType::kRelu:
      case OpType::kFlatten: out.assign(in.begin(), in.end()); break;  // flattening CHW keeps the element order
    }
    if (op.relu || op.type == OpType::kRelu) {
      for (float& v : out) v = std::max(v, 0.0f);
    }
  }
}

std::vector<FloatTensor> run_float_graph(const FloatGraph& graph, FloatTensor input) {
  std::vector<FloatTensor> values;
  run_float_graph(graph, input, values);
  return values;
}

int argmax(const float* data, size_t count) { return int(std::max_element(data, data + count) - data); }

}  // namespace flipsim::nn
