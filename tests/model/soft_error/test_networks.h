// Networks the model tests run on: the shipped LeNet-5 (int8 and int16) and tiny in-memory ONNX models.
#pragma once

#include <memory>
#include <string>

#include "model/accel/accel_config.h"
#include "model/soft_error/sweep_config.h"
#include "model/nn/clip_calibration.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/onnx_import.h"
#include "model/nn/qnetwork.h"
#include "model/nn/quantize.h"
#include "tests/model/nn/onnx_builder.h"
#include "tests/model/nn/test_paths.h"

namespace flipsim::model::testing {

inline const nn::ImageSet& test_images() {
  static const nn::ImageSet set = nn::load_fashion_mnist(nn::testing::kDatasetDir, nn::Split::kTest);
  return set;
}

inline AccelConfig accel_for(int bits) {
  AccelConfig c;
  c.data_bits = bits;
  c.acc_bits = bits == 8 ? 32 : 48;
  return c;
}

/// A quantized network from a shipped model or an in-memory builder ("tiny_cnn", "tiny_resnet"), calibrated on
/// test images 9000.. (so that the images the tests run on are not the calibration set); with `clip`, its
/// activations clipped to ranges calibrated on the same images.
inline nn::QNetwork make_network(const std::string& name, int bits, bool clip = false) {
  nn::FloatGraph g;
  if (name == "tiny_cnn")
    g = nn::import_onnx_buffer(nn::testing::tiny_cnn().bytes(), "tiny_cnn.onnx");
  else if (name == "tiny_resnet")
    g = nn::import_onnx_buffer(nn::testing::tiny_resnet().bytes(), "tiny_resnet.onnx");
  else
    g = nn::import_onnx_file(nn::testing::model_path(name));
  nn::ImageSet calib = test_images();
  calib.pixels.erase(calib.pixels.begin(), calib.pixels.begin() + 9000 * long(calib.image_bytes()));
  calib.labels.erase(calib.labels.begin(), calib.labels.begin() + 9000);
  nn::QNetwork net = nn::quantize_network(g, calib, 200, {bits, accel_for(bits).acc_bits});
  if (clip) nn::calibrate_clip_ranges(net, accel_for(bits), calib, 200);
  return net;
}

}  // namespace flipsim::model::testing
