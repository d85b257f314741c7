#include "model/soft_error/adjoint.h"

#include <algorithm>
#include <cmath>

#include "model/nn/host_ops.h"

namespace flipsim::model {
namespace {

// Derivative of clamp(v) at golden value v on [lo, hi]: 1 inside, 1/2 on a bound, 0 beyond.
double clamp_gate(double v, double lo, double hi) {
  if (v > lo && v < hi) return 1.0;
  if (v == lo || v == hi) return 0.5;
  return 0.0;
}

// y[0..d) += a * x[0..d): the inner loop of every sensitivity pass. The logits of the shipped networks are ten,
// and a compile-time length lets the compiler unroll and vectorize it.
inline void axpy(Eigen::Index d, double a, const double* x, double* y) {
  if (d == 10) {
    for (int u = 0; u < 10; ++u) y[u] += a * x[u];
  } else {
    for (Eigen::Index u = 0; u < d; ++u) y[u] += a * x[u];
  }
}

}  // namespace

std::vector<std::vector<int64_t>> golden_accumulators(const nn::QNetwork& net, const std::vector<FeatureMap>& golden) {
  std::vector<std::vector<int64_t>> accs;
  for (size_t i : net.accel_ops()) {
    const nn::QOp& op = net.ops[i];
    const ConvLayer& l = op.layer;
    const FeatureMap& in = golden[size_t(op.inputs[0])];
    const int oh = l.out_height(in.height), ow = l.out_width(in.width), c = l.in_channels;
    std::vector<int64_t> acc(size_t(oh) * ow * l.out_channels);
    size_t k = 0;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const int ix0 = ox * l.stride - l.pad;
        const int kx_lo = std::max(0, -ix0), kx_hi = std::min(l.kernel_w, in.width - ix0);
        const int run = std::max(0, kx_hi - kx_lo) * c;
        for (int o = 0; o < l.out_channels; ++o, ++k) {
          int64_t a = l.bias.empty() ? 0 : l.bias[size_t(o)];
          for (int ky = 0; ky < l.kernel_h && run > 0; ++ky) {
            const int iy = oy * l.stride - l.pad + ky;
            if (iy < 0 || iy >= in.height) continue;
            const int32_t* xs = &in.data[(size_t(iy) * in.width + size_t(ix0 + kx_lo)) * size_t(c)];
            const int32_t* ws = &l.weights[((size_t(o) * l.kernel_h + ky) * l.kernel_w + size_t(kx_lo)) * size_t(c)];
            for (int t = 0; t < run; ++t) a += int64_t(xs[t]) * ws[t];
          }
          acc[k] = a;
        }
      }
    accs.push_back(std::move(acc));
  }
  return accs;
}

double requant_gate(int64_t acc, const Requant& rq, int data_bits, const ClipRange* clip) {
  const __int128 scaled = __int128(acc) * rq.multiplier + (rq.shift > 0 ? __int128(1) << (rq.shift - 1) : 0);
  const __int128 unit = __int128(1) << rq.shift;
  const __int128 whole = scaled >= 0 ? scaled / unit : -((-scaled + unit - 1) / unit);
  double lo = rq.relu ? double(rq.zero_point) : -std::ldexp(1.0, data_bits - 1);
  double hi = std::ldexp(1.0, data_bits - 1) - 1;
  if (clip) {
    lo = std::max(lo, double(clip->lo));
    hi = std::min(hi, double(clip->hi));
  }
  return std::ldexp(double(rq.multiplier), -rq.shift) * clamp_gate(double(whole) + rq.zero_point, lo, hi);
}

