#include "router/statement_analysis.hpp"

#include <algorithm>
#include <array>

#include "router/stored_calls.hpp"

namespace shardwire::router {

namespace {

using kind = statement_kind;

// Words after KILL that make it a KILL statement rather than a column named kill.
bool kill_follower(const token& t) {
  switch (t.kind) {
    case token_kind::number:
    case token_kind::user_variable:
    case token_kind::placeholder:
    case token_kind::quoted_identifier:
      return true;
    case token_kind::op:
      return t.is_op("(");
    case token_kind::identifier:
      for (std::string_view w : {"FROM", "AS", "AND", "OR", "XOR", "IS", "IN", "LIKE", "WHERE", "ORDER", "GROUP",
                                 "LIMIT", "UNION", "END", "THEN", "ELSE", "DIV", "MOD", "REGEXP", "BETWEEN", "NOT",
                                 "INTO", "HAVING", "WINDOW", "FOR", "LOCK", "COLLATE", "ASC", "DESC"}) {
        if (t.is_word(w)) return false;
      }
      return true;
    default:
      return false;
  }
}

// A function name as the server reads it: bare or back-quoted (`CONNECTION_ID`() is
// the built-in too).
bool named(const token& t, std::string_view upper) {
  if (t.is_word(upper)) return true;
  return t.kind == token_kind::quoted_identifier && t.text.size() == upper.size() && ascii_upper(t.text) == upper;
}

// The proxy's own session variable, however it is written (@@session.x, `x`, X).
bool names_proxy_variable(std::string_view text) {
  constexpr std::string_view name = "SHARDWIRE_TRANSACTION_MODE";
  if (text.size() < name.size()) return false;
  auto tail = text.substr(text.size() - name.size());
  if (ascii_upper(tail) != name) return false;
  return text.size() == name.size() || text[text.size() - name.size() - 1] == '.';
}

class reader {
 public:
  reader(std::string_view sql, const analysis_options& opts) : sql_(sql), opts_(opts), ts_(sql, opts.lex) {}

  statement_analysis run() {
    statement_shape* shape = opts_.nesting == 0 ? opts_.shape : nullptr;
    if (shape) shape->begin(sql_);
    for (;;) {
      token t = ts_.next();
      if (shape) shape->add(t);
      if (t.kind == token_kind::end) break;
      if (t.kind == token_kind::error) {
        out_.lex_error = true;
        add(effect::unknown, "text the proxy cannot read");
        break;
      }
      if (t.versioned) out_.versioned = true;
      if (t.kind == token_kind::hint) {
        if (t.text.find("shardwire:primary") != std::string_view::npos) out_.primary_hint = true;
        continue;
      }
      if (t.is_op(";") && depth_ == 0) {
        finish();
        continue;
      }
      take(t);
    }
    finish();
    decide();
    if (shape) shape->finish();
    return std::move(out_);
  }

 private:
  static constexpr std::size_t head_size = 4;

  void add(std::uint32_t bits, std::string_view why) {
    if (bits != 0 && out_.why.empty()) out_.why = why;
    out_.effects |= bits;
  }

  bool head(std::size_t i, std::string_view w) const { return i < n_ && head_[i].is_word(w); }

  void take(const token& t) {
    if (n_ < head_size) head_[n_] = t;
    ++n_;
    if (n_ == 1) diag_select_ = t.is_word("SELECT");
    else if (diag_select_) diag_select_ = diagnostics_item(t);
    if (n_ == 2 && head(0, "SET") && head(1, "STATEMENT")) set_statement_ = true;
    if (n_ > 1 && head(0, "CREATE")) trigger_target(t);
    if (calls_.feed(t, depth_)) add(effect::routine, "a stored function call");
    if (t.is_op("(")) ++depth_;
    if (t.is_op(")") && depth_ > 0) --depth_;
    anywhere(t);
    after_lid(t);
    if (set_statement_ && depth_ == 0 && t.is_word("FOR") && !in_for_) {
      // SET STATEMENT var = value, ... FOR <statement>: the settings last for that
      // statement only; what it leaves is what the inner statement leaves.
      in_for_ = true;
      restart();
    }
    prev2_ = prev_;
    prev_ = t;
  }

