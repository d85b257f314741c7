#include "model/nn/onnx_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "model/common/config_error.h"
#include "model/nn/evaluate.h"
#include "model/nn/float_executor.h"
#include "model/nn/gzip.h"
#include "model/nn/idx_dataset.h"
#include "tests/model/nn/onnx_builder.h"
#include "tests/model/nn/test_paths.h"

namespace flipsim::nn {
namespace {

using testing::OnnxBuilder;

// Runs `fn` and returns the ConfigError's message ("" and a test failure when nothing is thrown).
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

std::vector<float> run_logits(const FloatGraph& g, const std::vector<float>& x) {
  return run_float_graph(g, x)[size_t(g.output_value)];
}

std::vector<float> ramp_input(size_t n) {
  std::vector<float> x(n);
  for (size_t k = 0; k < n; ++k) x[k] = float(k % 97) / 96.0f;
  return x;
}

// ---- shipped models ----------------------------------------------------------------------------------------------

class ShippedModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedModelTest, ImportsAndRuns) {
  const std::string path = testing::model_path(GetParam());
  if (GetParam() == "resnet" && !std::filesystem::exists(path)) GTEST_SKIP() << "no residual model shipped";
  const FloatGraph g = import_onnx_file(path);
  EXPECT_EQ(g.input().channels, 1);
  EXPECT_EQ(g.input().height, 28);
  EXPECT_EQ(g.input().width, 28);
  EXPECT_FALSE(g.output().is_map);
  EXPECT_EQ(g.output().channels, 10);
  int linear = 0;
  for (const FloatOp& op : g.ops) {
    EXPECT_NE(op.type, OpType::kAffine) << op.name << " did not fold";
    linear += op.type == OpType::kConv || op.type == OpType::kGemm;
  }
  EXPECT_GE(linear, 2);
  const std::vector<float> logits = run_logits(g, ramp_input(784));
  ASSERT_EQ(logits.size(), 10u);
  for (float v : logits) EXPECT_TRUE(std::isfinite(v));
}

TEST_P(ShippedModelTest, TruncatedFileIsAnErrorNamingIt) {
  const std::string path = testing::model_path(GetParam());
  if (!std::filesystem::exists(path)) GTEST_SKIP();
  const std::string bytes = read_file_bytes(path);
  for (size_t keep : {size_t(0), size_t(10), bytes.size() / 3, bytes.size() / 2, bytes.size() - 3}) {
    const std::string msg = error_of([&] { import_onnx_buffer(bytes.substr(0, keep), "cut.onnx"); });
    EXPECT_EQ(msg.rfind("cut.onnx: ", 0), 0u) << keep << ": " << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedModelTest, ::testing::Values("mlp", "lenet5", "cnn", "resnet"));

// ---- negative tests ------------------------------------------------------------------------------------------------

TEST(OnnxImport, UnsupportedOpNamesNodeOpAndSupportedOps) {
  OnnxBuilder b;
  b.node("Softsign", {"input"}, {"y"}, "my_softsign");
  b.output("y");
  const std::string msg = error_of([&] { import_onnx_buffer(b.bytes(), "m.onnx"); });
  EXPECT_NE(msg.find("m.onnx: node 'my_softsign' (op Softsign): unsupported op (supported: Conv, Gemm"),
            std::string::npos)
      << msg;
}

TEST(OnnxImport, UnsupportedAttributeValue) {
  OnnxBuilder b;
  b.random("w", {4, 1, 3, 3}, 1.0f, 1);
  auto& conv = b.node("Conv", {"input", "w"}, {"y"}, "grouped");
  OnnxBuilder::attr(conv, "group", int64_t(2));
  b.output("y");
  const std::string msg = error_of([&] { import_onnx_buffer(b.bytes(), "m.onnx"); });
  EXPECT_NE(msg.find("node 'grouped' (op Conv): group=2 is not supported (only group=1)"), std::string::npos) << msg;
}

TEST(OnnxImport, UnknownAttributeIsNamed) {
  OnnxBuilder b;
  auto& relu = b.node("Relu", {"input"}, {"y"}, "r");
  OnnxBuilder::attr(relu, "alpha", 0.1f);
  b.output("y");
  const std::string msg = error_of([&] { import_onnx_buffer(b.bytes(), "m.onnx"); });
  EXPECT_NE(msg.find("node 'r' (op Relu): unsupported attribute 'alpha'"), std::string::npos) << msg;
}

TEST(OnnxImport, AsymmetricConvPadsAreRejected) {
  OnnxBuilder b;
  b.random("w", {4, 1, 3, 3}, 1.0f, 1);
  auto& conv = b.node("Conv", {"input", "w"}, {"y"}, "c");
  OnnxBuilder::attr(conv, "pads", std::vector<int64_t>{0, 0, 1, 1});
  b.output("y");
  EXPECT_NE(error_of([&] { import_onnx_buffer(b.bytes(), "m.onnx"); }).find("are not all equal"), std::string::npos);
}

TEST(OnnxImport, GarbageAndEmptyBuffersAreErrors) {
  EXPECT_NE(error_of([] { import_onnx_buffer("\xff\xff\xff\xff garbage", "g.onnx"); }).find("g.onnx: not a valid ONNX"),
            std::string::npos);
  EXPECT_NE(error_of([] { import_onnx_buffer("", "e.onnx"); }).find("e.onnx: "), std::string::npos);
  EXPECT_NE(error_of([] { import_onnx_file("/nonexistent.onnx"); }).find("/nonexistent.onnx: cannot open"),
            std::string::npos);
}

TEST(OnnxImport, TruncatedSyntheticModelIsAnError) {
  const std::string bytes = testing::tiny_cnn().bytes();
  for (size_t keep = 0; keep < bytes.size(); keep += 7) {
    try {
      import_onnx_buffer(bytes.substr(0, keep), "t.onnx");
      ADD_FAILURE() << "accepted the first " << keep << " bytes";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("t.onnx: ", 0), 0u) << e.what();
    }
  }
}

TEST(OnnxImport, MissingInitializerIsNamed) {
  OnnxBuilder b;
  b.node("Conv", {"input", "nowhere"}, {"y"}, "c");
  b.output("y");
  EXPECT_NE(error_of([&] {
              import_onnx_buffer(b.bytes(), "m.onnx");
            }).find("input 'nowhere' is not produced by an earlier node"),
            std::string::npos);
}

TEST(OnnxImport, InconsistentInitializerIsNamed) {
  OnnxBuilder b;
  onnx::TensorProto& w = b.random("w", {4, 1, 3, 3}, 1.0f, 1);
  w.set_dims(0, 5);  // dims say 45 values, the data holds 36
  b.node("Conv", {"input", "w"}, {"y"}, "c");
  b.output("y");
  EXPECT_NE(error_of([&] {
              import_onnx_buffer(b.bytes(), "m.onnx");
            }).find("initializer 'w': holds 36 values, dims [5, 1, 3, 3] need 45"),
            std::string::npos);
}

TEST(OnnxImport, WeightChannelMismatchIsNamed) {
  OnnxBuilder b;
  b.random("w", {4, 3, 3, 3}, 1.0f, 1);
  b.node("Conv", {"input", "w"}, {"y"}, "c");
  b.output("y");
  EXPECT_NE(error_of([&] {
              import_onnx_buffer(b.bytes(), "m.onnx");
            }).find("expects 3 input channels but input 'input' has 1"),
            std::string::npos);
}

TEST(OnnxImport, GatherIndexOutOfRange) {
  OnnxBuilder b;
  b.node("Shape", {"input"}, {"s"});
  b.constant_ints("i", {7});
  b.node("Gather", {"s", "i"}, {"g"}, "gather");
  b.node("Flatten", {"input"}, {"y"});
  b.output("y");
  EXPECT_NE(error_of([&] { import_onnx_buffer(b.bytes(), "m.onnx"); }).find("index 7 is out of range"),
            std::string::npos);
}

TEST(OnnxImport, WrongInputShapeAgainstTheDataset) {
  testing::OnnxBuilder b({1, 3, 32, 32}, "image");
  b.node("Flatten", {"image"}, {"f"});
  b.random("w", {10, 3072}, 0.1f, 1);
  auto& gemm = b.node("Gemm", {"f", "w"}, {"y"});
  OnnxBuilder::attr(gemm, "transB", int64_t(1));
  b.output("y");
  const FloatGraph g = import_onnx_buffer(b.bytes(), "rgb.onnx");
  ImageSet images;
  images.rows = images.cols = 28;
  const std::string msg = error_of([&] { check_model_fits_images(g, images); });
  EXPECT_NE(msg.find("rgb.onnx: model input 'image' is [1, 3, 32, 32] but the dataset images are [1, 1, 28, 28]"),
            std::string::npos)
      << msg;
}

TEST(OnnxImport, NonBatchOneInputIsRejected) {
  testing::OnnxBuilder b({4, 1, 28, 28});
  b.node("Flatten", {"input"}, {"y"});
  b.output("y");
  EXPECT_NE(error_of([&] {
              import_onnx_buffer(b.bytes(), "m.onnx");
            }).find("graph input 'input' must be a float tensor [1, C, H, W]; got [4, 1, 28, 28]"),
            std::string::npos);
}

// ---- what PyTorch emits --------------------------------------------------------------------------------------------

// x.view(x.size(0), -1): Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Reshape, then MatMul + Add bias.
TEST(OnnxImport, PyTorchViewPatternAndMatMulAdd) {
  OnnxBuilder b;
  b.node("Shape", {"input"}, {"shape"});
  b.constant_ints("zero", {0}, /*scalar=*/true);
  auto& gather = b.node("Gather", {"shape", "zero"}, {"batch"});
  OnnxBuilder::attr(gather, "axis", int64_t(0));
  b.constant_ints("axes", {0});
  b.node("Unsqueeze", {"batch", "axes"}, {"batch1"});
  b.constant_ints("minus1", {-1});
  auto& concat = b.node("Concat", {"batch1", "minus1"}, {"target"});
  OnnxBuilder::attr(concat, "axis", int64_t(0));
  b.node("Reshape", {"input", "target"}, {"flat"});
  b.random("w", {784, 10}, 0.1f, 5);
  b.random("bias", {10}, 0.5f, 6);
  b.node("MatMul", {"flat", "w"}, {"mm"});
  b.node("Add", {"mm", "bias"}, {"logits"});
  b.output("logits");
  const FloatGraph g = import_onnx_buffer(b.bytes(), "view.onnx");
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.ops[0].type, OpType::kFlatten);
  EXPECT_EQ(g.ops[1].type, OpType::kGemm);
  // y = x W + b by hand.
  const std::vector<float> x = ramp_input(784);
  const onnx::ModelProto& m = b.model();
  std::vector<float> expected(10);
  for (int n = 0; n < 10; ++n) {
    double acc = m.graph().initializer(1).float_data(n);
    for (int k = 0; k < 784; ++k) acc += double(x[size_t(k)]) * m.graph().initializer(0).float_data(k * 10 + n);
    expected[size_t(n)] = float(acc);
  }
  const std::vector<float> got = run_logits(g, x);
  for (int n = 0; n < 10; ++n) EXPECT_NEAR(got[size_t(n)], expected[size_t(n)], 1e-4);
}

