// configs/infer/*.yaml: which network, how it is quantized, on which accelerator and which images.
#pragma once

#include <string>

#include "model/accel/accel_config.h"

namespace flipsim::nn {

/// A validated inference configuration. Paths are resolved relative to the YAML file.
struct InferConfig {
  std::string file;              ///< the YAML file it came from
  std::string model;             ///< network.model: the ONNX file
  int data_bits = 8;             ///< network.data_bits: 8 or 16, must equal the accelerator's
  int calibration_images = 500;  ///< network.calibration_images: first N training images
  std::string accelerator_file;  ///< accelerator: path of the accelerator YAML
  AccelConfig accel;             ///< loaded from accelerator_file
  std::string dataset_dir;       ///< dataset.dir: holds the Fashion-MNIST IDX files
  int images = 100;              ///< images: how many test images to run
};

/// Loads and validates an inference config. Unknown keys, wrong types, out-of-range values, missing files and a
/// data width differing from the accelerator's are ConfigErrors naming the file, line and key.
InferConfig load_infer_config(const std::string& path);

}  // namespace flipsim::nn
