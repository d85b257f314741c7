#include "sim/campaign/result_store.h"

#include "model/common/config_error.h"

namespace flipsim {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS campaign (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  config_path TEXT NOT NULL,
  config TEXT NOT NULL,
  seed INTEGER NOT NULL,
  total INTEGER NOT NULL,
  timeline TEXT NOT NULL,
  accelerator TEXT NOT NULL,
  network TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS injections (
  id INTEGER PRIMARY KEY,
  image INTEGER NOT NULL,
  label INTEGER NOT NULL,
  fault_model TEXT NOT NULL,
  site_id INTEGER NOT NULL,
  site TEXT NOT NULL,
  class TEXT NOT NULL,
  row INTEGER NOT NULL,
  col INTEGER NOT NULL,
  bit INTEGER NOT NULL,
  mask INTEGER NOT NULL,
  flips INTEGER NOT NULL,
  layer TEXT NOT NULL,
  pass INTEGER NOT NULL,
  cycle INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  masked_at TEXT NOT NULL,
  first_diff TEXT NOT NULL,
  max_logit_dev REAL NOT NULL,
  golden_top1 INTEGER NOT NULL,
  faulty_top1 INTEGER NOT NULL,
  cycles_simulated INTEGER NOT NULL
);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
      throw ConfigError(path + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() { return stmt_; }
  bool step(const std::string& path) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw ConfigError(path + ": " + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
  std::string text(int col) {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kColumns =
    "id, image, label, fault_model, site_id, site, class, row, col, bit, mask, flips, layer, pass, cycle, outcome, "
    "masked_at, first_diff, max_logit_dev, golden_top1, faulty_top1, cycles_simulated";

InjectionRecord read_record(Statement& s) {
  InjectionRecord r;
  r.id = uint64_t(s.integer(0));
  r.image = int(s.integer(1));
  r.label = int(s.integer(2));
  r.fault_model = s.text(3);
  r.site_id = s.integer(4);
  r.site = s.text(5);
  r.site_class = s.text(6);
  r.row = int(s.integer(7));
  r.col = int(s.integer(8));
  r.bit = int(s.integer(9));
  r.mask = uint64_t(s.integer(10));
  r.flips = int(s.integer(11));
  r.layer = s.text(12);
  r.pass = int(s.integer(13));
  r.cycle = uint64_t(s.integer(14));
  r.outcome = s.text(15);
  r.masked_at = s.text(16);
  r.first_diff = s.text(17);
  r.max_logit_dev = sqlite3_column_double(s.get(), 18);
  r.golden_top1 = int(s.integer(19));
  r.faulty_top1 = int(s.integer(20));
  r.cycles_simulated = uint64_t(s.integer(21));
  return r;
}

}  // namespace

ResultStore::ResultStore(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw ConfigError(path + ": cannot open database: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    // Reading the schema first: a non-database file fails here, before anything is written.
    int64_t v = 0, n = 0;
    {
      Statement version(db_, "PRAGMA user_version", path_);
      version.step(path_);
      v = version.integer(0);
      Statement tables(db_, "SELECT count(*) FROM sqlite_master", path_);
      tables.step(path_);
      n = tables.integer(0);
    }
    if (n > 0 && v != kSchemaVersion)
      throw ConfigError(path + ": not a flipsim campaign database of schema version " +
                        std::to_string(kSchemaVersion) + " (user_version " + std::to_string(v) + ")");
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    if (n == 0) {
      exec(std::string("BEGIN;") + kSchema + "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";COMMIT;");
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

ResultStore::~ResultStore() {
  if (db_) sqlite3_close(db_);
}

void ResultStore::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw ConfigError(path_ + ": " + msg);
  }
}

bool ResultStore::has_campaign() const {
  Statement s(db_, "SELECT count(*) FROM campaign", path_);
  s.step(path_);
  return s.integer(0) > 0;
}

CampaignRow ResultStore::campaign() const {
  Statement s(db_, "SELECT name, config, seed, total, timeline, accelerator, network, config_path FROM campaign",
              path_);
  if (!s.step(path_)) throw ConfigError(path_ + ": holds no campaign");
  CampaignRow r;
  r.name = s.text(0);
  r.config_text = s.text(1);
  r.seed = uint64_t(s.integer(2));
  r.total = uint64_t(s.integer(3));
  r.timeline_json = s.text(4);
  r.accelerator = s.text(5);
  r.network = s.text(6);
  r.config_path = s.text(7);
  return r;
}

void ResultStore::create_campaign(const CampaignRow& row) {
  Statement s(db_,
              "INSERT INTO campaign (id, name, config, seed, total, timeline, accelerator, network, config_path) "
              "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
              path_);
  sqlite3_bind_text(s.get(), 1, row.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 2, row.config_text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.get(), 3, int64_t(row.seed));
  sqlite3_bind_int64(s.get(), 4, int64_t(row.total));
  sqlite3_bind_text(s.get(), 5, row.timeline_json.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 6, row.accelerator.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 7, row.network.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 8, row.config_path.c_str(), -1, SQLITE_TRANSIENT);
  s.step(path_);
}

std::vector<uint64_t> ResultStore::done_ids() const {
  Statement s(db_, "SELECT id FROM injections ORDER BY id", path_);
  std::vector<uint64_t> ids;
  while (s.step(path_)) ids.push_back(uint64_t(s.integer(0)));
  return ids;
}

void ResultStore::insert(const std::vector<InjectionRecord>& records) {
  if (records.empty()) return;
  exec("BEGIN IMMEDIATE");
  try {
    Statement s(db_, std::string("INSERT INTO injections (") + kColumns +
                         ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                path_);
    for (const InjectionRecord& r : records) {
      sqlite3_reset(s.get());
      int i = 1;
      sqlite3_bind_int64(s.get(), i++, int64_t(r.id));
      sqlite3_bind_int(s.get(), i++, r.image);
      sqlite3_bind_int(s.get(), i++, r.label);
      sqlite3_bind_text(s.get(), i++, r.fault_model.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(s.get(), i++, r.site_id);
      sqlite3_bind_text(s.get(), i++, r.site.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s.get(), i++, r.site_class.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(s.get(), i++, r.row);
      sqlite3_bind_int(s.get(), i++, r.col);
      sqlite3_bind_int(s.get(), i++, r.bit);
      sqlite3_bind_int64(s.get(), i++, int64_t(r.mask));
      sqlite3_bind_int(s.get(), i++, r.flips);
      sqlite3_bind_text(s.get(), i++, r.layer.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(s.get(), i++, r.pass);
      sqlite3_bind_int64(s.get(), i++, int64_t(r.cycle));
      sqlite3_bind_text(s.get(), i++, r.outcome.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s.get(), i++, r.masked_at.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s.get(), i++, r.first_diff.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_double(s.get(), i++, r.max_logit_dev);
      sqlite3_bind_int(s.get(), i++, r.golden_top1);
      sqlite3_bind_int(s.get(), i++, r.faulty_top1);
      sqlite3_bind_int64(s.get(), i++, int64_t(r.cycles_simulated));
      s.step(path_);
    }
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

std::vector<InjectionRecord> ResultStore::injections() const {
  Statement s(db_, std::string("SELECT ") + kColumns + " FROM injections ORDER BY id", path_);
  std::vector<InjectionRecord> out;
  while (s.step(path_)) out.push_back(read_record(s));
  return out;
}

InjectionRecord ResultStore::injection(uint64_t id) const {
  Statement s(db_, std::string("SELECT ") + kColumns + " FROM injections WHERE id = ?", path_);
  sqlite3_bind_int64(s.get(), 1, int64_t(id));
  if (!s.step(path_)) throw ConfigError(path_ + ": no injection with id " + std::to_string(id));
  return read_record(s);
}

}  // namespace flipsim
