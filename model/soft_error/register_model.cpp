#include "model/soft_error/register_model.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "model/accel/requant.h"
#include "model/soft_error/fault_space.h"

namespace flipsim::model {

const char* array_register_name(ArrayRegister reg) {
  switch (reg) {
    case ArrayRegister::kWeight: return "pe_weight";
    case ArrayRegister::kAct: return "pe_act";
    case ArrayRegister::kPsum: return "pe_psum";
    case ArrayRegister::kSkew:
    case ArrayRegister::kDeskew: return "array_edge";
    case ArrayRegister::kBias:
    case ArrayRegister::kColumnSum: return "ctrl";
    case ArrayRegister::kPpuAcc: return "ppu";
  }
  return "?";
}

namespace {

// Calibrated against the RTL (register_model_rtl_test.cpp): when a buffer read sees an upset of the same cycle,
// where in its output-channel tile the bias is read and latched by the controller's bias register.
constexpr int64_t kBufferReadDelay = 1;
constexpr int64_t kBiasReadCycle = 0;
constexpr int64_t kBiasLatchCycle = kBiasReadCycle + 1;

// Tile cycles of pixel m's finished column sums after the array (rows, cols: the array's shape): the deskewed sum
// is latched by the controller's column-sum register (and the accumulator buffer's read of the previous partial
// sum), the next cycle the sum of the two is written to the accumulator buffer or latched by the PPU, and the
// cycle after that the PPU's output is written to the output buffer.
int64_t column_sum_cycle(int rows, int cols, int64_t m) { return 2 * int64_t(rows) + cols - 1 + m; }
int64_t sum_write_cycle(int rows, int cols, int64_t m) { return column_sum_cycle(rows, cols, m) + 1; }
int64_t output_write_cycle(int rows, int cols, int64_t m) { return sum_write_cycle(rows, cols, m) + 1; }

std::vector<const ConvLayer*> accel_layers(const nn::QNetwork& net) {
  std::vector<const ConvLayer*> layers;
  for (size_t op : net.accel_ops()) layers.push_back(&net.ops[op].layer);
  return layers;
}

std::vector<std::pair<int, int>> accel_input_shapes(const nn::QNetwork& net) {
  std::vector<std::pair<int, int>> shapes;
  for (size_t op : net.accel_ops()) {
    const nn::QValue& in = net.values[size_t(net.ops[op].inputs[0])];
    shapes.push_back({in.height, in.width});
  }
  return shapes;
}

}  // namespace

ArraySchedule::ArraySchedule(const std::vector<const ConvLayer*>& layers,
                             const std::vector<std::pair<int, int>>& in_shapes, const AccelConfig& accel)
    : layers_(layers), accel_(accel) {
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerPlan plan = plan_layer(in_shapes[l].first, in_shapes[l].second, *layers[l], accel);
    for (const LayerPass& pass : plan.passes) {
      Span s{int(l), plan, pass, pass_timing(plan, pass, accel), total_};
      total_ += s.timing.busy_cycles();
      spans_.push_back(std::move(s));
    }
  }
}

ArraySchedule::ArraySchedule(const nn::QNetwork& net, const AccelConfig& accel)
    : ArraySchedule(accel_layers(net), accel_input_shapes(net), accel) {}

std::vector<uint64_t> ArraySchedule::pass_cycles() const {
  std::vector<uint64_t> cycles;
  for (const Span& s : spans_) cycles.push_back(s.timing.busy_cycles());
  return cycles;
}

int ArraySchedule::width(ArrayRegister reg) const {
  switch (reg) {
    case ArrayRegister::kWeight:
    case ArrayRegister::kAct:
    case ArrayRegister::kSkew: return accel_.data_bits;
    default: return accel_.acc_bits;  // partial sums, column sums, biases, the PPU's accumulators
  }
}

int32_t ArraySchedule::activation_at(const ConvLayer& l, const FeatureMap& in, int iy, int ix, int ci) const {
  if (ci >= l.in_channels || iy < 0 || iy >= in.height || ix < 0 || ix >= in.width) return 0;
  return in.at(iy, ix, ci);
}

