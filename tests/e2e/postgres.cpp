// tests/e2e/postgres.cpp — see postgres.hpp.
#include "postgres.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace order_node::testing {

namespace {

const std::string bin_dir = "/usr/lib/postgresql/15/bin/";

// `program args...`, as nobody when this process is root.
std::vector<std::string> as_user(std::vector<std::string> argv) {
  auto pw = ::geteuid() == 0 ? ::getpwnam("nobody") : nullptr;
  if (pw == nullptr)
    return argv;
  std::vector<std::string> out{
    "/usr/bin/setpriv", "--reuid=" + std::to_string(pw->pw_uid),
    "--regid=" + std::to_string(pw->pw_gid), "--clear-groups",
    // Set after the switch of user (which clears it): a test that dies
    // takes its server along.
    "--pdeathsig=SIGKILL", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool alive(int pid) {
  // Reaps it if it is our child and has exited.
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid)
    return false;
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

} // namespace

bool postgres_installed() {
  return ::access((bin_dir + "postgres").c_str(), X_OK) == 0
         && ::access((bin_dir + "initdb").c_str(), X_OK) == 0;
}

test_postgres::test_postgres() {
  if (!postgres_installed()) {
    why_ = "PostgreSQL 15 is not installed (" + bin_dir
           + "postgres): bash .ci/install-deps --test installs it";
    return;
  }
  user_ = "nobody";
  if (::geteuid() != 0) {
    if (auto pw = ::getpwuid(::geteuid()))
      user_ = pw->pw_name;
  } else if (auto pw = ::getpwnam("nobody")) {
    if (::chown(dir_.path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      why_ = "cannot give " + dir_.path + " to nobody";
      return;
    }
  }
  auto data = dir_.path + "/data";
  auto initdb = as_user({bin_dir + "initdb", "-D", data, "-A", "trust", "-U",
                         user_, "--no-sync", "-E", "UTF8"});
  auto init = run_process(initdb[0], {initdb.begin() + 1, initdb.end()}, "",
                          std::chrono::seconds(60));
  if (init.exit_code != 0) {
    why_ = "initdb failed: " + init.err;
    return;
  }
  auto argv = as_user({bin_dir + "postgres", "-D", data, "-k", dir_.path, "-c",
                       "listen_addresses="});
  // Not a `child`: its destructor would SIGKILL the server.
  auto pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // without setpriv (not root)
    auto log = dir_.path + "/server.log";
    auto fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (auto& a : argv)
      raw.push_back(const_cast<char*>(a.c_str()));
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  pid_ = pid;
  // Ready when it says so: the 8th line of postmaster.pid is "ready" once
  // it accepts connections (its socket exists earlier, while it starts up).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!accepting()) {
    if (!alive(pid_) || std::chrono::steady_clock::now() > until) {
      std::ifstream in{dir_.path + "/server.log"};
      why_ = "postgres did not start: "
             + std::string{std::istreambuf_iterator<char>{in}, {}};
      stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool test_postgres::accepting() const {
  std::ifstream in{dir_.path + "/data/postmaster.pid"};
  std::string line;
  for (int i = 0; i < 8 && std::getline(in, line); ++i)
    if (i == 7)
      return line.rfind("ready", 0) == 0;
  return false;
}

std::string test_postgres::uri() const {
  return "postgresql:///postgres?host=" + dir_.path + "&user=" + user_;
}

bool test_postgres::stop() {
  if (pid_ <= 0)
    return true;
  ::kill(pid_, SIGINT); // fast shutdown
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool clean = true;
  while (alive(pid_)) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      clean = false;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return clean;
}

test_postgres::~test_postgres() {
  stop();
}

} // namespace order_node::testing
