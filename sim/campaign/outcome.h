// Classifies one faulty inference against the golden one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/layer.h"
#include "model/nn/qnetwork.h"
#include "model/soft_error/register_model.h"
#include "sim/rtl_engine.h"
#include "sim/campaign/injection_record.h"

namespace flipsim {

struct Classification {
  Outcome outcome = Outcome::kMasked;  ///< masked, sdc, sdc_critical or hang (no protected designs yet)
  /// Masked faults: kInsideAccelerator (no op output differed; accelerator_masking_stage() says where), or
  /// pooling | relu_op | next_layer | residual_add | later (a layer output differed, this op hid it).
  MaskingStage masked_at = MaskingStage::kNone;
  std::string first_diff;  ///< name of the first op whose output differs
  double max_logit_dev = 0;  ///< largest |faulty - golden| logit, in real (dequantized) units
  int golden_top1 = -1;
  int faulty_top1 = -1;
};

int top1(const FeatureMap& logits);

/// PPU input rows seen during the faulty run: (pass index, output-buffer address) -> accumulators.
using ObservedRows = std::map<std::pair<int, uint32_t>, std::vector<int64_t>>;

/// For a fault that changed no op output: kArray when no accumulator reaching the PPU differed from the
/// golden one, else the latest PPU stage that hid a difference (kRounding, kRelu or kSaturation).
/// `schedule` plans the network's layers; `golden_accumulators`: every accelerator layer's layer_accumulators() in
/// the golden run (accel_ops() order).
MaskingStage accelerator_masking_stage(const nn::QNetwork& net, const AccelConfig& accel,
                                      const model::ArraySchedule& schedule,
                                      const std::vector<std::vector<int64_t>>& golden_accumulators,
                                      const ObservedRows& observed);

/// What a protected design makes of the classification of its outputs: under OnDetect::kFlag or kRecompute an
/// error still flagged at the end of a pass ends the inference as kDetected (the system knows the answer is
/// bad) unless it hung; golden outputs after a correction or a recomputation are kCorrected; under kZero the
/// outputs decide, as without protection.
Outcome protected_outcome(Outcome from_outputs, const ProtectionEvents& events, const Protection& protection);

/// `faulty` is null when the accelerator hung (then `hung_layer` names the layer it hung in).
Classification classify(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                        const std::vector<FeatureMap>* faulty, const std::string& hung_layer = "");

}  // namespace flipsim
