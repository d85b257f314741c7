#include "model/nn/quantize.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <thread>

#include "model/common/config_error.h"
#include "model/accel/requant.h"
#include "model/nn/evaluate.h"
#include "model/nn/float_executor.h"

namespace flipsim::nn {
namespace {

int64_t round_saturate(double v, int bits) {
  const double limit = std::ldexp(1.0, bits - 1);
  if (v >= limit) return int64_t(limit) - 1;
  if (v <= -limit) return -int64_t(limit);
  return saturate_to_bits(std::llround(v), bits);
}

Requant requant_for(double scale, const FloatGraph& graph, const FloatOp& op) {
  try {
    return requant_from_scale(scale);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(graph.source + ": node '" + op.name + "' (" + op_type_name(op.type) +
                      "): cannot requantize: " + e.what());
  }
}

// Builds the accelerator layer of a Conv or Gemm.
ConvLayer make_layer(const FloatGraph& graph, const FloatOp& op, double s_in, double s_out, const QuantOptions& o) {
  const int q = (1 << (o.data_bits - 1)) - 1;
  float max_w = 0.0f;
  for (float w : op.weights) max_w = std::max(max_w, std::fabs(w));
  const double s_w = (max_w > 0 ? max_w : 1.0) / q;
  const ValueInfo& in = graph.values[size_t(op.inputs[0])];
  ConvLayer layer;
  layer.name = op.name;
  layer.in_channels = in.channels;  // K for a Gemm: its input is a 1 x 1 x K map
  layer.out_channels = int(op.bias.size());
  if (op.type == OpType::kConv) {
    layer.kernel_h = op.kernel_h;
    layer.kernel_w = op.kernel_w;
    layer.stride = op.stride_h;
    layer.pad = op.pads[0];
  }
  layer.weights.resize(op.weights.size());
  const int I = layer.in_channels, kh = layer.kernel_h, kw = layer.kernel_w;
  // ONNX flattens CHW but our maps are HWC; a Gemm reading a flattened C x H x W map gets its columns permuted
  // so that column (y * W + x) * C + c holds ONNX column (c * H + y) * W + x.
  const auto [fc, fh, fw] = in.flattened_from;
  for (int o_ch = 0; o_ch < layer.out_channels; ++o_ch) {
    for (int ky = 0; ky < kh; ++ky) {
      for (int kx = 0; kx < kw; ++kx) {
        for (int i = 0; i < I; ++i) {
          size_t src;
          if (op.type == OpType::kConv) {
            src = ((size_t(o_ch) * I + i) * kh + ky) * kw + kx;  // OIHW
          } else {
            const int c = i % fc, pixel = i / fc;
            src = size_t(o_ch) * I + (size_t(c) * fh + pixel / fw) * fw + pixel % fw;
          }
          layer.weights[((size_t(o_ch) * kh + ky) * kw + kx) * I + i] =
              int32_t(round_saturate(op.weights[src] / s_w, o.data_bits));
        }
      }
    }
  }
  for (float b : op.bias) layer.bias.push_back(round_saturate(b / (s_in * s_w), o.acc_bits));
  layer.requant = requant_for(s_in * s_w / s_out, graph, op);
  layer.requant.relu = op.relu;
  return layer;
}

}  // namespace

std::vector<double> calibrate(const FloatGraph& graph, const ImageSet& images, size_t count) {
  check_model_fits_images(graph, images);
  if (count == 0 || count > images.size())
    throw ConfigError(graph.source + ": calibration needs between 1 and " + std::to_string(images.size()) +
                      " images, asked for " + std::to_string(count));
  // A maximum does not depend on the order it is taken in: the images are split between threads (every command
  // that loads a network pays for this, campaign workers and `flipsim model` included), with the same result.
  const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, std::min<size_t>(count, 4));
  std::vector<std::vector<double>> partial(threads, std::vector<double>(graph.values.size(), 0.0));
  std::vector<std::exception_ptr> errors(threads);
  const auto run = [&](size_t t) {
    try {
      std::vector<FloatTensor> acts;
      for (size_t n = count * t / threads; n < count * (t + 1) / threads; ++n) {
        run_float_graph(graph, image_to_tensor(images.image(n), images.image_bytes()), acts);
        for (size_t v = 0; v < acts.size(); ++v)
          for (float x : acts[v]) partial[t][v] = std::max(partial[t][v], double(std::fabs(x)));
      }
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  std::vector<double> max_abs = partial[0];
  for (size_t t = 1; t < threads; ++t)
    for (size_t v = 0; v < max_abs.size(); ++v) max_abs[v] = std::max(max_abs[v], partial[t][v]);
  return max_abs;
}

QNetwork quantize(const FloatGraph& graph, const std::vector<double>& max_abs, const QuantOptions& options) {
  if (options.data_bits != 8 && options.data_bits != 16)
    throw ConfigError(graph.source + ": data_bits must be 8 or 16, got " + std::to_string(options.data_bits));
  if (max_abs.size() != graph.values.size())
    throw std::invalid_argument("quantize: calibration ranges do not belong to this graph");
  const int q = (1 << (options.data_bits - 1)) - 1;
  auto calibrated_scale = [&](int v) { return (max_abs[size_t(v)] > 0 ? max_abs[size_t(v)] : 1.0) / q; };

  QNetwork net;
  net.source = graph.source;
  net.data_bits = options.data_bits;
  net.input_value = graph.input_value;
  net.output_value = graph.output_value;
  for (const ValueInfo& v : graph.values) {
    QValue qv;
    qv.name = v.name;
    qv.channels = v.is_map ? v.channels : int(v.size());
    qv.height = v.is_map ? v.height : 1;
    qv.width = v.is_map ? v.width : 1;
    net.values.push_back(qv);
  }
  const double s_input = calibrated_scale(graph.input_value);
  net.values[size_t(graph.input_value)].scale = s_input;
  for (int p = 0; p < 256; ++p)
    net.input_lut[size_t(p)] = int32_t(round_saturate(p / 255.0 / s_input, options.data_bits));

  for (const FloatOp& op : graph.ops) {
    const double s_in = net.values[size_t(op.inputs[0])].scale;
    double s_out = s_in;  // ops that only move, select or average values keep their input's scale
    QOp qop;
    qop.name = op.name;
    qop.inputs = op.inputs;
    qop.output = op.output;
    switch (op.type) {
      case OpType::kConv:
      case OpType::kGemm:
        s_out = calibrated_scale(op.output);
        qop.type = QOpType::kAccel;
        qop.layer = make_layer(graph, op, s_in, s_out, options);
        qop.from_gemm = op.type == OpType::kGemm;
        break;
      case OpType::kAdd:
        s_out = calibrated_scale(op.output);
        qop.type = QOpType::kAdd;
        qop.add.a = requant_for(s_in / s_out, graph, op);
        qop.add.b = requant_for(net.values[size_t(op.inputs[1])].scale / s_out, graph, op);
        qop.add.relu = op.relu;
        break;
      case OpType::kMaxPool:
      case OpType::kAvgPool:
        qop.type = op.type == OpType::kMaxPool ? QOpType::kMaxPool : QOpType::kAvgPool;
        qop.pool.kernel_h = op.kernel_h;
        qop.pool.kernel_w = op.kernel_w;
        qop.pool.stride_h = op.stride_h;
        qop.pool.stride_w = op.stride_w;
        qop.pool.pads = op.pads;
        qop.pool.count_include_pad = op.count_include_pad;
        break;
      case OpType::kGlobalAvgPool: qop.type = QOpType::kGlobalAvgPool; break;
      case OpType::kRelu: qop.type = QOpType::kRelu; break;
      case OpType::kFlatten: qop.type = QOpType::kFlatten; break;
      case OpType::kPad:
        qop.type = QOpType::kPad;
        qop.pads = op.pads;
        qop.pad_value = int32_t(round_saturate(op.pad_value / s_in, options.data_bits));
        break;
      case OpType::kAffine:
        throw ConfigError(graph.source + ": node '" + op.name +
                          "' (BatchNormalization or Add of a constant) cannot be quantized: it must directly follow "
                          "a Conv, Gemm or MatMul whose output feeds nothing else, so that it folds into it");
    }
    net.values[size_t(op.output)].scale = s_out;
    net.ops.push_back(std::move(qop));
  }
  return net;
}

QNetwork quantize_network(const FloatGraph& graph, const ImageSet& calibration, size_t count,
                          const QuantOptions& options) {
  return quantize(graph, calibrate(graph, calibration, count), options);
}

}  // namespace flipsim::nn
