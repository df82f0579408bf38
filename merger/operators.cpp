#include "merger/operators.hpp"

#include <algorithm>
#include <cmath>

namespace shardwire::merger {

using protocol::errc;
using protocol::make_error;

namespace {
constexpr std::size_t row_overhead = 64;    // vectors and bookkeeping per stored row
constexpr std::size_t entry_overhead = 48;  // per hash-set / map entry
}  // namespace

bool merge_context::charge(std::size_t bytes, const char* what) {
  memory_used += bytes;
  if (memory_used <= memory_limit) return true;
  return fail(make_error(errc::merge_memory_exceeded, what, memory_limit >> 20));
}

// --- stored_row ----------------------------------------------------------------------
void stored_row::assign(const row& r) {
  data_.resize(r.size());
  null_.resize(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) set(i, r[i]);
}
void stored_row::set(std::size_t i, const cell& c) {
  null_[i] = c.null;
  data_[i].assign(c.bytes.data(), c.bytes.size());
}
void stored_row::set_bytes(std::size_t i, std::string bytes) {
  null_[i] = false;
  data_[i] = std::move(bytes);
}
const row& stored_row::view() {
  view_.resize(data_.size());
  for (std::size_t i = 0; i < data_.size(); ++i) view_[i] = cell{data_[i], static_cast<bool>(null_[i])};
  return view_;
}
std::size_t stored_row::bytes() const {
  std::size_t n = row_overhead;
  for (const auto& d : data_) n += d.size() + sizeof(std::string) + sizeof(cell) + 1;
  return n;
}

// --- keys --------------------------------------------------------------------------
namespace {
// WEIGHT_STRING keeps a weight for each trailing space, but PAD SPACE collations (all
// but binary and the _nopad_ ones) compare as if the shorter string were padded with
// spaces: 'a ' = 'a'. The value's trailing spaces tell how many weights to drop; their
// width is that of the collation's space weight (1, 2 or 3 bytes).
std::string_view strip_space_weights(std::string_view weight, std::string_view text) {
  std::size_t spaces = 0;
  while (spaces < text.size() && text[text.size() - 1 - spaces] == ' ') ++spaces;
  if (spaces == 0) return weight;
  static constexpr std::string_view patterns[] = {
      {"\x00\x00\x20", 3},  // utf8mb4_bin and other 3-byte code point weights
      {"\x00\x20", 2},       // *_general_ci, *_bin of 2-byte charsets
      {"\x02\x09", 2},       // UCA 4.0.0 (*_unicode_ci)
      {"\x02\x0A", 2},       // UCA 5.2.0 (*_unicode_520_ci)
      {"\x20", 1}};           // single-byte charsets (latin1_swedish_ci, ...)
  for (std::string_view p : patterns) {
    if (weight.size() < spaces * p.size()) continue;
    bool all = true;
    for (std::size_t i = 0; i < spaces && all; ++i) {
      all = weight.substr(weight.size() - (i + 1) * p.size(), p.size()) == p;
    }
    if (all) return weight.substr(0, weight.size() - spaces * p.size());
  }
  return weight;
}
}  // namespace

value key_value(const row& r, const sort_key& k, const merge_context& ctx) {
  std::size_t i = resolve(k.value, ctx.visible);
  const column_info& col = ctx.columns[i];
  // Binary strings (charset 63) compare byte by byte, which their raw bytes do.
  if (k.weight && is_string_type(col.type) && col.charset != 63 && !r[i].null) {
    const cell& w = r[resolve(*k.weight, ctx.visible)];
    if (!w.null) {
      value v;
      v.k = value::kind::str;
      v.s = strip_space_weights(w.bytes, r[i].bytes);
      return v;
    }
  }
  return decode(r[i], col, ctx.format);
}

int compare_rows(const row& a, const row& b, const std::vector<sort_key>& keys, const merge_context& ctx) {
  for (const auto& k : keys) {
    int c = compare(key_value(a, k, ctx), key_value(b, k, ctx));
    if (c != 0) return k.desc ? -c : c;
  }
  return 0;
}

// --- concat ------------------------------------------------------------------------
concat_stream::concat_stream(std::vector<row_stream*> sources, merge_context& ctx)
    : src_(std::move(sources)), ended_(src_.size(), 0), ctx_(ctx), live_(src_.size()) {}

pull concat_stream::next(const row*& out) {
  ctx_.waiting.clear();
  while (live_ > 0) {
    switch (src_[cur_]->next(out)) {
      case pull::row: return pull::row;
      case pull::error: return pull::error;
      case pull::end:
        ended_[cur_] = 1;
        --live_;
        ctx_.waiting.clear();  // count the remaining sources afresh
        break;
      case pull::need_input:
        ctx_.waiting.push_back(ctx_.wanted);
        if (ctx_.waiting.size() >= live_) {
          ctx_.wanted = ctx_.waiting.front();
          return pull::need_input;
        }
        break;
    }
    if (live_ == 0) break;
    do cur_ = (cur_ + 1) % src_.size();
    while (ended_[cur_]);
  }
  return pull::end;
}

// --- merge sort ----------------------------------------------------------------------
merge_sort_stream::merge_sort_stream(std::vector<row_stream*> sources, std::vector<sort_key> keys,
                                     merge_context& ctx)
    : src_(std::move(sources)), keys_(std::move(keys)), ctx_(ctx), head_(src_.size(), nullptr),
      head_keys_(src_.size()) {}

bool merge_sort_stream::after(int a, int b) const {  // heap order: a comes after b
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    int c = compare(head_keys_[static_cast<std::size_t>(a)][k], head_keys_[static_cast<std::size_t>(b)][k]);
    if (c != 0) return keys_[k].desc ? c < 0 : c > 0;
  }
  return a > b;
}

