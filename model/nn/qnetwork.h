// A quantized network: accelerator layers (ConvLayer) and integer host ops, run on any ConvEngine.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/accel/engine.h"
#include "model/accel/layer.h"
#include "model/nn/host_ops.h"

namespace flipsim::nn {

/// Where an op runs. kAccel is a Conv or a Gemm (a 1x1 convolution on a 1 x 1 x K map) on the accelerator;
/// everything else runs on the host.
enum class QOpType { kAccel, kMaxPool, kAvgPool, kGlobalAvgPool, kPad, kRelu, kAdd, kFlatten };

/// Readable name ("accel", "MaxPool", ...).
const char* qop_type_name(QOpType type);

/// A quantized tensor: an H x W x C feature map (vectors are 1 x 1 x N) whose integer q stands for q * scale.
struct QValue {
  std::string name;  ///< the ONNX tensor name
  int height = 1;
  int width = 1;
  int channels = 0;
  double scale = 1.0;
};

/// One quantized op; fields unused by its type keep their defaults.
struct QOp {
  QOpType type = QOpType::kAccel;
  std::string name;                     ///< the ONNX node name it came from
  std::vector<int> inputs;              ///< value ids
  int output = -1;                      ///< value id
  ConvLayer layer;                      ///< kAccel
  bool from_gemm = false;               ///< kAccel: a Gemm/MatMul (a 1x1 conv on a 1 x 1 x K map) rather than a Conv
  PoolParams pool;                      ///< kMaxPool, kAvgPool
  std::array<int, 4> pads{0, 0, 0, 0};  ///< kPad: top, left, bottom, right
  int32_t pad_value = 0;                ///< kPad, already quantized
  AddParams add;                        ///< kAdd
};

/// Per-image execution cost summed over the accelerator ops.
struct NetworkRun {
  uint64_t cycles = 0;
  uint64_t macs = 0;
};

/// The quantized network. Value ids and op order match the float graph it was made from (after folding).
struct QNetwork {
  std::string source;  ///< model file, for messages
  int data_bits = 8;
  std::vector<QValue> values;
  std::vector<QOp> ops;
  int input_value = 0;
  int output_value = -1;
  /// x_q for each pixel value: saturate(round(pixel / 255 / input scale)), computed once at quantization.
  std::array<int32_t, 256> input_lut{};

  /// The image as the network's input map (H x W x 1).
  FeatureMap quantize_image(const uint8_t* pixels) const;

  /// Runs op `index`, reading its inputs from `acts` and storing its output there (acts.size() == values.size()).
  /// Accelerator ops go to `engine`; their cost is added to `run` when given.
  void run_op(size_t index, std::vector<FeatureMap>& acts, ConvEngine& engine, NetworkRun* run = nullptr) const;

  /// Runs the whole network on one input map; returns every value (index = value id): the per-layer golden
  /// activations, with the logits at output_value.
  std::vector<FeatureMap> run(FeatureMap input, ConvEngine& engine, NetworkRun* run = nullptr) const;

  /// Predicted class of one image (argmax of the integer logits, the first on ties).
  int classify(const uint8_t* pixels, ConvEngine& engine, NetworkRun* run = nullptr) const;

  /// Indices into `ops` of the accelerator layers, in execution order.
  std::vector<size_t> accel_ops() const;
};

}  // namespace flipsim::nn
