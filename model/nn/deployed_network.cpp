#include "model/nn/deployed_network.h"

#include "model/nn/clip_calibration.h"
#include "model/nn/quantize.h"

namespace flipsim::nn {

QNetwork deployed_network(const FloatGraph& graph, const ImageSet& train, const InferConfig& infer) {
  const size_t count = size_t(infer.calibration_images);
  QNetwork net = quantize_network(graph, train, count, {infer.data_bits, infer.accel.acc_bits});
  if (infer.accel.protection.clip_activations) calibrate_clip_ranges(net, infer.accel, train, count);
  return net;
}

}  // namespace flipsim::nn
