// Where the data-level model's dense regime goes wrong (issue 13), measured against flipsim's bit-exact software
// fault simulation on a sweep config's images:
//
//   moments  per rate: simulated accuracy, the improved model's, and the accuracy of a normal logit disturbance with
//            the simulation's own mean and covariance (and with one of the two taken from the model instead), plus
//            the label logit's mean and variance, simulated against modelled. Says whether the model's normal has
//            the wrong moments or the disturbance is not normal.
//   carry    per rate: the label logit's variance under the correlated model's linear carry at the golden gates over
//            every segment, the same with each flip carried exactly through the requantizer and ReLU of the layer
//            that reads it, and the accuracy of a normal with the improved model's mean and the first covariance
//            (activation sweeps); the label logit's mean carried the same two ways; with --trials, the simulated
//            accuracy and mean and a normal with that mean and the first covariance. Says whether the carry or its
//            linearization point loses the variance, and where the mean shift arises.
//   cuts     per rate: how often summing single-flip changes at an accelerator layer's output (clamped to its
//            range), then running the rest of the network exactly, gives the faulty top-1 class of the flips applied
//            together, and (in parentheses) the accuracy that gives; the last cut is the logits (the improved
//            model's jumps; a weight sweep has that cut only). Says where flips stop adding up.
//   junction per rate: the improved model's mixture with every flip a jump, the jumps summed at the logits and,
//            instead, at what the last accelerator layer's side reads (clamped), the rest run exactly; against the
//            simulation and the improved model on the same images. Says whether summing one layer earlier holds.
//   images   one CSV line per image and rate: simulated and modelled accuracy, the golden margin, the label logit's
//            and the margin's (label minus golden runner-up) mean and variance, simulated and in the model's normal,
//            and the margin's variance linearized at the golden gates. Says which images carry the model's error.
//   segments each segment of the fault space, its bits and the rate above which the model calls it dense.
//
//   bench_dense_regime --config configs/sweeps/cnn_int8_activations.yaml
//                      [--mode moments|images|carry|cuts|junction|segments]
//                      [--images 60] [--trials 300] [--first-image N] [--tail-jumps X] --ber 1e-4 --ber 1e-3 ...
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <Eigen/Dense>

#include "model/accel/golden.h"
#include "model/accel/requant.h"
#include "model/soft_error/adjoint.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/compound_poisson.h"
#include "model/soft_error/correlated_model.h"
#include "model/soft_error/data_model.h"
#include "model/soft_error/logit_accuracy.h"
#include "model/soft_error/sweep_config.h"

