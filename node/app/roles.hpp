// node/app/roles.hpp — one start function per role (docs/cluster.md) behind
// start_role(), and the one way to stop what a role started:
//
//   single    the whole pipeline: services, directory, desk
//   services  service instances, published on --listen
//   front     directory, desk and peer manager (the services are on the
//             peers); with --listen also published, for clients
//   client    a relay to a front's desk and a peer manager for the front
#pragma once

#include <cstdint>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "actors/desk/pipeline.hpp"
#include "actors/journal/journal_reader.hpp"
#include "actors/journal/journal_store.hpp"
#include "actors/journal/lease_actor.hpp"
#include "actors/journal/ledger_store.hpp"
#include "messages/interfaces.hpp"
#include "messages/wire.hpp"
#include "node/app/config.hpp"

namespace order_node {

/// What a role started. stop() ends all of it, whatever the role and
/// however far its start got.
struct role_actors {
  /// Where orders go: the local desk (single, front) or a relay to the
  /// front's desk (client); none on a services node.
  order_desk_actor desk;
  /// The parts of a node's pipeline this role runs (all in single; the
  /// services on a services node; directory and desk on a front).
  pipeline local;
  peers_actor peers;           // front, client
  node_actor published;        // services; a front with --listen
  dispatcher_actor dispatcher; // services: takes the fronts' calls
  journal_actor journal;       // single, front; invalid with --journal=off
  journal_reader_actor reader; // with `journal`: the console's reads
  lease_actor leases;          // on a shared journal: its partitions
  caf::actor router;   // a front on a shared journal: `desk` routes by owner
  ledger_actor ledger; // single, services hosting payment; or invalid
  /// How long a caller of `desk` waits before it gives up: the desk answers
  /// every order by its deadline, so this only bounds a desk (or a front)
  /// that stopped answering.
  caf::timespan order_timeout{};

  /// Waits until the local desk has answered every order (its clients',
  /// remote ones and those resumed at start), at most `bound`: the number
  /// of orders it had not answered then (0 without a local desk).
  int64_t drain(caf::actor_system& sys, caf::timespan bound) const;

  void stop() const;
};

/// The journal and the payment ledger as opened (and the journal read)
/// before the actor system starts, so that a bad file stops the program
/// before anything runs.
struct opened_journal {
  std::shared_ptr<journal_store> store;   // null: none (--journal=off, role)
  std::shared_ptr<journal_reader> reader; // with `store`
  journal_contents contents;
  std::shared_ptr<ledger_store> ledger; // null: none
};

/// Whether `cfg`'s role keeps a journal (single and front, unless off).
bool journals(const node_config& cfg);

/// The payment ledger's path for `cfg`, or empty: none (the node does not
/// host payment, or --payment.ledger=off, or the default with
/// --journal=off).
std::string ledger_path(const node_config& cfg);

/// Opens the journal (and reads it) and the ledger that `cfg` asks for;
/// false and `error` set if one is bad (error names the file and the
/// problem).
bool open_journal(const node_config& cfg, opened_journal& out,
                  std::string& error);

/// Starts the actors of `cfg.role` into `out` and logs "order-node
/// started". False if the role cannot start, after logging why; what did
/// start is in `out`, to be stopped.
bool start_role(caf::actor_system& sys, const node_config& cfg, uint64_t seed,
                opened_journal journal, role_actors& out);

} // namespace order_node
