// The model's prediction of a protection option's critical-SDC rate under an SRAM bit-error rate: the data-level
// model for the target buffers the option leaves uncoded (on the network clipped as the PPU clips, when the
// option clips), and for the coded ones the exact outcome of one read of a lane (model/accel/buffer_code.h:
// corrected, detected, or silently wrong) raised to the lane reads of an inference (the words its passes read,
// partial-sum words included: they are read before their first write). A silently wrong lane's bits are as
// critical as the unprotected baseline's flips were, per flip read (its measured rate over the flips its inferences
// read). Under `on_detect: zero`, the values a detection zeroes run through the software fault simulation
// (model/soft_error/zeroed_values.h). Options the model cannot carry say why instead.
#pragma once

#include <string>

#include "sim/campaign/campaign_config.h"

namespace flipsim {

struct BerPrediction {
  double critical = -1;         ///< predicted critical-SDC rate; < 0: not predicted
  double flagged = 0;           ///< predicted probability that some coded lane read flags the inference
  double silent_critical = 0;   ///< the coded lanes' silently wrong reads' part of `critical`
  double uncoded_critical = 0;  ///< the data-level model's critical-SDC rate for the uncoded buffers alone
  double zeroed_critical = 0;   ///< on_detect zero: P(top-1 changes) from the values read as zero
  std::string note;             ///< how it was predicted, or why not
};

/// `campaign`: an option's campaign (fault model sram_ber); `baseline_critical`: the measured critical-SDC rate of
/// the same campaign without protection (< 0: none; every silently wrong bit then counts critical, a bound).
/// Throws only for an unreadable network.
BerPrediction predict_ber_option(const CampaignConfig& campaign, double baseline_critical, int threads);

}  // namespace flipsim
