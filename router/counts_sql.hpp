// ROW_COUNT(), FOUND_ROWS() and CONNECTION_ID() in a statement the proxy sends to a
// connection that did not run the session's previous statement (multiplexing): each
// call becomes the session's value in an expression of the function's own type
// (`IF(0, ROW_COUNT(), 5)` is BIGINT(21) NOT NULL like ROW_COUNT() itself), and a select
// item that held one gets its original text as alias, so the column is named and typed
// exactly as the server would name and type it. Pure text work over the lexer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shardwire::router {

struct session_counts {
  std::int64_t row_count = -1;      // ROW_COUNT() of the previous statement
  std::uint64_t found_rows = 0;     // FOUND_ROWS()
  std::uint32_t connection_id = 0;  // CONNECTION_ID(): the proxy's session id
};

// nullopt: nothing to replace, or a statement whose calls do not run now (the body of a
// CREATE PROCEDURE / FUNCTION / TRIGGER / EVENT / VIEW, a compound statement, whose
// ROW_COUNT() is the server's own business when the body runs). In a multi-statement
// batch ROW_COUNT() and FOUND_ROWS() are rewritten in the first statement only (later
// ones follow statements of the same batch, which the server counts itself);
// CONNECTION_ID() in every statement up to the first one that does not run now.
std::optional<std::string> substitute_counts(std::string_view sql, const session_counts& counts);

}  // namespace shardwire::router
