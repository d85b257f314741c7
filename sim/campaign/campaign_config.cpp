#include "sim/campaign/campaign_config.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "model/common/config_error.h"
#include "model/accel/accel_config.h"
#include "model/common/yaml_fields.h"
#include "testbench/site_pattern.h"

namespace flipsim {

namespace {

std::pair<int, int> read_range(const YamlFields& f, const std::string& key, int lo, int hi) {
  const YAML::Node n = f.node(key);
  if (!n.IsSequence() || n.size() != 2)
    throw ConfigError(f.where(key) + ": expected [min, max] (two integers)");
  int a = 0, b = 0;
  if (!YAML::convert<int>::decode(n[0], a) || !YAML::convert<int>::decode(n[1], b) || a < lo || b > hi || a > b)
    throw ConfigError(f.where(key) + ": expected [min, max] with " + std::to_string(lo) + " <= min <= max <= " +
                      std::to_string(hi));
  return {a, b};
}

}  // namespace

std::vector<SiteClass> read_site_classes(const YamlFields& fields, const std::string& key) {
  const YAML::Node classes = fields.node(key);
  if (!classes.IsSequence()) throw ConfigError(fields.where(key) + ": expected a list of site classes");
  std::vector<SiteClass> out;
  for (const auto& n : classes) {
    SiteClass cls;
    if (!n.IsScalar() || !parse_site_class(n.Scalar(), &cls)) {
      std::string known;
      for (int i = 0; i < kNumSiteClasses; ++i) known += std::string(i ? ", " : "") + site_class_name(SiteClass(i));
      throw ConfigError(fields.where(key) + ": unknown site class '" + (n.IsScalar() ? n.Scalar() : "?") +
                        "' (known: " + known + ")");
    }
    out.push_back(cls);
  }
  return out;
}

CampaignConfig load_campaign_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  CampaignConfig c;
  c.file = path;
  {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    c.text = text.str();
  }
  const YamlFields top(root, path);
  top.allow_only({"campaign"});
  const YamlFields f = top.child("campaign");
  f.allow_only({"name", "network", "images", "first_image", "image_choice", "targets", "fault", "injections", "margin", "confidence", "seed",
                "workers", "watchdog_factor", "accelerator", "protection"});
  c.name = f.get_string("name", "campaign");
  c.network = nn::load_infer_config(f.get_path("network"));
  // The network's accelerator, or another with the same data width (a protectable build of it, say).
  if (f.has("accelerator")) {
    c.network.accelerator_file = f.get_path("accelerator");
    c.network.accel = load_accel_config(c.network.accelerator_file);
    if (c.network.accel.data_bits != c.network.data_bits)
      throw ConfigError(f.where("accelerator") + ": the accelerator has data_bits " +
                        std::to_string(c.network.accel.data_bits) + ", the network is quantized to " +
                        std::to_string(c.network.data_bits));
  }
  if (f.has("protection")) {
    c.network.accel.protection = read_protection(f.child("protection"));
    if (c.network.accel.protection.any() && !c.network.accel.protectable)
      throw ConfigError(f.where("protection") + ": needs a protectable accelerator (campaign.accelerator: "
                        "configs/accel/protectable_8x8.yaml, or one with protectable: true)");
  }

  const YAML::Node images = f.node("images");
  if (images.IsSequence()) {
    for (const auto& n : images) {
      int i = -1;
      if (!YAML::convert<int>::decode(n, i) || i < 0 || i >= 10000)
        throw ConfigError(f.where("images") + ": expected test-image indices in [0, 9999]");
      c.images.push_back(i);
    }
    if (c.images.empty()) throw ConfigError(f.where("images") + ": expected at least one image");
    if (f.has("first_image"))
      throw ConfigError(f.where("first_image") + ": give either a list of images or a count and first_image");
  } else {
    // A count of test images from first_image: e.g. 5000 for images no model constant was chosen on.
    const int first = int(f.get_int("first_image", 0, 9999, 0));
    const int count = int(f.get_int("images", 1, 10000 - first));
    for (int i = first; i < first + count; ++i) c.images.push_back(i);
  }
  c.images_in_turn = f.get_choice("image_choice", {"random", "in_turn"}, "random") == "in_turn";

