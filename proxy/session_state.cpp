#include "proxy/session_state.hpp"

#include <cstring>
#include <functional>

#include "router/formatter.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

namespace {
using router::ast::expr;
using router::ast::expr_kind;
using target = router::ast::set_stmt::item::target;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A value that means the same on every connection: a literal, DEFAULT, a bare word
// (SET autocommit = ON, SET sql_mode = ANSI), or a signed number.
bool replayable(const expr& e) {
  switch (e.kind) {
    case expr_kind::literal:
    case expr_kind::default_value:
      return true;
    case expr_kind::column:
      return e.names.size() == 1;
    case expr_kind::unary:
      return (e.text == "-" || e.text == "+") && e.args.size() == 1 && replayable(*e.args[0]);
    default:
      return false;
  }
}

std::optional<bool> truth_of(const expr& e) {
  std::string v = lower(e.kind == expr_kind::column && !e.names.empty() ? e.names.back().name : e.text);
  if (v == "1" || v == "on" || v == "true") return true;
  if (v == "0" || v == "off" || v == "false") return false;
  return std::nullopt;
}

// Keys SET NAMES / CHARACTER SET overwrite.
bool charset_key(std::string_view k) {
  return k == "character_set_client" || k == "character_set_connection" || k == "character_set_results" ||
         k == "collation_connection";
}
}  // namespace

void session_vars::assign(session_var v) {
  if (v.key == "names") std::erase_if(items_, [](const session_var& i) { return charset_key(i.key); });
  std::erase_if(items_, [&](const session_var& i) { return i.key == v.key; });
  items_.push_back(std::move(v));
  resign();
}

void session_vars::clear() {
  items_.clear();
  signature_ = 0;
}

void session_vars::resign() {
  std::string all;
  for (const auto& i : items_) all.append(i.key).append(1, '\0').append(i.text).append(1, '\0');
  signature_ = items_.empty() ? 0 : (std::hash<std::string>{}(all) | 1);
}

std::optional<std::vector<std::string>> session_vars::statements_from(const std::vector<session_var>& applied) const {
  for (const auto& a : applied) {
    bool kept = false;
    for (const auto& i : items_) kept = kept || i.key == a.key;
    if (!kept) return std::nullopt;
  }
  std::vector<std::string> out;
  std::string combined;
  for (const auto& i : items_) {
    bool same = false;
    for (const auto& a : applied) same = same || a == i;
    if (same) continue;
    if (i.standalone) {
      out.push_back("SET " + i.text);
    } else {
      combined += combined.empty() ? "SET " : ", ";
      combined += i.text;
    }
  }
  if (!combined.empty()) out.insert(out.begin(), std::move(combined));
  return out;
}

set_effect analyze_set(const router::ast::set_stmt& s) {
  set_effect fx;
  auto pin = [&](std::string why) {
    fx.pin = true;
    if (fx.why.empty()) fx.why = std::move(why);
  };
  for (const auto& it : s.items) {
    std::string scope = lower(it.scope);
    bool global = scope == "global" || scope == "persist" || scope == "persist_only";
    switch (it.kind) {
      case target::names:
      case target::character_set:
        fx.vars.push_back({"names", router::format_set_item(it), false});
        break;
      case target::transaction:
        if (global) break;
        if (scope.empty()) {
          fx.next_transaction = true;
        } else {
          fx.vars.push_back({"transaction", router::format_set_item(it), true});
        }
        break;
      case target::user_variable:
        if (!it.value || !replayable(*it.value)) {
          pin("a user variable set from an expression");
          break;
        }
        fx.vars.push_back({lower(it.name), router::format_set_item(it), false});
        break;
      case target::system_variable:
      case target::name: {
        std::string name = lower(it.name);
        if (starts_with(name, "@@")) name = name.substr(2);
        if (starts_with(name, "global.") || starts_with(name, "persist.")) global = true;
        for (std::string_view p : {"session.", "local."}) {
          if (starts_with(name, p)) name = name.substr(p.size());
        }
        if (global) break;  // the server's, not the session's
        if (!it.value || !replayable(*it.value)) {
          pin("a session variable set from an expression");
          break;
        }
        if (name == "autocommit") fx.autocommit = truth_of(*it.value);
        fx.vars.push_back({name, router::format_set_item(it), false});
        break;
      }
    }
  }
  return fx;
}

