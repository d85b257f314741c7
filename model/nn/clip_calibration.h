// Calibrated bounds for activation clipping (a protectable accelerator's PPU clamps each output channel to them;
// after Ranger and FT-ClipAct): the range of every channel over fault-free runs on calibration images, so that a
// fault-free activation is almost never clipped while a corrupted one is cut back to what the channel can hold.
#pragma once

#include <cstddef>

#include "model/accel/accel_config.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"

namespace flipsim::nn {

/// Runs the network (golden arithmetic of `accel`) on the first `count` images and sets ConvLayer::clip of every
/// accelerator layer but the last (whose outputs are the logits, ranked, not passed on) to each output channel's
/// smallest and largest requantized value. Throws ConfigError when `count` is 0 or exceeds the set.
void calibrate_clip_ranges(QNetwork& net, const AccelConfig& accel, const ImageSet& images, size_t count);

}  // namespace flipsim::nn