ArraySchedule::KTile ArraySchedule::k_tile(const Span& s, int kt) const {
  const int blocks = s.plan.channel_blocks, kernel_w = layers_[size_t(s.layer)]->kernel_w;
  return {kt / (blocks * kernel_w), (kt / blocks) % kernel_w, kt % blocks};
}

int32_t ArraySchedule::activation(const Span& s, const FeatureMap& in, int kt, int m, int row) const {
  const ConvLayer& l = *layers_[size_t(s.layer)];
  const KTile k = k_tile(s, kt);
  const int p = s.pass.m_begin + m, oy = p / s.plan.out_w, ox = p % s.plan.out_w;
  return activation_at(l, in, oy * l.stride - l.pad + k.ky, ox * l.stride - l.pad + k.kx, k.cb * accel_.rows + row);
}

int32_t ArraySchedule::weight(const Span& s, int nt, int kt, int row, int col) const {
  const ConvLayer& l = *layers_[size_t(s.layer)];
  const KTile k = k_tile(s, kt);
  const int ci = k.cb * accel_.rows + row, o = (s.pass.n_tile_begin + nt) * accel_.cols + col;
  if (ci >= l.in_channels || o >= l.out_channels) return 0;
  return l.weight(o, k.ky, k.kx, ci);
}

const LayerPlan& ArraySchedule::layer_plan(int layer) const {
  for (const Span& s : spans_)
    if (s.layer == layer) return s.plan;
  throw std::out_of_range("ArraySchedule: no layer " + std::to_string(layer));
}

int ArraySchedule::pass_at(uint64_t cycle) const {
  const auto at = std::upper_bound(spans_.begin(), spans_.end(), cycle,
                                   [](uint64_t c, const Span& s) { return c < s.first; });
  return int(at - spans_.begin()) - 1;
}

ArraySchedule::TileCycle ArraySchedule::tile_cycle(uint64_t cycle) const {
  TileCycle at;
  if (cycle >= total_) return at;
  at.pass = pass_at(cycle);
  const PassTiming& t = spans_[size_t(at.pass)].timing;
  const uint64_t rel = cycle - spans_[size_t(at.pass)].first;
  at.n_tile = int(rel / t.n_tile());
  at.in_n_tile = rel % t.n_tile();
  if (at.in_n_tile >= t.n_tile_setup) {
    at.k_tile = int((at.in_n_tile - t.n_tile_setup) / t.k_tile);
    at.in_k_tile = int64_t((at.in_n_tile - t.n_tile_setup) % t.k_tile);
  }
  return at;
}

std::vector<AccumulatorChange> ArraySchedule::accumulator_changes(const std::vector<LaneChange>& lanes) const {
  std::vector<AccumulatorChange> changes;
  for (const LaneChange& c : lanes) {
    const Span& s = spans_[size_t(c.pass)];
    const ConvLayer& l = *layers_[size_t(s.layer)];
    const int o = (s.pass.n_tile_begin + c.n_tile) * accel_.cols + c.col;
    if (o >= l.out_channels) continue;  // a lane the host never reads
    changes.push_back(
        {s.layer, uint32_t(s.pass.m_begin + c.m) * uint32_t(l.out_channels) + uint32_t(o), c.delta, c.output_mask});
  }
  return changes;
}

std::vector<AccumulatorChange> ArraySchedule::effect(const RegisterUpset& upset,
                                                     const std::vector<const FeatureMap*>& inputs) const {
  const int pass = pass_at(upset.cycle);
  if (pass < 0 || upset.cycle >= total_) return {};
  return accumulator_changes(lane_changes(upset, *inputs[size_t(spans_[size_t(pass)].layer)]));
}

