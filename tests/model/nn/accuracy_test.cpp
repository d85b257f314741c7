// Accuracy of every shipped model: quantized golden against float on the first 2,000 test images, and the
// C++ float executor against PyTorch on all 10,000.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/accel/golden.h"
#include "model/nn/evaluate.h"
#include "model/nn/onnx_import.h"
#include "model/nn/quantize.h"
#include "tests/model/nn/test_paths.h"

namespace flipsim::nn {
namespace {

constexpr size_t kImages = 2000;
constexpr size_t kCalibration = 500;

struct Case {
  std::string model;
  int bits;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " int" << c.bits; }

class AccuracyTest : public ::testing::TestWithParam<Case> {};

TEST_P(AccuracyTest, QuantizedGoldenIsCloseToFloat) {
  const Case& c = GetParam();
  const std::string path = testing::model_path(c.model);
  if (c.model == "resnet" && !std::filesystem::exists(path)) GTEST_SKIP() << "no residual model shipped";
  const FloatGraph graph = import_onnx_file(path);
  const ImageSet train = load_fashion_mnist(testing::kDatasetDir, Split::kTrain);
  const ImageSet test = load_fashion_mnist(testing::kDatasetDir, Split::kTest);
  AccelConfig accel;
  accel.data_bits = c.bits;
  accel.acc_bits = c.bits == 8 ? 32 : 48;
  const QNetwork net = quantize_network(graph, train, kCalibration, {accel.data_bits, accel.acc_bits});
  GoldenEngine engine(accel);
  const double float_acc = double(float_correct(graph, test, kImages)) / kImages;
  const double int_acc = double(quantized_correct(net, engine, test, kImages)) / kImages;
  RecordProperty("float_accuracy", std::to_string(float_acc));
  RecordProperty("int_accuracy", std::to_string(int_acc));
  std::cout << c.model << " float " << float_acc << " int" << c.bits << " " << int_acc << "\n";
  EXPECT_GT(float_acc, 0.8);
  EXPECT_LE(std::fabs(float_acc - int_acc) * 100, c.bits == 8 ? 1.5 : 0.5)
      << "float " << float_acc << " int" << c.bits << " " << int_acc;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char* m : {"mlp", "lenet5", "cnn", "resnet"})
    for (int bits : {8, 16}) out.push_back({m, bits});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Models, AccuracyTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.model + "_int" + std::to_string(info.param.bits); });

// The C++ float executor agrees with PyTorch on the whole test set (configs/networks/float_accuracy.json, written by
// scripts/train_models.py); float32 summation order may flip a handful of borderline images.
class FloatMatchesTraining : public ::testing::TestWithParam<std::string> {};

TEST_P(FloatMatchesTraining, OnAllTestImages) {
  const std::string path = testing::model_path(GetParam());
  if (GetParam() == "resnet" && !std::filesystem::exists(path)) GTEST_SKIP() << "no residual model shipped";
  std::ifstream json_file(testing::kRepo + "/configs/networks/float_accuracy.json");
  ASSERT_TRUE(json_file) << "configs/networks/float_accuracy.json is missing";
  const nlohmann::json recorded = nlohmann::json::parse(json_file);
  ASSERT_TRUE(recorded.contains(GetParam())) << GetParam() << " not in configs/networks/float_accuracy.json";
  const ImageSet test = load_fashion_mnist(testing::kDatasetDir, Split::kTest);
  const double acc = double(float_correct(import_onnx_file(path), test, test.size())) / double(test.size());
  EXPECT_NEAR(acc, recorded[GetParam()].get<double>(), 0.0015);
}

INSTANTIATE_TEST_SUITE_P(Models, FloatMatchesTraining, ::testing::Values("mlp", "lenet5", "cnn", "resnet"));

}  // namespace
}  // namespace flipsim::nn
