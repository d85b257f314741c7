#include "model/nn/infer_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "model/common/config_error.h"
#include "tests/model/nn/test_paths.h"

namespace flipsim::nn {
namespace {

class ShippedInferConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedInferConfig, Loads) {
  const std::string path = testing::kRepo + "/configs/infer/" + GetParam() + ".yaml";
  const InferConfig c = load_infer_config(path);
  EXPECT_EQ(c.data_bits, c.accel.data_bits);
  EXPECT_TRUE(std::filesystem::exists(c.model)) << c.model;
  EXPECT_EQ(c.dataset_dir, testing::kDatasetDir);
  EXPECT_EQ(c.calibration_images, 500);
  EXPECT_EQ(c.images, 100);
}

std::vector<std::string> shipped_configs() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(testing::kRepo + "/configs/infer")) {
    // A config whose model is not shipped yet (the residual net is optional) is skipped here.
    const std::string stem = e.path().stem().string();
    const std::string model = stem.substr(0, stem.find("_int16"));
    if (std::filesystem::exists(testing::model_path(model))) names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Configs, ShippedInferConfig, ::testing::ValuesIn(shipped_configs()));

// Writes a config into a temporary file (absolute paths inside) and removes it afterwards.
class InferConfigErrors : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ =
        (std::filesystem::temp_directory_path() / ("flipsim_infer_" + std::to_string(::getpid()) + ".yaml")).string();
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string error_of(const std::string& text) {
    try {
      load_infer_config(write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return "";
  }
  std::string path_;
};

const std::string kGood =
    "network:\n"
    "  model: " +
    testing::kRepo +
    "/configs/networks/mlp.onnx\n"
    "  data_bits: 8\n"
    "accelerator: " +
    testing::kRepo +
    "/configs/accel/default.yaml\n"
    "dataset:\n"
    "  dir: /usr/share/datasets/fashion-mnist\n";

TEST_F(InferConfigErrors, DefaultsApply) {
  const InferConfig c = load_infer_config(write(kGood));
  EXPECT_EQ(c.calibration_images, 500);
  EXPECT_EQ(c.images, 100);
}

TEST_F(InferConfigErrors, UnknownKeyNamesFileAndLine) {
  const std::string msg = error_of(kGood + "imagez: 5\n");
  EXPECT_NE(msg.find(path_ + ":7: unknown key 'imagez'"), std::string::npos) << msg;
}

TEST_F(InferConfigErrors, UnknownNestedKey) {
  const std::string msg = error_of("network:\n  model: " + testing::kRepo +
                                   "/configs/networks/mlp.onnx\n  data_bits: 8\n  bits: 8\naccelerator: " + testing::kRepo +
                                   "/configs/accel/default.yaml\n"
                                   "dataset:\n  dir: /usr/share/datasets/fashion-mnist\n");
  EXPECT_NE(msg.find(":4: unknown key 'network.bits'"), std::string::npos) << msg;
}

TEST_F(InferConfigErrors, DataWidthMustMatchTheAccelerator) {
  std::string text = kGood;
  text.replace(text.find("data_bits: 8"), 12, "data_bits: 16");
  const std::string msg = error_of(text);
  EXPECT_NE(msg.find(":3: network.data_bits: the network is quantized to 16 bits but accelerator"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("default.yaml' has data_bits 8"), std::string::npos) << msg;
}

TEST_F(InferConfigErrors, MissingModelFile) {
  std::string text = kGood;
  text.replace(text.find("mlp.onnx"), 8, "nope.onnx");
  EXPECT_NE(error_of(text).find(":2: network.model: model file"), std::string::npos);
}

TEST_F(InferConfigErrors, OutOfRangeValues) {
  EXPECT_NE(error_of(kGood + "images: 0\n").find("images: expected an integer in [1, 10000]"), std::string::npos);
  std::string text = kGood;
  text.replace(text.find("data_bits: 8"), 12, "data_bits: 12");
  EXPECT_NE(error_of(text).find("expected 8 or 16"), std::string::npos);
}

}  // namespace
}  // namespace flipsim::nn
