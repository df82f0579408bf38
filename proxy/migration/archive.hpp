// Archival (docs/migrations.md, "Archival"): rows matching a condition moved from every
// physical table of a logical table (or from one unsharded table) to an archive table on
// a chosen data source, in key-ranged, throttled batches. Each batch: the rows read FOR
// UPDATE on the hot node, inserted into the archive (INSERT IGNORE: a row already there
// stays as it is), read back from the archive and compared byte for byte, and only then
// deleted on the hot node, in the transaction that locked them. A crash anywhere leaves
// each row in the hot table (the transaction rolled back; the next run finds its copy
// already archived, equal) or in the archive verified: never lost, never twice. Another
// row under the same key (keys unique per shard only) reads back differently: the batch
// stops, nothing deleted, nothing overwritten. The job file keeps the cursor per node, written
// after every batch.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <spdlog/logger.h>
#include <string>
#include <vector>

#include "proxy/migration/job.hpp"
#include "proxy/migration/link.hpp"

namespace shardwire::proxy::migration {

struct archive_job {
  std::string name;
  std::string source_label;                 // "schema.table" as the operator named it
  std::vector<router::data_node> nodes;     // every hot physical table, in order
  router::data_node archive;                // data source, database, table
  std::string condition;                    // the parsed and re-printed WHERE expression
  std::string key;                          // integer primary key
  std::vector<router::move_sql::column> columns;
  std::uint64_t rows_per_second = 5000;
  std::size_t batch_rows = 500;
  bool running = true, done = false, paused = false;
  std::size_t node = 0;   // the node being archived
  std::string last_key;   // archived up to and including this key on that node
  std::uint64_t rows_archived = 0, batches = 0, verify_failures = 0;
  double rate = 0;
  std::string created_at, finished_at, error;
};

nlohmann::json to_json(const archive_job& a);
archive_job archive_from_json(const nlohmann::json& v);  // throws nlohmann::json::exception

// The batches of one archive job; its links are its own (like a migration's).
class archiver {
 public:
  archiver(archive_job& a, const config& cfg, topology& topo, connection_limits& limits);
  // Creates the archive table from the first hot node's definition when missing.
  asio::awaitable<sql_result<void>> prepare();
  // The next batch: rows moved (0 and done set when every node is through).
  asio::awaitable<sql_result<std::size_t>> batch();
  void release();  // closes its connections

 private:
  link& hot(std::size_t node);
  archive_job& a_;
  std::map<std::string, std::unique_ptr<link>> hot_;  // by data source
  link archive_;
};

}  // namespace shardwire::proxy::migration
