// What a campaign's parent pays per result row (BENCHMARKS.md, "Hybrid campaign engine"): reading a worker's
// line back into a record, and storing records through ResultStore::insert in the parent's batches.
// Usage: bench_result_store [ROWS]; prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "sim/campaign/result_store.h"

int main(int argc, char** argv) {
  using namespace flipsim;
  const size_t rows = argc > 1 ? size_t(std::stoul(argv[1])) : 20000;
  const std::string db = std::filesystem::temp_directory_path() / "flipsim_bench_result_store.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  // Rows reach the parent in the workers' order, image by image, which is not the order of their ids.
  std::vector<uint64_t> ids(rows);
  for (uint64_t id = 0; id < rows; ++id) ids[id] = id;
  std::shuffle(ids.begin(), ids.end(), std::mt19937_64(1));
  std::vector<std::string> lines;
  for (uint64_t id : ids) {
    InjectionRecord r;
    r.id = id;
    r.image = int(id % 8);
    r.fault_model = "flip";
    r.site = "abuf.word[" + std::to_string(id % 4096) + "].bit[5]";
    r.site_class = "abuf";
    r.layer = "conv1";
    r.first_diff = id % 3 ? "" : "fc3";
    r.outcome = id % 3 ? Outcome::kMasked : Outcome::kSdc;
    r.masked_at = id % 3 ? MaskingStage::kArray : MaskingStage::kNone;
    r.max_logit_dev = 0.25 * double(id);
    r.cycle = 1234 * id;
    lines.push_back(to_line(r));
  }
  ResultStore store(db);
  auto t = std::chrono::steady_clock::now();
  const auto lap = [&] {
    const auto now = std::chrono::steady_clock::now();
    const double us = std::chrono::duration<double>(now - t).count() / double(rows) * 1e6;
    t = now;
    return us;
  };
  std::vector<InjectionRecord> records;
  records.reserve(lines.size());  // as the parent reuses its batch
  for (const std::string& line : lines) records.push_back(injection_from_line(line));
  const double parse_us = lap();
  constexpr size_t kBatch = 4096;  // the parent's batch (campaign_runner.cpp)
  for (size_t first = 0; first < records.size(); first += kBatch)
    store.insert({records.begin() + std::ptrdiff_t(first),
                  records.begin() + std::ptrdiff_t(std::min(records.size(), first + kBatch))});
  const double insert_us = lap();
  std::printf("%s\n", nlohmann::json{{"rows", rows}, {"parse_us_per_row", parse_us}, {"insert_us_per_row", insert_us}}
                          .dump()
                          .c_str());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
}
