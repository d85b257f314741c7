// What a campaign's parent pays per result row (BENCHMARKS.md, "Hybrid campaign engine"): binding workers' lines
// straight into the database in the parent's batches (ResultStore::insert_lines, the parent's path), against
// reading each line back into a record and storing the records (ResultStore::insert, as the parent did).
// Usage: bench_result_store [ROWS]; prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "model/common/cpu_time.h"
#include "sim/campaign/result_store.h"

int main(int argc, char** argv) {
  using namespace flipsim;
  const size_t rows = argc > 1 ? size_t(std::stoul(argv[1])) : 20000;
  const std::string db = std::filesystem::temp_directory_path() / "flipsim_bench_result_store.db";
  const std::string lines_db = std::filesystem::temp_directory_path() / "flipsim_bench_result_store_lines.db";
  const auto remove_dbs = [&] {
    for (const std::string& path : {db, lines_db})
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  };
  remove_dbs();
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
  ResultStore store(db), lines_store(lines_db);
  // Wall time, and the process's CPU time: the parent shares two cores with the workers, so what it costs them is
  // its CPU; the wall time adds the waits for the disk.
  auto t = std::chrono::steady_clock::now();
  double cpu = cpu_seconds(), cpu_us = 0;
  const auto lap = [&] {
    const auto now = std::chrono::steady_clock::now();
    const double us = std::chrono::duration<double>(now - t).count() / double(rows) * 1e6;
    const double cpu_then = cpu;
    cpu = cpu_seconds();
    cpu_us = (cpu - cpu_then) / double(rows) * 1e6;
    t = now;
    return us;
  };
  constexpr size_t kBatch = 4096;  // the parent's batch (campaign_runner.cpp)
  for (size_t first = 0; first < lines.size(); first += kBatch) {
    std::string batch;  // as the parent gathers the lines it reads
    for (size_t i = first; i < std::min(lines.size(), first + kBatch); ++i) batch += lines[i] + "\n";
    lines_store.insert_lines(batch);
  }
  const double lines_us = lap();
  const double lines_cpu_us = cpu_us;
  std::vector<InjectionRecord> records;
  records.reserve(lines.size());  // as the parent reuses its batch
  for (const std::string& line : lines) records.push_back(injection_from_line(line));
  const double parse_us = lap();
  for (size_t first = 0; first < records.size(); first += kBatch)
    store.insert({records.begin() + std::ptrdiff_t(first),
                  records.begin() + std::ptrdiff_t(std::min(records.size(), first + kBatch))});
  const double insert_us = lap();
  std::printf("%s\n", nlohmann::json{{"rows", rows},
                                     {"insert_lines_us_per_row", lines_us},
                                     {"insert_lines_cpu_us_per_row", lines_cpu_us},
                                     {"parse_us_per_row", parse_us},
                                     {"insert_us_per_row", insert_us},
                                     {"insert_cpu_us_per_row", cpu_us}}
                          .dump()
                          .c_str());
  // The fast path stores what the slow one does (tests/sim/campaign/result_store_test.cpp checks it too).
  if (lines_store.injections().size() != rows) {
    std::fprintf(stderr, "bench_result_store: insert_lines stored %zu rows of %zu\n", lines_store.injections().size(),
                 rows);
    return 1;
  }
  remove_dbs();
}
