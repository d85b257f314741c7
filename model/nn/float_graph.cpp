#include "model/nn/float_graph.h"

namespace flipsim::nn {

const char* op_type_name(OpType type) {
  switch (type) {
    case OpType::kConv: return "Conv";
    case OpType::kGemm: return "Gemm";
    case OpType::kRelu: return "Relu";
    case OpType::kMaxPool: return "MaxPool";
    case OpType::kAvgPool: return "AveragePool";
    case OpType::kGlobalAvgPool: return "GlobalAveragePool";
    case OpType::kFlatten: return "Flatten";
    case OpType::kPad: return "Pad";
    case OpType::kAdd: return "Add";
    case OpType::kAffine: return "Affine";
  }
  return "?";
}

}  // namespace flipsim::nn
