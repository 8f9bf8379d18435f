// actors/journal/pg_conn.hpp — a PostgreSQL connection as the journal, its
// reader and the payment ledger use it (issue #28): plain libpq, parameters
// and results in binary (no quoting, no parsing of numbers), arrays built
// here so that a whole group of records is one statement per kind, and a
// pipeline that sends a transaction's statements in one round trip
// (libpq's pipeline mode). A lost connection is made again by the next
// call that needs it (ensure()). No actors here: each owner uses its
// connection from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace order_node {

/// The parameters of one statement, all in binary with their types.
class pg_params {
 public:
  pg_params& int8(int64_t x);
  pg_params& int4(int32_t x);
  pg_params& text(const std::string& x);
  pg_params& bytea(const std::vector<char>& x);
  pg_params& null_text();
  /// Arrays (one dimension, no NULLs).
  pg_params& int8s(const std::vector<int64_t>& xs);
  pg_params& int4s(const std::vector<int32_t>& xs);
  pg_params& texts(const std::vector<std::string>& xs);
  pg_params& byteas(const std::vector<std::vector<char>>& xs);

  int size() const { return static_cast<int>(values_.size()); }
  const unsigned* types() const { return types_.data(); }
  /// Pointers into the values: valid until the next add.
  std::vector<const char*> pointers() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  pg_params& add(unsigned type, std::string bytes, bool null = false);
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<unsigned> types_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A result (binary columns), freed with it.
class pg_rows {
 public:
  pg_rows() = default;
  explicit pg_rows(PGresult* r);
  bool ok() const { return ok_; }
  int rows() const;
  bool null(int row, int col) const;
  /// int2, int4 or int8 as int64 (NULL reads 0).
  int64_t integer(int row, int col) const;
  std::string text(int row, int col) const;
  std::vector<char> bytes(int row, int col) const;
  /// Rows an INSERT, UPDATE or DELETE changed.
  int64_t changed() const;

 private:
  struct free_result {
    void operator()(PGresult* r) const;
  };
  std::unique_ptr<PGresult, free_result> r_;
  bool ok_ = false;
};

/// One statement of a pipeline.
struct pg_statement {
  const char* sql;
  pg_params params;
};

class pg_connection {
 public:
  /// Connects to `uri` (a libpq connection URI); nullptr and `error` set
  /// ("WHAT SHOWN: ...", the URI shown without a password) if it cannot.
  static std::unique_ptr<pg_connection>
  open(const std::string& uri, const std::string& what, std::string& error);

  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  /// "WHAT SHOWN", the prefix of this connection's errors.
  const std::string& where() const { return where_; }

  /// Connects again if the connection was lost; false and `error` set if
  /// it cannot.
  bool ensure(std::string& error);

  /// Counts the connections made: what a session held (advisory locks)
  /// is gone when it changes.
  uint64_t generation() const { return generation_; }

  /// Runs `sql` (one or more statements, no parameters); false and `error`.
  bool run(const char* sql, std::string& error);

  /// Runs one statement; its rows, or !ok() and `error` set.
  pg_rows query(const char* sql, const pg_params& params, std::string& error);

  /// Sends `statements` in one round trip and reads their results into
  /// `out` (one each). False and `error` set if one failed (the ones after
  /// it did not run), with its SQLSTATE in `state`. Wrap them in BEGIN and
  /// COMMIT for one transaction.
  bool pipeline(const std::vector<pg_statement>& statements,
                std::vector<pg_rows>& out, std::string& error,
                std::string& state);

 private:
  pg_connection(std::string uri, std::string where)
      : uri_(std::move(uri)), where_(std::move(where)) {}
  bool fail(std::string& error, const std::string& what);

  std::string uri_;
  std::string where_;
  PGconn* conn_ = nullptr;
  uint64_t generation_ = 0;
};

/// `uri` as logs may show it: without a password (user:PASSWORD@ and
/// password=...).
std::string shown_uri(const std::string& uri);

} // namespace order_node
