// Statement dispatch, SELECT (with UNION/INTERSECT/EXCEPT, CTEs, joins), INSERT,
// UPDATE, DELETE.
#include "router/parser_impl.hpp"

namespace shardwire::router::detail {

using ast::select_stmt;

using ast::table_ref_ptr;

ast::statement parser::statement() {
  ast::statement st;
  if (word("SELECT") || word("WITH") || op("(")) {
    st.node = std::move(*query());
  } else if (word("INSERT") || word("REPLACE")) {
    st.node = insert();
  } else if (word("UPDATE")) {
    st.node = update();
  } else if (word("DELETE")) {
    st.node = delete_();
  } else if (word("CREATE")) {
    st = ddl_create();
  } else if (word("ALTER")) {
    st = ddl_alter();
  } else if (word("DROP")) {
    st = ddl_drop();
  } else if (word("TRUNCATE")) {
    st = ddl_truncate();
  } else if (word("RENAME") && word_at(1, "TABLE")) {
    st = ddl_rename();
  } else if (word("SET") && word_at(1, "STATEMENT")) {
    fail("SET STATEMENT ... FOR is not supported");
  } else if (word("SET") && (word_at(1, "ROLE") || (word_at(1, "DEFAULT") && word_at(2, "ROLE")) ||
                             (word_at(1, "PASSWORD") && !peek(2).is_op("=")))) {
    st = other();  // SET ROLE r, SET DEFAULT ROLE r FOR u, SET PASSWORD FOR u = ...: no tables
  } else if (word("SET")) {
    st.node = set();
  } else if (word("USE")) {
    take();
    st.node = ast::use_stmt{ident()};
  } else if (word("SHOW")) {
    st.node = show();
  } else if (word("BEGIN") || word("START") || word("COMMIT") || word("ROLLBACK") || word("SAVEPOINT") ||
             (word("RELEASE") && word_at(1, "SAVEPOINT"))) {
    st.node = transaction();
  } else if (word("EXPLAIN") || word("DESCRIBE") || word("DESC")) {
    st = explain();
  } else if (word("SHARDWIRE")) {
    st = shardwire_command();
  } else if (at_end()) {
    fail("empty statement");
  } else {
    st = other();
  }
  accept_op(";");
  if (!failed() && peek().kind != token_kind::end) fail("unexpected text after the statement");
  return st;
}

std::unique_ptr<select_stmt> parser::query() {
  nested guard(*this);
  std::uint32_t outer = query_height_;
  query_height_ = 0;
  auto q = query_body();
  q->height = query_height_ + 1;
  query_height_ = std::max(outer, q->height);
  if (q->height > max_height) fail_too_deep("levels of expression height", max_height);
  return q;
}

std::unique_ptr<select_stmt> parser::query_body() {
  std::vector<select_stmt::cte> ctes;
  bool recursive = false;
  if (accept_word("WITH")) {
    recursive = accept_word("RECURSIVE");
    do {
      select_stmt::cte c;
      c.name = ident();
      if (accept_op("(")) {
        do c.columns.push_back(ident()); while (accept_op(",") && !failed());
        expect_op(")");
      }
      expect_word("AS");
      expect_op("(");
      c.query = query();
      expect_op(")");
      ctes.push_back(std::move(c));
    } while (accept_op(",") && !failed());
  }
  auto first = query_term();
  std::unique_ptr<select_stmt> result;
  if (word("UNION") || word("INTERSECT") || word("EXCEPT")) {
    if (!first->parenthesized && (!first->order_by.empty() || first->limit)) {
      fail("ORDER BY or LIMIT before " + upper(peek()) + " needs parentheses");
    }
    result = std::make_unique<select_stmt>();
    result->terms.push_back({"", std::move(first)});
    while (!failed() && (word("UNION") || word("INTERSECT") || word("EXCEPT"))) {
      std::string o = upper(take());
      if (word("ALL") || word("DISTINCT")) o += " " + upper(take());
      result->terms.push_back({o, query_term()});
    }
    // ORDER BY / LIMIT after the last unparenthesized term belong to the whole chain.
    auto& last = *result->terms.back().select;
    if (!last.parenthesized) {
      result->order_by = std::move(last.order_by);
      last.order_by.clear();
      result->limit = std::move(last.limit);
      last.limit.reset();
      result->lock = last.lock;
      result->lock_text = std::move(last.lock_text);
      last.lock = ast::lock_mode::none;
      last.lock_text.clear();
    }
    select_tail(*result);
  } else if (first->parenthesized && (word("ORDER") || word("LIMIT"))) {
    result = std::make_unique<select_stmt>();
    result->terms.push_back({"", std::move(first)});
    select_tail(*result);
  } else {
    result = std::move(first);
  }
  result->ctes = std::move(ctes);
  result->recursive = recursive;
  return result;
}

std::unique_ptr<select_stmt> parser::query_term() {
  if (op("(")) {
    take();
    auto q = query();
    expect_op(")");
    q->parenthesized = true;
    return q;
  }
  return select_core();
}

std::unique_ptr<select_stmt> parser::select_core() {
  auto s = std::make_unique<select_stmt>();
  expect_word("SELECT");
  for (;;) {  // select options, in any order
    if (word("DISTINCT") || word("DISTINCTROW")) {
      s->distinct = true;
      s->options.push_back(upper(take()));
    } else if (word("ALL") || word("HIGH_PRIORITY") || word("STRAIGHT_JOIN") || word("SQL_SMALL_RESULT") ||
               word("SQL_BIG_RESULT") || word("SQL_BUFFER_RESULT") || word("SQL_CACHE") || word("SQL_NO_CACHE") ||
               word("SQL_CALC_FOUND_ROWS")) {
      s->options.push_back(upper(take()));
    } else {
      break;
    }
  }
  do {
    ast::select_item item;
    std::size_t start = peek().offset;
    item.value = expr();
    if (pos_ > 0 && toks_[pos_ - 1].offset >= start) {
      item.source = std::string(sql_.substr(start, toks_[pos_ - 1].offset + toks_[pos_ - 1].length - start));
    }
    if (word("AS")) {
      item.alias = alias();
    } else if (is_ident_start() || peek().kind == token_kind::string) {
      item.alias_with_as = false;
      if (peek().kind == token_kind::string) {
        item.alias = ast::identifier{unescape_string(take()), true};
      } else {
        item.alias = ident();
      }
    }
    s->items.push_back(std::move(item));
  } while (accept_op(",") && !failed());
  if (word("INTO")) {  // SELECT ... INTO @a (position before FROM)
    while (!failed() && !at_end() && !word("FROM") && !word("WHERE") && !word("UNION") && !op(")")) {
      append_token(s->into, take());
    }
  }
  if (accept_word("FROM")) {
    if (accept_word("DUAL")) {
      // FROM DUAL: no tables
    } else {
      s->from = table_refs();
    }
  }
  if (accept_word("WHERE")) s->where = expr();
  if (word("GROUP") && word_at(1, "BY")) {
    take();
    take();
    s->group_by = order_list();
    if (word("WITH") && word_at(1, "ROLLUP")) {
      take();
      take();
      s->with_rollup = true;
    }
  }
  if (accept_word("HAVING")) s->having = expr();
  if (word("WINDOW")) {  // WINDOW w AS (PARTITION BY a ORDER BY b), ...: kept as written
    int depth = 0;
    while (!failed() && !at_end()) {
      if (depth == 0 && (op(")") || word("ORDER") || word("LIMIT") || word("UNION") || word("INTERSECT") ||
                         word("EXCEPT") || word("FOR") || word("LOCK") || word("INTO"))) {
        break;
      }
      if (op("(")) ++depth;
      if (op(")")) --depth;
      append_token(s->window, take());
    }
  }
  select_tail(*s);
  return s;
}

// ORDER BY, LIMIT, locking clause and a trailing INTO.
void parser::select_tail(select_stmt& s) {
  if (word("ORDER") && word_at(1, "BY")) {
    take();
    take();
    s.order_by = order_list();
  }
  if (auto l = limit()) s.limit = std::move(l);
  ast::opaque lock;
  if (word("FOR") && (word_at(1, "UPDATE") || word_at(1, "SHARE"))) {
    take();
    s.lock = word("UPDATE") ? ast::lock_mode::for_update : ast::lock_mode::share;
    s.lock_text = "FOR " + upper(take());
  } else if (word("LOCK") && word_at(1, "IN")) {
    take();
    take();
    expect_word("SHARE");
    expect_word("MODE");
    s.lock = ast::lock_mode::share;
    s.lock_text = "LOCK IN SHARE MODE";
  }
  if (s.lock != ast::lock_mode::none) {
    if (accept_word("NOWAIT")) {
      s.lock_text += " NOWAIT";
    } else if (word("SKIP") && word_at(1, "LOCKED")) {
      take();
      take();
      s.lock_text += " SKIP LOCKED";
    } else if (word("WAIT") && peek(1).kind == token_kind::number) {
      take();
      s.lock_text += " WAIT " + std::string(take().text);
    }
  }
  if (word("INTO")) {
    s.into_last = true;
    while (!failed() && !at_end() && !op(")") && !word("UNION")) append_token(s.into, take());
  }
}

std::vector<table_ref_ptr> parser::table_refs() {
  std::vector<table_ref_ptr> out;
  do out.push_back(table_ref()); while (accept_op(",") && !failed());
  return out;
}

std::string parser::join_op() {
  auto two = [&](const char* a, const char* b) { return word(a) && word_at(1, b); };
  if (word("JOIN") || word("STRAIGHT_JOIN")) return upper(take());
  if (two("INNER", "JOIN") || two("CROSS", "JOIN")) {
    std::string o = upper(take());
    take();
    return o + " JOIN";
  }
  if (word("LEFT") || word("RIGHT")) {
    if (!(word_at(1, "JOIN") || (word_at(1, "OUTER") && word_at(2, "JOIN")))) return {};
    std::string o = upper(take());
    if (accept_word("OUTER")) o += " OUTER";
    take();
    return o + " JOIN";
  }
  if (word("NATURAL")) {
    std::string o = upper(take());
    if (word("LEFT") || word("RIGHT")) o += " " + upper(take());
    if (accept_word("OUTER")) o += " OUTER";
    if (word("INNER")) o += " " + upper(take());
    expect_word("JOIN");
    return o + " JOIN";
  }
  return {};
}

table_ref_ptr parser::table_ref() {
  auto left = table_factor();
  for (;;) {
    if (failed()) return left;
    std::string j = join_op();
    if (j.empty()) {
      if (word("ON") && !word_at(1, "DUPLICATE") && left->type == ast::table_ref::kind::join && !left->parenthesized) {
        fail("joins nested to the right without parentheses (a JOIN b JOIN c ON ... ON ...) are not supported");
      }
      return left;
    }
    count_join();
    auto node = std::make_unique<ast::table_ref>();
    node->type = ast::table_ref::kind::join;
    node->join = j;
    node->left = std::move(left);
    node->right = table_factor();
    if (accept_word("ON")) {
      node->on = expr();
    } else if (accept_word("USING")) {
      expect_op("(");
      do node->using_columns.push_back(ident()); while (accept_op(",") && !failed());
      expect_op(")");
    }
    left = std::move(node);
  }
}

table_ref_ptr parser::table_factor() {
  nested guard(*this);
  auto t = std::make_unique<ast::table_ref>();
  if (op("(")) {
    if (word_at(1, "SELECT") || word_at(1, "WITH") || (peek(1).is_op("(") && word_at(2, "SELECT"))) {
      take();
      t->type = ast::table_ref::kind::derived;
      t->derived = query();
      expect_op(")");
      t->alias = alias();
      return t;
    }
    take();  // ( join ) : a parenthesized table reference list
    auto inner = table_ref();
    while (accept_op(",") && !failed()) {  // (a, b) is a cross join
      count_join();
      auto j = std::make_unique<ast::table_ref>();
      j->type = ast::table_ref::kind::join;
      j->join = ",";
      j->left = std::move(inner);
      j->right = table_ref();
      inner = std::move(j);
    }
    expect_op(")");
    inner->parenthesized = true;
    return inner;
  }
  t->name = table_name();
  if (op("(")) {
    fail("table functions (JSON_TABLE, ...) are not supported");
    return t;
  }
  if (word("PARTITION") && peek(1).is_op("(")) {
    append_token(t->index_hints, take());
    for (auto& p : balanced()) t->index_hints.push_back(std::move(p));
  }
  t->alias = alias();
  while (!failed() && (word("USE") || word("IGNORE") || word("FORCE")) &&
         (word_at(1, "INDEX") || word_at(1, "KEY"))) {
    append_token(t->index_hints, take());
    append_token(t->index_hints, take());
    if (word("FOR")) {
      append_token(t->index_hints, take());
      append_token(t->index_hints, take());
      if (word("BY")) append_token(t->index_hints, take());
    }
    for (auto& p : balanced()) t->index_hints.push_back(std::move(p));
    accept_op(",");
  }
  return t;
}

ast::insert_stmt parser::insert() {
  ast::insert_stmt s;
  s.replace = upper(take()) == "REPLACE";
  while (word("LOW_PRIORITY") || word("DELAYED") || word("HIGH_PRIORITY") || word("IGNORE")) {
    s.options.push_back(upper(take()));
  }
  accept_word("INTO");
  s.table = table_name();
  if (word("PARTITION") && peek(1).is_op("(")) fail("INSERT ... PARTITION (...) is not supported");
  if (op("(") && !word_at(1, "SELECT") && !word_at(1, "WITH")) {
    take();
    if (op(")")) {
      s.empty_column_list = true;
    } else {
      do s.columns.push_back(ident()); while (accept_op(",") && !failed());
    }
    expect_op(")");
  }
  if (word("VALUES") || word("VALUE")) {
    s.values_keyword_value = upper(take()) == "VALUE";
    do {
      expect_op("(");
      std::vector<ast::expr_ptr> row;
      if (!op(")")) row = expr_list();
      expect_op(")");
      s.rows.push_back(std::move(row));
    } while (accept_op(",") && !failed());
  } else if (accept_word("SET")) {
    s.set = assignments();
  } else if (word("SELECT") || word("WITH") || op("(")) {
    s.select = query();
  } else {
    fail("expected VALUES, SET or SELECT");
  }
  if (word("AS") && !s.rows.empty()) fail("INSERT ... VALUES ... AS row alias (MySQL 8.0.19) is not supported");
  if (word("ON") && word_at(1, "DUPLICATE")) {
    take();
    take();
    expect_word("KEY");
    expect_word("UPDATE");
    s.on_duplicate = assignments();
  }
  if (word("RETURNING")) {
    take();
    s.returning = rest_opaque(false);
    if (s.returning.empty()) fail("expected a RETURNING list");
  }
  return s;
}

// [WHERE ...] [ORDER BY ...] [LIMIT ...] of single-table UPDATE and DELETE.
void parser::where_order_limit(ast::expr_ptr& where, std::vector<ast::order_item>& order_by,
                               std::optional<ast::limit_clause>& lim) {
  if (accept_word("WHERE")) where = expr();
  if (word("ORDER") && word_at(1, "BY")) {
    take();
    take();
    order_by = order_list();
  }
  lim = limit();
}

ast::update_stmt parser::update() {
  ast::update_stmt s;
  take();
  while (word("LOW_PRIORITY") || word("IGNORE")) s.options.push_back(upper(take()));
  s.tables = table_refs();
  expect_word("SET");
  s.set = assignments();
  where_order_limit(s.where, s.order_by, s.limit);
  return s;
}

ast::delete_stmt parser::delete_() {
  ast::delete_stmt s;
  take();
  while (word("LOW_PRIORITY") || word("QUICK") || word("IGNORE")) s.options.push_back(upper(take()));
  auto target_list = [&] {
    do {
      s.targets.push_back(table_name());
      if (op(".") && peek(1).is_op("*")) {  // t.*
        take();
        take();
      }
    } while (accept_op(",") && !failed());
  };
  if (accept_word("FROM")) {
    // DELETE FROM t [WHERE ...]  or  DELETE FROM t1, t2 USING <refs> [WHERE ...]
    auto first = table_factor();
    if (op(",") || word("USING")) {
      s.targets.push_back(first->name);
      if (accept_op(",")) target_list();
      expect_word("USING");
      s.using_form = true;
      s.from = table_refs();
    } else {
      s.from.push_back(std::move(first));
    }
  } else {
    target_list();  // DELETE t1, t2 FROM <refs>
    expect_word("FROM");
    s.from = table_refs();
  }
  where_order_limit(s.where, s.order_by, s.limit);
  if (word("RETURNING")) fail("DELETE ... RETURNING is not supported");
  return s;
}

}  // namespace shardwire::router::detail
