// Verification: checksums of key ranges on both sides, and the repair of a range.
#include <algorithm>
#include <set>

#include "proxy/migration/applied_wait.hpp"
#include "proxy/migration/copier_util.hpp"

namespace shardwire::proxy::migration {

// Counts add and XORs combine: a sharded source's nodes give one sum, as the target's do.
asio::awaitable<sql_result<copier::sums>> copier::source_sums(const std::string& lo, const std::string& hi) {
  sums total;
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    auto t = co_await source_link(i).rows(sql::checksum(job_.source_nodes[i], job_.columns, job_.key, lo, hi));
    if (!t) co_return t.error();
    if (t->rows.empty() || t->rows[0].size() < 2) co_return protocol::make_error(protocol::errc::internal, "no checksum row");
    total.count += to_u64(t->rows[0][0]);
    total.hash ^= to_u64(t->rows[0][1]);
  }
  co_return total;
}

asio::awaitable<sql_result<copier::sums>> copier::target_sums(const std::string& lo, const std::string& hi) {
  sums total;
  for (std::size_t i = 0; i < rule().node_count(); ++i) {
    auto t = co_await target_link(i).rows(sql::checksum(rule().node(i), job_.columns, job_.key, lo, hi));
    if (!t) co_return t.error();
    if (t->rows.empty() || t->rows[0].size() < 2) co_return protocol::make_error(protocol::errc::internal, "no checksum row");
    total.count += to_u64(t->rows[0][0]);
    total.hash ^= to_u64(t->rows[0][1]);
  }
  co_return total;
}

// Waits (up to 5 s) until the applier has applied every change committed before now,
// as a session's OK does: the applier's coroutine does the work (two appliers would lock
// the same rows in different orders).
asio::awaitable<sql_result<void>> copier::drain() {
  const std::chrono::milliseconds bound(5000);  // (named before co_await: GCC 12)
  const bool applied = co_await wait_applied(ticks_, bound);
  if (!applied) co_return protocol::make_error(protocol::errc::internal, "the change log was not applied within 5 s");
  co_return sql_result<void>{};
}

// Both sides' sums of the range, compared up to 5 times with the change log drained in
// between: a write in flight is not a difference. The counts are left in `r`.
asio::awaitable<sql_result<bool>> copier::range_matches(key_range& r) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto a = co_await source_sums(r.lo, r.hi);
    if (!a) co_return a.error();
    auto b = co_await target_sums(r.lo, r.hi);
    if (!b) co_return b.error();
    r.source_rows = a->count;
    r.target_rows = b->count;
    if (*a == *b) co_return value(true);
    auto drained = co_await drain();
    if (!drained) co_return drained.error();
  }
  co_return value(false);
}

asio::awaitable<sql_result<bool>> copier::check_chunk() {
  auto& v = job_.verify;
  std::string lo = v.last_key, hi;
  // The chunk ends where the first node's share of it (chunk_rows over the nodes) ends;
  // it runs to the end when no node has that many keys left.
  const std::size_t share = std::max<std::size_t>(1, v.chunk_rows / job_.source_nodes.size());
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    auto end = co_await source_link(i).rows(sql::chunk_end(job_.source_nodes[i], job_.key, lo, share));
    if (!end) co_return end.error();
    if (end->rows.empty() || end->rows[0].empty() || !end->rows[0][0]) continue;
    const std::string& k = *end->rows[0][0];
    if (!sql::integer_text(k)) co_return protocol::make_error(protocol::errc::internal, "a key that is not an integer");
    if (hi.empty() || sql::key_less(k, hi)) hi = k;
  }
  // Sampling spreads the checked chunks evenly: chunk i is checked when the running
  // share of checked chunks is below sample_percent.
  bool check = v.sample_percent >= 100 || v.chunks_checked * 100 < (v.chunks + 1) * static_cast<std::uint64_t>(v.sample_percent);
  if (check) {
    key_range r{lo, hi, 0, 0};
    auto same = co_await range_matches(r);
    if (!same) co_return same.error();
    if (!*same && v.differences.size() < max_differences) {
      v.differences.push_back(r);
    } else if (!*same) {
      ++v.differences_dropped;
    }
    v.rows_checked += r.source_rows;
    ++v.chunks_checked;
  }
  ++v.chunks;
  v.last_key = hi;
  co_return value(hi.empty());
}

asio::awaitable<sql_result<bool>> copier::repair(const key_range& range) {
  std::vector<row> rows;
  for (std::size_t i = 0; i < job_.source_nodes.size(); ++i) {
    auto begun = co_await begin_on(i);
    if (!begun) {
      co_await rollback_sources();
      co_return begun.error();
    }
    auto got = co_await source_link(i).rows(
        sql::select_between(job_.source_nodes[i], job_.columns, job_.key, range.lo, range.hi, true));
    if (!got) {
      co_await rollback_sources();
      co_return got.error();
    }
    for (auto& r : got->rows) rows.push_back(std::move(r));
  }
  writes w;
  auto lives_on = place_rows(rows, w);
  for (std::size_t i = 0; i < rule().node_count(); ++i) {
    auto there = co_await target_link(i).rows(sql::keys_between(rule().node(i), job_.key, range.lo, range.hi));
    if (!there) {
      co_await rollback_sources();
      co_return there.error();
    }
    for (const auto& r : there->rows) {
      if (r.empty() || !r[0] || !sql::integer_text(*r[0])) continue;
      auto at = lives_on.find(*r[0]);
      if (at == lives_on.end() || at->second != i) w[i].deletes.push_back(*r[0]);
    }
  }
  auto applied = co_await apply_and_commit(w);
  if (!applied) co_return applied.error();
  key_range again = range;
  co_return co_await range_matches(again);
}

}  // namespace shardwire::proxy::migration
