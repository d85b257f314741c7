#include "model/soft_error/flip_reach.h"

#include <algorithm>
#include <limits>

namespace flipsim::model {
namespace {

// The part of one source (a layer's input map or its weights) an element sees.
struct Reach {
  int layer = 0;
  bool weights = false;
  double rows = 1, cols = 1;            ///< input-map positions seen (activation sources)
  double row_step = 1, col_step = 1;    ///< source positions between adjacent positions of the current map
  bool all_weights = false;             ///< every weight of the layer (below it), else one output channel's
};

constexpr double kWhole = std::numeric_limits<double>::infinity();

// Bits that count as a flip reaching an element: the top 8 of each value. A flip of bit b moves a value by 2^b;
// int16's low byte moves it by less than 1/128 of its sign bit, which the next requantizer nearly always rounds
// away, so counting those flips would make a disturbance look dense (close to normal) when its damage still comes
// from a few large jumps. Measured: counting all 16 made the int16 CNN's activations 2.4 points too pessimistic
// at 1e-3, counting 8 leaves them within 2 (docs/model.md §6).
constexpr int kSignificantBits = 8;

void widen(std::vector<Reach>& reach, int kernel_h, int kernel_w, int stride_h, int stride_w) {
  for (Reach& r : reach) {
    if (r.weights) continue;
    r.rows += (kernel_h - 1) * r.row_step;
    r.cols += (kernel_w - 1) * r.col_step;
    r.row_step *= stride_h;
    r.col_step *= stride_w;
  }
}

}  // namespace

std::vector<double> expected_hits(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                  const FaultRates& rates) {
  const std::vector<size_t> accel = net.accel_ops();
  std::vector<int> layer_of_op(net.ops.size(), -1);
  for (size_t l = 0; l < accel.size(); ++l) layer_of_op[accel[l]] = int(l);
  std::vector<std::vector<Reach>> reach(net.values.size());
  std::vector<double> hits(net.values.size(), 0.0);
  const double bits = std::min(net.data_bits, kSignificantBits);

  for (size_t i = 0; i < net.ops.size(); ++i) {
    const nn::QOp& op = net.ops[i];
    std::vector<Reach> r = reach[size_t(op.inputs[0])];
    switch (op.type) {
      case nn::QOpType::kAccel: {
        const ConvLayer& l = op.layer;
        widen(r, l.kernel_h, l.kernel_w, l.stride, l.stride);
        for (Reach& x : r) x.all_weights = x.all_weights || x.weights;
        const int layer = layer_of_op[i];
        Reach own_inputs;
        own_inputs.layer = layer;
        own_inputs.rows = l.kernel_h;
        own_inputs.cols = l.kernel_w;
        own_inputs.row_step = own_inputs.col_step = l.stride;
        r.push_back(own_inputs);
        Reach own_weights;
        own_weights.layer = layer;
        own_weights.weights = true;
        r.push_back(own_weights);
        break;
      }
      case nn::QOpType::kMaxPool:
      case nn::QOpType::kAvgPool:
        widen(r, op.pool.kernel_h, op.pool.kernel_w, op.pool.stride_h, op.pool.stride_w);
        break;
      case nn::QOpType::kGlobalAvgPool:
      case nn::QOpType::kFlatten:  // what follows a flatten is a fully-connected layer, which reads all of it
        for (Reach& x : r) x.rows = x.cols = kWhole;
        break;
      case nn::QOpType::kAdd:
        for (const Reach& b : reach[size_t(op.inputs[1])]) {
          auto same = std::find_if(r.begin(), r.end(),
                                   [&](const Reach& a) { return a.layer == b.layer && a.weights == b.weights; });
          if (same == r.end()) {
            r.push_back(b);
          } else {
            same->rows = std::max(same->rows, b.rows);
            same->cols = std::max(same->cols, b.cols);
            same->all_weights = same->all_weights || b.all_weights;
          }
        }
        break;
      case nn::QOpType::kPad:
      case nn::QOpType::kRelu:
        break;
    }
    double h = 0;
    for (const Reach& x : r) {
      const nn::QOp& owner = net.ops[accel[size_t(x.layer)]];
      const LayerRates& rate = rates[size_t(x.layer)];
      if (x.weights) {
        const double n = double(owner.layer.weights.size());
        h += rate.weight * bits * (x.all_weights ? n : n / owner.layer.out_channels);
      } else {
        const FeatureMap& in = golden[size_t(owner.inputs[0])];
        h += rate.activation * bits * std::min(x.rows, double(in.height)) * std::min(x.cols, double(in.width)) *
             in.channels;
      }
    }
    hits[size_t(op.output)] = h;
    reach[size_t(op.output)] = std::move(r);
  }
  return hits;
}

}  // namespace flipsim::model
