// libFuzzer target: any byte string given to the ONNX importer either imports or is a ConfigError.
// Any other exception, a crash or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/common/config_error.h"
#include "model/nn/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    flipsim::nn::import_onnx_buffer(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.onnx");
  } catch (const flipsim::ConfigError&) {
  }
  return 0;
}
