// Strict YAML field access: every error names the file, the key, its line and what was expected.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

namespace flipsim {

/// Reads a YAML file; a missing or unparsable file is a ConfigError naming it.
YAML::Node load_yaml_file(const std::string& path);

/// Whether `path` is a YAML mapping with `key` at its top level (false for anything else, including a file that
/// does not parse: the loader the caller picks reports that).
bool yaml_top_level_has(const std::string& path, const std::string& key);

/// Typed, range-checked reads from one mapping of a YAML document.
class YamlFields {
 public:
  /// `context` is a dotted path for messages ("campaign.targets"); the mapping must be a map.
  YamlFields(const YAML::Node& map, std::string file, std::string context = "");

  /// Throws if the mapping holds a key not in `allowed`.
  void allow_only(const std::set<std::string>& allowed) const;
  bool has(const std::string& key) const;

  long long get_int(const std::string& key, long long min, long long max) const;
  long long get_int(const std::string& key, long long min, long long max, long long fallback) const;
  double get_double(const std::string& key, double min, double max) const;
  double get_double(const std::string& key, double min, double max, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::string get_choice(const std::string& key, const std::set<std::string>& choices,
                         const std::string& fallback) const;
  /// A path relative to the YAML file's directory (or absolute).
  std::string get_path(const std::string& key) const;
  YAML::Node node(const std::string& key) const;
  YamlFields child(const std::string& key) const;

  const std::string& file() const { return file_; }
  /// "file:line: key" for messages about a value that passed type checks but is still wrong.
  std::string where(const std::string& key) const;

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  YAML::Node required(const std::string& key) const;

  YAML::Node map_;
  std::string file_;
  std::string context_;
};

}  // namespace flipsim
