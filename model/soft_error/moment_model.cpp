#include "model/soft_error/moment_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/accel/requant.h"
#include "model/soft_error/flip_reach.h"

namespace flipsim::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double lowest(int bits) { return -std::ldexp(1.0, bits - 1); }
double highest(int bits) { return std::ldexp(1.0, bits - 1) - 1; }

// Above this many flips within reach the compound Poisson sum is close enough to its normal.
constexpr double kDenseHits = 12;

// Moments of f(D) - f(0) for a disturbance D that is a compound Poisson sum: N ~ Poisson(hits) independent
// flips each add a normal jump, with E[D] = mean and Var[D] = var. `given(m, v)` is the output disturbance's
// moments for D ~ N(m, v). Few hits make D sparse: most of the time exactly 0, now and then large. A normal with
// the same variance spreads that over every element, which gets a non-linearity wrong: a rare large negative
// jump into a ReLU costs at most the golden value, a small spread around it rectifies to a positive mean. With
// many hits the sum is normal and `given(mean, var)` is used.
// Mean and variance of a quantity whose moments given n ~ Poisson(hits) are given(n), summed over n until the
// Poisson tail holds less than 1e-4 of the mass; that tail is counted at the last n summed (given() changes
// slowly with n, so this is closer than dropping it).
template <typename GivenCount>
MeanVar poisson_mixture(double hits, GivenCount given) {
  double pn = std::exp(-hits), covered = pn;
  MeanVar y = given(0);
  double ey = pn * y.mean, ey2 = pn * (y.var + y.mean * y.mean);
  for (int n = 1; covered < 1 - 1e-3 && n < 4 * kDenseHits; ++n) {
    pn *= hits / n;
    covered += pn;
    y = given(n);
    ey += pn * y.mean;
    ey2 += pn * (y.var + y.mean * y.mean);
  }
  const double rest = std::max(0.0, 1 - covered);
  ey += rest * y.mean;
  ey2 += rest * (y.var + y.mean * y.mean);
  return {ey, std::max(0.0, ey2 - ey * ey)};
}

template <typename Given>
MeanVar compound_moments(double mean, double var, double hits, Given given) {
  if (mean == 0 && var == 0) return {0.0, 0.0};
  if (!(hits > 0) || hits >= kDenseHits) return given(mean, var);
  // One jump: mean mean/hits and second moment var/hits (a compound Poisson sum's variance is hits E[J^2]).
  const double m1 = mean / hits, v1 = std::max(0.0, var / hits - m1 * m1);
  return poisson_mixture(hits, [&](int n) { return n == 0 ? MeanVar{0.0, 0.0} : given(n * m1, n * v1); });
}

// A max-pooling window (golden values g, disturbances with moments d) that few flips reach: `hits` flips reach
// the window, `element_hits` each element. With none the golden maximum; with one, one element (each alike) takes a
// normal jump with its per-flip moments and the others keep their golden values; with more, Clark's maximum of
// the elements' normals scaled to that many flips. Clark on the full normals spreads a rare jump over every
// element and overstates how much the maximum rises.
MeanVar sparse_max(const std::vector<double>& g, const std::vector<MeanVar>& d, double hits, double element_hits) {
  if (!(hits > 0) || !(element_hits > 0) || hits >= kDenseHits) {
    std::vector<MeanVar> xs(g.size());
    for (size_t e = 0; e < g.size(); ++e) xs[e] = {g[e] + d[e].mean, d[e].var};
    return max_of_normals(xs);
  }
  const double golden_max = *std::max_element(g.begin(), g.end());
  std::vector<MeanVar> xs(g.size());
  return poisson_mixture(hits, [&](int n) {
    if (n == 0) return MeanVar{golden_max, 0.0};
    if (n > 1) {
      const double f = double(n) / hits;
      for (size_t e = 0; e < g.size(); ++e) xs[e] = {g[e] + f * d[e].mean, f * d[e].var};
      return max_of_normals(xs);
    }
    double m = 0, m2 = 0;
    for (size_t e = 0; e < g.size(); ++e) {
      double others = -kInf;
      for (size_t f = 0; f < g.size(); ++f)
        if (f != e) others = std::max(others, g[f]);
      const double mu = d[e].mean / element_hits;
      const double sd = std::sqrt(std::max(0.0, d[e].var / element_hits - mu * mu));
      const MeanVar z = sd > 0 ? clamped_normal(g[e] + mu, sd, others, kInf) : MeanVar{std::max(g[e] + mu, others), 0.0};
      m += z.mean;
      m2 += z.var + z.mean * z.mean;
    }
    const double mean = m / double(g.size());
    return MeanVar{mean, m2 / double(g.size()) - mean * mean};
  });
}