namespace {

using namespace flipsim;
using namespace flipsim::model;

/// `trials` faulty runs of the image loaded in `sim`, each drawing its flips at `fm` from stream (seed, rate, image,
/// trial): the fraction whose top-1 class is `label`, and the logit disturbance's mean and covariance.
struct Simulated {
  double accuracy = 0;
  LogitGaussian moments;
};
Simulated simulate(SwFaultSim& sim, const FaultSpace& space, const FaultModel& fm, int label, uint64_t seed,
                   uint64_t rate, uint64_t image, int trials) {
  const std::vector<int32_t>& z = sim.golden_logits();
  const Eigen::Index n = Eigen::Index(z.size());
  Eigen::VectorXd mu = Eigen::VectorXd::Zero(n), e(n);
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(n, n);
  int correct = 0;
  for (int t = 0; t < trials; ++t) {
    std::mt19937_64 rng(stream_seed(seed, rate, image, uint64_t(t)));
    correct += sim.inject(sample_faults(space, fm, rng)).top1 == label;
    for (Eigen::Index k = 0; k < n; ++k) e[k] = sim.last_logits()[size_t(k)] - z[size_t(k)];
    mu += e;
    cov += e * e.transpose();
  }
  mu /= trials;
  cov = cov / trials - mu * mu.transpose();
  return {double(correct) / trials, {mu, cov}};
}

/// Test image i of the config, loaded in `sim`: its id (what the streams of its trials and pool are seeded by),
/// its label and its golden logits.
struct TestImage {
  uint64_t id = 0;
  int label = 0;
  std::vector<int32_t> z;
};
TestImage load_test_image(const SweepConfig& c, const LoadedNetwork& ln, SwFaultSim& sim, int i) {
  sim.load_image(ln.net.quantize_image(ln.test.image(size_t(i))));
  return {uint64_t(c.first_image + i), ln.test.labels[size_t(i)], sim.golden_logits()};
}

void moments(const SweepConfig& c, const LoadedNetwork& ln, int images, int trials, const std::vector<double>& bers) {
  SwFaultSim sim(ln.net, c.infer.accel);
  ModelOptions mo = c.model;
  mo.plain_normal = false;
  const DataModel model(ln.net, c.infer.accel, c.target, resolve_layers(ln.net, c.layer_names, c.file), mo);
  const Eigen::MatrixXd draws = standard_normal_draws(10, 1000, 7);
  fmt::print("| ber | simulated | model | normal, simulated moments | normal, model's moments | model's mean, simulated "
             "covariance | simulated mean, model's covariance | normal, summed single flips' moments | label logit "
             "mean, simulated / model / summed flips | label logit variance, simulated / model / summed flips |\n"
             "|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t b = 0; b < bers.size(); ++b) {
    double acc[7] = {0, 0, 0, 0, 0, 0, 0}, mean[3] = {0, 0, 0}, var[3] = {0, 0, 0};
    FaultModel fm;
    fm.ber = bers[b];
    for (int i = 0; i < images; ++i) {
      const auto [id, label, z] = load_test_image(c, ln, sim, i);
      const ImageModel im(model, sim, label, stream_seed(c.seed, id));
      const Simulated simulated = simulate(sim, model.space(), fm, label, c.seed, b, id, trials);
      const Eigen::VectorXd& mu = simulated.moments.mean;
      const Eigen::MatrixXd& cov = simulated.moments.cov;
      const LogitGaussian g = im.gaussian(bers[b]);
      // The moments of the sum of a Poisson number of single-flip jumps (the improved model's pool, every flip a
      // jump): mean lambda E[J], covariance lambda E[J J^T].
      const CompoundPoisson pool(model.space(), sim, label, mo.single_flip_samples, mo.compound_draws,
                                 stream_seed(c.seed, id));
      const double lambda = double(model.space().total_bits()) * bers[b];
      const JumpTail all = pool.tail(lambda, std::vector<bool>(model.space().segments().size(), false), lambda);
      acc[0] += simulated.accuracy;
      acc[1] += im.improved(bers[b]).correct;
      acc[2] += top1_odds_gaussian(z, {mu, cov}, label, draws).correct;
      acc[3] += top1_odds_gaussian(z, g, label, draws).correct;
      acc[4] += top1_odds_gaussian(z, {g.mean, cov}, label, draws).correct;
      acc[5] += top1_odds_gaussian(z, {mu, g.cov}, label, draws).correct;
      acc[6] += top1_odds_gaussian(z, {all.mean, all.second}, label, draws).correct;
      mean[0] += mu[label];
      mean[1] += g.mean[label];
      mean[2] += all.mean[label];
      var[0] += cov(label, label);
      var[1] += g.cov(label, label);
      var[2] += all.second(label, label);
    }
    fmt::print("| {:.2e} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.1f} / {:.1f} / {:.1f} | "
               "{:.0f} / {:.0f} / {:.0f} |\n",
               bers[b], acc[0] / images, acc[1] / images, acc[2] / images, acc[3] / images, acc[4] / images,
               acc[5] / images, acc[6] / images, mean[0] / images, mean[1] / images, mean[2] / images,
               var[0] / images, var[1] / images, var[2] / images);
  }
}

void carry(const SweepConfig& c, const LoadedNetwork& ln, int images, int trials, const std::vector<double>& bers) {
  if (c.target != FaultTarget::kActivations) throw std::runtime_error("--mode carry: an activation sweep only");
  const nn::QNetwork& net = ln.net;
  SwFaultSim sim(net, c.infer.accel);
  ModelOptions mo = c.model;
  mo.plain_normal = false;
  const DataModel model(net, c.infer.accel, c.target, resolve_layers(net, c.layer_names, c.file), mo);
  const Eigen::MatrixXd draws = standard_normal_draws(10, 1000, 7);
  const int bits = net.data_bits;
  std::vector<double> linear(bers.size()), exact(bers.size()), accuracy(bers.size()), mean_linear(bers.size()),
      mean_exact(bers.size()), mean_model(bers.size()), accuracy_exact_mean(bers.size()), simulated(bers.size()),
      mean_simulated(bers.size()), accuracy_simulated_mean(bers.size());
  for (int i = 0; i < images; ++i) {
    const int label = ln.test.labels[size_t(i)];
    sim.load_image(net.quantize_image(ln.test.image(size_t(i))));
    const std::vector<FeatureMap>& golden = sim.golden();
    const auto acc = golden_accumulators(net, golden);
    const std::vector<Sensitivity> sens = output_sensitivities(net, golden, acc);
    const std::vector<size_t> ops = net.accel_ops();
    const Eigen::Index n = Eigen::Index(sim.golden_logits().size());
    // Sums over every stored input bit of every layer of (logit change)(logit change)^T, per unit flip probability.
    Eigen::MatrixXd gram_linear = Eigen::MatrixXd::Zero(n, n), gram_exact = Eigen::MatrixXd::Zero(n, n);
    Eigen::VectorXd e_linear(n), e_exact(n), sum_linear = Eigen::VectorXd::Zero(n), sum_exact = Eigen::VectorXd::Zero(n);
    for (size_t l = 0; l < ops.size(); ++l) {
      const ConvLayer& layer = net.ops[ops[l]].layer;
      const FeatureMap& x = golden[size_t(net.ops[ops[l]].inputs[0])];
      const int oh = layer.out_height(x.height), ow = layer.out_width(x.width);
      for (int iy = 0; iy < x.height; ++iy)
        for (int ix = 0; ix < x.width; ++ix)
          for (int ci = 0; ci < layer.in_channels; ++ci)
            for (int b = 0; b < bits; ++b) {
              const int64_t d = flip_bit(x.at(iy, ix, ci), b, bits) - x.at(iy, ix, ci);
              e_linear.setZero();
              e_exact.setZero();
              for (int ky = 0; ky < layer.kernel_h; ++ky)
                for (int kx = 0; kx < layer.kernel_w; ++kx) {
                  const int ty = iy + layer.pad - ky, tx = ix + layer.pad - kx;
                  if (ty < 0 || tx < 0 || ty % layer.stride || tx % layer.stride) continue;
                  const int oy = ty / layer.stride, ox = tx / layer.stride;
                  if (oy >= oh || ox >= ow) continue;
                  for (int o = 0; o < layer.out_channels; ++o) {
                    const Eigen::Index k = (Eigen::Index(oy) * ow + ox) * layer.out_channels + o;
                    const int64_t a = acc[l][size_t(k)], da = int64_t(layer.weight(o, ky, kx, ci)) * d;
                    if (da == 0) continue;
                    const int32_t dy = layer.clipped(o, requantize(a + da, layer.requant, bits)) -
                                       layer.clipped(o, requantize(a, layer.requant, bits));
                    const double gate = requant_gate(a, layer.requant, bits, layer.clip_of(o));
                    e_exact += double(dy) * sens[l].row(k).transpose();
                    e_linear += gate * double(da) * sens[l].row(k).transpose();
                  }
                }
              gram_linear += e_linear * e_linear.transpose();
              gram_exact += e_exact * e_exact.transpose();
              sum_linear += e_linear;
              sum_exact += e_exact;
            }
    }
    const ImageModel im(model, sim, label, stream_seed(c.seed, uint64_t(c.first_image + i)));
    for (size_t r = 0; r < bers.size(); ++r) {
      const double p = bers[r] * (1 - bers[r]);
      linear[r] += p * gram_linear(label, label);
      exact[r] += p * gram_exact(label, label);
      const Eigen::VectorXd model_mean = im.gaussian(bers[r]).mean;
      accuracy[r] += top1_odds_gaussian(sim.golden_logits(), {model_mean, p * gram_linear}, label, draws).correct;
      accuracy_exact_mean[r] +=
          top1_odds_gaussian(sim.golden_logits(), {bers[r] * sum_exact, p * gram_linear}, label, draws).correct;
      mean_linear[r] += bers[r] * sum_linear[label];
      mean_exact[r] += bers[r] * sum_exact[label];
      mean_model[r] += model_mean[label];
      if (trials == 0) continue;
      // The simulation's own mean with the linear carry's covariance: how far the right mean alone would take it.
      FaultModel fm;
      fm.ber = bers[r];
      const Simulated measured = simulate(sim, model.space(), fm, label, c.seed, r, uint64_t(c.first_image + i), trials);
      const Eigen::VectorXd& mu = measured.moments.mean;
      simulated[r] += measured.accuracy;
      mean_simulated[r] += mu[label];
      accuracy_simulated_mean[r] += top1_odds_gaussian(sim.golden_logits(), {mu, p * gram_linear}, label, draws).correct;
    }
  }
  fmt::print("| ber | label logit variance, linear at the golden gates | the same, exact through the reading layer | "
             "normal with the model's mean and the first covariance | label logit mean, model / linear / exact through "
             "the reading layer / simulated | normal with that exact first-order mean and the first covariance | "
             "simulated accuracy | normal with the simulated mean and the first covariance |\n"
             "|---|---|---|---|---|---|---|---|\n");
  for (size_t r = 0; r < bers.size(); ++r)
    fmt::print("| {:.2e} | {:.0f} | {:.0f} | {:.4f} | {:.1f} / {:.1f} / {:.1f} / {:.1f} | {:.4f} | {:.4f} | {:.4f} |\n",
               bers[r], linear[r] / images, exact[r] / images, accuracy[r] / images, mean_model[r] / images,
               mean_linear[r] / images, mean_exact[r] / images, mean_simulated[r] / images,
               accuracy_exact_mean[r] / images, simulated[r] / images, accuracy_simulated_mean[r] / images);
}

// Flips the input activations of accelerator layers first .. as each reads them (weights stay golden: activation
// sweeps only).
struct ReadFlippingEngine : ConvEngine {
  ReadFlippingEngine(const AccelConfig& accel, const std::vector<BitFlip>& flips, int first_layer, int bits)
      : golden(accel), flips(flips), layer(first_layer), bits(bits) {}
  FeatureMap run(const FeatureMap& in, const ConvLayer& l, LayerRun* r) override {
    FeatureMap x = in;
    for (const BitFlip& f : flips)
      if (f.layer == layer && f.kind == SiteKind::kActivation) x.data[f.index] = flip_bit(x.data[f.index], f.bit, bits);
    ++layer;
    return golden.run(x, l, r);
  }
  std::string name() const override { return "read-flipping"; }
  GoldenEngine golden;
  const std::vector<BitFlip>& flips;
  int layer, bits;
};

void cuts(const SweepConfig& c, const LoadedNetwork& ln, int images, int trials, const std::vector<double>& bers) {
  const nn::QNetwork& net = ln.net;
  SwFaultSim sim(net, c.infer.accel);
  const FaultSpace space(net, c.target, resolve_layers(net, c.layer_names, c.file), c.infer.accel.acc_bits);
  const std::vector<size_t> accel = net.accel_ops();
  const int layers = int(accel.size()), bits = net.data_bits;
  // A weight's flip changes its layer's outputs, not a value the layers after a cut read: only the logits'.
  const int first_cut = c.target == FaultTarget::kActivations ? 0 : layers - 1;
  fmt::print("| ber | simulated accuracy |");
  for (int j = first_cut; j + 1 < layers; ++j) fmt::print(" agree at {} |", net.ops[accel[size_t(j)]].name);
  fmt::print(" agree at the logits |\n|---|---|");  // each with (the accuracy it gives)
  for (int j = first_cut; j < layers; ++j) fmt::print("---|");
  fmt::print("\n");
  for (double ber : bers) {
    std::vector<int> agree(size_t(layers), 0), right(size_t(layers), 0);
    int correct = 0, n = 0;
    FaultModel fm;
    fm.ber = ber;
    for (int i = 0; i < images; ++i) {
      const FeatureMap x = net.quantize_image(ln.test.image(size_t(i)));
      sim.load_image(x);
      const std::vector<FeatureMap> golden = sim.golden();
      for (int t = 0; t < trials; ++t, ++n) {
        std::mt19937_64 rng(stream_seed(c.seed, uint64_t(c.first_image + i), uint64_t(t)));
        const std::vector<BitFlip> flips = sample_faults(space, fm, rng);
        const int truth = top1_of(sim.run_full(x, flips)[size_t(net.output_value)].data);
        correct += truth == ln.test.labels[size_t(i)];
        std::vector<std::vector<FeatureMap>> single;
        for (const BitFlip& f : flips) single.push_back(sim.run_full(x, {f}));
        for (int j = first_cut; j < layers; ++j) {
          // Cut after accelerator layer j (the last: the logits): every value up to it is the golden one plus the
          // single-flip changes of the flips read at or before it, clamped to the stored range.
          const size_t cut = j + 1 < layers ? accel[size_t(j)] : net.ops.size() - 1;
          std::vector<FeatureMap> acts = golden;
          for (size_t o = 0; o <= cut; ++o) {
            FeatureMap& a = acts[size_t(net.ops[o].output)];
            const bool last = o + 1 == net.ops.size();
            int64_t lo = -(int64_t(1) << (bits - 1)), hi = (int64_t(1) << (bits - 1)) - 1;
            if (net.ops[o].type == nn::QOpType::kAccel && net.ops[o].layer.requant.relu)
              lo = net.ops[o].layer.requant.zero_point;
            const FeatureMap& g = golden[size_t(net.ops[o].output)];
            for (size_t k = 0; k < a.data.size(); ++k) {
              int64_t v = g.data[k];
              for (size_t f = 0; f < flips.size(); ++f)
                if (flips[f].layer <= j) v += single[f][size_t(net.ops[o].output)].data[k] - g.data[k];
              a.data[k] = int32_t(last ? v : std::clamp(v, lo, hi));
            }
          }
          ReadFlippingEngine engine(c.infer.accel, flips, j + 1, bits);
          for (size_t o = cut + 1; o < net.ops.size(); ++o) net.run_op(o, acts, engine);
          const int top1 = top1_of(acts[size_t(net.output_value)].data);
          agree[size_t(j)] += top1 == truth;
          right[size_t(j)] += top1 == ln.test.labels[size_t(i)];
        }
      }
    }
    fmt::print("| {:.2e} | {:.4f} |", ber, double(correct) / n);
    for (size_t j = size_t(first_cut); j < agree.size(); ++j)
      fmt::print(" {:.3f} ({:.4f}) |", double(agree[j]) / n, double(right[j]) / n);
    fmt::print("\n");
  }
}

/// The improved model's compound-Poisson mixture with every flip a jump (no normal), its jumps summed two ways: at
/// the logits (the model's jumps), and at the values the last accelerator layer's side of the network reads from
/// the second-to-last layer's side (clamped to their stored range), the rest of the network run exactly on the sum.
/// Against the simulation and the improved model on the same images.
void junction(const SweepConfig& c, const LoadedNetwork& ln, int images, int trials, const std::vector<double>& bers) {
  const nn::QNetwork& net = ln.net;
  SwFaultSim sim(net, c.infer.accel);
  ModelOptions mo = c.model;
  mo.plain_normal = false;
  const DataModel model(net, c.infer.accel, c.target, resolve_layers(net, c.layer_names, c.file), mo);
  const FaultSpace& space = model.space();
  const std::vector<size_t> accel = net.accel_ops();
  const int layers = int(accel.size()), bits = net.data_bits;
  const size_t cut = accel[size_t(layers - 2)];
  std::vector<size_t> producer(net.values.size(), SIZE_MAX);
  for (size_t o = 0; o < net.ops.size(); ++o) producer[size_t(net.ops[o].output)] = o;
  std::vector<int> carried;  // values made at or before the cut that the ops after it read
  for (size_t o = cut + 1; o < net.ops.size(); ++o)
    for (int v : net.ops[o].inputs)
      if (producer[size_t(v)] <= cut && std::find(carried.begin(), carried.end(), v) == carried.end())
        carried.push_back(v);
  const auto range = [&](int v) {
    const nn::QOp& op = net.ops[producer[size_t(v)]];
    int64_t lo = -(int64_t(1) << (bits - 1)), hi = (int64_t(1) << (bits - 1)) - 1;
    if (op.type == nn::QOpType::kAccel && op.layer.requant.relu) lo = op.layer.requant.zero_point;
    return std::pair{lo, hi};
  };
  double lambda_max = 0;
  for (double b : bers) lambda_max = std::max(lambda_max, double(space.total_bits()) * b);
  const size_t k_max = size_t(lambda_max + 8 * std::sqrt(lambda_max) + 8);
  const int paths = mo.compound_draws;
  std::vector<double> sim_acc(bers.size()), model_acc(bers.size()), logit_acc(bers.size()), cut_acc(bers.size());
  for (int i = 0; i < images; ++i) {
    const int label = ln.test.labels[size_t(i)];
    const FeatureMap x = net.quantize_image(ln.test.image(size_t(i)));
    sim.load_image(x);
    const std::vector<FeatureMap> golden = sim.golden();
    const uint64_t id = uint64_t(c.first_image + i);
    // The pool, stratified as CompoundPoisson's.
    std::mt19937_64 rng(stream_seed(c.seed, id, 77));
    struct Sample {
      BitFlip flip;
      double weight;
      std::vector<int32_t> logits;               // change
      std::vector<std::vector<int32_t>> values;  // change of each carried value (empty: read after the cut)
    };
    std::vector<Sample> pool;
    for (const PoolFlip& f : stratified_flips(space, mo.single_flip_samples, rng)) {
      Sample smp{f.flip, f.weight, {}, {}};
      const std::vector<FeatureMap> faulty = sim.run_full(x, {smp.flip});
      const std::vector<int32_t>& zf = faulty[size_t(net.output_value)].data;
      for (size_t k = 0; k < zf.size(); ++k) smp.logits.push_back(zf[k] - golden[size_t(net.output_value)].data[k]);
      if (smp.flip.layer <= layers - 2 || smp.flip.kind != SiteKind::kActivation)
        for (int v : carried) {
          std::vector<int32_t> d(golden[size_t(v)].data.size());
          for (size_t k = 0; k < d.size(); ++k) d[k] = faulty[size_t(v)].data[k] - golden[size_t(v)].data[k];
          smp.values.push_back(std::move(d));
        }
      pool.push_back(std::move(smp));
    }
    // Flips of the last layer's weights change no carried value: they are applied exactly in its run, as are its
    // input's.
    std::vector<double> cumulative;
    double total = 0;
    for (const Sample& smp : pool) cumulative.push_back(total += smp.weight);
    const auto pick = [&](double u) {
      return std::min(pool.size() - 1,
                      size_t(std::upper_bound(cumulative.begin(), cumulative.end(), u * total) - cumulative.begin()));
    };
    std::vector<double> a_logit(k_max + 1, 0), a_cut(k_max + 1, 0);
    const std::vector<int32_t>& z = golden[size_t(net.output_value)].data;
    for (int m = 0; m < paths; ++m) {
      std::vector<int64_t> logit_sum(z.size(), 0);
      std::vector<std::vector<int64_t>> value_sum;
      for (int v : carried) value_sum.emplace_back(golden[size_t(v)].data.size(), 0);
      std::vector<BitFlip> tail_flips;
      std::vector<FeatureMap> scratch = golden;  // the carried values are rewritten before every tail run
      for (size_t k = 0; k <= k_max; ++k) {
        if (k > 0) {
          const Sample& smp = pool[pick(unit_uniform(stream_seed(c.seed, id, uint64_t(m), k)))];
          for (size_t q = 0; q < z.size(); ++q) logit_sum[q] += smp.logits[q];
          if (smp.values.empty() || smp.flip.layer == layers - 1)
            tail_flips.push_back(smp.flip);
          else
            for (size_t v = 0; v < carried.size(); ++v)
              for (size_t q = 0; q < value_sum[v].size(); ++q) value_sum[v][q] += smp.values[v][q];
        }
        int best = 0;
        int64_t best_v = INT64_MIN;
        for (size_t q = 0; q < z.size(); ++q) {
          const int64_t val =
              std::clamp<int64_t>(z[q] + logit_sum[q], -(int64_t(1) << (bits - 1)), (int64_t(1) << (bits - 1)) - 1);
          if (val > best_v) best_v = val, best = int(q);
        }
        a_logit[k] += best == label;
        std::vector<FeatureMap>& acts = scratch;
        for (size_t v = 0; v < carried.size(); ++v) {
          const auto [lo, hi] = range(carried[v]);
          FeatureMap& a = acts[size_t(carried[v])];
          const std::vector<int32_t>& g = golden[size_t(carried[v])].data;
          for (size_t q = 0; q < a.data.size(); ++q)
            a.data[q] = int32_t(std::clamp<int64_t>(g[q] + value_sum[v][q], lo, hi));
        }
        // The last layer's weight flips, applied to a copy of the network.
        std::vector<BitFlip> read_flips;
        bool weights = false;
        for (const BitFlip& f : tail_flips) {
          if (f.kind == SiteKind::kActivation)
            read_flips.push_back(f);
          else
            weights = true;
        }
        ReadFlippingEngine engine(c.infer.accel, read_flips, layers - 1, bits);
        if (weights) {
          nn::QNetwork tail = net;
          for (const BitFlip& f : tail_flips) {
            ConvLayer& l = tail.ops[accel[size_t(f.layer)]].layer;
            if (f.kind == SiteKind::kWeight) l.weights[f.index] = flip_bit(l.weights[f.index], f.bit, bits);
          }
          for (size_t o = cut + 1; o < net.ops.size(); ++o) tail.run_op(o, acts, engine);
        } else {
          for (size_t o = cut + 1; o < net.ops.size(); ++o) net.run_op(o, acts, engine);
        }
        a_cut[k] += top1_of(acts[size_t(net.output_value)].data) == label;
      }
    }
    const ImageModel im(model, sim, label, stream_seed(c.seed, id));
    for (size_t b = 0; b < bers.size(); ++b) {
      const double lambda = double(space.total_bits()) * bers[b];
      double p = std::exp(-lambda), l = 0, cc = 0;
      for (size_t k = 0; k <= k_max; ++k) {
        if (k > 0) p *= lambda / double(k);
        l += p * a_logit[k] / paths;
        cc += p * a_cut[k] / paths;
      }
      logit_acc[b] += l;
      cut_acc[b] += cc;
      model_acc[b] += im.improved(bers[b]).correct;
      FaultModel fm;
      fm.ber = bers[b];
      sim_acc[b] += simulate(sim, space, fm, label, c.seed, b, id, trials).accuracy;
    }
  }
  fmt::print(
      "| ber | expected flips | simulated | improved model | every flip a jump, summed at the logits | summed at "
      "the last layer's inputs' side ({}) |\n|---|---|---|---|---|---|\n",
      net.ops[cut].name);
  for (size_t b = 0; b < bers.size(); ++b)
    fmt::print("| {:.2e} | {:.1f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} |\n", bers[b],
               double(space.total_bits()) * bers[b], sim_acc[b] / images, model_acc[b] / images, logit_acc[b] / images,
               cut_acc[b] / images);
}

/// The correlated model of the image loaded in `sim`, linearized at its golden gates over every segment.
CorrelatedImage golden_gate_image(const SweepConfig& c, const LoadedNetwork& ln, const SwFaultSim& sim,
                                  const FlipSumTable& sums) {
  return CorrelatedImage(ln.net, sim.golden(), sums, c.target != FaultTarget::kActivations,
                         c.target != FaultTarget::kWeights);
}

/// One CSV line per image and rate: the simulated accuracy against the improved model's, the golden margin of the
/// label over the best other class, and the label logit's mean and variance, simulated against the model's normal.
/// Says whether the model's error is spread over the images or carried by a few, and which.
void per_image(const SweepConfig& c, const LoadedNetwork& ln, int images, int trials,
               const std::vector<double>& bers) {
  SwFaultSim sim(ln.net, c.infer.accel);
  ModelOptions mo = c.model;
  mo.plain_normal = false;
  const DataModel model(ln.net, c.infer.accel, c.target, resolve_layers(ln.net, c.layer_names, c.file), mo);
  fmt::print("image,label,golden_top1,margin,ber,simulated,model,mean_simulated,mean_model,var_simulated,var_model,"
             "margin_mean_simulated,margin_mean_model,margin_var_simulated,margin_var_model,margin_var_golden_gates\n");
  const FlipSumTable sums(ln.net.data_bits);
  for (int i = 0; i < images; ++i) {
    const TestImage image = load_test_image(c, ln, sim, i);
    const int label = image.label;
    const std::vector<int32_t>& z = image.z;
    int runner_up = label == 0 ? 1 : 0;  // the best other class: the margin is the label's logit minus its
    for (size_t k = 0; k < z.size(); ++k)
      if (int(k) != label && z[k] > z[size_t(runner_up)]) runner_up = int(k);
    const int32_t best_other = z[size_t(runner_up)];
    const auto margin_moments = [&](const LogitGaussian& m) {
      return std::pair{m.mean[label] - m.mean[runner_up],
                       m.cov(label, label) + m.cov(runner_up, runner_up) - 2 * m.cov(label, runner_up)};
    };
    const ImageModel im(model, sim, label, stream_seed(c.seed, image.id));
    const CorrelatedImage golden_gate_model = golden_gate_image(c, ln, sim, sums);
    for (size_t b = 0; b < bers.size(); ++b) {
      FaultModel fm;
      fm.ber = bers[b];
      const Simulated simulated = simulate(sim, model.space(), fm, label, c.seed, b, image.id, trials);
      const std::vector<bool> sparse = model.sparse_segments(bers[b]);
      const bool dense = std::find(sparse.begin(), sparse.end(), false) != sparse.end();
      const LogitGaussian g = dense ? im.gaussian(bers[b]) : LogitGaussian{};
      const auto [sim_margin_mean, sim_margin_var] = margin_moments(simulated.moments);
      const auto [model_margin_mean, model_margin_var] = dense ? margin_moments(g) : std::pair{0.0, 0.0};
      const LogitGaussian golden_gates = golden_gate_model.logits(model.rates(bers[b]));
      fmt::print("{},{},{},{},{:.3g},{:.4f},{:.4f},{:.2f},{:.2f},{:.1f},{:.1f},{:.2f},{:.2f},{:.1f},{:.1f},{:.1f}\n",
                 image.id, label,
                 im.golden_top1(), z[size_t(label)] - best_other, bers[b], simulated.accuracy,
                 im.improved(bers[b]).correct, simulated.moments.mean[label], dense ? g.mean[label] : 0.0,
                 simulated.moments.cov(label, label), dense ? g.cov(label, label) : 0.0, sim_margin_mean,
                 model_margin_mean, sim_margin_var, model_margin_var, margin_moments(golden_gates).second);
    }
  }
}

/// Each segment of the fault space: its bits and the rate above which the model calls its flips dense.
void segments(const SweepConfig& c, const LoadedNetwork& ln, int, int, const std::vector<double>&) {
  const DataModel model(ln.net, c.infer.accel, c.target, resolve_layers(ln.net, c.layer_names, c.file), c.model);
  const std::vector<FaultSpace::Segment>& segs = model.space().segments();
  for (size_t g = 0; g < segs.size(); ++g)
    fmt::print("layer {} kind {} bits {} dense above {:.3g}\n", segs[g].layer, int(segs[g].kind),
               segs[g].values * uint64_t(segs[g].value_bits), model.dense_above()[g]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Where the data-level model's dense regime departs from the software fault simulation"};
  std::string config, mode = "moments";
  int images = 60, trials = 300;
  std::vector<double> bers;
  app.add_option("--config", config, "sweep config")->required()->check(CLI::ExistingFile);
  app.add_option("--mode", mode, "moments, images, carry, cuts, junction or segments")
      ->check(CLI::IsMember({"moments", "images", "carry", "cuts", "junction", "segments"}));
  app.add_option("--images", images, "test images from the config's first_image")->check(CLI::PositiveNumber);
  app.add_option("--trials", trials, "simulated trials per image and rate")->check(CLI::PositiveNumber);
  app.add_option("--ber", bers, "per-bit error rates")->required();
  std::optional<int> first_image;
  std::optional<double> tail_jumps;
  app.add_option("--first-image", first_image,
                 "first test image instead of the config's (the shipped sweeps hold out 5,000-5,999: measure on "
                 "0-4,999)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tail-jumps", tail_jumps, "the model's tail_jumps instead of the config's")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    SweepConfig c = load_sweep_config(config);
    if (first_image) c.first_image = *first_image;
    if (tail_jumps) c.model.tail_jumps = *tail_jumps;
    const LoadedNetwork ln = load_network(c.infer, images, c.first_image, c.file);
    const auto run = mode == "moments" ? moments
                     : mode == "images" ? per_image
                     : mode == "carry" ? carry
                     : mode == "cuts"  ? cuts
                     : mode == "junction" ? junction
                                          : segments;
    run(c, ln, images, trials, bers);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_dense_regime: {}\n", e.what());
    return 1;
  }
  return 0;
}
