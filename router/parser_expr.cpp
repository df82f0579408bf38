// Expressions, by MySQL's precedence (lowest first): OR/|| < XOR < AND/&& < NOT <
// comparison/IS/BETWEEN/IN/LIKE/REGEXP < | < & < << >> < + - < * / DIV % MOD < ^ <
// unary - ~ ! BINARY < COLLATE < primary.
#include <array>

#include "router/parser_impl.hpp"

namespace shardwire::router::detail {

namespace {
using ast::expr;
using ast::expr_kind;
using ast::expr_ptr;

expr_ptr make(expr_kind k, std::string text = {}) {
  auto e = std::make_unique<expr>();
  e->kind = k;
  e->text = std::move(text);
  return e;
}

// Functions whose arguments are not a plain expression list: kept opaque inside
// their parentheses (printed back as written).
constexpr std::array<std::string_view, 10> special_functions{
    "CAST", "CONVERT", "EXTRACT", "TRIM", "SUBSTRING", "SUBSTR", "POSITION", "CHAR", "WEIGHT_STRING", "JSON_TABLE"};
}  // namespace

expr_ptr parser::binary(std::string opname, expr_ptr l, expr_ptr r) {
  auto e = make(expr_kind::binary, std::move(opname));
  e->args.push_back(std::move(l));
  e->args.push_back(std::move(r));
  return seal(std::move(e));
}

expr_ptr parser::expr() {
  nested guard(*this);
  auto e = or_expr();
  if (op(":=")) {  // @a := expr (assignment inside expressions)
    take();
    e = binary(":=", std::move(e), expr());
  }
  return e;
}

std::vector<expr_ptr> parser::expr_list() {
  std::vector<expr_ptr> out;
  do {
    out.push_back(expr());
  } while (accept_op(",") && !failed());
  return out;
}

expr_ptr parser::or_expr() {
  auto l = xor_expr();
  while (!failed() && (word("OR") || op("||"))) {
    std::string o = op("||") ? "||" : "OR";
    take();
    l = binary(o, std::move(l), xor_expr());
  }
  return l;
}

expr_ptr parser::xor_expr() {
  auto l = and_expr();
  while (!failed() && accept_word("XOR")) l = binary("XOR", std::move(l), and_expr());
  return l;
}

expr_ptr parser::and_expr() {
  auto l = not_expr();
  while (!failed() && (word("AND") || op("&&"))) {
    std::string o = op("&&") ? "&&" : "AND";
    take();
    l = binary(o, std::move(l), not_expr());
  }
  return l;
}

expr_ptr parser::not_expr() {
  if (word("NOT") && !word_at(1, "EXISTS")) {
    take();
    nested guard(*this);
    auto e = make(expr_kind::unary, "NOT");
    e->args.push_back(not_expr());
    return seal(std::move(e));
  }
  return predicate();
}

expr_ptr parser::predicate() {
  auto l = bit_or();
  for (;;) {
    if (failed()) return l;
    static constexpr std::array<std::string_view, 8> comparisons{"=", "<=>", ">=", ">", "<=", "<", "<>", "!="};
    bool cmp = false;
    for (auto c : comparisons) cmp = cmp || op(c);
    if (cmp) {
      std::string o(take().text);
      if (word("ANY") || word("ALL") || word("SOME")) {  // = ANY (subquery)
        std::string quant = upper(take());
        auto q = make(expr_kind::function, quant);
        expect_op("(");
        q->query = query();
        expect_op(")");
        l = binary(o, std::move(l), seal(std::move(q)));
      } else {
        l = binary(o, std::move(l), bit_or());
      }
      continue;
    }
    if (accept_word("IS")) {
      auto e = make(expr_kind::is);
      e->negated = accept_word("NOT");
      if (word("NULL") || word("TRUE") || word("FALSE") || word("UNKNOWN")) {
        e->text = upper(take());
      } else {
        fail("expected NULL, TRUE, FALSE or UNKNOWN after IS");
      }
      e->args.push_back(std::move(l));
      l = seal(std::move(e));
      continue;
    }
    bool negated = word("NOT") && (word_at(1, "BETWEEN") || word_at(1, "IN") || word_at(1, "LIKE") ||
                                   word_at(1, "REGEXP") || word_at(1, "RLIKE"));
    if (negated) take();
    if (accept_word("BETWEEN")) {
      auto e = make(expr_kind::between);
      e->negated = negated;
      e->args.push_back(std::move(l));
      e->args.push_back(bit_or());
      expect_word("AND");
      e->args.push_back(bit_or());
      l = seal(std::move(e));
    } else if (accept_word("IN")) {
      expect_op("(");
      if (word("SELECT") || word("WITH") || (op("(") && word_at(1, "SELECT"))) {
        auto e = make(expr_kind::in_subquery);
        e->negated = negated;
        e->args.push_back(std::move(l));
        e->query = query();
        l = seal(std::move(e));
      } else {
        auto e = make(expr_kind::in_list);
        e->negated = negated;
        e->args.push_back(std::move(l));
        for (auto& v : expr_list()) e->args.push_back(std::move(v));
        l = seal(std::move(e));
      }
      expect_op(")");
    } else if (word("LIKE") || word("REGEXP") || word("RLIKE")) {
      std::string o = upper(take());
      if (negated) o = "NOT " + o;
      l = binary(o, std::move(l), bit_or());
      if (accept_word("ESCAPE")) l = binary("ESCAPE", std::move(l), primary());
    } else if (word("SOUNDS") && word_at(1, "LIKE")) {
      take();
      take();
      l = binary("SOUNDS LIKE", std::move(l), bit_or());
    } else if (word("MEMBER") && word_at(1, "OF")) {
      take();
      take();
      l = binary("MEMBER OF", std::move(l), paren_expr());
    } else {
      if (negated) fail("expected BETWEEN, IN, LIKE or REGEXP after NOT");
      return l;
    }
  }
}

#define SW_LEFT_ASSOC(name, next, cond)          \
  expr_ptr parser::name() {                      \
    auto l = next();                             \
    while (!failed() && (cond)) {                \
      std::string o = upper(take());             \
      l = binary(std::move(o), std::move(l), next()); \
    }                                            \
    return l;                                    \
  }
SW_LEFT_ASSOC(bit_or, bit_and, op("|"))
SW_LEFT_ASSOC(bit_and, shift, op("&"))
SW_LEFT_ASSOC(shift, additive, op("<<") || op(">>"))
SW_LEFT_ASSOC(additive, multiplicative, op("+") || op("-"))
SW_LEFT_ASSOC(multiplicative, bit_xor, op("*") || op("/") || op("%") || word("DIV") || word("MOD"))
SW_LEFT_ASSOC(bit_xor, unary, op("^"))
#undef SW_LEFT_ASSOC

expr_ptr parser::unary() {
  if (op("-") || op("+") || op("~") || op("!") || word("BINARY")) {
    nested guard(*this);
    std::string o = upper(take());
    auto e = make(expr_kind::unary, o);
    e->args.push_back(unary());
    return seal(std::move(e));
  }
  return collate();
}

expr_ptr parser::collate() {
  auto e = primary();
  while (!failed() && (op("->") || op("->>"))) {  // JSON path: col->'$.a', col->>'$.a'
    std::string o(take().text);
    e = binary(o, std::move(e), primary());
  }
  while (!failed() && accept_word("COLLATE")) {
    auto c = make(expr_kind::collate);
    const token& name = take();
    c->text = std::string(name.kind == token_kind::string ? sql_.substr(name.offset, name.length) : name.text);
    c->args.push_back(std::move(e));
    e = std::move(c);
  }
  return e;
}

expr_ptr parser::literal(const token& t) {
  auto e = make(expr_kind::literal, std::string(sql_.substr(t.offset, t.length)));
  e->lit = t.kind;
  e->quote = t.quote;
  e->charset = std::string(t.charset);
  e->source = t.offset;
  return e;
}

// Every primary is sealed here: its height counts the arguments, subquery and operands
// that its own parsing built (a function's arguments, CASE branches, a row, ...).
expr_ptr parser::primary() { return seal(primary_node()); }

expr_ptr parser::primary_node() {
  const token& t = peek();
  switch (t.kind) {
    case token_kind::string:
      if (peek(1).kind == token_kind::string && peek(1).charset.empty()) {
        // 'a' 'b': the server concatenates adjacent strings. Kept as written, as a
        // `special` node, so nothing mistakes it for the single literal 'a'.
        auto e = make(expr_kind::special);
        append_token(e->tail, take());
        e->tail.front().space_before = false;
        while (peek().kind == token_kind::string && peek().charset.empty()) append_token(e->tail, take());
        return e;
      }
      return literal(take());
    case token_kind::number:
    case token_kind::hex:
    case token_kind::bits:
      return literal(take());
    case token_kind::placeholder: {
      take();
      auto e = make(expr_kind::placeholder, "?");
      e->index = placeholders_++;
      return e;
    }
    case token_kind::user_variable:
    case token_kind::system_variable: {
      take();
      auto e = make(expr_kind::variable, std::string(sql_.substr(t.offset, t.length)));
      e->system = t.kind == token_kind::system_variable;
      return e;
    }
    case token_kind::quoted_identifier:
      return column_ref();
    case token_kind::op:
      if (t.is_op("(")) return paren_expr();
      if (t.is_op("*")) {
        take();
        return make(expr_kind::star, "*");
      }
      fail("unexpected '" + std::string(t.text) + "'");
      return make(expr_kind::literal);
    case token_kind::identifier:
      break;
    default:
      fail("expected an expression");
      return make(expr_kind::literal);
  }
  if (t.is_word("NULL") || t.is_word("TRUE") || t.is_word("FALSE")) {
    auto e = make(expr_kind::literal, upper(take()));
    e->lit = token_kind::identifier;
    return e;
  }
  if ((t.is_word("DATE") || t.is_word("TIME") || t.is_word("TIMESTAMP")) && peek(1).kind == token_kind::string) {
    std::string prefix = upper(take());
    auto e = literal(take());
    e->text = prefix + " " + e->text;
    return e;
  }
  if (t.is_word("CASE")) return case_expr();
  if (t.is_word("EXISTS") || (t.is_word("NOT") && word_at(1, "EXISTS"))) {
    auto e = make(expr_kind::exists);
    e->negated = accept_word("NOT");
    take();
    expect_op("(");
    e->query = query();
    expect_op(")");
    return e;
  }
  if (t.is_word("INTERVAL") && !peek(1).is_op("(")) {
    take();
    auto e = make(expr_kind::interval);
    e->args.push_back(expr());
    e->text = upper(take());  // DAY, HOUR_MINUTE, ...
    return e;
  }
  if (t.is_word("DEFAULT") && !peek(1).is_op("(")) {
    take();
    return make(expr_kind::default_value, "DEFAULT");
  }
  if (t.is_word("MATCH") && peek(1).is_op("(")) {
    take();
    auto e = make(expr_kind::match);
    e->tail = balanced();
    if (word("AGAINST")) {
      append_token(e->tail, take());
    } else {
      fail("expected AGAINST");
    }
    for (auto& p : balanced()) e->tail.push_back(std::move(p));
    return e;
  }
  if (peek(1).is_op("(")) return function_call(take());
  if (reserved(t)) {
    fail("unexpected " + upper(t));
    return make(expr_kind::literal);
  }
  return column_ref();
}

expr_ptr parser::column_ref() {
  auto e = make(expr_kind::column);
  e->names.push_back(ident());
  while (!failed() && op(".")) {
    take();
    if (accept_op("*")) {
      e->kind = expr_kind::star;
      e->text = "*";
      return e;
    }
    const token& t = peek();
    if (t.kind == token_kind::identifier) {  // after a dot any word is a name
      take();
      e->names.push_back({std::string(t.text), false});
    } else {
      e->names.push_back(ident());
    }
  }
  return e;
}

expr_ptr parser::paren_expr() {
  expect_op("(");
  if (word("SELECT") || word("WITH") || (op("(") && (word_at(1, "SELECT") || word_at(1, "WITH")))) {
    auto e = make(expr_kind::subquery);
    e->query = query();
    expect_op(")");
    return e;
  }
  auto items = expr_list();
  expect_op(")");
  if (items.size() == 1) {
    items[0]->parenthesized = true;
    return std::move(items[0]);
  }
  auto e = make(expr_kind::row);
  e->args = std::move(items);
  return e;
}

expr_ptr parser::function_call(const token& name) {
  std::string fname(name.text);
  std::string uname = upper(name);
  for (auto s : special_functions) {
    if (uname == s) {
      auto e = make(expr_kind::special, fname);
      e->tail = balanced();
      for (const auto& p : e->tail) {
        if (const auto* s2 = std::get_if<std::string>(&p.value); s2 && (*s2 == "SELECT" || *s2 == "select")) {
          fail("subquery inside " + uname + "() is not supported");
        }
      }
      return e;
    }
  }
  auto e = make(expr_kind::function, fname);
  expect_op("(");
  if (!op(")")) {
    if (accept_word("DISTINCT")) {
      e->distinct = true;
    } else if (word("ALL") && (uname == "COUNT" || uname == "SUM" || uname == "AVG" || uname == "MIN" ||
                               uname == "MAX")) {
      take();  // COUNT(ALL a) is COUNT(a)
    }
    if (op("*") && peek(1).is_op(")")) {
      take();
      e->args.push_back(make(expr_kind::star, "*"));
    } else {
      e->args = expr_list();
    }
    // GROUP_CONCAT(... ORDER BY ... SEPARATOR '...'): kept as written.
    while (!failed() && !op(")") && !at_end()) {
      const token& t = take();
      append_token(e->tail, t);
    }
  }
  expect_op(")");
  if (accept_word("OVER")) {  // window function
    if (op("(")) {
      e->over = balanced();
    } else {
      append_token(e->over, take());
    }
  }
  return e;
}

expr_ptr parser::case_expr() {
  expect_word("CASE");
  auto e = make(expr_kind::case_when);
  if (!word("WHEN")) {
    e->has_operand = true;
    e->args.push_back(expr());
  }
  while (accept_word("WHEN")) {
    e->args.push_back(expr());
    expect_word("THEN");
    e->args.push_back(expr());
  }
  if (accept_word("ELSE")) {
    e->has_else = true;
    e->args.push_back(expr());
  }
  expect_word("END");
  return e;
}

}  // namespace shardwire::router::detail
