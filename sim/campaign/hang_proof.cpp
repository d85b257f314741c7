#include "sim/campaign/hang_proof.h"

#include <algorithm>
#include <optional>

#include "rtl/fs_pkg.h"

namespace flipsim {

namespace {

/// Busy cycles the watchdog's deadline may lie beyond the pass's own count (the start's edge, the driver's wait).
constexpr uint64_t kSlack = 16;
/// How far the flip's cycle may be from where the timeline puts it (the port writes mid-cycle, the register takes
/// it at the next edge): every position this close is checked.
constexpr int kNear = 3;

/// The loop bounds as the controller reads them (counts cut to the counter width, pixels to the word-address width).
struct Bounds {
  uint64_t n_tiles = 0, k_tiles = 0, m_count = 0;
};

Bounds bounds_of(const Descriptor& d) {
  const uint64_t count = low_bits(fs_pkg::CtrlCountWidth);
  Bounds b;
  b.n_tiles = d[kDescNTiles] & count;
  b.k_tiles = (uint64_t(d[kDescKernelH] & count) * (d[kDescKernelW] & count) * (d[kDescInCb] & count)) & count;
  b.m_count = d[kDescMCount] & low_bits(fs_pkg::WordAddrWidth);
  return b;
}

/// Busy cycles the controller needs at least after the K tile it is in, K tile `kt` of output-channel tile `nt`:
/// the K tiles up to its last (kt == k_tiles - 1, counting modulo the counter width), and every K tile of the
/// output-channel tiles up to the last (nt == n_tiles - 1), each tile with its bias read.
uint64_t cycles_after(uint64_t nt, uint64_t kt, const Bounds& b, int rows) {
  const uint64_t count = low_bits(fs_pkg::CtrlCountWidth);
  const uint64_t k_all = b.k_tiles == 0 ? count + 1 : b.k_tiles;  // k_tiles - 1 is all ones: every value
  const uint64_t pixels = b.m_count == 0 ? low_bits(fs_pkg::WordAddrWidth) + 1 : b.m_count;
  const uint64_t tile = uint64_t(rows) + pixels + 1;
  const uint64_t k_left = (b.k_tiles - 1 - kt) & count;
  const uint64_t n_left = (b.n_tiles - 1 - nt) & count;
  return k_left * tile + n_left * (1 + k_all * tile);
}

}  // namespace

bool proves_hang(const Injection& inj, const SiteMap& map, const LayerPlan& plan, const LayerPass& pass,
                 uint64_t watchdog_cycles) {
  if (!inj.has_site || inj.site.sram || inj.hold != 1) return false;
  if (inj.model != FaultModel::kFlip && inj.model != FaultModel::kMultiBit) return false;
  const AccelConfig& accel = map.config();
  if (accel.protectable) return false;  // copies and voters restore registers: not this count
  const uint32_t group = map.ff_groups()[size_t(inj.site.ff_group)].group;
  Descriptor faulty = pass.desc;
  enum class Counter { kNone, kNt, kKt, kWl, kMIn } counter = Counter::kNone;
  const uint32_t desc_first = fs_pkg::GroupHost + fs_pkg::HostDescOffset;
  if (inj.site.cls == SiteClass::kHost && group >= desc_first && group < desc_first + fs_pkg::NumDescRegs) {
    const uint32_t field = group - desc_first;
    if (field != kDescInCb && field != kDescKernelH && field != kDescKernelW && field != kDescMCount &&
        field != kDescNTiles)
      return false;
    faulty[field] ^= uint32_t(inj.mask);
  } else if (inj.site.cls == SiteClass::kCtrl) {
    const uint32_t offset = group - fs_pkg::GroupCtrl;
    if (offset == fs_pkg::CtrlNtOffset) counter = Counter::kNt;
    else if (offset == fs_pkg::CtrlKtOffset) counter = Counter::kKt;
    else if (offset == fs_pkg::CtrlWlOffset) counter = Counter::kWl;
    else if (offset == fs_pkg::CtrlMInOffset) counter = Counter::kMIn;
    else return false;
  } else {
    return false;
  }
  const Bounds bounds = bounds_of(faulty);
  const PassTiming timing = pass_timing(plan, pass, accel);
  const uint64_t busy = timing.busy_cycles(), rows = uint64_t(accel.rows), pixels = uint64_t(pass.m_count);
  const uint64_t count = low_bits(fs_pkg::CtrlCountWidth), pixel_count = low_bits(fs_pkg::WordAddrWidth);
  // The flip's cycle c: the first whose state holds the flipped value (the cycle's own comparisons use it).
  std::optional<uint64_t> least;
  for (int d = -kNear; d <= kNear; ++d) {
    if (int64_t(inj.offset) + d < 0 || inj.offset + uint64_t(d) >= busy) return false;
    const uint64_t c = inj.offset + uint64_t(d);
    const uint64_t nt = c / timing.n_tile(), within = c % timing.n_tile();
    const bool setup = within < timing.n_tile_setup;
    const uint64_t kt = setup ? 0 : (within - timing.n_tile_setup) / timing.k_tile;
    // Cycles into the K tile: rows of weight loading (wl counts them: 0 outside), one per pixel streamed (m_in
    // counts them; set to 0 as loading ends), then the drain, whose last cycle compares kt and nt with the bounds.
    const uint64_t in_tile = setup ? 0 : (within - timing.n_tile_setup) % timing.k_tile;
    const bool loading = !setup && in_tile < rows, streaming = !setup && !loading && in_tile < rows + pixels;
    const bool last_tile = nt + 1 == timing.n_tiles && kt + 1 == timing.k_tiles;
    uint64_t nt_now = nt, kt_now = kt;
    int64_t extra = 0;  // beyond what cycles_after() counts, in this tile or the next one's loading
    switch (counter) {
      case Counter::kNone: break;
      case Counter::kNt: nt_now = (nt ^ inj.mask) & count; break;
      case Counter::kKt: kt_now = (kt ^ inj.mask) & count; break;
      case Counter::kWl: {
        // Loading ends when wl reaches rows - 1, counting on from the flipped value: this tile's loading if it is
        // loading or about to (its output-channel tile's setup), else the next tile's, which then starts at it.
        const uint64_t from = loading ? in_tile ^ inj.mask : inj.mask;
        const uint64_t load = ((rows - 1 - (from & count)) & count) + 1;
        if (loading || setup) extra = int64_t(load);
        else if (!last_tile) extra = int64_t(load) - int64_t(rows);
        break;
      }
      case Counter::kMIn:
        // Streaming ends when m_in reaches m_count - 1, counting on from the flipped value.
        if (streaming)
          extra = int64_t(((pixels - 1 - (((in_tile - rows) ^ inj.mask) & pixel_count)) & pixel_count) + 1);
        break;
    }
    const int64_t total = int64_t(c) + extra + int64_t(cycles_after(nt_now, kt_now, bounds, accel.rows));
    least = least ? std::min(*least, uint64_t(std::max<int64_t>(total, 0))) : uint64_t(std::max<int64_t>(total, 0));
  }
  return least && *least > watchdog_cycles + kSlack;
}

}  // namespace flipsim
