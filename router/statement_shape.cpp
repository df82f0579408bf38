#include "router/statement_shape.hpp"

#include <cstring>

#include "router/route_conditions.hpp"

namespace shardwire::router {

namespace {

char marker_of(token_kind k) {
  switch (k) {
    case token_kind::number: return 'n';
    case token_kind::string: return 's';
    case token_kind::hex: return 'x';
    default: return 'b';
  }
}

bool is_literal(token_kind k) {
  return k == token_kind::number || k == token_kind::string || k == token_kind::hex || k == token_kind::bits;
}

}  // namespace

void statement_shape::scan(std::string_view sql, const lex_options& opts) {
  key.clear();
  literals.clear();
  placeholders = 0;
  cacheable = false;
  // \x01 marks literals in the key: a statement holding that byte could collide.
  if (sql.size() > max_length || std::memchr(sql.data(), '\x01', sql.size()) != nullptr) return;
  token_stream ts(sql, opts);
  std::size_t copied = 0;  // sql[0, copied) is in the key
  bool ended = false;      // a `;` ended the first statement
  for (;;) {
    token t = ts.next();
    if (t.kind == token_kind::end) break;
    if (t.kind == token_kind::error || t.versioned) return;
    if (ended) return;  // a batch: the session routes batches statement by statement elsewhere
    if (t.is_op(";")) {
      ended = true;
      continue;
    }
    if (t.kind == token_kind::placeholder) ++placeholders;
    if (!is_literal(t.kind)) continue;
    if (literals.size() == max_literals) return;
    key.append(sql.substr(copied, t.offset - copied));
    key.push_back('\x01');
    key.push_back(marker_of(t.kind));
    copied = t.offset + t.length;
    literals.push_back({t.kind, static_cast<std::uint32_t>(t.offset), static_cast<std::uint32_t>(t.length),
                        !t.charset.empty()});
  }
  key.append(sql.substr(copied));
  cacheable = true;
}

std::optional<shard_value> literal_value(const token& t) {
  if (t.kind == token_kind::number) return number_value(std::string(t.text));
  if (t.kind == token_kind::string && t.charset.empty()) return shard_value::of_string(unescape_string(t));
  return std::nullopt;
}

}  // namespace shardwire::router
