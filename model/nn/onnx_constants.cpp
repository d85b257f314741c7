#include "model/nn/onnx_constants.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

namespace flipsim::nn {
namespace {

void check_folded_size(const std::vector<int64_t>& dims) {
  const int64_t n = checked_numel(dims);
  if (n < 0 || n > kMaxFoldedElements) throw FoldError("result " + dims_str(dims) + " is too large");
}

// A tensor of `dims` whose element k is data's element src[k].
ConstTensor take(const ConstTensor& data, std::vector<int64_t> dims, const std::vector<size_t>& src) {
  ConstTensor out;
  out.is_float = data.is_float;
  out.dims = std::move(dims);
  for (size_t k : src) {
    if (data.is_float)
      out.f.push_back(data.f[k]);
    else
      out.i.push_back(data.i[k]);
  }
  return out;
}

// Row-major walk over every index of `dims` (already size-checked), collecting fn(multi_index).
std::vector<size_t> map_indices(const std::vector<int64_t>& dims,
                                const std::function<size_t(const std::vector<int64_t>&)>& fn) {
  std::vector<size_t> out;
  const int64_t n = checked_numel(dims);
  std::vector<int64_t> idx(dims.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    out.push_back(fn(idx));
    for (size_t a = dims.size(); a-- > 0;) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

std::vector<int64_t> row_strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t a = dims.size(); a-- > 1;) s[a - 1] = s[a] * dims[a];
  return s;
}

}  // namespace

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

int64_t checked_numel(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > kMaxTensorElements / d)) return -1;
    n *= d;
  }
  return n;
}

int64_t normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    throw FoldError("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

ConstTensor fold_gather(const ConstTensor& data, const ConstTensor& indices, int64_t axis) {
  if (indices.is_float) throw FoldError("indices must be integers");
  const int64_t rank = int64_t(data.dims.size());
  if (rank == 0) throw FoldError("cannot gather from a scalar");
  axis = normalize_axis(axis, rank);
  const int64_t n = data.dims[size_t(axis)];
  std::vector<int64_t> dims(data.dims.begin(), data.dims.begin() + axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  check_folded_size(dims);
  int64_t outer = 1, inner = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= data.dims[size_t(a)];
  for (int64_t a = axis + 1; a < rank; ++a) inner *= data.dims[size_t(a)];
  std::vector<size_t> src;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j : indices.i) {
      if (j < -n || j >= n)
        throw FoldError("index " + std::to_string(j) + " is out of range for a dim of " + std::to_string(n));
      if (j < 0) j += n;
      for (int64_t k = 0; k < inner; ++k) src.push_back(size_t((o * n + j) * inner + k));
    }
  }
  return take(data, dims, src);
}

ConstTensor fold_unsqueeze(const ConstTensor& data, std::vector<int64_t> axes) {
  if (axes.empty()) throw FoldError("axes are required");
  const int64_t rank = int64_t(data.dims.size() + axes.size());
  for (int64_t& a : axes) a = normalize_axis(a, rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) throw FoldError("axes repeat");
  ConstTensor out = data;
  for (int64_t a : axes) out.dims.insert(out.dims.begin() + a, 1);
  return out;
}

ConstTensor fold_squeeze(const ConstTensor& data, const std::vector<int64_t>& axes, bool have_axes) {
  const int64_t rank = int64_t(data.dims.size());
  std::set<int64_t> listed;
  for (int64_t a : axes) listed.insert(normalize_axis(a, rank));
  ConstTensor out = data;
  out.dims.clear();
  for (int64_t a = 0; a < rank; ++a) {
    const int64_t d = data.dims[size_t(a)];
    const bool drop = have_axes ? listed.count(a) > 0 : d == 1;
    if (drop && d != 1) throw FoldError("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(d));
    if (!drop) out.dims.push_back(d);
  }
  return out;
}

ConstTensor fold_concat(const std::vector<const ConstTensor*>& parts, int64_t axis) {
  if (parts.empty()) throw FoldError("nothing to concatenate");
  const ConstTensor& first = *parts[0];
  const int64_t rank = int64_t(first.dims.size());
  if (rank == 0) throw FoldError("cannot concatenate scalars");
  axis = normalize_axis(axis, rank);
  std::vector<int64_t> dims = first.dims;
  dims[size_t(axis)] = 0;
  for (const ConstTensor* p : parts) {
    bool same = p->is_float == first.is_float && int64_t(p->dims.size()) == rank;
    for (int64_t a = 0; same && a < rank; ++a) same = a == axis || p->dims[size_t(a)] == first.dims[size_t(a)];
    if (!same)
      throw FoldError("inputs " + dims_str(first.dims) + " and " + dims_str(p->dims) + " cannot be concatenated");
    dims[size_t(axis)] += p->dims[size_t(axis)];
    check_folded_size(dims);
  }
  int64_t outer = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= first.dims[size_t(a)];
  ConstTensor out;
  out.is_float = first.is_float;
  out.dims = dims;
  for (int64_t o = 0; o < outer; ++o) {
    for (const ConstTensor* p : parts) {
      const size_t block = p->numel() / size_t(outer);
      for (size_t k = 0; k < block; ++k) {
        if (out.is_float)
          out.f.push_back(p->f[size_t(o) * block + k]);
        else
          out.i.push_back(p->i[size_t(o) * block + k]);
      }
    }
  }
  return out;
}

ConstTensor fold_slice(const ConstTensor& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                       std::vector<int64_t> axes, std::vector<int64_t> steps) {
  const int64_t rank = int64_t(data.dims.size());
  if (axes.empty())
    for (int64_t a = 0; a < int64_t(starts.size()); ++a) axes.push_back(a);
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw FoldError("starts, ends, axes and steps must have the same length");
  std::vector<int64_t> begin(size_t(rank), 0), step(size_t(rank), 1), dims = data.dims;
  std::set<int64_t> seen;
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t a = normalize_axis(axes[k], rank);
    if (!seen.insert(a).second) throw FoldError("axes repeat");
    const int64_t n = data.dims[size_t(a)], st = steps[k];
    if (st == 0) throw FoldError("steps must not be 0");
    // Clamped as ONNX specifies; ends are often INT64_MAX, so clamp before any arithmetic.
    int64_t s = starts[k] < 0 ? std::max<int64_t>(starts[k], -n) + n : starts[k];
    int64_t e = ends[k] < 0 ? std::max<int64_t>(ends[k], -n - 1) + n : ends[k];
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
    } else {
      s = std::clamp<int64_t>(s, 0, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
    }
    const int64_t len = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    begin[size_t(a)] = s;
    step[size_t(a)] = st;
    dims[size_t(a)] = std::max<int64_t>(0, len);
  }
  check_folded_size(dims);
  const std::vector<int64_t> strides = row_strides(data.dims);
  return take(data, dims, map_indices(dims, [&](const std::vector<int64_t>& idx) {
                int64_t k = 0;
                for (int64_t a = 0; a < rank; ++a)
                  k += (begin[size_t(a)] + idx[size_t(a)] * step[size_t(a)]) * strides[size_t(a)];
                return size_t(k);
              }));
}

