// What the XA code reads that it did not write this run: XA RECOVER rows from a backend
// (router/xa_sql from_recover_row, parse_gtrid) and the decision log after a crash
// (proxy/xa/decision_log parse_log). Checked: an accepted xid is safe text and prints
// back into a statement that names exactly it; an accepted log's pending decisions
// print and parse back to themselves.
#include <cstdint>
#include <string>

#include "proxy/xa/decision_log.hpp"
#include "router/move_sql.hpp"
#include "router/xa_sql.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size >= 3) {
    auto glen = static_cast<std::int64_t>(data[0] % 70);
    auto blen = static_cast<std::int64_t>(data[1] % 70);
    std::int64_t format = data[2] == 0 ? 21335 : data[2];
    auto x = router::xa::from_recover_row(format, glen, blen, text.substr(3));
    if (x) {
      FUZZ_CHECK(router::xa::safe_id_text(x->gtrid) && router::xa::safe_id_text(x->bqual), "safe xid text");
      FUZZ_CHECK(x->gtrid.size() + x->bqual.size() == size - 3, "the row's bytes split, nothing more");
      std::string stmt = router::xa::commit(*x);
      FUZZ_CHECK(stmt == "XA COMMIT '" + x->gtrid + "','" + x->bqual + "',21335", "the statement names the xid");
      auto parts = router::xa::parse_gtrid(x->gtrid);
      FUZZ_CHECK(parts && router::xa::make_gtrid(parts->proxy_id, parts->boot, parts->seq).size() <= 64,
                 "an accepted gtrid has parts");
    }
  }
  // Values a backend returned for a row being moved (router/move_sql): refused or
  // turned into literals, never spliced as they came.
  std::vector<router::move_sql::column> cols{{"n", true}, {"s", false}};
  auto half = text.size() / 2;
  std::vector<router::move_sql::row> rows{{std::string(text.substr(0, half)), std::string(text.substr(half))}};
  if (auto ins = router::move_sql::insert_rows({"ds", "db", "t"}, cols, rows)) {
    FUZZ_CHECK(ins->size() == 1 && ins->front().find(';') == std::string::npos, "one statement, no separator");
    FUZZ_CHECK(ins->front().find("_binary X'") != std::string::npos, "bytes as a hex literal");
  }
  auto log = proxy::xa::parse_log(text);
  if (log.error.empty() && log.has_header) {
    std::string again = proxy::xa::format_header(log.proxy_id, log.first_boot);
    for (const auto& [_, d] : log.pending) again += proxy::xa::format_decision(d);
    auto back = proxy::xa::parse_log(again);
    FUZZ_CHECK(back.error.empty(), "a rewritten log parses");
    FUZZ_CHECK(back.pending == log.pending, "pending decisions survive a rewrite");
  }
  return 0;
}
