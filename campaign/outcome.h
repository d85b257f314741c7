// Classifies one faulty inference against the golden one.
#pragma once

#include <string>
#include <vector>

#include "accel/layer.h"
#include "nn/qnetwork.h"

namespace flipsim {

struct Classification {
  std::string outcome;     ///< masked | sdc | sdc_critical | hang (detected / corrected: protected designs)
  std::string masked_at;   ///< masked faults: inside_accelerator | pooling | relu | next_layer | residual_add | later
  std::string first_diff;  ///< name of the first op whose output differs
  double max_logit_dev = 0;  ///< largest |faulty - golden| logit, in real (dequantized) units
  int golden_top1 = -1;
  int faulty_top1 = -1;
};

int top1(const FeatureMap& logits);

/// `faulty` is null when the accelerator hung (then `hung_layer` names the layer it hung in).
Classification classify(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                        const std::vector<FeatureMap>* faulty, const std::string& hung_layer = "");

}  // namespace flipsim
