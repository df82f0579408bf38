#include "router/counts_sql.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "router/lexer.hpp"

namespace shardwire::router {

namespace {

bool named(const token& t, std::string_view upper) {
  // Bare or back-quoted: the server runs both as the built-in.
  if (t.is_word(upper)) return true;
  if (t.kind != token_kind::quoted_identifier || t.text.size() != upper.size()) return false;
  for (std::size_t i = 0; i < upper.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != upper[i]) return false;
  }
  return true;
}

bool word_in(const token& t, std::initializer_list<std::string_view> words) {
  for (auto w : words) {
    if (t.is_word(w)) return true;
  }
  return false;
}

// Statements whose calls run when the statement runs.
bool runs_now(const std::vector<token>& toks, std::size_t begin, std::size_t end) {
  std::size_t at = begin;
  while (at < end && toks[at].is(token_kind::hint)) ++at;  // /*+ ... */ before the statement
  if (at == end) return false;
  const token& first = toks[at];
  if (first.is_op("(")) return true;
  if (word_in(first, {"SELECT", "WITH", "VALUES", "DO", "SET", "INSERT", "REPLACE", "UPDATE", "DELETE", "CALL"})) {
    return true;
  }
  if (!word_in(first, {"CREATE", "ALTER"})) return false;
  for (std::size_t i = at + 1; i < end; ++i) {
    if (toks[i].is_word("TABLE")) return true;
    if (word_in(toks[i], {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "VIEW", "PACKAGE"})) return false;
  }
  return false;
}

struct call {
  std::size_t at;  // token index of the function name
  char which;      // 'r' ROW_COUNT, 'f' FOUND_ROWS, 'c' CONNECTION_ID
};

std::string replacement(char which, const session_counts& c) {
  switch (which) {
    case 'r':
      return "IF(0, ROW_COUNT(), " + std::to_string(c.row_count) + ")";
    case 'f':
      return "IF(0, FOUND_ROWS(), " + std::to_string(c.found_rows) + ")";
    default:  // INT(10) UNSIGNED NOT NULL, like CONNECTION_ID() (a bare literal is signed)
      return "IF(0, CONNECTION_ID(), CAST(" + std::to_string(c.connection_id) + " AS UNSIGNED))";
  }
}

// An item [a, b) of a select list ends in an alias: `AS x`, or a name right after an
// expression (`ROW_COUNT() n`), not an operand of an operator before it.
bool aliased(const std::vector<token>& toks, std::size_t a, std::size_t b) {
  if (b - a < 2) return false;
  const token& last = toks[b - 1];
  const token& prev = toks[b - 2];
  if (prev.is_word("AS")) return true;
  bool name = last.kind == token_kind::quoted_identifier || last.kind == token_kind::string ||
              (last.kind == token_kind::identifier &&
               !word_in(last, {"END", "NULL", "TRUE", "FALSE", "UNKNOWN"}));
  if (!name) return false;
  if (prev.is(token_kind::op)) return prev.is_op(")");
  return !word_in(prev, {"AND", "OR", "XOR", "NOT", "IS", "LIKE", "DIV", "MOD", "IN", "BETWEEN", "REGEXP", "RLIKE",
                         "COLLATE", "BINARY", "INTERVAL", "ESCAPE", "SOUNDS", "THEN", "ELSE", "WHEN", "CASE", "SELECT",
                         "DISTINCT", "ALL", "ON", "USING", "AT", "ZONE"});
}

// Select items (token ranges) of every SELECT in [0, end) that hold a call.
std::vector<std::array<std::size_t, 2>> select_items(const std::vector<token>& toks, std::size_t begin,
                                                    std::size_t end, const std::vector<call>& calls) {
  const std::initializer_list<std::string_view> list_end = {
      "FROM", "INTO", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT",
      "FOR", "LOCK", "WINDOW", "PROCEDURE", "OFFSET", "FETCH", "RETURNING"};
  const std::initializer_list<std::string_view> modifiers = {
      "ALL", "DISTINCT", "DISTINCTROW", "HIGH_PRIORITY", "STRAIGHT_JOIN", "SQL_SMALL_RESULT", "SQL_BIG_RESULT",
      "SQL_BUFFER_RESULT", "SQL_CACHE", "SQL_NO_CACHE", "SQL_CALC_FOUND_ROWS"};
  std::vector<std::array<std::size_t, 2>> out;
  auto holds_call = [&](std::size_t a, std::size_t b) {
    for (const auto& c : calls) {
      if (c.at >= a && c.at < b) return true;
    }
    return false;
  };
  for (std::size_t s = begin; s < end; ++s) {
    if (!toks[s].is_word("SELECT")) continue;
    std::size_t i = s + 1;
    while (i < end && word_in(toks[i], modifiers)) ++i;
    int depth = 0;
    std::size_t item = i;
    for (; i <= end; ++i) {
      bool stop = i == end;
      if (!stop && toks[i].is_op("(")) ++depth;
      if (!stop && toks[i].is_op(")")) {
        if (depth == 0) stop = true;
        --depth;
      }
      if (!stop && depth == 0 && word_in(toks[i], list_end)) stop = true;
      bool comma = !stop && depth == 0 && toks[i].is_op(",");
      if ((stop || comma) && i > item && holds_call(item, i)) out.push_back({item, i});
      if (stop) break;
      if (comma) item = i + 1;
    }
  }
  return out;
}

std::string quote_alias(std::string_view text) {
  std::string out = "`";
  for (char ch : text) {
    if (ch == '`') out += '`';
    out += ch;
  }
  return out + "`";
}

}  // namespace

