// Builds small ONNX models in memory for the tests, with the same protobuf API a real exporter uses.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace flipsim::nn::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(std::vector<int64_t> input_dims = {1, 1, 28, 28}, const std::string& input = "input") {
    model_.set_ir_version(8);
    model_.add_opset_import()->set_version(13);
    auto* in = model_.mutable_graph()->add_input();
    in->set_name(input);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : input_dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::TensorProto& floats(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float x : v) t->add_float_data(x);
    return *t;
  }
  /// Deterministic pseudo-random float initializer in [-scale, scale].
  onnx::TensorProto& random(const std::string& name, const std::vector<int64_t>& dims, float scale, uint32_t seed) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::mt19937 gen(seed);
    std::vector<float> v;
    for (int64_t k = 0; k < n; ++k) v.push_back(scale * (float(gen() % 20001) / 10000.0f - 1.0f));
    return floats(name, dims, v);
  }
  onnx::TensorProto& ints(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
    onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t x : v) t->add_int64_data(x);
    return *t;
  }

  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    onnx::NodeProto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(model_.graph().node_size()) : name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }
  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  /// A Constant node holding an int64 vector (or a scalar: a 0-D tensor).
  void constant_ints(const std::string& output, const std::vector<int64_t>& v, bool scalar = false) {
    onnx::NodeProto& n = node("Constant", {}, {output});
    auto* a = n.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
    if (!scalar) a->mutable_t()->add_dims(int64_t(v.size()));
    for (int64_t x : v) a->mutable_t()->add_int64_data(x);
  }

  void output(const std::string& name) { model_.mutable_graph()->add_output()->set_name(name); }
  std::string bytes() const { return model_.SerializeAsString(); }
  onnx::ModelProto& model() { return model_; }

 private:
  onnx::ModelProto model_;
};

/// conv(1->4, 3x3, stride 2, pad 1) -> relu -> maxpool 2 -> flatten (4x7x7) -> gemm(196->10): a model whose
/// Gemm reads a flattened multi-pixel map, so its columns must be permuted for HWC.
inline OnnxBuilder tiny_cnn() {
  OnnxBuilder b;
  b.random("w1", {4, 1, 3, 3}, 0.8f, 1);
  b.random("b1", {4}, 0.1f, 2);
  b.random("w2", {10, 196}, 0.3f, 3);
  b.random("b2", {10}, 0.1f, 4);
  auto& conv = b.node("Conv", {"input", "w1", "b1"}, {"c1"}, "conv1");
  OnnxBuilder::attr(conv, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& pool = b.node("MaxPool", {"r1"}, {"p1"}, "pool1");
  OnnxBuilder::attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(pool, "strides", std::vector<int64_t>{2, 2});
  b.node("Flatten", {"p1"}, {"f1"}, "flatten");
  auto& gemm = b.node("Gemm", {"f1", "w2", "b2"}, {"logits"}, "fc");
  OnnxBuilder::attr(gemm, "transB", int64_t(1));
  b.output("logits");
  return b;
}

/// conv(1->4) -> relu -> conv(4->4) -> Add(identity shortcut from the relu) -> relu -> conv(4->4, stride 2)
/// -> GlobalAveragePool -> Flatten -> Gemm(4->10): exercises the residual Add's rescaling.
inline OnnxBuilder tiny_resnet() {
  OnnxBuilder b;
  b.random("w1", {4, 1, 3, 3}, 0.8f, 21);
  b.random("b1", {4}, 0.1f, 22);
  b.random("w2", {4, 4, 3, 3}, 0.4f, 23);
  b.random("w3", {4, 4, 1, 1}, 0.8f, 24);
  b.random("fw", {10, 4}, 0.8f, 25);
  b.random("fb", {10}, 0.1f, 26);
  auto& c1 = b.node("Conv", {"input", "w1", "b1"}, {"c1"}, "conv1");
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  auto& c2 = b.node("Conv", {"r1", "w2"}, {"c2"}, "conv2");
  OnnxBuilder::attr(c2, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Add", {"c2", "r1"}, {"sum"}, "residual");
  b.node("Relu", {"sum"}, {"r2"}, "relu2");
  auto& c3 = b.node("Conv", {"r2", "w3"}, {"c3"}, "conv3");
  OnnxBuilder::attr(c3, "strides", std::vector<int64_t>{2, 2});
  b.node("GlobalAveragePool", {"c3"}, {"gap"}, "gap");
  b.node("Flatten", {"gap"}, {"f"}, "flatten");
  auto& gemm = b.node("Gemm", {"f", "fw", "fb"}, {"logits"}, "fc");
  OnnxBuilder::attr(gemm, "transB", int64_t(1));
  b.output("logits");
  return b;
}

}  // namespace flipsim::nn::testing
