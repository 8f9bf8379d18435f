// actors/journal/ledger_store.hpp — the simulated payment gateway's own
// durable ledger (issue #15, docs/durability.md): one row per authorization
// key, so that a repeated authorization gets its first answer and a void is
// remembered. Like a real gateway's idempotency keys, it belongs to the
// gateway, not to order-node's journal: a resumed order that asks again is
// answered from here. Two kinds: an SQLite file in WAL mode
// (sqlite_ledger.hpp) and a table in a PostgreSQL database that every
// payment instance of a cluster shares (pg_ledger.hpp, issue #28).
//
// The table is an interface (tests and operators read it, also while the
// node runs: the ledger is not locked exclusively):
//
//   authorizations(auth_key TEXT PRIMARY KEY, order_id TEXT NOT NULL,
//                  tx_id TEXT, authorized INTEGER NOT NULL,
//                  requests INTEGER NOT NULL, voided INTEGER NOT NULL)
//
// `requests` counts the authorizations asked with the key (the first
// included), `voided` is 1 once voided. No actors here: the ledger actor
// (ledger_actor.hpp) owns one store and commits in groups.
#pragma once

#include <memory>
#include <string>

#include "actors/journal/sqlite_file.hpp" // journal_sync
#include "messages/service_types.hpp"

namespace order_node {

class ledger_store {
 public:
  /// Opens (or creates) the ledger at `where`, a file path or a database
  /// URI (is_database_uri, journal_store.hpp); nullptr and `error` set
  /// ("ledger WHERE: ...") if it cannot be opened, is not an order-node
  /// ledger, or is corrupt. `sync` applies to files.
  static std::unique_ptr<ledger_store>
  open(const std::string& where, journal_sync sync, std::string& error);

  virtual ~ledger_store() = default;
  ledger_store(const ledger_store&) = delete;
  ledger_store& operator=(const ledger_store&) = delete;

  /// Records `fresh` as the answer to `auth_key` unless the key has one
  /// already; counts the request either way and returns the key's answer
  /// (the first). Inside the current transaction (begun if none); false
  /// and `error` set if the store refuses.
  virtual bool
  authorize(const std::string& auth_key, const std::string& order_id,
            const payment_reply& fresh, payment_reply& out, std::string& error)
    = 0;

  /// Marks `auth_key` voided; `known` false if the ledger has no such key
  /// (an authorization that never arrived: nothing to do). Inside the
  /// current transaction; false and `error` set if the store refuses.
  virtual bool void_key(const std::string& auth_key, bool& known,
                        std::string& error)
    = 0;

  /// Commits the current transaction, if any; false and `error` set.
  virtual bool commit(std::string& error) = 0;

  /// The file's path, or the database URI as logs may show it.
  const std::string& path() const { return path_; }

 protected:
  explicit ledger_store(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

} // namespace order_node
