// Reads every register of the design by name through Verilator's symbol table. Only RTL variants built
// with --public-flat-rw (library flipsim_rtl_public) expose it; elsewhere available() is false.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testbench/site_map.h"

struct VerilatedVar;

namespace flipsim {

class RegisterProbe {
 public:
  /// Looks up each of the map's registers (after the harness is built); missing ones make available() false.
  explicit RegisterProbe(const SiteMap& map);
  bool available() const { return available_; }
  /// Current value of every register, in SiteMap::ff_groups() order.
  std::vector<uint64_t> snapshot() const;
  /// Hash of the registers, optionally leaving one group out.
  uint64_t hash(int skip_group = -1) const;

 private:
  std::vector<const VerilatedVar*> vars_;
  bool available_ = false;
};

}  // namespace flipsim