bool all_zero(const MapMoments& m) {
  if (m.empty()) return true;
  for (size_t k = 0; k < m.mean.size(); ++k)
    if (m.mean[k] != 0 || m.var[k] != 0) return false;
  return true;
}

}  // namespace

WeightTerms weight_terms(const ConvLayer& l, const FlipSumTable& sums, double pw) {
  WeightTerms t;
  t.mean.resize(l.weights.size());
  t.square.resize(l.weights.size());
  const size_t oc = size_t(l.out_channels), taps = l.weights.size() / oc;
  for (size_t o = 0; o < oc; ++o)
    for (size_t tap = 0; tap < taps; ++tap) {
      const int32_t w = l.weights[o * taps + tap];
      const double m = w + pw * sums(w).s1;
      t.mean[tap * oc + o] = m;
      t.square[tap * oc + o] = m * m;
    }
  return t;
}

MapMoments accumulator_moments(const ConvLayer& l, const FeatureMap& input, const MapMoments& in,
                               const FlipSumTable& sums, double pw, double pa, std::vector<int64_t>* golden_acc,
                               const std::vector<int64_t>* known_acc, const WeightTerms* weights) {
  const size_t n_in = input.data.size();
  std::vector<double> y(n_in), sy(n_in), q(n_in);
  for (size_t i = 0; i < n_in; ++i) {
    const int32_t x = input.data[i];
    const FlipSums& f = sums(x);
    const double m = in.empty() ? 0.0 : in.mean[i], v = in.empty() ? 0.0 : in.var[i];
    y[i] = x + m + pa * f.s1;
    sy[i] = v + pa * (1 - pa) * f.s2;
    q[i] = y[i] * y[i] + sy[i];
  }
  WeightTerms own;
  if (!weights) {
    own = weight_terms(l, sums, pw);
    weights = &own;
  }
  const std::vector<double>& wb = weights->mean;
  const std::vector<double>& wb2 = weights->square;
  // S2 is the same for every stored value (bit_flip.h), so the weights' own variance term
  // sum_i (Y_i^2 + sy_i) pw (1 - pw) S2 is a plain window sum, the same for every output channel.
  const double sw = pw * (1 - pw) * sums(0).s2;
  const int oh = l.out_height(input.height), ow = l.out_width(input.width), oc = l.out_channels;
  const int c = l.in_channels;
  MapMoments out;
  out.mean.assign(size_t(oh) * ow * oc, 0.0);
  out.var.assign(out.mean.size(), 0.0);
  if (golden_acc) golden_acc->assign(out.mean.size(), 0);
  const bool weight_var = pw > 0;
  std::vector<double> mean(size_t(oc), 0.0), var(size_t(oc), 0.0);
  size_t k = 0;
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      const int ix0 = ox * l.stride - l.pad;
      const int kx_lo = std::max(0, -ix0), kx_hi = std::min(l.kernel_w, input.width - ix0);
      const int run = std::max(0, kx_hi - kx_lo) * c;
      double window_q = 0;
      std::fill(mean.begin(), mean.end(), 0.0);
      std::fill(var.begin(), var.end(), 0.0);
      for (int ky = 0; ky < l.kernel_h && run > 0; ++ky) {
        const int iy = oy * l.stride - l.pad + ky;
        if (iy < 0 || iy >= input.height) continue;
        const size_t xi = (size_t(iy) * input.width + size_t(ix0 + kx_lo)) * size_t(c);
        const size_t tap0 = (size_t(ky) * l.kernel_w + size_t(kx_lo)) * size_t(c);
        if (weight_var)
          for (int t = 0; t < run; ++t) window_q += q[xi + size_t(t)];
        for (int t = 0; t < run; ++t) {
          const double yt = y[xi + size_t(t)], st = sy[xi + size_t(t)];
          const double* wm = &wb[(tap0 + size_t(t)) * size_t(oc)];
          const double* w2 = &wb2[(tap0 + size_t(t)) * size_t(oc)];
          for (int o = 0; o < oc; ++o) mean[size_t(o)] += yt * wm[o];
          for (int o = 0; o < oc; ++o) var[size_t(o)] += st * w2[o];
        }
      }
      for (int o = 0; o < oc; ++o, ++k) {
        const int64_t bias = l.bias.empty() ? 0 : l.bias[size_t(o)];
        int64_t acc = bias;
        if (known_acc) {
          acc = (*known_acc)[k];
        } else {
          for (int ky = 0; ky < l.kernel_h && run > 0; ++ky) {
            const int iy = oy * l.stride - l.pad + ky;
            if (iy < 0 || iy >= input.height) continue;
            const int32_t* xs = &input.data[(size_t(iy) * input.width + size_t(ix0 + kx_lo)) * size_t(c)];
            const int32_t* ws = &l.weights[((size_t(o) * l.kernel_h + ky) * l.kernel_w + size_t(kx_lo)) * size_t(c)];
            for (int t = 0; t < run; ++t) acc += int64_t(xs[t]) * ws[t];
          }
        }
        // sum W Y - sum w x, with sum w x = acc - bias exactly.
        out.mean[k] = mean[size_t(o)] - double(acc - bias);
        out.var[k] = var[size_t(o)] + sw * window_q;
        if (golden_acc) (*golden_acc)[k] = acc;
      }
    }
  }
  return out;
}