// Conv -> BatchNormalization -> Relu -> Pad -> MaxPool -> Dropout -> Identity -> residual pieces.
OnnxBuilder bn_model() {
  OnnxBuilder b;
  b.random("w", {3, 1, 3, 3}, 0.7f, 11);
  b.random("cb", {3}, 0.2f, 12);
  b.floats("gamma", {3}, {1.5f, 0.5f, -1.0f});
  b.floats("beta", {3}, {0.1f, -0.2f, 0.3f});
  b.floats("mean", {3}, {0.05f, -0.1f, 0.2f});
  b.floats("var", {3}, {0.5f, 2.0f, 1.0f});
  auto& conv = b.node("Conv", {"input", "w", "cb"}, {"c"}, "conv");
  OnnxBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  auto& bn = b.node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"bn"}, "bn");
  OnnxBuilder::attr(bn, "epsilon", 1e-3f);
  b.node("Relu", {"bn"}, {"r"}, "relu");
  b.ints("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Pad", {"r", "pads"}, {"padded"}, "pad");
  auto& pool = b.node("MaxPool", {"padded"}, {"p"}, "pool");
  OnnxBuilder::attr(pool, "kernel_shape", std::vector<int64_t>{3, 3});
  OnnxBuilder::attr(pool, "strides", std::vector<int64_t>{3, 3});
  b.node("Dropout", {"p"}, {"d"}, "dropout");
  b.node("Identity", {"d"}, {"id"});
  b.node("Add", {"id", "p"}, {"sum"}, "residual");
  b.node("GlobalAveragePool", {"sum"}, {"gap"});
  b.node("Flatten", {"gap"}, {"f"});
  b.random("fw", {10, 3}, 1.0f, 13);
  auto& gemm = b.node("Gemm", {"f", "fw"}, {"logits"}, "fc");
  OnnxBuilder::attr(gemm, "transB", int64_t(1));
  b.output("logits");
  return b;
}

