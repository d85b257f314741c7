#include "testbench/ppu_observer.h"

#include <verilated.h>
#include <verilated_syms.h>

#include <cstring>
#include <string>

#include "model/accel/requant.h"

namespace flipsim {

namespace {

uint64_t bits_of(const void* data, int lsb, int width) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= uint64_t((bytes[(lsb + i) / 8] >> ((lsb + i) % 8)) & 1) << i;
  return v;
}

}  // namespace

PpuObserver::PpuObserver(int lanes, int acc_bits) : lanes_(lanes), acc_bits_(acc_bits) {
  const std::string suffix = ".fs_top.u_ctrl.u_ppu";
  for (const auto& [name, scope] : *Verilated::threadContextp()->scopeNameMap()) {
    const std::string n = name;
    if (!scope->varsp() || n.size() < suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix))
      continue;
    for (const auto& [var_name, var] : *scope->varsp()) {
      const std::string v = var_name;
      if (v == "obs_valid") valid_ = &var;
      if (v == "obs_addr") addr_ = &var;
      if (v == "obs_acc") acc_ = &var;
    }
  }
}

bool PpuObserver::valid() const { return bits_of(valid_->datap(), 0, 1) != 0; }

uint32_t PpuObserver::addr() const { return uint32_t(bits_of(addr_->datap(), 0, addr_->packed().elements())); }

std::vector<int64_t> PpuObserver::acc() const {
  std::vector<int64_t> lanes(static_cast<size_t>(lanes_), 0);
  for (int l = 0; l < lanes_; ++l)
    lanes[size_t(l)] = wrap_to_bits(int64_t(bits_of(acc_->datap(), l * acc_bits_, acc_bits_)), acc_bits_);
  return lanes;
}

}  // namespace flipsim
