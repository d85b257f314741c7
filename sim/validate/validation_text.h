// The terminal table of a validation: per point the measured accuracy with its interval (when campaigns ran), the
// prediction and the error, the cross-check, and the buffer residency per layer.
#pragma once

#include "sim/validate/validation.h"

namespace flipsim {

void print_validation(const ValidationResult& r);

}  // namespace flipsim
