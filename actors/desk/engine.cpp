// actors/desk/engine.cpp — see engine.hpp.
#include "actors/desk/engine.hpp"

namespace order_node {

desk_engine::~desk_engine() = default;

// An engine ignores the other engine's messages (none come).
void desk_engine::on_done(uint64_t, order_result&) {}

void desk_engine::retry(uint64_t, int32_t) {}

void desk_engine::flush() {}

void desk_engine::on_outcomes(any_outcomes) {}

} // namespace order_node
