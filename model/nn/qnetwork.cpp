#include "model/nn/qnetwork.h"

#include <algorithm>

namespace flipsim::nn {

const char* qop_type_name(QOpType type) {
  switch (type) {
    case QOpType::kAccel: return "accel";
    case QOpType::kMaxPool: return "MaxPool";
    case QOpType::kAvgPool: return "AveragePool";
    case QOpType::kGlobalAvgPool: return "GlobalAveragePool";
    case QOpType::kPad: return "Pad";
    case QOpType::kRelu: return "Relu";
    case QOpType::kAdd: return "Add";
    case QOpType::kFlatten: return "Flatten";
  }
  return "?";
}

FeatureMap QNetwork::quantize_image(const uint8_t* pixels) const {
  const QValue& in = values[size_t(input_value)];
  FeatureMap map(in.height, in.width, in.channels);
  for (size_t k = 0; k < map.data.size(); ++k) map.data[k] = input_lut[pixels[k]];
  return map;
}

void QNetwork::run_op(size_t index, std::vector<FeatureMap>& acts, ConvEngine& engine, NetworkRun* run) const {
  const QOp& op = ops[index];
  const FeatureMap& in = acts[size_t(op.inputs[0])];
  FeatureMap out;
  switch (op.type) {
    case QOpType::kAccel: {
      LayerRun cost;
      out = engine.run(in, op.layer, &cost);
      if (run) {
        run->cycles += cost.cycles;
        run->macs += cost.macs;
      }
      break;
    }
    case QOpType::kMaxPool: out = max_pool(in, op.pool); break;
    case QOpType::kAvgPool: out = avg_pool(in, op.pool); break;
    case QOpType::kGlobalAvgPool: out = global_avg_pool(in); break;
    case QOpType::kPad: out = pad_map(in, op.pads, op.pad_value); break;
    case QOpType::kRelu: out = relu_map(in); break;
    case QOpType::kAdd: out = add_maps(in, acts[size_t(op.inputs[1])], op.add, data_bits); break;
    case QOpType::kFlatten: out = flatten_map(in); break;
  }
  acts[size_t(op.output)] = std::move(out);
}

std::vector<FeatureMap> QNetwork::run(FeatureMap input, ConvEngine& engine, NetworkRun* run) const {
  std::vector<FeatureMap> acts(values.size());
  acts[size_t(input_value)] = std::move(input);
  for (size_t i = 0; i < ops.size(); ++i) run_op(i, acts, engine, run);
  return acts;
}

int QNetwork::classify(const uint8_t* pixels, ConvEngine& engine, NetworkRun* run) const {
  const std::vector<FeatureMap> acts = this->run(quantize_image(pixels), engine, run);
  const std::vector<int32_t>& logits = acts[size_t(output_value)].data;
  return int(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

std::vector<size_t> QNetwork::accel_ops() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].type == QOpType::kAccel) out.push_back(i);
  }
  return out;
}

}  // namespace flipsim::nn
