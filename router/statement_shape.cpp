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
  begin(sql);
  if (!open_) return finish();
  token_stream ts(sql, opts);
  for (;;) {
    token t = ts.next();
    add(t);
    if (t.kind == token_kind::end || t.kind == token_kind::error || !open_) break;
  }
  finish();
}

void statement_shape::begin(std::string_view sql) {
  key.clear();
  literals.clear();
  placeholders = 0;
  cacheable = false;
  sql_ = sql;
  copied_ = 0;
  ended_ = false;
  // \x01 marks literals in the key: a statement holding that byte could collide.
  open_ = sql.size() <= max_length && std::memchr(sql.data(), '\x01', sql.size()) == nullptr;
}

void statement_shape::add(const token& t) {
  if (!open_ || t.kind == token_kind::end) return;
  if (t.kind == token_kind::error || t.versioned || ended_) {  // ended_: a batch, routed statement by statement
    open_ = false;
    return;
  }
  if (t.is_op(";")) {
    ended_ = true;
    return;
  }
  if (t.kind == token_kind::placeholder) ++placeholders;
  if (!is_literal(t.kind)) return;
  if (literals.size() == max_literals) {
    open_ = false;
    return;
  }
  key.append(sql_.substr(copied_, t.offset - copied_));
  key.push_back('\x01');
  key.push_back(marker_of(t.kind));
  copied_ = t.offset + t.length;
  literals.push_back({t.kind, static_cast<std::uint32_t>(t.offset), static_cast<std::uint32_t>(t.length),
                      !t.charset.empty()});
}

void statement_shape::finish() {
  if (open_) key.append(sql_.substr(copied_));
  cacheable = open_;
  open_ = false;
}

std::optional<shard_value> literal_value(const token& t) {
  if (t.kind == token_kind::number) return number_value(std::string(t.text));
  if (t.kind == token_kind::string && t.charset.empty()) return shard_value::of_string(unescape_string(t));
  return std::nullopt;
}

}  // namespace shardwire::router
