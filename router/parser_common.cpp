// Cursor, identifiers, table names, ORDER BY / LIMIT / SET lists, opaque runs.
#include <algorithm>
#include <array>
#include <cctype>

#include "router/parser_impl.hpp"

namespace shardwire::router::detail {

namespace {
const token end_token{};

// Words that never start an implicit alias or a column name: MySQL's reserved words
// that appear in the clauses we parse (the full list is longer; these decide parses).
constexpr std::array<std::string_view, 74> reserved_words{
    "ACCESSIBLE", "ADD", "ALL", "ALTER", "AND", "AS", "ASC", "BETWEEN", "BY", "CASE", "COLLATE", "CROSS",
    "DEFAULT", "DELETE", "DESC", "DISTINCT", "DISTINCTROW", "DIV", "DUAL", "ELSE", "END", "ESCAPE", "EXCEPT",
    "EXISTS", "FOR", "FORCE", "FROM", "GROUP", "HAVING", "IGNORE", "IN", "INDEX", "INNER", "INSERT",
    "INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "KEY", "LEFT", "LIKE", "LIMIT", "LOCK", "MOD", "NATURAL",
    "NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "PARTITION", "REGEXP", "RETURNING", "RIGHT",
    "RLIKE", "SELECT", "SEPARATOR", "SET", "STRAIGHT_JOIN", "TABLE", "THEN", "UNION", "UPDATE", "USE",
    "USING", "VALUES", "WHEN", "WHERE", "WINDOW", "WITH", "XOR"};
}  // namespace

const token& parser::peek(std::size_t ahead) const {
  if (failed_) return end_token;
  std::size_t i = std::min(pos_ + ahead, toks_.size() - 1);
  return toks_[i];
}

const token& parser::take() {
  const token& t = peek();
  if (!failed_ && t.kind != token_kind::end) ++pos_;
  return t;
}

bool parser::accept_word(std::string_view u) {
  if (!word(u)) return false;
  take();
  return true;
}

bool parser::accept_op(std::string_view o) {
  if (!op(o)) return false;
  take();
  return true;
}

void parser::expect_word(std::string_view u) {
  if (!accept_word(u)) fail("expected " + std::string(u));
}

void parser::expect_op(std::string_view o) {
  if (!accept_op(o)) fail("expected '" + std::string(o) + "'");
}

ast::expr_ptr parser::seal(ast::expr_ptr e) {
  if (!e) return e;
  std::uint32_t h = 0;
  for (const auto& a : e->args) {
    if (a) h = std::max(h, a->height);
  }
  if (e->query) h = std::max(h, e->query->height);
  e->height = h + 1;
  query_height_ = std::max(query_height_, e->height);
  if (e->height > max_height) fail_too_deep("levels of expression height", max_height);
  return e;
}

void parser::fail_too_deep(std::string_view what, std::uint32_t limit) {
  if (failed_) return;
  fail("the statement is nested too deeply (more than " + std::to_string(limit) + " " + std::string(what) + ")");
  error_.too_deep = true;
}

void parser::count_join() {
  if (++joins_ > max_joins) fail_too_deep("joined tables", max_joins);
}

void parser::fail(const std::string& what) {
  if (failed_) return;
  const token& t = toks_[std::min(pos_, toks_.size() - 1)];
  error_.offset = t.offset;
  if (t.kind == token_kind::error) {
    error_.message = std::string(t.text);
  } else if (t.kind == token_kind::end) {
    error_.message = what + " at the end of the statement";
  } else {
    std::string_view near = sql_.substr(t.offset, 30);
    error_.message = what + " near '" + std::string(near) + "'";
  }
  failed_ = true;
}

std::string parser::upper(const token& t) const {
  std::string s(t.text);
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool parser::reserved(const token& t) {
  if (t.kind != token_kind::identifier) return false;
  return std::any_of(reserved_words.begin(), reserved_words.end(), [&](std::string_view w) { return t.is_word(w); });
}

bool parser::is_ident_start(std::size_t ahead) const {
  const token& t = peek(ahead);
  return t.kind == token_kind::quoted_identifier || (t.kind == token_kind::identifier && !reserved(t));
}

ast::identifier parser::ident() {
  const token& t = peek();
  if (t.kind == token_kind::quoted_identifier) {
    take();
    std::string name;
    for (std::size_t i = 0; i < t.text.size(); ++i) {
      name += t.text[i];
      if (t.text[i] == t.quote && i + 1 < t.text.size() && t.text[i + 1] == t.quote) ++i;  // `` -> `
    }
    return {name, true};
  }
  if (t.kind == token_kind::identifier && !reserved(t)) {
    take();
    return {std::string(t.text), false};
  }
  fail("expected an identifier");
  return {};
}

ast::table_name parser::table_name() {
  ast::table_name n;
  n.table = ident();
  if (op(".") && (peek(1).kind == token_kind::identifier || peek(1).kind == token_kind::quoted_identifier)) {
    take();
    n.schema = std::move(n.table);
    // after a dot every word is a name, reserved or not (db.order is fine)
    const token& t = peek();
    if (t.kind == token_kind::identifier) {
      take();
      n.table = {std::string(t.text), false};
    } else {
      n.table = ident();
    }
  }
  return n;
}

std::optional<ast::identifier> parser::alias() {
  if (accept_word("AS")) {
    if (peek().kind == token_kind::string) return ast::identifier{unescape_string(take()), true};  // AS 'x'
    return ident();
  }
  if (is_ident_start()) return ident();
  return std::nullopt;
}

std::vector<ast::order_item> parser::order_list() {
  std::vector<ast::order_item> items;
  do {
    ast::order_item it;
    it.value = expr();
    if (accept_word("ASC")) {
      it.dir = ast::order_item::direction::asc;
    } else if (accept_word("DESC")) {
      it.dir = ast::order_item::direction::desc;
    }
    items.push_back(std::move(it));
  } while (accept_op(",") && !failed_);
  return items;
}

std::optional<ast::limit_clause> parser::limit() {
  if (!accept_word("LIMIT")) return std::nullopt;
  ast::limit_clause l;
  l.count = expr();
  if (accept_op(",")) {
    l.offset = std::move(l.count);
    l.count = expr();
  } else if (accept_word("OFFSET")) {
    l.offset = expr();
    l.offset_keyword = true;
  }
  return l;
}

std::vector<ast::assignment> parser::assignments() {
  std::vector<ast::assignment> out;
  do {
    ast::assignment a;
    a.column.push_back(ident());
    while (accept_op(".")) a.column.push_back(ident());
    if (!accept_op("=")) expect_op(":=");
    if (word("DEFAULT") && (peek(1).is_op(",") || peek(1).kind == token_kind::end || peek(1).is_op(";") ||
                            peek(1).is_word("WHERE") || peek(1).is_word("ORDER") || peek(1).is_word("LIMIT"))) {
      take();
      a.value = std::make_unique<ast::expr>();
      a.value->kind = ast::expr_kind::default_value;
      a.value->text = "DEFAULT";
    } else {
      a.value = expr();
    }
    out.push_back(std::move(a));
  } while (accept_op(",") && !failed_);
  return out;
}

void parser::append_token(ast::opaque& out, const token& t) {
  // The token's exact source text (quotes included), with a space before it exactly
  // where the source had whitespace or a comment: opaque runs print back as written.
  // `t` is always the token just taken, so its predecessor is toks_[pos_ - 2].
  bool gap = true;
  if (pos_ >= 2 && &toks_[pos_ - 1] == &t) {
    const token& prev = toks_[pos_ - 2];
    gap = prev.offset + prev.length < t.offset;
  }
  out.push_back({std::string(sql_.substr(t.offset, t.length)), gap});
  // A `?` inside a construct kept as text (CAST(? AS ...), ...) is still a parameter:
  // it takes its place in the numbering, so bound values line up with the client's.
  if (t.kind == token_kind::placeholder) out.back().placeholder = placeholders_++;
}

ast::opaque parser::balanced() {
  ast::opaque out;
  if (!op("(")) {
    fail("expected '('");
    return out;
  }
  int depth = 0;
  do {
    const token& t = take();
    if (t.kind == token_kind::end) {
      fail("unbalanced parentheses");
      break;
    }
    if (t.is_op("(")) ++depth;
    if (t.is_op(")")) --depth;
    append_token(out, t);
  } while (depth > 0 && !failed_);
  return out;
}

ast::opaque parser::rest_opaque(bool tables_after_keywords, bool keep_semicolons) {
  ast::opaque out;
  bool after_with = false;
  // A ';' ends the run, so a body printed and parsed again stays the same; statements
  // known by their first words only (program bodies) keep theirs.
  while (!at_end() && (keep_semicolons || !op(";")) && !failed_) {
    const token& t = take();
    append_token(out, t);
    // Table references in ALTER TABLE: REFERENCES t, RENAME [TO|AS] t (not RENAME
    // COLUMN/INDEX/KEY a TO b, whose names are not tables), EXCHANGE PARTITION p WITH
    // TABLE t; and LIKE t first in the run.
    bool names_table = t.is_word("REFERENCES") || (t.is_word("LIKE") && out.size() == 1) ||
                       (t.is_word("TABLE") && after_with);
    if (t.is_word("RENAME") && !word("COLUMN") && !word("INDEX") && !word("KEY")) {
      if (word("TO") || word("AS")) append_token(out, take());
      names_table = true;
    }
    after_with = t.is_word("WITH");
    if (tables_after_keywords && names_table && is_ident_start()) {
      ast::table_name n = table_name();
      out.push_back({std::move(n), true});
    }
  }
  return out;
}

}  // namespace shardwire::router::detail
