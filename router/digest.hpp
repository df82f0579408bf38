// Statement digests: the text of a statement with its literals replaced by `?`, so the
// statements an application sends with different values group as one (GET /v1/digests,
// the slow query log). Lists of literals (`IN (1, 2, 3)`, multi-row VALUES) become
// `(...)`, comments and hints are dropped, whitespace is one space. Pure code.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "router/statement_shape.hpp"

namespace shardwire::router {

// At most `max_length` bytes (cut at a token, then "..."). Only the first
// `max_input` bytes of the statement are read, so a multi-megabyte INSERT costs no more
// than a small one. Never fails: malformed text is digested up to where the lexer stops.
std::string digest_text(std::string_view sql, std::size_t max_length = 1024, std::size_t max_input = 16384);

// Digests by statement shape: a digest depends only on what a shape keeps (every token
// but the literals' values), so statements of one shape share it and it is made once
// (the hot path digests no statement it has seen the shape of). At most `max_entries`,
// least recently used evicted; shapes longer than max_key are not kept.
class digest_cache {
 public:
  static constexpr std::size_t max_key = 4096;
  explicit digest_cache(std::size_t max_entries = 4096) : max_(max_entries) {}
  // The digest of `sql`, whose shape is `shape` (cacheable). Shared: an entry evicted
  // later stays valid for whoever holds it.
  std::shared_ptr<const std::string> digest(const statement_shape& shape, std::string_view sql);
  std::size_t size() const { return map_.size(); }

 private:
  using entry_list = std::list<std::pair<std::string, std::shared_ptr<const std::string>>>;
  std::size_t max_;
  entry_list lru_;  // most recent first
  std::unordered_map<std::string_view, entry_list::iterator> map_;  // views of the keys in lru_
};

}  // namespace shardwire::router
