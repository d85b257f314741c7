#include "testbench/site_map.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "model/accel/protection.h"
#include "rtl/fs_pkg.h"

namespace flipsim {

namespace {

// Fault-group bases, offsets and register widths are the RTL package's (rtl/fs_pkg.sv, through the generated
// header); the hierarchical paths below are the instances in rtl/. tests/rtl/site_map_rtl_test.cpp checks both.
constexpr int kCntBits = fs_pkg::CtrlCountWidth, kPixBits = fs_pkg::WordAddrWidth;
constexpr const char* kClassNames[kNumSiteClasses] = {"pe_weight", "pe_act", "pe_psum", "pe_valid", "array_edge",
                                                      "ctrl",      "ppu",    "host",    "abuf",     "wbuf",
                                                      "bbuf",      "accbuf", "obuf"};

std::string idx(int i) { return "[" + std::to_string(i) + "]"; }

// "DescOyStart" -> "oy_start": the site names spell the descriptor fields in snake case.
std::string desc_name(int field) {
  const std::string camel = fs_pkg::desc_field_e_name(fs_pkg::desc_field_e(field)) + std::string("Desc").size();
  std::string out;
  for (char ch : camel) {
    if (std::isupper(static_cast<unsigned char>(ch)) && !out.empty()) out += '_';
    out += char(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

}  // namespace

uint64_t low_bits(int bits) { return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1; }

int address_width(int depth) {
  int b = 0;
  while ((1 << b) < depth) ++b;
  return b;
}

const char* site_class_name(SiteClass c) { return kClassNames[int(c)]; }

bool parse_site_class(const std::string& name, SiteClass* out) {
  for (int i = 0; i < kNumSiteClasses; ++i)
    if (name == kClassNames[i]) {
      *out = SiteClass(i);
      return true;
    }
  return false;
}

bool is_sram_class(SiteClass c) { return int(c) >= int(SiteClass::kAbuf); }

std::optional<RegisterClass> register_class(SiteClass c) {
  static_assert(int(SiteClass::kPeWeight) == int(RegisterClass::kPeWeight) &&
                    int(SiteClass::kPeAct) == int(RegisterClass::kPeAct) &&
                    int(SiteClass::kPePsum) == int(RegisterClass::kPePsum) &&
                    int(SiteClass::kPeValid) == int(RegisterClass::kPeValid),
                "the PE site classes come first, in RegisterClass's order");
  if (int(c) <= int(SiteClass::kPeValid)) return RegisterClass(int(c));
  if (c == SiteClass::kCtrl) return RegisterClass::kCtrl;
  if (c == SiteClass::kHost) return RegisterClass::kHost;
  return std::nullopt;
}

void SiteMap::add(std::string name, std::string rtl_path, uint32_t group, int width, SiteClass cls, int row,
                  int col, int replica, int lsb, uint64_t datapath) {
  group_start_.push_back(ff_bits_);
  groups_.push_back(
      FfGroup{std::move(name), std::move(rtl_path), group, width, replica, lsb, cls, row, col, false, datapath});
  ff_bits_ += uint64_t(width);
}

void SiteMap::add_redundant(const std::string& name, const std::string& path, uint32_t group, int width,
                            SiteClass cls, int row, int col, uint64_t datapath) {
  if (!config_.protectable) {
    add(name, path, group, width, cls, row, col, 0, 0, datapath);
    return;
  }
  // Copy 0 is the register itself; the copies in use cover the protected bits only.
  const Redundancy redundancy = config_.protection.registers[size_t(*register_class(cls))];
  add(name, path + ".g_copy[0].u_copy", group, width, cls, row, col, 0, 0, datapath);
  groups_.back().replicated = true;
  const int lsb = protected_lsb(redundancy, width);
  for (int copy = 1; copy < copies(redundancy); ++copy) {
    add(name + ".copy" + std::to_string(copy), path + ".g_copy" + idx(copy) + ".u_copy", group, width - lsb, cls,
        row, col, copy, lsb);
    groups_.back().replicated = true;
  }
}

SiteMap::SiteMap(const AccelConfig& config) : config_(config) {
  const int rows = config.rows, cols = config.cols, data = config.data_bits, acc = config.acc_bits;
  const uint64_t data_value = low_bits(data), acc_value = low_bits(acc);
  // Host port and descriptor registers (fs_top).
  for (int i = 0; i < int(fs_pkg::NumDescRegs); ++i)
    add_redundant("host.desc." + desc_name(i) + "_q", "g_desc" + idx(i) + ".g_desc.u_desc",
                  fs_pkg::GroupHost + fs_pkg::HostDescOffset + i, 32, SiteClass::kHost);
  const int max_depth = std::max({config.abuf_depth, config.wbuf_depth, config.bbuf_depth, config.accbuf_depth,
                                  config.obuf_depth});
  struct HostReg {
    const char* name;
    uint32_t offset;
    int width;
  };
  const HostReg host[] = {{"done", fs_pkg::HostDoneOffset, 1},
                          {"cycles", fs_pkg::HostCyclesOffset, 64},
                          {"layer_cycles", fs_pkg::HostLayerCyclesOffset, 32},
                          {"resp_valid", fs_pkg::HostRespValidOffset, 1},
                          {"resp_region", fs_pkg::HostRespRegionOffset, fs_pkg::region_e_bits},
                          {"resp_lane", fs_pkg::HostRespLaneOffset, fs_pkg::HostLaneWidth},
                          {"resp_reg", fs_pkg::HostRespRegOffset, fs_pkg::HostDataWidth},
                          {"scrub", fs_pkg::HostScrubOffset, 1},
                          {"scrub_addr", fs_pkg::HostScrubAddrOffset, address_width(max_depth)}};
  for (const HostReg& r : host)
    add_redundant(std::string("host.") + r.name + "_q", std::string("g_") + r.name + ".u_" + r.name,
                  fs_pkg::GroupHost + r.offset, r.width, SiteClass::kHost);
  if (config.protectable) {
    add("host.prot_q", "g_prot.u_prot", fs_pkg::GroupHost + fs_pkg::HostProtOffset, fs_pkg::prot_t::bits,
        SiteClass::kHost);
    add("host.detected_q", "g_prot.u_detected", fs_pkg::GroupHost + fs_pkg::HostDetectedOffset, 1, SiteClass::kHost);
    add("host.corrected_q", "g_prot.u_corrected", fs_pkg::GroupHost + fs_pkg::HostCorrectedOffset, 1,
        SiteClass::kHost);
  }
  // Controller (fs_ctrl).
  struct CtrlReg {
    const char* name;
    uint32_t offset;
    int width;
  };
  const CtrlReg ctrl[] = {{"state", fs_pkg::CtrlStateOffset, fs_pkg::ctrl_state_e_bits},
                          {"nt", fs_pkg::CtrlNtOffset, kCntBits},
                          {"kt", fs_pkg::CtrlKtOffset, kCntBits},
                          {"ky", fs_pkg::CtrlKyOffset, kCntBits},
                          {"kx", fs_pkg::CtrlKxOffset, kCntBits},
                          {"cb", fs_pkg::CtrlCbOffset, kCntBits},
                          {"wl", fs_pkg::CtrlWlOffset, kCntBits},
                          {"oy", fs_pkg::CtrlOyOffset, kCntBits},
                          {"ox", fs_pkg::CtrlOxOffset, kCntBits},
                          {"m_in", fs_pkg::CtrlMInOffset, kPixBits},
                          {"rd_valid", fs_pkg::CtrlRdValidOffset, 1},
                          {"rd_zero", fs_pkg::CtrlRdZeroOffset, 1},
                          {"wrd_valid", fs_pkg::CtrlWrdValidOffset, 1},
                          {"bias_rd", fs_pkg::CtrlBiasRdOffset, 1},
                          {"m_out", fs_pkg::CtrlMOutOffset, kPixBits},
                          {"a_valid", fs_pkg::CtrlAValidOffset, 1},
                          {"a_m", fs_pkg::CtrlAMOffset, kPixBits},
                          {"wr_count", fs_pkg::CtrlWrCountOffset, kPixBits}};
  for (const CtrlReg& r : ctrl)
    add_redundant(std::string("ctrl.") + r.name + "_q", std::string("u_ctrl.g_") + r.name + ".u_" + r.name,
                  fs_pkg::GroupCtrl + r.offset, r.width, SiteClass::kCtrl);
  // Activation clipping's registers are sites only while it is in use (as check bits and copies).
  const bool clip = config.protectable && config.protection.clip_activations;
  if (clip)
    add_redundant("ctrl.clip_rd_q", "u_ctrl.g_clip.g_clip_rd.u_clip_rd", fs_pkg::GroupCtrl + fs_pkg::CtrlClipRdOffset,
                  1, SiteClass::kCtrl);
  for (int c = 0; c < cols; ++c) {
    add_redundant("ctrl.bias_q" + idx(c), "u_ctrl.g_lane" + idx(c) + ".g_bias.u_bias",
                  fs_pkg::GroupCtrl + fs_pkg::CtrlBiasOffset + c, acc, SiteClass::kCtrl, -1, -1, acc_value);
    add_redundant("ctrl.a_psum_q" + idx(c), "u_ctrl.g_lane" + idx(c) + ".g_a_psum.u_a_psum",
                  fs_pkg::GroupCtrl + fs_pkg::CtrlAPsumOffset + c, acc, SiteClass::kCtrl, -1, -1, acc_value);
  }
  // Post-processing unit (fs_ppu).
  for (int c = 0; c < cols; ++c)
    add("ppu.acc_q" + idx(c), "u_ctrl.u_ppu.g_lane" + idx(c) + ".u_acc", fs_pkg::GroupPpu + fs_pkg::PpuAccOffset + c,
        acc, SiteClass::kPpu, -1, -1, 0, 0, acc_value);
  add("ppu.valid_q", "u_ctrl.u_ppu.u_valid", fs_pkg::GroupPpu + fs_pkg::PpuAccOffset + cols + fs_pkg::PpuValidPastLanes,
      1, SiteClass::kPpu);
  add("ppu.addr_q", "u_ctrl.u_ppu.u_addr", fs_pkg::GroupPpu + fs_pkg::PpuAccOffset + cols + fs_pkg::PpuAddrPastLanes,
      address_width(config.obuf_depth), SiteClass::kPpu);
  if (clip)
    for (int c = 0; c < cols; ++c)
      add("ppu.clip_q" + idx(c), "u_ctrl.u_ppu.g_lane" + idx(c) + ".g_clip.u_clip.u_bounds",
          fs_pkg::GroupPpu + fs_pkg::PpuClipOffset + c, 2 * data, SiteClass::kPpu);
  // Array edges (fs_skew): lane i, stage s.
  for (int r = 0; r < rows; ++r)
    for (int s = 0; s < r; ++s)
      add("array.skew" + idx(r) + ".stage" + idx(s),
          "u_ctrl.u_array.u_skew.g_lane" + idx(r) + ".g_delay.g_stage" + idx(s) + ".u_reg",
          fs_pkg::GroupEdge + r * rows + s, data + 1, SiteClass::kArrayEdge, r, -1, 0, 0, data_value);
  for (int c = 0; c < cols; ++c)
    for (int s = 0; s < cols - 1 - c; ++s)
      add("array.deskew" + idx(c) + ".stage" + idx(s),
          "u_ctrl.u_array.u_deskew.g_lane" + idx(c) + ".g_delay.g_stage" + idx(s) + ".u_reg",
          fs_pkg::GroupEdge + rows * rows + c * cols + s, acc + 1, SiteClass::kArrayEdge, -1, c, 0, 0, acc_value);
  // Processing elements (fs_pe).
  struct PeReg {
    const char* name;
    uint32_t field;
    int width;
    SiteClass cls;
  };
  const PeReg pe[] = {{"weight", fs_pkg::PeWeightField, data, SiteClass::kPeWeight},
                      {"act", fs_pkg::PeActField, data, SiteClass::kPeAct},
                      {"psum", fs_pkg::PePsumField, acc, SiteClass::kPePsum},
                      {"valid", fs_pkg::PeValidField, 1, SiteClass::kPeValid}};
  static_assert(sizeof(pe) / sizeof(pe[0]) == fs_pkg::PeGroups, "a PE register of fs_pkg is missing here");
  static_assert(kNumPeRegisters == fs_pkg::PeGroups, "Protection::registers must have one entry per PE register");
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      for (const PeReg& f : pe)
        add_redundant("array.pe" + idx(r) + idx(c) + "." + f.name + "_q",
                      "u_ctrl.u_array.g_row" + idx(r) + ".g_col" + idx(c) + ".u_pe.g_" + f.name + ".u_" + f.name,
                      fs_pkg::GroupPe + uint32_t(r * cols + c) * fs_pkg::PeGroups + f.field, f.width, f.cls, r, c,
                      f.cls == SiteClass::kPeValid ? 0 : low_bits(f.width));
  // SRAM bits follow the flip-flops, buffer by buffer.
  uint64_t next = ff_bits_;
  for (int b = 0; b < kNumBuffers; ++b) {
    sram_start_[b] = next;
    next += uint64_t(depth(Buffer(b))) * lanes(Buffer(b)) * stored_bits(Buffer(b));
  }
  sram_bits_ = next - ff_bits_;
}

int SiteMap::lane_bits(Buffer b) const {
  return (b == Buffer::kBbuf || b == Buffer::kAccbuf) ? config_.acc_bits : config_.data_bits;
}

int SiteMap::stored_bits(Buffer b) const {
  return lane_bits(b) + code_bits(config_.protection.buffer[size_t(b)], lane_bits(b));
}

int SiteMap::physical_bits(Buffer b) const {
  return lane_bits(b) + (config_.protectable ? check_bits(lane_bits(b)) : 0);
}

int SiteMap::lanes(Buffer b) const { return b == Buffer::kAbuf ? config_.rows : config_.cols; }

int SiteMap::depth(Buffer b) const {
  switch (b) {
    case Buffer::kAbuf: return config_.abuf_depth;
    case Buffer::kWbuf: return config_.wbuf_depth;
    case Buffer::kBbuf: return config_.bbuf_depth;
    case Buffer::kAccbuf: return config_.accbuf_depth;
    case Buffer::kObuf: return config_.obuf_depth;
  }
  return 0;
}

Site SiteMap::site(uint64_t id) const {
  Site s;
  s.id = id;
  if (id < ff_bits_) {
    const auto it = std::upper_bound(group_start_.begin(), group_start_.end(), id) - 1;
    s.ff_group = int(it - group_start_.begin());
    const FfGroup& g = groups_[s.ff_group];
    s.bit = g.lsb + int(id - *it);
    s.cls = g.cls;
    s.row = g.row;
    s.col = g.col;
    return s;
  }
  s.sram = true;
  int b = kNumBuffers - 1;
  while (id < sram_start_[b]) --b;
  s.buffer = Buffer(b);
  s.cls = SiteClass(int(SiteClass::kAbuf) + b);
  const uint64_t offset = id - sram_start_[b];
  const uint64_t word_bits = uint64_t(lanes(s.buffer)) * stored_bits(s.buffer);
  s.word = int(offset / word_bits);
  s.lane = int((offset % word_bits) / stored_bits(s.buffer));
  s.bit = int(offset % stored_bits(s.buffer));
  return s;
}

std::string SiteMap::name(const Site& s) const {
  if (!s.sram) return groups_[s.ff_group].name + idx(s.bit);
  char word[32];
  std::snprintf(word, sizeof(word), "[0x%x]", s.word);
  return std::string(buffer_name(s.buffer)) + word + idx(s.lane * stored_bits(s.buffer) + s.bit);
}

}  // namespace flipsim
