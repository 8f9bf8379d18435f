// actors/desk/client_keys.hpp — order keys that remote clients number
// themselves (a client's script lines, `line:N`) get the client's number on
// this node, `c2:line:1`, so that two clients' line 1 are two orders with
// two ids and two authorizations (promise 6, docs/durability.md). A client is
// its node: the desk that first takes a submission numbers the nodes it
// hears from in order, per run (the journal's run prefix keeps runs apart).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include <caf/node_id.hpp>

namespace order_node {

class client_keys {
 public:
  /// Prefixes `key` (not empty) with the number of `sender`'s node when it
  /// is not `here`; local keys stay as they are.
  void scope(const caf::node_id& here, const caf::node_id& sender,
             std::string& key) {
    if (key.empty() || !sender || sender == here)
      return;
    auto [i, added] = numbers_.try_emplace(sender, 0);
    if (added) {
      if (numbers_.size() > max_clients) {
        // Bounded: the numbers go on, so a client seen again gets a new
        // one and no key repeats.
        numbers_.clear();
        i = numbers_.try_emplace(sender, 0).first;
      }
      i->second = ++next_;
    }
    key = "c" + std::to_string(i->second) + ":" + key;
  }

 private:
  static constexpr size_t max_clients = 4096;
  std::unordered_map<caf::node_id, uint64_t> numbers_;
  uint64_t next_ = 0;
};

} // namespace order_node
