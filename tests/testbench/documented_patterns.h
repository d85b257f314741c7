// Every site pattern the README, docs/campaigns.md and `flipsim sites --help` show, with the number of bits it
// must select on an accelerator, worked out from the accelerator's geometry (rows, columns, widths, depths),
// never from the tool's own output. Tests also scan those documents, so a newly documented pattern without
// an entry here fails.
#pragma once

#include <cstdint>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "model/accel/accel_config.h"

namespace flipsim::test {

struct DocumentedPattern {
  std::string pattern;
  uint64_t bits;
};

inline std::vector<DocumentedPattern> documented_patterns(const AccelConfig& a) {
  const uint64_t rows = uint64_t(a.rows), cols = uint64_t(a.cols), data = uint64_t(a.data_bits),
                 acc = uint64_t(a.acc_bits);
  const uint64_t pe_bits = data /*weight*/ + data /*act*/ + acc /*psum*/ + 1 /*valid*/;
  const uint64_t wbuf_word = cols * data;  // wbuf words hold one data lane per column
  return {
      {"array.pe[0][*].*", cols * pe_bits},
      {"array.pe[0][*].psum_q", cols * acc},
      {"array.pe[*][0].*", rows * pe_bits},
      {"array.pe[0:3][*].weight_q[7]", 4 * cols},
      {"array.pe[3:0][*].weight_q[7]", 4 * cols},
      {"array.pe[*][*].valid_q", rows * cols},
      {"*.psum_q", rows * cols * acc},
      {"ctrl.bias_q", cols * acc},
      {"ctrl.bias_q[3]", acc},
      {"ctrl.bias_q[3][31]", 1},
      {"wbuf", uint64_t(a.wbuf_depth) * wbuf_word},
      {"wbuf[*]", uint64_t(a.wbuf_depth) * wbuf_word},
      {"wbuf[0x1a0:0x1af]", 16 * wbuf_word},
      {"wbuf[416:431]", 16 * wbuf_word},
      {"wbuf[0x1a2][6]", 1},
      {"wbuf[*][8:15]", uint64_t(a.wbuf_depth) * data},
  };
}

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(FLIPSIM_SOURCE_DIR) + "/" + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every match of `re`'s first group in `text`.
inline std::vector<std::string> captures(const std::string& text, const std::string& re) {
  std::vector<std::string> out;
  const std::regex r(re);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), r); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

}  // namespace flipsim::test