RequantPoint requant_point(int64_t golden_acc, const Requant& rq, int data_bits, const ClipRange* clip) {
  const __int128 scaled = __int128(golden_acc) * rq.multiplier + (rq.shift > 0 ? __int128(1) << (rq.shift - 1) : 0);
  const __int128 unit = __int128(1) << rq.shift;
  // Golden value before clamping, split exactly into its integer result and the position u in [0, 1) within
  // that integer's rounding interval, so that "no disturbance" reproduces the integer datapath exactly.
  const __int128 whole = scaled >= 0 ? scaled / unit : -((-scaled + unit - 1) / unit);
  const double u = std::min(double(scaled - whole * unit) / double(unit), 1.0 - 1e-12);
  RequantPoint p;
  p.lo = rq.relu ? double(rq.zero_point) : lowest(data_bits);
  p.hi = highest(data_bits);
  // Clipping after saturation is one clamp to the narrower range (the calibrated range holds its golden values).
  if (clip) {
    p.lo = std::max(p.lo, double(clip->lo));
    p.hi = std::min(p.hi, double(clip->hi));
  }
  p.golden = std::clamp(double(whole) + rq.zero_point, p.lo, p.hi);
  p.centre = double(whole) + rq.zero_point - 0.5 + u;
  p.scale = std::ldexp(double(rq.multiplier), -rq.shift);
  return p;
}

MeanVar requantized_moments(const RequantPoint& at, double mean, double var) {
  if (mean == 0 && var == 0) return {0.0, 0.0};
  MeanVar y = rounded_clamped_normal(at.centre + at.scale * mean, at.scale * std::sqrt(var), at.lo, at.hi);
  y.mean -= at.golden;
  return y;
}

MeanVar requantized_moments(int64_t golden_acc, double mean, double var, const Requant& rq, int data_bits) {
  return requantized_moments(requant_point(golden_acc, rq, data_bits), mean, var);
}

GoldenRequant::GoldenRequant(const nn::QNetwork& net, std::vector<std::vector<int64_t>> accumulators)
    : acc(std::move(accumulators)) {
  const std::vector<size_t> ops = net.accel_ops();
  points.resize(acc.size());
  for (size_t l = 0; l < acc.size(); ++l) {
    const ConvLayer& layer = net.ops[ops[l]].layer;
    for (size_t k = 0; k < acc[l].size(); ++k)
      points[l].push_back(
          requant_point(acc[l][k], layer.requant, net.data_bits, layer.clip_of(int(k % size_t(layer.out_channels)))));
  }
}

MomentModel::MomentModel(const nn::QNetwork& net, const AccelConfig& accel)
    : net_(net), accel_(accel), sums_(net.data_bits), layer_of_op_(net.ops.size(), -1) {
  const std::vector<size_t> accel_ops = net.accel_ops();
  for (size_t l = 0; l < accel_ops.size(); ++l) layer_of_op_[accel_ops[l]] = int(l);
}

