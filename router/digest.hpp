// Statement digests: the text of a statement with its literals replaced by `?`, so the
// statements an application sends with different values group as one (GET /v1/digests,
// the slow query log). Lists of literals (`IN (1, 2, 3)`, multi-row VALUES) become
// `(...)`, comments and hints are dropped, whitespace is one space. Pure code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace shardwire::router {

// At most `max_length` bytes (cut at a token, then "..."). Only the first
// `max_input` bytes of the statement are read, so a multi-megabyte INSERT costs no more
// than a small one. Never fails: malformed text is digested up to where the lexer stops.
std::string digest_text(std::string_view sql, std::size_t max_length = 1024, std::size_t max_input = 16384);

}  // namespace shardwire::router
