#include "testbench/site_map.h"

#include <algorithm>
#include <cstdio>

namespace flipsim {

namespace {

// Fault-group bases and offsets; must match rtl/fs_pkg.sv and the instances in rtl/.
constexpr uint32_t kGroupHost = 0, kGroupCtrl = 64, kGroupPpu = 256, kGroupEdge = 1024, kGroupPe = 8192;
constexpr uint32_t kPeGroups = 4;
constexpr int kCntBits = 16, kPixBits = 20, kNumDesc = 20;
constexpr const char* kDescNames[kNumDesc] = {"in_h",      "in_w",      "in_cb",     "kernel_h",  "kernel_w",
                                              "stride",    "pad",       "out_w",     "oy_start",  "ox_start",
                                              "m_count",   "n_tiles",   "abuf_base", "wbuf_base", "bbuf_base",
                                              "obuf_base", "rq_mult",   "rq_shift",  "rq_zero",   "relu"};
constexpr const char* kClassNames[kNumSiteClasses] = {"pe_weight", "pe_act", "pe_psum", "pe_valid", "array_edge",
                                                      "ctrl",      "ppu",    "host",    "abuf",     "wbuf",
                                                      "bbuf",      "accbuf", "obuf"};

int clog2(int v) {
  int b = 0;
  while ((1 << b) < v) ++b;
  return b;
}

std::string idx(int i) { return "[" + std::to_string(i) + "]"; }

}  // namespace

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

void SiteMap::add(std::string name, std::string rtl_path, uint32_t group, int width, SiteClass cls, int row,
                  int col) {
  group_start_.push_back(ff_bits_);
  groups_.push_back(FfGroup{std::move(name), std::move(rtl_path), group, width, cls, row, col});
  ff_bits_ += uint64_t(width);
}

SiteMap::SiteMap(const AccelConfig& config) : config_(config) {
  const int rows = config.rows, cols = config.cols, data = config.data_bits, acc = config.acc_bits;
  // Host port and descriptor registers (fs_top).
  for (int i = 0; i < kNumDesc; ++i)
    add(std::string("host.desc.") + kDescNames[i] + "_q", "g_desc" + idx(i) + ".u_desc", kGroupHost + i, 32,
        SiteClass::kHost);
  add("host.done_q", "u_done", kGroupHost + 32, 1, SiteClass::kHost);
  add("host.cycles_q", "u_cycles", kGroupHost + 33, 64, SiteClass::kHost);
  add("host.layer_cycles_q", "u_layer_cycles", kGroupHost + 34, 32, SiteClass::kHost);
  add("host.resp_valid_q", "u_resp_valid", kGroupHost + 35, 1, SiteClass::kHost);
  add("host.resp_region_q", "u_resp_region", kGroupHost + 36, 4, SiteClass::kHost);
  add("host.resp_lane_q", "u_resp_lane", kGroupHost + 37, 8, SiteClass::kHost);
  add("host.resp_reg_q", "u_resp_reg", kGroupHost + 38, 64, SiteClass::kHost);
  add("host.scrub_q", "u_scrub", kGroupHost + 39, 1, SiteClass::kHost);
  const int max_depth = std::max({config.abuf_depth, config.wbuf_depth, config.bbuf_depth, config.accbuf_depth,
                                  config.obuf_depth});
  add("host.scrub_addr_q", "u_scrub_addr", kGroupHost + 40, clog2(max_depth), SiteClass::kHost);
  // Controller (fs_ctrl).
  const std::pair<const char*, int> ctrl[] = {
      {"state", 3},      {"nt", kCntBits},     {"kt", kCntBits},       {"ky", kCntBits},      {"kx", kCntBits},
      {"cb", kCntBits},  {"wl", kCntBits},     {"oy", kCntBits},       {"ox", kCntBits},      {"m_in", kPixBits},
      {"rd_valid", 1},   {"rd_zero", 1},       {"wrd_valid", 1},       {"bias_rd", 1},        {"m_out", kPixBits},
      {"a_valid", 1},    {"a_m", kPixBits},    {"wr_count", kPixBits}};
  for (uint32_t i = 0; i < sizeof(ctrl) / sizeof(ctrl[0]); ++i)
    add(std::string("ctrl.") + ctrl[i].first + "_q", std::string("u_ctrl.u_") + ctrl[i].first, kGroupCtrl + i,
        ctrl[i].second, SiteClass::kCtrl);
  for (int c = 0; c < cols; ++c) {
    add("ctrl.bias_q" + idx(c), "u_ctrl.g_lane" + idx(c) + ".u_bias", kGroupCtrl + 32 + c, acc, SiteClass::kCtrl);
    add("ctrl.a_psum_q" + idx(c), "u_ctrl.g_lane" + idx(c) + ".u_a_psum", kGroupCtrl + 96 + c, acc,
        SiteClass::kCtrl);
  }
  // Post-processing unit (fs_ppu).
  for (int c = 0; c < cols; ++c)
    add("ppu.acc_q" + idx(c), "u_ctrl.u_ppu.g_lane" + idx(c) + ".u_acc", kGroupPpu + c, acc, SiteClass::kPpu);
  add("ppu.valid_q", "u_ctrl.u_ppu.u_valid", kGroupPpu + cols, 1, SiteClass::kPpu);
  add("ppu.addr_q", "u_ctrl.u_ppu.u_addr", kGroupPpu + cols + 1, clog2(config.obuf_depth), SiteClass::kPpu);
  // Array edges (fs_skew): lane i, stage s.
  for (int r = 0; r < rows; ++r)
    for (int s = 0; s < r; ++s)
      add("array.skew" + idx(r) + ".stage" + idx(s), "u_ctrl.u_array.u_skew.g_lane" + idx(r) + ".g_delay.g_stage" +
                                                         idx(s) + ".u_reg",
          kGroupEdge + r * rows + s, data + 1, SiteClass::kArrayEdge, r, -1);
  for (int c = 0; c < cols; ++c)
    for (int s = 0; s < cols - 1 - c; ++s)
      add("array.deskew" + idx(c) + ".stage" + idx(s), "u_ctrl.u_array.u_deskew.g_lane" + idx(c) +
                                                           ".g_delay.g_stage" + idx(s) + ".u_reg",
          kGroupEdge + rows * rows + c * cols + s, acc + 1, SiteClass::kArrayEdge, -1, c);
  // Processing elements (fs_pe).
  const std::pair<const char*, SiteClass> pe[kPeGroups] = {{"weight", SiteClass::kPeWeight},
                                                          {"act", SiteClass::kPeAct},
                                                          {"psum", SiteClass::kPePsum},
                                                          {"valid", SiteClass::kPeValid}};
  const int pe_width[kPeGroups] = {data, data, acc, 1};
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      for (uint32_t f = 0; f < kPeGroups; ++f)
        add("array.pe" + idx(r) + idx(c) + "." + pe[f].first + "_q",
            "u_ctrl.u_array.g_row" + idx(r) + ".g_col" + idx(c) + ".u_pe.u_" + pe[f].first,
            kGroupPe + uint32_t(r * cols + c) * kPeGroups + f, pe_width[f], pe[f].second, r, c);
  // SRAM bits follow the flip-flops, buffer by buffer.
  uint64_t next = ff_bits_;
  for (int b = 0; b < kNumBuffers; ++b) {
    sram_start_[b] = next;
    next += uint64_t(depth(Buffer(b))) * lanes(Buffer(b)) * lane_bits(Buffer(b));
  }
  sram_bits_ = next - ff_bits_;
}

int SiteMap::lane_bits(Buffer b) const {
  return (b == Buffer::kBbuf || b == Buffer::kAccbuf) ? config_.acc_bits : config_.data_bits;
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
    s.bit = int(id - *it);
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
  const uint64_t word_bits = uint64_t(lanes(s.buffer)) * lane_bits(s.buffer);
  s.word = int(offset / word_bits);
  s.lane = int((offset % word_bits) / lane_bits(s.buffer));
  s.bit = int(offset % lane_bits(s.buffer));
  return s;
}

std::string SiteMap::name(const Site& s) const {
  if (!s.sram) return groups_[s.ff_group].name + idx(s.bit);
  char word[32];
  std::snprintf(word, sizeof(word), "[0x%x]", s.word);
  return std::string(buffer_name(s.buffer)) + word + idx(s.lane * lane_bits(s.buffer) + s.bit);
}

}  // namespace flipsim
