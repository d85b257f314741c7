// The improved model's sparse-disturbance pieces: the compound-Poisson jump pool against the bit-exact simulator,
// receptive-field flip counts against their definition, and the statistically linearized requantizer gate against
// the derivative of the requantized mean.
#include <gtest/gtest.h>

#include <cmath>

#include "model/soft_error/adjoint.h"
#include "model/soft_error/compound_poisson.h"
#include "model/soft_error/flip_reach.h"
#include "model/soft_error/moment_model.h"
#include "model/soft_error/sw_fault_sim.h"
#include "tests/model/soft_error/test_networks.h"

namespace flipsim::model {
namespace {

using testing::accel_for;
using testing::make_network;
using testing::test_images;

// With exactly one flipped bit the model's odds are the pool's outcomes, and accelerated draws of k flips land on
// the model's own P(correct | k) within binomial bounds; asking for k in a different order changes nothing.
TEST(CompoundPoisson, OddsAreThePoolsAndSamplingAgreesWithThem) {
  const nn::QNetwork net = make_network("tiny_cnn", 8);
  SwFaultSim sim(net, accel_for(8));
  sim.load_image(net.quantize_image(test_images().image(3)));
  const int label = test_images().labels[3];
  const FaultSpace space(net, FaultTarget::kBoth);
  const CompoundPoisson a(space, sim, label, 64, 400, 9), b(space, sim, label, 64, 400, 9);
  // Every segment is represented, with a multiple of the data width.
  EXPECT_GE(a.pool_size(), space.segments().size() * 8);
  EXPECT_EQ(a.pool_size() % 8, 0u);
  const TopOneOdds& zero = a.given(0);
  EXPECT_EQ(zero.unchanged, 1.0);
  EXPECT_EQ(zero.correct, top1_of(sim.golden_logits()) == label ? 1.0 : 0.0);
  const double a30 = a.given(30).correct, a5 = a.given(5).correct;
  EXPECT_EQ(b.given(5).correct, a5);
  EXPECT_EQ(b.given(30).correct, a30);
  std::mt19937_64 rng(4);
  for (uint64_t k : {1u, 5u, 30u}) {
    const int trials = 4000;
    int correct = 0;
    for (int t = 0; t < trials; ++t) correct += a.sample_top1(k, rng) == label;
    const double p = a.given(k).correct, sd = std::sqrt(std::max(p * (1 - p), 0.01) / trials);
    // The model's own estimate has Monte Carlo error too (400 paths) except at k = 1.
    const double model_sd = k == 1 ? 0.0 : std::sqrt(std::max(p * (1 - p), 0.01) / 400);
    EXPECT_NEAR(double(correct) / trials, p, 4 * (sd + model_sd)) << "k = " << k;
  }
}

// The tail holds the dense segments' largest jumps, largest first, arriving as often as asked (the one at the limit
// in part); their mean and second moment are what they contribute at that rate. A sparse segment's samples all stay
// jumps, at the rate its bits flip, and take nothing from the normal (it does not cover them).
TEST(CompoundPoisson, TailHoldsTheLargestJumpsAtTheRequestedRate) {
  const nn::QNetwork net = make_network("tiny_cnn", 8);
  SwFaultSim sim(net, accel_for(8));
  sim.load_image(net.quantize_image(test_images().image(5)));
  const FaultSpace space(net, FaultTarget::kBoth);
  const CompoundPoisson pool(space, sim, test_images().labels[5], 96, 16, 3);
  const double lambda = 40, ber = lambda / double(space.total_bits());
  const std::vector<bool> all_dense(space.segments().size(), false);
  const JumpTail few = pool.tail(lambda, all_dense, 0.5), more = pool.tail(lambda, all_dense, 3);
  ASSERT_FALSE(more.jumps.empty());
  EXPECT_NEAR(few.rate, 0.5, 1e-9);
  EXPECT_NEAR(more.rate, 3, 1e-9);
  EXPECT_GE(more.jumps.size(), few.jumps.size());
  double previous = 1e300, last = 0;
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(10);
  Eigen::MatrixXd second = Eigen::MatrixXd::Zero(10, 10);
  for (size_t i = 0; i < more.jumps.size(); ++i) {
    const double size = more.jumps[i].cwiseAbs().maxCoeff();
    EXPECT_LE(size, previous);
    previous = size;
    const double rate = more.rate * (more.cumulative[i] - last);
    mean += rate * more.jumps[i];
    second += rate * more.jumps[i] * more.jumps[i].transpose();
    last = more.cumulative[i];
  }
  EXPECT_NEAR(last, 1.0, 1e-12);
  EXPECT_LT((mean - more.mean).norm(), 1e-9 * (1 + more.mean.norm()));
  EXPECT_LT((second - more.second).norm(), 1e-9 * (1 + more.second.norm()));

  std::vector<bool> first_sparse = all_dense;
  first_sparse[0] = true;
  const JumpTail sparse = pool.tail(lambda, first_sparse, 0.0);
  const FaultSpace::Segment& seg = space.segments()[0];
  ASSERT_FALSE(sparse.jumps.empty());
  EXPECT_NEAR(sparse.rate, double(seg.values) * seg.value_bits * ber, 1e-9);
  EXPECT_TRUE(sparse.mean.isZero());
  EXPECT_TRUE(sparse.second.isZero());
}

// A single flip's pool entry is exactly what the simulator does with that flip: the K = 1 odds of a pool made of
// every bit of a one-layer space (samples = all bits) equal enumerating every single flip.
TEST(CompoundPoisson, SingleFlipOddsMatchEnumeration) {
  const nn::QNetwork net = make_network("tiny_cnn", 8);
  SwFaultSim sim(net, accel_for(8));
  sim.load_image(net.quantize_image(test_images().image(0)));
  const int label = test_images().labels[0];
  const int last = int(net.accel_ops().size()) - 1;
  const FaultSpace space(net, FaultTarget::kActivations, {last});
  double exact = 0;
  for (uint64_t g = 0; g < space.total_bits(); ++g) exact += sim.inject({space.site(g)}).top1 == label;
  exact /= double(space.total_bits());
  const CompoundPoisson pool(space, sim, label, 20000, 16, 2);
  EXPECT_NEAR(pool.given(1).correct, exact, 0.03);
}

// Flip counts follow the receptive fields: the first layer's outputs see its k x k x C window of inputs and one
// output channel's weights; the logits of a network that ends in a fully-connected layer see every stored bit but
// the other rows of that layer's weights.
TEST(FlipReach, WindowsAndWholeNetwork) {
  const nn::QNetwork net = make_network("tiny_cnn", 8);
  SwFaultSim sim(net, accel_for(8));
  sim.load_image(net.quantize_image(test_images().image(0)));
  const std::vector<FeatureMap>& golden = sim.golden();
  const std::vector<size_t> accel = net.accel_ops();
  const ConvLayer& first = net.ops[accel[0]].layer;
  FaultRates rates(accel.size());
  const double p = 1e-4;
  for (LayerRates& r : rates) r = {p, p};
  const std::vector<double> hits = expected_hits(net, golden, rates);
  const double window = double(first.kernel_h) * first.kernel_w * first.in_channels;
  EXPECT_DOUBLE_EQ(hits[size_t(net.ops[accel[0]].output)], 8 * p * 2 * window);
  // A logit reads one row of the last layer's weights.
  const FaultSpace all(net, FaultTarget::kBoth);
  const ConvLayer& last = net.ops[accel.back()].layer;
  const double other_rows = 8.0 * double(last.weights.size()) * (1 - 1.0 / last.out_channels);
  EXPECT_NEAR(hits[size_t(net.output_value)], p * (double(all.total_bits()) - other_rows), 1e-9 * double(all.total_bits()));
}

// The summed mean shift of value `out` when the input bits of accelerator layer `layer` flip at 2e-3 on test image 2:
// simulated bit-exactly (3,000 trials), by the plain layer-to-layer pass and by the sparse one.
struct MeanShifts {
  double simulated = 0, plain = 0, sparse = 0;
};
MeanShifts mean_shifts(const nn::QNetwork& net, int layer, int out, uint64_t seed) {
  SwFaultSim sim(net, accel_for(8));
  const FeatureMap input = net.quantize_image(test_images().image(2));
  sim.load_image(input);
  const FaultSpace space(net, FaultTarget::kActivations, {layer});
  const std::vector<int32_t>& golden = sim.golden()[size_t(out)].data;
  FaultModel rate;
  rate.ber = 2e-3;
  std::mt19937_64 rng(seed);
  const int trials = 3000;
  MeanShifts m;
  for (int t = 0; t < trials; ++t) {
    const std::vector<FeatureMap> all = sim.run_full(input, sample_faults(space, rate, rng));
    for (size_t k = 0; k < golden.size(); ++k) m.simulated += double(all[size_t(out)].data[k] - golden[k]) / trials;
  }
  FaultRates rates(net.accel_ops().size());
  rates[size_t(layer)].activation = rate.ber;
  const MomentModel model(net, accel_for(8));
  const std::vector<MapMoments> plain_pass = model.propagate(sim.golden(), rates);
  const std::vector<MapMoments> sparse_pass = model.propagate(sim.golden(), rates, nullptr, true);
  for (double d : plain_pass[size_t(out)].mean) m.plain += d;
  for (double d : sparse_pass[size_t(out)].mean) m.sparse += d;
  return m;
}

// Flips in a layer's inputs reach each of its outputs rarely but hard: the sparse layer-to-layer pass predicts the
// layer's mean output shift (after requantization and ReLU) closer to the bit-exact simulator than the plain normal
// pass, which rectifies a thin normal spread into a positive drift.
TEST(SparsePropagation, FirstLayerMeanShiftIsCloserToSimulation) {
  const nn::QNetwork net = make_network("tiny_cnn", 8);
  const MeanShifts m = mean_shifts(net, 0, net.ops[net.accel_ops()[0]].output, 11);
  EXPECT_LT(std::abs(m.sparse - m.simulated), std::abs(m.plain - m.simulated))
      << "simulated " << m.simulated << " sparse " << m.sparse << " plain " << m.plain;
}

// The same at a residual Add with its ReLU: a 3x3 convolution's input flips reach the Add through it a few at a
// time, and the Add's ReLU clips a large negative one whole. The sparse pass treats the Add as it treats a
// requantizer (before, it took one normal there even in the sparse pass, and so did no better than the plain one).
TEST(SparsePropagation, ResidualAddMeanShiftIsCloserToSimulation) {
  const nn::QNetwork net = make_network("tiny_resnet", 8);
  int out = -1;
  for (const nn::QOp& op : net.ops)
    if (op.type == nn::QOpType::kAdd && op.add.relu) out = op.output;
  ASSERT_GE(out, 0) << "tiny_resnet's Add has its ReLU";
  const MeanShifts m = mean_shifts(net, 1, out, 12);
  EXPECT_LT(std::abs(m.sparse - m.simulated), std::abs(m.plain - m.simulated))
      << "simulated " << m.simulated << " sparse " << m.sparse << " plain " << m.plain;
}

}  // namespace
}  // namespace flipsim::model