std::vector<MapMoments> MomentModel::propagate(const std::vector<FeatureMap>& golden, const FaultRates& rates,
                                               const GoldenRequant* golden_acc, bool sparse) const {
  const std::vector<double> hits = sparse ? expected_hits(net_, golden, rates) : std::vector<double>();

  const int bits = net_.data_bits;
  std::vector<MapMoments> mom(net_.values.size());
  for (size_t i = 0; i < net_.ops.size(); ++i) {
    const nn::QOp& op = net_.ops[i];
    const MapMoments& a = mom[size_t(op.inputs[0])];
    const FeatureMap& ga = golden[size_t(op.inputs[0])];
    const FeatureMap& gout = golden[size_t(op.output)];
    MapMoments out;
    const size_t n = gout.data.size();
    auto alloc = [&] {
      out.mean.assign(n, 0.0);
      out.var.assign(n, 0.0);
    };
    switch (op.type) {
      case nn::QOpType::kAccel: {
        const LayerRates& r = rates[size_t(layer_of_op_[i])];
        if (a.empty() && r.weight == 0 && r.activation == 0) break;
        std::vector<int64_t> acc;
        const int layer = layer_of_op_[i];
        auto cached = weight_cache_.find({layer, r.weight});
        if (cached == weight_cache_.end())
          cached = weight_cache_.emplace(std::pair{layer, r.weight}, weight_terms(op.layer, sums_, r.weight)).first;
        out = accumulator_moments(op.layer, ga, a, sums_, r.weight, r.activation, golden_acc ? nullptr : &acc,
                                  golden_acc ? &golden_acc->acc[size_t(layer)] : nullptr, &cached->second);
        for (size_t k = 0; k < n; ++k) {
          const RequantPoint at =
              golden_acc ? golden_acc->points[size_t(layer)][k] : requant_point(acc[k], op.layer.requant, bits,
                                      op.layer.clip_of(int(k % size_t(op.layer.out_channels))));
          const auto given = [&](double m, double v) { return requantized_moments(at, m, v); };
          const MeanVar y = sparse ? compound_moments(out.mean[k], out.var[k], hits[size_t(op.output)], given)
                                   : given(out.mean[k], out.var[k]);
          out.mean[k] = y.mean;
          out.var[k] = y.var;
        }
        break;
      }
      case nn::QOpType::kMaxPool:
      case nn::QOpType::kAvgPool: {
        if (a.empty()) break;
        alloc();
        const nn::PoolParams& p = op.pool;
        const bool is_max = op.type == nn::QOpType::kMaxPool;
        std::vector<MeanVar> window, window_dist;
        std::vector<double> window_golden;
        for (int oy = 0; oy < gout.height; ++oy)
          for (int ox = 0; ox < gout.width; ++ox)
            for (int ch = 0; ch < gout.channels; ++ch) {
              window.clear();
              window_golden.clear();
              window_dist.clear();
              double gsum = 0, msum = 0, vsum = 0;
              bool disturbed = false;
              for (int ky = 0; ky < p.kernel_h; ++ky) {
                const int iy = oy * p.stride_h + ky - p.pads[0];
                if (iy < 0 || iy >= ga.height) continue;
                for (int kx = 0; kx < p.kernel_w; ++kx) {
                  const int ix = ox * p.stride_w + kx - p.pads[1];
                  if (ix < 0 || ix >= ga.width) continue;
                  const size_t idx = (size_t(iy) * ga.width + ix) * ga.channels + ch;
                  window.push_back({ga.data[idx] + a.mean[idx], a.var[idx]});
                  window_golden.push_back(ga.data[idx]);
                  window_dist.push_back({a.mean[idx], a.var[idx]});
                  gsum += ga.data[idx];
                  msum += a.mean[idx];
                  vsum += a.var[idx];
                  disturbed = disturbed || a.mean[idx] != 0 || a.var[idx] != 0;
                }
              }
              if (!disturbed) continue;
              const size_t k = (size_t(oy) * gout.width + ox) * gout.channels + ch;
              MeanVar y;
              if (is_max && sparse) {
                y = sparse_max(window_golden, window_dist, hits[size_t(op.output)], hits[size_t(op.inputs[0])]);
              } else if (is_max) {
                y = max_of_normals(window);
              } else {
                const double cnt = p.count_include_pad ? double(p.kernel_h * p.kernel_w) : double(window.size());
                y = rounded_clamped_normal((gsum + msum) / cnt, std::sqrt(vsum) / cnt, -kInf, kInf);
              }
              out.mean[k] = y.mean - gout.data[k];
              out.var[k] = y.var;
            }
        break;
      }
      case nn::QOpType::kGlobalAvgPool: {
        if (a.empty()) break;
        alloc();
        const size_t hw = size_t(ga.height) * ga.width;
        for (int ch = 0; ch < ga.channels; ++ch) {
          double gsum = 0, msum = 0, vsum = 0;
          for (size_t pix = 0; pix < hw; ++pix) {
            const size_t idx = pix * size_t(ga.channels) + size_t(ch);
            gsum += ga.data[idx];
            msum += a.mean[idx];
            vsum += a.var[idx];
          }
          if (msum == 0 && vsum == 0) continue;
          const MeanVar y = rounded_clamped_normal((gsum + msum) / double(hw), std::sqrt(vsum) / double(hw), -kInf, kInf);
          out.mean[size_t(ch)] = y.mean - gout.data[size_t(ch)];
          out.var[size_t(ch)] = y.var;
        }
        break;
      }
      case nn::QOpType::kPad: {
        if (a.empty()) break;
        alloc();
        for (int y = 0; y < ga.height; ++y)
          for (int x = 0; x < ga.width; ++x)
            for (int ch = 0; ch < ga.channels; ++ch) {
              const size_t src = (size_t(y) * ga.width + x) * ga.channels + ch;
              const size_t dst = (size_t(y + op.pads[0]) * gout.width + size_t(x + op.pads[1])) * gout.channels + ch;
              out.mean[dst] = a.mean[src];
              out.var[dst] = a.var[src];
            }
        break;
      }
      case nn::QOpType::kRelu: {
        if (a.empty()) break;
        alloc();
        for (size_t k = 0; k < n; ++k) {
          if (a.mean[k] == 0 && a.var[k] == 0) continue;
          const auto given = [&](double m, double v) {
            MeanVar y = clamped_normal(ga.data[k] + m, std::sqrt(v), 0.0, kInf);
            y.mean -= gout.data[k];
            return y;
          };
          const MeanVar y = sparse ? compound_moments(a.mean[k], a.var[k], hits[size_t(op.inputs[0])], given)
                                   : given(a.mean[k], a.var[k]);
          out.mean[k] = y.mean;
          out.var[k] = y.var;
        }
        break;
      }
      case nn::QOpType::kAdd: {
        const MapMoments& b = mom[size_t(op.inputs[1])];
        if (a.empty() && b.empty()) break;
        alloc();
        const FeatureMap& gb = golden[size_t(op.inputs[1])];
        const double ra = std::ldexp(double(op.add.a.multiplier), -op.add.a.shift);
        const double rb = std::ldexp(double(op.add.b.multiplier), -op.add.b.shift);
        const double lo = op.add.relu ? 0.0 : lowest(bits), hi = highest(bits);
        for (size_t k = 0; k < n; ++k) {
          const double ma = a.empty() ? 0 : a.mean[k], va = a.empty() ? 0 : a.var[k];
          const double mb = b.empty() ? 0 : b.mean[k], vb = b.empty() ? 0 : b.var[k];
          if (ma == 0 && va == 0 && mb == 0 && vb == 0) continue;
          const double sum = double(nn::rescale(ga.data[k], op.add.a) + nn::rescale(gb.data[k], op.add.b));
          const auto given = [&](double m, double v) {
            MeanVar y = rounded_clamped_normal(sum + m, std::sqrt(v), lo, hi);
            y.mean -= gout.data[k];
            return y;
          };
          // Its ReLU and saturation see the few flips that reach them as jumps, as a layer's requantizer does.
          const double m = ra * ma + rb * mb, v = ra * ra * va + rb * rb * vb;
          const MeanVar y = sparse ? compound_moments(m, v, hits[size_t(op.output)], given) : given(m, v);
          out.mean[k] = y.mean;
          out.var[k] = y.var;
        }
        break;
      }
      case nn::QOpType::kFlatten:
        out = a;
        break;
    }
    if (all_zero(out)) out = MapMoments();
    mom[size_t(op.output)] = std::move(out);
  }
  return mom;
}

MapMoments MomentModel::logit_moments(const std::vector<FeatureMap>& golden, const FaultRates& rates,
                                      const GoldenRequant* golden_acc, bool sparse) const {
  std::vector<MapMoments> all = propagate(golden, rates, golden_acc, sparse);
  MapMoments logits = std::move(all[size_t(net_.output_value)]);
  if (logits.empty()) {
    const size_t n = golden[size_t(net_.output_value)].data.size();
    logits.mean.assign(n, 0.0);
    logits.var.assign(n, 0.0);
  }
  return logits;
}

}  // namespace flipsim::model
