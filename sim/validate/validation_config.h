// configs/validate/*.yaml: one study that sets the model's prediction beside the RTL's measurement.
//
//   validate:
//     name: lenet5_wbuf_ber
//     network: ../infer/lenet5.yaml        # network + accelerator + dataset (an inference config)
//     buffer: wbuf                         # abuf | wbuf | bbuf | accbuf | obuf
//     ber: {from: 1.0e-7, to: 1.0e-3, points: 7}   # per-bit rate, every stored bit of the buffer, every pass
//     images: 1000                         # test images first_image .. first_image + images - 1
//     first_image: 5000                    # 5000..9999: images no model constant was chosen on
//     injections: 3                        # RTL injections per image and rate (each on a random image of the range)
//     crosscheck: 4                        # per rate, injections of the same plan also run on the full RTL
//     seed: 1
//
// Or, instead of `buffer` and the rates, single-bit upsets at uniformly random busy cycles, one point per class:
//
//     classes: [pe_psum, ctrl, accbuf]     # flip-flop classes and buffers (testbench/site_map.h names)
//     fault: {model: stuck_at_1, duration: 64}   # optional: flip (the default), multi_bit (bits: n), or a
//                                          # stuck-at of flip-flops for `duration` cycles (0: the whole inference)
//     injections: 10                       # per image and class
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/accel/arch_model.h"
#include "model/nn/infer_config.h"
#include "testbench/fault.h"
#include "testbench/site_map.h"

namespace flipsim {

struct ValidationConfig {
  std::string file;
  std::string name;
  std::string network_path;  ///< absolute path of the inference config
  nn::InferConfig network;
  Buffer buffer = Buffer::kWbuf;
  std::vector<double> bers;  ///< ascending
  std::vector<SiteClass> classes;  ///< single-upset study: one point per class (then no buffer nor rates)
  FaultModel fault = FaultModel::kFlip;  ///< single-upset study: flip, multi_bit, stuck_at_0 or stuck_at_1
  int fault_bits = 2;                    ///< multi_bit
  uint64_t duration = 0;                 ///< stuck-at: cycles (0: the whole inference)
  int images = 100;
  int first_image = 0;
  int injections = 1;      ///< per image and rate (or class)
  uint64_t crosscheck = 0;  ///< per rate
  uint64_t seed = 1;
  bool upsets() const { return !classes.empty(); }
};

/// Loads and validates a study; every error is a ConfigError naming the file, line and key.
ValidationConfig load_validation_config(const std::string& path);

/// Whether `path` is a YAML file whose top level is a `validate:` study (false for anything else, including a file
/// that does not parse: the caller's own loader reports that).
bool is_validation_config(const std::string& path);

}  // namespace flipsim
