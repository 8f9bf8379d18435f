// messages/atoms.hpp — the atoms of order-node's protocol: what each message
// asks.
#pragma once

#include <caf/atom.hpp>

namespace order_node {

using check_atom = caf::atom_constant<caf::atom("check")>;         // stock
using authorize_atom = caf::atom_constant<caf::atom("authorize")>; // payment
using void_atom = caf::atom_constant<caf::atom("void_auth")>;      // payment
using assess_atom = caf::atom_constant<caf::atom("assess")>;       // fraud
using quote_atom = caf::atom_constant<caf::atom("quote")>;         // shipping
using watch_atom = caf::atom_constant<caf::atom("watch")>;         // directory
using submit_atom = caf::atom_constant<caf::atom("submit")>;       // desk
using stats_atom = caf::atom_constant<caf::atom("stats")>;         // desk
using run_atom = caf::atom_constant<caf::atom("run")>;             // bench
using tick_atom = caf::atom_constant<caf::atom("tick")>;           // timers
using retry_atom = caf::atom_constant<caf::atom("retry")>;         // desk
using flush_atom = caf::atom_constant<caf::atom("flush")>;         // desk
using routes_atom = caf::atom_constant<caf::atom("routes")>;       // directory
using hello_atom = caf::atom_constant<caf::atom("hello")>;         // node
using ping_atom = caf::atom_constant<caf::atom("ping")>;           // node
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;         // peers
using ready_atom = caf::atom_constant<caf::atom("ready")>;         // peers
using target_atom = caf::atom_constant<caf::atom("target")>;       // relay
using wire_atom = caf::atom_constant<caf::atom("wire")>;           // link
using drain_atom = caf::atom_constant<caf::atom("drain")>;         // link
using name_atom = caf::atom_constant<caf::atom("name")>;           // node
using expire_atom = caf::atom_constant<caf::atom("expire")>;       // order
using recorded_atom = caf::atom_constant<caf::atom("recorded")>;   // order
using done_atom = caf::atom_constant<caf::atom("done")>;           // order
using write_atom = caf::atom_constant<caf::atom("write")>;         // journal
using append_atom = caf::atom_constant<caf::atom("append")>;       // desk
using commit_atom = caf::atom_constant<caf::atom("commit")>;       // journal
using purge_atom = caf::atom_constant<caf::atom("purge")>;         // journal
using get_atom = caf::atom_constant<caf::atom("get")>;             // journal
using send_atom = caf::atom_constant<caf::atom("send")>;           // desk
using attach_atom = caf::atom_constant<caf::atom("attach")>;       // desk
using list_atom = caf::atom_constant<caf::atom("list")>;           // reader
using history_atom = caf::atom_constant<caf::atom("history")>;     // reader
using key_atom = caf::atom_constant<caf::atom("key")>;             // reader
using resume_atom = caf::atom_constant<caf::atom("resume")>;       // desk
using drop_atom = caf::atom_constant<caf::atom("drop")>;           // desk
using owners_atom = caf::atom_constant<caf::atom("owners")>;       // fronts
using poll_atom = caf::atom_constant<caf::atom("poll")>;           // journal

} // namespace order_node
