// router/lexer: lex() under fuzzer-chosen lex_options (sql_input.hpp), with the shape
// of the token list checked, every string token unescaped (and the literal as written
// decoded the same way), and starts_with_keyword, the proxy's cheap gate before lexing,
// compared with what the lexer sees first.
#include <cstdint>

#include "router/lexer.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/sql_input.hpp"

using namespace shardwire::router;

namespace {
bool within(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// Keywords the proxy gates on with starts_with_keyword (proxy/session_*.cpp,
// router/kill_statement.cpp).
constexpr std::string_view gate_keywords[] = {
    "SELECT", "INSERT", "UPDATE",  "DELETE",  "REPLACE", "CREATE",  "ALTER",     "DROP",      "TRUNCATE",
    "RENAME", "LOAD",   "GRANT",   "REVOKE",  "CALL",    "SET",     "USE",       "SHOW",      "KILL",
    "LOCK",   "UNLOCK", "PREPARE", "EXECUTE", "XA",      "HANDLER", "SHARDWIRE", "DEALLOCATE"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = shardwire::fuzz::split_sql_input(data, size);
  std::string_view sql = in.sql;
  auto toks = lex(sql, in.opts);
  FUZZ_CHECK(!toks.empty(), "at least the end token");
  FUZZ_CHECK(toks.back().is(token_kind::end) || toks.back().is(token_kind::error), "ends with end or error");
  std::size_t last = 0;
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    const token& t = toks[i];
    FUZZ_CHECK(!t.is(token_kind::end) && !t.is(token_kind::error), "end and error only last");
    FUZZ_CHECK(t.offset >= last && t.offset + t.length <= sql.size() && t.length > 0, "tokens in order, inside");
    last = t.offset + t.length;
    std::string_view extent = sql.substr(t.offset, t.length);
    FUZZ_CHECK(within(t.text, extent), "text inside the token's extent");
    FUZZ_CHECK(t.charset == "N" || within(t.charset, extent), "charset: N or the introducer's name");
    if (t.is(token_kind::string)) {
      FUZZ_CHECK(t.quote == '\'' || t.quote == '"', "string quote");
      std::string value = unescape_string(t, in.opts);
      FUZZ_CHECK(value.size() <= t.text.size(), "unescaping never grows a string");
      if (t.charset.empty()) {
        FUZZ_CHECK(string_literal_value(extent, in.opts) == value, "the literal as written decodes the same");
      }
    }
    if (t.is(token_kind::identifier)) (void)t.is_word("SELECT");
  }

  // starts_with_keyword(sql, K) is how the proxy classifies a statement before (or
  // instead of) lexing it: the lexer must see K as the first word then.
  const token* first = nullptr;
  for (const auto& t : toks) {
    if (!t.is(token_kind::hint)) {
      first = &t;
      break;
    }
  }
  for (std::string_view kw : gate_keywords) {
    if (!starts_with_keyword(sql, kw)) continue;
    FUZZ_CHECK(first && first->is(token_kind::identifier) && first->is_word(kw),
               "starts_with_keyword agrees with the lexer's first word");
  }
  FUZZ_CHECK(ascii_upper(sql).size() == sql.size(), "ascii_upper keeps the length");
  return 0;
}
