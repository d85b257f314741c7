// Constant tensors met while importing ONNX (initializers, Constant nodes) and the shape arithmetic exporters
// emit on them, e.g. PyTorch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipsim::nn {

/// Bounds on what a (possibly corrupt) model can make the importer allocate.
constexpr int64_t kMaxTensorElements = int64_t(1) << 26;
/// Folded constants are shape vectors; a larger result means a corrupt or hostile model.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 22;

/// A float or integer tensor known at import time (row-major).
struct ConstTensor {
  bool is_float = true;
  std::vector<int64_t> dims;  ///< empty for a scalar
  std::vector<float> f;       ///< is_float
  std::vector<int64_t> i;     ///< !is_float

  size_t numel() const { return is_float ? f.size() : i.size(); }
};

/// A constant-folding op got operands it cannot handle; the importer prefixes the node.
class FoldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// "[1, 2, 3]".
std::string dims_str(const std::vector<int64_t>& dims);

/// Product of dims, or -1 when a dim is negative or the product exceeds kMaxTensorElements.
int64_t checked_numel(const std::vector<int64_t>& dims);

/// axis in [-rank, rank) made non-negative; FoldError otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank);

// ONNX semantics for each op below; every one throws FoldError on out-of-range axes, indices or sizes.
ConstTensor fold_gather(const ConstTensor& data, const ConstTensor& indices, int64_t axis);
ConstTensor fold_unsqueeze(const ConstTensor& data, std::vector<int64_t> axes);
/// With `axes` empty and !have_axes, drops every dim of size 1.
ConstTensor fold_squeeze(const ConstTensor& data, const std::vector<int64_t>& axes, bool have_axes);
ConstTensor fold_concat(const std::vector<const ConstTensor*>& parts, int64_t axis);
/// `axes` and `steps` may be empty (all leading axes, steps of 1).
ConstTensor fold_slice(const ConstTensor& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                       std::vector<int64_t> axes, std::vector<int64_t> steps);
/// `perm` empty reverses the dims.
ConstTensor fold_transpose(const ConstTensor& data, std::vector<int64_t> perm);
/// Element-wise + - * / (integer division truncates); operands match or one is a scalar.
ConstTensor fold_arithmetic(const ConstTensor& a, const ConstTensor& b, char op);
ConstTensor fold_cast(ConstTensor c, bool to_float);
/// A tensor of `dims` filled with the single element of `fill`.
ConstTensor fold_constant_of_shape(const std::vector<int64_t>& dims, const ConstTensor& fill);

}  // namespace flipsim::nn