std::optional<std::vector<AccumulatorChange>> ArraySchedule::effect(
    const BufferUpset& upset, const std::vector<const FeatureMap*>& inputs) const {
  if (!carries(upset)) return std::nullopt;
  const int pass = pass_at(upset.cycle);
  return accumulator_changes(*buffer_changes(upset, *inputs[size_t(spans_[size_t(pass)].layer)]));
}

int64_t ArraySchedule::column_sum(const Span& s, const FeatureMap& in, int nt, int kt, int m, int col,
                                  int rows) const {
  int64_t sum = 0;
  for (int r = 0; r < rows; ++r) sum += int64_t(activation(s, in, kt, m, r)) * weight(s, nt, kt, r, col);
  return wrap_to_bits(sum, accel_.acc_bits);
}

int64_t ArraySchedule::bias_lane(const Span& s, int nt, int col) const {
  const ConvLayer& l = *layers_[size_t(s.layer)];
  const int o = (s.pass.n_tile_begin + nt) * accel_.cols + col;
  return o < l.out_channels && !l.bias.empty() ? wrap_to_bits(l.bias[size_t(o)], accel_.acc_bits) : 0;
}

int64_t ArraySchedule::partial_sum(const Span& s, const FeatureMap& in, int nt, int kt, int m, int col) const {
  int64_t sum = bias_lane(s, nt, col);
  for (int k = 0; k <= kt; ++k) sum += column_sum(s, in, nt, k, m, col, accel_.rows);
  return wrap_to_bits(sum, accel_.acc_bits);
}

bool ArraySchedule::carries(const RegisterUpset& upset) const {
  if (upset.hold <= 1) return true;
  if (upset.cycle + upset.hold > total_) return false;
  return pass_at(upset.cycle) == pass_at(upset.cycle + upset.hold - 1);
}

std::vector<LaneChange> ArraySchedule::lane_changes(const RegisterUpset& upset, int pass, const FeatureMap& in) const {
  if (upset.hold != 0) return pass == pass_at(upset.cycle) ? lane_changes(upset, in) : std::vector<LaneChange>{};
  RegisterUpset whole_pass = upset;
  whole_pass.cycle = spans_[size_t(pass)].first;
  whole_pass.hold = spans_[size_t(pass)].timing.busy_cycles();
  return lane_changes(whole_pass, in);
}

bool ArraySchedule::latches_at(ArrayRegister reg, uint64_t cycle) const {
  const TileCycle at = tile_cycle(cycle);
  switch (reg) {
    case ArrayRegister::kWeight: return at.k_tile >= 0 && at.in_k_tile < accel_.rows;
    case ArrayRegister::kBias: return at.pass >= 0 && int64_t(at.in_n_tile) == kBiasLatchCycle;
    default: return true;
  }
}

std::vector<LaneChange> ArraySchedule::lane_changes(const RegisterUpset& upset, const FeatureMap& in) const {
  if (upset.hold == 0) throw std::logic_error("register model: a permanent stuck-at changes every pass");
  if (upset.hold == 1) return latch_changes(upset, in);
  // A stuck-at: the value held when it starts and every value latched while it lasts have their bits forced; each
  // is one latched change (their cycles and lanes differ, and the accumulation after them is linear).
  std::vector<LaneChange> changes;
  for (uint64_t cycle = upset.cycle; cycle < upset.cycle + upset.hold; ++cycle) {
    if (cycle != upset.cycle && !latches_at(upset.reg, cycle)) continue;
    RegisterUpset latch = upset;
    latch.cycle = cycle;
    latch.hold = 1;
    const std::vector<LaneChange> more = latch_changes(latch, in);
    changes.insert(changes.end(), more.begin(), more.end());
  }
  return changes;
}

