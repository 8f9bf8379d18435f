// actors/desk/pipeline.cpp — see pipeline.hpp.
#include "actors/desk/pipeline.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/desk/desk_router.hpp"
#include "actors/services/directory.hpp"
#include "actors/services/services.hpp"

namespace order_node {

pipeline spawn_pipeline(caf::actor_system& sys, const services_config& svc,
                        desk_config desk, const ledger_actor& ledger) {
  pipeline p;
  p.services = spawn_services(sys, svc, ledger);
  p.directory = sys.spawn(directory, p.services);
  p.desk = spawn_desk(sys, p.directory, std::move(desk));
  return p;
}

void stop_pipeline(const pipeline& p) {
  caf::anon_send_exit(p.desk, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(p.directory, caf::exit_reason::user_shutdown);
  stop_services(p.services);
}

} // namespace order_node
