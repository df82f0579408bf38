// router/statement_analysis and router/sql_literal: the analysis of any text is total
// and consistent (token_stream yields exactly lex()'s tokens; a KILL target only for a
// lone KILL; read intent only for one effect-free SELECT), PREPARE'd text nests within
// its bound, and the literal encoders always produce text that lexes back as exactly one
// literal of the same value.
#include <cstdint>

#include "router/lexer.hpp"
#include "router/processlist.hpp"
#include "router/sql_literal.hpp"
#include "router/statement_analysis.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/sql_input.hpp"

using namespace shardwire::router;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = shardwire::fuzz::split_sql_input(data, size);
  std::string_view sql = in.sql;

  // The streaming lexer is the vector lexer, token for token.
  auto toks = lex(sql, in.opts);
  token_stream ts(sql, in.opts);
  for (const auto& t : toks) {
    token s = ts.next();
    FUZZ_CHECK(s.kind == t.kind && s.offset == t.offset && s.length == t.length && s.text == t.text,
               "token_stream agrees with lex()");
  }
  FUZZ_CHECK(ts.next().kind == token_kind::end, "end after the last token");

  analysis_options opts;
  opts.lex = in.opts;
  auto a = analyze_statement(sql, opts);
  if (a.kill_target) FUZZ_CHECK(a.kill && a.statements == 1, "a KILL target only for one KILL statement");
  if (a.intent == statement_class::read) {
    FUZZ_CHECK(a.statements == 1 && a.effects == 0 && a.kind == statement_kind::select, "reads are plain SELECTs");
  }
  if (a.lex_error) FUZZ_CHECK(a.has(effect::unknown), "unreadable text has unknown effects");
  if (a.effects != 0) FUZZ_CHECK(!a.why.empty(), "every effect says why");
  if (a.show_processlist) FUZZ_CHECK(a.processlist, "SHOW PROCESSLIST is a process list");
  for (const auto& t : a.trigger_on) FUZZ_CHECK(!t.empty() && t.size() <= sql.size(), "a trigger's table is input text");

  // With tables that have triggers, a write naming one pins; nothing else changes.
  static const std::vector<std::string> triggers{"orders", "t", "trig"};
  opts.trigger_tables = &triggers;
  auto b = analyze_statement(sql, opts);
  FUZZ_CHECK((b.effects & ~effect::routine) == (a.effects & ~effect::routine) && b.kind == a.kind &&
                 b.statements == a.statements && b.trigger_on == a.trigger_on,
             "trigger tables only add routine");

  // Literals: the bytes of the input as a string in a few character sets, and its text
  // as a number when it is one, each lexing back as one token.
  for (std::string_view cs : {"utf8mb4", "gbk", "binary"}) {
    std::string lit = hex_string_literal(sql, cs);
    auto lt = lex(lit);
    FUZZ_CHECK(lt.size() == 3 && lt[0].kind == token_kind::identifier && lt[1].kind == token_kind::hex &&
                   lt[2].kind == token_kind::end,
               "a hex literal is an introducer and one hex token");
    FUZZ_CHECK(lt[1].text.size() == sql.size() * 2, "two hex digits a byte");
  }
  if (auto n = numeric_literal(sql)) {
    auto nt = lex(*n);
    FUZZ_CHECK(nt.size() >= 2 && nt.back().kind == token_kind::end, "a number lexes");
    for (std::size_t i = 0; i + 1 < nt.size(); ++i) {
      FUZZ_CHECK(nt[i].kind == token_kind::number || nt[i].is_op("-") || nt[i].is_op("+"), "only a signed number");
    }
  }
  // A process-list row holding the input anywhere stays one derived table.
  process_row r;
  r.user = std::string(sql);
  r.info = std::string(sql);
  std::string table = processlist_table_sql({r});
  auto pt = lex(table);
  FUZZ_CHECK(pt.back().kind == token_kind::end, "the derived table lexes");
  for (const auto& t : pt) FUZZ_CHECK(t.kind != token_kind::string || t.text.empty(), "no quoted user text");
  (void)substitute_processlist(sql, table);
  return 0;
}