namespace {
bool equals_ci(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  }
  return true;
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Words containing '_' the session cares about; found from each '_' with memchr so a
// large INSERT is scanned at memory speed.
void scan_underscored(std::string_view sql, statement_marks& m) {
  const char* base = sql.data();
  for (const char* p = base; (p = static_cast<const char*>(std::memchr(p, '_', sql.size() - (p - base)))); ++p) {
    std::size_t at = static_cast<std::size_t>(p - base);
    std::size_t start = at;
    while (start > 0 && ident_char(sql[start - 1])) --start;
    if (equals_ci(sql, start, "GET_LOCK")) {
      m.pin_session = true;
      m.why = "GET_LOCK()";
    } else if (equals_ci(sql, start, "SQL_CALC_FOUND_ROWS")) {
      m.found_rows = true;
    } else if (equals_ci(sql, start, "LAST_INSERT_ID")) {
      m.last_insert_id = true;
    } else if (equals_ci(sql, start, "ROW_COUNT") || equals_ci(sql, start, "FOUND_ROWS") ||
               equals_ci(sql, start, "CONNECTION_ID")) {
      m.previous_counts = true;
    }
  }
}
}  // namespace

statement_marks scan_statement(std::string_view sql) {
  statement_marks m;
  using router::starts_with_keyword;
  if (starts_with_keyword(sql, "SET")) {
    m.set = true;
    return m;
  }
  auto pin = [&](const char* why) {
    m.pin_session = true;
    m.why = why;
  };
  if (starts_with_keyword(sql, "LOCK")) m.lock_tables = true;
  if (starts_with_keyword(sql, "UNLOCK")) m.unlock_tables = true;
  if (starts_with_keyword(sql, "PREPARE")) pin("a prepared statement (PREPARE)");
  if (starts_with_keyword(sql, "XA")) pin("an XA transaction");
  if (starts_with_keyword(sql, "HANDLER")) pin("HANDLER");
  if (starts_with_keyword(sql, "CREATE")) {
    auto head = router::ascii_upper(sql.substr(0, 64));
    if (head.find("TEMPORARY") != std::string::npos) pin("a temporary table");
  }
  scan_underscored(sql, m);
  // A user variable assigned inside a statement (SELECT @a := ..., ... INTO @a).
  if (std::memchr(sql.data(), '@', sql.size())) {
    bool assigns = sql.find(":=") != std::string_view::npos;
    for (std::size_t i = sql.find('@'); !assigns && i != std::string_view::npos; i = sql.find('@', i + 1)) {
      std::size_t j = i;
      while (j > 0 && std::isspace(static_cast<unsigned char>(sql[j - 1]))) --j;
      assigns = j >= 4 && equals_ci(sql, j - 4, "INTO");
    }
    if (assigns) pin("a user variable assigned in a statement");
  }
  return m;
}

std::optional<std::string> substitute_counts(std::string_view sql, std::int64_t row_count, std::uint64_t found_rows,
                                             std::uint32_t connection_id) {
  auto toks = router::lex(sql);
  std::string out;
  std::size_t copied = 0;
  for (std::size_t i = 0; i + 2 < toks.size(); ++i) {
    bool rc = toks[i].is_word("ROW_COUNT"), fr = toks[i].is_word("FOUND_ROWS"), id = toks[i].is_word("CONNECTION_ID");
    if (!(rc || fr || id) || !toks[i + 1].is_op("(") || !toks[i + 2].is_op(")")) continue;
    out.append(sql.substr(copied, toks[i].offset - copied));
    out += rc ? std::to_string(row_count) : fr ? std::to_string(found_rows) : std::to_string(connection_id);
    copied = toks[i + 2].offset + toks[i + 2].length;
    i += 2;
  }
  if (copied == 0) return std::nullopt;
  out.append(sql.substr(copied));
  return out;
}

}  // namespace shardwire::proxy
