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
  if (j.sharded_source() && j.at != phase::cleaned_up) {
    // The way back places rows by the source's rule: it must still be the one the job read.
    const auto* src = find_source_rule(j, cfg);
    if (!src || src->nodes() != j.source_nodes) {
      return "the source " + j.source_text() + " is no longer the sharded table (same nodes) it was at creation";
    }
    for (const auto& c : j.source_route_columns) {
      auto i = index_of(j.columns, c);
      if (!i || !j.columns[*i].numeric) return "the source's sharding column " + c + " is not an integer column";
    }
  }
  return "";
}

copier::copier(job& j, const config& cfg, topology& topo, connection_limits& limits, route_state& ticks, bool claims)
    : job_(j), cfg_(cfg), topo_(topo), rule_(find_rule(j, cfg)), ticks_(ticks) {
  key_index_ = *index_of(j.columns, j.key);  // check_target passed
  for (const auto& c : j.route_columns) route_index_.push_back(*index_of(j.columns, c));
  for (const auto& n : j.source_nodes) {
    // A cleaned-up job's source may be on servers the config no longer has: it needs none.
    if (sources_.count(n.data_source) || !cfg.data_sources.count(n.data_source)) continue;
    // The first node's link holds the job's named lock (claim).
    std::string lock = sources_.empty() && claims ? j.name : "";
    sources_[n.data_source] = std::make_unique<link>(limits, topo, cfg.data_sources.at(n.data_source), j.apply_token, lock);
  }
  if (j.sharded_source()) {
    source_rule_ = find_source_rule(j, cfg);  // none once cleaned up: nothing goes back then
    for (const auto& c : j.source_route_columns) source_route_index_.push_back(*index_of(j.columns, c));
  }
  for (const auto& n : rule_->nodes()) {
    if (!targets_.count(n.data_source)) {
      targets_[n.data_source] = std::make_unique<link>(limits, topo, cfg.data_sources.at(n.data_source), j.apply_token);
    }
  }
}

link& copier::target_link(std::size_t node) { return *targets_.at(rule().node(node).data_source); }

std::string copier::target_tag(std::size_t node) const { return job_.name + "-" + std::to_string(node); }

std::string copier::source_tag(std::size_t node) const {
  // An unsharded source keeps the job's name as its tag (files written before sharded
  // sources existed name its triggers so).
  return job_.sharded_source() ? job_.name + "-s" + std::to_string(node) : job_.name;
}

std::vector<router::data_node> copier::source_databases() const {
  std::vector<router::data_node> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& n : job_.source_nodes) {
    if (seen.insert({n.data_source, n.database}).second) out.push_back(n);
  }
  return out;
}

std::optional<std::size_t> copier::place_on_source(const row& r) const {
  if (!job_.sharded_source()) return 0;
  if (!source_rule_) return std::nullopt;
  values v;
  for (auto i : source_route_index_) v.push_back(i < r.size() ? r[i] : std::nullopt);
  return node_for(*source_rule_, job_.source_route_columns, v);
}

asio::awaitable<sql_result<void>> copier::begin_on(std::size_t node) {
  const auto& ds = job_.source_nodes.at(node).data_source;
  if (begun_.count(ds)) co_return sql_result<void>{};
  auto r = co_await sources_.at(ds)->exec("BEGIN");
  if (r) begun_.insert(ds);
  co_return r;
}

asio::awaitable<sql_result<void>> copier::commit_sources() {
  sql_result<void> out;
  auto open = std::move(begun_);  // (named: GCC 12 range-for)
  begun_.clear();
  for (const auto& ds : open) {
    auto r = co_await sources_.at(ds)->exec("COMMIT");
    if (!r && out) out = r;
  }
  co_return out;
}

