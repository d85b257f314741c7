#include "sim/campaign/register_engine.h"

#include <map>
#include <stdexcept>

#include "model/accel/golden.h"
#include "model/accel/layer_plan.h"
#include "model/accel/requant.h"
#include "rtl/fs_pkg.h"

namespace flipsim {

namespace {

std::optional<model::ArrayRegister> array_register(SiteClass c) {
  switch (c) {
    case SiteClass::kPeWeight: return model::ArrayRegister::kWeight;
    case SiteClass::kPeAct: return model::ArrayRegister::kAct;
    case SiteClass::kPePsum: return model::ArrayRegister::kPsum;
    default: return std::nullopt;
  }
}

// The controller's per-lane bias and column-sum registers and the PPU's accumulator lanes (fs_pkg's group
// numbering: one group per lane from each register's offset); nullopt for their other registers, which steer.
std::optional<model::RegisterUpset> lane_register(SiteClass cls, uint32_t group, int cols) {
  model::RegisterUpset u;
  const auto in = [&](uint32_t base) { return group >= base && group < base + uint32_t(cols); };
  const uint32_t ctrl_bias = fs_pkg::GroupCtrl + fs_pkg::CtrlBiasOffset;
  const uint32_t ctrl_sum = fs_pkg::GroupCtrl + fs_pkg::CtrlAPsumOffset;
  const uint32_t ppu_acc = fs_pkg::GroupPpu + fs_pkg::PpuAccOffset;
  if (cls == SiteClass::kCtrl && in(ctrl_bias)) {
    u.reg = model::ArrayRegister::kBias;
    u.col = int(group - ctrl_bias);
  } else if (cls == SiteClass::kCtrl && in(ctrl_sum)) {
    u.reg = model::ArrayRegister::kColumnSum;
    u.col = int(group - ctrl_sum);
  } else if (cls == SiteClass::kPpu && in(ppu_acc)) {
    u.reg = model::ArrayRegister::kPpuAcc;
    u.col = int(group - ppu_acc);
  } else {
    return std::nullopt;
  }
  return u;
}

/// The bits of descriptor register `field` the controller reads (rtl/fs_ctrl.sv): counts are cut to the counter
/// width, pixel counts to the word-address width, buffer bases are added to an address and cut to the buffer's
/// address width, the multiplier keeps 31 bits, the shift 6, the flags their own bits; the rest is whole.
uint64_t read_descriptor_bits(uint32_t field, const AccelConfig& accel) {
  switch (field) {
    case fs_pkg::DescInCb:
    case fs_pkg::DescKernelH:
    case fs_pkg::DescOutW:
    case fs_pkg::DescOyStart:
    case fs_pkg::DescOxStart:
    case fs_pkg::DescNTiles: return low_bits(fs_pkg::CtrlCountWidth);
    case fs_pkg::DescMCount: return low_bits(fs_pkg::WordAddrWidth);
    case fs_pkg::DescAbufBase: return low_bits(address_width(accel.abuf_depth));
    case fs_pkg::DescWbufBase: return low_bits(address_width(accel.wbuf_depth));
    case fs_pkg::DescBbufBase: return low_bits(address_width(accel.bbuf_depth));
    case fs_pkg::DescObufBase: return low_bits(address_width(accel.obuf_depth));
    case fs_pkg::DescRqMult: return low_bits(31);
    case fs_pkg::DescRqShift: return low_bits(6);
    case fs_pkg::DescRelu:
      return (uint64_t(1) << fs_pkg::DescReluClampBit) |
             (accel.protectable ? uint64_t(1) << fs_pkg::DescReluClipBit : 0);
    default: return low_bits(32);
  }
}

}  // namespace

bool masked_by_construction(const Injection& inj, const SiteMap& map) {
  if (!inj.has_site || inj.site.sram || inj.site.cls != SiteClass::kHost || inj.hold != 1) return false;
  if (inj.model != FaultModel::kFlip && inj.model != FaultModel::kMultiBit) return false;
  const AccelConfig& accel = map.config();
  if (accel.protection.registers[size_t(RegisterClass::kHost)] != Redundancy::kNone) return false;
  const uint32_t g = map.ff_groups()[size_t(inj.site.ff_group)].group - fs_pkg::GroupHost;
  // The cycle counters only answer the host's reads of CYCLES and LAYER_CYCLES, which no output depends on.
  if (g == fs_pkg::HostCyclesOffset || g == fs_pkg::HostLayerCyclesOffset) return true;
  const uint32_t field = g - fs_pkg::HostDescOffset;
  return g >= fs_pkg::HostDescOffset && field < fs_pkg::NumDescRegs &&
         (inj.mask & read_descriptor_bits(field, accel)) == 0;
}

std::optional<model::RegisterUpset> register_upset(const Injection& inj, const SiteMap& map) {
  if (!inj.has_site || inj.site.sram) return std::nullopt;
  model::RegisterUpset u;
  switch (inj.model) {
    case FaultModel::kFlip:
    case FaultModel::kMultiBit:
      if (inj.hold != 1) return std::nullopt;
      break;
    case FaultModel::kStuckAt0: u.action = model::BitAction::kStuckAt0; break;
    case FaultModel::kStuckAt1: u.action = model::BitAction::kStuckAt1; break;
    default: return std::nullopt;
  }
  const AccelConfig& accel = map.config();
  u.mask = inj.mask;
  u.cycle = inj.cycle;
  u.hold = inj.hold;
  if (inj.site.cls == SiteClass::kArrayEdge) {
    // fs_skew's groups: input lane r, stage s at GroupEdge + r * rows + s; output lane c, stage s after them at
    // GroupEdge + rows * rows + c * cols + s. A stage's valid bit, above its value's, steers: RTL windows take it.
    const uint32_t g = map.ff_groups()[size_t(inj.site.ff_group)].group - fs_pkg::GroupEdge;
    const uint32_t skew = uint32_t(accel.rows * accel.rows);
    u.reg = g < skew ? model::ArrayRegister::kSkew : model::ArrayRegister::kDeskew;
    if (g < skew) {
      u.row = int(g) / accel.rows;
      u.col = int(g) % accel.rows;
    } else {
      u.col = int(g - skew) / accel.cols;
      u.row = int(g - skew) % accel.cols;
    }
    if (inj.mask & ~map.ff_groups()[size_t(inj.site.ff_group)].datapath) return std::nullopt;
    return u;
  }
  if (inj.site.cls == SiteClass::kCtrl || inj.site.cls == SiteClass::kPpu) {
    const FfGroup& g = map.ff_groups()[size_t(inj.site.ff_group)];
    if (g.replica != 0 || (g.replicated && accel.protection.registers[size_t(RegisterClass::kCtrl)] != Redundancy::kNone))
      return std::nullopt;
    std::optional<model::RegisterUpset> lane = lane_register(inj.site.cls, g.group, accel.cols);
    if (!lane || (inj.mask & ~g.datapath)) return std::nullopt;
    u.reg = lane->reg;
    u.col = lane->col;
    return u;
  }
  const std::optional<model::ArrayRegister> reg = array_register(inj.site.cls);
  const std::optional<RegisterClass> cls = register_class(inj.site.cls);
  if (!reg || !cls || accel.protection.registers[size_t(*cls)] != Redundancy::kNone) return std::nullopt;
  u.reg = *reg;
  u.row = inj.site.row;
  u.col = inj.site.col;
  return u;
}

std::optional<model::BufferUpset> buffer_upset(const Injection& inj, const SiteMap& map) {
  if (!inj.has_site || !inj.site.sram) return std::nullopt;
  if (inj.model != FaultModel::kFlip && inj.model != FaultModel::kSramFlip && inj.model != FaultModel::kMultiBit)
    return std::nullopt;
  const Buffer b = inj.site.buffer;
  if (map.config().protection.buffer[size_t(b)] != Code::kNone) return std::nullopt;
  if (inj.mask >> map.lane_bits(b)) return std::nullopt;
  model::BufferUpset u;
  u.buffer = b;
  u.word = inj.site.word;
  u.lane = inj.site.lane;
  u.mask = inj.mask;
  u.cycle = inj.cycle;
  return u;
}

Injection recorded_upset(const InjectionRecord& row, const SiteMap& map, uint64_t hold) {
  Injection inj;
  for (int m = 0; m < kNumFaultModels; ++m)
    if (row.fault_model == fault_model_name(FaultModel(m))) inj.model = FaultModel(m);
  inj.has_site = true;
  inj.site = map.site(uint64_t(row.site_id));
  inj.mask = row.mask;
  inj.cycle = row.cycle;
  inj.hold = hold;
  return inj;
}

std::optional<CarriedUpset> CarriedUpset::of(const Injection& inj, const SiteMap& map,
                                             const model::ArraySchedule& schedule) {
  CarriedUpset carried(schedule, schedule.pass_at(inj.cycle));
  if (inj.cycle >= schedule.busy_cycles()) return std::nullopt;
  if ((carried.register_ = register_upset(inj, map))) {
    if (!schedule.carries(*carried.register_)) return std::nullopt;
  } else if ((carried.buffer_ = buffer_upset(inj, map))) {
    if (!schedule.carries(*carried.buffer_)) return std::nullopt;
  } else if (!masked_by_construction(inj, map)) {
    return std::nullopt;
  }
  return carried;
}

std::vector<model::LaneChange> CarriedUpset::lane_changes(int pass, const FeatureMap& input) const {
  if (register_) return schedule_->lane_changes(*register_, pass, input);
  if (buffer_ && pass == pass_) return *schedule_->buffer_changes(*buffer_, input);
  return {};
}

std::vector<model::AccumulatorChange> CarriedUpset::accumulator_changes(
    const std::vector<const FeatureMap*>& inputs) const {
  if (every_pass()) throw std::logic_error("a permanent stuck-at changes what later passes read");
  if (register_) return schedule_->effect(*register_, inputs);
  if (buffer_) return *schedule_->effect(*buffer_, inputs);
  return {};
}

RegisterEngine::RegisterEngine(const AccelConfig& config, const model::ArraySchedule& schedule, Changes changes,
                               GoldenLayer golden_layer, ObservedRows* observed,
                               const std::vector<GoldenLayerRun>* golden_runs)
    : config_(config),
      schedule_(schedule),
      changes_(std::move(changes)),
      golden_layer_(std::move(golden_layer)),
      observed_(observed),
      golden_runs_(golden_runs) {}

FeatureMap RegisterEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const int index_of_layer = layers_++;
  const LayerPlan& plan = schedule_.layer_plan(index_of_layer);
  if (plan.in_h != input.height || plan.in_w != input.width)
    throw std::logic_error("register route: layer '" + layer.name + "' is not the schedule's layer " +
                           std::to_string(index_of_layer));
  const FeatureMap* known = golden_layer_(layer.name, input);
  const GoldenLayerRun* golden_run = golden_runs_ ? &(*golden_runs_)[size_t(index_of_layer)] : nullptr;
  FeatureMap output = golden_output(known, config_, layer, input, golden_run);
  // The golden accumulators of a layer that sees its golden input are known; otherwise each changed row's are
  // summed here.
  const std::vector<int64_t>* golden_acc = known && golden_run ? golden_run->accumulators : nullptr;
  for (const LayerPass& pass : plan.passes) {
    const int index = passes_++;
    pass_layers_.push_back(layer.name);
    const std::vector<model::LaneChange> changes = changes_(index, input);
    // Each changed PPU row: the golden accumulators of its lanes with the changes added, wrapped as the array
    // wraps; the lanes beyond the layer's channels accumulate zero. An output word's flips come after the PPU.
    std::map<uint32_t, std::vector<int64_t>> rows;
    std::map<std::pair<uint32_t, int>, uint64_t> output_masks;  // (address, lane)
    for (const model::LaneChange& c : changes) {
      const uint32_t addr = uint32_t(c.m * pass.n_tiles + c.n_tile);
      if (c.output_mask) {
        output_masks[{addr, c.col}] ^= c.output_mask;
        continue;
      }
      auto it = rows.find(addr);
      if (it == rows.end()) {
        std::vector<int64_t> sums(size_t(config_.cols), 0);
        const int pixel = pass.m_begin + c.m;
        for (int col = 0; col < config_.cols; ++col) {
          const int o = (pass.n_tile_begin + c.n_tile) * config_.cols + col;
          if (o < layer.out_channels)
            sums[size_t(col)] =
                golden_acc
                    ? (*golden_acc)[size_t(pixel) * size_t(layer.out_channels) + size_t(o)]
                    : golden_accumulator(input, layer, pixel / plan.out_w, pixel % plan.out_w, o, config_.acc_bits);
        }
        it = rows.emplace(addr, std::move(sums)).first;
      }
      int64_t& sum = it->second[size_t(c.col)];
      sum = wrap_to_bits(sum + c.delta, config_.acc_bits);
    }
    for (const auto& [addr, sums] : rows) {
      const int m = int(addr) / pass.n_tiles, nt = int(addr) % pass.n_tiles;
      for (int col = 0; col < config_.cols; ++col) {
        const int o = (pass.n_tile_begin + nt) * config_.cols + col;
        if (o >= layer.out_channels) continue;
        const int pixel = pass.m_begin + m;
        output.at(pixel / plan.out_w, pixel % plan.out_w, o) =
            layer.clipped(o, requantize(sums[size_t(col)], layer.requant, config_.data_bits));
      }
      if (observed_) (*observed_)[{index, addr}] = sums;
    }
    for (const auto& [at, mask] : output_masks) {
      const int m = int(at.first) / pass.n_tiles, nt = int(at.first) % pass.n_tiles;
      const int o = (pass.n_tile_begin + nt) * config_.cols + at.second, pixel = pass.m_begin + m;
      if (o >= layer.out_channels) continue;
      int32_t& y = output.at(pixel / plan.out_w, pixel % plan.out_w, o);
      y = int32_t(wrap_to_bits(int64_t(uint64_t(y) ^ mask), config_.data_bits));
    }
  }
  if (run) run->macs = layer.macs(input.height, input.width);
  return output;
}

}  // namespace flipsim
