#include "model/soft_error/correlated_model.h"

#include <cmath>

#include "model/soft_error/moment_model.h"

namespace flipsim::model {
namespace {

// sum_i s[i] R_i R_i^T over the rows R_i of a sensitivity matrix.
Eigen::MatrixXd weighted_gram(const Sensitivity& rows, const Eigen::VectorXd& s) {
  return rows.transpose() * s.asDiagonal() * rows;
}

}  // namespace

CorrelatedBasis::CorrelatedBasis(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                 const FlipSumTable& sums, bool weights, bool activations,
                                 std::vector<std::vector<int64_t>> acc)
    : golden(net, acc.empty() ? golden_accumulators(net, golden) : std::move(acc)),
      weights(weights),
      activations(activations) {
  const std::vector<size_t> ops = net.accel_ops();
  for (size_t l = 0; l < ops.size(); ++l) {
    const nn::QOp& op = net.ops[ops[l]];
    local.emplace_back(op.layer, golden[size_t(op.inputs[0])], sums, weights, activations);
    gates.emplace_back();
    const std::vector<int64_t>& acc_l = this->golden.acc[l];
    for (size_t k = 0; k < acc_l.size(); ++k)
      gates[l].push_back(requant_gate(acc_l[k], op.layer.requant, net.data_bits,
                                      op.layer.clip_of(int(k % size_t(op.layer.out_channels)))));
  }
}

CorrelatedImage::CorrelatedImage(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                 const FlipSumTable& sums, bool weights, bool activations)
    : CorrelatedImage(net, golden, sums, std::make_shared<CorrelatedBasis>(net, golden, sums, weights, activations)) {}

CorrelatedImage::CorrelatedImage(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                 const FlipSumTable& sums, std::shared_ptr<const CorrelatedBasis> basis)
    : net_(net), accel_ops_(net.accel_ops()), basis_(std::move(basis)) {
  classes_ = Eigen::Index(golden[size_t(net.output_value)].data.size());
  const std::vector<std::vector<int64_t>>& golden_acc = basis_->golden.acc;
  const bool weights = basis_->weights, activations = basis_->activations;
  out_sens_ = model::output_sensitivities(net, golden, golden_acc);
  layers_.resize(accel_ops_.size());
  for (size_t l = 0; l < accel_ops_.size(); ++l) {
    const nn::QOp& op = net.ops[accel_ops_[l]];
    const FeatureMap& in = golden[size_t(op.inputs[0])];
    Layer& L = layers_[l];
    L.gate = basis_->gates[l];
    Sensitivity acc_sens = out_sens_[l];
    for (size_t k = 0; k < L.gate.size(); ++k) acc_sens.row(Eigen::Index(k)) *= L.gate[k];
    if (activations) {
      const Sensitivity g = conv_input_sensitivity(op.layer, in.height, in.width, acc_sens);
      Eigen::VectorXd s2(g.rows());
      for (Eigen::Index i = 0; i < g.rows(); ++i) s2[i] = sums(in.data[size_t(i)]).s2;
      L.gram_act = weighted_gram(g, s2);
    }
    if (weights) {
      const ConvLayer& cl = op.layer;
      if (golden_acc[l].size() == size_t(cl.out_channels)) {
        // One output position (a fully-connected layer): weight (o, i) reaches the logits as x_i g_o, so
        // sum_w S2(w) H_w H_w^T = sum_o (sum_i S2(w_oi) x_i^2) g_o g_o^T.
        const size_t fan_in = cl.weights.size() / size_t(cl.out_channels);
        Eigen::VectorXd c(cl.out_channels);
        for (int o = 0; o < cl.out_channels; ++o) {
          double s = 0;
          for (size_t i = 0; i < fan_in; ++i) {
            const double x = in.data[i];
            s += sums(cl.weights[size_t(o) * fan_in + i]).s2 * x * x;
          }
          c[o] = s;
        }
        L.gram_weight = weighted_gram(acc_sens, c);
      } else {
        const Sensitivity h = conv_weight_sensitivity(cl, in, acc_sens);
        Eigen::VectorXd s2(h.rows());
        for (Eigen::Index i = 0; i < h.rows(); ++i) s2[i] = sums(cl.weights[size_t(i)]).s2;
        L.gram_weight = weighted_gram(h, s2);
      }
    }
  }
}

LogitGaussian CorrelatedImage::logits(const FaultRates& rates) const {
  LogitGaussian g{Eigen::VectorXd::Zero(classes_), Eigen::MatrixXd::Zero(classes_, classes_)};
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    const double pw = L.gram_weight.size() ? rates[l].weight : 0.0;
    const double pa = L.gram_act.size() ? rates[l].activation : 0.0;
    if (pw == 0 && pa == 0) continue;
    const MapMoments acc = basis_->local[l].at(pw, pa);
    const Sensitivity& js = out_sens_[l];
    Eigen::VectorXd mean_y(js.rows()), resid(js.rows());
    for (Eigen::Index k = 0; k < js.rows(); ++k) {
      const double m = acc.mean[size_t(k)], v = acc.var[size_t(k)];
      const MeanVar y = requantized_moments(basis_->golden.points[l][size_t(k)], m, v);
      mean_y[k] = y.mean;
      // Signed: where the requantizer clips, its output varies less than the linear part says.
      resid[k] = y.var - L.gate[size_t(k)] * L.gate[size_t(k)] * v;
    }
    g.mean += js.transpose() * mean_y;
    // sum_k resid_k J_k J_k^T over the neurons whose residual is not zero (at low rates most are masked).
    const Eigen::Index d = js.cols();
    Eigen::MatrixXd& c = g.cov;
    for (Eigen::Index k = 0; k < js.rows(); ++k) {
      const double r = resid[k];
      if (r == 0) continue;
      const double* j = js.data() + k * d;
      for (Eigen::Index a = 0; a < d; ++a) {
        const double ra = r * j[a];
        if (ra == 0) continue;
        for (Eigen::Index b = 0; b <= a; ++b) c(a, b) += ra * j[b];
      }
    }
    if (pa > 0) g.cov += pa * (1 - pa) * L.gram_act;
    if (pw > 0) g.cov += pw * (1 - pw) * L.gram_weight;
  }
  // The residual loop filled the lower triangle only (the Gram matrices are symmetric already).
  g.cov.triangularView<Eigen::StrictlyUpper>() = g.cov.transpose().triangularView<Eigen::StrictlyUpper>();
  return g;
}

}  // namespace flipsim::model
