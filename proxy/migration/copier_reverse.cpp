// switch_writes: the target's changes logged on its nodes and applied to the source.
#include <set>

#include "proxy/migration/copier_util.hpp"

namespace shardwire::proxy::migration {

// Logs on every target table, into a change log per physical database; no route
// columns (the source is one table).
asio::awaitable<sql_result<void>> copier::install_reverse_triggers() {
  auto dbs = target_databases();
  for (const auto& db : dbs) {
    auto made = co_await targets_.at(db.data_source)->exec(sql::create_changelog(db));
    if (!made) co_return made;
  }
  for (std::size_t i = 0; i < rule().node_count(); ++i) {
    link& l = target_link(i);
    const auto& n = rule().node(i);
    auto tag = target_tag(i);
    auto present = co_await l.rows(sql::triggers_query(n, tag));
    if (!present) co_return present.error();
    if (present->rows.size() == 3) continue;
    auto stmts = sql::drop_triggers(n, tag);
    auto creates = sql::create_triggers(n, job_.name, tag, job_.apply_token, job_.key, {});
    stmts.insert(stmts.end(), creates.begin(), creates.end());
    auto r = co_await l.exec_each(stmts);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<void>> copier::drop_reverse_triggers() {
  for (std::size_t i = 0; i < rule().node_count(); ++i) {
    auto drops = sql::drop_triggers(rule().node(i), target_tag(i));
    auto r = co_await target_link(i).exec_each(drops);
    if (!r) co_return r;
  }
  co_return sql_result<void>{};
}

asio::awaitable<sql_result<std::size_t>> copier::apply_reverse() {
  std::set<std::string> keys;
  log_ids seen;
  auto dbs = target_databases();
  for (const auto& db : dbs) {
    auto t = co_await targets_.at(db.data_source)->rows(sql::read_changes(db, job_.name, job_.limits.batch_rows));
    if (!t) co_return t.error();
    std::vector<std::string> ids;
    for (const auto& e : t->rows) take_entry(e, ids, keys);
    if (!ids.empty()) seen.emplace_back(db, std::move(ids));
  }
  if (seen.empty()) co_return value(std::size_t{0});
  std::vector<std::string> key_list(keys.begin(), keys.end());
  std::map<std::string, row> found;
  for (std::size_t i = 0; i < rule().node_count(); ++i) {
    auto t = co_await target_link(i).rows(sql::select_keys(rule().node(i), job_.columns, job_.key, key_list, false));
    if (!t) co_return t.error();
    for (auto& r : t->rows) found[key_of(r)] = std::move(r);
  }
  // Each key on the source node its row routes to (the one table of an unsharded
  // source), and deleted from every other node.
  const std::size_t nodes = job_.source_nodes.size();
  std::vector<std::vector<row>> rows(nodes);
  std::vector<std::vector<std::string>> gone(nodes);
  for (const auto& k : key_list) {
    auto it = found.find(k);
    std::optional<std::size_t> at;
    if (it != found.end()) {
      at = place_on_source(it->second);
      if (!at) {
        job_.error = "row " + k + " routes to no source node: not written back";
        continue;  // left where it was on the source; the entry is not applied again
      }
    }
    for (std::size_t i = 0; i < nodes; ++i) {
      if (at && *at == i) continue;
      gone[i].push_back(k);
    }
    if (at) rows[*at].push_back(std::move(it->second));
  }
  for (std::size_t i = 0; i < nodes; ++i) {
    if (!gone[i].empty()) {
      auto r = co_await source_link(i).exec(sql::delete_keys(job_.source_nodes[i], job_.key, gone[i]));
      if (!r) co_return r.error();
    }
    if (rows[i].empty()) continue;
    auto stmts = router::move_sql::insert_rows(job_.source_nodes[i], job_.columns, rows[i], 1u << 20, "REPLACE");
    if (!stmts) co_return protocol::make_error(protocol::errc::internal, "a target value that is not what was read");
    auto r = co_await source_link(i).exec_each(*stmts);
    if (!r) co_return r.error();
  }
  const std::size_t n = co_await forget(targets_, seen);
  job_.reverse.synced += n;
  co_return value(n);
}


asio::awaitable<sql_result<bool>> copier::drain_reverse(std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    auto n = co_await apply_reverse();
    if (!n) co_return n.error();
    if (*n == 0) co_return value(true);
  }
  co_return value(false);
}

}  // namespace shardwire::proxy::migration
