// DDL on tables and indexes, SET, SHOW, transactions, EXPLAIN, SHARDWIRE commands,
// everything else (by first words), and parse() itself.
#include <array>

#include "router/parser_impl.hpp"

namespace shardwire::router::detail {

namespace {
std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}
}  // namespace

ast::statement parser::ddl_create() {
  ast::statement st;
  std::vector<std::string> head{upper(take())};  // CREATE
  if (word("OR") && word_at(1, "REPLACE")) {
    head.push_back(upper(take()));
    head.push_back(upper(take()));
  }
  if (word("TEMPORARY")) head.push_back(upper(take()));
  if (word("TABLE")) {
    head.push_back(upper(take()));
    if (word("IF") && word_at(1, "NOT") && word_at(2, "EXISTS")) {
      for (int i = 0; i < 3; ++i) head.push_back(upper(take()));
    }
    ast::ddl_stmt d{ast::ddl_stmt::kind::create_table};
    d.head = join_words(head);
    d.tables.push_back(table_name());
    // The body stays opaque except a trailing [AS] SELECT, parsed so its tables count.
    // Only outside parentheses: `b INT AS (a * 2)` is a generated column.
    int depth = 0;
    while (!failed() && !at_end() && !op(";")) {  // a ';' ends it (a body never keeps one)
      bool paren_select = op("(") && (word_at(1, "SELECT") || (peek(1).is_op("(") && word_at(2, "SELECT")));
      if (depth == 0 && (word("SELECT") || paren_select ||
                         (word("AS") && (word_at(1, "SELECT") || (peek(1).is_op("(") &&
                                                                  (word_at(2, "SELECT") || peek(2).is_op("("))))))) {
        if (word("AS")) append_token(d.body, take());
        d.as_select = query();
        break;
      }
      const token& t = take();
      append_token(d.body, t);
      if (t.is_op("(")) ++depth;
      if (t.is_op(")")) --depth;
      bool like = t.is_word("LIKE") && (d.body.size() == 1 || (d.body.size() == 2 && depth == 1));  // (LIKE u)
      if ((t.is_word("REFERENCES") || like) && is_ident_start()) {
        d.body.push_back({table_name(), true});
      }
    }
    st.node = std::move(d);
    return st;
  }
  if (word("UNIQUE") || word("FULLTEXT") || word("SPATIAL")) head.push_back(upper(take()));
  if (word("INDEX") || word("KEY")) {
    head.push_back(upper(take()));
    ast::ddl_stmt d{ast::ddl_stmt::kind::create_index};
    if (word("IF") && word_at(1, "NOT") && word_at(2, "EXISTS")) {
      for (int i = 0; i < 3; ++i) head.push_back(upper(take()));
    }
    d.index_head = join_words(head);
    d.index = ident();
    ast::opaque before_on;
    while (!failed() && !at_end() && !word("ON")) append_token(before_on, take());  // USING BTREE
    expect_word("ON");
    d.head = "ON";
    d.tables.push_back(table_name());
    // An index type written before ON goes after the key parts, where it means the same:
    // CREATE INDEX i USING HASH ON t (a) -> CREATE INDEX i ON t (a) USING HASH.
    if (op("(")) d.body = balanced();
    if (!before_on.empty()) before_on.front().space_before = true;
    for (auto& p : before_on) d.body.push_back(std::move(p));
    for (auto& p : rest_opaque(false)) d.body.push_back(std::move(p));
    st.node = std::move(d);
    return st;
  }
  pos_ = pos_ - head.size();  // CREATE DATABASE / VIEW / PROCEDURE ...: not table DDL
  return other();
}

ast::statement parser::ddl_alter() {
  ast::statement st;
  std::vector<std::string> head{upper(take())};
  while (word("ONLINE") || word("IGNORE")) head.push_back(upper(take()));
  if (!word("TABLE")) {
    pos_ -= head.size();
    return other();
  }
  head.push_back(upper(take()));
  ast::ddl_stmt d{ast::ddl_stmt::kind::alter_table};
  if (word("IF") && word_at(1, "EXISTS")) {
    head.push_back(upper(take()));
    head.push_back(upper(take()));
  }
  d.head = join_words(head);
  d.tables.push_back(table_name());
  d.body = rest_opaque(true);
  st.node = std::move(d);
  return st;
}

