// actors/journal/sqlite_journal.hpp — the journal in an SQLite file in WAL
// mode (journal_store.hpp): the embedded default, one node per file (an
// exclusive lock). sqlite_journal.cpp writes and commits;
// sqlite_journal_recovery.cpp reads a start's contents.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/journal/journal_store.hpp"
#include "actors/journal/sqlite_file.hpp"

namespace order_node {

/// PRAGMA application_id of an order-node journal: "ORNJ".
inline constexpr int64_t journal_app_id = 0x4F524E4A;
/// The journal's format (PRAGMA user_version) this order-node writes; it
/// reads 1 and up to it (sqlite_journal.cpp says what each added).
inline constexpr int64_t journal_version = 3;

class sqlite_journal final : public journal_store {
 public:
  /// Opens (or creates) the journal file at `path`; nullptr and `error`
  /// set ("journal PATH: ...") if it cannot be opened, is not an
  /// order-node journal, or fails SQLite's quick check.
  static std::unique_ptr<sqlite_journal>
  open(const std::string& path, journal_sync sync, std::string& error);

  ~sqlite_journal() override;

  using journal_store::commit;
  bool recover(int64_t retention_cutoff_us, journal_contents& out,
               std::string& error) override;
  void write(const journal_ops& ops) override;
  bool commit(std::string& error, std::vector<uint64_t>& unrecorded) override;
  int64_t purge(int64_t cutoff_us) override;
  journal_lookup lookup(const std::string& order_id,
                        std::string* error = nullptr) override;
  void refuse_writes() override;
  void fail_next(journal_record kind) override;
  int64_t wal_bytes() const override;

 private:
  sqlite_journal(std::unique_ptr<sqlite_file> file, std::string path);
  bool prepare(std::string& error);
  bool upgrade_from_1(std::string& error);
  bool upgrade_from_2(std::string& error);
  bool exec(const char* sql, std::string& error);
  bool read_uid(uint64_t& out, std::string& error);

  std::unique_ptr<sqlite_file> file_;
  sqlite3* db_ = nullptr; // file_'s
  bool in_transaction_ = false;
  std::string write_error_;          // the transaction's first failed statement
  std::vector<uint64_t> unrecorded_; // see commit()
  std::optional<journal_record> fail_next_;
  struct statements;
  std::unique_ptr<statements> st_;
};

} // namespace order_node
