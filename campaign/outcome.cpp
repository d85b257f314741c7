#include "campaign/outcome.h"

#include <cmath>
#include <cstdlib>

namespace flipsim {

int top1(const FeatureMap& logits) {
  int best = 0;
  for (size_t i = 1; i < logits.data.size(); ++i)
    if (logits.data[i] > logits.data[best]) best = int(i);
  return best;
}

namespace {

const char* stage_of(nn::QOpType type) {
  switch (type) {
    case nn::QOpType::kMaxPool:
    case nn::QOpType::kAvgPool:
    case nn::QOpType::kGlobalAvgPool: return "pooling";
    case nn::QOpType::kRelu: return "relu";
    case nn::QOpType::kAccel: return "next_layer";
    case nn::QOpType::kAdd: return "residual_add";
    default: return "later";
  }
}

}  // namespace

Classification classify(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                        const std::vector<FeatureMap>* faulty, const std::string& hung_layer) {
  Classification c;
  const FeatureMap& golden_logits = golden[net.output_value];
  c.golden_top1 = top1(golden_logits);
  if (!faulty) {
    c.outcome = "hang";
    c.first_diff = hung_layer;
    return c;
  }
  const std::vector<FeatureMap>& f = *faulty;
  std::vector<bool> differs(golden.size(), false);
  for (const nn::QOp& op : net.ops) {
    differs[op.output] = !(f[op.output] == golden[op.output]);
    if (differs[op.output] && c.first_diff.empty()) c.first_diff = op.name;
  }
  const FeatureMap& logits = f[net.output_value];
  c.faulty_top1 = top1(logits);
  const double scale = net.values[net.output_value].scale;
  for (size_t i = 0; i < logits.data.size() && i < golden_logits.data.size(); ++i)
    c.max_logit_dev = std::max(c.max_logit_dev, std::abs(double(logits.data[i]) - golden_logits.data[i]) * scale);

  if (!differs[net.output_value]) {
    c.outcome = "masked";
    if (c.first_diff.empty()) {
      c.masked_at = "inside_accelerator";
    } else {
      // The first op whose output is golden again although one of its inputs was not.
      for (const nn::QOp& op : net.ops) {
        bool input_differs = false;
        for (int in : op.inputs) input_differs = input_differs || differs[in];
        if (input_differs && !differs[op.output]) {
          c.masked_at = stage_of(op.type);
          break;
        }
      }
    }
  } else {
    c.outcome = c.faulty_top1 == c.golden_top1 ? "sdc" : "sdc_critical";
  }
  return c;
}

}  // namespace flipsim
