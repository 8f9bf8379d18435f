// messages/errors.hpp — order-node's own error codes (registered with CAF as
// category "order") and helpers to make and read them.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace order_node {

enum class order_errc : uint8_t {
  /// A service failed for now; retrying may succeed.
  transient = 1,
  /// A request or a key was malformed; the text names the field.
  invalid_request,
  /// No instance of a service is known to the directory.
  no_instance,
  /// Something inside order-node failed (an actor died, a bug).
  internal,
  /// The node hosting an actor was lost (connection closed or no heartbeat);
  /// the call may be sent again to another instance.
  node_lost,
  /// A peer speaks another message set (different type names or version).
  incompatible,
  /// The journal could not record what an answer depends on.
  journal_failed,
  /// An idempotency key came back with another order body.
  key_conflict,
  /// The desk is at its bound of orders in flight; retry later.
  overloaded,
  /// A lookup needs the journal, and the node runs with --journal=off.
  no_journal,
  /// The order's partition of a shared journal is another front's, or
  /// nobody's right now (issue #28); send it again (with its key).
  not_owner,
};

/// True if `err` is our error `x`.
bool is_error(const caf::error& err, order_errc x);

/// True for errors that say the callee's node, not the callee, failed:
/// order_errc::node_lost, or CAF's "receiver down" for a dead local relay.
bool is_node_lost(const caf::error& err);

std::string to_string(order_errc x);

/// Makes an error of category "order" whose context is a one-sentence text.
caf::error make_error(order_errc x, std::string text);

/// The human sentence of an error: its text when it has one (our errors),
/// else CAF's rendering (e.g. "system_error(request_timeout)").
std::string error_text(const caf::error& err);

} // namespace order_node
