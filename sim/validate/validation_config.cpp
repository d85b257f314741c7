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
  v.allow_only({"name", "network", "buffer", "ber", "bers", "classes", "images", "first_image", "injections",
                "crosscheck", "seed"});
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
  } else {
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