std::vector<LaneChange> ArraySchedule::latch_changes(const RegisterUpset& upset, const FeatureMap& in) const {
  std::vector<LaneChange> changes;
  const TileCycle at = tile_cycle(upset.cycle);
  if (at.pass < 0) return changes;
  const int pass = at.pass, nt = at.n_tile;
  const Span& s = spans_[size_t(pass)];
  const int rows = accel_.rows, cols = accel_.cols, r = upset.row, c = upset.col, M = s.pass.m_count;
  const auto change = [&](int m, int col, int64_t delta) {
    if (delta != 0) changes.push_back({pass, m, nt, col, delta});
  };
  const auto latched = [&](int64_t v, int bits) {
    const uint64_t u = uint64_t(v);
    switch (upset.action) {
      case BitAction::kFlip: return wrap_to_bits(int64_t(u ^ upset.mask), bits);
      case BitAction::kStuckAt0: return wrap_to_bits(int64_t(u & ~upset.mask), bits);
      case BitAction::kStuckAt1: return wrap_to_bits(int64_t(u | upset.mask), bits);
    }
    return v;
  };
  if (upset.reg == ArrayRegister::kBias) {
    // Latched in the tile's second cycle and held: the first K tile adds it to every pixel's sum formed later.
    const int64_t rel = int64_t(at.in_n_tile);
    if (rel < kBiasLatchCycle) return changes;
    const int64_t b = bias_lane(s, nt, c), db = latched(b, accel_.acc_bits) - b;
    for (int m = 0; m < M; ++m)
      if (rel <= int64_t(s.timing.n_tile_setup) + column_sum_cycle(rows, cols, m)) change(m, c, db);
    return changes;
  }
  // In an output-channel tile's setup no operand is in the array, and a weight is reloaded before its next use.
  if (at.k_tile < 0) return changes;
  const int kt = at.k_tile;
  const int64_t u = at.in_k_tile;
  const int64_t first_product = int64_t(rows) + r + c;  // pixel 0's multiply-accumulate at PE (r, c)
  switch (upset.reg) {
    case ArrayRegister::kPsum: {
      const int64_t m = u - first_product;
      if (m < 0 || m >= M) break;
      const int64_t partial = column_sum(s, in, nt, kt, int(m), c, r + 1);
      change(int(m), c, latched(partial, accel_.acc_bits) - partial);
      break;
    }
    case ArrayRegister::kAct: {
      const int64_t m = u - first_product;
      if (m < 0 || m >= M) break;
      const int32_t x = activation(s, in, kt, int(m), r);
      const int64_t dx = latched(x, accel_.data_bits) - x;
      for (int cc = c + 1; cc < cols; ++cc) change(int(m), cc, dx * weight(s, nt, kt, r, cc));
      break;
    }
    case ArrayRegister::kSkew: {
      // Register s of lane r latches pixel m's activation at the edge of tile cycle rows + m + s.
      const int64_t m = u - rows - c;
      if (m < 0 || m >= M) break;
      const int32_t x = activation(s, in, kt, int(m), r);
      const int64_t dx = latched(x, accel_.data_bits) - x;
      for (int cc = 0; cc < cols; ++cc) change(int(m), cc, dx * weight(s, nt, kt, r, cc));
      break;
    }
    case ArrayRegister::kDeskew:
    case ArrayRegister::kColumnSum: {
      // Register s of lane c latches pixel m's column sum one cycle after the bottom PE, plus s; the controller's
      // register latches it after the last stage.
      const int64_t m = upset.reg == ArrayRegister::kDeskew ? u - 2 * int64_t(rows) - c - r
                                                           : u - column_sum_cycle(rows, cols, 0);
      if (m < 0 || m >= M) break;
      const int64_t sum = column_sum(s, in, nt, kt, int(m), c, rows);
      change(int(m), c, latched(sum, accel_.acc_bits) - sum);
      break;
    }
    case ArrayRegister::kPpuAcc: {
      // The PPU latches a pixel's final sum on the last K tile only; at other edges it holds a value no one writes.
      const int64_t m = u - sum_write_cycle(rows, cols, 0);
      if (kt != s.plan.k_tiles - 1 || m < 0 || m >= M) break;
      const int64_t sum = partial_sum(s, in, nt, kt, int(m), c);
      change(int(m), c, latched(sum, accel_.acc_bits) - sum);
      break;
    }
    case ArrayRegister::kWeight: {
      // The load shifts a word down one row per cycle, in tile cycles 0 .. rows - 1: what row r latches at cycle
      // u ends in row r + rows - 1 - u (or below the array). Afterwards the weight is held, and every pixel whose
      // product comes after the upset's edge multiplies the flipped value.
      int row = r, from = 0;
      if (u < rows) {
        row = r + rows - 1 - int(u);
        if (row >= rows) break;
      } else {
        from = int(std::max<int64_t>(0, u - first_product + 1));
      }
      const int32_t w = weight(s, nt, kt, row, c);
      const int64_t dw = latched(w, accel_.data_bits) - w;
      for (int m = from; m < M; ++m) change(m, c, dw * activation(s, in, kt, m, row));
      break;
    }
    case ArrayRegister::kBias: break;  // above
  }
  return changes;
}

