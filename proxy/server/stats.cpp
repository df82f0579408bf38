#include "proxy/server/stats.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "router/lexer.hpp"

namespace shardwire::proxy {

stmt_type classify_type(std::string_view digest) {
  auto word = digest.substr(0, digest.find_first_of(" (;"));
  std::string w = router::ascii_upper(word);
  if (w == "SELECT" || w == "WITH" || w == "VALUES" || w == "TABLE") return stmt_type::select;
  if (w == "INSERT") return stmt_type::insert;
  if (w == "UPDATE") return stmt_type::update;
  if (w == "DELETE") return stmt_type::delete_;
  if (w == "REPLACE") return stmt_type::replace;
  if (w == "CREATE" || w == "ALTER" || w == "DROP" || w == "TRUNCATE" || w == "RENAME") return stmt_type::ddl;
  if (w == "BEGIN" || w == "START" || w == "COMMIT" || w == "ROLLBACK" || w == "SAVEPOINT" || w == "RELEASE" ||
      w == "XA") {
    return stmt_type::transaction;
  }
  if (w == "SET") return stmt_type::set;
  if (w == "SHOW" || w == "DESCRIBE" || w == "DESC" || w == "EXPLAIN" || w == "SHARDWIRE") return stmt_type::show;
  if (w == "USE") return stmt_type::use;
  if (w == "CALL") return stmt_type::call;
  return stmt_type::other;
}

const char* type_name(stmt_type t) {
  static constexpr const char* names[] = {"select",      "insert", "update", "delete", "replace", "ddl",
                                          "transaction", "set",    "show",   "use",    "call",    "other"};
  return names[static_cast<std::size_t>(t)];
}

const char* route_name(route_kind r) {
  static constexpr const char* names[] = {"unsharded", "single_shard", "multi_shard", "broadcast", "proxy"};
  return names[static_cast<std::size_t>(r)];
}

void histogram::observe(double v) {
  auto it = std::lower_bound(bounds.begin(), bounds.end(), v);
  ++counts[static_cast<std::size_t>(it - bounds.begin())];
  sum += v;
  ++count;
}

void histogram::add(const histogram& o) {
  for (std::size_t i = 0; i < counts.size() && i < o.counts.size(); ++i) counts[i] += o.counts[i];
  sum += o.sum;
  count += o.count;
}

void worker_stats::record(stmt_type t, const statement_record& r, double seconds) {
  ++statements[static_cast<std::size_t>(t)][static_cast<std::size_t>(r.route)];
  if (r.error) ++errors[r.error];
  latency.observe(seconds);
  if (r.route != route_kind::proxy) fanout.observe(r.shards);
  rows_sent += r.rows_sent;
  rows_affected += r.rows_affected;
  if (r.merged) rows_merged += r.rows_sent;
}

void worker_stats::add(const worker_stats& o) {
  for (std::size_t i = 0; i < stmt_type_count; ++i) {
    for (std::size_t j = 0; j < route_kind_count; ++j) statements[i][j] += o.statements[i][j];
  }
  for (const auto& [code, n] : o.errors) errors[code] += n;
  latency.add(o.latency);
  fanout.add(o.fanout);
  rows_sent += o.rows_sent;
  rows_affected += o.rows_affected;
  rows_merged += o.rows_merged;
  slow_statements += o.slow_statements;
  connections_accepted += o.connections_accepted;
  logins_failed += o.logins_failed;
  plan_cache.hits += o.plan_cache.hits;
  plan_cache.misses += o.plan_cache.misses;
  plan_cache.evictions += o.plan_cache.evictions;
  plan_cache.invalidations += o.plan_cache.invalidations;
  plan_cache.uncacheable += o.plan_cache.uncacheable;
  plan_cache.node_templates += o.plan_cache.node_templates;
  plan_cache_entries += o.plan_cache_entries;
}

namespace {
// Bucket i holds [1us * 2^(i/4), 1us * 2^((i+1)/4)).
std::size_t bucket_of(std::uint64_t ns) {
  if (ns < 1000) return 0;
  auto i = static_cast<std::size_t>(std::floor(4.0 * std::log2(static_cast<double>(ns) / 1000.0)));
  return std::min(i, latency_buckets::size - 1);
}
double bucket_upper_ms(std::size_t i) { return 0.001 * std::exp2((static_cast<double>(i) + 1) / 4.0); }
}  // namespace

void latency_buckets::observe(std::uint64_t ns) { ++counts[bucket_of(ns)]; }

void latency_buckets::add(const latency_buckets& o) {
  for (std::size_t i = 0; i < size; ++i) counts[i] += o.counts[i];
}

// The upper bound of the bucket holding the q-quantile observation: never below it.
double latency_buckets::quantile_ms(double q, std::uint64_t count) const {
  if (count == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < size; ++i) {
    seen += counts[i];
    if (seen >= rank) return bucket_upper_ms(i);
  }
  return bucket_upper_ms(size - 1);
}

void digest_entry::add(const digest_entry& o) {
  if (count == 0) type = o.type;
  count += o.count;
  errors += o.errors;
  rows_sent += o.rows_sent;
  rows_affected += o.rows_affected;
  shards += o.shards;
  max_shards = std::max(max_shards, o.max_shards);
  total_ns += o.total_ns;
  max_ns = std::max(max_ns, o.max_ns);
  if (o.first_seen && (!first_seen || o.first_seen < first_seen)) first_seen = o.first_seen;
  last_seen = std::max(last_seen, o.last_seen);
  latency.add(o.latency);
}

void digest_entry::record(const statement_record& r, std::uint64_t ns) {
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  if (count == 0) first_seen = now;
  ++count;
  if (r.error) ++errors;
  rows_sent += r.rows_sent;
  rows_affected += r.rows_affected;
  shards += r.shards;
  max_shards = std::max(max_shards, r.shards);
  total_ns += ns;
  max_ns = std::max(max_ns, ns);
  last_seen = now;
  latency.observe(ns);
}

// Looked up by schema, then text: no key is built per statement.
void digest_table::record(const std::string& schema, const std::string& text, stmt_type type, const statement_record& r,
                          std::uint64_t ns, std::size_t max_entries) {
  auto& by_text = map_[schema];
  auto it = by_text.find(text);
  if (it == by_text.end()) {
    if (size_ >= max_entries) {
      other_.record(r, ns);
      return;
    }
    it = by_text.emplace(text, digest_entry{}).first;
    it->second.type = type;
    ++size_;
  }
  it->second.record(r, ns);
}

void digest_table::collect(std::map<std::pair<std::string, std::string>, digest_entry>& into) const {
  auto add = [&into](const std::string& schema, const std::string& text, const digest_entry& e) {
    auto& dst = into[{schema, text}];
    if (dst.text.empty()) {
      dst.schema = schema;
      dst.text = text;
    }
    dst.add(e);
  };
  for (const auto& [schema, by_text] : map_) {
    for (const auto& [text, e] : by_text) add(schema, text, e);
  }
  if (other_.count > 0) add("", "(other)", other_);
}

}  // namespace shardwire::proxy