pull merge_sort_stream::fill(std::size_t i) {
  const row* r = nullptr;
  pull p = src_[i]->next(r);
  if (p != pull::row) return p;
  head_[i] = r;
  auto& kv = head_keys_[i];
  kv.clear();
  for (const auto& k : keys_) kv.push_back(key_value(*r, k, ctx_));
  heap_.push_back(static_cast<int>(i));
  std::push_heap(heap_.begin(), heap_.end(), [this](int a, int b) { return after(a, b); });
  return pull::row;
}

pull merge_sort_stream::next(const row*& out) {
  ctx_.waiting.clear();  // a merge needs the one source it names
  while (primed_ < src_.size()) {  // the first row of every source
    pull p = fill(primed_);
    if (p == pull::need_input || p == pull::error) return p;
    ++primed_;
  }
  if (advance_ >= 0) {  // the source whose row went out last moves on
    pull p = fill(static_cast<std::size_t>(advance_));
    if (p == pull::need_input || p == pull::error) return p;
    advance_ = -1;
  }
  if (heap_.empty()) return pull::end;
  std::pop_heap(heap_.begin(), heap_.end(), [this](int a, int b) { return after(a, b); });
  advance_ = heap_.back();
  heap_.pop_back();
  out = head_[static_cast<std::size_t>(advance_)];
  return pull::row;
}

// --- group -----------------------------------------------------------------------------
group_stream::group_stream(row_stream& in, const merge_spec& spec, merge_context& ctx, bool sorted)
    : in_(in), spec_(spec), ctx_(ctx), sorted_(sorted) {}

bool group_stream::add_distinct(group& g, std::size_t m, const row& r) {
  key_.clear();
  for (const auto& k : spec_.merges[m].distinct_of) {
    value v = key_value(r, k, ctx_);
    if (v.is_null()) return true;  // COUNT(DISTINCT) skips NULL tuples
    append_key(key_, v);
  }
  if (g.distinct[m].insert(key_).second) {
    g.charged += key_.size() + entry_overhead;
    return ctx_.charge(key_.size() + entry_overhead, "COUNT(DISTINCT)");
  }
  return true;
}

bool group_stream::start(group& g, const row& r) {
  ctx_.credit(g.charged);
  g.r.assign(r);
  g.charged = g.r.bytes();
  g.acc.assign(spec_.merges.size(), value{});
  g.distinct.assign(spec_.merges.size(), {});
  for (std::size_t m = 0; m < spec_.merges.size(); ++m) {
    const auto& cm = spec_.merges[m];
    std::size_t i = resolve(cm.column, ctx_.visible);
    if (cm.op == merge_op::count || cm.op == merge_op::sum) g.acc[m] = decode(r[i], ctx_.columns[i], ctx_.format);
    if (cm.op == merge_op::count_distinct && !add_distinct(g, m, r)) return false;
  }
  return ctx_.charge(g.charged, sorted_ ? "a group" : "GROUP BY");
}