Sensitivity conv_input_sensitivity(const ConvLayer& l, int in_h, int in_w, const Sensitivity& acc_sens) {
  const int oh = l.out_height(in_h), ow = l.out_width(in_w), oc = l.out_channels, c = l.in_channels;
  const Eigen::Index d = acc_sens.cols();
  Sensitivity g = Sensitivity::Zero(Eigen::Index(in_h) * in_w * c, d);
  if (oh == 1 && ow == 1 && l.kernel_h == in_h && l.kernel_w == in_w && l.pad == 0) {
    // A fully-connected layer: G = W^T S as one matrix product.
    const Eigen::Map<const Eigen::Matrix<int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> w(
        l.weights.data(), oc, Eigen::Index(in_h) * in_w * c);
    g.noalias() = w.cast<double>().transpose() * acc_sens;
    return g;
  }
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox) {
      const int ix0 = ox * l.stride - l.pad;
      const int kx_lo = std::max(0, -ix0), kx_hi = std::min(l.kernel_w, in_w - ix0);
      const int run = std::max(0, kx_hi - kx_lo) * c;
      for (int o = 0; o < oc; ++o) {
        const double* a = acc_sens.data() + ((Eigen::Index(oy) * ow + ox) * oc + o) * d;
        bool zero = true;
        for (Eigen::Index t = 0; t < d && zero; ++t) zero = a[t] == 0;
        if (zero) continue;
        for (int ky = 0; ky < l.kernel_h && run > 0; ++ky) {
          const int iy = oy * l.stride - l.pad + ky;
          if (iy < 0 || iy >= in_h) continue;
          double* gx = g.data() + ((Eigen::Index(iy) * in_w + (ix0 + kx_lo)) * c) * d;
          const int32_t* ws = &l.weights[((size_t(o) * l.kernel_h + ky) * l.kernel_w + size_t(kx_lo)) * size_t(c)];
          for (int t = 0; t < run; ++t, gx += d)
            if (ws[t] != 0) axpy(d, double(ws[t]), a, gx);
        }
      }
    }
  return g;
}

Sensitivity conv_weight_sensitivity(const ConvLayer& l, const FeatureMap& in, const Sensitivity& acc_sens) {
  const int oh = l.out_height(in.height), ow = l.out_width(in.width), oc = l.out_channels, c = l.in_channels;
  const Eigen::Index d = acc_sens.cols();
  Sensitivity h = Sensitivity::Zero(Eigen::Index(l.weights.size()), d);
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox) {
      const int ix0 = ox * l.stride - l.pad;
      const int kx_lo = std::max(0, -ix0), kx_hi = std::min(l.kernel_w, in.width - ix0);
      const int run = std::max(0, kx_hi - kx_lo) * c;
      for (int o = 0; o < oc; ++o) {
        const double* a = acc_sens.data() + ((Eigen::Index(oy) * ow + ox) * oc + o) * d;
        bool zero = true;
        for (Eigen::Index t = 0; t < d && zero; ++t) zero = a[t] == 0;
        if (zero) continue;
        for (int ky = 0; ky < l.kernel_h && run > 0; ++ky) {
          const int iy = oy * l.stride - l.pad + ky;
          if (iy < 0 || iy >= in.height) continue;
          const int32_t* xs = &in.data[(size_t(iy) * in.width + size_t(ix0 + kx_lo)) * size_t(c)];
          double* hw = h.data() + (((Eigen::Index(o) * l.kernel_h + ky) * l.kernel_w + kx_lo) * c) * d;
          for (int t = 0; t < run; ++t, hw += d)
            if (xs[t] != 0) axpy(d, double(xs[t]), a, hw);
        }
      }
    }
  return h;
}

