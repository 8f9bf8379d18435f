// actors/journal/pg_conn.cpp — see pg_conn.hpp.
#include "actors/journal/pg_conn.hpp"

#include <cstring>
#include <regex>

#include <libpq-fe.h>

namespace order_node {

namespace {

// Type OIDs (pg_type.dat): what the parameters say they are.
constexpr unsigned oid_bytea = 17;
constexpr unsigned oid_int8 = 20;
constexpr unsigned oid_int4 = 23;
constexpr unsigned oid_text = 25;
constexpr unsigned oid_bytea_array = 1001;
constexpr unsigned oid_int4_array = 1007;
constexpr unsigned oid_text_array = 1009;
constexpr unsigned oid_int8_array = 1016;

void put_be(std::string& out, uint64_t x, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out += static_cast<char>((x >> (8 * i)) & 0xFF);
}

uint64_t get_be(const char* p, int bytes) {
  uint64_t x = 0;
  for (int i = 0; i < bytes; ++i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return x;
}

// The binary array format (array_send): dimensions, flags (no NULLs), the
// element type, one dimension's size and lower bound, then each element
// as length and bytes.
template <class Items, class Put>
std::string array_bytes(unsigned element, const Items& xs, Put put) {
  std::string out;
  put_be(out, xs.empty() ? 0 : 1, 4);
  put_be(out, 0, 4);
  put_be(out, element, 4);
  if (xs.empty())
    return out;
  put_be(out, xs.size(), 4);
  put_be(out, 1, 4);
  for (auto& x : xs)
    put(out, x);
  return out;
}

std::string sqlstate_of(const PGresult* r) {
  const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return s != nullptr ? s : "";
}

std::string message_of(const PGresult* r, PGconn* c) {
  std::string m = r != nullptr ? PQresultErrorMessage(r) : "";
  if (m.empty())
    m = PQerrorMessage(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
    m.pop_back();
  return m;
}

bool succeeded(const PGresult* r) {
  auto s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

} // namespace

pg_params& pg_params::add(unsigned type, std::string bytes, bool null) {
  lengths_.push_back(static_cast<int>(bytes.size()));
  values_.push_back(std::move(bytes));
  nulls_.push_back(null);
  types_.push_back(type);
  formats_.push_back(1);
  return *this;
}

pg_params& pg_params::int8(int64_t x) {
  std::string b;
  put_be(b, static_cast<uint64_t>(x), 8);
  return add(oid_int8, std::move(b));
}

pg_params& pg_params::int4(int32_t x) {
  std::string b;
  put_be(b, static_cast<uint32_t>(x), 4);
  return add(oid_int4, std::move(b));
}

pg_params& pg_params::text(const std::string& x) {
  return add(oid_text, x);
}

pg_params& pg_params::bytea(const std::vector<char>& x) {
  return add(oid_bytea, std::string{x.begin(), x.end()});
}

pg_params& pg_params::null_text() {
  return add(oid_text, {}, true);
}

pg_params& pg_params::int8s(const std::vector<int64_t>& xs) {
  return add(oid_int8_array,
             array_bytes(oid_int8, xs, [](std::string& out, int64_t x) {
               put_be(out, 8, 4);
               put_be(out, static_cast<uint64_t>(x), 8);
             }));
}

pg_params& pg_params::int4s(const std::vector<int32_t>& xs) {
  return add(oid_int4_array,
             array_bytes(oid_int4, xs, [](std::string& out, int32_t x) {
               put_be(out, 4, 4);
               put_be(out, static_cast<uint32_t>(x), 4);
             }));
}

pg_params& pg_params::texts(const std::vector<std::string>& xs) {
  return add(
    oid_text_array,
    array_bytes(oid_text, xs, [](std::string& out, const std::string& x) {
      put_be(out, x.size(), 4);
      out += x;
    }));
}

pg_params& pg_params::byteas(const std::vector<std::vector<char>>& xs) {
  return add(oid_bytea_array,
             array_bytes(oid_bytea, xs,
                         [](std::string& out, const std::vector<char>& x) {
                           put_be(out, x.size(), 4);
                           out.append(x.begin(), x.end());
                         }));
}

std::vector<const char*> pg_params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (size_t i = 0; i < values_.size(); ++i)
    out.push_back(nulls_[i] ? nullptr : values_[i].data());
  return out;
}

void pg_rows::free_result::operator()(PGresult* r) const {
  PQclear(r);
}

pg_rows::pg_rows(PGresult* r) : r_(r), ok_(r != nullptr && succeeded(r)) {}

int pg_rows::rows() const {
  return r_ ? PQntuples(r_.get()) : 0;
}

bool pg_rows::null(int row, int col) const {
  return PQgetisnull(r_.get(), row, col) != 0;
}

int64_t pg_rows::integer(int row, int col) const {
  if (null(row, col))
    return 0;
  auto n = PQgetlength(r_.get(), row, col);
  auto x = get_be(PQgetvalue(r_.get(), row, col), n);
  switch (n) {
    case 2:
      return static_cast<int16_t>(x);
    case 4:
      return static_cast<int32_t>(x);
    default:
      return static_cast<int64_t>(x);
  }
}

std::string pg_rows::text(int row, int col) const {
  return {PQgetvalue(r_.get(), row, col),
          static_cast<size_t>(PQgetlength(r_.get(), row, col))};
}

std::vector<char> pg_rows::bytes(int row, int col) const {
  auto* p = PQgetvalue(r_.get(), row, col);
  return {p, p + PQgetlength(r_.get(), row, col)};
}

int64_t pg_rows::changed() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n != '\0' ? std::strtoll(n, nullptr, 10) : 0;
}

std::string shown_uri(const std::string& uri) {
  static const std::regex userinfo{R"(^(postgres(ql)?://[^:@/?]*):[^@/?]*@)"};
  static const std::regex password{R"(([?&])password=[^&]*)"};
  auto out = std::regex_replace(uri, userinfo, "$1@");
  return std::regex_replace(out, password, "$1password=...");
}

std::unique_ptr<pg_connection> pg_connection::open(const std::string& uri,
                                                   const std::string& what,
                                                   std::string& error) {
  std::unique_ptr<pg_connection> c{
    new pg_connection(uri, what + " " + shown_uri(uri))};
  if (!c->ensure(error))
    return nullptr;
  return c;
}

pg_connection::~pg_connection() {
  if (conn_ != nullptr)
    PQfinish(conn_);
}

bool pg_connection::fail(std::string& error, const std::string& what) {
  error = where_ + ": " + what;
  return false;
}

bool pg_connection::ensure(std::string& error) {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK)
    return true;
  if (conn_ != nullptr)
    PQfinish(conn_);
  conn_ = PQconnectdb(uri_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn_);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
      why.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    return fail(error, "cannot connect: " + why);
  }
  ++generation_;
  // Errors reach the log with their text; notices (IF NOT EXISTS) do not.
  PQsetNoticeProcessor(
    conn_, [](void*, const char*) {}, nullptr);
  return true;
}

