// actors/journal/pg_reader.hpp — the journal reader (journal_reader.hpp) of
// a PostgreSQL journal: a connection of its own; it reads committed rows
// only, of every front on the database (the console lists the cluster's
// orders from any front).
#pragma once

#include <memory>
#include <string>

#include "actors/journal/journal_reader.hpp"

namespace order_node {

class pg_connection;

class pg_reader final : public journal_reader {
 public:
  /// Connects to `uri`; nullptr and `error` set if it cannot.
  static std::unique_ptr<pg_reader> open(const std::string& uri,
                                         std::string& error);

  ~pg_reader() override;

  order_page list(const order_query& q) override;
  order_history history(const std::string& order_id) override;
  bool verify(std::string& error) override;
  bool keyed(const key_query& q, journaled_order& out,
             std::string& error) override;

 private:
  pg_reader(std::unique_ptr<pg_connection> conn, std::string shown);

  std::unique_ptr<pg_connection> conn_;
  std::string shown_;
};

} // namespace order_node
