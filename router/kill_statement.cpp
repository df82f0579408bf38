#include "router/kill_statement.hpp"

#include <algorithm>

#include "router/lexer.hpp"

namespace shardwire::router {

std::optional<kill_statement> parse_kill(std::string_view sql) {
  // The first word may sit in a versioned comment (/*!KILL 5*/): the server runs it.
  std::vector<token> toks = lex(sql);
  std::erase_if(toks, [](const token& t) { return t.kind == token_kind::hint; });
  if (toks.empty() || !toks[0].is_word("KILL")) return std::nullopt;
  std::size_t i = 1;  // past KILL
  auto word = [&](std::string_view w) { return i < toks.size() && toks[i].is_word(w); };
  kill_statement k;
  if (word("HARD") || word("SOFT")) {
    k.modifier = word("HARD") ? "HARD" : "SOFT";
    ++i;
  }
  if (word("CONNECTION")) {
    ++i;
  } else if (word("QUERY")) {
    k.kind = kill_statement::target::query;
    ++i;
    if (word("ID")) {
      k.kind = kill_statement::target::query_id;
      ++i;
    }
  } else if (word("USER")) {
    k.kind = kill_statement::target::user;
    return k;
  }
  // Exactly one plain integer, then at most a ';': anything else (expressions,
  // variables, batches) is refused by the caller, never forwarded.
  bool have_id = i < toks.size() && toks[i].kind == token_kind::number && toks[i].text.size() <= 19 &&
                 std::all_of(toks[i].text.begin(), toks[i].text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (have_id) {
    for (char c : toks[i].text) k.id = k.id * 10 + static_cast<std::uint64_t>(c - '0');
    ++i;
  }
  if (i < toks.size() && toks[i].is_op(";")) ++i;
  if (!have_id || i >= toks.size() || toks[i].kind != token_kind::end) k.kind = kill_statement::target::unsupported;
  return k;
}

}  // namespace shardwire::router
