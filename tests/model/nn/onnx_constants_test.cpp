#include "model/nn/onnx_constants.h"

#include <gtest/gtest.h>

#include <limits>

namespace flipsim::nn {
namespace {

ConstTensor ints(std::vector<int64_t> dims, std::vector<int64_t> v) {
  ConstTensor t;
  t.is_float = false;
  t.dims = std::move(dims);
  t.i = std::move(v);
  return t;
}

TEST(OnnxConstants, GatherScalarAndNegativeIndex) {
  const ConstTensor shape = ints({4}, {1, 16, 5, 5});
  const ConstTensor g = fold_gather(shape, ints({}, {-3}), 0);
  EXPECT_TRUE(g.dims.empty());
  EXPECT_EQ(g.i, (std::vector<int64_t>{16}));
  EXPECT_THROW(fold_gather(shape, ints({}, {4}), 0), FoldError);
  EXPECT_THROW(fold_gather(shape, ints({}, {0}), 1), FoldError);
}

TEST(OnnxConstants, UnsqueezeConcatSqueeze) {
  const ConstTensor one = fold_unsqueeze(ints({}, {1}), {0});
  EXPECT_EQ(one.dims, (std::vector<int64_t>{1}));
  const ConstTensor minus = ints({1}, {-1});
  const ConstTensor shape = fold_concat({&one, &minus}, 0);
  EXPECT_EQ(shape.dims, (std::vector<int64_t>{2}));
  EXPECT_EQ(shape.i, (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(fold_squeeze(ints({1, 2, 1}, {5, 6}), {}, false).dims, (std::vector<int64_t>{2}));
  EXPECT_THROW(fold_squeeze(ints({1, 2, 1}, {5, 6}), {1}, true), FoldError);
  EXPECT_THROW(fold_unsqueeze(one, {0, 0}), FoldError);
}

TEST(OnnxConstants, SliceClampsHugeEndsAndStepsBackwards) {
  const ConstTensor v = ints({5}, {10, 11, 12, 13, 14});
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(fold_slice(v, {1}, {big}, {}, {}).i, (std::vector<int64_t>{11, 12, 13, 14}));
  EXPECT_EQ(fold_slice(v, {-1}, {-big}, {0}, {-2}).i, (std::vector<int64_t>{14, 12, 10}));
  EXPECT_EQ(fold_slice(v, {3}, {1}, {}, {}).i, (std::vector<int64_t>{}));
  EXPECT_THROW(fold_slice(v, {0}, {1}, {}, {0}), FoldError);
}

TEST(OnnxConstants, TransposeAndArithmetic) {
  const ConstTensor m = ints({2, 3}, {1, 2, 3, 4, 5, 6});
  const ConstTensor t = fold_transpose(m, {});
  EXPECT_EQ(t.dims, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(t.i, (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
  EXPECT_THROW(fold_transpose(m, {0, 0}), FoldError);
  EXPECT_EQ(fold_arithmetic(m, ints({}, {2}), '*').i, (std::vector<int64_t>{2, 4, 6, 8, 10, 12}));
  EXPECT_EQ(fold_arithmetic(ints({}, {-7}), ints({}, {2}), '/').i, (std::vector<int64_t>{-3}));
  EXPECT_THROW(fold_arithmetic(m, ints({}, {0}), '/'), FoldError);
  EXPECT_THROW(fold_arithmetic(ints({}, {std::numeric_limits<int64_t>::max()}), ints({}, {1}), '+'), FoldError);
}

TEST(OnnxConstants, ConstantOfShapeIsBounded) {
  ConstTensor zero;
  zero.f = {0.0f};
  EXPECT_EQ(fold_constant_of_shape({2, 3}, zero).f.size(), 6u);
  EXPECT_THROW(fold_constant_of_shape({1 << 20, 1 << 20}, zero), FoldError);
  EXPECT_THROW(fold_constant_of_shape({-1}, zero), FoldError);
}

}  // namespace
}  // namespace flipsim::nn