std::optional<std::string> substitute_counts(std::string_view sql, const session_counts& counts) {
  auto toks = lex(sql);
  std::size_t total = 0;
  while (total < toks.size() && !toks[total].is(token_kind::end)) ++total;
  std::vector<call> calls;
  std::vector<std::pair<std::size_t, std::string>> aliases;  // token index to append after, alias
  // Statement by statement: all three in the first; CONNECTION_ID() in later ones too
  // (the counts there follow statements of the same batch, which the server counts). A
  // statement that does not run now ends the walk: a body may hold `;` of its own.
  for (std::size_t begin = 0, index = 0; begin < total; ++index) {
    std::size_t end = begin;
    while (end < total && !toks[end].is_op(";")) ++end;
    if (!runs_now(toks, begin, end)) break;
    std::size_t first_call = calls.size();
    for (std::size_t i = begin; i + 2 < end; ++i) {
      if (!toks[i + 1].is_op("(") || !toks[i + 2].is_op(")")) continue;
      char which = named(toks[i], "ROW_COUNT") ? 'r' : named(toks[i], "FOUND_ROWS") ? 'f'
                   : named(toks[i], "CONNECTION_ID")  ? 'c' : 0;
      if (which == 'c' || (which && index == 0)) calls.push_back({i, which});
    }
    std::vector<call> mine(calls.begin() + static_cast<std::ptrdiff_t>(first_call), calls.end());
    for (const auto& [a, b] : select_items(toks, begin, end, mine)) {
      if (aliased(toks, a, b)) continue;
      std::size_t from = toks[a].offset, to = toks[b - 1].offset + toks[b - 1].length;
      aliases.emplace_back(b - 1, " AS " + quote_alias(sql.substr(from, to - from)));
    }
    begin = end + 1;
  }
  if (calls.empty()) return std::nullopt;
  std::stable_sort(aliases.begin(), aliases.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string out;
  out.reserve(sql.size() + 64 * calls.size());
  std::size_t copied = 0, next_call = 0, next_alias = 0;
  for (std::size_t i = 0; i < total; ++i) {
    if (next_call < calls.size() && calls[next_call].at == i) {
      out.append(sql.substr(copied, toks[i].offset - copied));
      out += replacement(calls[next_call].which, counts);
      copied = toks[i + 2].offset + toks[i + 2].length;
      ++next_call;
    }
    while (next_alias < aliases.size() && aliases[next_alias].first == i) {
      std::size_t after = toks[i].offset + toks[i].length;
      out.append(sql.substr(copied, after - copied));
      out += aliases[next_alias].second;
      copied = after;
      ++next_alias;
    }
  }
  out.append(sql.substr(copied));
  return out;
}

}  // namespace shardwire::router
