#include "model/accel/accel_config.h"

#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"

namespace flipsim {

std::string AccelConfig::variant() const {
  return std::to_string(rows) + "x" + std::to_string(cols) + "_d" + std::to_string(data_bits) + "_a" +
         std::to_string(acc_bits) + (protectable ? "_prot" : "");
}

bool AccelConfig::same_hardware(const AccelConfig& o) const {
  return rows == o.rows && cols == o.cols && data_bits == o.data_bits && acc_bits == o.acc_bits &&
         abuf_depth == o.abuf_depth && wbuf_depth == o.wbuf_depth && bbuf_depth == o.bbuf_depth &&
         accbuf_depth == o.accbuf_depth && obuf_depth == o.obuf_depth && protectable == o.protectable;
}

namespace {
bool power_of_two(int v) { return v > 0 && (v & (v - 1)) == 0; }
}  // namespace

void validate_accel_config(const AccelConfig& c, const std::string& origin) {
  auto bad = [&](const std::string& what) { throw ConfigError(origin + ": " + what); };
  if (c.data_bits != 8 && c.data_bits != 16) bad("data_bits must be 8 or 16");
  if (c.acc_bits < 2 * c.data_bits || c.acc_bits > 56) bad("acc_bits must be in [2 * data_bits, 56]");
  if (c.rows < 1 || c.rows > 32 || c.cols < 1 || c.cols > 32) bad("rows and cols must be in [1, 32]");
  const std::pair<const char*, int> depths[] = {{"abuf_depth", c.abuf_depth},
                                                {"wbuf_depth", c.wbuf_depth},
                                                {"bbuf_depth", c.bbuf_depth},
                                                {"accbuf_depth", c.accbuf_depth},
                                                {"obuf_depth", c.obuf_depth}};
  for (const auto& [key, depth] : depths) {
    if (!power_of_two(depth) || depth < 2 || depth > (1 << 20))
      bad(std::string(key) + " must be a power of two in [2, 2^20], got " + std::to_string(depth));
  }
  if (c.protection.any() && !c.protectable)
    bad("protection needs a protectable accelerator (protectable: true in its YAML, e.g. "
        "configs/accel/protectable_8x8.yaml)");
}

AccelConfig load_accel_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const YamlFields top(root, path);
  top.allow_only({"accelerator"});
  const YamlFields f = top.child("accelerator");
  f.allow_only({"name", "rows", "cols", "data_bits", "acc_bits", "abuf_depth", "wbuf_depth", "bbuf_depth",
                "accbuf_depth", "obuf_depth", "watchdog_cycles", "protectable"});
  AccelConfig c;
  c.name = f.get_string("name", c.name);
  c.rows = int(f.get_int("rows", 1, 32));
  c.cols = int(f.get_int("cols", 1, 32));
  c.data_bits = int(f.get_int("data_bits", 8, 16));
  c.acc_bits = int(f.get_int("acc_bits", 16, 56, c.data_bits == 16 ? 48 : 32));
  c.abuf_depth = int(f.get_int("abuf_depth", 2, 1 << 20, c.abuf_depth));
  c.wbuf_depth = int(f.get_int("wbuf_depth", 2, 1 << 20, c.wbuf_depth));
  c.bbuf_depth = int(f.get_int("bbuf_depth", 2, 1 << 20, c.bbuf_depth));
  c.accbuf_depth = int(f.get_int("accbuf_depth", 2, 1 << 20, c.accbuf_depth));
  c.obuf_depth = int(f.get_int("obuf_depth", 2, 1 << 20, c.obuf_depth));
  c.watchdog_cycles = uint64_t(f.get_int("watchdog_cycles", 1000, 1LL << 40, (long long)c.watchdog_cycles));
  c.protectable = f.get_bool("protectable", false);
  validate_accel_config(c, path);
  return c;
}

}  // namespace flipsim
