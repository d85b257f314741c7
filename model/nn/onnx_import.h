// Float ONNX import (PyTorch exports) into a FloatGraph, validating everything a corrupt file could get wrong.
#pragma once

#include <string>
#include <string_view>

#include "model/nn/float_graph.h"

namespace flipsim::nn {

/// Import behaviour.
struct ImportOptions {
  /// Fold BatchNormalization / constant Add into the preceding Conv or Gemm and ReLU into the preceding
  /// Conv, Gemm or Add (see fold_graph()). Off only to test the folding itself.
  bool fold = true;
};

/// Imports an ONNX model file. Every problem is a ConfigError whose message starts with `path`: unreadable or
/// unparsable file, unsupported op / attribute / data type (naming the node, its op type and what is supported),
/// missing or inconsistent initializers, shapes that do not fit.
FloatGraph import_onnx_file(const std::string& path, const ImportOptions& options = {});

/// Same from bytes in memory; `name` stands for the file in messages.
FloatGraph import_onnx_buffer(std::string_view bytes, const std::string& name, const ImportOptions& options = {});

/// Merges kAffine ops into the Conv/Gemm that produces their input and kRelu into the Conv/Gemm/Add that
/// produces theirs, when that producer's output feeds nothing else; then drops values nothing refers to.
/// The graph computes the same function afterwards (up to float rounding).
void fold_graph(FloatGraph& graph);

}  // namespace flipsim::nn
