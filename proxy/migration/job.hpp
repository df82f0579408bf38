// One online migration job (docs/migrations.md): what moves where, the phase it is in,
// the throttle, and the progress of each activity, kept in the migrations file so that
// a restarted proxy resumes where it stopped. Pure data and its JSON form.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "router/migration_sql.hpp"

namespace shardwire::proxy::migration {

// Entered by API calls, in this order. double_write: the source's triggers log every
// write and the job applies it to the target; backfill: history copied (double-write
// goes on); verify: checksums by key range (double-write goes on); switch_reads: reads
// of the source's name served by the target; switch_writes: the target authoritative,
// its triggers log every write and the job applies it to the source (the way back);
// cleaned_up: no more logging either way, the source kept (or renamed), its name still
// routed to the target. rollback returns to verify from either switch.
enum class phase { created, double_write, backfill, verify, switch_reads, switch_writes, cleaned_up };
const char* phase_name(phase p);
std::optional<phase> phase_from(std::string_view name);

struct throttle {
  std::uint64_t rows_per_second = 5000;  // backfill's copy rate
  std::size_t batch_rows = 500;          // rows per locked copy batch (and per change batch)
  std::int64_t max_replica_lag_ms = 1000;  // backfill waits while a replica of the source or target lags more
  std::int64_t max_threads_running = 32;   // ... or while the source primary's Threads_running exceeds this
  // How long a write's OK waits for the target to hold it (double_write to switch_reads);
  // 0: the OK does not wait (the change log still carries the write).
  std::uint32_t ack_wait_ms = 2000;
};

struct key_range {  // (lo, hi]; "" is open
  std::string lo, hi;
  std::uint64_t source_rows = 0, target_rows = 0;
};

struct job {
  std::string name;
  // The source: an unsharded table (data source, database, table), or a sharded logical
  // table of the config (schema, table) whose physical tables are `source_nodes`, read
  // from the config at creation (`source` is then the first of them).
  router::data_node source;
  std::string source_schema, source_table;  // a sharded source's logical name ("" when unsharded)
  std::vector<router::data_node> source_nodes;  // every physical table of the source (one when unsharded)
  std::vector<std::string> source_route_columns;  // a sharded source's sharding columns
  bool sharded_source() const { return !source_table.empty(); }
  // The name clients use for the source (a route's database and table).
  const std::string& source_database() const { return sharded_source() ? source_schema : source.database; }
  const std::string& source_name() const { return sharded_source() ? source_table : source.table; }
  std::string source_text() const { return sharded_source() ? source_schema + "." + source_table : source.text(); }
  std::string target_schema, target_table;
  std::string key;  // the source's integer primary key column
  std::vector<router::move_sql::column> columns;
  std::vector<std::string> route_columns;  // the target's sharding columns
  phase at = phase::created;
  throttle limits;
  std::string created_at;
  // The user variable the job's own connections set, so that the triggers skip their
  // writes: random per job, so a client cannot switch logging off by guessing it.
  std::string apply_token;
  std::string source_renamed_to;  // cleanup's rename_to
  // A cleanup under way (the target's triggers may be gone: no rollback any more); it
  // goes on after a restart, with this rename.
  bool cleaning = false;
  std::string cleaning_rename;

  struct {
    std::uint64_t synced = 0, failures = 0;  // changes applied to the target; failed attempts (retried)
    std::string last_error;
    std::uint64_t pending = 0;  // entries in the change log at the last look
    // Write statements whose OK waited for the target; those let go at the bound (or
    // while applying failed); the microseconds waited (route_state keeps them live).
    std::uint64_t acks_waited = 0, acks_late = 0, ack_wait_us = 0;
  } double_write;

  struct {  // switch_writes: the target's changes applied to the source
    std::uint64_t synced = 0, failures = 0;
    std::string last_error;
  } reverse;

  struct {
    bool running = false, done = false, paused = false;
    std::size_t node = 0;  // the source node being copied (a sharded source's, in order)
    std::string last_key;  // copied up to and including this key (of that node)
    std::uint64_t rows_copied = 0, rows_total = 0;  // total: the server's estimate at start
    std::string waiting;    // why the copy waits now (lag, load), "" when it does not
    double rate = 0;        // rows per second over the last batches
    std::string started_at, finished_at;
  } backfill;

  struct {
    bool running = false, done = false;
    int sample_percent = 100;
    std::size_t chunk_rows = 1000;
    std::string last_key;
    std::uint64_t chunks = 0, chunks_checked = 0, rows_checked = 0, repaired = 0;
    std::vector<key_range> differences;  // at most max_differences kept
    std::uint64_t differences_dropped = 0;  // found past that
    std::string started_at, finished_at;
  } verify;

  std::string error;  // the last failure of an activity (it is retried)
};

inline constexpr std::size_t max_differences = 1000;

nlohmann::json to_json(const job& j);
nlohmann::json source_json(const job& j);  // {data_source, database, table} or {schema, table, nodes, sharding_columns}
// Jobs from the migrations file; throws nlohmann::json::exception on a malformed one.
job job_from_json(const nlohmann::json& v);

std::string now_iso();

}  // namespace shardwire::proxy::migration
