// actors/journal/journal_reader.cpp — see journal_reader.hpp: the reader as
// an actor, and what both kinds of reader share.
#include "actors/journal/journal_reader.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/errors.hpp"

namespace order_node {

const char* status_filter_sql(const std::string& status) {
  if (status.empty())
    return "true";
  if (status == "confirmed")
    return "status = 0";
  if (status == "failed")
    return "status = 1";
  if (status == "timeout")
    return "status = 2";
  if (status == "voided")
    return "voided = 1";
  if (status == "resumed")
    return "resumes > 0";
  if (status == "running")
    return "decided_us IS NULL";
  return nullptr;
}

namespace {

journal_reader_actor::behavior_type
reader(journal_reader_actor::pointer,
       const std::shared_ptr<journal_reader>& r) {
  return {
    [r](list_atom, const order_query& q) { return r->list(q); },
    [r](history_atom, const std::string& id) { return r->history(id); },
    [r](key_atom, const key_query& q) -> caf::result<journaled_order> {
      journaled_order out;
      std::string error;
      if (!r->keyed(q, out, error))
        return make_error(order_errc::journal_failed, error);
      return out;
    },
  };
}

} // namespace

journal_reader_actor spawn_journal_reader(caf::actor_system& sys,
                                          std::shared_ptr<journal_reader> r,
                                          bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(reader, std::move(r));
  return sys.spawn(reader, std::move(r));
}

} // namespace order_node