ast::statement parser::ddl_drop() {
  ast::statement st;
  std::vector<std::string> head{upper(take())};
  if (word("TEMPORARY")) head.push_back(upper(take()));
  if (word("TABLE") || word("TABLES")) {
    head.push_back(upper(take()));
    if (word("IF") && word_at(1, "EXISTS")) {
      head.push_back(upper(take()));
      head.push_back(upper(take()));
    }
    ast::ddl_stmt d{ast::ddl_stmt::kind::drop_table};
    d.head = join_words(head);
    do d.tables.push_back(table_name()); while (accept_op(",") && !failed());
    d.body = rest_opaque(false);  // RESTRICT / CASCADE
    st.node = std::move(d);
    return st;
  }
  if (word("INDEX") || word("KEY")) {
    head.push_back(upper(take()));
    ast::ddl_stmt d{ast::ddl_stmt::kind::drop_index};
    if (word("IF") && word_at(1, "EXISTS")) {
      head.push_back(upper(take()));
      head.push_back(upper(take()));
    }
    d.index_head = join_words(head);
    d.index = ident();
    expect_word("ON");
    d.head = "ON";
    d.tables.push_back(table_name());
    d.body = rest_opaque(false);
    st.node = std::move(d);
    return st;
  }
  pos_ -= head.size();
  return other();
}

ast::statement parser::ddl_truncate() {
  ast::statement st;
  ast::ddl_stmt d{ast::ddl_stmt::kind::truncate_table};
  d.head = upper(take());
  if (word("TABLE")) d.head += " " + upper(take());
  d.tables.push_back(table_name());
  st.node = std::move(d);
  return st;
}

ast::statement parser::ddl_rename() {
  ast::statement st;
  ast::ddl_stmt d{ast::ddl_stmt::kind::rename_table};
  take();
  take();
  d.head = "RENAME TABLE";
  do {
    d.tables.push_back(table_name());
    expect_word("TO");
    d.tables.push_back(table_name());
  } while (accept_op(",") && !failed());
  st.node = std::move(d);
  return st;
}

ast::set_stmt parser::set() {
  using target = ast::set_stmt::item::target;
  ast::set_stmt s;
  take();  // SET
  do {
    ast::set_stmt::item it;
    if (word("GLOBAL") || word("SESSION") || word("LOCAL") || word("PERSIST") || word("PERSIST_ONLY")) {
      it.scope = upper(take());
    }
    if (word("NAMES") || word("CHARACTER") || word("CHARSET") || word("TRANSACTION")) {
      it.kind = word("NAMES") ? target::names : word("TRANSACTION") ? target::transaction : target::character_set;
      // Runs to the end: these forms cannot be combined with other assignments here.
      it.rest = rest_opaque(false);
      s.items.push_back(std::move(it));
      break;
    }
    const token& t = peek();
    if (t.kind == token_kind::user_variable) {
      take();
      it.kind = target::user_variable;
      it.name = std::string(sql_.substr(t.offset, t.length));
    } else if (t.kind == token_kind::system_variable) {
      take();
      it.kind = target::system_variable;
      it.system_at = true;
      it.name = std::string(sql_.substr(t.offset, t.length));
    } else {
      it.kind = target::name;
      it.name = ident().name;
      while (accept_op(".")) it.name += "." + ident().name;
    }
    if (!accept_op("=")) expect_op(":=");
    if (word("DEFAULT") && (peek(1).is_op(",") || peek(1).kind == token_kind::end || peek(1).is_op(";"))) {
      take();
      it.value = std::make_unique<ast::expr>();
      it.value->kind = ast::expr_kind::default_value;
      it.value->text = "DEFAULT";
    } else if ((word("ON") || word("OFF")) && (peek(1).is_op(",") || peek(1).kind == token_kind::end)) {
      it.value = std::make_unique<ast::expr>();
      it.value->kind = ast::expr_kind::literal;
      it.value->lit = token_kind::identifier;
      it.value->text = upper(take());
    } else {
      it.value = expr();
    }
    s.items.push_back(std::move(it));
  } while (accept_op(",") && !failed());
  return s;
}

ast::show_stmt parser::show() {
  ast::show_stmt s;
  take();  // SHOW
  // SHOW [EXTENDED] [FULL] COLUMNS|FIELDS FROM t, SHOW [EXTENDED] INDEX|INDEXES|KEYS FROM t,
  // SHOW CREATE TABLE t: the table is a reference the router rewrites. Only the first
  // FROM/IN names it (a second one names its database, as the FROM of SHOW TABLES does).
  std::size_t k = 0;
  while (word_at(k, "EXTENDED") || word_at(k, "FULL")) ++k;
  bool columns_or_index = word_at(k, "COLUMNS") || word_at(k, "FIELDS") || word_at(k, "INDEX") ||
                          word_at(k, "INDEXES") || word_at(k, "KEYS");
  bool create_table = word("CREATE") && word_at(1, "TABLE");
  bool named = false;
  while (!failed() && !at_end() && !op(";")) {  // a ';' ends it: what follows is another statement
    const token& t = take();
    append_token(s.body, t);
    bool names_table = (columns_or_index && (t.is_word("FROM") || t.is_word("IN"))) ||
                       (create_table && t.is_word("TABLE") && s.body.size() == 2);
    if (names_table && !named && is_ident_start()) {
      s.body.push_back({table_name(), true});
      named = true;
    }
  }
  return s;
}