bool group_stream::accumulate(group& g, const row& r) {
  for (std::size_t m = 0; m < spec_.merges.size(); ++m) {
    const auto& cm = spec_.merges[m];
    std::size_t i = resolve(cm.column, ctx_.visible);
    switch (cm.op) {
      case merge_op::first: break;
      case merge_op::count:
      case merge_op::sum: {
        value v = decode(r[i], ctx_.columns[i], ctx_.format);
        value& a = g.acc[m];
        if (v.is_null()) break;
        if (a.is_null()) {
          a = v;
          break;
        }
        auto sum = add_numbers(a, v);
        if (!sum) return ctx_.fail(make_error(errc::merge_out_of_range, "SUM"));
        a = *sum;
        break;
      }
      case merge_op::min:
      case merge_op::max: {
        if (r[i].null) break;
        const row& cur = g.r.view();
        sort_key k{cm.column, cm.weight, false};
        int c = cur[i].null ? -1 : compare(key_value(cur, k, ctx_), key_value(r, k, ctx_));
        bool better = cur[i].null || (cm.op == merge_op::min ? c > 0 : c < 0);
        if (better) {
          g.r.set(i, r[i]);
          if (cm.weight) {
            std::size_t w = resolve(*cm.weight, ctx_.visible);
            g.r.set(w, r[w]);
          }
        }
        break;
      }
      case merge_op::count_distinct:
        if (!add_distinct(g, m, r)) return false;
        break;
    }
  }
  return true;
}

void group_stream::store(group& g, std::size_t i, const value& v) {
  if (v.is_null()) {
    g.r.set(i, cell{});
    return;
  }
  std::string bytes;
  encode(bytes, v, ctx_.columns[i], ctx_.format);
  g.r.set_bytes(i, std::move(bytes));
}

bool group_stream::finish(group& g) {
  for (std::size_t m = 0; m < spec_.merges.size(); ++m) {
    const auto& cm = spec_.merges[m];
    std::size_t i = resolve(cm.column, ctx_.visible);
    if (cm.op == merge_op::count || cm.op == merge_op::sum || cm.op == merge_op::count_distinct) {
      value v = g.acc[m];
      if (cm.op == merge_op::count_distinct) {
        v = value{};
        v.k = value::kind::sint;
        v.i = static_cast<std::int64_t>(g.distinct[m].size());
      }
      if (cm.op == merge_op::count && v.is_null()) {
        v.k = value::kind::sint;
        v.i = 0;
      }
      store(g, i, v);
    }
  }
  for (const auto& c : spec_.computed) {
    std::size_t i = resolve(c.column, ctx_.visible);
    store(g, i, evaluate(c.value, {g.r.view(), ctx_.columns, ctx_.format, ctx_.visible, &ctx_.columns[i]}));
  }
  if (!spec_.having) return true;
  return is_true(evaluate(*spec_.having, {g.r.view(), ctx_.columns, ctx_.format, ctx_.visible, nullptr}));
}

pull group_stream::next(const row*& out) { return sorted_ ? next_sorted(out) : next_hashed(out); }

pull group_stream::next_sorted(const row*& out) {
  for (;;) {
    if (ended_) return pull::end;
    const row* r = nullptr;
    pull p = in_.next(r);
    if (p == pull::need_input || p == pull::error) return p;
    if (p == pull::end) {
      ended_ = true;
      if (!has_ && spec_.group.empty()) {
        // Aggregates without GROUP BY answer one row even for no input (COUNT 0, SUM
        // NULL): shards grouping by COUNT(DISTINCT) values may all send none.
        if (!start(cur_, row(ctx_.columns.size()))) return pull::error;
        has_ = true;
      }
      if (!has_) return pull::end;
      has_ = false;
      bool keep = finish(cur_);
      if (ctx_.error) return pull::error;
      if (!keep) return pull::end;
      out = &cur_.r.view();
      return pull::row;
    }
    if (!has_) {
      if (!start(cur_, *r)) return pull::error;
      has_ = true;
      continue;
    }
    if (compare_rows(cur_.r.view(), *r, spec_.group, ctx_) == 0) {
      if (!accumulate(cur_, *r)) return pull::error;
      continue;
    }
    // A new group: the finished one goes out from a second buffer.
    std::swap(cur_, pending_);
    bool keep = finish(pending_);
    if (ctx_.error) return pull::error;
    if (!start(cur_, *r)) return pull::error;
    if (keep) {
      out = &pending_.r.view();
      return pull::row;
    }
  }
}

