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
#pragma once

#include <map>
#include <memory>
#include <spdlog/logger.h>

#include "proxy/migration/job.hpp"
#include "proxy/migration/link.hpp"
#include "proxy/migration/placement.hpp"

namespace shardwire::proxy::migration {

using row = router::move_sql::row;

class copier {
 public:
  copier(job& j, const config& cfg, topology& topo, connection_limits& limits);

  // "" when the job's target is usable under `cfg`'s rules, else why not.
  static std::string check_target(const job& j, const config& cfg);

  asio::awaitable<sql_result<void>> install_triggers();
  asio::awaitable<sql_result<std::size_t>> apply_changes();  // entries applied (0: none waiting)
  asio::awaitable<sql_result<std::size_t>> copy_batch();     // rows copied (fewer than a batch: done)
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
  std::optional<std::size_t> place(const row& r) const;
  const std::string& key_of(const row& r) const { return *r[key_index_]; }
  asio::awaitable<sql_result<void>> apply(const writes& w);
  asio::awaitable<sql_result<void>> rollback_source();
  asio::awaitable<sql_result<sums>> source_sums(const std::string& lo, const std::string& hi);
  asio::awaitable<sql_result<sums>> target_sums(const std::string& lo, const std::string& hi);
  asio::awaitable<sql_result<void>> drain();  // apply_changes until the log is empty (bounded)

  job& job_;
  const config& cfg_;
  topology& topo_;
  const router::table_rule* rule_ = nullptr;
  std::size_t key_index_ = 0;
  std::vector<std::size_t> route_index_;
  link source_;
  std::map<std::string, std::unique_ptr<link>> targets_;  // by data source
  std::uint64_t applied_up_to_ = 0;  // change log id
};

}  // namespace shardwire::proxy::migration
