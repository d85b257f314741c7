// Campaign results in SQLite: a versioned schema, one `campaign` row and one `injections` row per injection,
// written in transactions (WAL, synchronous FULL) so that a killed run loses nothing it reported done.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/campaign/injection_record.h"

namespace flipsim {

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
  /// Opens or creates the database. A file that is not a flipsim database, or one of another schema version, is
  /// a ConfigError naming the file, the version found and the one expected; it is left untouched.
  explicit ResultStore(const std::string& path);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  bool has_campaign() const;
  CampaignRow campaign() const;
  void create_campaign(const CampaignRow& row);
  std::vector<uint64_t> done_ids() const;
  void insert(const std::vector<InjectionRecord>& records);
  /// A row whose values do not fit the record (a text where a number belongs, an unknown outcome) is a
  /// ConfigError naming the file, the injection and the column.
  std::vector<InjectionRecord> injections() const;
  InjectionRecord injection(uint64_t id) const;
  const std::string& path() const { return path_; }

  /// PRAGMA user_version. 1: the first schema. 2: the same columns, `outcome` and `masked_at` checked against
  /// the values of Outcome and MaskingStage.
  static constexpr int kSchemaVersion = 2;

 private:
  void exec(const std::string& sql) const;
  /// Throws a ConfigError saying what the version `found` means and what to do about it.
  void check_schema_version(int64_t found) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace flipsim