  // CREATE ... TRIGGER name {BEFORE|AFTER} event ON [db.]table: the table's name.
  void trigger_target(const token& t) {
    bool id = t.kind == token_kind::identifier || t.kind == token_kind::quoted_identifier;
    if (trigger_state_ == 0 && t.is_word("TRIGGER")) {
      trigger_state_ = 1;
    } else if (trigger_state_ == 1 && t.is_word("ON")) {
      trigger_state_ = 2;
    } else if (trigger_state_ == 2 && id) {  // a part of the name
      trigger_table_ = t.text;
      trigger_state_ = 3;
    } else if (trigger_state_ == 3 && t.is_op(".")) {
      trigger_state_ = 2;
    } else if (trigger_state_ >= 2) {
      end_trigger_target();
    }
  }

  void end_trigger_target() {
    if (trigger_state_ >= 2 && trigger_state_ <= 3 && !trigger_table_.empty()) {
      out_.trigger_on.emplace_back(trigger_table_);
    }
    trigger_state_ = 4;
  }

  // An identifier that is a table with triggers.
  bool trigger_table(const token& t) const {
    if (t.kind != token_kind::identifier && t.kind != token_kind::quoted_identifier) return false;
    // The names are lower-cased: compare the token lower-cased, without a copy (per
    // identifier, on every statement while any table has a trigger).
    auto less = [](std::string_view a, std::string_view b) {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lx = static_cast<unsigned char>(x >= 'A' && x <= 'Z' ? x + 32 : x);
        auto ly = static_cast<unsigned char>(y >= 'A' && y <= 'Z' ? y + 32 : y);
        return lx < ly;
      });
    };
    const auto& names = *opts_.trigger_tables;
    return std::binary_search(names.begin(), names.end(), t.text, [&](const auto& a, const auto& b) {
      return less(std::string_view(a), std::string_view(b));
    });
  }

  // Markers that count wherever they appear in a statement.
  void anywhere(const token& t) {
    if (opts_.trigger_tables && !opts_.trigger_tables->empty() && !names_trigger_table_) {
      names_trigger_table_ = trigger_table(t);
    }
    if (opts_.routed_names && !out_.names_routed &&
        (t.kind == token_kind::identifier || t.kind == token_kind::quoted_identifier ||
         t.kind == token_kind::string)) {
      for (const auto& n : *opts_.routed_names) out_.names_routed = out_.names_routed || t.text == n;
    }
    if ((t.kind == token_kind::identifier || t.kind == token_kind::system_variable ||
         t.kind == token_kind::quoted_identifier) &&
        names_proxy_variable(t.text)) {
      out_.proxy_variable = true;
    }
    if (t.is_op(":=")) add(effect::user_vars, "a user variable assigned in a statement");
    if (t.kind == token_kind::user_variable && into_) add(effect::user_vars, "a user variable assigned by INTO");
    if (named(t, "ROW_COUNT") || named(t, "FOUND_ROWS") || named(t, "CONNECTION_ID")) out_.reads_counts = true;
    if (named(t, "LAST_INSERT_ID")) {
      out_.reads_last_insert_id = true;
      lid_state_ = 1;
    }
    if (named(t, "GET_LOCK") || named(t, "RELEASE_LOCK") || named(t, "RELEASE_ALL_LOCKS")) {
      add(effect::named_lock, "a named lock (GET_LOCK)");
    }
    if (t.kind != token_kind::identifier) {
      if (pending_kill_ && kill_follower(t)) out_.kill = true;
      pending_kill_ = false;
      return;
    }
    if (pending_kill_ && kill_follower(t)) out_.kill = true;
    pending_kill_ = t.is_word("KILL");
    if (t.is_word("INTO")) {
      into_ = true;
      any_into_ = true;
    }
    if (t.is_word("SQL_CALC_FOUND_ROWS")) {
      out_.found_rows = true;
    } else if (t.is_word("TEMPORARY")) {
      add(effect::temporary_table, "a temporary table");
    } else if (t.is_word("PROCESSLIST")) {
      out_.processlist = true;
    } else if (t.is_word("SESSION_CONNECT_ATTRS") || t.is_word("SESSION_ACCOUNT_CONNECT_ATTRS")) {
      out_.connect_attrs = true;
    } else if (t.is_word("UPDATE") && prev_.is_word("FOR")) {
      locking_ = true;
    } else if (t.is_word("SHARE") && (prev_.is_word("FOR") || prev_.is_word("IN"))) {
      locking_ = true;
    }
  }

