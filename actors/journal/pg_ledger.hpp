// actors/journal/pg_ledger.hpp — the payment ledger (ledger_store.hpp) as
// the table `authorizations` of a PostgreSQL database that every payment
// instance of a cluster shares (issue #28): two gateways on two machines
// answer a key with its first answer, as one does. Each authorization is
// a statement of the current transaction (its answer comes back with it);
// the transaction commits with the ledger actor's group.
#pragma once

#include <memory>
#include <string>

#include "actors/journal/ledger_store.hpp"

namespace order_node {

class pg_connection;

class pg_ledger final : public ledger_store {
 public:
  /// Connects to `uri`, makes or checks the ledger's table; nullptr and
  /// `error` set ("ledger URI: ...") if it cannot.
  static std::unique_ptr<pg_ledger> open(const std::string& uri,
                                         std::string& error);

  ~pg_ledger() override;

  bool authorize(const std::string& auth_key, const std::string& order_id,
                 const payment_reply& fresh, payment_reply& out,
                 std::string& error) override;
  bool void_key(const std::string& auth_key, bool& known,
                std::string& error) override;
  bool commit(std::string& error) override;

 private:
  pg_ledger(std::unique_ptr<pg_connection> conn, std::string shown);
  bool begin(std::string& error);
  bool failed();

  std::unique_ptr<pg_connection> conn_;
  bool in_transaction_ = false;
  bool broken_ = false; // a statement of the transaction failed
};

} // namespace order_node
