// Hangs that need no simulation: a flipped loop bound of the descriptor or a flipped tile counter of the
// controller that leaves its pass more tiles to walk than fit before the watchdog. Such a pass keeps changing
// state (its counters count), so an RTL window cannot prove the hang by a repeating state and would run to the
// watchdog: about half of the controller's and the host port's RTL cycles in a per-class campaign.
#pragma once

#include <cstdint>

#include "model/accel/layer_plan.h"
#include "testbench/fault.h"
#include "testbench/site_map.h"

namespace flipsim {

/// True when `injection` provably keeps `pass` (of `plan`) busy past `watchdog_cycles`: a single-cycle flip of a
/// descriptor register the controller counts tiles or pixels against (in_cb, kernel_h, kernel_w, m_count, n_tiles)
/// or of its tile counters (nt, kt), landing while a K tile loads or streams (so that the tile's end, where the
/// controller compares its counters with the bounds, comes after it), on an unprotectable design. The controller
/// (rtl/fs_ctrl.sv) ends a pass only after counting K tiles up to the bound it reads, modulo its counter width, in
/// every output-channel tile, and each K tile takes at least `rows` cycles of weight loading, one per pixel streamed
/// and one of draining: when what is left cannot end before the watchdog, the pass hangs. A lower bound on what is
/// left, so it proves no hang the RTL would not show; everything else it leaves to the RTL.
bool proves_hang(const Injection& injection, const SiteMap& map, const LayerPlan& plan, const LayerPass& pass,
                 uint64_t watchdog_cycles);

}  // namespace flipsim
