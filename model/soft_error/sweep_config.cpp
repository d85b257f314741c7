#include "model/soft_error/sweep_config.h"

#include <cmath>

#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"
#include "model/nn/evaluate.h"
#include "model/nn/onnx_import.h"
#include "model/nn/deployed_network.h"

namespace flipsim::model {

std::vector<double> read_error_rates(const YamlFields& s) {
  std::vector<double> bers;
  if (s.has("ber") == s.has("bers"))
    throw ConfigError(s.where(s.has("ber") ? "ber" : "bers") +
                      ": give exactly one of 'ber' ({from, to, points}) or 'bers' (a list)");
  if (s.has("ber")) {
    const YamlFields b = s.child("ber");
    b.allow_only({"from", "to", "points"});
    const double from = b.get_double("from", 1e-15, 0.5), to = b.get_double("to", 1e-15, 0.5);
    const int points = int(b.get_int("points", 1, 1000));
    if (to < from) throw ConfigError(b.where("to") + ": expected 'to' >= 'from'");
    if (points == 1 && to != from) throw ConfigError(b.where("points") + ": expected at least 2 points for a range");
    for (int i = 0; i < points; ++i)
      bers.push_back(points == 1 ? from : from * std::pow(to / from, double(i) / double(points - 1)));
  } else {
    const YAML::Node n = s.node("bers");
    if (!n.IsSequence() || n.size() == 0) throw ConfigError(s.where("bers") + ": expected a non-empty list of rates");
    for (const auto& e : n) {
      double v = 0;
      if (!e.IsScalar() || !YAML::convert<double>::decode(e, v) || !(v > 0 && v <= 0.5))
        throw ConfigError(s.where("bers") + ": expected per-bit error rates in (0, 0.5]" +
                          (e.IsScalar() ? " (got '" + e.Scalar() + "')" : ""));
      if (!bers.empty() && v <= bers.back())
        throw ConfigError(s.where("bers") + ": expected strictly ascending rates");
      bers.push_back(v);
    }
  }
  return bers;
}

SweepConfig load_sweep_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const YamlFields top(root, path);
  top.allow_only({"sweep"});
  const YamlFields s = top.child("sweep");
  s.allow_only({"infer", "target", "layers", "ber", "bers", "images", "first_image", "injections", "seed", "model"});
  SweepConfig c;
  c.file = path;
  c.infer = nn::load_infer_config(s.get_path("infer"));
  s.node("target");  // required: a missing key says so rather than "expected one of"
  const std::string target = s.get_choice("target", {"weights", "activations", "both", "biases", "all"}, "");
  for (FaultTarget t :
       {FaultTarget::kWeights, FaultTarget::kActivations, FaultTarget::kBoth, FaultTarget::kBiases, FaultTarget::kAll})
    if (target == fault_target_name(t)) c.target = t;

  if (s.has("layers")) {
    const YAML::Node n = s.node("layers");
    if (n.IsScalar() && n.Scalar() == "all") {
    } else if (n.IsSequence() && n.size() > 0) {
      for (const auto& e : n) {
        if (!e.IsScalar()) throw ConfigError(s.where("layers") + ": expected 'all' or a list of layer names");
        c.layer_names.push_back(e.Scalar());
      }
    } else {
      throw ConfigError(s.where("layers") + ": expected 'all' or a non-empty list of layer names");
    }
  }

  c.bers = read_error_rates(s);
  c.images = int(s.get_int("images", 1, 10000, c.images));
  c.first_image = int(s.get_int("first_image", 0, 1000000, c.first_image));
  c.injections = int(s.get_int("injections", 1, 1000000, c.injections));
  c.seed = uint64_t(s.get_int("seed", 0, (1ll << 62), 1));
  if (s.has("model")) {
    const YamlFields m = s.child("model");
    m.allow_only({"single_flip_samples", "compound_draws", "draw_pairs", "poisson_limit", "poisson_limit_weights",
                  "poisson_limit_activations", "tail_jumps"});
    c.model.single_flip_samples = int(m.get_int("single_flip_samples", 0, 100000, c.model.single_flip_samples));
    c.model.compound_draws = int(m.get_int("compound_draws", 1, 1000000, c.model.compound_draws));
    c.model.draw_pairs = int(m.get_int("draw_pairs", 16, 1000000, c.model.draw_pairs));
    // poisson_limit: one count for both kinds, which the per-kind keys then override.
    if (m.has("poisson_limit"))
      c.model.poisson_limit_weights = c.model.poisson_limit_activations = m.get_double("poisson_limit", 0.0, 1e9, 0);
    c.model.poisson_limit_weights = m.get_double("poisson_limit_weights", 0.0, 1e9, c.model.poisson_limit_weights);
    c.model.poisson_limit_activations =
        m.get_double("poisson_limit_activations", 0.0, 1e9, c.model.poisson_limit_activations);
    c.model.tail_jumps = m.get_double("tail_jumps", 0.0, 1e6, c.model.tail_jumps);
  }
  c.model.seed = c.seed;
  return c;
}

LoadedNetwork load_network(const nn::InferConfig& infer, int images, int first_image, const std::string& where) {
  LoadedNetwork n;
  n.graph = nn::import_onnx_file(infer.model);
  const size_t end = size_t(first_image) + size_t(images);
  n.test = nn::load_fashion_mnist(infer.dataset_dir, nn::Split::kTest, end);
  nn::check_model_fits_images(n.graph, n.test);
  if (end > n.test.size())
    throw ConfigError((where.empty() ? infer.file : where) + ": asked for test images " +
                      std::to_string(first_image) + " to " + std::to_string(end - 1) + " (first_image " +
                      std::to_string(first_image) + ", images " + std::to_string(images) + "), the test set of " +
                      infer.dataset_dir + " has " + std::to_string(n.test.size()));
  // Keep only the range asked for: the sweep indexes it from 0 and seeds by the test-set index.
  n.test.pixels.erase(n.test.pixels.begin(), n.test.pixels.begin() + long(size_t(first_image) * n.test.image_bytes()));
  n.test.labels.erase(n.test.labels.begin(), n.test.labels.begin() + first_image);
  const nn::ImageSet train =
      nn::load_fashion_mnist(infer.dataset_dir, nn::Split::kTrain, size_t(infer.calibration_images));
  n.net = nn::deployed_network(n.graph, train, infer);
  return n;
}

std::vector<std::string> accel_layer_names(const nn::QNetwork& net) {
  std::vector<std::string> names;
  for (size_t i : net.accel_ops()) names.push_back(net.ops[i].name);
  return names;
}

std::vector<int> resolve_layers(const nn::QNetwork& net, const std::vector<std::string>& names,
                                const std::string& where) {
  const std::vector<std::string> all = accel_layer_names(net);
  std::vector<int> out;
  for (const std::string& n : names) {
    int found = -1;
    for (size_t l = 0; l < all.size(); ++l)
      if (all[l] == n) found = int(l);
    if (found < 0) {
      std::string list;
      for (const auto& a : all) list += (list.empty() ? "" : ", ") + a;
      throw ConfigError(where + ": no accelerator layer named '" + n + "' (layers: " + list + ")");
    }
    out.push_back(found);
  }
  return out;
}

}  // namespace flipsim::model