asio::awaitable<void> copier::rollback_sources() {
  auto open = std::move(begun_);
  begun_.clear();
  for (const auto& ds : open) {
    auto r = co_await sources_.at(ds)->exec("ROLLBACK");
    if (!r) sources_.at(ds)->drop();  // closing it rolls back
  }
}

asio::awaitable<sql_result<std::vector<row>>> copier::locked_rows(
    const std::vector<std::string>& keys, const std::set<std::pair<std::string, std::string>>& dbs) {
  std::vector<row> out;
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    const auto& n = job_.source_nodes[i];
    if (!dbs.empty() && !dbs.count({n.data_source, n.database})) continue;
    auto begun = co_await begin_on(i);
    if (!begun) co_return begun.error();
    auto t = co_await source_link(i).rows(sql::select_keys(n, job_.columns, job_.key, keys, true));
    if (!t) co_return t.error();
    for (auto& r : t->rows) out.push_back(std::move(r));
  }
  co_return value(std::move(out));
}

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
    auto r = co_await l.exec_each(*stmts);
    if (!r) co_return r;
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

// The target writes, then the source transactions (holding the rows' locks) committed;
// rolled back when the target refused.
asio::awaitable<sql_result<void>> copier::apply_and_commit(const writes& w) {
  auto applied = co_await apply(w);
  if (!applied) {
    co_await rollback_sources();
    co_return applied.error();
  }
  auto committed = co_await commit_sources();
  co_return committed;
}

asio::awaitable<sql_result<void>> copier::claim() {
  auto c = co_await source_link(0).get();
  if (!c) co_return c.error();
  co_return sql_result<void>{};
}

