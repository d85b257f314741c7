// The one exception type for bad user input (configs, models, datasets, databases).
#pragma once

#include <stdexcept>
#include <string>

namespace flipsim {

/// Bad input: the message names the file, the key or field, and what was expected.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace flipsim
