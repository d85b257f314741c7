#include "model/accel/arch_model.h"

#include <algorithm>

#include "model/accel/requant.h"

namespace flipsim {

const char* buffer_name(Buffer b) {
  static constexpr const char* kNames[kNumBuffers] = {"abuf", "wbuf", "bbuf", "accbuf", "obuf"};
  return kNames[int(b)];
}

size_t loaded_words(const PassWords& words, Buffer b) {
  switch (b) {
    case Buffer::kAbuf: return words.abuf;
    case Buffer::kWbuf: return words.wbuf;
    case Buffer::kBbuf: return words.bbuf;
    default: return 0;
  }
}

ArchModel::ArchModel(const AccelConfig& config) : config_(config) {
  buffers_[int(Buffer::kAbuf)].assign(config.abuf_depth, BufferWord(config.rows, 0));
  buffers_[int(Buffer::kWbuf)].assign(config.wbuf_depth, BufferWord(config.cols, 0));
  buffers_[int(Buffer::kBbuf)].assign(config.bbuf_depth, BufferWord(config.cols, 0));
  buffers_[int(Buffer::kAccbuf)].assign(config.accbuf_depth, BufferWord(config.cols, 0));
  buffers_[int(Buffer::kObuf)].assign(config.obuf_depth, BufferWord(config.cols, 0));
}

void ArchModel::clear() {
  for (std::vector<BufferWord>& buffer : buffers_)
    for (BufferWord& word : buffer) std::fill(word.begin(), word.end(), 0);
  on_read_ = {};
}

int ArchModel::lane_bits(Buffer b) const {
  return (b == Buffer::kBbuf || b == Buffer::kAccbuf) ? config_.acc_bits : config_.data_bits;
}

void ArchModel::load(Buffer b, const std::vector<BufferWord>& image) {
  auto& mem = buffer(b);
  for (size_t a = 0; a < image.size() && a < mem.size(); ++a)
    for (size_t lane = 0; lane < mem[a].size() && lane < image[a].size(); ++lane)
      mem[a][lane] = wrap_to_bits(image[a][lane], lane_bits(b));
}

void ArchModel::execute(const Descriptor& d, const std::function<void(const TileEnd&)>& on_tile_end,
                        const RequantObserver& on_requantize) {
  const int rows = config_.rows, cols = config_.cols;
  const int acc_bits = config_.acc_bits, data_bits = config_.data_bits;
  const int in_h = int(d[kDescInH]), in_w = int(d[kDescInW]), cbs = int(d[kDescInCb]);
  const int kh = int(d[kDescKernelH]), kw = int(d[kDescKernelW]);
  const int stride = int(d[kDescStride]), pad = int(d[kDescPad]), out_w = int(d[kDescOutW]);
  const int m_count = int(d[kDescMCount]), n_tiles = int(d[kDescNTiles]);
  const int k_tiles = kh * kw * cbs;
  Requant rq;
  rq.multiplier = int32_t(d[kDescRqMult] & 0x7fffffffu);
  rq.shift = int(d[kDescRqShift] & 63u);
  rq.zero_point = int32_t(d[kDescRqZero]);
  rq.relu = (d[kDescRelu] >> fs_pkg::DescReluClampBit) & 1u;
  const bool clip = config_.protectable && ((d[kDescRelu] >> fs_pkg::DescReluClipBit) & 1u);

  auto& obuf = buffer(Buffer::kObuf);
  // The RTL truncates addresses to the buffer's address width; depths are powers of two.
  auto read = [&](Buffer b, int64_t at) -> BufferWord& {
    std::vector<BufferWord>& mem = buffer(b);
    const size_t addr = size_t(at) & (mem.size() - 1);
    if (on_read_) on_read_(b, addr);
    return mem[addr];
  };

  std::vector<int64_t> weights(size_t(rows) * cols), psum(cols), act(rows), sums(cols);
  std::vector<ClipRange> clip_ranges(static_cast<size_t>(cols));
  for (int nt = 0; nt < n_tiles; ++nt) {
    const BufferWord bias = read(Buffer::kBbuf, int64_t(d[kDescBbufBase]) + nt);
    if (clip) {
      const BufferWord& word = read(Buffer::kBbuf, int64_t(d[kDescBbufBase]) + n_tiles + nt);
      for (int c = 0; c < cols; ++c) clip_ranges[size_t(c)] = clip_range_of_lane(word[c], data_bits);
    }
    int kt = 0;
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx)
        for (int cb = 0; cb < cbs; ++cb, ++kt) {
          for (int r = 0; r < rows; ++r) {
            const BufferWord& w =
                read(Buffer::kWbuf, int64_t(d[kDescWbufBase]) + (int64_t(nt) * k_tiles + kt) * rows + r);
            for (int c = 0; c < cols; ++c) weights[size_t(r) * cols + c] = w[c];
          }
          int oy = int(d[kDescOyStart]), ox = int(d[kDescOxStart]);
          for (int m = 0; m < m_count; ++m) {
            const int iy = oy * stride + ky - pad, ix = ox * stride + kx - pad;
            if (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w) {
              const BufferWord& a = read(Buffer::kAbuf, int64_t(d[kDescAbufBase]) + (int64_t(iy) * in_w + ix) * cbs + cb);
              for (int r = 0; r < rows; ++r) act[r] = a[r];
            } else {
              std::fill(act.begin(), act.end(), 0);
            }
            for (int c = 0; c < cols; ++c) {
              int64_t s = 0;
              for (int r = 0; r < rows; ++r) s += act[r] * weights[size_t(r) * cols + c];
              psum[c] = s;
            }
            BufferWord& acc = read(Buffer::kAccbuf, m);
            const bool first = kt == 0, last = kt == k_tiles - 1;
            if (last) {
              const int64_t addr = (int64_t(d[kDescObufBase]) + int64_t(m) * n_tiles + nt) & int64_t(obuf.size() - 1);
              BufferWord& out = obuf[size_t(addr)];
              for (int c = 0; c < cols; ++c) {
                sums[c] = wrap_to_bits((first ? bias[c] : acc[c]) + psum[c], acc_bits);
                out[c] = requantize(sums[c], rq, data_bits);
                if (clip) out[c] = clip_ranges[size_t(c)].apply(int32_t(out[c]));
              }
              if (on_requantize) on_requantize(uint32_t(addr), sums);
            } else {
              for (int c = 0; c < cols; ++c) acc[c] = wrap_to_bits((first ? bias[c] : acc[c]) + psum[c], acc_bits);
            }
            if (++ox == out_w) {
              ox = 0;
              ++oy;
            }
          }
          if (on_tile_end) on_tile_end(TileEnd{nt, kt});
        }
  }
}

FeatureMap ArchEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const AccelConfig& config = model_.config();
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config);
  FeatureMap output(plan.out_h, plan.out_w, layer.out_channels);
  for (const LayerPass& pass : plan.passes) {
    model_.load(Buffer::kAbuf, abuf_image(input, plan, pass, config));
    model_.load(Buffer::kWbuf, wbuf_image(layer, plan, pass, config));
    model_.load(Buffer::kBbuf, bbuf_image(layer, pass, config));
    model_.execute(pass.desc);
    const auto& obuf = model_.buffer(Buffer::kObuf);
    scatter_obuf(std::vector<BufferWord>(obuf.begin(), obuf.begin() + size_t(pass.m_count) * pass.n_tiles), plan,
                 pass, config, output);
  }
  if (run) {
    run->cycles = 0;
    run->macs = layer.macs(input.height, input.width);
  }
  return output;
}

}  // namespace flipsim
