// Writes the fuzzers' seed corpora: small ONNX models covering the importer's ops (built with the tests'
// OnnxBuilder) and IDX files (a tiny one, gzipped and raw).
#include <fstream>
#include <iostream>
#include <string>

#include "tests/model/nn/onnx_builder.h"

using flipsim::nn::testing::OnnxBuilder;

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) std::cerr << "make_seeds: cannot write " << path << "\n";
}

// Conv + BatchNormalization + Relu + Pad + MaxPool + residual Add + GAP + the PyTorch view pattern + MatMul.
std::string kitchen_sink() {
  OnnxBuilder b({1, 1, 8, 8});
  b.random("w", {2, 1, 3, 3}, 0.5f, 1);
  for (const char* n : {"g", "be", "m", "v"}) b.floats(n, {2}, {1.0f, 0.5f});
  auto& conv = b.node("Conv", {"input", "w"}, {"c"});
  OnnxBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("BatchNormalization", {"c", "g", "be", "m", "v"}, {"bn"});
  b.node("Relu", {"bn"}, {"r"});
  b.ints("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Pad", {"r", "pads"}, {"p"});
  auto& pool = b.node("MaxPool", {"p"}, {"mp"});
  OnnxBuilder::attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(pool, "strides", std::vector<int64_t>{2, 2});
  b.node("Add", {"mp", "mp"}, {"sum"});
  auto& avg = b.node("AveragePool", {"sum"}, {"ap"});
  OnnxBuilder::attr(avg, "kernel_shape", std::vector<int64_t>{2, 2});
  b.node("Shape", {"ap"}, {"shape"});
  b.constant_ints("zero", {0}, true);
  b.node("Gather", {"shape", "zero"}, {"batch"});
  b.constant_ints("axes", {0});
  b.node("Unsqueeze", {"batch", "axes"}, {"batch1"});
  b.constant_ints("minus1", {-1});
  auto& cat = b.node("Concat", {"batch1", "minus1"}, {"target"});
  OnnxBuilder::attr(cat, "axis", int64_t(0));
  b.node("Reshape", {"ap", "target"}, {"flat"});
  b.random("fw", {32, 10}, 0.5f, 2);
  b.node("MatMul", {"flat", "fw"}, {"mm"});
  b.random("fb", {10}, 0.5f, 3);
  b.node("Add", {"mm", "fb"}, {"logits"});
  b.output("logits");
  return b.bytes();
}

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds ONNX_DIR IDX_DIR\n";
    return 2;
  }
  const std::string onnx_dir = argv[1], idx_dir = argv[2];
  write(onnx_dir + "/tiny_cnn.onnx", flipsim::nn::testing::tiny_cnn().bytes());
  write(onnx_dir + "/kitchen_sink.onnx", kitchen_sink());
  write(idx_dir + "/images.idx", be32(0x803) + be32(2) + be32(2) + be32(2) + std::string(8, '\x10'));
  write(idx_dir + "/labels.idx", be32(0x801) + be32(3) + std::string("\x01\x02\x03", 3));
  return 0;
}
