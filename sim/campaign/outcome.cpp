#include "sim/campaign/outcome.h"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "model/accel/golden.h"
#include "model/accel/layer_plan.h"
#include "model/accel/requant.h"

namespace flipsim {

int top1(const FeatureMap& logits) {
  int best = 0;
  for (size_t i = 1; i < logits.data.size(); ++i)
    if (logits.data[i] > logits.data[best]) best = int(i);
  return best;
}

namespace {

MaskingStage stage_of(nn::QOpType type) {
  switch (type) {
    case nn::QOpType::kMaxPool:
    case nn::QOpType::kAvgPool:
    case nn::QOpType::kGlobalAvgPool: return MaskingStage::kPooling;
    case nn::QOpType::kRelu: return MaskingStage::kReluOp;
    case nn::QOpType::kAccel: return MaskingStage::kNextLayer;
    case nn::QOpType::kAdd: return MaskingStage::kResidualAdd;
    default: return MaskingStage::kLater;
  }
}

}  // namespace

MaskingStage accelerator_masking_stage(const nn::QNetwork& net, const AccelConfig& accel,
                                      const model::ArraySchedule& schedule,
                                      const std::vector<std::vector<int64_t>>& golden_accumulators,
                                      const ObservedRows& observed) {
  // Along the PPU's pipeline: the latest stage that hid some difference is where the fault was masked.
  static constexpr MaskingStage kOrder[] = {MaskingStage::kArray, MaskingStage::kRounding, MaskingStage::kRelu,
                                            MaskingStage::kSaturation};
  int latest = 0;
  int pass_index = 0;
  const std::vector<size_t> accel_ops = net.accel_ops();
  for (size_t l = 0; l < accel_ops.size(); ++l) {
    const nn::QOp& op = net.ops[accel_ops[l]];
    const LayerPlan& plan = schedule.layer_plan(int(l));
    for (const LayerPass& pass : plan.passes) {
      for (auto it = observed.lower_bound({pass_index, 0}); it != observed.end() && it->first.first == pass_index;
           ++it) {
        const uint32_t addr = it->first.second;
        const int m = int(addr) / pass.n_tiles, nt = int(addr) % pass.n_tiles;
        if (m >= pass.m_count) continue;
        const int pixel = pass.m_begin + m;
        for (int c = 0; c < accel.cols; ++c) {
          const int o = (pass.n_tile_begin + nt) * accel.cols + c;
          const int64_t expected =
              o < op.layer.out_channels
                  ? golden_accumulators[l][size_t(pixel) * size_t(op.layer.out_channels) + size_t(o)]
                  : 0;
          const int64_t seen = it->second[size_t(c)];
          if (seen == expected) continue;
          // requant.h speaks text ("" when the difference survived); its stages are a subset of ours.
          const std::optional<MaskingStage> stage =
              parse_masking_stage(requant_masking_stage(expected, seen, op.layer.requant, accel.data_bits,
                                                        op.layer.clip.empty() || o >= op.layer.out_channels
                                                            ? nullptr
                                                            : &op.layer.clip[size_t(o)]));
          for (int k = 1; k < 4; ++k)
            if (stage == kOrder[k]) latest = std::max(latest, k);
        }
      }
      ++pass_index;
    }
  }
  return kOrder[latest];
}

Classification classify(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                        const std::vector<FeatureMap>* faulty, const std::string& hung_layer) {
  Classification c;
  const FeatureMap& golden_logits = golden[net.output_value];
  c.golden_top1 = top1(golden_logits);
  if (!faulty) {
    c.outcome = Outcome::kHang;
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
    c.outcome = Outcome::kMasked;
    if (c.first_diff.empty()) {
      c.masked_at = MaskingStage::kInsideAccelerator;
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
    c.outcome = c.faulty_top1 == c.golden_top1 ? Outcome::kSdc : Outcome::kSdcCritical;
  }
  return c;
}

Outcome protected_outcome(Outcome from_outputs, const ProtectionEvents& events, const Protection& protection) {
  if (from_outputs == Outcome::kHang) return from_outputs;
  if (events.detected_passes > 0 && protection.on_detect != OnDetect::kZero) return Outcome::kDetected;
  if (from_outputs == Outcome::kMasked && (events.corrected_passes > 0 || events.recomputes > 0))
    return Outcome::kCorrected;
  return from_outputs;
}

}  // namespace flipsim
