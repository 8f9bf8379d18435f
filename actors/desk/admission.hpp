// actors/desk/admission.hpp — what every submission goes through, whatever the
// client waits for (`submit`: the result, `send`: the acceptance): validation,
// its idempotency key (keys.hpp: known, new, or to ask the journal about),
// the order key and id, the in-flight bound (beyond it "overloaded" at
// once), and the journal's acceptance record; then the engine runs it.
#pragma once

#include <cstdint>

#include <caf/fwd.hpp>

#include "actors/desk/desk_actor.hpp"
#include "actors/desk/keys.hpp"

namespace order_node {

/// The `submit` message: the order's result, now (a known key, a refusal,
/// "overloaded") or when it decides.
caf::result<order_result> on_submit(desk_self self, order_submission& sub);

/// The `send` message: the order's acceptance, once it is durable.
caf::result<order_accepted> on_send(desk_self self, order_submission& sub);

/// Runs a client's submission again, the journal having said that it has no
/// decided order of its key within the retention; the key had `key_uses`
/// orders before.
void run_checked(desk_self self, key_client& c, int64_t key_uses);

/// Takes what recovery found (desk_config::resume, keyed, voids): remembers
/// the results of keys still within their window, resumes every unfinished
/// order with a fresh deadline, and sends the voids a crash left owed.
void recover(desk_self self);

/// Resumes `orders` (unfinished in the journal) with a fresh deadline and
/// sends `voids` (owed): at a start (recover()), or when this front takes
/// their partitions of a shared journal (issue #28).
void resume(desk_self self, std::vector<journaled_order> orders,
            std::vector<journal_void> voids);

/// Stops the orders of partitions `lost` (this front's no more) without a
/// decision; their clients get order_errc::not_owner.
void drop_partitions(desk_self self, std::vector<int32_t> lost);

/// What the clients of an order of a partition this front lost get.
caf::error not_owner_error();

} // namespace order_node
