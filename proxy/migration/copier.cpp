#include "proxy/migration/copier.hpp"
#include "proxy/migration/copier_util.hpp"

#include <set>

namespace shardwire::proxy::migration {

std::string copier::check_target(const job& j, const config& cfg) {
  const auto* rule = find_rule(j, cfg);
  if (!rule) return "target " + j.target_schema + "." + j.target_table + " is not a sharded logical table";
  auto key = index_of(j.columns, j.key);
  if (!key || !j.columns[*key].numeric) return "the source's key " + j.key + " is not an integer column";
  for (const auto& c : rule->sharding_columns()) {
    auto i = index_of(j.columns, c);
    if (!i) return "the target's sharding column " + c + " is not a column of the source";
    if (!j.columns[*i].numeric) return "the target's sharding column " + c + " is not an integer column of the source";
  }
  return "";
}

copier::copier(job& j, const config& cfg, topology& topo, connection_limits& limits, route_state& ticks)
    : job_(j), cfg_(cfg), topo_(topo), rule_(find_rule(j, cfg)),
      source_(limits, topo, cfg.data_sources.at(j.source.data_source), j.apply_token, j.name), ticks_(ticks) {
  key_index_ = *index_of(j.columns, j.key);  // check_target passed
  for (const auto& c : j.route_columns) route_index_.push_back(*index_of(j.columns, c));
  for (const auto& n : rule_->nodes()) {
    if (!targets_.count(n.data_source)) {
      targets_[n.data_source] = std::make_unique<link>(limits, topo, cfg.data_sources.at(n.data_source), j.apply_token);
    }
  }
}

link& copier::target_link(std::size_t node) { return *targets_.at(rule().node(node).data_source); }

std::string copier::target_tag(std::size_t node) const { return job_.name + "-" + std::to_string(node); }

std::vector<router::data_node> copier::target_databases() const {
  std::vector<router::data_node> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& n : rule().nodes()) {
    if (seen.insert({n.data_source, n.database}).second) out.push_back(n);
  }
  return out;
}

std::optional<std::size_t> copier::place(const row& r) const {
  values v;
  for (auto i : route_index_) v.push_back(i < r.size() ? r[i] : std::nullopt);
  return node_for(rule(), job_.route_columns, v);
}

asio::awaitable<sql_result<void>> copier::rollback_source() {
  auto r = co_await source_.exec("ROLLBACK");
  if (!r) source_.drop();  // closing it rolls back
  co_return r;
}

// Deletes first, then the copies, node by node; each statement commits on its own (a
// crash in between is repaired by the next application of the same entries).
asio::awaitable<sql_result<void>> copier::apply(const writes& w) {
  for (const auto& [node, nw] : w) {
    link& l = target_link(node);
    const auto& dn = rule().node(node);
    if (!nw.deletes.empty()) {
      auto del = sql::delete_keys(dn, job_.key, nw.deletes);
      auto r = co_await l.exec(del);
      if (!r) co_return r;
    }
    if (nw.rows.empty()) continue;
    auto stmts = router::move_sql::insert_rows(dn, job_.columns, nw.rows, 1u << 20, "REPLACE");
    if (!stmts) co_return protocol::make_error(protocol::errc::internal, "a source value that is not what was read");
    for (const auto& s : *stmts) {
      auto r = co_await l.exec(s);
      if (!r) co_return r;
    }
  }
  co_return sql_result<void>{};
}

// Moves each row into the writes of the node it routes to; where each key lives.
std::map<std::string, std::size_t> copier::place_rows(std::vector<row>& rows, writes& w) {
  std::map<std::string, std::size_t> lives_on;
  for (auto& r : rows) {
    if (key_index_ >= r.size() || !r[key_index_] || !sql::integer_text(*r[key_index_])) {
      job_.error = "a source row whose key is not an integer: not copied";  // never into a statement
      continue;
    }
    auto n = place(r);
    if (!n) {
      job_.error = "row " + key_of(r) + " has sharding values that route to no target node: not copied";
      continue;
    }
    lives_on[key_of(r)] = *n;
    w[*n].rows.push_back(std::move(r));
  }
  return lives_on;
}

