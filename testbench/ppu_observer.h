// Reads the post-processing unit's input registers (the fs_ppu observation taps, public in every build) so a
// campaign can see the accumulators a fault produced before requantization hid it.
#pragma once

#include <cstdint>
#include <vector>

struct VerilatedVar;

namespace flipsim {

class PpuObserver {
 public:
  /// Looks the taps up in the Verilated model's symbol table (after the harness is built).
  PpuObserver(int lanes, int acc_bits);
  bool available() const { return valid_ && addr_ && acc_; }
  /// True in a cycle where the PPU holds a row for the output buffer.
  bool valid() const;
  uint32_t addr() const;
  /// The row's accumulators, sign-extended.
  std::vector<int64_t> acc() const;

 private:
  int lanes_, acc_bits_;
  const VerilatedVar* valid_ = nullptr;
  const VerilatedVar* addr_ = nullptr;
  const VerilatedVar* acc_ = nullptr;
};

}  // namespace flipsim
