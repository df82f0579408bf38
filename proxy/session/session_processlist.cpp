// SHOW [FULL] PROCESSLIST and information_schema.PROCESSLIST, answered from the proxy's
// own sessions (router/processlist.hpp says why). A user sees their own sessions; users
// configured with "admin": true see every session. Each session describes itself on its
// own worker's thread.
#include <spdlog/spdlog.h>

#include "protocol/capabilities.hpp"
#include "proxy/session/client_session.hpp"
#include "router/counts_sql.hpp"
#include "router/processlist.hpp"

namespace shardwire::proxy {

namespace cap = protocol::cap;
using protocol::errc;
using protocol::make_error;

namespace {

// describe() of every registered session of one worker, run on that worker's thread.
asio::awaitable<std::vector<client_session::info>> describe_on(asio::io_context& ioc,
                                                              std::vector<std::weak_ptr<client_session>> sessions) {
  std::vector<client_session::info> out;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&ioc, &sessions, &out](auto handler) {
        asio::post(ioc, [&sessions, &out, h = std::move(handler)]() mutable {
          for (auto& w : sessions) {
            if (auto s = w.lock()) {
              out.push_back(s->describe());
              // Dropped here, on its own thread, should it be the last reference.
              s.reset();
            }
          }
          auto ex = asio::get_associated_executor(h);
          asio::post(ex, std::move(h));
        });
      },
      asio::use_awaitable);
  co_return out;
}

router::process_row row_of(const client_session::info& i, bool full) {
  router::process_row r;
  r.id = i.id;
  r.user = i.user;
  r.host = i.client;
  if (!i.schema.empty()) r.db = i.schema;
  bool busy = i.state == "statement" || i.state == "command";
  r.command = i.state == "login" ? "Connect" : busy ? "Query" : "Sleep";
  r.state = busy ? "executing" : "";
  if (busy && !i.statement.empty()) r.info = full ? i.statement : i.statement.substr(0, 100);
  r.time_s = i.state_ms / 1000.0;
  return r;
}

// performance_schema's SESSION_CONNECT_ATTRS (the sessions the user may see) and
// SESSION_ACCOUNT_CONNECT_ATTRS (the user's own) in `sql`, as rows of the proxy's sessions.
std::optional<std::string> substitute_connect_attrs(const std::string& sql, const std::vector<client_session::info>& infos,
                                                    const std::string& me) {
  std::vector<router::connect_attr_row> all, own;
  for (const auto& i : infos) {
    if (!i.attributes) continue;
    std::uint32_t ordinal = 0;
    for (const auto& [k, v] : *i.attributes) {
      router::connect_attr_row r{i.id, k, v, ordinal++};
      if (i.user == me) own.push_back(r);
      all.push_back(std::move(r));
    }
  }
  std::optional<std::string> out = sql;
  auto each = [&](const char* table, const std::vector<router::connect_attr_row>& rows) {
    if (!out) return;
    std::string upper = router::ascii_upper(*out);
    if (upper.find(table) == std::string::npos) return;
    out = router::substitute_table(*out, "PERFORMANCE_SCHEMA", table, router::connect_attrs_table_sql(rows));
  };
  each("SESSION_CONNECT_ATTRS", all);
  each("SESSION_ACCOUNT_CONNECT_ATTRS", own);
  return out;
}

}  // namespace

asio::awaitable<bool> client_session::answer_processlist(std::uint8_t seq) {
  stmt_.route = route_kind::proxy;
  bool show = analysis_.show_processlist;
  if (!show && !analysis_.single()) {
    co_return co_await send_error(make_error(errc::not_supported, "PROCESSLIST inside a multi-statement batch"), seq);
  }
  // The sessions this user may see, grouped by the worker that runs them.
  const client_user* me = cfg_->find_user(user());
  bool admin = me && me->admin;
  std::map<asio::io_context*, std::vector<std::weak_ptr<client_session>>> by_worker;
  for (auto& e : worker_.state.sessions.all()) by_worker[e.ioc].push_back(std::move(e.session));
  std::vector<router::process_row> rows;
  std::vector<client_session::info> visible;
  for (auto& [ioc, list] : by_worker) {
    auto infos = co_await describe_on(*ioc, std::move(list));
    for (auto& i : infos) {
      if (!admin && i.user != user()) continue;
      rows.push_back(row_of(i, !show || analysis_.show_processlist_full));
      visible.push_back(std::move(i));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (!show) {
    std::string text(stmt_.sql);
    auto counted = router::substitute_counts(text, {row_count_, found_rows_, id_});  // CONNECTION_ID() is the session's
    if (counted) text = std::move(*counted);
    std::optional<std::string> sql = text;
    if (analysis_.processlist) sql = router::substitute_processlist(text, router::processlist_table_sql(rows));
    if (sql && analysis_.connect_attrs) sql = substitute_connect_attrs(*sql, visible, user());
    if (!sql) {
      co_return co_await send_error(
          make_error(errc::not_supported, "PROCESSLIST other than SHOW [FULL] PROCESSLIST or "
                                          "information_schema.PROCESSLIST named with its schema, or connection "
                                          "attributes other than performance_schema.SESSION_[ACCOUNT_]CONNECT_ATTRS"),
          seq);
    }
    router::route_target target{cfg_->default_data_source, "", std::move(*sql)};
    plan_executor ex = executor();
    co_return co_await ex.run_single(target, seq);
  }
  protocol::bytes out, payload;
  auto emit = [&](auto&& build) {
    payload.clear();
    build(payload);
    protocol::frame_message(out, payload, seq);
  };
  static constexpr const char* names[] = {"Id", "User", "Host", "db", "Command", "Time", "State", "Info", "Progress"};
  emit([](protocol::bytes& b) { protocol::writer(b).lenenc_int(9); });
  for (const char* name : names) {
    emit([&](protocol::bytes& b) {
      protocol::column_definition c;
      c.table = c.org_table = "PROCESSLIST";
      c.name = c.org_name = name;
      c.length = 65535;
      std::string_view n = name;
      if (n == "Id" || n == "Time") {
        c.type = 0x08;  // LONGLONG
        c.charset = 63;
        c.length = 21;
      } else if (n == "Progress") {
        c.type = 0xF6;  // NEWDECIMAL
        c.charset = 63;
        c.decimals = 3;
        c.length = 9;
      }
      protocol::encode_column_definition(b, c, extended_metadata());
    });
  }
  bool deprecate = caps_ & cap::deprecate_eof;
  if (!deprecate) emit([&](protocol::bytes& b) { protocol::encode_eof(b, {0, session_status()}); });
  for (const auto& r : rows) {
    emit([&](protocol::bytes& b) {
      protocol::encode_text_row(b, {std::to_string(r.id), r.user, r.host, r.db, r.command,
                                    std::to_string(static_cast<std::int64_t>(r.time_s)), r.state, r.info, "0.000"});
    });
  }
  emit([&](protocol::bytes& b) {
    if (deprecate) {
      protocol::encode_ok(b, {protocol::eof_header, 0, 0, session_status(), 0, {}});
    } else {
      protocol::encode_eof(b, {0, session_status()});
    }
  });
  stmt_.rows_sent = rows.size();
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), use_nothrow);
  co_return !ec;
}

}  // namespace shardwire::proxy