// The target writes, then the source transaction (holding the rows' locks) committed;
// rolled back when the target refused.
asio::awaitable<sql_result<void>> copier::apply_and_commit(const writes& w) {
  auto applied = co_await apply(w);
  if (!applied) {
    co_await rollback_source();
    co_return applied.error();
  }
  auto committed = co_await source_.exec("COMMIT");
  co_return committed;
}

asio::awaitable<sql_result<void>> copier::claim() {
  auto c = co_await source_.get();
  if (!c) co_return c.error();
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<void>> copier::install_triggers() {
  auto made = co_await source_.exec(sql::create_changelog(job_.source));
  if (!made) co_return made;
  auto present = co_await source_.rows(sql::triggers_query(job_.source, job_.name));  // tag: the job's name
  if (!present) co_return present.error();
  if (present->rows.size() == 3) co_return sql_result<void>{};
  auto drops = sql::drop_triggers(job_.source, job_.name);  // (named: GCC 12 range-for)
  for (const auto& s : drops) {
    auto r = co_await source_.exec(s);
    if (!r) co_return r;
  }
  auto creates = sql::create_triggers(job_.source, job_.name, job_.name, job_.apply_token, job_.key, job_.route_columns);
  for (const auto& s : creates) {
    auto r = co_await source_.exec(s);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<void>> copier::install_guard() {
  auto stmts = sql::drop_guard_triggers(job_.source, job_.name);  // (named: GCC 12 range-for)
  auto creates = sql::create_guard_triggers(job_.source, job_.name, job_.apply_token);
  stmts.insert(stmts.end(), creates.begin(), creates.end());
  for (const auto& s : stmts) {
    auto r = co_await source_.exec(s);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<void>> copier::drop_guard() {
  auto drops = sql::drop_guard_triggers(job_.source, job_.name);
  for (const auto& s : drops) {
    auto r = co_await source_.exec(s);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

void copier::release() {
  source_.drop();
  for (auto& [_, l] : targets_) l->drop();
}

asio::awaitable<sql_result<void>> copier::drop_triggers() {
  auto drops = sql::drop_triggers(job_.source, job_.name);
  for (const auto& s : drops) {
    auto r = co_await source_.exec(s);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<bool>> copier::drain_forward(std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    auto n = co_await apply_changes();
    if (!n) co_return n.error();
    if (*n == 0) co_return value(true);
  }
  co_return value(false);
}

asio::awaitable<sql_result<void>> copier::rename_source(const std::string& to) {
  const std::string rename = sql::rename_table(job_.source, to);  // (named before co_await: GCC 12)
  auto done = co_await source_.exec(rename);
  co_return done;
}

asio::awaitable<sql_result<std::size_t>> copier::apply_changes() {
  const std::uint64_t ticket = ticks_.read_ticket.fetch_add(1) + 1;  // taken before the look
  auto t = co_await source_.rows(sql::read_changes(job_.source, job_.name, job_.limits.batch_rows));
  if (!t) co_return t.error();
  if (t->rows.empty()) {
    job_.double_write.pending = 0;
    ticks_.caught_up.store(ticket);  // every write committed before the ticket is on the target
    co_return value(std::size_t{0});
  }
  std::vector<std::string> ids;
  std::set<std::string> keys;
  std::map<std::string, std::set<std::size_t>> was_on;  // key -> nodes an entry says it was on
  for (const auto& e : t->rows) {
    if (e.size() < 4 || !e[0]) continue;
    ids.push_back(*e[0]);
    for (int k = 1; k <= 2; ++k) {
      if (e[k] && sql::integer_text(*e[k])) keys.insert(*e[k]);
    }
    if (!e[1] || !sql::integer_text(*e[1])) continue;
    std::optional<std::size_t> n;
    if (e[3]) {
      auto v = route_values(*e[3], job_.route_columns.size());
      if (v) n = node_for(rule(), job_.route_columns, *v);
    }
    if (n) {
      was_on[*e[1]].insert(*n);
    } else {  // where it was is unknown: make sure it is nowhere else
      for (std::size_t i = 0; i < rule().node_count(); ++i) was_on[*e[1]].insert(i);
    }
  }
  std::vector<std::string> key_list(keys.begin(), keys.end());
  auto begun = co_await source_.exec("BEGIN");
  if (!begun) co_return begun.error();
  auto now = co_await source_.rows(sql::select_keys(job_.source, job_.columns, job_.key, key_list, true));
  if (!now) {
    co_await rollback_source();
    co_return now.error();
  }
  writes w;
  auto lives_on = place_rows(now->rows, w);
  for (const auto& [k, nodes] : was_on) {
    auto at = lives_on.find(k);
    for (auto n : nodes) {
      if (at == lives_on.end() || at->second != n) w[n].deletes.push_back(k);
    }
  }
  auto applied = co_await apply_and_commit(w);
  if (!applied) co_return applied.error();
  (void)co_await source_.exec(sql::forget_changes(job_.source, job_.name, ids));  // else applied again: harmless
  job_.double_write.synced += ids.size();
  job_.double_write.pending = t->rows.size() < job_.limits.batch_rows ? 0 : job_.limits.batch_rows;
  co_return value(ids.size());
}

asio::awaitable<sql_result<std::size_t>> copier::copy_batch() {
  auto begun = co_await source_.exec("BEGIN");
  if (!begun) co_return begun.error();
  auto got = co_await source_.rows(
      sql::select_range(job_.source, job_.columns, job_.key, job_.backfill.last_key, job_.limits.batch_rows, true));
  if (!got) {
    co_await rollback_source();
    co_return got.error();
  }
  if (got->rows.empty()) {
    co_await rollback_source();
    co_return value(std::size_t{0});
  }
  const auto& tail = got->rows.back();
  if (key_index_ >= tail.size() || !tail[key_index_] || !sql::integer_text(*tail[key_index_])) {
    co_await rollback_source();
    co_return protocol::make_error(protocol::errc::internal, "a source key that is not an integer");
  }
  std::string last = key_of(tail);
  std::size_t n = got->rows.size();
  writes w;
  place_rows(got->rows, w);
  auto applied = co_await apply_and_commit(w);
  if (!applied) co_return applied.error();
  job_.backfill.last_key = last;
  job_.backfill.rows_copied += n;
  co_return value(n);
}

asio::awaitable<std::string> copier::wait_reason() {
  if (job_.limits.max_replica_lag_ms >= 0) {
    std::set<const data_source*> sources{&source_.source()};
    for (const auto& [_, l] : targets_) sources.insert(&l->source());
    for (const auto* ds : sources) {
      auto members = topo_.nodes(*ds);  // (named: GCC 12 range-for)
      for (const auto* n : members) {
        if (n == &topo_.primary(*ds) || !n->up.load()) continue;
        auto lag = n->lag_ms.load();
        if (lag > job_.limits.max_replica_lag_ms) {
          std::string why = "replica ";
          why.append(n->address).append(" of ").append(ds->name);
          if (lag == lag_unbounded) {
            why.append(": replication stopped");
          } else {
            why.append(" lags ").append(std::to_string(lag)).append(" ms");
          }
          co_return why;
        }
      }
    }
  }
  if (job_.limits.max_threads_running > 0) {
    auto t = co_await source_.rows("SHOW GLOBAL STATUS LIKE 'Threads_running'");
    if (t && !t->rows.empty() && t->rows[0].size() > 1 && t->rows[0][1]) {
      auto running = std::strtoll(t->rows[0][1]->c_str(), nullptr, 10);
      if (running > job_.limits.max_threads_running) {
        co_return "the source primary runs " + std::to_string(running) + " threads (bound " +
                  std::to_string(job_.limits.max_threads_running) + ")";
      }
    }
  }
  co_return "";
}

asio::awaitable<sql_result<std::uint64_t>> copier::row_estimate() {
  auto t = co_await source_.rows(sql::table_rows_estimate(job_.source));
  if (!t) co_return t.error();
  if (t->rows.empty() || t->rows[0].empty()) co_return value(std::uint64_t{0});
  co_return value(to_u64(t->rows[0][0]));
}

}  // namespace shardwire::proxy::migration