  if (f.has("targets")) {
    const YamlFields t = f.child("targets");
    t.allow_only({"classes", "per_class", "pattern", "rows", "cols", "bits"});
    c.targets.per_class = t.get_bool("per_class", false);
    if (t.has("classes")) c.targets.classes = read_site_classes(t, "classes");
    c.targets.pattern = t.get_string("pattern", "*");
    try {
      (void)SitePattern(c.targets.pattern);  // malformed patterns fail here, with the line; empty ones need the map
    } catch (const SitePatternError& e) {
      throw ConfigError(t.where("pattern") + ": " + e.what());
    }
    if (t.has("rows")) std::tie(c.targets.row_min, c.targets.row_max) = read_range(t, "rows", 0, 1 << 20);
    if (t.has("cols")) std::tie(c.targets.col_min, c.targets.col_max) = read_range(t, "cols", 0, 1 << 20);
    if (t.has("bits")) std::tie(c.targets.bit_min, c.targets.bit_max) = read_range(t, "bits", 0, 63);
  }

  read_fault_section(f, c);
  const std::string model = fault_model_name(c.fault);

  const bool by_count = f.has("injections");
  if (by_count && (f.has("margin") || f.has("confidence")))
    throw ConfigError(f.where("injections") + ": give either injections or margin/confidence, not both");
  c.injections = uint64_t(f.get_int("injections", 1, 100000000, 0));
  c.margin = f.get_double("margin", 1e-4, 0.5, 0.05);
  c.confidence = f.get_double("confidence", 0.5, 0.9999, 0.95);
  c.seed = uint64_t(f.get_int("seed", 0, (1LL << 62), 1));
  c.workers = int(f.get_int("workers", 1, 256, 0));
  c.watchdog_factor = f.get_double("watchdog_factor", 1.5, 1000, 4.0);

  const bool sram_only = c.fault == FaultModel::kSramFlip || c.fault == FaultModel::kSramBer;
  const bool ff_only = c.fault == FaultModel::kStuckAt0 || c.fault == FaultModel::kStuckAt1;
  for (SiteClass cls : c.targets.classes) {
    if (sram_only && !is_sram_class(cls))
      throw ConfigError(f.where("targets") + ": fault model " + model + " reaches SRAM buffers only, not '" +
                        site_class_name(cls) + "'");
    if (ff_only && is_sram_class(cls))
      throw ConfigError(f.where("targets") + ": fault model " + model + " reaches flip-flops only, not '" +
                        site_class_name(cls) + "'");
  }
  return c;
}

void read_fault_section(const YamlFields& fields, CampaignConfig& c) {
  const YamlFields fault = fields.child("fault");
  fault.allow_only({"model", "bits", "duration", "ber"});
  std::vector<std::string> models;
  for (int m = 0; m < kNumFaultModels; ++m) models.push_back(fault_model_name(FaultModel(m)));
  const std::string model = fault.get_choice("model", {models.begin(), models.end()}, "flip");
  c.fault = FaultModel(std::find(models.begin(), models.end(), model) - models.begin());
  c.fault_bits = int(fault.get_int("bits", 2, 16, 2));
  c.duration = uint64_t(fault.get_int("duration", 0, 1LL << 40, 0));
  c.ber = fault.get_double("ber", 1e-12, 0.1, 1e-6);
}

void write_generated_campaign(const std::string& path, const std::string& text) {
  {
    std::ifstream in(path);
    std::ostringstream held;
    held << in.rdbuf();
    if (in && held.str() == text) return;
  }
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(path + ": cannot write");
}

}  // namespace flipsim
