// Statement statistics, declared once here and exported by admin/ (/metrics,
// /v1/digests). Each worker keeps its own (worker_stats, digest_table) and touches them
// only on its own thread, so the data path pays no lock or atomic for them; the admin
// plane reads them by running on each worker in turn (server::on_workers) and adding
// them up.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "router/plan_cache.hpp"

namespace shardwire::proxy {

enum class stmt_type : std::uint8_t {
  select,
  insert,
  update,
  delete_,
  replace,
  ddl,
  transaction,
  set,
  show,
  use,
  call,
  other,
  count_
};
// Where a statement ran: unsharded (tables without rules, as sent), one shard, several
// shards, every copy of a broadcast table or every node (DDL), or answered by the
// proxy itself (SHARDWIRE EXPLAIN, KILL).
enum class route_kind : std::uint8_t { unsharded, single, multi, broadcast, proxy, count_ };

inline constexpr std::size_t stmt_type_count = static_cast<std::size_t>(stmt_type::count_);
inline constexpr std::size_t route_kind_count = static_cast<std::size_t>(route_kind::count_);

stmt_type classify_type(std::string_view digest);  // by the first word of a digest
const char* type_name(stmt_type t);
const char* route_name(route_kind r);

// Fixed-bucket histogram (Prometheus style: an observation counts in the first bucket
// whose bound it does not exceed; the last bucket is +Inf).
struct histogram {
  explicit histogram(std::vector<double> bounds) : bounds(std::move(bounds)), counts(this->bounds.size() + 1) {}
  void observe(double v);
  void add(const histogram& o);
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;
  double sum = 0;
  std::uint64_t count = 0;
};

// What the session learns about its current statement while it runs.
struct statement_record {
  bool active = false;
  std::string_view sql;                 // valid while the command runs
  std::string* digest_cache = nullptr;  // a prepared statement's: its digest made once
  std::shared_ptr<const std::string> digest;  // known before it ran: its shape's (router::digest_cache)
  route_kind route = route_kind::unsharded;
  std::uint32_t shards = 1;
  bool merged = false;  // rows came through the merger
  std::uint64_t rows_sent = 0, rows_affected = 0;
  std::uint16_t error = 0;  // the first ERR the client got (0: none)
  std::chrono::steady_clock::time_point started;
};

struct worker_stats {
  std::array<std::array<std::uint64_t, route_kind_count>, stmt_type_count> statements{};
  std::map<std::uint16_t, std::uint64_t> errors;  // by errno
  histogram latency{{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
  histogram fanout{{1, 2, 4, 8, 16, 32, 64, 128, 256}};
  std::uint64_t rows_sent = 0, rows_affected = 0, rows_merged = 0, slow_statements = 0;
  std::uint64_t connections_accepted = 0, logins_failed = 0;
  router::plan_cache::counters plan_cache;  // copied from the worker's cache when collected
  std::uint64_t plan_cache_entries = 0;

  void record(stmt_type t, const statement_record& r, double seconds);
  void add(const worker_stats& o);
};

// Latency distribution of one digest: log-scale buckets, four per doubling from 1 us,
// so a quantile is known within about 19%.
struct latency_buckets {
  static constexpr std::size_t size = 112;  // 1 us .. ~ 270 s
  void observe(std::uint64_t ns);
  void add(const latency_buckets& o);
  double quantile_ms(double q, std::uint64_t count) const;
  std::array<std::uint32_t, size> counts{};
};

struct digest_entry {
  std::string schema, text;
  stmt_type type = stmt_type::other;
  std::uint64_t count = 0, errors = 0, rows_sent = 0, rows_affected = 0, shards = 0;
  std::uint32_t max_shards = 0;
  std::uint64_t total_ns = 0, max_ns = 0;
  std::int64_t first_seen = 0, last_seen = 0;  // unix seconds
  latency_buckets latency;
  void record(const statement_record& r, std::uint64_t ns);
  void add(const digest_entry& o);
};

class digest_table {
 public:
  // Past `max_entries` distinct digests, new ones count in one "(other)" entry.
  void record(const std::string& schema, const std::string& text, stmt_type type, const statement_record& r,
              std::uint64_t ns, std::size_t max_entries);
  // Adds this table's entries into `into` (keyed by schema and text).
  void collect(std::map<std::pair<std::string, std::string>, digest_entry>& into) const;
  void clear() {
    map_.clear();
    size_ = 0;
    other_ = {};
  }

 private:
  std::unordered_map<std::string, std::unordered_map<std::string, digest_entry>> map_;  // schema -> text -> entry
  std::size_t size_ = 0;                                                                // entries in map_
  digest_entry other_;                                                                  // statements past max_entries
};

}  // namespace shardwire::proxy
