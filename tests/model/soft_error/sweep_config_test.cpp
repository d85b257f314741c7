// Sweep configs: the shipped ones load; bad ones give errors that name the file, the key and what was expected.
#include "model/soft_error/sweep_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "model/common/config_error.h"
#include "model/soft_error/sweep.h"
#include "tests/model/nn/test_paths.h"

namespace flipsim::model {
namespace {

const std::string kSweeps = nn::testing::kRepo + "/configs/sweeps";

std::vector<std::string> shipped() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(kSweeps)) {
    const std::string stem = e.path().stem().string();
    // A config whose model is not shipped yet is skipped (the networks helper adds them).
    if (std::filesystem::exists(nn::testing::model_path(stem.substr(0, stem.find('_'))))) names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ShippedSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedSweep, LoadsWithTheRequiredRates) {
  const SweepConfig c = load_sweep_config(kSweeps + "/" + GetParam() + ".yaml");
  // At least 7 rates from 1e-7 to 1e-3 (the minimum), ascending.
  int in_range = 0;
  for (size_t i = 0; i < c.bers.size(); ++i) {
    if (c.bers[i] >= 1e-7 * 0.999 && c.bers[i] <= 1e-3 * 1.001) ++in_range;
    if (i > 0) EXPECT_GT(c.bers[i], c.bers[i - 1]);
  }
  EXPECT_GE(in_range, 7);
  EXPECT_NEAR(c.bers.front(), 1e-7, 1e-12);
  EXPECT_EQ(GetParam().find("int16") != std::string::npos ? 16 : 8, c.infer.data_bits);
  EXPECT_EQ(GetParam().find("weights") != std::string::npos, c.target == FaultTarget::kWeights);
}

INSTANTIATE_TEST_SUITE_P(Configs, ShippedSweep, ::testing::ValuesIn(shipped()));

class SweepConfigErrors : public ::testing::Test {
 protected:
  std::string write(const std::string& body) {
    path_ = (std::filesystem::temp_directory_path() / ("flipsim_sweep_" + std::to_string(::getpid()) + ".yaml")).string();
    std::ofstream(path_) << "sweep:\n  infer: " << nn::testing::kRepo << "/configs/infer/lenet5.yaml\n" << body;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string error_of(const std::string& body) {
    try {
      load_sweep_config(write(body));
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << body;
    return "";
  }
  std::string path_;
};

TEST_F(SweepConfigErrors, ValidMinimalConfig) {
  const SweepConfig c = load_sweep_config(write("  target: both\n  bers: [1.0e-6, 1.0e-4]\n"));
  EXPECT_EQ(c.target, FaultTarget::kBoth);
  EXPECT_EQ(c.bers.size(), 2u);
  EXPECT_EQ(c.images, 100);
  EXPECT_EQ(load_sweep_config(write("  target: biases\n  bers: [1.0e-6]\n")).target, FaultTarget::kBiases);
  const SweepConfig r = load_sweep_config(write("  target: weights\n  ber: {from: 1.0e-6, to: 1.0e-2, points: 5}\n"));
  ASSERT_EQ(r.bers.size(), 5u);
  EXPECT_NEAR(r.bers[1], 1e-5, 1e-15);
  EXPECT_NEAR(r.bers[4], 1e-2, 1e-12);
}

// poisson_limit sets one count for both kinds of segment; the per-kind keys override it.
TEST_F(SweepConfigErrors, PoissonLimitPerKind) {
  const std::string head = "  target: both\n  bers: [1.0e-6]\n";
  const SweepConfig d = load_sweep_config(write(head));
  EXPECT_EQ(d.model.poisson_limit_weights, ModelOptions().poisson_limit_weights);
  EXPECT_EQ(d.model.poisson_limit_activations, ModelOptions().poisson_limit_activations);
  const SweepConfig both = load_sweep_config(write(head + "  model: {poisson_limit: 3}\n"));
  EXPECT_EQ(both.model.poisson_limit_weights, 3);
  EXPECT_EQ(both.model.poisson_limit_activations, 3);
  const SweepConfig one = load_sweep_config(write(head + "  model: {poisson_limit: 3, poisson_limit_weights: 1}\n"));
  EXPECT_EQ(one.model.poisson_limit_weights, 1);
  EXPECT_EQ(one.model.poisson_limit_activations, 3);
  EXPECT_NE(error_of(head + "  model: {poisson_limit_activations: -1}\n").find("sweep.model.poisson_limit_activations"),
            std::string::npos);
}

TEST_F(SweepConfigErrors, NameFileKeyAndExpectation) {
  struct Case {
    std::string body, expect;
  } cases[] = {
      {"  target: weights\n  bers: [1.0e-6]\n  injection: 5\n", "unknown key 'sweep.injection'"},
      {"  target: bias\n  bers: [1.0e-6]\n", "sweep.target: expected one of: activations, all, biases, both, weights (got 'bias')"},
      {"  bers: [1.0e-6]\n", "missing required key 'sweep.target'"},
      {"  target: weights\n  bers: [1.0e-6, 1.0e-7]\n", "sweep.bers: expected strictly ascending rates"},
      {"  target: weights\n  bers: [0.7]\n", "sweep.bers: expected per-bit error rates in (0, 0.5] (got '0.7')"},
      {"  target: weights\n", "give exactly one of 'ber'"},
      {"  target: weights\n  bers: [1.0e-6]\n  ber: {from: 1.0e-6, to: 1.0e-3, points: 4}\n", "give exactly one"},
      {"  target: weights\n  ber: {from: 1.0e-3, to: 1.0e-6, points: 4}\n", "sweep.ber.to: expected 'to' >= 'from'"},
      {"  target: weights\n  bers: [1.0e-6]\n  images: 0\n", "sweep.images: expected an integer in [1, 10000]"},
      {"  target: weights\n  bers: [1.0e-6]\n  first_image: -1\n",
       "sweep.first_image: expected an integer in [0, 1000000]"},
      {"  target: weights\n  bers: [1.0e-6]\n  first_image: many\n", "sweep.first_image: expected an integer"},
      {"  target: weights\n  bers: [1.0e-6]\n  layers: 3\n", "sweep.layers: expected 'all' or a non-empty list"},
      {"  target: weights\n  bers: [1.0e-6]\n  model: {draws: 5}\n", "unknown key 'sweep.model.draws'"},
  };
  for (const Case& c : cases) {
    const std::string msg = error_of(c.body);
    EXPECT_NE(msg.find(path_), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "got: " << msg << "\nwanted: " << c.expect;
  }
}

// An image range past the end of the test set names the range, the config and the test set's size.
TEST_F(SweepConfigErrors, ImageRangePastTheTestSet) {
  const SweepConfig c = load_sweep_config(write("  target: weights\n  bers: [1.0e-6]\n  first_image: 9990\n"));
  EXPECT_EQ(c.first_image, 9990);
  try {
    load_network(c.infer, c.images, c.first_image, path_);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path_), std::string::npos) << msg;
    EXPECT_NE(msg.find("asked for test images 9990 to 10089"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has 10000"), std::string::npos) << msg;
  }
}

// A sweep over test images a..b is seeded by each image's index in the test set: image 7's trials are the same
// whether the range starts at 6 or at 7, and the thread count changes nothing.
TEST_F(SweepConfigErrors, ImagesAreSeededByTheirTestSetIndex) {
  SweepConfig c = load_sweep_config(
      write("  target: weights\n  bers: [1.0e-5, 1.0e-3]\n  injections: 40\n  images: 2\n  first_image: 6\n"));
  const LoadedNetwork both = load_network(c.infer, 2, 6);
  ASSERT_EQ(both.test.size(), 2u);
  const SweepResult r67 = run_sweep(c, both, Method::kSoftware);
  c.images = 1;
  const SweepResult r6 = run_sweep(c, load_network(c.infer, 1, 6), Method::kSoftware);
  c.first_image = 7;
  const LoadedNetwork seven = load_network(c.infer, 1, 7);
  EXPECT_EQ(seven.test.labels[0], both.test.labels[1]);
  const SweepResult r7 = run_sweep(c, seven, Method::kSoftware);
  RunOptions two_threads;
  two_threads.threads = 2;
  c.images = 2;
  c.first_image = 6;
  const SweepResult threaded = run_sweep(c, both, Method::kSoftware, two_threads);
  EXPECT_EQ(r67.first_image, 6);
  for (size_t b = 0; b < c.bers.size(); ++b) {
    const auto correct = [&](const SweepResult& r) { return std::llround(r.points[b].accuracy.value * r.points[b].trials); };
    EXPECT_EQ(correct(r67), correct(r6) + correct(r7)) << b;
    EXPECT_EQ(correct(threaded), correct(r67)) << b;
  }
  // Another seed draws other flips: at 1e-5 (about 5 per trial, half the trials change some logit) the count of
  // trials with a changed logit moves; the same seed repeats it exactly.
  SweepConfig other = c;
  other.seed = 2;
  EXPECT_NE(run_sweep(other, both, Method::kSoftware).points[0].sdc.value, r67.points[0].sdc.value);
  EXPECT_EQ(run_sweep(c, both, Method::kSoftware).points[0].sdc.value, r67.points[0].sdc.value);
}

TEST_F(SweepConfigErrors, LineNumbersPointAtTheKey) {
  const std::string msg = error_of("  target: weights\n  bers: [1.0e-6]\n  images: -4\n");
  EXPECT_NE(msg.find(path_ + ":5:"), std::string::npos) << msg;
}

TEST_F(SweepConfigErrors, MissingInferConfig) {
  path_ = (std::filesystem::temp_directory_path() / ("flipsim_sweep_" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path_) << "sweep:\n  infer: no_such_infer.yaml\n  target: weights\n  bers: [1.0e-6]\n";
  try {
    load_sweep_config(path_);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_infer.yaml"), std::string::npos) << e.what();
  }
}

TEST(ResolveLayers, UnknownNameListsTheValidOnes) {
  nn::QNetwork net;
  nn::QOp a, b;
  a.name = "conv1";
  b.name = "fc";
  net.ops = {a, b};
  EXPECT_EQ(resolve_layers(net, {"fc"}, "x.yaml"), std::vector<int>{1});
  try {
    resolve_layers(net, {"fc2"}, "x.yaml");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("x.yaml: no accelerator layer named 'fc2' (layers: conv1, fc)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace flipsim::model
