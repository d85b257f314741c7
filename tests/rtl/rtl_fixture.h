// Shared set-up of the RTL tests: the accelerator under test and the one RTL engine of the process.
#pragma once

#include <memory>

#include "model/accel/accel_config.h"
#include "sim/rtl_engine.h"

namespace flipsim {

inline AccelConfig test_accel() { return load_accel_config(FLIPSIM_TEST_ACCEL); }

}  // namespace flipsim