  // LAST_INSERT_ID(expr) sets the connection's value; LAST_INSERT_ID() only reads it.
  void after_lid(const token& t) {
    if (lid_state_ == 2) {
      if (!t.is_op(")")) add(effect::last_insert_id, "LAST_INSERT_ID(expr)");
      lid_state_ = 0;
    } else if (lid_state_ == 1 && !named(t, "LAST_INSERT_ID")) {
      lid_state_ = t.is_op("(") ? 2 : 0;
    }
  }

  // SELECT @@warning_count, @@error_count [AS x], ...: reads the diagnostics area only.
  bool diagnostics_item(const token& t) const {
    if (t.kind == token_kind::system_variable) {
      std::string v = ascii_lower(t.text);
      for (std::string_view scope : {"session.", "local."}) {
        if (v.rfind(scope, 0) == 0) v = v.substr(scope.size());
      }
      return v == "warning_count" || v == "error_count";
    }
    if (t.is_op(",") || t.is_word("AS")) return true;
    return (t.kind == token_kind::identifier || t.kind == token_kind::quoted_identifier) && prev_.is_word("AS");
  }

  void restart() {
    n_ = 0;
    names_trigger_table_ = false;
    trigger_state_ = 0;
    trigger_table_ = {};
    calls_.reset();
    into_ = false;
    set_statement_ = false;
  }

  // The statement that just ended (at ';' or the end of the text).
  void finish() {
    if (n_ > 0) {
      ++out_.statements;
      end_trigger_target();
      kind k = classify();
      if (names_trigger_table_ && fires_triggers(k)) add(effect::routine, "a write to a table with triggers");
      if (out_.statements == 1) {
        out_.kind = k;
        first_locking_ = locking_;
      }
      if (writes(k)) any_write_ = true;
    }
    restart();
    in_for_ = false;
    depth_ = 0;
    locking_ = false;
    pending_kill_ = false;
    lid_state_ = 0;
    prev_ = prev2_ = token{};
  }

  static bool fires_triggers(kind k) {
    return k == kind::insert || k == kind::update || k == kind::delete_ || k == kind::load_data;
  }

  static bool writes(kind k) {
    return k == kind::insert || k == kind::update || k == kind::delete_ || k == kind::load_data || k == kind::ddl ||
           k == kind::call;
  }

