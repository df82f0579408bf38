// The merge operators: pull-based row streams, sans I/O. A source that has no row
// buffered answers need_input and names itself in merge_context::wanted; the caller
// reads more for it and pulls again, so one thread drives any number of shards.
// A row returned by next() stays valid until the next call on the same stream.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "merger/eval.hpp"
#include "merger/merge_spec.hpp"

namespace shardwire::merger {

enum class pull : std::uint8_t { row, need_input, end, error };

struct merge_context {
  std::vector<column_info> columns;  // every column of the shards' rows, hidden ones too
  row_format format = row_format::text;
  std::size_t visible = 0;
  std::size_t memory_limit = 64u << 20;  // rows held by hash aggregation, DISTINCT and sorts
  std::size_t memory_used = 0;
  int wanted = -1;                        // on need_input: the source to read for
  // On need_input from an unordered merge: every source it could continue with; the
  // caller reads whichever has data first.
  std::vector<int> waiting;
  std::optional<protocol::sql_error> error;  // on error

  bool charge(std::size_t bytes, const char* what);  // false (and error set) beyond the limit
  void credit(std::size_t bytes) { memory_used -= std::min(bytes, memory_used); }
  bool fail(protocol::sql_error e) {
    if (!error) error = std::move(e);
    return false;
  }
};

class row_stream {
 public:
  virtual ~row_stream() = default;
  virtual pull next(const row*& out) = 0;
};

// A row copied out of the buffers it was read from.
class stored_row {
 public:
  void assign(const row& r);
  void set(std::size_t i, const cell& c);
  void set_bytes(std::size_t i, std::string bytes);
  const row& view();
  std::size_t bytes() const;

 private:
  std::vector<std::string> data_;
  std::vector<char> null_;
  row view_;
};

// The key a row sorts/groups by: weight strings for strings, typed values otherwise.
value key_value(const row& r, const sort_key& k, const merge_context& ctx);
int compare_rows(const row& a, const row& b, const std::vector<sort_key>& keys, const merge_context& ctx);

// Rows of every source, taken from whichever source has rows buffered.
class concat_stream : public row_stream {
 public:
  concat_stream(std::vector<row_stream*> sources, merge_context& ctx);
  pull next(const row*& out) override;

 private:
  std::vector<row_stream*> src_;
  std::vector<char> ended_;
  merge_context& ctx_;
  std::size_t cur_ = 0, live_;
};

// k-way merge of sources each ordered by `keys`; equal keys keep source order.
class merge_sort_stream : public row_stream {
 public:
  merge_sort_stream(std::vector<row_stream*> sources, std::vector<sort_key> keys, merge_context& ctx);
  pull next(const row*& out) override;

 private:
  pull fill(std::size_t i);  // pulls source i's next head into the heap
  bool after(int a, int b) const;

  std::vector<row_stream*> src_;
  std::vector<sort_key> keys_;
  merge_context& ctx_;
  std::vector<const row*> head_;
  std::vector<std::vector<value>> head_keys_;
  std::vector<int> heap_;
  std::size_t primed_ = 0;
  int advance_ = -1;
};

// GROUP BY / aggregates / DISTINCT across shards, then computed columns and HAVING.
// Sorted: input ordered by the group keys, one group in memory at a time. Hash: every
// group in memory (bounded by merge_context::memory_limit), emitted in arrival order.
class group_stream : public row_stream {
 public:
  group_stream(row_stream& in, const merge_spec& spec, merge_context& ctx, bool sorted);
  pull next(const row*& out) override;

 private:
  struct group {
    stored_row r;
    std::vector<value> acc;  // per merge: count/sum so far
    std::vector<std::unordered_set<std::string>> distinct;
    std::size_t charged = 0;
  };
  bool start(group& g, const row& r);
  bool accumulate(group& g, const row& r);
  // Final values into g.r; false when HAVING rejects the group (or on error).
  bool finish(group& g);
  void store(group& g, std::size_t i, const value& v);  // a merged value into column i
  bool add_distinct(group& g, std::size_t m, const row& r);
  pull next_sorted(const row*& out);
  pull next_hashed(const row*& out);

  row_stream& in_;
  const merge_spec& spec_;
  merge_context& ctx_;
  bool sorted_;
  group cur_, pending_;
  bool has_ = false;
  bool ended_ = false;
  // hash mode
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::unique_ptr<group>> groups_;
  std::size_t emit_ = 0;
  bool consumed_ = false;
  std::string key_;
};

// Sorts all input (ORDER BY after aggregation); with `keep`, only the first `keep`
// rows are retained (top-N for LIMIT).
class sort_stream : public row_stream {
 public:
  sort_stream(row_stream& in, std::vector<sort_key> keys, merge_context& ctx, std::optional<std::uint64_t> keep);
  pull next(const row*& out) override;

 private:
  void prune(std::size_t n);
  row_stream& in_;
  std::vector<sort_key> keys_;
  merge_context& ctx_;
  std::optional<std::uint64_t> keep_;
  std::vector<std::unique_ptr<stored_row>> rows_;
  std::size_t emit_ = 0;
  bool consumed_ = false;
};

class limit_stream : public row_stream {
 public:
  limit_stream(row_stream& in, std::uint64_t offset, std::optional<std::uint64_t> count)
      : in_(in), skip_(offset), left_(count) {}
  pull next(const row*& out) override;

 private:
  row_stream& in_;
  std::uint64_t skip_;
  std::optional<std::uint64_t> left_;
};

// The whole merge of one statement: sources -> merge/concat -> group -> sort -> limit.
class pipeline {
 public:
  // ctx.columns must hold the shards' column definitions; ctx.visible is set here.
  pipeline(const merge_spec& spec, std::vector<row_stream*> sources, merge_context& ctx);
  pull next(const row*& out) { return top_->next(out); }
  std::size_t visible() const { return ctx_.visible; }

 private:
  merge_context& ctx_;
  merge_spec distinct_;  // for distinct_after_group
  std::vector<std::unique_ptr<row_stream>> stages_;
  row_stream* top_ = nullptr;
};

}  // namespace shardwire::merger