// On every source table: the change log of its database, and its three triggers
// (reinstalled when any is missing).
asio::awaitable<sql_result<void>> copier::install_triggers() {
  auto dbs = source_databases();
  for (const auto& db : dbs) {
    auto made = co_await sources_.at(db.data_source)->exec(sql::create_changelog(db));
    if (!made) co_return made;
  }
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    const auto& n = job_.source_nodes[i];
    const std::string tag = source_tag(i);
    auto present = co_await source_link(i).rows(sql::triggers_query(n, tag));
    if (!present) co_return present.error();
    if (present->rows.size() == 3) continue;
    auto stmts = sql::drop_triggers(n, tag);  // (named: GCC 12 range-for)
    auto creates = sql::create_triggers(n, job_.name, tag, job_.apply_token, job_.key, job_.route_columns);
    stmts.insert(stmts.end(), creates.begin(), creates.end());
    auto r = co_await source_link(i).exec_each(stmts);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<void>> copier::install_guard() {
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    const auto& n = job_.source_nodes[i];
    auto stmts = sql::drop_guard_triggers(n, source_tag(i));
    auto creates = sql::create_guard_triggers(n, source_tag(i), job_.apply_token);
    stmts.insert(stmts.end(), creates.begin(), creates.end());
    auto r = co_await source_link(i).exec_each(stmts);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<void>> copier::drop_guard() {
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    auto drops = sql::drop_guard_triggers(job_.source_nodes[i], source_tag(i));
    auto r = co_await source_link(i).exec_each(drops);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

void copier::release() {
  begun_.clear();
  for (auto& [_, l] : sources_) l->drop();
  for (auto& [_, l] : targets_) l->drop();
}

asio::awaitable<sql_result<void>> copier::drop_triggers() {
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    auto drops = sql::drop_triggers(job_.source_nodes[i], source_tag(i));
    auto r = co_await source_link(i).exec_each(drops);
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

// A sharded source's tables become <to>_<node index>. A table already renamed (a
// cleanup interrupted half-way) is gone under its old name: skipped.
asio::awaitable<sql_result<void>> copier::rename_source(const std::string& to) {
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    const auto& n = job_.source_nodes[i];
    std::string name = to;  // (no ?: with temporaries in a coroutine, GCC 12)
    if (job_.sharded_source()) name.append("_").append(std::to_string(i));
    auto there = co_await source_link(i).rows(sql::table_exists(n));
    if (!there) co_return there.error();
    if (there->rows.empty()) continue;
    router::data_node to_node{n.data_source, n.database, name};
    auto taken = co_await source_link(i).rows(sql::table_exists(to_node));
    if (!taken) co_return taken.error();
    if (!taken->rows.empty()) {
      co_return protocol::make_error(protocol::errc::internal, n.database + "." + name +
                                         " exists: POST cleanup again with another rename_source_to");
    }
    const std::string rename = sql::rename_table(n, name);  // (named before co_await: GCC 12)
    auto done = co_await source_link(i).exec(rename);
    if (!done) co_return done;
  }
  co_return sql_result<void>{};
}

// One look at every source database's change log, then the entries applied together:
// a row that moved between source nodes logs on both, and a key is looked up, locked, on
// the nodes of every database that logged it, then (when absent there) on the others:
// present on one, it is written; on none, deleted.
asio::awaitable<sql_result<std::size_t>> copier::apply_changes() {
  const std::uint64_t ticket = ticks_.read_ticket.fetch_add(1) + 1;  // taken before the look
  const std::size_t limit = job_.limits.batch_rows;  // (a throttle may change it meanwhile)
  log_ids seen;
  std::set<std::pair<std::string, std::string>> dbs;
  std::set<std::string> keys;
  std::map<std::string, std::set<std::size_t>> was_on;  // key -> target nodes an entry says it was on
  bool full = false;
  auto logs = source_databases();
  for (const auto& db : logs) {
    auto t = co_await sources_.at(db.data_source)->rows(sql::read_changes(db, job_.name, limit));
    if (!t) co_return t.error();
    full = full || t->rows.size() >= limit;
    std::vector<std::string> ids;
    for (const auto& e : t->rows) {
      if (!take_entry(e, ids, keys) || !e[1] || !sql::integer_text(*e[1])) continue;
      std::optional<std::size_t> n;
      if (e.size() > 3 && e[3]) {
        auto v = route_values(*e[3], job_.route_columns.size());
        if (v) n = node_for(rule(), job_.route_columns, *v);
      }
      if (n) {
        was_on[*e[1]].insert(*n);
      } else {  // where it was is unknown: make sure it is nowhere else
        for (std::size_t i = 0; i < rule().node_count(); ++i) was_on[*e[1]].insert(i);
      }
    }
    if (!ids.empty()) {
      dbs.insert({db.data_source, db.database});
      seen.emplace_back(db, std::move(ids));
    }
  }
  if (seen.empty()) {
    job_.double_write.pending = 0;
    ticks_.pass(ticket);  // every write committed before the ticket is on the target
    co_return value(std::size_t{0});
  }
  std::vector<std::string> key_list(keys.begin(), keys.end());
  auto now = co_await locked_rows(key_list, dbs);
  if (!now) {
    co_await rollback_sources();
    co_return now.error();
  }
  // A key none of those nodes has may live on another one: a move's insert there was
  // logged, and applied, by an earlier look. Only a key absent from every node is deleted.
  std::set<std::pair<std::string, std::string>> others;
  for (const auto& db : logs) {
    if (!dbs.count({db.data_source, db.database})) others.insert({db.data_source, db.database});
  }
  if (!others.empty()) {
    std::set<std::string> absent = keys;
    for (const auto& r : *now) {
      if (key_index_ < r.size() && r[key_index_]) absent.erase(*r[key_index_]);
    }
    if (!absent.empty()) {
      std::vector<std::string> absent_list(absent.begin(), absent.end());
      auto elsewhere = co_await locked_rows(absent_list, others);
      if (!elsewhere) {
        co_await rollback_sources();
        co_return elsewhere.error();
      }
      for (auto& r : *elsewhere) now->push_back(std::move(r));
    }
  }
  writes w;
  auto lives_on = place_rows(*now, w);
  for (const auto& [k, nodes] : was_on) {
    auto at = lives_on.find(k);
    for (auto n : nodes) {
      if (at == lives_on.end() || at->second != n) w[n].deletes.push_back(k);
    }
  }
  auto applied = co_await apply_and_commit(w);
  if (!applied) co_return applied.error();
  // No log gave a whole batch: the look saw every entry committed before the ticket, and
  // the target holds them all now (waiting OKs go before the entries are forgotten).
  if (!full) ticks_.pass(ticket);
  const std::size_t n = co_await forget(sources_, seen);
  job_.double_write.synced += n;
  job_.double_write.pending = full ? limit : 0;
  co_return value(n);
}

asio::awaitable<std::size_t> copier::forget(std::map<std::string, std::unique_ptr<link>>& links, const log_ids& seen) {
  std::size_t n = 0;
  for (const auto& [db, ids] : seen) {
    (void)co_await links.at(db.data_source)->exec(sql::forget_changes(db, job_.name, ids));
    n += ids.size();
  }
  co_return n;
}

// The next key range of the node the copy is at; past its end, the next node.
asio::awaitable<sql_result<copier::copy_step>> copier::copy_batch() {
  auto& b = job_.backfill;
  const std::size_t node = b.node;
  const std::size_t limit = job_.limits.batch_rows;  // (a throttle may change it meanwhile)
  auto begun = co_await begin_on(node);
  if (!begun) co_return begun.error();
  auto got = co_await source_link(node).rows(
      sql::select_range(job_.source_nodes[node], job_.columns, job_.key, b.last_key, limit, true));
  if (!got) {
    co_await rollback_sources();
    co_return got.error();
  }
  copy_step step;
  step.rows = got->rows.size();
  if (got->rows.empty()) {
    co_await rollback_sources();
  } else {
    const auto& tail = got->rows.back();
    if (key_index_ >= tail.size() || !tail[key_index_] || !sql::integer_text(*tail[key_index_])) {
      co_await rollback_sources();
      co_return protocol::make_error(protocol::errc::internal, "a source key that is not an integer");
    }
    std::string last = key_of(tail);
    writes w;
    place_rows(got->rows, w);
    auto applied = co_await apply_and_commit(w);
    if (!applied) co_return applied.error();
    b.last_key = last;
    b.rows_copied += step.rows;
  }
  if (step.rows < limit) {
    if (node + 1 < job_.source_nodes.size()) {
      b.node = node + 1;
      b.last_key.clear();
    } else {
      step.done = true;
    }
  }
  co_return value(step);
}

asio::awaitable<std::string> copier::wait_reason() {
  if (job_.limits.max_replica_lag_ms >= 0) {
    std::set<const data_source*> sources;
    for (const auto& [_, l] : sources_) sources.insert(&l->source());
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
    for (const auto& [name, l] : sources_) {
      auto t = co_await l->rows("SHOW GLOBAL STATUS LIKE 'Threads_running'");
      if (t && !t->rows.empty() && t->rows[0].size() > 1 && t->rows[0][1]) {
        auto running = std::strtoll(t->rows[0][1]->c_str(), nullptr, 10);
        if (running > job_.limits.max_threads_running) {
          std::string why = "the source primary of ";
          why.append(name).append(" runs ").append(std::to_string(running)).append(" threads (bound ");
          why.append(std::to_string(job_.limits.max_threads_running)).append(")");
          co_return why;
        }
      }
    }
  }
  co_return "";
}

asio::awaitable<sql_result<std::uint64_t>> copier::row_estimate() {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    auto t = co_await source_link(i).rows(sql::table_rows_estimate(job_.source_nodes[i]));
    if (!t) co_return t.error();
    if (!t->rows.empty() && !t->rows[0].empty()) total += to_u64(t->rows[0][0]);
  }
  co_return value(total);
}

}  // namespace shardwire::proxy::migration