  kind classify() {
    const token& w = head_[0];
    if (w.is_op("(") || head(0, "SELECT") || head(0, "WITH") || head(0, "VALUES") || head(0, "TABLE")) {
      return kind::select;
    }
    if (head(0, "INSERT") || head(0, "REPLACE")) return kind::insert;
    if (head(0, "UPDATE")) return kind::update;
    if (head(0, "DELETE")) return kind::delete_;
    if (head(0, "SET")) return set_kind();
    if (head(0, "USE")) {
      add(effect::database, "USE");
      return kind::use;
    }
    if (head(0, "BEGIN") || head(0, "START") || head(0, "COMMIT") || head(0, "ROLLBACK") || head(0, "SAVEPOINT") ||
        (head(0, "RELEASE") && head(1, "SAVEPOINT"))) {
      return transaction_kind();
    }
    if (head(0, "SHOW") || head(0, "DESCRIBE") || head(0, "DESC") || head(0, "EXPLAIN") || head(0, "HELP") ||
        (head(0, "GET") && head(1, "DIAGNOSTICS"))) {
      std::size_t what = head(1, "FULL") ? 2 : 1;
      if (head(0, "SHOW") && (head(what, "TABLES") || head(what, "DATABASES") || head(what, "SCHEMAS"))) {
        out_.lists_names = true;
      }
      // SHOW WARNINGS / ERRORS / COUNT(*) ..., GET DIAGNOSTICS: they leave the
      // diagnostics area as it is (a second SHOW WARNINGS shows the same).
      diag_show_ = (head(0, "SHOW") && (head(1, "WARNINGS") || head(1, "ERRORS") || head(1, "COUNT"))) ||
                   head(0, "GET");
      if (head(0, "SHOW") && (head(1, "PROCESSLIST") || (head(1, "FULL") && head(2, "PROCESSLIST")))) {
        show_processlist_ = true;
        show_full_ = head(1, "FULL");
      }
      return kind::show;
    }
    if (head(0, "LOAD")) {
      if (head(1, "DATA") || head(1, "XML")) {
        if (head(2, "LOCAL") || head(3, "LOCAL")) out_.load_local = true;
        return kind::load_data;
      }
      return unknown_kind("LOAD INDEX");
    }
    if (head(0, "CALL")) {
      add(effect::routine, "a stored procedure (CALL)");
      return kind::call;
    }
    if (head(0, "KILL")) {
      out_.kill = true;
      return kind::kill;
    }
    if (head(0, "PREPARE")) return prepared_kind(kind::prepare);
    if (head(0, "EXECUTE")) return prepared_kind(head(1, "IMMEDIATE") ? kind::execute_immediate : kind::execute);
    if (head(0, "DEALLOCATE") || (head(0, "DROP") && head(1, "PREPARE"))) return prepared_kind(kind::deallocate);
    if (head(0, "LOCK")) {
      if (!head(1, "TABLE") && !head(1, "TABLES")) return unknown_kind("LOCK (instance)");
      add(effect::table_locks, "LOCK TABLES");
      return kind::lock_tables;
    }
    if (head(0, "UNLOCK")) {
      add(effect::table_locks, "UNLOCK TABLES");
      return kind::unlock_tables;
    }
    if (head(0, "HANDLER")) {
      add(effect::handler, "HANDLER");
      return kind::handler;
    }
    if (head(0, "XA")) {
      add(effect::transaction, "an XA transaction");
      return kind::xa;
    }
    if (head(0, "DO")) return kind::do_;
    if (head(0, "SHARDWIRE")) return kind::shardwire;
    if (head(0, "SIGNAL") || head(0, "RESIGNAL")) return kind::show;
    for (std::string_view d : {"CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "GRANT", "REVOKE", "OPTIMIZE", "REPAIR",
                               "ANALYZE", "CHECK", "CHECKSUM", "INSTALL", "UNINSTALL"}) {
      if (head(0, d)) return kind::ddl;
    }
    for (std::string_view c : {"IF", "CASE", "LOOP", "WHILE", "REPEAT", "DECLARE"}) {
      if (head(0, c)) return unknown_kind("a compound statement"), kind::compound;
    }
    if (n_ > 1 && head_[1].is_op(":")) return unknown_kind("a compound statement"), kind::compound;
    return unknown_kind("a statement the proxy does not know");
  }

  kind unknown_kind(std::string_view why) {
    add(effect::unknown, why);
    return kind::other;
  }

  kind set_kind() {
    if (head(1, "STATEMENT")) {
      // Reached only when no FOR followed (a syntax error on the server): nothing persists.
      return kind::set;
    }
    if (head_[1].kind == token_kind::user_variable) {
      add(effect::user_vars, "a user variable (SET @)");
    } else {
      add(effect::session_vars, "a SET statement");
    }
    return kind::set;
  }

  kind transaction_kind() {
    if (head(0, "BEGIN") && (head(1, "NOT") || (n_ > 1 && !head(1, "WORK")))) {
      return unknown_kind("a compound statement (BEGIN ... END)"), kind::compound;
    }
    if (head(0, "START") && !head(1, "TRANSACTION")) return unknown_kind("START (replication)");
    add(effect::transaction, "a transaction");
    return kind::transaction;
  }

