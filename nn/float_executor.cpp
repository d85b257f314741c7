#include "nn/float_executor.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace flipsim::nn {
namespace {

FloatTensor conv(const FloatTensor& in, const ValueInfo& iv, const ValueInfo& ov, const FloatOp& op) {
  FloatTensor out(size_t(ov.size()));
  const int pad = op.pads[0];
  const int s = op.stride_h;
  for (int o = 0; o < ov.channels; ++o) {
    float* plane = &out[size_t(o) * ov.height * ov.width];
    std::fill(plane, plane + size_t(ov.height) * ov.width, op.bias[size_t(o)]);
    for (int i = 0; i < iv.channels; ++i) {
      const float* src = &in[size_t(i) * iv.height * iv.width];
      for (int ky = 0; ky < op.kernel_h; ++ky) {
        for (int kx = 0; kx < op.kernel_w; ++kx) {
          const float w = op.weights[((size_t(o) * iv.channels + i) * op.kernel_h + ky) * op.kernel_w + kx];
          for (int oy = 0; oy < ov.height; ++oy) {
            const int iy = oy * s + ky - pad;
            if (iy < 0 || iy >= iv.height) continue;
            for (int ox = 0; ox < ov.width; ++ox) {
              const int ix = ox * s + kx - pad;
              if (ix >= 0 && ix < iv.width) plane[size_t(oy) * ov.width + ox] += w * src[size_t(iy) * iv.width + ix];
            }
          }
        }
      }
    }
  }
  return out;
}

FloatTensor gemm(const FloatTensor& in, const ValueInfo& ov, const FloatOp& op) {
  FloatTensor out(size_t(ov.channels));
  const size_t k = in.size();
  for (size_t n = 0; n < out.size(); ++n) {
    float acc = op.bias[n];
    const float* w = &op.weights[n * k];
    for (size_t i = 0; i < k; ++i) acc += w[i] * in[i];
    out[n] = acc;
  }
  return out;
}

FloatTensor pool(const FloatTensor& in, const ValueInfo& iv, const ValueInfo& ov, const FloatOp& op) {
  FloatTensor out(size_t(ov.size()));
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
  return out;
}

FloatTensor pad(const FloatTensor& in, const ValueInfo& iv, const ValueInfo& ov, const FloatOp& op) {
  FloatTensor out(size_t(ov.size()), op.pad_value);
  for (int c = 0; c < iv.channels; ++c) {
    for (int y = 0; y < iv.height; ++y) {
      for (int x = 0; x < iv.width; ++x)
        out[(size_t(c) * ov.height + y + op.pads[0]) * ov.width + x + op.pads[1]] =
            in[(size_t(c) * iv.height + y) * iv.width + x];
    }
  }
  return out;
}

}  // namespace

FloatTensor image_to_tensor(const uint8_t* pixels, size_t count) {
  FloatTensor t(count);
  for (size_t i = 0; i < count; ++i) t[i] = float(pixels[i]) / 255.0f;
  return t;
}

std::vector<FloatTensor> run_float_graph(const FloatGraph& graph, FloatTensor input) {
  if (int64_t(input.size()) != graph.input().size())
    throw std::invalid_argument("run_float_graph: input has " + std::to_string(input.size()) + " elements, " +
                                graph.source + " expects " + std::to_string(graph.input().size()));
  std::vector<FloatTensor> values(graph.values.size());
  values[size_t(graph.input_value)] = std::move(input);
  for (const FloatOp& op : graph.ops) {
    const FloatTensor& in = values[size_t(op.inputs[0])];
    const ValueInfo& iv = graph.values[size_t(op.inputs[0])];
    const ValueInfo& ov = graph.values[size_t(op.output)];
    FloatTensor out;
    switch (op.type) {
      case OpType::kConv: out = conv(in, iv, ov, op); break;
      case OpType::kGemm: out = gemm(in, ov, op); break;
      case OpType::kMaxPool:
      case OpType::kAvgPool: out = pool(in, iv, ov, op); break;
      case OpType::kPad: out = pad(in, iv, ov, op); break;
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
        out = in;
        for (size_t k = 0; k < out.size(); ++k) out[k] += b[k];
        break;
      }
      case OpType::kAffine: {
        out = in;
        const size_t plane = out.size() / op.scale.size();
        for (size_t k = 0; k < out.size(); ++k) out[k] = out[k] * op.scale[k / plane] + op.bias[k / plane];
        break;
      }
      case OpType::kRelu:
      case OpType::kFlatten: out = in; break;  // flattening CHW keeps the element order
    }
    if (op.relu || op.type == OpType::kRelu) {
      for (float& v : out) v = std::max(v, 0.0f);
    }
    values[size_t(op.output)] = std::move(out);
  }
  return values;
}

int argmax(const float* data, size_t count) { return int(std::max_element(data, data + count) - data); }

}  // namespace flipsim::nn
