#include "sim/validate/validation_config.h"

#include <algorithm>
#include <filesystem>

#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"
#include "model/soft_error/sweep_config.h"
#include "sim/campaign/campaign_config.h"

namespace flipsim {

ValidationConfig load_validation_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const YamlFields top(root, path);
  top.allow_only({"validate"});
  const YamlFields v = top.child("validate");
  v.allow_only({"name", "network", "buffer", "ber", "bers", "classes", "fault", "images", "first_image",
                "injections", "crosscheck", "seed"});
  ValidationConfig c;
  c.file = path;
  c.name = v.get_string("name", std::filesystem::path(path).stem().string());
  if (c.name.empty() || c.name.find_first_of("/\\ ") != std::string::npos)
    throw ConfigError(v.where("name") + ": expected a name without spaces or slashes (it names result files)");
  c.network_path = std::filesystem::absolute(v.get_path("network")).lexically_normal().string();
  c.network = nn::load_infer_config(c.network_path);
  if (v.has("classes")) {
    for (const char* key : {"buffer", "ber", "bers"})
      if (v.has(key))
        throw ConfigError(v.where(key) + ": a study of single upsets per class (classes:) has no " + key);
    c.classes = read_site_classes(v, "classes");
    if (c.classes.empty()) throw ConfigError(v.where("classes") + ": expected at least one site class");
    for (size_t i = 0; i < c.classes.size(); ++i)
      if (std::find(c.classes.begin(), c.classes.begin() + long(i), c.classes[i]) != c.classes.begin() + long(i))
        throw ConfigError(v.where("classes") + ": class '" + site_class_name(c.classes[i]) + "' given twice");
    if (v.has("fault")) {
      CampaignConfig k;
      read_fault_section(v, k);
      const bool stuck = k.fault == FaultModel::kStuckAt0 || k.fault == FaultModel::kStuckAt1;
      if (!stuck && k.fault != FaultModel::kFlip && k.fault != FaultModel::kMultiBit)
        throw ConfigError(v.where("fault") + ": expected a single upset per injection: flip, multi_bit, stuck_at_0 "
                          "or stuck_at_1, not " + fault_model_name(k.fault));
      for (SiteClass cls : c.classes)
        if (stuck && is_sram_class(cls))
          throw ConfigError(v.where("fault") + ": " + fault_model_name(k.fault) + " reaches flip-flops only, not '" +
                            site_class_name(cls) + "'");
      c.fault = k.fault;
      c.fault_bits = k.fault_bits;
      c.duration = k.duration;
    }
  } else {
    if (v.has("fault"))
      throw ConfigError(v.where("fault") + ": a bit-error-rate study (buffer:) flips stored bits at its rates; fault: "
                        "belongs to a study of single upsets per class (classes:)");
    v.node("buffer");  // required: a missing key says so rather than "expected one of"
    const std::string buffer = v.get_choice("buffer", {"abuf", "wbuf", "bbuf", "accbuf", "obuf"}, "");
    for (int b = 0; b < kNumBuffers; ++b)
      if (buffer == buffer_name(Buffer(b))) c.buffer = Buffer(b);
    c.bers = model::read_error_rates(v);
    for (double ber : c.bers)
      if (ber > 0.1)
        throw ConfigError(v.where(v.has("ber") ? "ber" : "bers") + ": expected rates up to 0.1 (an RTL campaign's limit)");
  }
  c.first_image = int(v.get_int("first_image", 0, 9999, 0));
  c.images = int(v.get_int("images", 1, 10000 - c.first_image, c.images));
  c.injections = int(v.get_int("injections", 1, 10000, c.injections));
  c.crosscheck = uint64_t(v.get_int("crosscheck", 0, 10000, 0));
  c.seed = uint64_t(v.get_int("seed", 0, (1ll << 62), 1));
  return c;
}

bool is_validation_config(const std::string& path) { return yaml_top_level_has(path, "validate"); }

}  // namespace flipsim
