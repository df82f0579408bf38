#include "proxy/session/transaction_state.hpp"

#include <algorithm>
#include <cctype>

#include "router/xa_sql.hpp"
#include "router/session_sql.hpp"

namespace shardwire::proxy {

void transaction_state::start(std::string text, router::transaction_mode mode) {
  open_ = true;
  mode_ = mode;
  gtrid_.clear();
  branches_ = 0;
  begin_ = std::move(text);
  std::string upper = begin_;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // The server flags such a transaction in every status it sends (0x2000).
  read_only_ = upper.find("READ ONLY") != std::string::npos;
  savepoints_.clear();
}

void transaction_state::finish() {
  open_ = false;
  gtrid_.clear();
  savepoints_.clear();
}

void transaction_state::savepoint(const std::string& name) {
  std::erase(savepoints_, name);
  savepoints_.push_back(name);
}

void transaction_state::rollback_to(const std::string& name) {
  auto pos = std::find(savepoints_.begin(), savepoints_.end(), name);
  if (pos != savepoints_.end()) savepoints_.erase(pos + 1, savepoints_.end());
}

void transaction_state::release(const std::string& name) {
  auto pos = std::find(savepoints_.begin(), savepoints_.end(), name);
  if (pos != savepoints_.end()) savepoints_.erase(pos, savepoints_.end());
}

std::vector<std::string> transaction_state::join_statements(const std::string& bqual) const {
  std::vector<std::string> out;
  if (!next_.empty()) out.push_back(next_);
  out.push_back(gtrid_.empty() ? begin_ : router::xa::start({gtrid_, bqual}));
  for (const auto& sp : savepoints_) out.push_back(router::session_sql::savepoint(sp));
  return out;
}

std::string pin_state::describe() const {
  if (!reason_.empty()) return reason_;
  if (table_locks_) return "LOCK TABLES";
  if (next_) return "the previous statement";
  return {};
}

}  // namespace shardwire::proxy