bool pg_connection::run(const char* sql, std::string& error) {
  if (!ensure(error))
    return false;
  PGresult* raw = PQexec(conn_, sql);
  bool ok = raw != nullptr && succeeded(raw);
  if (!ok)
    fail(error, message_of(raw, conn_));
  PQclear(raw);
  return ok;
}

pg_rows pg_connection::query(const char* sql, const pg_params& params,
                             std::string& error) {
  if (!ensure(error))
    return {};
  auto values = params.pointers();
  auto* raw
    = PQexecParams(conn_, sql, params.size(), params.types(), values.data(),
                   params.lengths(), params.formats(), 1);
  if (raw == nullptr || !succeeded(raw)) {
    fail(error, message_of(raw, conn_));
    PQclear(raw);
    return {};
  }
  return pg_rows{raw};
}

bool pg_connection::pipeline(const std::vector<pg_statement>& statements,
                             std::vector<pg_rows>& out, std::string& error,
                             std::string& state) {
  out.clear();
  state.clear();
  if (!ensure(error))
    return false;
  if (PQenterPipelineMode(conn_) != 1)
    return fail(error, PQerrorMessage(conn_));
  bool sent = true;
  for (auto& s : statements) {
    auto values = s.params.pointers();
    if (PQsendQueryParams(conn_, s.sql, s.params.size(), s.params.types(),
                          values.data(), s.params.lengths(), s.params.formats(),
                          1)
        != 1) {
      sent = false;
      break;
    }
  }
  if (!sent || PQpipelineSync(conn_) != 1) {
    fail(error, PQerrorMessage(conn_));
    PQfinish(conn_); // a half-sent pipeline: start over
    conn_ = nullptr;
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < statements.size(); ++i) {
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) { // the connection broke
      ok = ok && fail(error, PQerrorMessage(conn_));
      break;
    }
    if (ok && !succeeded(raw)) {
      ok = fail(error, message_of(raw, conn_));
      state = sqlstate_of(raw);
    }
    out.emplace_back(raw);
    while (PGresult* extra = PQgetResult(conn_)) // the end of this one
      PQclear(extra);
  }
  // The sync's own result, then out of pipeline mode.
  while (PGresult* raw = PQgetResult(conn_)) {
    auto s = PQresultStatus(raw);
    PQclear(raw);
    if (s == PGRES_PIPELINE_SYNC)
      break;
  }
  if (PQexitPipelineMode(conn_) != 1 || PQstatus(conn_) != CONNECTION_OK) {
    ok = ok && fail(error, PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    return ok;
  }
  // A failed statement leaves the transaction block it was in aborted.
  if (!ok && PQtransactionStatus(conn_) == PQTRANS_INERROR)
    PQclear(PQexec(conn_, "ROLLBACK"));
  return ok;
}

} // namespace order_node