bool ArraySchedule::written_at(Buffer buffer, int word, uint64_t cycle) const {
  const TileCycle at = tile_cycle(cycle);
  if (at.k_tile < 0) return false;  // beyond the schedule, or in an output-channel tile's setup
  const Span& s = spans_[size_t(at.pass)];
  const bool last_k = at.k_tile == s.plan.k_tiles - 1;
  switch (buffer) {
    case Buffer::kAccbuf:
      return !last_k && word < s.pass.m_count && at.in_k_tile == sum_write_cycle(accel_.rows, accel_.cols, word);
    case Buffer::kObuf:
      return last_k && word % s.pass.n_tiles == at.n_tile && word / s.pass.n_tiles < s.pass.m_count &&
             at.in_k_tile == output_write_cycle(accel_.rows, accel_.cols, word / s.pass.n_tiles);
    default: return false;  // the host writes the other buffers, between passes
  }
}

bool ArraySchedule::carries(const BufferUpset& upset) const {
  const int pass = pass_at(upset.cycle);
  if (pass < 0 || upset.cycle >= total_) return false;
  const Span& s = spans_[size_t(pass)];
  switch (upset.buffer) {
    // A word beyond the pass's images is not read before the next pass's load rewrites it; a clip word is read, but
    // its flip is no accumulator change.
    case Buffer::kAbuf:
    case Buffer::kWbuf: return true;
    case Buffer::kBbuf:
      return upset.word < s.pass.n_tiles || upset.word >= s.pass.n_tiles * s.plan.bbuf_words_per_n_tile();
    case Buffer::kAccbuf:
    case Buffer::kObuf: {
      const int last = (upset.buffer == Buffer::kAccbuf ? accel_.accbuf_depth : accel_.obuf_depth) - 1;
      return !written_at(upset.buffer, upset.word, upset.cycle) && !written_at(upset.buffer, last, upset.cycle + 1);
    }
  }
  return false;
}

