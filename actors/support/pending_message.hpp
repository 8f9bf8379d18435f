// actors/support/pending_message.hpp — the "send myself once" idiom: an actor
// that wants to do something after whatever is in its mailbox now (write its
// journal's records, send its queued calls, look at its deadlines) sends
// itself one message, and asks for it any number of times before it arrives.
// Under load everything that came in meanwhile is handled by that one
// message: one write, one batch per destination, one timer. Generic over the
// actor's pointer, so it includes no CAF.
#pragma once

#include <utility>

namespace order_node {

class pending_message {
 public:
  /// Sends `self` the message `xs...` unless one is on its way already.
  template <class Self, class... Ts>
  void send(Self self, Ts&&... xs) {
    post([&] { self->send(self, std::forward<Ts>(xs)...); });
  }

  /// As send(), with `send_it()` doing the sending (a delayed or scheduled
  /// message).
  template <class F>
  void post(F&& send_it) {
    if (pending_)
      return;
    pending_ = true;
    send_it();
  }

  /// Its message arrived: the next send() sends again.
  void arrived() { pending_ = false; }

  bool pending() const { return pending_; }

 private:
  bool pending_ = false;
};

} // namespace order_node
