// actors/journal/sqlite_reader.hpp — the journal reader (journal_reader.hpp)
// of an SQLite journal file: a read-only connection of its own; WAL readers
// see committed records only.
#pragma once

#include <memory>
#include <string>

#include "actors/journal/journal_reader.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace order_node {

class sqlite_reader final : public journal_reader {
 public:
  /// Opens the journal file at `path` for reading; nullptr and `error` set
  /// if it cannot.
  static std::unique_ptr<sqlite_reader> open(const std::string& path,
                                             std::string& error);

  /// As open(); when no node has the file open (no WAL file), it is read as
  /// immutable, so that reading it creates no file beside it.
  static std::unique_ptr<sqlite_reader> open_offline(const std::string& path,
                                                     std::string& error);

  ~sqlite_reader() override;

  order_page list(const order_query& q) override;
  order_history history(const std::string& order_id) override;
  bool verify(std::string& error) override;
  bool keyed(const key_query& q, journaled_order& out,
             std::string& error) override;

 private:
  explicit sqlite_reader(std::string path) : path_(std::move(path)) {}

  sqlite3* db_ = nullptr;
  sqlite3_stmt* keyed_ = nullptr;    // prepared once: every keyed order asks
  sqlite3_stmt* key_uses_ = nullptr; // likewise
  std::string path_;
};

} // namespace order_node