std::vector<Sensitivity> output_sensitivities(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                              const std::vector<std::vector<int64_t>>& golden_acc) {
  const Eigen::Index d = Eigen::Index(golden[size_t(net.output_value)].data.size());
  std::vector<Sensitivity> sens(net.values.size());
  auto at = [&](int v) -> Sensitivity& {
    Sensitivity& s = sens[size_t(v)];
    if (s.size() == 0) s = Sensitivity::Zero(Eigen::Index(golden[size_t(v)].data.size()), d);
    return s;
  };
  at(net.output_value) = Sensitivity::Identity(d, d);
  const std::vector<size_t> accel = net.accel_ops();
  std::vector<Sensitivity> out(accel.size());
  int layer = int(accel.size());
  for (size_t i = net.ops.size(); i-- > 0;) {
    const nn::QOp& op = net.ops[i];
    const FeatureMap& gin = golden[size_t(op.inputs[0])];
    const FeatureMap& gout = golden[size_t(op.output)];
    if (op.type == nn::QOpType::kAccel) --layer;
    if (sens[size_t(op.output)].size() == 0) {
      if (op.type == nn::QOpType::kAccel) out[size_t(layer)] = Sensitivity::Zero(Eigen::Index(gout.data.size()), d);
      continue;  // nothing downstream reads it
    }
    const Sensitivity& so = sens[size_t(op.output)];
    switch (op.type) {
      case nn::QOpType::kAccel: {
        out[size_t(layer)] = so;
        if (op.inputs[0] == net.input_value) break;  // nothing reads the sensitivity of the image itself
        Sensitivity acc = so;
        const std::vector<int64_t>& a = golden_acc[size_t(layer)];
        for (Eigen::Index k = 0; k < acc.rows(); ++k)
          acc.row(k) *= requant_gate(a[size_t(k)], op.layer.requant, net.data_bits,
                                     op.layer.clip_of(int(k % op.layer.out_channels)));
        at(op.inputs[0]) += conv_input_sensitivity(op.layer, gin.height, gin.width, acc);
        break;
      }
      case nn::QOpType::kMaxPool:
      case nn::QOpType::kAvgPool: {
        Sensitivity& si = at(op.inputs[0]);
        const nn::PoolParams& p = op.pool;
        std::vector<Eigen::Index> window;
        for (int oy = 0; oy < gout.height; ++oy)
          for (int ox = 0; ox < gout.width; ++ox)
            for (int ch = 0; ch < gout.channels; ++ch) {
              const Eigen::Index k = (Eigen::Index(oy) * gout.width + ox) * gout.channels + ch;
              window.clear();
              for (int ky = 0; ky < p.kernel_h; ++ky) {
                const int iy = oy * p.stride_h + ky - p.pads[0];
                if (iy < 0 || iy >= gin.height) continue;
                for (int kx = 0; kx < p.kernel_w; ++kx) {
                  const int ix = ox * p.stride_w + kx - p.pads[1];
                  if (ix < 0 || ix >= gin.width) continue;
                  const Eigen::Index idx = (Eigen::Index(iy) * gin.width + ix) * gin.channels + ch;
                  // Max pooling passes only the maximum; tied maxima share it.
                  if (op.type == nn::QOpType::kAvgPool || gin.data[size_t(idx)] == gout.data[size_t(k)])
                    window.push_back(idx);
                }
              }
              double share = 1.0 / double(window.size());
              if (op.type == nn::QOpType::kAvgPool)
                share = 1.0 / (p.count_include_pad ? double(p.kernel_h * p.kernel_w) : double(window.size()));
              for (Eigen::Index idx : window) si.row(idx) += share * so.row(k);
            }
        break;
      }
      case nn::QOpType::kGlobalAvgPool: {
        Sensitivity& si = at(op.inputs[0]);
        const Eigen::Index hw = Eigen::Index(gin.height) * gin.width, c = gin.channels;
        for (Eigen::Index pix = 0; pix < hw; ++pix)
          for (Eigen::Index ch = 0; ch < c; ++ch) si.row(pix * c + ch) += so.row(ch) / double(hw);
        break;
      }
      case nn::QOpType::kPad: {
        Sensitivity& si = at(op.inputs[0]);
        for (int y = 0; y < gin.height; ++y)
          for (int x = 0; x < gin.width; ++x)
            for (int ch = 0; ch < gin.channels; ++ch)
              si.row((Eigen::Index(y) * gin.width + x) * gin.channels + ch) +=
                  so.row((Eigen::Index(y + op.pads[0]) * gout.width + (x + op.pads[1])) * gout.channels + ch);
        break;
      }
      case nn::QOpType::kRelu: {
        Sensitivity& si = at(op.inputs[0]);
        for (Eigen::Index k = 0; k < so.rows(); ++k)
          si.row(k) += clamp_gate(gin.data[size_t(k)], 0.0, HUGE_VAL) * so.row(k);
        break;
      }
      case nn::QOpType::kAdd: {
        const FeatureMap& gb = golden[size_t(op.inputs[1])];
        const double ra = std::ldexp(double(op.add.a.multiplier), -op.add.a.shift);
        const double rb = std::ldexp(double(op.add.b.multiplier), -op.add.b.shift);
        const double lo = op.add.relu ? 0.0 : -std::ldexp(1.0, net.data_bits - 1);
        const double hi = std::ldexp(1.0, net.data_bits - 1) - 1;
        Sensitivity ga = Sensitivity::Zero(so.rows(), d), gbs = Sensitivity::Zero(so.rows(), d);
        for (Eigen::Index k = 0; k < so.rows(); ++k) {
          const double sum = double(nn::rescale(gin.data[size_t(k)], op.add.a) + nn::rescale(gb.data[size_t(k)], op.add.b));
          const double gate = clamp_gate(sum, lo, hi);
          ga.row(k) = gate * ra * so.row(k);
          gbs.row(k) = gate * rb * so.row(k);
        }
        at(op.inputs[0]) += ga;
        at(op.inputs[1]) += gbs;
        break;
      }
      case nn::QOpType::kFlatten:
        at(op.inputs[0]) += so;
        break;
    }
  }
  return out;
}

}  // namespace flipsim::model
