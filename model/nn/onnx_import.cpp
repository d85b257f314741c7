#include "model/nn/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "model/common/config_error.h"
#include "model/nn/gzip.h"
#include "model/nn/onnx_constants.h"

namespace flipsim::nn {
namespace {

constexpr int64_t kMaxSide = 1 << 14;  // any spatial or channel dimension

const char* const kSupportedOps =
    "Conv, Gemm, MatMul, Add, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, "
    "Reshape, Pad, Identity, Dropout, Constant, and on constants only: Shape, Gather, Unsqueeze, Squeeze, "
    "Concat, Cast, ConstantOfShape, Slice, Transpose, Sub, Mul, Div";

class Importer {
 public:
  explicit Importer(std::string source) { graph_.source = std::move(source); }

  FloatGraph import(const onnx::ModelProto& model) {
    if (!model.has_graph()) fail("the model has no graph");
    const onnx::GraphProto& g = model.graph();
    if (g.sparse_initializer_size() > 0) fail("sparse initializers are not supported");
    for (const onnx::TensorProto& t : g.initializer()) {
      if (t.name().empty()) fail("an initializer has no name");
      if (consts_.count(t.name())) fail("initializer '" + t.name() + "' is defined twice");
      consts_[t.name()] = parse_tensor(t, "initializer '" + t.name() + "'");
    }
    import_input(g);
    for (int n = 0; n < g.node_size(); ++n) {
      node_ = &g.node(n);
      node_name_ = node_->name().empty() ? node_->op_type() + "#" + std::to_string(n) : node_->name();
      import_node();
    }
    node_ = nullptr;
    if (g.output_size() != 1) fail("the graph must have exactly one output, it has " + std::to_string(g.output_size()));
    const std::string& out = g.output(0).name();
    const auto it = runtime_.find(out);
    if (it == runtime_.end()) fail("graph output '" + out + "' is not computed from the input by any node");
    if (graph_.values[size_t(it->second)].is_map)
      fail("graph output '" + out + "' must be a [1, N] vector of logits, got a [1, C, H, W] map");
    graph_.output_value = it->second;
    return std::move(graph_);
  }

 private:
  // ---- errors -----------------------------------------------------------------------------------------------
  [[noreturn]] void fail(const std::string& what) const { throw ConfigError(graph_.source + ": " + what); }
  [[noreturn]] void fail_node(const std::string& what) const {
    fail("node '" + node_name_ + "' (op " + node_->op_type() + "): " + what);
  }

  // ---- tensors ----------------------------------------------------------------------------------------------
  ConstTensor parse_tensor(const onnx::TensorProto& t, const std::string& what) const {
    if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
      fail(what + ": external tensor data is not supported (save the model with its weights inside)");
    if (t.has_segment()) fail(what + ": segmented tensors are not supported");
    ConstTensor c;
    c.dims.assign(t.dims().begin(), t.dims().end());
    const int64_t n = checked_numel(c.dims);
    if (n < 0) fail(what + ": invalid or oversized dims " + dims_str(c.dims));
    const std::string& raw = t.raw_data();
    auto raw_ok = [&](size_t elem) {
      if (raw.empty()) return false;
      if (raw.size() != size_t(n) * elem)
        fail(what + ": raw data holds " + std::to_string(raw.size()) + " bytes, dims " + dims_str(c.dims) + " need " +
             std::to_string(size_t(n) * elem));
      return true;
    };
    auto count_ok = [&](int count) {
      if (int64_t(count) != n)
        fail(what + ": holds " + std::to_string(count) + " values, dims " + dims_str(c.dims) + " need " +
             std::to_string(n));
    };
    // Raw data is little-endian, as is every machine this runs on.
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        c.f.resize(size_t(n));
        if (raw_ok(4)) {
          std::memcpy(c.f.data(), raw.data(), raw.size());
        } else {
          count_ok(t.float_data_size());
          std::copy(t.float_data().begin(), t.float_data().end(), c.f.begin());
        }
        break;
      case onnx::TensorProto::DOUBLE:
        c.f.resize(size_t(n));
        for (int64_t k = 0; k < n; ++k) {
          double v = 0;
          if (raw_ok(8)) {
            std::memcpy(&v, raw.data() + k * 8, 8);
          } else {
            count_ok(t.double_data_size());
            v = t.double_data(int(k));
          }
          // Converting an out-of-range double to float is undefined behaviour, so check first.
          if (!(std::fabs(v) <= std::numeric_limits<float>::max())) fail(what + ": holds a value out of float range");
          c.f[size_t(k)] = float(v);
        }
        break;
      case onnx::TensorProto::INT64:
        c.is_float = false;
        c.i.resize(size_t(n));
        if (raw_ok(8)) {
          std::memcpy(c.i.data(), raw.data(), raw.size());
        } else {
          count_ok(t.int64_data_size());
          std::copy(t.int64_data().begin(), t.int64_data().end(), c.i.begin());
        }
        break;
      case onnx::TensorProto::INT32:
        c.is_float = false;
        c.i.resize(size_t(n));
        if (raw_ok(4)) {
          for (int64_t k = 0; k < n; ++k) {
            int32_t v;
            std::memcpy(&v, raw.data() + k * 4, 4);
            c.i[size_t(k)] = v;
          }
        } else {
          count_ok(t.int32_data_size());
          std::copy(t.int32_data().begin(), t.int32_data().end(), c.i.begin());
        }
        break;
      default:
        fail(what + ": tensor data type " + std::to_string(t.data_type()) +
             " is not supported (supported: float, double, int32, int64)");
    }
    for (float v : c.f) {
      if (!std::isfinite(v)) fail(what + ": holds a non-finite value");
    }
    return c;
  }