TEST(OnnxImport, BatchNormAndReluFoldWithoutChangingTheFunction) {
  const std::string bytes = bn_model().bytes();
  ImportOptions no_fold;
  no_fold.fold = false;
  const FloatGraph raw = import_onnx_buffer(bytes, "bn.onnx", no_fold);
  const FloatGraph folded = import_onnx_buffer(bytes, "bn.onnx");
  EXPECT_EQ(raw.ops.size(), folded.ops.size() + 2);  // BatchNormalization and Relu merged into the Conv
  EXPECT_EQ(folded.ops[0].type, OpType::kConv);
  EXPECT_TRUE(folded.ops[0].relu);
  EXPECT_EQ(folded.ops[1].type, OpType::kPad);
  const std::vector<float> x = ramp_input(784);
  const std::vector<float> a = run_logits(raw, x), b = run_logits(folded, x);
  for (size_t k = 0; k < 10; ++k) EXPECT_NEAR(a[k], b[k], 1e-4) << k;
}

TEST(OnnxImport, BatchNormWithSharedConvOutputStaysUnfolded) {
  OnnxBuilder b;
  b.random("w", {2, 1, 3, 3}, 0.7f, 11);
  for (const char* n : {"g", "be", "m", "v"}) b.floats(n, {2}, {1.0f, 1.0f});
  b.node("Conv", {"input", "w"}, {"c"}, "conv");
  b.node("BatchNormalization", {"c", "g", "be", "m", "v"}, {"bn"}, "bn");
  b.node("Add", {"bn", "c"}, {"s"}, "add");
  b.node("Flatten", {"s"}, {"y"});
  b.output("y");
  const FloatGraph g = import_onnx_buffer(b.bytes(), "m.onnx");
  EXPECT_EQ(g.ops[1].type, OpType::kAffine);
}

}  // namespace
}  // namespace flipsim::nn
