// tests/e2e/postgres.hpp — a PostgreSQL server of a test's own (issue #28):
// initdb into a fresh directory, its socket in that directory and no TCP
// port (listen_addresses=''), so tests running in parallel never collide.
// When the tests run as root it runs as `nobody` (initdb and postgres refuse
// root), through setpriv, which execs (runuser forks and does not pass on
// SIGINT), so the process started is the server and is stopped by its PID.
// Debian's binaries under /usr/lib/postgresql/15/bin; a test skips, with a
// message, only where they are missing.
#pragma once

#include <string>

#include "process.hpp"

namespace order_node::testing {

class test_postgres {
 public:
  /// Starts a server (about 1 s); `ready()` says whether it runs, `why()`
  /// why not.
  test_postgres();

  /// Fast shutdown (SIGINT), SIGKILL after 10 s; removes its directory.
  ~test_postgres();

  test_postgres(const test_postgres&) = delete;
  test_postgres& operator=(const test_postgres&) = delete;

  bool ready() const { return pid_ > 0; }
  const std::string& why() const { return why_; }

  /// A libpq connection URI for database `postgres` as the server's user.
  std::string uri() const;

  /// The server's process id (-1: not running).
  int pid() const { return pid_; }

  /// Stops the server now (as the destructor); true if it exited by itself
  /// within 10 s.
  bool stop();

 private:
  bool accepting() const;

  work_dir dir_; // data/ and the socket
  std::string user_;
  int pid_ = -1;
  std::string why_;
};

/// Whether PostgreSQL 15's server binaries are installed.
bool postgres_installed();

} // namespace order_node::testing
