#include "model/soft_error/sw_fault_sim.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <stdexcept>
#include <thread>

#include "model/accel/golden.h"
#include "model/accel/requant.h"
#include "model/soft_error/bit_flip.h"
#include "model/nn/host_ops.h"

namespace flipsim::model {
namespace {

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Applies the activation flips of one layer to the map it reads, as each accelerator layer call arrives; the
// network calls the engine once per accelerator layer, in accel_ops() order.
class FlippingEngine : public ConvEngine {
 public:
  FlippingEngine(const AccelConfig& accel, const std::vector<BitFlip>& flips)
      : golden_(accel), flips_(flips), bits_(accel.data_bits) {}
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) override {
    FeatureMap in = input;
    for (const BitFlip& f : flips_)
      if (f.layer == calls_ && f.kind == SiteKind::kActivation)
        in.data[f.index] = flip_bit(in.data[f.index], f.bit, bits_);
    ++calls_;
    return golden_.run(in, layer, run);
  }
  std::string name() const override { return "golden+flips"; }

 private:
  GoldenEngine golden_;
  const std::vector<BitFlip>& flips_;
  int bits_;
  int calls_ = 0;
};

}  // namespace

int top1_of(const std::vector<int32_t>& logits) {
  return int(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

SwFaultSim::SwFaultSim(const nn::QNetwork& net, const AccelConfig& accel)
    : net_(net), accel_(accel), accel_ops_(net.accel_ops()), layer_of_op_(net.ops.size(), -1) {
  if (accel.data_bits != net.data_bits)
    throw std::invalid_argument("SwFaultSim: network is int" + std::to_string(net.data_bits) +
                                ", accelerator int" + std::to_string(accel.data_bits));
  if (net.data_bits > 16)  // run_accel forms weight x input-change products in int32
    throw std::invalid_argument("SwFaultSim: at most 16 data bits, got " + std::to_string(net.data_bits));
  convs_.reserve(accel_ops_.size());
  for (size_t l = 0; l < accel_ops_.size(); ++l) {
    layer_of_op_[accel_ops_[l]] = int(l);
    convs_.emplace_back(net.ops[accel_ops_[l]].layer, accel.data_bits, accel.acc_bits);
  }
  diff_.resize(net.values.size());
}

void SwFaultSim::load_image(const FeatureMap& input) {
  // The maps keep their storage from image to image (every image has the same shapes): only the values change.
  golden_.resize(net_.values.size());
  golden_[size_t(net_.input_value)] = input;
  golden_acc_.resize(convs_.size());
  GoldenEngine host_only(accel_);  // run_op() wants an engine; host ops never call it
  for (size_t i = 0; i < net_.ops.size(); ++i) {
    const nn::QOp& op = net_.ops[i];
    const int layer = layer_of_op_[i];
    if (layer < 0) {
      net_.run_op(i, golden_, host_only);
      continue;
    }
    const IntConv& conv = convs_[size_t(layer)];
    const FeatureMap& in = golden_[size_t(op.inputs[0])];
    FeatureMap& out = golden_[size_t(op.output)];
    out.height = conv.out_height(in.height);
    out.width = conv.out_width(in.width);
    out.channels = conv.layer().out_channels;
    std::vector<int64_t>& acc = golden_acc_[size_t(layer)];
    conv.accumulators(in, acc);
    out.data.resize(acc.size());
    for (size_t k = 0; k < acc.size(); ++k)
      out.data[k] = conv.requantize(conv.wrap(acc[k]), int(k % size_t(out.channels)));
    // Scratch of the sparse updates, all zero between injections.
    if (delta_.size() < acc.size()) delta_.assign(acc.size(), 0);
    if (mark_.size() < size_t(out.height) * out.width) mark_.assign(size_t(out.height) * out.width, 0);
    if (flipped_channel_.size() < size_t(out.channels)) flipped_channel_.assign(size_t(out.channels), 0);
  }
  work_ = golden_;
  for (auto& d : diff_) d.clear();
  touched_.clear();
}

void SwFaultSim::touch(int value) {
  if (std::find(touched_.begin(), touched_.end(), value) == touched_.end()) touched_.push_back(value);
}

void SwFaultSim::record(int value, FeatureMap&& fresh) {
  const std::vector<int32_t>& g = golden_[size_t(value)].data;
  std::vector<uint32_t>& d = diff_[size_t(value)];
  d.clear();
  for (size_t k = 0; k < g.size(); ++k)
    if (fresh.data[k] != g[k]) d.push_back(uint32_t(k));
  work_[size_t(value)] = std::move(fresh);
  touch(value);
}

void SwFaultSim::run_host(size_t op_index) {
  const nn::QOp& op = net_.ops[op_index];
  const FeatureMap& in = work_[size_t(op.inputs[0])];
  const std::vector<uint32_t>& changed = diff_[size_t(op.inputs[0])];
  const bool sparse = op.inputs.size() == 1 && changed.size() * 8 < in.data.size();
  if (sparse && run_host_sparse(op, in, changed)) return;
  FeatureMap out;
  switch (op.type) {
    case nn::QOpType::kMaxPool: out = nn::max_pool(in, op.pool); break;
    case nn::QOpType::kAvgPool: out = nn::avg_pool(in, op.pool); break;
    case nn::QOpType::kGlobalAvgPool: out = nn::global_avg_pool(in); break;
    case nn::QOpType::kPad: out = nn::pad_map(in, op.pads, op.pad_value); break;
    case nn::QOpType::kRelu: out = nn::relu_map(in); break;
    case nn::QOpType::kAdd: out = nn::add_maps(in, work_[size_t(op.inputs[1])], op.add, net_.data_bits); break;
    case nn::QOpType::kFlatten: out = nn::flatten_map(in); break;
    case nn::QOpType::kAccel: throw std::logic_error("run_host on an accelerator op");
  }
  record(op.output, std::move(out));
}

bool SwFaultSim::run_host_sparse(const nn::QOp& op, const FeatureMap& in, const std::vector<uint32_t>& changed) {
  const FeatureMap& gold = golden_[size_t(op.output)];
  FeatureMap& out = work_[size_t(op.output)];
  std::vector<uint32_t>& d = diff_[size_t(op.output)];
  d.clear();
  auto set = [&](uint32_t k, int32_t v) {
    out.data[k] = v;
    if (v != gold.data[k]) d.push_back(k);
  };
  switch (op.type) {
    case nn::QOpType::kRelu:
      for (uint32_t k : changed) set(k, std::max(in.data[k], 0));
      break;
    case nn::QOpType::kFlatten:
      for (uint32_t k : changed) set(k, in.data[k]);
      break;
    case nn::QOpType::kPad:
      for (uint32_t k : changed) {
        const int c = int(k % uint32_t(in.channels)), x = int((k / uint32_t(in.channels)) % uint32_t(in.width));
        const int y = int(k / uint32_t(in.channels * in.width));
        set(uint32_t((size_t(y + op.pads[0]) * gold.width + size_t(x + op.pads[1])) * gold.channels + c), in.data[k]);
      }
      break;
    case nn::QOpType::kMaxPool:
    case nn::QOpType::kAvgPool: {
      // Recompute just the windows that hold a changed input, with the host op's own rules (max over the valid
      // positions; average rounded half up over the valid positions or the whole window).
      const nn::PoolParams& p = op.pool;
      const bool is_max = op.type == nn::QOpType::kMaxPool;
      std::vector<uint32_t>& outs = pool_outputs_;
      outs.clear();
      for (uint32_t k : changed) {
        const int c = int(k % uint32_t(in.channels)), x = int((k / uint32_t(in.channels)) % uint32_t(in.width));
        const int y = int(k / uint32_t(in.channels * in.width));
        const int oy_lo = std::max(0, floor_div(y + p.pads[0] - p.kernel_h, p.stride_h) + 1);
        const int oy_hi = std::min(gold.height - 1, floor_div(y + p.pads[0], p.stride_h));
        const int ox_lo = std::max(0, floor_div(x + p.pads[1] - p.kernel_w, p.stride_w) + 1);
        const int ox_hi = std::min(gold.width - 1, floor_div(x + p.pads[1], p.stride_w));
        for (int oy = oy_lo; oy <= oy_hi; ++oy)
          for (int ox = ox_lo; ox <= ox_hi; ++ox) outs.push_back(uint32_t((size_t(oy) * gold.width + ox) * gold.channels + c));
      }
      std::sort(outs.begin(), outs.end());
      outs.erase(std::unique(outs.begin(), outs.end()), outs.end());
      for (uint32_t k : outs) {
        const int c = int(k % uint32_t(gold.channels)), ox = int((k / uint32_t(gold.channels)) % uint32_t(gold.width));
        const int oy = int(k / uint32_t(gold.channels * gold.width));
        set(k, nn::pool_output(in, p, is_max, oy, ox, c));
      }
      break;
    }
    default:
      return false;  // global pooling and Add: the whole map
  }
  std::sort(d.begin(), d.end());
  touch(op.output);
  return true;
}

void SwFaultSim::run_accel(size_t op_index, int layer, const BitFlip* begin, const BitFlip* end,
                           const AccumulatorChange* changes_begin, const AccumulatorChange* changes_end) {
  const nn::QOp& op = net_.ops[op_index];
  IntConv& conv = convs_[size_t(layer)];
  const ConvLayer& l = conv.layer();
  const int bits = net_.data_bits;
  const int in_value = op.inputs[0];
  FeatureMap& in = work_[size_t(in_value)];
  const FeatureMap& gold_in = golden_[size_t(in_value)];
  const FeatureMap& gold_out = golden_[size_t(op.output)];
  const std::vector<int64_t>& gold_acc = golden_acc_[size_t(layer)];
  const int oh = gold_out.height, ow = gold_out.width, oc = gold_out.channels;

  // Input positions whose value this layer reads differently from the golden run, and output channels with a
  // flipped weight. The flips are applied in place and undone before returning (other readers of the same
  // value, e.g. a residual branch, see it unflipped).
  candidates_.assign(diff_[size_t(in_value)].begin(), diff_[size_t(in_value)].end());
  weight_changes_.clear();
  whole_channels_.clear();
  for (const BitFlip* f = begin; f != end; ++f) {
    if (f->kind == SiteKind::kActivation) {
      in.data[f->index] = flip_bit(in.data[f->index], f->bit, bits);
      candidates_.push_back(f->index);
    } else if (f->kind == SiteKind::kWeight) {
      const int32_t stored = conv.weight(f->index), flipped = flip_bit(stored, f->bit, bits);
      conv.set_weight(f->index, flipped);
      // OHWI: (((o * kernel_h + ky) * kernel_w + kx) * in_channels + i)
      size_t rest = f->index;
      const int i = int(rest % size_t(l.in_channels));
      rest /= size_t(l.in_channels);
      const int kx = int(rest % size_t(l.kernel_w));
      rest /= size_t(l.kernel_w);
      weight_changes_.push_back(
          WeightChange{int(rest / size_t(l.kernel_h)), int(rest % size_t(l.kernel_h)), kx, i, flipped - stored});
    } else {
      flip_channel_word(conv, *f);
      whole_channels_.push_back(int(f->index));  // a changed bias or clip range: the channel recomputed whole
    }
  }
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
  std::sort(whole_channels_.begin(), whole_channels_.end());
  whole_channels_.erase(std::unique(whole_channels_.begin(), whole_channels_.end()), whole_channels_.end());
  // A weight flip in a channel recomputed whole is in the recomputation.
  weight_changes_.erase(std::remove_if(weight_changes_.begin(), weight_changes_.end(),
                                       [&](const WeightChange& c) {
                                         return std::binary_search(whole_channels_.begin(), whole_channels_.end(),
                                                                   c.o);
                                       }),
                        weight_changes_.end());
  weight_channels_.clear();
  for (const WeightChange& c : weight_changes_) weight_channels_.push_back(c.o);
  std::sort(weight_channels_.begin(), weight_channels_.end());
  weight_channels_.erase(std::unique(weight_channels_.begin(), weight_channels_.end()), weight_channels_.end());

  const size_t out_size = gold_out.data.size();
  const size_t fan_in = size_t(l.kernel_h) * l.kernel_w * l.in_channels;
  const size_t positions = size_t(oh) * size_t(ow);
  const size_t scatter_cost = candidates_.size() * size_t(l.kernel_h * l.kernel_w) * size_t(oc) +
                              weight_changes_.size() * positions + weight_channels_.size() * positions +
                              whole_channels_.size() * positions * fan_in;
  if (scatter_cost >= out_size * fan_in) {
    record(op.output, conv.run(in));
  } else {
    // Changed inputs: add w * (x' - x) to each output whose window holds them. delta_ and mark_ are all zero on
    // entry and are cleared again position by position below, so a sparse update costs what it touches.
    touched_positions_.clear();
    const int c_in = in.channels, w_in = in.width;
    for (uint32_t idx : candidates_) {
      const int64_t dx = int64_t(in.data[idx]) - gold_in.data[idx];
      if (dx == 0) continue;
      // |dx| < 2^B and |w| <= 2^(B-1), so for B <= 16 data bits each product fits in int32 (cheaper to form);
      // the sums stay 64-bit.
      const int32_t dx32 = int32_t(dx);
      const int iy = int(idx / uint32_t(w_in * c_in)), ix = int((idx / uint32_t(c_in)) % uint32_t(w_in));
      const int ci = int(idx % uint32_t(c_in));
      const int oy_lo = std::max(0, floor_div(iy + l.pad - l.kernel_h, l.stride) + 1);
      const int oy_hi = std::min(oh - 1, floor_div(iy + l.pad, l.stride));
      const int ox_lo = std::max(0, floor_div(ix + l.pad - l.kernel_w, l.stride) + 1);
      const int ox_hi = std::min(ow - 1, floor_div(ix + l.pad, l.stride));
      for (int oy = oy_lo; oy <= oy_hi; ++oy) {
        const int ky = iy + l.pad - oy * l.stride;
        for (int ox = ox_lo; ox <= ox_hi; ++ox) {
          const int kx = ix + l.pad - ox * l.stride;
          const size_t pos = size_t(oy) * ow + ox;
          if (!mark_[pos]) {
            mark_[pos] = 1;
            touched_positions_.push_back(uint32_t(pos));
          }
          const int32_t* w = conv.tap_weights(ky, kx, ci);
          int64_t* dst = &delta_[pos * size_t(oc)];
          for (int o = 0; o < oc; ++o) dst[o] += dx32 * w[o];
        }
      }
    }
    // A flipped weight changes its channel's accumulator at every position by its change times the golden input
    // it meets there (what the flipped weight meets of the changed inputs is in delta_ already: their changes
    // were scaled by the flipped weights). Zero padding adds nothing.
    for (const WeightChange& c : weight_changes_) {
      for (int oy = 0; oy < oh; ++oy) {
        const int iy = oy * l.stride - l.pad + c.ky;
        if (iy < 0 || iy >= gold_in.height) continue;
        for (int ox = 0; ox < ow; ++ox) {
          const int ix = ox * l.stride - l.pad + c.kx;
          if (ix < 0 || ix >= w_in) continue;
          const int32_t x = gold_in.data[(size_t(iy) * size_t(w_in) + size_t(ix)) * size_t(c_in) + size_t(c.i)];
          delta_[(size_t(oy) * size_t(ow) + size_t(ox)) * size_t(oc) + size_t(c.o)] += int64_t(c.change) * x;
        }
      }
    }
    // Requantize: every position of a channel with a flipped weight, the touched positions of the others;
    // channels with a flipped bias or clip range are recomputed whole.
    FeatureMap& out = work_[size_t(op.output)];
    std::vector<uint32_t>& d = diff_[size_t(op.output)];
    d.clear();
    const auto store = [&](size_t k, int32_t v) {
      out.data[k] = v;
      if (v != gold_out.data[k]) d.push_back(uint32_t(k));
    };
    for (int o : weight_channels_) {
      flipped_channel_[size_t(o)] = 1;
      for (size_t p = 0; p < positions; ++p) {
        const size_t k = p * size_t(oc) + size_t(o);
        store(k, conv.requantize(conv.wrap(gold_acc[k] + delta_[k]), o));
        delta_[k] = 0;
      }
    }
    for (int o : whole_channels_) flipped_channel_[size_t(o)] = 1;
    for (uint32_t pos : touched_positions_) {
      mark_[pos] = 0;
      const size_t first = size_t(pos) * size_t(oc);
      for (int o = 0; o < oc; ++o) {
        const size_t k = first + size_t(o);
        if (!flipped_channel_[size_t(o)]) store(k, conv.requantize(conv.wrap(gold_acc[k] + delta_[k]), o));
        delta_[k] = 0;
      }
    }
    for (int o : weight_channels_) flipped_channel_[size_t(o)] = 0;
    for (int o : whole_channels_) {
      // From the faulty input and weights (its part of delta_ went with the touched positions).
      for (int p = 0; p < oh * ow; ++p) store(size_t(p) * size_t(oc) + size_t(o), conv.output(in, p / ow, p % ow, o));
      flipped_channel_[size_t(o)] = 0;
    }
    touch(op.output);
  }

  // Accumulator changes on top, while the flips are still applied (the accumulators they change are the faulty
  // ones).
  if (changes_begin != changes_end) apply_changes(op_index, layer, changes_begin, changes_end);

  for (const BitFlip* f = begin; f != end; ++f) {
    if (f->kind == SiteKind::kActivation)
      in.data[f->index] = flip_bit(in.data[f->index], f->bit, bits);
    else if (f->kind == SiteKind::kWeight)
      conv.set_weight(f->index, flip_bit(conv.weight(f->index), f->bit, bits));
    else
      flip_channel_word(conv, *f);
  }
}

void SwFaultSim::apply_changes(size_t op_index, int layer, const AccumulatorChange* begin,
                               const AccumulatorChange* end) {
  const nn::QOp& op = net_.ops[op_index];
  const IntConv& conv = convs_[size_t(layer)];
  const FeatureMap& in = work_[size_t(op.inputs[0])];
  const FeatureMap& gold_out = golden_[size_t(op.output)];
  FeatureMap& out = work_[size_t(op.output)];
  std::vector<uint32_t>& d = diff_[size_t(op.output)];
  const int oc = gold_out.channels, ow = gold_out.width;
  for (const AccumulatorChange* c = begin; c != end;) {
    int64_t delta = 0;
    uint64_t output_mask = 0;
    const uint32_t k = c->index;
    for (; c != end && c->index == k; ++c) {
      delta += c->delta;
      output_mask ^= c->output_mask;
    }
    const int o = int(k % uint32_t(oc)), pos = int(k / uint32_t(oc));
    const int64_t acc = conv.accumulator(in, pos / ow, pos % ow, o, false);
    out.data[k] = conv.requantize(conv.wrap(acc + delta), o);
    if (output_mask) out.data[k] = int32_t(wrap_to_bits(int64_t(uint64_t(out.data[k]) ^ output_mask), net_.data_bits));
    if (out.data[k] != gold_out.data[k]) d.push_back(k);
  }
  // Each index once, in order, and only where the value differs.
  std::sort(d.begin(), d.end());
  d.erase(std::unique(d.begin(), d.end()), d.end());
  d.erase(std::remove_if(d.begin(), d.end(), [&](uint32_t k) { return out.data[k] == gold_out.data[k]; }), d.end());
}

void SwFaultSim::flip_channel_word(IntConv& conv, const BitFlip& f) const {
  const int o = int(f.index);
  if (f.kind == SiteKind::kBias)
    conv.set_bias(o, flip_bit(conv.bias(o), f.bit, accel_.acc_bits));
  else
    conv.set_clip(o, flip_clip_bit(conv.clip(o), f.bit, net_.data_bits));
}

Injection SwFaultSim::inject(const std::vector<BitFlip>& flips) { return inject(flips, {}); }

Injection SwFaultSim::inject(const std::vector<BitFlip>& flips, const std::vector<AccumulatorChange>& changes) {
  Injection r;
  r.golden_top1 = top1_of(golden_logits());
  std::vector<BitFlip>& sorted = sorted_flips_;
  sorted.assign(flips.begin(), flips.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<AccumulatorChange>& sorted_changes = sorted_changes_;
  sorted_changes.assign(changes.begin(), changes.end());
  std::sort(sorted_changes.begin(), sorted_changes.end());
  size_t next = 0, next_change = 0;
  for (size_t i = 0; i < net_.ops.size(); ++i) {
    const nn::QOp& op = net_.ops[i];
    const int layer = layer_of_op_[i];
    size_t end = next, end_change = next_change;
    if (layer >= 0) {
      while (end < sorted.size() && sorted[end].layer == layer) ++end;
      while (end_change < sorted_changes.size() && sorted_changes[end_change].layer == layer) ++end_change;
    }
    bool dirty = end > next || end_change > next_change;
    for (int v : op.inputs) dirty = dirty || !diff_[size_t(v)].empty();
    if (dirty) {
      if (layer >= 0)
        run_accel(i, layer, sorted.data() + next, sorted.data() + end, sorted_changes.data() + next_change,
                  sorted_changes.data() + end_change);
      else
        run_host(i);
      ++r.ops_recomputed;
    }
    next = end;
    next_change = end_change;
  }
  const int out = net_.output_value;
  r.logits_changed = !diff_[size_t(out)].empty();
  last_logits_ = work_[size_t(out)].data;
  r.top1 = top1_of(last_logits_);

  // Back to golden: only the differing entries need restoring.
  for (int v : touched_) {
    std::vector<int32_t>& w = work_[size_t(v)].data;
    const std::vector<int32_t>& g = golden_[size_t(v)].data;
    if (diff_[size_t(v)].size() * 4 > g.size())
      w = g;
    else
      for (uint32_t k : diff_[size_t(v)]) w[k] = g[k];
    diff_[size_t(v)].clear();
  }
  touched_.clear();
  return r;
}

std::vector<FeatureMap> SwFaultSim::run_full(const FeatureMap& input, const std::vector<BitFlip>& flips) const {
  nn::QNetwork faulty = net_;
  for (const BitFlip& f : flips) {
    ConvLayer& layer = faulty.ops[accel_ops_[size_t(f.layer)]].layer;
    if (f.kind == SiteKind::kWeight) {
      layer.weights[f.index] = flip_bit(layer.weights[f.index], f.bit, net_.data_bits);
    } else if (f.kind == SiteKind::kBias) {
      if (layer.bias.empty()) layer.bias.assign(size_t(layer.out_channels), 0);
      layer.bias[f.index] = flip_bit(layer.bias[f.index], f.bit, accel_.acc_bits);
    } else if (f.kind == SiteKind::kClip) {
      layer.clip[f.index] = flip_clip_bit(layer.clip[f.index], f.bit, net_.data_bits);
    }
  }
  FlippingEngine engine(accel_, flips);
  return faulty.run(input, engine);
}

void for_each_loaded_image(const nn::QNetwork& net, const AccelConfig& accel, const nn::ImageSet& images, int threads,
                           const std::function<void(SwFaultSim& sim, int image)>& visit) {
  const int n = int(images.size());
  std::atomic<int> next{0};
  const auto work = [&] {
    SwFaultSim sim(net, accel);
    for (int i = next++; i < n; i = next++) {
      sim.load_image(net.quantize_image(images.image(size_t(i))));
      visit(sim, i);
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < std::max(1, std::min(threads, n)); ++w) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();
}

}  // namespace flipsim::model
