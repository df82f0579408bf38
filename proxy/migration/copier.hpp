// The data work of one migration job (docs/migrations.md, "Why nothing is lost"):
//   - apply_changes: the change log's entries to the target. For every key named, the
//     source row is read FOR UPDATE and the target made to hold exactly that row, on the
//     node it routes to, and nowhere else the entries say it was; entries are forgotten
//     only after the target took them. Idempotent and order-free: a change applied twice
//     or late writes what the source holds now.
//   - copy_batch: the next key range of the source, read FOR UPDATE and REPLACEd into
//     the target while the rows stay locked, so no write to those rows interleaves: one
//     made before is in the copy, one made after is in the change log (the triggers came
//     first) and applied after it. A deleted row is never read, so never resurrected.
//   - check_chunk / repair: checksums of a key range on both sides; a difference is
//     re-checked after the change log is drained (a write in flight is not a
//     difference), and repaired by making the target hold the source's range exactly.
//   - apply_reverse (switch_writes): the target nodes' change logs to the source. For
//     each key named, the target row is looked up on every node and the source made to
//     hold it (or not). The job is then the source's only writer, and every entry is
//     applied after its write committed, so the last application of a key writes its
//     final state.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <spdlog/logger.h>

#include "proxy/migration/job.hpp"
#include "proxy/migration/link.hpp"
#include "proxy/migration/placement.hpp"
#include "proxy/migration/route.hpp"

namespace shardwire::proxy::migration {

using row = router::move_sql::row;

class copier {
 public:
  // `ticks`: where apply_changes publishes read-your-writes tickets (route.hpp).
  // `claims`: this copier's first source connection takes the job's named lock (the
  // driver's does; the applier's, which runs only once the driver claimed, does not).
  copier(job& j, const config& cfg, topology& topo, connection_limits& limits, route_state& ticks, bool claims = true);

  // "" when the job's target is usable under `cfg`'s rules, else why not.
  static std::string check_target(const job& j, const config& cfg);

  // The job's connection to its source, with its named lock: an error while another
  // process (a second proxy with the same migrations file) drives the job.
  asio::awaitable<sql_result<void>> claim();
  asio::awaitable<sql_result<void>> install_triggers();
  asio::awaitable<sql_result<void>> drop_triggers();
  // switch_writes: the source refuses every write but the job's (migration_sql guard triggers).
  asio::awaitable<sql_result<void>> install_guard();
  asio::awaitable<sql_result<void>> drop_guard();
  void release();  // closes the job's connections (a finished job holds none)
  asio::awaitable<sql_result<void>> install_reverse_triggers();
  asio::awaitable<sql_result<void>> drop_reverse_triggers();
  asio::awaitable<sql_result<std::size_t>> apply_changes();  // entries applied (0: none waiting)
  asio::awaitable<sql_result<std::size_t>> apply_reverse();  // the same, target to source
  // Applies until a look finds the log empty; false when it did not within `limit`.
  asio::awaitable<sql_result<bool>> drain_forward(std::chrono::milliseconds limit);
  asio::awaitable<sql_result<bool>> drain_reverse(std::chrono::milliseconds limit);
  asio::awaitable<sql_result<void>> rename_source(const std::string& to);
  struct copy_step {
    std::size_t rows = 0;
    bool done = false;  // the last source node's last batch
  };
  asio::awaitable<sql_result<copy_step>> copy_batch();
  // The next chunk: true when it was the last one. A persistent difference is appended
  // to job.verify.differences.
  asio::awaitable<sql_result<bool>> check_chunk();
  asio::awaitable<sql_result<bool>> repair(const key_range& r);  // true: the range now matches
  // Why the copy should wait now (replica lag, primary load), "" when it need not.
  asio::awaitable<std::string> wait_reason();
  asio::awaitable<sql_result<std::uint64_t>> row_estimate();

 private:
  struct node_writes {
    std::vector<std::string> deletes;
    std::vector<row> rows;
  };
  using writes = std::map<std::size_t, node_writes>;
  struct sums {
    std::uint64_t count = 0, hash = 0;
    bool operator==(const sums&) const = default;
  };

  const router::table_rule& rule() const { return *rule_; }
  link& target_link(std::size_t node);
  // The source side: its physical tables (one when unsharded), a link per data source
  // (the first node's holds the job's named lock), and the transactions a locked step
  // opened on them.
  link& source_link(std::size_t node) { return *sources_.at(job_.source_nodes.at(node).data_source); }
  std::vector<router::data_node> source_databases() const;  // one node per physical database
  std::string source_tag(std::size_t node) const;  // unsharded: the job's name; sharded: <job>-s<node>
  std::optional<std::size_t> place_on_source(const row& r) const;
  asio::awaitable<sql_result<void>> begin_on(std::size_t node);
  asio::awaitable<sql_result<void>> commit_sources();
  asio::awaitable<void> rollback_sources();
  // The source rows with these keys, locked, from the nodes whose databases logged them
  // (every node when `dbs` is empty). Transactions are opened on their links.
  asio::awaitable<sql_result<std::vector<row>>> locked_rows(const std::vector<std::string>& keys,
                                                          const std::set<std::pair<std::string, std::string>>& dbs);
  std::string target_tag(std::size_t node) const;  // its triggers' tag: <job>-<node>
  std::vector<router::data_node> target_databases() const;  // one node per physical database
  std::optional<std::size_t> place(const row& r) const;
  const std::string& key_of(const row& r) const { return *r[key_index_]; }
  asio::awaitable<sql_result<void>> apply(const writes& w);
  std::map<std::string, std::size_t> place_rows(std::vector<row>& rows, writes& w);
  asio::awaitable<sql_result<void>> apply_and_commit(const writes& w);
  // The ids read from each change log, forgotten once applied (else applied again: harmless).
  using log_ids = std::vector<std::pair<router::data_node, std::vector<std::string>>>;
  asio::awaitable<std::size_t> forget(std::map<std::string, std::unique_ptr<link>>& links, const log_ids& seen);
  asio::awaitable<sql_result<sums>> source_sums(const std::string& lo, const std::string& hi);
  asio::awaitable<sql_result<sums>> target_sums(const std::string& lo, const std::string& hi);
  asio::awaitable<sql_result<void>> drain();  // waits for the applier to apply what is committed now (bounded)
  asio::awaitable<sql_result<bool>> range_matches(key_range& r);

  job& job_;
  const config& cfg_;
  topology& topo_;
  const router::table_rule* rule_ = nullptr;
  std::size_t key_index_ = 0;
  std::vector<std::size_t> route_index_;
  std::map<std::string, std::unique_ptr<link>> sources_;  // by data source
  std::set<std::string> begun_;                             // source data sources in a transaction
  const router::table_rule* source_rule_ = nullptr;         // a sharded source's (the way back places by it)
  std::vector<std::size_t> source_route_index_;
  std::map<std::string, std::unique_ptr<link>> targets_;  // by data source
  route_state& ticks_;
};

}  // namespace shardwire::proxy::migration
