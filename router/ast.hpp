// The statement AST. Structure where the router needs it (table references anywhere,
// WHERE predicates, select lists, ORDER/GROUP BY, LIMIT, INSERT rows, assignments);
// token runs ("opaque") where it does not (column definitions, type names, SHOW and
// SET specials), printed back verbatim by the formatter. Table references inside
// opaque runs (e.g. REFERENCES t) are kept as table_name pieces so rewrite sees them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "router/lexer.hpp"

namespace shardwire::router::ast {

struct identifier {
  std::string name;     // unescaped
  bool quoted = false;  // written with backticks (or ANSI double quotes)
  bool operator==(const identifier&) const = default;
};

struct table_name {
  std::optional<identifier> schema;
  identifier table;
};

struct select_stmt;

// A token run kept as written; table_name pieces mark references the rewriter may change.
struct opaque_piece {
  std::variant<std::string, table_name> value;  // token text (as written), or a table reference
  bool space_before = true;
  int placeholder = -1;  // a `?` kept as written: its index among the statement's placeholders
};
using opaque = std::vector<opaque_piece>;

enum class expr_kind {
  literal,      // text = raw token text; lit = token kind; NULL/TRUE/FALSE are literals too
  column,       // names = [schema.][table.]column, or ...* for qualified star
  star,         // * in a select list or COUNT(*)
  placeholder,  // ?  (index = position among the statement's placeholders)
  variable,     // @user (text) or @@system (text, system = true)
  unary,        // text = operator (-, +, !, ~, NOT, BINARY); args[0]
  binary,       // text = operator (AND, OR, XOR, =, <=>, <, +, LIKE, REGEXP, ...); args[0], args[1]
  between,      // args = value, low, high; negated
  in_list,      // args[0] IN (args[1..]); negated
  in_subquery,  // args[0] IN (subquery); negated
  exists,       // EXISTS (subquery); negated
  is,           // args[0] IS [NOT] text (NULL, TRUE, FALSE, UNKNOWN)
  subquery,     // (SELECT ...)
  row,          // (a, b, ...)
  function,     // text = name as written; args; distinct (COUNT(DISTINCT ...)); tail = opaque after args
  case_when,    // args: [operand?] then when/then pairs then [else]; has_operand, has_else
  interval,     // INTERVAL args[0] text(unit)
  collate,      // args[0] COLLATE text
  special,      // func-like with its own syntax, kept as opaque inside the parens: CAST(x AS t), ...;
                // also adjacent strings 'a' 'b' (text empty, tail = the strings as written)
  match,        // MATCH (cols) AGAINST (expr modifier): kept opaque
  default_value // DEFAULT in INSERT values / SET
};

struct expr;
using expr_ptr = std::unique_ptr<expr>;

struct expr {
  expr_kind kind = expr_kind::literal;
  std::string text;
  token_kind lit = token_kind::number;
  char quote = 0;
  std::string charset;               // string introducer
  std::vector<identifier> names;     // column
  std::vector<expr_ptr> args;
  std::unique_ptr<select_stmt> query;
  opaque tail;                       // function: ORDER BY/SEPARATOR inside GROUP_CONCAT(); special/match: body
  opaque over;                       // function: window after OVER, e.g. "(PARTITION BY a)" or "w"
  int index = -1;                    // placeholder
  // literal: where its token starts in the statement (npos for literals the parser made
  // up): the plan cache (router/plan_cache) turns it into a parameter slot.
  std::size_t source = std::string::npos;
  bool negated = false;
  bool distinct = false;
  bool system = false;               // @@ variable
  bool has_operand = false, has_else = false;
  bool parenthesized = false;        // written in parentheses (kept when printing)
  // Longest path from this node to a leaf (subqueries included), bounded by the parser
  // (parser::max_height): everything that walks an expression recurses at most this deep.
  std::uint32_t height = 1;
};

struct select_item {
  expr_ptr value;
  std::string source;  // the item as written (the server names an unaliased expression column by it)
  std::optional<identifier> alias;
  bool alias_with_as = true;
};

struct order_item {
  expr_ptr value;
  enum class direction { none, asc, desc } dir = direction::none;
};

struct limit_clause {
  expr_ptr count;
  expr_ptr offset;  // may be null
  bool offset_keyword = false;  // LIMIT n OFFSET m (else LIMIT m, n)
};

struct table_ref;
using table_ref_ptr = std::unique_ptr<table_ref>;

struct table_ref {
  enum class kind { table, derived, join } type = kind::table;
  table_name name;                      // table
  std::unique_ptr<select_stmt> derived;  // derived table
  std::optional<identifier> alias;
  opaque index_hints;                   // USE INDEX (...) etc. / PARTITION (...)
  // join
  std::string join;  // "JOIN", "INNER JOIN", "CROSS JOIN", "LEFT JOIN", "RIGHT JOIN", "STRAIGHT_JOIN", "NATURAL JOIN", ...
  table_ref_ptr left, right;
  expr_ptr on;
  std::vector<identifier> using_columns;
  bool parenthesized = false;
};

enum class lock_mode { none, for_update, share };

struct select_stmt {
  std::vector<std::string> hints;     // optimizer hint bodies
  std::vector<std::string> options;   // DISTINCT, ALL, SQL_CALC_FOUND_ROWS, STRAIGHT_JOIN, ... as written (upper)
  bool distinct = false;
  std::vector<select_item> items;
  std::vector<table_ref_ptr> from;    // comma-separated
  expr_ptr where;
  std::vector<order_item> group_by;
  bool with_rollup = false;
  expr_ptr having;
  opaque window;                      // WINDOW w AS (...)
  // Non-empty: this node is a set operation (UNION/INTERSECT/EXCEPT) over these terms,
  // and the select-list fields above are unused; terms[0].op is empty.
  struct set_term {
    std::string op;  // "UNION", "UNION ALL", "UNION DISTINCT", "INTERSECT", "EXCEPT", ...
    std::unique_ptr<select_stmt> select;
  };
  std::vector<set_term> terms;
  std::vector<order_item> order_by;   // of this select, or of the whole set operation
  std::optional<limit_clause> limit;
  lock_mode lock = lock_mode::none;
  std::string lock_text;              // as written: "FOR UPDATE", "LOCK IN SHARE MODE", "FOR SHARE NOWAIT", ...
  opaque into;                        // INTO @a, @b / INTO OUTFILE ... (refused by the router)
  bool into_last = false;             // INTO written after the rest of the SELECT (printed there too)
  bool parenthesized = false;
  struct cte {  // WITH [RECURSIVE] name [(cols)] AS (query), ...
    identifier name;
    std::vector<identifier> columns;
    std::unique_ptr<select_stmt> query;
  };
  bool recursive = false;
  std::vector<cte> ctes;
  std::uint32_t height = 1;  // of its deepest expression or subquery, plus one
};

struct assignment {
  std::vector<identifier> column;  // [table.]column
  expr_ptr value;
};

struct insert_stmt {
  bool replace = false;
  std::vector<std::string> options;  // IGNORE, LOW_PRIORITY, DELAYED, HIGH_PRIORITY
  table_name table;
  std::vector<identifier> columns;
  bool empty_column_list = false;           // INSERT INTO t () VALUES ()
  std::vector<std::vector<expr_ptr>> rows;  // VALUES (...), (...)
  bool values_keyword_value = false;        // written VALUE instead of VALUES
  std::vector<assignment> set;              // INSERT ... SET
  std::unique_ptr<select_stmt> select;      // INSERT ... SELECT
  std::vector<assignment> on_duplicate;
  opaque returning;                         // MariaDB INSERT ... RETURNING <list>, as written
};

struct update_stmt {
  std::vector<std::string> options;  // LOW_PRIORITY, IGNORE
  std::vector<table_ref_ptr> tables;
  std::vector<assignment> set;
  expr_ptr where;
  std::vector<order_item> order_by;
  std::optional<limit_clause> limit;
};

struct delete_stmt {
  std::vector<std::string> options;  // LOW_PRIORITY, QUICK, IGNORE
  std::vector<table_name> targets;   // multi-table form: DELETE t1, t2 FROM ... / DELETE FROM t1, t2 USING ...
  bool using_form = false;
  std::vector<table_ref_ptr> from;
  expr_ptr where;
  std::vector<order_item> order_by;
  std::optional<limit_clause> limit;
};

// DDL on tables and indexes; the definitions themselves stay opaque.
struct ddl_stmt {
  enum class kind { create_table, alter_table, drop_table, truncate_table, create_index, drop_index, rename_table } type;
  std::string head;                    // as written before the names, e.g. "CREATE TEMPORARY TABLE IF NOT EXISTS"
  std::vector<table_name> tables;      // the table(s) acted on (RENAME: from, to, from, to, ...)
  std::optional<identifier> index;     // CREATE/DROP INDEX name
  std::string index_head;              // "CREATE UNIQUE INDEX" etc. for create_index
  opaque body;                         // everything after the name(s) / after ON table
  std::unique_ptr<select_stmt> as_select;  // CREATE TABLE ... AS SELECT / ... SELECT
};

struct set_stmt {
  struct item {
    std::string scope;            // "", "GLOBAL", "SESSION", "LOCAL", "PERSIST", or for @@x the prefix inside the name
    enum class target { user_variable, system_variable, name, names, character_set, transaction } kind;
    std::string name;             // variable name (without @/@@), or charset for NAMES / CHARACTER SET
    bool system_at = false;       // written @@
    expr_ptr value;               // for variables
    opaque rest;                  // NAMES x COLLATE y / TRANSACTION ISOLATION LEVEL ... as written
  };
  std::vector<item> items;
  std::string assign_op = "=";
};

struct use_stmt {
  identifier database;
};

struct show_stmt {
  opaque body;  // after SHOW; table references after FROM/IN of SHOW COLUMNS/INDEX/CREATE TABLE are table_name pieces
};

struct transaction_stmt {
  enum class kind { begin, start, commit, rollback, savepoint, rollback_to, release } type;
  std::string text;  // as written, normalized spacing (e.g. "START TRANSACTION READ ONLY")
  std::optional<identifier> savepoint;
};

struct statement;
struct explain_stmt {
  std::string head;                        // "EXPLAIN", "EXPLAIN EXTENDED", "DESCRIBE", "EXPLAIN FORMAT=JSON" ...
  std::unique_ptr<statement> target;       // EXPLAIN <statement>
  std::optional<table_name> table;         // DESCRIBE t / EXPLAIN t [column]
  opaque rest;
};

struct shardwire_explain {
  std::unique_ptr<statement> target;
};

// SHARDWIRE NEXT ID FOR [db.]table [WITH gene_column = value]: a fresh key from the
// table's generator, answered by the proxy.
struct shardwire_next_id {
  table_name table;
  std::optional<identifier> column;
  expr_ptr value;
};

// Anything else the parser recognizes only by its first words (GRANT, CREATE VIEW,
// CALL, LOCK TABLES, FLUSH, ...): passed through when no sharded table is named.
struct other_stmt {
  opaque body;
};

struct statement {
  std::variant<select_stmt, insert_stmt, update_stmt, delete_stmt, ddl_stmt, set_stmt, use_stmt, show_stmt,
               transaction_stmt, explain_stmt, shardwire_explain, shardwire_next_id, other_stmt>
      node;
  std::vector<std::string> hints;  // /* shardwire:... */ hint bodies anywhere in the statement
  int placeholders = 0;
};

}  // namespace shardwire::router::ast
