#include "testbench/layer_driver.h"

#include "model/accel/requant.h"
#include "rtl/fs_pkg.h"

namespace flipsim {

void write_buffer(HostPort& port, Region region, const std::vector<BufferWord>& words, int lane_bits) {
  const int per_beat = 64 / lane_bits;
  const uint64_t mask = (uint64_t(1) << lane_bits) - 1;
  for (size_t a = 0; a < words.size(); ++a) {
    const BufferWord& w = words[a];
    for (size_t lane = 0; lane < w.size(); lane += per_beat) {
      uint64_t beat = 0;
      for (int slot = 0; slot < per_beat && lane + slot < w.size(); ++slot)
        beat |= (uint64_t(w[lane + slot]) & mask) << (slot * lane_bits);
      port.write(host_address(region, uint32_t(a), uint32_t(lane)), beat);
    }
  }
}

std::vector<BufferWord> read_buffer(HostPort& port, Region region, size_t count, int lanes, int lane_bits) {
  const int per_beat = 64 / lane_bits;
  const uint64_t mask = (uint64_t(1) << lane_bits) - 1;
  std::vector<BufferWord> words(count, BufferWord(lanes, 0));
  for (size_t a = 0; a < count; ++a)
    for (int lane = 0; lane < lanes; lane += per_beat) {
      const uint64_t beat = port.read(host_address(region, uint32_t(a), uint32_t(lane)));
      for (int slot = 0; slot < per_beat && lane + slot < lanes; ++slot)
        words[a][lane + slot] = wrap_to_bits(int64_t((beat >> (slot * lane_bits)) & mask), lane_bits);
    }
  return words;
}

namespace {

PassResult run_pass_once(HostPort& port, const FeatureMap& input, const ConvLayer& layer, const LayerPlan& plan,
                         const LayerPass& pass, const AccelConfig& config, const PassHook& hook) {
  PassResult result;
  if (hook) hook(PassStage::kBegin, port);
  write_buffer(port, Region::kAbuf, abuf_image(input, plan, pass, config), config.data_bits);
  write_buffer(port, Region::kWbuf, wbuf_image(layer, plan, pass, config), config.data_bits);
  write_buffer(port, Region::kBbuf, bbuf_image(layer, pass, config), config.acc_bits);
  for (int f = 0; f < kNumDescFields; ++f) port.write(host_address(Region::kRegs, kRegDescBase + f), pass.desc[f]);
  if (hook) hook(PassStage::kLoaded, port);
  port.write(host_address(Region::kRegs, kRegCtrl), kCtrlStart);
  if (hook) hook(PassStage::kStarted, port);
  if (!port.wait_idle(config.watchdog_cycles)) {
    result.hung = true;
    return result;
  }
  return collect_pass(port, pass, config);
}

}  // namespace

PassResult run_pass(HostPort& port, const FeatureMap& input, const ConvLayer& layer, const LayerPlan& plan,
                    const LayerPass& pass, const AccelConfig& config, const PassHook& hook) {
  PassResult result = run_pass_once(port, input, layer, plan, pass, config, hook);
  while (!result.hung && result.detected && config.protection.on_detect == OnDetect::kRecompute &&
         result.recomputes < config.protection.max_retries) {
    const int recomputes = result.recomputes + 1;
    const bool corrected = result.corrected;
    result = run_pass_once(port, input, layer, plan, pass, config, {});
    result.recomputes = recomputes;
    result.corrected = result.corrected || corrected;
  }
  return result;
}

PassResult collect_pass(HostPort& port, const LayerPass& pass, const AccelConfig& config) {
  PassResult result;
  // Idle without done (a corrupted controller returned to idle early) looks like a hang to the host: the
  // done it waits for never comes.
  if ((port.read(host_address(Region::kRegs, kRegStatus)) & kStatusDone) == 0) {
    result.hung = true;
    return result;
  }
  result.cycles = port.read(host_address(Region::kRegs, kRegLayerCycles));
  result.obuf = read_buffer(port, Region::kObuf, size_t(pass.m_count) * pass.n_tiles, config.cols, config.data_bits);
  // After the read-back, which decodes the output buffer too. Unprotectable builds skip the read, so their runs
  // keep the cycle count they always had.
  if (config.protectable) {
    const uint64_t status = port.read(host_address(Region::kRegs, kRegStatus));
    result.detected = (status & kStatusDetected) != 0;
    result.corrected = (status & kStatusCorrected) != 0;
  }
  return result;
}

uint64_t protection_register(const Protection& p) {
  using T = fs_pkg::prot_t;
  auto put = [](uint64_t& word, fs_pkg::BitField f, uint64_t value) { word |= value << f.lsb; };
  static_assert(int(Code::kNone) == fs_pkg::CodeNone && int(Code::kParity) == fs_pkg::CodeParity &&
                    int(Code::kSecded) == fs_pkg::CodeSecded && int(Redundancy::kNone) == fs_pkg::RedundNone &&
                    int(Redundancy::kDmr) == fs_pkg::RedundDmr && int(Redundancy::kTmr) == fs_pkg::RedundTmr &&
                    int(Redundancy::kDmrUpper) == fs_pkg::RedundDmrUpper &&
                    int(Redundancy::kTmrUpper) == fs_pkg::RedundTmrUpper,
                "Code and Redundancy must carry fs_pkg's code_e and redund_e values");
  const fs_pkg::BitField buffers[kProtectedBuffers] = {T::abuf, T::wbuf, T::bbuf, T::accbuf, T::obuf};
  const fs_pkg::BitField registers[kNumRegisterClasses] = {T::pe_weight, T::pe_act, T::pe_psum, T::pe_valid,
                                                           T::ctrl,      T::host};
  uint64_t word = 0;
  for (int b = 0; b < kProtectedBuffers; ++b) put(word, buffers[b], uint64_t(p.buffer[size_t(b)]));
  for (int r = 0; r < kNumRegisterClasses; ++r) put(word, registers[r], uint64_t(p.registers[size_t(r)]));
  put(word, T::zero_on_detect, p.on_detect == OnDetect::kZero ? 1 : 0);
  return word;
}

void write_protection(HostPort& port, const AccelConfig& config) {
  if (config.protectable) port.write(host_address(Region::kRegs, kRegProt), protection_register(config.protection));
}

}  // namespace flipsim
