// actors/order/calls.cpp — see calls.hpp.
#include "actors/order/calls.hpp"

#include "actors/rules/outcome.hpp"

namespace order_node {

inventory_request build_call(service<check::inventory>, const order_job& job,
                             int32_t attempt, const order_params&) {
  return {call_id{job.order_key, attempt}, job.request.product_id,
          job.request.quantity};
}

payment_request build_call(service<check::payment>, const order_job& job,
                           int32_t attempt, const order_params& params) {
  return {call_id{job.order_key, attempt}, job.request.amount, "USD",
          authorization_key(params.auth_scope, job.order_id), job.order_id};
}

fraud_request build_call(service<check::fraud>, const order_job& job,
                         int32_t attempt, const order_params&) {
  return {call_id{job.order_key, attempt}, job.request.user_id,
          job.request.amount};
}

shipping_request build_call(service<check::shipping>, const order_job& job,
                            int32_t attempt, const order_params&) {
  return {call_id{job.order_key, attempt}, job.request.weight,
          job.request.destination};
}

} // namespace order_node
