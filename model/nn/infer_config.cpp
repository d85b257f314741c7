#include "model/nn/infer_config.h"

#include <filesystem>

#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"

namespace flipsim::nn {

InferConfig load_infer_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const YamlFields top(root, path);
  top.allow_only({"accelerator", "dataset", "images", "network"});
  InferConfig c;
  c.file = path;

  const YamlFields net = top.child("network");
  net.allow_only({"calibration_images", "data_bits", "model"});
  c.model = net.get_path("model");
  if (!std::filesystem::is_regular_file(c.model))
    throw ConfigError(net.where("model") + ": model file '" + c.model + "' not found");
  c.data_bits = int(net.get_int("data_bits", 8, 16));
  if (c.data_bits != 8 && c.data_bits != 16) throw ConfigError(net.where("data_bits") + ": expected 8 or 16");
  c.calibration_images = int(net.get_int("calibration_images", 1, 60000, c.calibration_images));

  c.accelerator_file = top.get_path("accelerator");
  c.accel = load_accel_config(c.accelerator_file);
  if (c.accel.data_bits != c.data_bits)
    throw ConfigError(net.where("data_bits") + ": the network is quantized to " + std::to_string(c.data_bits) +
                      " bits but accelerator '" + c.accelerator_file + "' has data_bits " +
                      std::to_string(c.accel.data_bits));

  const YamlFields data = top.child("dataset");
  data.allow_only({"dir"});
  c.dataset_dir = data.get_path("dir");
  if (!std::filesystem::is_directory(c.dataset_dir))
    throw ConfigError(data.where("dir") + ": dataset directory '" + c.dataset_dir + "' not found");

  c.images = int(top.get_int("images", 1, 10000, c.images));
  return c;
}

}  // namespace flipsim::nn