pull group_stream::next_hashed(const row*& out) {
  while (!consumed_) {
    const row* r = nullptr;
    pull p = in_.next(r);
    if (p == pull::need_input || p == pull::error) return p;
    if (p == pull::end) {
      consumed_ = true;
      if (groups_.empty() && spec_.group.empty()) {  // as in next_sorted: one row for no input
        groups_.push_back(std::make_unique<group>());
        if (!start(*groups_.back(), row(ctx_.columns.size()))) return pull::error;
      }
      break;
    }
    key_.clear();
    for (const auto& k : spec_.group) append_key(key_, key_value(*r, k, ctx_));
    auto [it, fresh] = index_.try_emplace(key_, groups_.size());
    if (fresh) {
      groups_.push_back(std::make_unique<group>());
      if (!ctx_.charge(key_.size() + entry_overhead, "GROUP BY")) return pull::error;
      if (!start(*groups_.back(), *r)) return pull::error;
    } else if (!accumulate(*groups_[it->second], *r)) {
      return pull::error;
    }
  }
  while (emit_ < groups_.size()) {
    group& g = *groups_[emit_++];
    bool keep = finish(g);
    if (ctx_.error) return pull::error;
    if (keep) {
      out = &g.r.view();
      return pull::row;
    }
  }
  return pull::end;
}

// --- sort --------------------------------------------------------------------------------
sort_stream::sort_stream(row_stream& in, std::vector<sort_key> keys, merge_context& ctx,
                         std::optional<std::uint64_t> keep)
    : in_(in), keys_(std::move(keys)), ctx_(ctx), keep_(keep) {}

void sort_stream::prune(std::size_t n) {
  std::stable_sort(rows_.begin(), rows_.end(), [this](const auto& a, const auto& b) {
    return compare_rows(a->view(), b->view(), keys_, ctx_) < 0;
  });
  while (rows_.size() > n) {
    ctx_.credit(rows_.back()->bytes());
    rows_.pop_back();
  }
}

pull sort_stream::next(const row*& out) {
  while (!consumed_) {
    const row* r = nullptr;
    pull p = in_.next(r);
    if (p == pull::need_input || p == pull::error) return p;
    if (p == pull::end) {
      consumed_ = true;
      prune(keep_ ? static_cast<std::size_t>(*keep_) : rows_.size());
      break;
    }
    rows_.push_back(std::make_unique<stored_row>());
    rows_.back()->assign(*r);
    if (!ctx_.charge(rows_.back()->bytes(), "ORDER BY")) return pull::error;
    // Top-N: sorting and cutting at twice N keeps the work linear-ish and memory at 2N.
    if (keep_ && rows_.size() >= 2 * *keep_ + 1024) prune(static_cast<std::size_t>(*keep_));
  }
  if (emit_ >= rows_.size()) return pull::end;
  out = &rows_[emit_++]->view();
  return pull::row;
}

// --- limit ------------------------------------------------------------------------------
pull limit_stream::next(const row*& out) {
  for (;;) {
    if (left_ && *left_ == 0) return pull::end;
    pull p = in_.next(out);
    if (p != pull::row) return p;
    if (skip_ > 0) {
      --skip_;
      continue;
    }
    if (left_) --*left_;
    return pull::row;
  }
}

// --- pipeline -----------------------------------------------------------------------------
pipeline::pipeline(const merge_spec& spec, std::vector<row_stream*> sources, merge_context& ctx) : ctx_(ctx) {
  ctx.visible = ctx.columns.size() >= spec.hidden ? ctx.columns.size() - spec.hidden : 0;
  if (spec.order.empty()) {
    stages_.push_back(std::make_unique<concat_stream>(std::move(sources), ctx));
  } else {
    stages_.push_back(std::make_unique<merge_sort_stream>(std::move(sources), spec.order, ctx));
  }
  if (spec.aggregate) {
    stages_.push_back(std::make_unique<group_stream>(*stages_.back(), spec, ctx, spec.group_sorted));
  }
  if (spec.distinct_after_group) {
    distinct_.aggregate = true;
    for (std::size_t i = 0; i < ctx.visible; ++i) distinct_.group.push_back({column_ref{static_cast<int>(i), false}, std::nullopt, false});
    stages_.push_back(std::make_unique<group_stream>(*stages_.back(), distinct_, ctx, false));
  }
  if (!spec.final_order.empty()) {
    std::optional<std::uint64_t> keep;
    if (spec.limit) keep = spec.offset + *spec.limit;
    stages_.push_back(std::make_unique<sort_stream>(*stages_.back(), spec.final_order, ctx, keep));
  }
  if (spec.offset > 0 || spec.limit) {
    stages_.push_back(std::make_unique<limit_stream>(*stages_.back(), spec.offset, spec.limit));
  }
  top_ = stages_.back().get();
}

}  // namespace shardwire::merger