ast::transaction_stmt parser::transaction() {
  using kind = ast::transaction_stmt::kind;
  ast::transaction_stmt t;
  std::string first = upper(peek());
  t.type = first == "BEGIN" ? kind::begin
           : first == "START" ? kind::start
           : first == "COMMIT" ? kind::commit
           : first == "SAVEPOINT" ? kind::savepoint
           : first == "RELEASE" ? kind::release
                                : kind::rollback;
  std::vector<std::string> words;
  while (!failed() && !at_end()) {
    if (!t.savepoint && (words.size() >= 1 && (words.back() == "SAVEPOINT" || (words.back() == "TO" && !word("SAVEPOINT")))) &&
        is_ident_start()) {
      t.savepoint = ident();
      if (t.type == kind::rollback) t.type = kind::rollback_to;
      continue;
    }
    // Only the grammar's own words: this text is what each participant is sent.
    static constexpr std::array<std::string_view, 14> allowed{"WORK",     "TRANSACTION", "READ",  "ONLY", "WRITE",
                                                              "WITH",     "CONSISTENT",  "SNAPSHOT", "AND", "NO",
                                                              "CHAIN",    "RELEASE",     "TO",    "SAVEPOINT"};
    const token& tok = take();
    bool known = words.empty() || tok.is_op(",");  // the statement's first word was checked by the caller
    for (auto w : allowed) known = known || tok.is_word(w);
    if (!known) {
      fail("unexpected '" + std::string(tok.text) + "' in a transaction statement");
      break;
    }
    words.push_back(tok.kind == token_kind::identifier ? upper(tok) : std::string(tok.text));
  }
  for (const auto& w : words) {
    if (!t.text.empty() && w != "," ) t.text += " ";
    t.text += w;
  }
  return t;
}

ast::statement parser::explain() {
  ast::statement st;
  ast::explain_stmt e;
  if (word_at(1, "FOR")) return other();  // EXPLAIN FOR CONNECTION n: no statement, no table
  std::vector<std::string> head{upper(take())};
  while (word("EXTENDED") || word("PARTITIONS") || word("ANALYZE") || (word("FORMAT") && peek(1).is_op("="))) {
    if (word("FORMAT")) {
      take();
      take();
      head.push_back("FORMAT=" + upper(take()));
    } else {
      head.push_back(upper(take()));
    }
  }
  e.head = join_words(head);
  if (word("SELECT") || word("WITH") || word("INSERT") || word("REPLACE") || word("UPDATE") || word("DELETE") ||
      op("(")) {
    e.target = std::make_unique<ast::statement>();
    if (word("SELECT") || word("WITH") || op("(")) {
      e.target->node = std::move(*query());
    } else if (word("INSERT") || word("REPLACE")) {
      e.target->node = insert();
    } else if (word("UPDATE")) {
      e.target->node = update();
    } else {
      e.target->node = delete_();
    }
  } else {
    e.table = table_name();  // DESCRIBE t [column]
    e.rest = rest_opaque(false);
  }
  st.node = std::move(e);
  return st;
}

ast::statement parser::shardwire_command() {
  ast::statement st;
  take();
  if (accept_word("NEXT")) {
    expect_word("ID");
    expect_word("FOR");
    ast::shardwire_next_id n;
    n.table = table_name();
    if (accept_word("WITH")) {
      n.column = ident();
      expect_op("=");
      n.value = expr();
    }
    st.node = std::move(n);
    return st;
  }
  expect_word("EXPLAIN");
  ast::shardwire_explain e;
  e.target = std::make_unique<ast::statement>(statement());
  st.node = std::move(e);
  return st;
}

ast::statement parser::other() {
  ast::statement st;
  st.node = ast::other_stmt{rest_opaque(false, true)};
  return st;
}

}  // namespace shardwire::router::detail

namespace shardwire::router {

parse_result parse(std::string_view sql, const lex_options& opts) {
  std::vector<token> toks = lex(sql, opts);
  if (!toks.empty() && toks.back().kind == token_kind::error) {
    return parse_error{std::string(toks.back().text), toks.back().offset};
  }
  // Hints are not part of the grammar: collect them and parse what remains.
  ast::statement st;
  std::vector<token> body;
  std::vector<std::string> hints;
  for (auto& t : toks) {
    if (t.kind == token_kind::hint) {
      hints.push_back(t.text.starts_with("shardwire:") ? std::string(t.text) : "+" + std::string(t.text));
    } else {
      body.push_back(t);
    }
  }
  detail::parser p(sql, std::move(body));
  st = p.statement();
  if (p.failed()) return p.error();
  st.hints = std::move(hints);
  st.placeholders = p.placeholders();
  return st;
}

}  // namespace shardwire::router
