#include "model/common/yaml_fields.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/common/config_error.h"

namespace flipsim {

YAML::Node load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open file");
  try {
    YAML::Node root = YAML::Load(in);
    if (!root.IsMap()) throw ConfigError(path + ": expected a YAML mapping at the top level");
    return root;
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
}

bool yaml_top_level_has(const std::string& path, const std::string& key) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    return root.IsMap() && root[key];
  } catch (const std::exception&) {
    return false;
  }
}

YamlFields::YamlFields(const YAML::Node& map, std::string file, std::string context)
    : map_(map), file_(std::move(file)), context_(std::move(context)) {
  if (!map_.IsMap()) {
    std::string msg = file_;
    if (map_.Mark().line >= 0) msg += ":" + std::to_string(map_.Mark().line + 1);
    throw ConfigError(msg + ": " + (context_.empty() ? "document" : context_) + ": expected a mapping");
  }
}

std::string YamlFields::where(const std::string& key) const {
  std::string loc = file_;
  const YAML::Node n = map_[key];
  const YAML::Mark mark = n ? n.Mark() : map_.Mark();
  if (mark.line >= 0) loc += ":" + std::to_string(mark.line + 1);
  return loc + ": " + (context_.empty() ? key : context_ + "." + key);
}

void YamlFields::fail(const std::string& key, const std::string& expected) const {
  std::string got;
  const YAML::Node n = map_[key];
  if (n && n.IsScalar()) got = " (got '" + n.Scalar() + "')";
  throw ConfigError(where(key) + ": expected " + expected + got);
}

void YamlFields::allow_only(const std::set<std::string>& allowed) const {
  for (const auto& kv : map_) {
    const std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      std::string loc = file_;
      if (kv.first.Mark().line >= 0) loc += ":" + std::to_string(kv.first.Mark().line + 1);
      throw ConfigError(loc + ": unknown key '" + (context_.empty() ? key : context_ + "." + key) +
                        "' (allowed: " + list + ")");
    }
  }
}

bool YamlFields::has(const std::string& key) const { return bool(map_[key]); }

YAML::Node YamlFields::required(const std::string& key) const {
  const YAML::Node n = map_[key];
  if (!n) {
    std::string loc = file_;
    if (map_.Mark().line >= 0) loc += ":" + std::to_string(map_.Mark().line + 1);
    throw ConfigError(loc + ": missing required key '" + (context_.empty() ? key : context_ + "." + key) + "'");
  }
  return n;
}

long long YamlFields::get_int(const std::string& key, long long min, long long max) const {
  const YAML::Node n = required(key);
  long long v = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v))
    fail(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  if (v < min || v > max) fail(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

long long YamlFields::get_int(const std::string& key, long long min, long long max, long long fallback) const {
  return has(key) ? get_int(key, min, max) : fallback;
}

double YamlFields::get_double(const std::string& key, double min, double max) const {
  const YAML::Node n = required(key);
  double v = 0;
  std::ostringstream range;
  range << "a number in [" << min << ", " << max << "]";
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) fail(key, range.str());
  if (!(v >= min && v <= max)) fail(key, range.str());
  return v;
}

double YamlFields::get_double(const std::string& key, double min, double max, double fallback) const {
  return has(key) ? get_double(key, min, max) : fallback;
}

bool YamlFields::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const YAML::Node n = map_[key];
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(key, "true or false");
  return v;
}

std::string YamlFields::get_string(const std::string& key) const {
  const YAML::Node n = required(key);
  if (!n.IsScalar()) fail(key, "a string");
  return n.Scalar();
}

std::string YamlFields::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

std::string YamlFields::get_choice(const std::string& key, const std::set<std::string>& choices,
                                   const std::string& fallback) const {
  const std::string v = get_string(key, fallback);
  if (!choices.count(v)) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    fail(key, "one of: " + list);
  }
  return v;
}

std::string YamlFields::get_path(const std::string& key) const {
  const std::filesystem::path p(get_string(key));
  if (p.is_absolute()) return p.string();
  return (std::filesystem::path(file_).parent_path() / p).lexically_normal().string();
}

YAML::Node YamlFields::node(const std::string& key) const { return required(key); }

YamlFields YamlFields::child(const std::string& key) const {
  return YamlFields(required(key), file_, context_.empty() ? key : context_ + "." + key);
}

}  // namespace flipsim