  // ---- graph input ------------------------------------------------------------------------------------------
  void import_input(const onnx::GraphProto& g) {
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const onnx::ValueInfoProto& v : g.input()) {
      if (!consts_.count(v.name())) inputs.push_back(&v);
    }
    if (inputs.size() != 1)
      fail("the graph must have exactly one input that is not an initializer, it has " + std::to_string(inputs.size()));
    const onnx::ValueInfoProto& in = *inputs[0];
    const std::string expect = "graph input '" + in.name() + "' must be a float tensor [1, C, H, W]";
    if (!in.type().has_tensor_type()) fail(expect + "; it is not a tensor");
    const onnx::TypeProto::Tensor& tt = in.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT)
      fail(expect + "; its element type is " + std::to_string(tt.elem_type()));
    if (!tt.has_shape() || tt.shape().dim_size() != 4)
      fail(expect + "; its shape has " + std::to_string(tt.shape().dim_size()) + " dims");
    std::vector<int64_t> dims;
    for (int k = 0; k < 4; ++k) {
      const auto& d = tt.shape().dim(k);
      // A symbolic batch dimension ("batch", "N") is fine: we always run one image.
      if (k == 0 && !d.has_dim_value()) {
        dims.push_back(1);
        continue;
      }
      if (!d.has_dim_value()) fail(expect + "; dim " + std::to_string(k) + " is symbolic");
      dims.push_back(d.dim_value());
    }
    if (dims[0] != 1 || dims[1] < 1 || dims[2] < 1 || dims[3] < 1 || dims[1] > kMaxSide || dims[2] > kMaxSide ||
        dims[3] > kMaxSide || checked_numel(dims) < 0)
      fail(expect + "; got " + dims_str(dims));
    ValueInfo v;
    v.name = in.name();
    v.channels = int(dims[1]);
    v.height = int(dims[2]);
    v.width = int(dims[3]);
    graph_.values.push_back(v);
    graph_.input_value = 0;
    runtime_[in.name()] = 0;
  }

  // ---- node access ------------------------------------------------------------------------------------------
  const onnx::AttributeProto* attr(const std::string& name) const {
    for (const auto& a : node_->attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  void allow_attrs(const std::set<std::string>& allowed) const {
    for (const auto& a : node_->attribute()) {
      if (!allowed.count(a.name())) {
        std::string list;
        for (const auto& s : allowed) list += (list.empty() ? "" : ", ") + s;
        fail_node("unsupported attribute '" + a.name() + "' (supported: " + (list.empty() ? "none" : list) + ")");
      }
    }
  }
  int64_t attr_int(const std::string& name, int64_t fallback) const {
    const auto* a = attr(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::INT) fail_node("attribute '" + name + "' must be an integer");
    return a->i();
  }
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> fallback) const {
    const auto* a = attr(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::INTS) fail_node("attribute '" + name + "' must be a list of integers");
    return {a->ints().begin(), a->ints().end()};
  }
  float attr_float(const std::string& name, float fallback) const {
    const auto* a = attr(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::FLOAT) fail_node("attribute '" + name + "' must be a float");
    if (!std::isfinite(a->f())) fail_node("attribute '" + name + "' must be finite");
    return a->f();
  }
  std::string attr_string(const std::string& name, const std::string& fallback) const {
    const auto* a = attr(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::STRING) fail_node("attribute '" + name + "' must be a string");
    return a->s();
  }

  bool has_input(int k) const { return k < node_->input_size() && !node_->input(k).empty(); }
  void expect_io(int min_inputs, int max_inputs, int max_outputs) const {
    int present = 0;
    for (int k = 0; k < node_->input_size(); ++k) present += has_input(k) ? 1 : 0;
    if (node_->input_size() > max_inputs || !has_input(0) || present < min_inputs) {
      fail_node("expects " + std::to_string(min_inputs) +
                (max_inputs > min_inputs ? "-" + std::to_string(max_inputs) : "") + " inputs, got " +
                std::to_string(node_->input_size()));
    }
    for (int k = 0; k < min_inputs; ++k) {
      if (!has_input(k)) fail_node("input " + std::to_string(k) + " is required");
    }
    if (node_->output_size() < 1 || node_->output(0).empty()) fail_node("has no output");
    for (int k = max_outputs; k < node_->output_size(); ++k) {
      if (!node_->output(k).empty())
        fail_node("output " + std::to_string(k) + " ('" + node_->output(k) + "') is not supported");
    }
  }
  bool is_const(int k) const {
    const std::string& name = node_->input(k);
    if (consts_.count(name)) return true;
    if (runtime_.count(name)) return false;
    fail_node("input '" + name + "' is not produced by an earlier node, an initializer or the graph input");
  }
  const ConstTensor& const_input(int k, const std::string& role) const {
    if (!is_const(k))
      fail_node(role + " '" + node_->input(k) +
                "' must be a constant (initializer or Constant), not computed from the input");
    return consts_.at(node_->input(k));
  }
  const ConstTensor& float_input(int k, const std::string& role) const {
    const ConstTensor& c = const_input(k, role);
    if (!c.is_float) fail_node(role + " '" + node_->input(k) + "' must be a float tensor");
    return c;
  }
  std::vector<int64_t> ints_input(int k, const std::string& role) const {
    const ConstTensor& c = const_input(k, role);
    if (c.is_float) fail_node(role + " '" + node_->input(k) + "' must be an integer tensor");
    if (c.dims.size() > 1) fail_node(role + " '" + node_->input(k) + "' must be 1-D, got " + dims_str(c.dims));
    return c.i;
  }
  // Copy, not reference: adding values may reallocate the vector.
  ValueInfo runtime_input(int k) const {
    if (is_const(k)) fail_node("input '" + node_->input(k) + "' must be computed from the graph input, not a constant");
    return graph_.values[size_t(runtime_.at(node_->input(k)))];
  }
  int runtime_id(int k) const { return runtime_.at(node_->input(k)); }
  ValueInfo map_input(int k) const {
    ValueInfo v = runtime_input(k);
    if (!v.is_map)
      fail_node("input '" + v.name + "' must be a [1, C, H, W] map, got a [1, " + std::to_string(v.channels) +
                "] vector");
    return v;
  }
  ValueInfo vector_input(int k) const {
    ValueInfo v = runtime_input(k);
    if (v.is_map)
      fail_node("input '" + v.name + "' must be a [1, K] matrix, got a [1, " + std::to_string(v.channels) + ", " +
                std::to_string(v.height) + ", " + std::to_string(v.width) + "] map (insert a Flatten)");
    return v;
  }
  std::vector<int64_t> runtime_dims(const ValueInfo& v) const {
    if (v.is_map) return {1, v.channels, v.height, v.width};
    return {1, v.channels};
  }

  void check_output_name() const {
    const std::string& name = node_->output(0);
    if (runtime_.count(name) || consts_.count(name)) fail_node("output '" + name + "' is defined twice");
  }
  void define_const(ConstTensor c) {
    check_output_name();
    if (checked_numel(c.dims) != int64_t(c.numel())) fail_node("internal shape mismatch in constant folding");
    consts_[node_->output(0)] = std::move(c);
  }
  void alias(int value) {
    check_output_name();
    runtime_[node_->output(0)] = value;
  }
  // Adds the op with a new output value of shape `out` (name filled in here).
  void emit(FloatOp op, ValueInfo out) {
    check_output_name();
    if (out.channels < 1 || out.height < 1 || out.width < 1 || out.channels > kMaxTensorElements ||
        out.height > kMaxSide || out.width > kMaxSide || checked_numel({out.channels, out.height, out.width}) < 0)
      fail_node("output shape " + dims_str(runtime_dims(out)) + " is empty or too large");
    out.name = node_->output(0);
    if (!out.is_map && out.flattened_from[0] == 0) out.flattened_from = {out.channels, 1, 1};
    op.name = node_name_;
    op.output = int(graph_.values.size());
    graph_.values.push_back(out);
    runtime_[out.name] = op.output;
    graph_.ops.push_back(std::move(op));
  }

  // Output size of a sliding window; fails when the window does not fit.
  int window_out(int64_t in, int64_t pad_sum, int64_t kernel, int64_t stride, const char* axis) const {
    const int64_t span = in + pad_sum - kernel;
    if (span < 0)
      fail_node(std::string("kernel ") + std::to_string(kernel) + " is larger than the padded input " + axis + " " +
                std::to_string(in + pad_sum));
    return int(span / stride + 1);
  }
  std::vector<int64_t> spatial_pair(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
    std::vector<int64_t> v = attr_ints(name, {fallback, fallback});
    if (v.size() != 2) fail_node("attribute '" + name + "' must have 2 values (H, W), got " + dims_str(v));
    for (int64_t x : v) {
      if (x < min || x > max)
        fail_node("attribute '" + name + "' value " + std::to_string(x) + " outside [" + std::to_string(min) + ", " +
                  std::to_string(max) + "]");
    }
    return v;
  }
  std::vector<int64_t> pads_attr() const {
    std::vector<int64_t> p = attr_ints("pads", {0, 0, 0, 0});
    if (p.size() != 4) fail_node("attribute 'pads' must have 4 values, got " + dims_str(p));
    for (int64_t x : p) {
      if (x < 0 || x > kMaxSide)
        fail_node("attribute 'pads' value " + std::to_string(x) + " outside [0, " + std::to_string(kMaxSide) + "]");
    }
    return p;
  }
  void check_auto_pad() const {
    const std::string ap = attr_string("auto_pad", "NOTSET");
    if (ap == "NOTSET") return;
    if (ap == "VALID" && pads_attr() == std::vector<int64_t>{0, 0, 0, 0}) return;
    fail_node("auto_pad=" + ap + " is not supported (use explicit pads: auto_pad NOTSET)");
  }

  // ---- dispatch ---------------------------------------------------------------------------------------------
  void import_node() {
    try {
      dispatch();
    } catch (const FoldError& e) {
      fail_node(e.what());
    }
  }

  void dispatch() {
    if (!node_->domain().empty() && node_->domain() != "ai.onnx")
      fail_node("operator domain '" + node_->domain() + "' is not supported (only the standard ONNX domain)");
    const std::string& op = node_->op_type();
    if (op == "Conv") return conv();
    if (op == "Gemm") return gemm();
    if (op == "MatMul") return matmul();
    if (op == "Add") return add();
    if (op == "BatchNormalization") return batch_norm();
    if (op == "Relu") return relu();
    if (op == "MaxPool" || op == "AveragePool") return pool(op == "MaxPool");
    if (op == "GlobalAveragePool") return global_avg_pool();
    if (op == "Flatten") return flatten();
    if (op == "Reshape") return reshape();
    if (op == "Pad") return pad();
    if (op == "Identity") return identity();
    if (op == "Dropout") return dropout();
    if (op == "Constant") return constant();
    if (op == "Shape") return shape();
    if (op == "Gather") return gather();
    if (op == "Unsqueeze" || op == "Squeeze") return squeeze(op == "Unsqueeze");
    if (op == "Concat") return concat();
    if (op == "Cast") return cast();
    if (op == "ConstantOfShape") return constant_of_shape();
    if (op == "Slice") return slice();
    if (op == "Transpose") return transpose();
    if (op == "Sub") return arithmetic('-');
    if (op == "Mul") return arithmetic('*');
    if (op == "Div") return arithmetic('/');
    fail_node(std::string("unsupported op (supported: ") + kSupportedOps + ")");
  }

  // ---- runtime ops ------------------------------------------------------------------------------------------
  void conv() {
    allow_attrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    expect_io(2, 3, 1);
    const ValueInfo in = map_input(0);
    const ConstTensor& w = float_input(1, "weight");
    if (w.dims.size() != 4 || w.numel() == 0)
      fail_node("weight '" + node_->input(1) + "' must have dims [O, I, kH, kW], got " + dims_str(w.dims));
    const int64_t out_c = w.dims[0], in_c = w.dims[1], kh = w.dims[2], kw = w.dims[3];
    if (attr_int("group", 1) != 1)
      fail_node("group=" + std::to_string(attr_int("group", 1)) + " is not supported (only group=1)");
    if (in_c != in.channels)
      fail_node("weight '" + node_->input(1) + "' expects " + std::to_string(in_c) + " input channels but input '" +
                in.name + "' has " + std::to_string(in.channels));
    if (attr("kernel_shape") && attr_ints("kernel_shape", {}) != std::vector<int64_t>{kh, kw})
      fail_node("kernel_shape " + dims_str(attr_ints("kernel_shape", {})) + " does not match the weight dims " +
                dims_str(w.dims));
    if (spatial_pair("dilations", 1, 1, kMaxSide) != std::vector<int64_t>{1, 1})
      fail_node("dilations other than 1 are not supported");
    const std::vector<int64_t> strides = spatial_pair("strides", 1, 1, kMaxSide);
    if (strides[0] != strides[1])
      fail_node("strides " + dims_str(strides) + " differ between H and W (the accelerator has one stride)");
    const std::vector<int64_t> pads = pads_attr();
    if (std::adjacent_find(pads.begin(), pads.end(), std::not_equal_to<>()) != pads.end())
      fail_node("pads " + dims_str(pads) + " are not all equal (the accelerator pads every side alike)");
    check_auto_pad();
    FloatOp op;
    op.type = OpType::kConv;
    op.inputs = {runtime_id(0)};
    op.weights = w.f;
    op.bias.assign(size_t(out_c), 0.0f);
    if (has_input(2)) {
      const ConstTensor& b = float_input(2, "bias");
      if (int64_t(b.numel()) != out_c)
        fail_node("bias '" + node_->input(2) + "' has " + std::to_string(b.numel()) + " values, expected " +
                  std::to_string(out_c));
      op.bias = b.f;
    }
    op.kernel_h = int(kh);
    op.kernel_w = int(kw);
    op.stride_h = op.stride_w = int(strides[0]);
    op.pads = {int(pads[0]), int(pads[1]), int(pads[2]), int(pads[3])};
    ValueInfo out;
    out.channels = int(out_c);
    out.height = window_out(in.height, 2 * pads[0], kh, strides[0], "height");
    out.width = window_out(in.width, 2 * pads[0], kw, strides[0], "width");
    emit(std::move(op), out);
  }

  void gemm() {
    allow_attrs({"alpha", "beta", "transA", "transB"});
    expect_io(2, 3, 1);
    const ValueInfo in = vector_input(0);
    const ConstTensor& b = float_input(1, "weight");
    if (attr_int("transA", 0) != 0) fail_node("transA=1 is not supported");
    const bool trans_b = attr_int("transB", 0) != 0;
    const float alpha = attr_float("alpha", 1.0f), beta = attr_float("beta", 1.0f);
    if (b.dims.size() != 2) fail_node("weight '" + node_->input(1) + "' must be 2-D, got " + dims_str(b.dims));
    const int64_t k = trans_b ? b.dims[1] : b.dims[0], n = trans_b ? b.dims[0] : b.dims[1];
    if (k != in.channels)
      fail_node("weight '" + node_->input(1) + "' " + dims_str(b.dims) + (trans_b ? " (transposed)" : "") +
                " expects K=" + std::to_string(k) + " but input '" + in.name + "' has " + std::to_string(in.channels));
    FloatOp op;
    op.type = OpType::kGemm;
    op.inputs = {runtime_id(0)};
    op.weights.resize(size_t(n * k));
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t c = 0; c < k; ++c)
        op.weights[size_t(r * k + c)] = alpha * b.f[size_t(trans_b ? r * k + c : c * n + r)];
    }
    op.bias.assign(size_t(n), 0.0f);
    if (has_input(2)) {
      const ConstTensor& c = float_input(2, "bias");
      if (int64_t(c.numel()) != n && c.numel() != 1)
        fail_node("bias '" + node_->input(2) + "' " + dims_str(c.dims) + " does not broadcast to [1, " +
                  std::to_string(n) + "]");
      for (int64_t r = 0; r < n; ++r) op.bias[size_t(r)] = beta * c.f[c.numel() == 1 ? 0 : size_t(r)];
    }
    ValueInfo out;
    out.is_map = false;
    out.channels = int(n);
    emit(std::move(op), out);
  }

  void matmul() {
    allow_attrs({});
    expect_io(2, 2, 1);
    const ValueInfo in = vector_input(0);
    const ConstTensor& b = float_input(1, "weight");
    if (b.dims.size() != 2 || b.dims[0] != in.channels)
      fail_node("weight '" + node_->input(1) + "' must be [K, N] with K=" + std::to_string(in.channels) + ", got " +
                dims_str(b.dims));
    const int64_t k = b.dims[0], n = b.dims[1];
    FloatOp op;
    op.type = OpType::kGemm;
    op.inputs = {runtime_id(0)};
    op.weights.resize(size_t(n * k));
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t c = 0; c < k; ++c) op.weights[size_t(r * k + c)] = b.f[size_t(c * n + r)];
    }
    op.bias.assign(size_t(n), 0.0f);
    ValueInfo out;
    out.is_map = false;
    out.channels = int(n);
    emit(std::move(op), out);
  }

  // Expands a constant that broadcasts per channel (or as a scalar) against `v` to one value per channel.
  std::vector<float> per_channel(const ConstTensor& c, const ValueInfo& v, const std::string& role) const {
    const std::vector<int64_t> vd = runtime_dims(v);
    bool ok = c.is_float && c.dims.size() <= vd.size();
    for (size_t a = 0; ok && a < c.dims.size(); ++a) {
      const size_t va = vd.size() - c.dims.size() + a;
      ok = c.dims[a] == 1 || (va == 1 && c.dims[a] == vd[1]);
    }
    if (!ok)
      fail_node(role + " '" + (c.dims.empty() ? std::string("scalar") : dims_str(c.dims)) +
                "' must be a float scalar or one value per channel of " + dims_str(vd));
    if (c.numel() == 1) return std::vector<float>(size_t(v.channels), c.f[0]);
    return c.f;
  }

  void add() {
    allow_attrs({});
    expect_io(2, 2, 1);
    const bool c0 = is_const(0), c1 = is_const(1);
    if (c0 && c1) return define_const(fold_arithmetic(consts_.at(node_->input(0)), consts_.at(node_->input(1)), '+'));
    if (!c0 && !c1) {
      const ValueInfo a = runtime_input(0), b = runtime_input(1);
      if (runtime_dims(a) != runtime_dims(b) || a.flattened_from != b.flattened_from)
        fail_node("inputs '" + a.name + "' " + dims_str(runtime_dims(a)) + " and '" + b.name + "' " +
                  dims_str(runtime_dims(b)) + " must have the same shape (broadcasting is not supported)");
      FloatOp op;
      op.type = OpType::kAdd;
      op.inputs = {runtime_id(0), runtime_id(1)};
      return emit(std::move(op), a);
    }
    const int rt = c0 ? 1 : 0;
    const ValueInfo in = runtime_input(rt);
    FloatOp op;
    op.type = OpType::kAffine;
    op.inputs = {runtime_id(rt)};
    op.bias = per_channel(consts_.at(node_->input(1 - rt)), in, "addend");
    op.scale.assign(op.bias.size(), 1.0f);
    emit(std::move(op), in);
  }

  void arithmetic(char op) {
    allow_attrs({});
    expect_io(2, 2, 1);
    if (!is_const(0) || !is_const(1))
      fail_node(
          "only constant operands are supported (shape arithmetic); a runtime Add must be a residual or bias add");
    define_const(fold_arithmetic(consts_.at(node_->input(0)), consts_.at(node_->input(1)), op));
  }

  void batch_norm() {
    allow_attrs({"epsilon", "momentum", "spatial", "training_mode"});
    expect_io(5, 5, 1);
    const ValueInfo in = runtime_input(0);
    if (attr_int("training_mode", 0) != 0) fail_node("training_mode=1 is not supported (export in eval mode)");
    if (attr_int("spatial", 1) != 1) fail_node("spatial=0 is not supported");
    const float eps = attr_float("epsilon", 1e-5f);
    const char* roles[] = {"scale", "B", "mean", "var"};
    const ConstTensor* p[4];
    for (int k = 0; k < 4; ++k) {
      p[k] = &float_input(k + 1, roles[k]);
      if (int64_t(p[k]->numel()) != in.channels)
        fail_node(std::string(roles[k]) + " '" + node_->input(k + 1) + "' has " + std::to_string(p[k]->numel()) +
                  " values, expected one per channel (" + std::to_string(in.channels) + ")");
    }
    FloatOp op;
    op.type = OpType::kAffine;
    op.inputs = {runtime_id(0)};
    for (int c = 0; c < in.channels; ++c) {
      const double var = double(p[3]->f[size_t(c)]) + eps;
      if (!(var > 0)) fail_node("variance + epsilon of channel " + std::to_string(c) + " is not positive");
      const double s = p[0]->f[size_t(c)] / std::sqrt(var);
      op.scale.push_back(float(s));
      op.bias.push_back(float(p[1]->f[size_t(c)] - p[2]->f[size_t(c)] * s));
    }
    emit(std::move(op), in);
  }

  void relu() {
    allow_attrs({});
    expect_io(1, 1, 1);
    const ValueInfo in = runtime_input(0);
    FloatOp op;
    op.type = OpType::kRelu;
    op.inputs = {runtime_id(0)};
    emit(std::move(op), in);
  }

  void pool(bool is_max) {
    if (is_max)
      allow_attrs({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
    else
      allow_attrs({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"});
    expect_io(1, 1, 1);
    const ValueInfo in = map_input(0);
    if (!attr("kernel_shape")) fail_node("attribute 'kernel_shape' is required");
    const std::vector<int64_t> k = spatial_pair("kernel_shape", 1, 1, kMaxSide);
    const std::vector<int64_t> s = spatial_pair("strides", 1, 1, kMaxSide);
    const std::vector<int64_t> p = pads_attr();
    if (attr_int("ceil_mode", 0) != 0) fail_node("ceil_mode=1 is not supported (only floor)");
    if (spatial_pair("dilations", 1, 1, kMaxSide) != std::vector<int64_t>{1, 1})
      fail_node("dilations other than 1 are not supported");
    if (attr_int("storage_order", 0) != 0) fail_node("storage_order=1 is not supported");
    check_auto_pad();
    // A pad as wide as the kernel would give windows holding only padding.
    if (p[0] >= k[0] || p[2] >= k[0] || p[1] >= k[1] || p[3] >= k[1])
      fail_node("pads " + dims_str(p) + " must be smaller than the kernel " + dims_str(k));
    FloatOp op;
    op.type = is_max ? OpType::kMaxPool : OpType::kAvgPool;
    op.inputs = {runtime_id(0)};
    op.kernel_h = int(k[0]);
    op.kernel_w = int(k[1]);
    op.stride_h = int(s[0]);
    op.stride_w = int(s[1]);
    op.pads = {int(p[0]), int(p[1]), int(p[2]), int(p[3])};
    op.count_include_pad = !is_max && attr_int("count_include_pad", 0) != 0;
    ValueInfo out = in;
    out.height = window_out(in.height, p[0] + p[2], k[0], s[0], "height");
    out.width = window_out(in.width, p[1] + p[3], k[1], s[1], "width");
    emit(std::move(op), out);
  }

  void global_avg_pool() {
    allow_attrs({});
    expect_io(1, 1, 1);
    ValueInfo out = map_input(0);
    FloatOp op;
    op.type = OpType::kGlobalAvgPool;
    op.inputs = {runtime_id(0)};
    out.height = out.width = 1;
    emit(std::move(op), out);
  }

  // Flattening a map to [1, C*H*W]; a vector is already flat.
  void flatten_runtime(const ValueInfo& in, int id) {
    if (!in.is_map) return alias(id);
    FloatOp op;
    op.type = OpType::kFlatten;
    op.inputs = {id};
    ValueInfo out;
    out.is_map = false;
    out.channels = int(in.size());
    out.flattened_from = {in.channels, in.height, in.width};
    emit(std::move(op), out);
  }

  void flatten() {
    allow_attrs({"axis"});
    expect_io(1, 1, 1);
    const ValueInfo in = runtime_input(0);
    const int64_t rank = in.is_map ? 4 : 2;
    int64_t axis = attr_int("axis", 1);
    if (axis < 0) axis += rank;
    // With batch 1, axis 0 and axis 1 give the same [1, N].
    if (axis != 0 && axis != 1) fail_node("axis=" + std::to_string(attr_int("axis", 1)) + " is not supported (only 1)");
    flatten_runtime(in, runtime_id(0));
  }

  std::vector<int64_t> resolve_reshape(const std::vector<int64_t>& in, const std::vector<int64_t>& target,
                                       bool allow_zero) const {
    std::vector<int64_t> out = target;
    int infer = -1;
    int64_t known = 1;
    for (size_t a = 0; a < out.size(); ++a) {
      if (out[a] == -1) {
        if (infer >= 0) fail_node("shape " + dims_str(target) + " has more than one -1");
        infer = int(a);
        continue;
      }
      if (out[a] == 0 && !allow_zero) {
        if (a >= in.size())
          fail_node("shape " + dims_str(target) + " copies dim " + std::to_string(a) + " that the input lacks");
        out[a] = in[a];
      }
      if (out[a] < 1 || out[a] > kMaxTensorElements) fail_node("shape " + dims_str(target) + " has an invalid dim");
      known *= out[a];
      if (known > kMaxTensorElements) fail_node("shape " + dims_str(target) + " is too large");
    }
    const int64_t total = checked_numel(in);
    if (infer >= 0) {
      if (total % known != 0) fail_node("cannot reshape " + dims_str(in) + " to " + dims_str(target));
      out[size_t(infer)] = total / known;
    }
    if (checked_numel(out) != total) fail_node("cannot reshape " + dims_str(in) + " to " + dims_str(target));
    return out;
  }

  void reshape() {
    allow_attrs({"allowzero"});
    expect_io(2, 2, 1);
    const std::vector<int64_t> target = ints_input(1, "shape");
    const bool allow_zero = attr_int("allowzero", 0) != 0;
    if (is_const(0)) {
      ConstTensor c = consts_.at(node_->input(0));
      c.dims = resolve_reshape(c.dims, target, allow_zero);
      return define_const(std::move(c));
    }
    const ValueInfo in = runtime_input(0);
    const std::vector<int64_t> dims = runtime_dims(in);
    const std::vector<int64_t> out = resolve_reshape(dims, target, allow_zero);
    if (out == dims) return alias(runtime_id(0));
    if (out == std::vector<int64_t>{1, in.size()}) return flatten_runtime(in, runtime_id(0));
    fail_node("reshaping " + dims_str(dims) + " to " + dims_str(out) + " is not supported (only flattening to [1, N])");
  }

  void pad() {
    allow_attrs({"mode", "pads", "value"});
    expect_io(1, 4, 1);
    const ValueInfo in = map_input(0);
    if (attr_string("mode", "constant") != "constant")
      fail_node("mode=" + attr_string("mode", "") + " is not supported (only constant)");
    if (has_input(3)) fail_node("the axes input is not supported");
    const std::vector<int64_t> p = has_input(1) ? ints_input(1, "pads") : attr_ints("pads", {});
    if (p.size() != 8) fail_node("pads must have 8 values for a [1, C, H, W] input, got " + dims_str(p));
    if (p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0)
      fail_node("padding the batch or channel dim is not supported");
    for (int64_t x : p) {
      if (x < 0 || x > kMaxSide)
        fail_node("pads " + dims_str(p) + " must be in [0, " + std::to_string(kMaxSide) + "] (no cropping)");
    }
    float value = attr_float("value", 0.0f);
    if (has_input(2)) {
      const ConstTensor& v = float_input(2, "constant_value");
      if (v.numel() != 1) fail_node("constant_value must be a scalar");
      value = v.f[0];
    }
    FloatOp op;
    op.type = OpType::kPad;
    op.inputs = {runtime_id(0)};
    op.pads = {int(p[2]), int(p[3]), int(p[6]), int(p[7])};
    op.pad_value = value;
    ValueInfo out = in;
    out.height = int(in.height + p[2] + p[6]);
    out.width = int(in.width + p[3] + p[7]);
    emit(std::move(op), out);
  }

  void identity() {
    allow_attrs({});
    expect_io(1, 1, 1);
    if (is_const(0)) return define_const(consts_.at(node_->input(0)));
    alias(runtime_id(0));
  }

  void dropout() {
    allow_attrs({"is_test", "ratio", "seed"});
    expect_io(1, 3, 1);
    if (has_input(2)) {
      const std::vector<int64_t> t = ints_input(2, "training_mode");
      if (t.size() != 1 || t[0] != 0) fail_node("training_mode must be false");
    }
    if (is_const(0)) return define_const(consts_.at(node_->input(0)));
    alias(runtime_id(0));
  }

  // ---- constants and shape arithmetic -------------------------------------------------------------------------
  void constant() {
    allow_attrs({"value", "value_float", "value_floats", "value_int", "value_ints"});
    if (node_->input_size() != 0 || node_->attribute_size() != 1)
      fail_node("expects no inputs and exactly one value attribute");
    if (node_->output_size() != 1 || node_->output(0).empty()) fail_node("expects one output");
    const onnx::AttributeProto& a = node_->attribute(0);
    ConstTensor c;
    if (a.name() == "value") {
      if (a.type() != onnx::AttributeProto::TENSOR) fail_node("attribute 'value' must be a tensor");
      c = parse_tensor(a.t(), "node '" + node_name_ + "' value");
    } else if (a.name() == "value_float" && a.type() == onnx::AttributeProto::FLOAT) {
      c.f = {a.f()};
    } else if (a.name() == "value_floats" && a.type() == onnx::AttributeProto::FLOATS) {
      c.f.assign(a.floats().begin(), a.floats().end());
      c.dims = {int64_t(c.f.size())};
    } else if (a.name() == "value_int" && a.type() == onnx::AttributeProto::INT) {
      c.is_float = false;
      c.i = {a.i()};
    } else if (a.name() == "value_ints" && a.type() == onnx::AttributeProto::INTS) {
      c.is_float = false;
      c.i.assign(a.ints().begin(), a.ints().end());
      c.dims = {int64_t(c.i.size())};
    } else {
      fail_node("attribute '" + a.name() + "' has the wrong type");
    }
    define_const(std::move(c));
  }

  void shape() {
    allow_attrs({"end", "start"});
    expect_io(1, 1, 1);
    const std::vector<int64_t> dims = is_const(0) ? consts_.at(node_->input(0)).dims : runtime_dims(runtime_input(0));
    const int64_t rank = int64_t(dims.size());
    auto clamp_axis = [&](int64_t a) {
      if (a < 0) a += rank;
      return std::clamp<int64_t>(a, 0, rank);
    };
    const int64_t start = clamp_axis(attr_int("start", 0));
    const int64_t end = clamp_axis(attr_int("end", rank));
    ConstTensor c;
    c.is_float = false;
    for (int64_t a = start; a < end; ++a) c.i.push_back(dims[size_t(a)]);
    c.dims = {int64_t(c.i.size())};
    define_const(std::move(c));
  }

  void gather() {
    allow_attrs({"axis"});
    expect_io(2, 2, 1);
    define_const(fold_gather(const_input(0, "data"), const_input(1, "indices"), attr_int("axis", 0)));
  }

  void squeeze(bool unsqueeze) {
    allow_attrs({"axes"});
    expect_io(1, 2, 1);
    const ConstTensor& data = const_input(0, "data");
    const bool have_axes = has_input(1) || attr("axes");
    const std::vector<int64_t> axes = has_input(1) ? ints_input(1, "axes") : attr_ints("axes", {});
    define_const(unsqueeze ? fold_unsqueeze(data, axes) : fold_squeeze(data, axes, have_axes));
  }

  void concat() {
    allow_attrs({"axis"});
    if (node_->input_size() < 1) fail_node("expects at least one input");
    if (node_->output_size() != 1 || node_->output(0).empty()) fail_node("expects one output");
    if (!attr("axis")) fail_node("attribute 'axis' is required");
    std::vector<const ConstTensor*> parts;
    for (int k = 0; k < node_->input_size(); ++k) {
      if (!has_input(k)) fail_node("input " + std::to_string(k) + " is empty");
      parts.push_back(&const_input(k, "input"));
    }
    define_const(fold_concat(parts, attr_int("axis", 0)));
  }

  void cast() {
    allow_attrs({"saturate", "to"});
    expect_io(1, 1, 1);
    const int64_t to = attr_int("to", -1);
    const bool to_float = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE;
    const bool to_int = to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32;
    if (!to_float && !to_int)
      fail_node("cast to type " + std::to_string(to) + " is not supported (float, double, int32, int64)");
    if (is_const(0)) return define_const(fold_cast(consts_.at(node_->input(0)), to_float));
    if (!to_float) fail_node("casting a tensor computed from the input to an integer type is not supported");
    alias(runtime_id(0));
  }

  void constant_of_shape() {
    allow_attrs({"value"});
    expect_io(1, 1, 1);
    ConstTensor fill;
    fill.f = {0.0f};
    if (const auto* a = attr("value")) {
      if (a->type() != onnx::AttributeProto::TENSOR) fail_node("attribute 'value' must be a tensor");
      fill = parse_tensor(a->t(), "node '" + node_name_ + "' value");
    }
    define_const(fold_constant_of_shape(ints_input(0, "shape"), fill));
  }

  void slice() {
    allow_attrs({"axes", "ends", "starts"});
    expect_io(1, 5, 1);
    // Inputs since opset 10, attributes before.
    auto list = [&](int k, const std::string& name) {
      return has_input(k) ? ints_input(k, name) : attr_ints(name, {});
    };
    define_const(fold_slice(const_input(0, "data"), list(1, "starts"), list(2, "ends"), list(3, "axes"),
                            has_input(4) ? ints_input(4, "steps") : std::vector<int64_t>{}));
  }

  void transpose() {
    allow_attrs({"perm"});
    expect_io(1, 1, 1);
    define_const(fold_transpose(const_input(0, "data"), attr_ints("perm", {})));
  }

  FloatGraph graph_;
  std::map<std::string, int> runtime_;
  std::map<std::string, ConstTensor> consts_;
  const onnx::NodeProto* node_ = nullptr;
  std::string node_name_;
};

}  // namespace

void fold_graph(FloatGraph& graph) {
  std::vector<int> uses(graph.values.size(), 0);
  for (const FloatOp& op : graph.ops) {
    for (int v : op.inputs) ++uses[size_t(v)];
  }
  ++uses[size_t(graph.output_value)];
  std::vector<int> producer(graph.values.size(), -1);
  std::vector<bool> removed(graph.ops.size(), false);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    FloatOp& op = graph.ops[i];
    const bool foldable = op.type == OpType::kAffine || op.type == OpType::kRelu;
    const int p = foldable ? producer[size_t(op.inputs[0])] : -1;
    if (p >= 0 && uses[size_t(op.inputs[0])] == 1) {
      FloatOp& prev = graph.ops[size_t(p)];
      const bool linear = prev.type == OpType::kConv || prev.type == OpType::kGemm;
      if (op.type == OpType::kAffine && linear && !prev.relu) {
        const size_t per_channel = prev.weights.size() / prev.bias.size();
        for (size_t o = 0; o < prev.bias.size(); ++o) {
          for (size_t k = 0; k < per_channel; ++k) prev.weights[o * per_channel + k] *= op.scale[o];
          prev.bias[o] = prev.bias[o] * op.scale[o] + op.bias[o];
        }
      } else if (!(op.type == OpType::kRelu && (linear || prev.type == OpType::kAdd))) {
        producer[size_t(op.output)] = int(i);
        continue;
      } else {
        prev.relu = true;
      }
      prev.output = op.output;
      producer[size_t(op.output)] = p;
      removed[i] = true;
      continue;
    }
    producer[size_t(op.output)] = int(i);
  }
  // Drop folded ops and renumber the values still in use.
  std::vector<FloatOp> ops;
  std::vector<int> renumber(graph.values.size(), -1);
  std::vector<ValueInfo> values;
  auto keep = [&](int v) {
    if (renumber[size_t(v)] < 0) {
      renumber[size_t(v)] = int(values.size());
      values.push_back(graph.values[size_t(v)]);
    }
    return renumber[size_t(v)];
  };
  graph.input_value = keep(graph.input_value);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (removed[i]) continue;
    FloatOp op = std::move(graph.ops[i]);
    for (int& v : op.inputs) v = keep(v);
    op.output = keep(op.output);
    ops.push_back(std::move(op));
  }
  graph.output_value = keep(graph.output_value);
  graph.ops = std::move(ops);
  graph.values = std::move(values);
}

FloatGraph import_onnx_buffer(std::string_view bytes, const std::string& name, const ImportOptions& options) {
  onnx::ModelProto model;
  if (bytes.size() > size_t(std::numeric_limits<int>::max()) || !model.ParseFromArray(bytes.data(), int(bytes.size())))
    throw ConfigError(name + ": not a valid ONNX model (protobuf parse failed: truncated or corrupt file?)");
  FloatGraph graph = Importer(name).import(model);
  if (options.fold) fold_graph(graph);
  return graph;
}

FloatGraph import_onnx_file(const std::string& path, const ImportOptions& options) {
  return import_onnx_buffer(read_file_bytes(path), path, options);
}

}  // namespace flipsim::nn
