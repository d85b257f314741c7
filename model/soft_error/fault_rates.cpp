#include "model/soft_error/fault_rates.h"

namespace flipsim::model {

FaultRates uniform_rates(size_t accel_layers, FaultTarget target, double ber, const std::vector<int>& layers) {
  FaultRates rates(accel_layers);
  std::vector<bool> chosen(accel_layers, layers.empty());
  for (int l : layers)
    if (l >= 0 && size_t(l) < accel_layers) chosen[size_t(l)] = true;
  for (size_t l = 0; l < accel_layers; ++l) {
    if (!chosen[l]) continue;
    if (target != FaultTarget::kActivations) rates[l].weight = ber;
    if (target != FaultTarget::kWeights) rates[l].activation = ber;
  }
  return rates;
}

}  // namespace flipsim::model
