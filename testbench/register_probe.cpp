#include "testbench/register_probe.h"

#include <verilated.h>
#include <verilated_syms.h>

#include <cstring>
#include <map>

namespace flipsim {

namespace {

uint64_t value_of(const VerilatedVar& v) {
  uint64_t x = 0;
  std::memcpy(&x, v.datap(), v.entSize() < 8 ? v.entSize() : 8);
  const int width = v.packed().elements();
  return width >= 64 ? x : x & ((uint64_t(1) << width) - 1);
}

}  // namespace

RegisterProbe::RegisterProbe(const SiteMap& map) {
  std::map<std::string, const VerilatedVar*> regs;
  const std::string top = ".fs_top.";
  for (const auto& [name, scope] : *Verilated::threadContextp()->scopeNameMap()) {
    if (!scope->varsp()) continue;
    const std::string path = name;
    const size_t at = path.find(top);
    if (at == std::string::npos) continue;
    for (const auto& [var_name, var] : *scope->varsp())
      if (std::string(var_name) == "q_q") regs[path.substr(at + top.size())] = &var;
  }
  available_ = !regs.empty();
  for (const FfGroup& g : map.ff_groups()) {
    const auto it = regs.find(g.rtl_path);
    if (it == regs.end()) {
      available_ = false;
      vars_.push_back(nullptr);
    } else {
      vars_.push_back(it->second);
    }
  }
}

std::vector<uint64_t> RegisterProbe::snapshot() const {
  std::vector<uint64_t> out;
  out.reserve(vars_.size());
  for (const VerilatedVar* v : vars_) out.push_back(v ? value_of(*v) : 0);
  return out;
}

uint64_t RegisterProbe::hash(int skip_group) const {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < vars_.size(); ++i) {
    if (int(i) == skip_group || !vars_[i]) continue;
    h = (h ^ value_of(*vars_[i])) * 1099511628211ull;
    h ^= h >> 29;
  }
  return h;
}

}  // namespace flipsim
