// Campaign results in SQLite: a versioned schema, one `campaign` row and one `injections` row per injection,
// written in transactions (WAL, synchronous FULL) so that a killed run loses nothing it reported done.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  /// Which part of the campaign this database holds: the ids with id % shards == shard (0 of 1: all of them).
  int shard = 0;
  int shards = 1;
};

/// The process filling a database (table `owner`, at most one row): a second campaign on the same file is
/// refused while it runs instead of failing half-way on a duplicate id.
struct DbOwner {
  int64_t pid = 0;
  std::string host;
  int64_t start_ticks = 0;  ///< its start time (/proc/PID/stat): a pid reused by another process is not it
  std::string since;        ///< when it claimed the database (UTC)
  /// "pid 123 on host h (since 2024-01-01 10:00:00 UTC)"
  std::string describe() const;
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
  /// Stores the records in one transaction: all or, on an error (a duplicate id), none.
  void insert(const std::vector<InjectionRecord>& records);
  /// Stores workers' result lines (to_line()'s format, one per line of `lines`) as insert() stores their records,
  /// each field bound from the line where it lies: a campaign's parent stores tens of thousands of rows a second
  /// beside two busy workers, and building a record of each cost it a third of a row's insert. A malformed line is
  /// a ConfigError naming the file, the injection and the field, and stores none of them.
  void insert_lines(std::string_view lines);
  /// A row whose values do not fit the record (a text where a number belongs, an unknown outcome) is a
  /// ConfigError naming the file, the injection and the column.
  std::vector<InjectionRecord> injections() const;
  /// How many injections of each site class ended in each outcome, from one scan of those two columns (not whole
  /// records; a campaign keeps its own count while it runs, OutcomeTally in report.h).
  struct ClassOutcomes {
    std::string site_class;
    Outcome outcome = Outcome::kMasked;
    uint64_t n = 0;
  };
  std::vector<ClassOutcomes> outcomes_by_class() const;
  InjectionRecord injection(uint64_t id) const;
  const std::string& path() const { return path_; }

  /// The stored owner if it may still be running: alive on this host, or on another host (where it cannot be
  /// checked). Nothing when there is none or it died (a killed run leaves a stale row that does not count).
  std::optional<DbOwner> live_owner() const;
  /// Records this process as the owner, checked and written in one transaction so that two runs cannot both
  /// win. Throws ConfigError naming the live holder; a dead holder's row is replaced.
  void claim_ownership();
  /// Removes this process's row (and nobody else's).
  void release_ownership();

  /// PRAGMA user_version. 1: the first schema. 2: the same columns, `outcome` and `masked_at` checked against
  /// the values of Outcome and MaskingStage. 3: `campaign.shard` / `campaign.shards` and the `owner` table.
  /// 4: the same tables and columns, `injections` stored in the order its rows arrive (`id` unique, not the key).
  static constexpr int kSchemaVersion = 4;
  /// Version 3 holds the same columns, in id order: read, resumed and merged like version 4, only slower to fill.
  static constexpr int kOldestReadable = 3;

 private:
  void exec(const std::string& sql) const;
  /// Stores `rows` rows in one transaction, in the order given; bind_row(r, statement, index) binds row r's
  /// fields from parameter `index` on, advancing it.
  void insert_rows(size_t rows, const std::function<void(size_t, sqlite3_stmt*, int&)>& bind_row);
  /// Throws a ConfigError saying what the version `found` means and what to do about it.
  void check_schema_version(int64_t found) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

/// Owns a store for as long as it lives (ResultStore::claim_ownership), releasing it on the way out, errors
/// included. A SIGKILL leaves the row behind; the next run sees its process gone and takes over.
class StoreClaim {
 public:
  explicit StoreClaim(ResultStore& store) : store_(store) { store_.claim_ownership(); }
  ~StoreClaim();
  StoreClaim(const StoreClaim&) = delete;
  StoreClaim& operator=(const StoreClaim&) = delete;

 private:
  ResultStore& store_;
};

}  // namespace flipsim
