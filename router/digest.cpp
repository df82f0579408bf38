#include "router/digest.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <vector>

#include "router/lexer.hpp"

namespace shardwire::router {

namespace {

bool is_literal(const token& t) {
  switch (t.kind) {
    case token_kind::string:
    case token_kind::number:
    case token_kind::hex:
    case token_kind::bits:
    case token_kind::placeholder:
      return true;
    default:
      return t.is_word("NULL") || t.is_word("TRUE") || t.is_word("FALSE");
  }
}

// Tokens of the literal starting at toks[i]: 1, 2 for a signed number (`-5`), 0 if none.
std::size_t literal_at(const std::vector<token>& toks, std::size_t i) {
  if (i >= toks.size()) return 0;
  if (is_literal(toks[i])) return 1;
  bool sign = toks[i].is_op("-") || toks[i].is_op("+");
  return sign && i + 1 < toks.size() && toks[i + 1].kind == token_kind::number ? 2 : 0;
}

// Words after which a sign starts a value (`SELECT -1`, `LIMIT -1`, `BETWEEN -5 AND -1`).
bool value_keyword(const token* t) {
  static constexpr std::string_view words[] = {"SELECT", "WHERE", "AND",  "OR",   "NOT",    "BETWEEN", "LIMIT",
                                               "OFFSET", "THEN",  "ELSE", "WHEN", "SET",    "BY",      "ON",
                                               "IN",     "IS",    "LIKE", "CASE", "RETURN", "HAVING",  "XOR"};
  return t && std::any_of(std::begin(words), std::end(words), [t](std::string_view k) { return t->is_word(k); });
}

struct part {
  std::string_view text;
  bool tight = false;          // written with no space before it (a function name's "(")
  const token* tok = nullptr;  // the token written as is (not for "?" and "(...)")
};

// The digest's tokens: "?" for a literal, "(...)" for a parenthesized list of literals
// (and for a run of them separated by commas), the token's written text otherwise.
std::vector<part> digest_tokens(const std::vector<token>& toks, std::string_view sql) {
  std::vector<part> out;
  std::size_t prev_end = 0;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    const token& t = toks[i];
    if (t.kind == token_kind::end || t.kind == token_kind::error) break;
    if (t.kind == token_kind::hint) continue;
    bool tight = i > 0 && t.offset == prev_end;
    prev_end = t.offset + t.length;
    // Lists of values whose length varies with the call: IN (...), VALUES (...), ...
    bool list_context =
        !out.empty() && (toks[i - 1].is_word("IN") || toks[i - 1].is_word("VALUES") || toks[i - 1].is_word("VALUE") ||
                         (out.back().text == "," && out.size() >= 2 && out[out.size() - 2].text == "(...)"));
    if (t.is_op("(") && list_context) {
      std::size_t j = i + 1, n = literal_at(toks, j);
      while (n && j + n < toks.size() && toks[j + n].is_op(",")) {
        j += n + 1;
        n = literal_at(toks, j);
      }
      if (n && j + n < toks.size() && toks[j + n].is_op(")")) {
        j += n - 1;  // toks[j + 1] is the ")"
        bool run = out.size() >= 2 && out.back().text == "," && out[out.size() - 2].text == "(...)";
        if (run) {
          out.pop_back();  // "(...), (...)" is one "(...)"
        } else {
          out.push_back({"(...)", tight});
        }
        i = j + 1;
        prev_end = toks[i].offset + toks[i].length;
        continue;
      }
    }
    if (is_literal(t)) {
      // A sign in front of a number is part of the literal (`= -5` is `= ?`).
      if (!out.empty() && (out.back().text == "-" || out.back().text == "+") && t.kind == token_kind::number) {
        const part* prev = out.size() >= 2 ? &out[out.size() - 2] : nullptr;
        std::string_view before = prev ? prev->text : std::string_view("(");
        bool unary =
            value_keyword(prev ? prev->tok : nullptr) ||
            (before != ")" && std::string_view("=<>!(,*/%+-|&^").find(before.back()) != std::string_view::npos);
        if (unary) {
          tight = out.back().tight;
          out.pop_back();
        }
      }
      out.push_back({"?", tight});
      continue;
    }
    out.push_back({sql.substr(t.offset, t.length), tight, &t});  // as written: quotes of `names` kept
  }
  return out;
}

bool glue_before(std::string_view t) { return t == "," || t == ")" || t == "." || t == ";"; }
bool glue_after(std::string_view t) { return t == "(" || t == "." || t == "@" || t == "@@"; }

}  // namespace

std::string digest_text(std::string_view sql, std::size_t max_length, std::size_t max_input) {
  bool cut = sql.size() > max_input;
  sql = sql.substr(0, max_input);
  auto toks = lex(sql);
  // A cut statement ends somewhere inside a value list: keep it up to the last ")" so
  // the digest does not depend on where the cut fell (else drop the half token).
  if (cut && toks.size() >= 2) {
    std::size_t keep = toks.size() - 2;
    for (std::size_t i = toks.size() - 1; i-- > 0;) {
      if (toks[i].is_op(")")) {
        keep = i + 1;
        break;
      }
    }
    toks.erase(toks.begin() + static_cast<std::ptrdiff_t>(keep), toks.end() - 1);
  }
  auto parts = digest_tokens(toks, sql);
  std::string out;
  out.reserve(std::min(sql.size(), max_length) + 8);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i].text;
    bool space = i > 0 && !glue_before(p) && !glue_after(parts[i - 1].text);
    // A function call keeps its "(" on the name: COUNT(*), not COUNT (*).
    if (space && p.front() == '(' && parts[i].tight) {
      char last = parts[i - 1].text.back();
      if (std::isalnum(static_cast<unsigned char>(last)) || last == '_' || last == '`') space = false;
    }
    if (out.size() + p.size() + 1 > max_length) {
      out += " ...";
      break;
    }
    if (space) out += ' ';
    out += p;
  }
  while (!out.empty() && out.back() == ';') out.pop_back();
  if (cut && (out.size() < 4 || out.compare(out.size() - 4, 4, " ...") != 0)) out += " ...";
  return out;
}

std::shared_ptr<const std::string> digest_cache::digest(const statement_shape& shape, std::string_view sql) {
  if (!shape.cacheable || shape.key.size() > max_key || max_ == 0) {
    return std::make_shared<const std::string>(digest_text(sql));
  }
  if (auto it = map_.find(shape.key); it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  while (lru_.size() >= max_) {
    map_.erase(std::string_view(lru_.back().first));
    lru_.pop_back();
  }
  lru_.emplace_front(shape.key, std::make_shared<const std::string>(digest_text(sql)));
  map_.emplace(std::string_view(lru_.front().first), lru_.begin());
  return lru_.front().second;
}

}  // namespace shardwire::router
