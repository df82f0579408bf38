#include "proxy/session/session_state.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

#include "router/formatter.hpp"
#include "router/lexer.hpp"
#include "router/session_sql.hpp"

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

// SET wait_timeout = n | DEFAULT: seconds as the server takes them (1..31536000), 0 for
// DEFAULT; nullopt for anything else (the server decides, the proxy keeps its own limit).
std::optional<long long> timeout_of(const expr& e) {
  std::string v = lower(e.kind == expr_kind::column && !e.names.empty() ? e.names.back().name : e.text);
  if (v == "default") return 0;
  if (e.kind != expr_kind::literal || v.empty() || v.size() > 12 ||
      v.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::clamp(std::stoll(v), 1LL, 31536000LL);
}

// Keys SET NAMES / CHARACTER SET overwrite.
bool charset_key(std::string_view k) {
  return k == "character_set_client" || k == "character_set_connection" || k == "character_set_results" ||
         k == "collation_connection";
}
}  // namespace

std::size_t session_vars::bytes() const {
  std::size_t n = 0;
  for (const auto& v : items_) n += v.key.size() + v.text.size() + sizeof(session_var);
  return n;
}

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
  std::vector<std::string_view> combined;
  for (const auto& i : items_) {
    bool same = false;
    for (const auto& a : applied) same = same || a == i;
    if (same) continue;
    if (i.standalone) {
      out.push_back(router::session_sql::set({i.text}));
    } else {
      combined.push_back(i.text);
    }
  }
  if (!combined.empty()) out.insert(out.begin(), router::session_sql::set(combined));
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
        if (starts_with(name, "session_track")) {  // the server's report is the proxy's second witness:
          pin("session tracking changed");            // not restated on shared connections
          fx.state_change_tracking = name == "session_track_state_change";
          break;
        }
        if (name == "autocommit") fx.autocommit = truth_of(*it.value);
        if (name == "wait_timeout") fx.wait_timeout = timeout_of(*it.value);
        fx.vars.push_back({name, router::format_set_item(it), false});
        break;
      }
    }
  }
  return fx;
}

statement_marks marks_of(const router::statement_analysis& a) {
  namespace fx = router::effect;
  using kind = router::statement_kind;
  statement_marks m;
  bool plain = a.single() && !a.versioned;  // as written, one statement: what the session tracks itself
  m.set = plain && a.kind == kind::set;
  m.use = plain && a.kind == kind::use;
  m.lock_tables = plain && a.kind == kind::lock_tables;
  m.unlock_tables = plain && a.kind == kind::unlock_tables;
  m.found_rows = a.found_rows;
  m.diagnostics = a.diagnostics_only;
  m.last_insert_id = a.reads_last_insert_id;
  m.previous_counts = a.reads_counts;
  std::uint32_t tracked = 0;
  if (m.set) tracked |= fx::session_vars | fx::user_vars;
  if (m.use) tracked |= fx::database;
  if (m.lock_tables || m.unlock_tables) tracked |= fx::table_locks;
  // BEGIN/COMMIT... the proxy answers; one that reaches a server shows in its status flags.
  if (plain && a.kind == kind::transaction) tracked |= fx::transaction;
  if ((a.effects & ~tracked) != 0) {
    m.pin_session = true;
    m.why = a.why;
  }
  return m;
}

}  // namespace shardwire::proxy