ConstTensor fold_transpose(const ConstTensor& data, std::vector<int64_t> perm) {
  const int64_t rank = int64_t(data.dims.size());
  if (perm.empty())
    for (int64_t a = rank; a-- > 0;) perm.push_back(a);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t a = 0; a < rank; ++a) {
    if (int64_t(sorted.size()) != rank || sorted[size_t(a)] != a)
      throw FoldError("perm " + dims_str(perm) + " is not a permutation of " + std::to_string(rank) + " axes");
  }
  std::vector<int64_t> dims;
  for (int64_t a : perm) dims.push_back(data.dims[size_t(a)]);
  check_folded_size(dims);
  const std::vector<int64_t> strides = row_strides(data.dims);
  return take(data, dims, map_indices(dims, [&](const std::vector<int64_t>& idx) {
                int64_t k = 0;
                for (int64_t a = 0; a < rank; ++a) k += idx[size_t(a)] * strides[size_t(perm[size_t(a)])];
                return size_t(k);
              }));
}

ConstTensor fold_arithmetic(const ConstTensor& a, const ConstTensor& b, char op) {
  if (a.is_float != b.is_float) throw FoldError("mixing float and integer constants is not supported");
  if (a.numel() != 1 && b.numel() != 1 && a.dims != b.dims)
    throw FoldError("constant operands " + dims_str(a.dims) + " and " + dims_str(b.dims) +
                    " must match or one be a scalar");
  ConstTensor out = a.numel() >= b.numel() ? a : b;
  for (size_t k = 0; k < out.numel(); ++k) {
    const size_t ka = a.numel() == 1 ? 0 : k, kb = b.numel() == 1 ? 0 : k;
    if (out.is_float) {
      const float x = a.f[ka], y = b.f[kb];
      out.f[k] = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
      if (!std::isfinite(out.f[k])) throw FoldError("constant arithmetic gives a non-finite value");
      continue;
    }
    const int64_t x = a.i[ka], y = b.i[kb];
    // Shape values are small; a result that overflows int64 means a corrupt model.
    __int128 r = 0;
    switch (op) {
      case '+': r = __int128(x) + y; break;
      case '-': r = __int128(x) - y; break;
      case '*': r = __int128(x) * y; break;
      default:
        if (y == 0) throw FoldError("division by zero in constant arithmetic");
        r = __int128(x) / y;
    }
    if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min())
      throw FoldError("integer overflow in constant arithmetic");
    out.i[k] = int64_t(r);
  }
  return out;
}

ConstTensor fold_cast(ConstTensor c, bool to_float) {
  if (to_float && !c.is_float) {
    for (int64_t v : c.i) c.f.push_back(float(v));
    c.i.clear();
    c.is_float = true;
  } else if (!to_float && c.is_float) {
    for (float v : c.f) {
      if (!(std::fabs(v) < 9.2e18f)) throw FoldError("value out of the integer range");
      c.i.push_back(int64_t(v));
    }
    c.f.clear();
    c.is_float = false;
  }
  return c;
}

ConstTensor fold_constant_of_shape(const std::vector<int64_t>& dims, const ConstTensor& fill) {
  check_folded_size(dims);
  if (fill.numel() != 1) throw FoldError("the fill value must hold one element");
  return take(fill, dims, std::vector<size_t>(size_t(checked_numel(dims)), 0));
}

}  // namespace flipsim::nn
