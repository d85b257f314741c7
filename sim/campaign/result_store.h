// Campaign results in SQLite: a versioned schema, one `campaign` row and one `injections` row per injection,
// written in transactions (WAL, synchronous FULL) so that a killed run loses nothing it reported done.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flipsim {

/// What one injection did, as stored.
struct InjectionRecord {
  uint64_t id = 0;
  int image = 0;
  int label = 0;
  std::string fault_model;
  int64_t site_id = -1;  ///< -1 in bit-error-rate mode
  std::string site;      ///< readable name of the first bit hit
  std::string site_class;
  int row = -1, col = -1;
  int bit = -1;
  uint64_t mask = 0;
  int flips = 0;           ///< bits flipped (bit-error-rate mode: over the whole inference)
  std::string layer;       ///< layer whose pass the fault starts in
  int pass = 0;
  uint64_t cycle = 0;      ///< busy cycle of the inference
  std::string outcome;     ///< masked | sdc | sdc_critical | detected | corrected | hang
  std::string masked_at;   ///< where a masked fault stopped (see docs/campaigns.md)
  std::string first_diff;  ///< first value (op output) that differs from the golden run
  double max_logit_dev = 0;
  int golden_top1 = -1, faulty_top1 = -1;
  uint64_t cycles_simulated = 0;
};

struct CampaignRow {
  std::string name;
  std::string config_path;  ///< absolute path of the YAML (replay reloads it; its text must be unchanged)
  std::string config_text;
  uint64_t seed = 0;
  uint64_t total = 0;  ///< injections planned
  std::string timeline_json;
  std::string accelerator;
  std::string network;
};

class ResultStore {
 public:
  /// Opens or creates the database; a file that is not a flipsim database (or another schema version) is a
  /// ConfigError and is left untouched.
  explicit ResultStore(const std::string& path);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  bool has_campaign() const;
  CampaignRow campaign() const;
  void create_campaign(const CampaignRow& row);
  std::vector<uint64_t> done_ids() const;
  void insert(const std::vector<InjectionRecord>& records);
  std::vector<InjectionRecord> injections() const;
  InjectionRecord injection(uint64_t id) const;
  const std::string& path() const { return path_; }

  static constexpr int kSchemaVersion = 1;

 private:
  void exec(const std::string& sql) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace flipsim
