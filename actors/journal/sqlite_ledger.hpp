// actors/journal/sqlite_ledger.hpp — the payment ledger in an SQLite file in
// WAL mode (ledger_store.hpp), shared with readers but written by one
// process.
#pragma once

#include <memory>
#include <string>

#include "actors/journal/ledger_store.hpp"
#include "actors/journal/sqlite_file.hpp"

namespace order_node {

class sqlite_ledger final : public ledger_store {
 public:
  /// Opens (or creates) the ledger file at `path`; nullptr and `error` set
  /// ("ledger PATH: ...") if it cannot be opened, is not an order-node
  /// ledger, or is corrupt.
  static std::unique_ptr<sqlite_ledger>
  open(const std::string& path, journal_sync sync, std::string& error);

  ~sqlite_ledger() override;

  bool authorize(const std::string& auth_key, const std::string& order_id,
                 const payment_reply& fresh, payment_reply& out,
                 std::string& error) override;
  bool void_key(const std::string& auth_key, bool& known,
                std::string& error) override;
  bool commit(std::string& error) override;

 private:
  sqlite_ledger(std::unique_ptr<sqlite_file> file, std::string path);
  bool begin(std::string& error);

  std::unique_ptr<sqlite_file> file_;
  sqlite3* db_ = nullptr; // file_'s
  bool in_transaction_ = false;
  sqlite3_stmt* authorize_ = nullptr;
  sqlite3_stmt* void_ = nullptr;
};

} // namespace order_node
