// Where the tests find the shipped models and the dataset.
#pragma once

#include <string>

namespace flipsim::nn::testing {

inline const std::string kRepo = FLIPSIM_SOURCE_DIR;
inline const std::string kDatasetDir = "/usr/share/datasets/fashion-mnist";
inline std::string model_path(const std::string& name) { return kRepo + "/configs/networks/" + name + ".onnx"; }

}  // namespace flipsim::nn::testing