std::optional<std::vector<LaneChange>> ArraySchedule::buffer_changes(const BufferUpset& upset,
                                                                      const FeatureMap& in) const {
  std::vector<LaneChange> changes;
  if (!carries(upset)) return std::nullopt;
  const int pass = pass_at(upset.cycle);
  const Span& s = spans_[size_t(pass)];
  const ConvLayer& l = *layers_[size_t(s.layer)];
  const int rows = accel_.rows, cols = accel_.cols, M = s.pass.m_count;
  // A read sees the flip from the cycle after the upset's on (busy cycles of the inference).
  const auto after = [&](int64_t read) { return read >= int64_t(upset.cycle) + kBufferReadDelay; };
  const auto tile_start = [&](int nt, int kt) { return int64_t(s.first + s.timing.k_tile_start(nt, kt)); };
  const auto flipped = [&](int64_t v, int bits) { return wrap_to_bits(int64_t(uint64_t(v) ^ upset.mask), bits); };
  const auto change = [&](int m, int nt, int col, int64_t delta) {
    if (delta != 0) changes.push_back({pass, m, nt, col, delta});
  };
  switch (upset.buffer) {
    case Buffer::kAbuf: {  // word = local input pixel * channel blocks + block; lane = array row
      if (upset.word >= s.pass.in_pixels * s.plan.channel_blocks) break;
      const int cb = upset.word % s.plan.channel_blocks, r = upset.lane;
      const int p_in = s.pass.in_pixel_begin + upset.word / s.plan.channel_blocks;
      const int iy = p_in / in.width, ix = p_in % in.width;
      const int32_t x = activation_at(l, in, iy, ix, cb * rows + r);
      const int64_t dx = flipped(x, accel_.data_bits) - x;
      if (dx == 0) break;
      for (int kt = 0; kt < s.plan.k_tiles; ++kt) {
        const KTile k = k_tile(s, kt);
        if (k.cb != cb) continue;
        for (int m = 0; m < M; ++m) {
          const int p = s.pass.m_begin + m, oy = p / s.plan.out_w, ox = p % s.plan.out_w;
          if (oy * l.stride - l.pad + k.ky != iy || ox * l.stride - l.pad + k.kx != ix) continue;
          for (int nt = 0; nt < s.pass.n_tiles; ++nt) {
            if (!after(tile_start(nt, kt) + rows + m - 1)) continue;
            for (int c = 0; c < cols; ++c) change(m, nt, c, dx * weight(s, nt, kt, r, c));
          }
        }
      }
      break;
    }
    case Buffer::kWbuf: {  // word = ((nt * k_tiles) + kt) * rows + row; lane = column
      if (upset.word >= s.pass.n_tiles * s.plan.k_tiles * rows) break;
      const int r = upset.word % rows, kt = (upset.word / rows) % s.plan.k_tiles;
      const int nt = upset.word / (rows * s.plan.k_tiles);
      // The load reads the bottom row's word first (it shifts down furthest).
      if (!after(tile_start(nt, kt) + rows - 2 - r)) break;
      const int32_t w = weight(s, nt, kt, r, upset.lane);
      const int64_t dw = flipped(w, accel_.data_bits) - w;
      for (int m = 0; m < M; ++m) change(m, nt, upset.lane, dw * activation(s, in, kt, m, r));
      break;
    }
    case Buffer::kBbuf: {  // word nt = the tile's biases (then its clip words)
      const int nt = upset.word;
      if (nt >= s.pass.n_tiles) break;
      if (!after(int64_t(s.first + uint64_t(nt) * s.timing.n_tile()) + kBiasReadCycle)) break;
      const int64_t b = bias_lane(s, nt, upset.lane);
      const int64_t db = flipped(b, accel_.acc_bits) - b;
      for (int m = 0; m < M; ++m) change(m, nt, upset.lane, db);
      break;
    }
    case Buffer::kAccbuf: {  // word = pass pixel m, lane = column; K tile kt's sum, read back by K tile kt + 1
      const int m = upset.word, c = upset.lane;
      if (m >= M) break;
      for (int nt = 0; nt < s.pass.n_tiles; ++nt)
        for (int kt = 0; kt + 1 < s.plan.k_tiles; ++kt) {
          const int64_t written = tile_start(nt, kt) + sum_write_cycle(rows, cols, m);
          if (written < int64_t(upset.cycle) && after(tile_start(nt, kt + 1) + column_sum_cycle(rows, cols, m))) {
            const int64_t sum = partial_sum(s, in, nt, kt, m, c);
            change(m, nt, c, flipped(sum, accel_.acc_bits) - sum);
          }
        }
      break;
    }
    case Buffer::kObuf: {  // word = pass pixel m * n_tiles + nt, lane = column; read by the host after the pass
      const int m = upset.word / s.pass.n_tiles, nt = upset.word % s.pass.n_tiles;
      if (m >= M) break;
      if (tile_start(nt, s.plan.k_tiles - 1) + output_write_cycle(rows, cols, m) < int64_t(upset.cycle))
        changes.push_back({pass, m, nt, upset.lane, 0, upset.mask});
      break;
    }
  }
  return changes;
}

}  // namespace flipsim::model
