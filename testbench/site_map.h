// Every fault site of an accelerator configuration: each flip-flop bit and each SRAM bit, with a stable id,
// a readable name, a class and (for PE registers) its row and column. The fault-group numbering mirrors
// rtl/fs_pkg.sv; tests/rtl/site_map_rtl_test.cpp proves that this map and the RTL agree bit for bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/arch_model.h"
#include "model/accel/protection.h"

namespace flipsim {

enum class SiteClass {
  kPeWeight,
  kPeAct,
  kPePsum,
  kPeValid,
  kArrayEdge,  ///< input skew and output deskew registers
  kCtrl,       ///< controller FSM, counters, bias and accumulation pipeline
  kPpu,
  kHost,       ///< host-port, descriptor, status and counter registers
  kAbuf,
  kWbuf,
  kBbuf,
  kAccbuf,
  kObuf,
};
constexpr int kNumSiteClasses = 13;

const char* site_class_name(SiteClass c);
/// Address bits of a buffer of `depth` words ($clog2 in the RTL).
int address_width(int depth);
/// Parses a class name ("pe_psum", "wbuf", ...); false if unknown.
bool parse_site_class(const std::string& name, SiteClass* out);
bool is_sram_class(SiteClass c);
/// The register class whose redundancy protects a flip-flop site class (pe_*, ctrl, host); nullopt for the others.
/// (Not every register of the class: FfGroup::replicated says which are.)
std::optional<RegisterClass> register_class(SiteClass c);

/// The mask of the `bits` low bits of a word (every bit from 64 on).
uint64_t low_bits(int bits);

/// One register of the design: `width` flip-flops reached by fault group `group` (and, for a copy of a
/// replicated register, `replica`), the register's bits lsb .. lsb + width - 1.
struct FfGroup {
  std::string name;      ///< e.g. "array.pe[3][5].psum_q", "array.pe[3][5].psum_q.copy1"
  std::string rtl_path;  ///< hierarchical path of the register's q_q below fs_top
  uint32_t group = 0;
  int width = 0;
  int replica = 0;
  int lsb = 0;
  SiteClass cls = SiteClass::kCtrl;
  int row = -1, col = -1;
  bool replicated = false;  ///< a Protectable build's fs_ff_redundant: its class's redundancy applies
  /// The bits that hold a datapath value (an operand, a partial sum, a bias or column-sum lane, a PPU accumulator
  /// lane): the controller overwrites them before each use, so what a pass leaves there no later pass sees
  /// (tests/rtl/rtl_layer_test.cpp). The other bits steer. Set on the register itself, not on its copies.
  uint64_t datapath = 0;
};

/// A decoded fault site.
struct Site {
  uint64_t id = 0;
  SiteClass cls = SiteClass::kCtrl;
  bool sram = false;
  int ff_group = -1;  ///< index into SiteMap::ff_groups() (flip-flops)
  Buffer buffer = Buffer::kAbuf;
  int word = 0;       ///< SRAM word address
  int lane = 0;       ///< SRAM lane
  int bit = 0;        ///< bit within the register, or within the SRAM lane (data bits, then check bits)
  int row = -1, col = -1;
};

class SiteMap {
 public:
  explicit SiteMap(const AccelConfig& config);

  const AccelConfig& config() const { return config_; }
  uint64_t size() const { return ff_bits_ + sram_bits_; }
  uint64_t ff_bits() const { return ff_bits_; }
  uint64_t sram_bits() const { return sram_bits_; }
  const std::vector<FfGroup>& ff_groups() const { return groups_; }

  /// Id of a register's bit 0, and of a buffer's first bit.
  uint64_t group_first_site(int group) const { return group_start_[group]; }
  uint64_t buffer_first_site(Buffer b) const { return sram_start_[int(b)]; }
  /// Decodes a site id in [0, size()).
  Site site(uint64_t id) const;
  /// Readable name: "array.pe[3][5].psum_q[17]", "wbuf[0x1a2][46]" (bit within the whole stored word: lane
  /// l's data bits from l * stored_bits(), then its check bits).
  std::string name(const Site& s) const;
  /// Lane width of an SRAM buffer (data bits), the bits stored per lane (data and the check bits of the code
  /// in use) and its word count.
  int lane_bits(Buffer b) const;
  int stored_bits(Buffer b) const;
  /// Bits a lane occupies in the RTL's memory: a protectable build stores every check bit whatever the code in
  /// use (the unused ones are not fault sites).
  int physical_bits(Buffer b) const;
  int lanes(Buffer b) const;
  int depth(Buffer b) const;

 private:
  void add(std::string name, std::string rtl_path, uint32_t group, int width, SiteClass cls, int row = -1,
           int col = -1, int replica = 0, int lsb = 0, uint64_t datapath = 0);
  /// A register FS_FF_REDUNDANT builds (rtl/fs_macros.svh): `path` names its generate block's instance; a
  /// Protectable build adds the copies in use of its class's redundancy.
  void add_redundant(const std::string& name, const std::string& path, uint32_t group, int width, SiteClass cls,
                     int row = -1, int col = -1, uint64_t datapath = 0);

  AccelConfig config_;
  std::vector<FfGroup> groups_;
  std::vector<uint64_t> group_start_;  ///< first site id of each group
  uint64_t ff_bits_ = 0;
  uint64_t sram_bits_ = 0;
  uint64_t sram_start_[kNumBuffers] = {};
};

}  // namespace flipsim
