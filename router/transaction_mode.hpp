// How a transaction that writes on several data sources commits (docs/transactions.md):
//   local        one data source per transaction; reaching a second one is refused
//   best_effort  each data source commits in turn; a failure after a commit is ERR 1180
//                naming what committed and what did not
//   xa           two-phase commit with a durable decision log (proxy/xa/)
#pragma once

#include <optional>
#include <string_view>

namespace shardwire::router {

enum class transaction_mode { local, best_effort, xa };

inline std::optional<transaction_mode> parse_transaction_mode(std::string_view s) {
  auto lower_eq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  if (lower_eq(s, "local")) return transaction_mode::local;
  if (lower_eq(s, "best_effort")) return transaction_mode::best_effort;
  if (lower_eq(s, "xa")) return transaction_mode::xa;
  return std::nullopt;
}

inline const char* transaction_mode_name(transaction_mode m) {
  switch (m) {
    case transaction_mode::local: return "local";
    case transaction_mode::best_effort: return "best_effort";
    case transaction_mode::xa: return "xa";
  }
  return "best_effort";
}

}  // namespace shardwire::router
