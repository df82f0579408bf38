#include "proxy/xa/recovery.hpp"

#include <spdlog/spdlog.h>

#include "proxy/cluster/topology.hpp"
#include "proxy/net/backend_connection.hpp"
#include "proxy/net/counted_slot.hpp"
#include "router/xa_sql.hpp"

namespace shardwire::proxy::xa {

using namespace ::shardwire::router::xa;

namespace {

struct found_branch {
  std::string data_source;
  xid x;
};

std::int64_t as_int(const std::optional<std::string>& v) {
  return v ? std::strtoll(v->c_str(), nullptr, 10) : -1;
}

// The prepared branches of format 21335 on one primary; the connection stays open for
// resolving them.
asio::awaitable<sql_result<std::vector<xid>>> list_branches(backend_connection& c, counted_slot& slot,
                                                            const data_source& ds, topology& topo) {
  backend_node& primary = topo.primary(ds);
  if (!co_await slot.take(primary, ds.pool.connect_timeout)) {
    co_return protocol::make_error(protocol::errc::backend_pool_timeout, ds.name + " " + primary.address,
                                   ds.pool.connect_timeout.count());
  }
  auto opened = co_await c.open({&ds, &primary, 0, 45}, primary.ep);
  if (!opened) co_return opened.error();
  auto t = co_await c.query_rows(recover_sql, ds.pool.command_timeout);
  if (!t) co_return t.error();
  std::vector<xid> out;
  for (const auto& row : t->rows) {
    if (row.size() < 4 || !row[3]) continue;
    if (auto x = from_recover_row(as_int(row[0]), as_int(row[1]), as_int(row[2]), *row[3])) out.push_back(*x);
  }
  co_return out;
}

// XA COMMIT / ROLLBACK of one branch; an unknown xid was resolved meanwhile.
asio::awaitable<sql_result<void>> resolve(backend_connection& c, const xid& x, bool commit_it) {
  std::string sql = commit_it ? commit(x) : rollback(x);  // (named: no ?: temporaries in co_await, GCC 12)
  auto r = co_await c.internal_query(sql);
  if (!r && (r.error().code == er_xaer_nota || r.error().code == er_xa_rbrollback)) co_return sql_result<void>{};
  co_return r;
}

}  // namespace

asio::awaitable<recovery_pass> recover(coordinator& co, const config& cfg, topology& topo,
                                       connection_limits& limits, std::shared_ptr<spdlog::logger> log) {
  recovery_pass pass;
  coordinator::recovery_view view;
  view.last_run = std::chrono::system_clock::now();
  co.stats.recovery_runs++;
  if (!co.available()) co_return pass;
  decision_log& dlog = co.log();
  std::set<std::string> still_prepared;  // gtrids with a branch left anywhere
  bool every_source_read = true;
  auto ex = co_await asio::this_coro::executor;
  for (const auto& [name, ds] : cfg.data_sources) {
    counted_slot slot(limits);  // (declared first: freed after the connection closes)
    backend_connection c(ex);
    auto listed = co_await list_branches(c, slot, ds, topo);
    if (!listed) {
      every_source_read = false;
      co.stats.recovery_errors++;
      std::string e = name + ": " + listed.error().message;
      pass.errors.push_back(e);
      view.errors.push_back(e);
      continue;
    }
    for (const xid& x : *listed) {
      auto parts = parse_gtrid(x.gtrid);
      in_doubt_branch b{name, x.gtrid, x.bqual, "", false};
      if (parts->proxy_id != co.proxy_id()) {
        b.reason = "prepared by another proxy (proxy id " + parts->proxy_id + ")";
      } else if (co.active(x.gtrid)) {
        still_prepared.insert(x.gtrid);
        continue;  // its session is committing or rolling it back right now
      } else if (dlog.is_pending(x.gtrid)) {
        auto r = co_await resolve(c, x, true);
        if (r) {
          ++pass.committed;
          co.stats.recovered_commits++;
          log->warn("xa recovery: committed branch {} of {} on {} (the log holds its commit decision)", x.bqual,
                    x.gtrid, name);
          continue;
        }
        b.reason = "commit decided; XA COMMIT failed: " + r.error().message;
        b.commit_decided = true;
      } else if (parts->boot < dlog.first_boot()) {
        b.reason = "prepared before this decision log began: whether it was decided is unknown, resolve by hand";
      } else {
        auto r = co_await resolve(c, x, false);
        if (r) {
          ++pass.rolled_back;
          co.stats.recovered_rollbacks++;
          log->warn("xa recovery: rolled back branch {} of {} on {} (no commit decision logged)", x.bqual, x.gtrid,
                    name);
          continue;
        }
        b.reason = "no commit decision; XA ROLLBACK failed: " + r.error().message;
      }
      still_prepared.insert(x.gtrid);
      view.in_doubt.push_back(std::move(b));
    }
    if (!c.broken) co_await c.simple_command(protocol::command::quit);
  }
  // Decisions whose branches are all gone (committed) are complete; with a data source
  // unread, none is known to be.
  auto decided = dlog.pending();  // (named: no temporaries in a coroutine's range-for, GCC 12)
  for (const auto& d : decided) {
    if (co.active(d.gtrid)) continue;
    if (every_source_read && !still_prepared.count(d.gtrid)) {
      dlog.complete(d.gtrid);
      ++pass.completed;
    } else if (!still_prepared.count(d.gtrid)) {
      for (const auto& b : d.branches) {
        view.in_doubt.push_back({b.data_source, d.gtrid, b.bqual, "commit decided; not every data source could be read",
                                 true});
      }
    }
  }
  pass.in_doubt = view.in_doubt.size();
  co.publish(std::move(view));
  co_return pass;
}

asio::awaitable<std::string> resolve_by_hand(coordinator& co, const config& cfg, topology& topo,
                                             connection_limits& limits, const std::string& gtrid, bool commit_it,
                                             std::shared_ptr<spdlog::logger> log) {
  if (!safe_id_text(gtrid)) co_return "not a transaction id";
  if (co.active(gtrid)) co_return "transaction " + gtrid + " is in flight in this proxy";
  auto ex = co_await asio::this_coro::executor;
  std::size_t done = 0;
  std::string errors;
  for (const auto& [name, ds] : cfg.data_sources) {
    counted_slot slot(limits);  // (declared first: freed after the connection closes)
    backend_connection c(ex);
    auto listed = co_await list_branches(c, slot, ds, topo);
    if (!listed) {
      errors += (errors.empty() ? "" : "; ") + name + ": " + listed.error().message;
      continue;
    }
    for (const xid& x : *listed) {
      if (x.gtrid != gtrid) continue;
      auto r = co_await resolve(c, x, commit_it);
      if (!r) {
        errors += (errors.empty() ? "" : "; ") + name + ": " + r.error().message;
        continue;
      }
      ++done;
      log->warn("admin: {} branch {} of {} on {} by hand", commit_it ? "committed" : "rolled back", x.bqual, gtrid,
                name);
    }
    if (!c.broken) co_await c.simple_command(protocol::command::quit);
  }
  if (!errors.empty()) co_return errors;
  if (done == 0) co_return "no prepared branch of " + gtrid + " on any primary";
  if (co.available()) co.log().complete(gtrid);  // the operator decided: recovery stops acting on it
  co_return "";
}

}  // namespace shardwire::proxy::xa
