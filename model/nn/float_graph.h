// The float network as imported: a topologically ordered list of operations on batch-1 tensors.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace flipsim::nn {

/// Operations the float graph can hold. kAffine is a per-channel y = x * scale + shift (an unfolded
/// BatchNormalization or bias Add); fold_graph() merges it into the preceding Conv/Gemm.
enum class OpType { kConv, kGemm, kRelu, kMaxPool, kAvgPool, kGlobalAvgPool, kFlatten, kPad, kAdd, kAffine };

/// Readable op name for messages ("Conv", "MaxPool", ...).
const char* op_type_name(OpType type);

/// A runtime tensor with batch 1: a map [1, C, H, W] (is_map) or a vector [1, C] (H = W = 1).
struct ValueInfo {
  std::string name;  ///< ONNX tensor name
  bool is_map = true;
  int channels = 0;
  int height = 1;
  int width = 1;
  /// For a vector made by flattening a map: that map's [C, H, W]. ONNX flattens CHW; the quantized network keeps
  /// HWC maps, so a Gemm reading this vector needs its weight columns permuted. {size, 1, 1} otherwise.
  std::array<int, 3> flattened_from{0, 1, 1};

  int64_t size() const { return int64_t(channels) * height * width; }
};

/// One operation. Fields unused by an op type keep their defaults.
struct FloatOp {
  OpType type = OpType::kRelu;
  std::string name;         ///< ONNX node name (or "<op_type>#<index>" when the node has none)
  std::vector<int> inputs;  ///< value ids (two for kAdd, one otherwise)
  int output = -1;          ///< value id
  bool relu = false;        ///< ReLU fused into kConv/kGemm/kAdd

  // kConv: weights [O][I][kh][kw]; kGemm: weights [N][K] (y = W x + b). kAffine: per-channel scale, bias = shift.
  std::vector<float> weights;
  std::vector<float> bias;
  std::vector<float> scale;

  // kConv, kMaxPool, kAvgPool (kernel, stride); kPad and pooling: pads top, left, bottom, right.
  int kernel_h = 1;
  int kernel_w = 1;
  int stride_h = 1;
  int stride_w = 1;
  std::array<int, 4> pads{0, 0, 0, 0};
  bool count_include_pad = false;  ///< kAvgPool: divide by the full window, padding included
  float pad_value = 0.0f;          ///< kPad: the constant written into the border
};

/// The whole float network: value 0 is the image input [1, C, H, W]; output_value holds the logits.
struct FloatGraph {
  std::string source;  ///< file (or buffer name) it was imported from, for messages
  std::vector<ValueInfo> values;
  std::vector<FloatOp> ops;
  int input_value = 0;
  int output_value = -1;

  const ValueInfo& input() const { return values[size_t(input_value)]; }
  const ValueInfo& output() const { return values[size_t(output_value)]; }
};

}  // namespace flipsim::nn