  kind prepared_kind(kind k) {
    add(effect::prepared, "a prepared statement (PREPARE)");
    // PREPARE name FROM <source> / EXECUTE IMMEDIATE <source>: the text it runs is read
    // too when it is one string literal; anything else is dynamic SQL.
    std::size_t at = k == kind::prepare ? 3 : k == kind::execute_immediate ? 2 : 0;
    if (at == 0) return k;
    if (k == kind::prepare && !head(2, "FROM")) return unknown_kind("PREPARE"), k;
    // EXECUTE IMMEDIATE 'text' USING args: the text is known; the arguments are values
    // (read for their effects like any other tokens of the statement).
    bool using_args = k == kind::execute_immediate && n_ > at + 1 && head(at + 1, "USING");
    if ((n_ != at + 1 && !using_args) || head_[at].kind != token_kind::string) {
      out_.dynamic_sql = true;
      add(effect::unknown, "dynamic SQL (PREPARE FROM / EXECUTE IMMEDIATE an expression)");
      return k;
    }
    if (opts_.nesting >= analysis_options::max_nesting) return unknown_kind("PREPARE'd text nested too deeply"), k;
    analysis_options inner_opts = opts_;
    ++inner_opts.nesting;
    std::string text = unescape_string(head_[at], opts_.lex);
    statement_analysis inner = analyze_statement(text, inner_opts);
    add(inner.effects, inner.why);
    out_.kill = out_.kill || inner.kill;
    out_.dynamic_sql = out_.dynamic_sql || inner.dynamic_sql;
    out_.processlist = out_.processlist || inner.processlist;
    out_.connect_attrs = out_.connect_attrs || inner.connect_attrs;
    out_.load_local = out_.load_local || inner.load_local;
    out_.reads_counts = out_.reads_counts || inner.reads_counts;
    out_.reads_last_insert_id = out_.reads_last_insert_id || inner.reads_last_insert_id;
    out_.found_rows = out_.found_rows || inner.found_rows;
    out_.names_routed = out_.names_routed || inner.names_routed;
    out_.proxy_variable = out_.proxy_variable || inner.proxy_variable;
    out_.trigger_on.insert(out_.trigger_on.end(), inner.trigger_on.begin(), inner.trigger_on.end());
    if (inner.intent == statement_class::write) any_write_ = true;
    return k;
  }

  // Sets the overall decisions once every statement has been read.
  void decide() {
    if (out_.statements == 1 && out_.kind == kind::kill && out_.kill && !out_.lex_error) {
      out_.kill_target = parse_kill(sql_);
    }
    out_.show_processlist = out_.statements == 1 && show_processlist_;
    out_.diagnostics_only = out_.statements == 1 && !out_.lex_error &&
                            (diag_show_ || (out_.kind == kind::select && diag_select_));
    out_.show_processlist_full = out_.show_processlist && show_full_;
    if (any_write_) {
      out_.intent = statement_class::write;
    } else if (out_.statements == 1 && out_.kind == kind::select && !first_locking_ && !any_into_ &&
               !out_.primary_hint && out_.effects == 0) {
      out_.intent = statement_class::read;
    } else {
      out_.intent = statement_class::primary;
    }
  }

  std::string_view sql_;
  const analysis_options& opts_;
  token_stream ts_;
  statement_analysis out_;
  std::array<token, head_size> head_{};
  std::size_t n_ = 0;       // tokens of the current statement so far
  std::size_t depth_ = 0;   // parentheses open in the current statement
  token prev_, prev2_;
  stored_call_finder calls_;
  bool into_ = false, any_into_ = false;
  bool set_statement_ = false, in_for_ = false;
  bool locking_ = false, first_locking_ = false;
  bool pending_kill_ = false;
  int lid_state_ = 0;  // 1: after LAST_INSERT_ID, 2: after its '('
  bool any_write_ = false;
  bool names_trigger_table_ = false;  // the current statement names a table with triggers
  int trigger_state_ = 0;  // CREATE ... TRIGGER: 1 after TRIGGER, 2 after ON or '.', 3 after a name part, 4 done
  std::string_view trigger_table_;
  bool show_processlist_ = false, show_full_ = false;
  bool diag_show_ = false, diag_select_ = false;
};

}  // namespace

statement_analysis analyze_statement(std::string_view sql, const analysis_options& opts) {
  return reader(sql, opts).run();
}

}  // namespace shardwire::router
