#include "router/sharding_algorithms.hpp"

#include <algorithm>
#include <cstdio>

namespace shardwire::router {

namespace {
using index_set = std::set<std::size_t>;

constexpr wide_int lowest = -static_cast<wide_int>(INT64_MAX) - 1;  // smallest value integer_of() gives
constexpr wide_int highest = static_cast<wide_int>(UINT64_MAX);     // largest
// A range wider than this is not enumerated value by value: it cannot be narrowed.
constexpr wide_int max_enumerated = 4096;

std::size_t math_mod(wide_int x, std::size_t n) {
  wide_int r = x % static_cast<wide_int>(n);
  if (r < 0) r += static_cast<wide_int>(n);
  return static_cast<std::size_t>(r);
}

wide_int floor_div(wide_int a, wide_int b) {  // b > 0
  wide_int q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// The inclusive integer interval [lo, hi] a range predicate covers. nullopt: a bound
// is not an integer (NULL, fraction, text), so the predicate cannot be narrowed here.
struct span {
  wide_int lo, hi;
};
std::optional<span> integer_span(const std::optional<range_bound>& lo, const std::optional<range_bound>& hi) {
  span s{lowest, highest};
  if (lo) {
    auto x = integer_of(lo->value);
    if (!x) return std::nullopt;
    s.lo = lo->inclusive ? *x : *x + 1;
  }
  if (hi) {
    auto x = integer_of(hi->value);
    if (!x) return std::nullopt;
    s.hi = hi->inclusive ? *x : *x - 1;
  }
  return s;
}

// Routes each value of a small span and collects the nodes. nullopt when that is every
// node, when the span is too wide, or when a value cannot be routed.
template <class Route>
std::optional<index_set> enumerate(const std::optional<span>& s, std::size_t nodes, Route route) {
  if (!s) return std::nullopt;
  index_set out;
  if (s->lo > s->hi) return out;
  if (s->hi - s->lo >= max_enumerated) return std::nullopt;
  for (wide_int x = s->lo; x <= s->hi; ++x) {
    auto i = route(x);
    if (!i) return std::nullopt;
    out.insert(*i);
    if (out.size() == nodes) return std::nullopt;
  }
  return out;
}

std::optional<index_set> contiguous(wide_int first, wide_int last, std::size_t nodes) {
  index_set out;
  if (first > last) return out;
  if (first <= 0 && last >= static_cast<wide_int>(nodes) - 1) return std::nullopt;
  for (wide_int i = std::max<wide_int>(first, 0); i <= last && i < static_cast<wide_int>(nodes); ++i) {
    out.insert(static_cast<std::size_t>(i));
  }
  return out;
}

// mod and gene: index = v mod N. gene differs in intent (several columns, ids generated
// with the gene of another column) and in name, so the two never bind together.
class modulo final : public sharding_algorithm {
 public:
  modulo(std::size_t nodes, const char* name) : sharding_algorithm(nodes), name_(name) {}
  std::string canonical() const override { return std::string(name_) + "(modulus=" + std::to_string(nodes_) + ")"; }
  std::optional<std::size_t> route_value(std::string_view, const shard_value& v) const override {
    auto x = integer_of(v);
    if (!x) return std::nullopt;
    return math_mod(*x, nodes_);
  }
  std::optional<index_set> route_range(std::string_view, const std::optional<range_bound>& lo,
                                       const std::optional<range_bound>& hi) const override {
    return enumerate(integer_span(lo, hi), nodes_, [&](wide_int x) { return std::optional(math_mod(x, nodes_)); });
  }

 private:
  const char* name_;
};

class hash_mod final : public sharding_algorithm {
 public:
  hash_mod(std::size_t nodes, hash_key_type key_type) : sharding_algorithm(nodes), key_type_(key_type) {}
  std::string canonical() const override {
    return std::string("hash_mod(key_type=") + (key_type_ == hash_key_type::string ? "string" : "integer") + ")";
  }
  std::optional<std::size_t> route_value(std::string_view, const shard_value& v) const override {
    auto text = key_text(v);
    if (!text) return std::nullopt;
    return static_cast<std::size_t>(fnv1a_64(*text) % nodes_);
  }
  std::optional<index_set> route_range(std::string_view, const std::optional<range_bound>& lo,
                                       const std::optional<range_bound>& hi) const override {
    if (key_type_ == hash_key_type::string) return std::nullopt;  // string order says nothing about hashes
    return enumerate(integer_span(lo, hi), nodes_, [&](wide_int x) {
      return std::optional(static_cast<std::size_t>(fnv1a_64(to_decimal_text(x)) % nodes_));
    });
  }

 private:
  std::optional<std::string> key_text(const shard_value& v) const {
    if (key_type_ == hash_key_type::integer) {
      auto x = integer_of(v);
      if (!x) return std::nullopt;
      return to_decimal_text(*x);
    }
    if (auto* i = std::get_if<std::int64_t>(&v.v)) return std::to_string(*i);
    if (auto* u = std::get_if<std::uint64_t>(&v.v)) return std::to_string(*u);
    if (auto* s = std::get_if<std::string>(&v.v)) return *s;
    if (auto* d = std::get_if<shard_value::decimal>(&v.v)) return d->text;
    if (auto* t = std::get_if<shard_value::datetime>(&v.v)) return t->text;
    return std::nullopt;  // NULL; a double has no one canonical text
  }
  hash_key_type key_type_;
};

class range final : public sharding_algorithm {
 public:
  explicit range(std::vector<std::int64_t> boundaries)
      : sharding_algorithm(boundaries.size() + 1), boundaries_(std::move(boundaries)) {}
  std::string canonical() const override {
    std::string out = "range(boundaries=[";
    for (std::size_t i = 0; i < boundaries_.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(boundaries_[i]);
    }
    return out + "])";
  }
  std::optional<std::size_t> route_value(std::string_view, const shard_value& v) const override {
    auto x = integer_of(v);
    if (!x) return std::nullopt;
    return index_of(*x);
  }
  std::optional<index_set> route_range(std::string_view, const std::optional<range_bound>& lo,
                                       const std::optional<range_bound>& hi) const override {
    auto s = integer_span(lo, hi);
    if (!s) return std::nullopt;
    if (s->lo > s->hi) return index_set{};
    return contiguous(static_cast<wide_int>(index_of(s->lo)), static_cast<wide_int>(index_of(s->hi)), nodes_);
  }

 private:
  std::size_t index_of(wide_int x) const {  // number of boundaries <= x
    return static_cast<std::size_t>(
        std::upper_bound(boundaries_.begin(), boundaries_.end(), x, [](wide_int a, std::int64_t b) { return a < b; }) -
        boundaries_.begin());
  }
  std::vector<std::int64_t> boundaries_;
};

class interval final : public sharding_algorithm {
 public:
  interval(std::size_t nodes, civil_datetime start, interval_unit unit, std::int64_t step)
      : sharding_algorithm(nodes), start_(start), unit_(unit), step_(step) {}
  std::string canonical() const override {
    char start[16];
    std::snprintf(start, sizeof start, "%04d-%02d-%02d", start_.year, start_.month, start_.day);
    return std::string("interval(start=") + start + ",unit=" + (unit_ == interval_unit::day ? "day" : "month") +
           ",step=" + std::to_string(step_) + ")";
  }
  std::optional<std::size_t> route_value(std::string_view, const shard_value& v) const override {
    auto dt = datetime_of(v);
    if (!dt) return std::nullopt;
    wide_int index = floor_div(units_since_start(*dt), step_);
    if (index < 0 || index >= static_cast<wide_int>(nodes_)) return std::nullopt;  // no node covers it
    return static_cast<std::size_t>(index);
  }
  std::optional<index_set> route_range(std::string_view, const std::optional<range_bound>& lo,
                                       const std::optional<range_bound>& hi) const override {
    wide_int first = 0, last = static_cast<wide_int>(nodes_) - 1;
    if (lo) {
      auto dt = datetime_of(lo->value);
      if (!dt) return std::nullopt;
      first = floor_div(units_since_start(*dt), step_);  // exclusive or not, the node of lo may hold rows
    }
    if (hi) {
      auto dt = datetime_of(hi->value);
      if (!dt) return std::nullopt;
      wide_int units = units_since_start(*dt);
      last = floor_div(units, step_);
      // col < '2024-02-01' with monthly nodes stops before the node starting there.
      if (!hi->inclusive && floor_div(units, step_) * step_ == units && at_unit_start(*dt)) --last;
    }
    return contiguous(first, last, nodes_);
  }

 private:
  wide_int units_since_start(const civil_datetime& dt) const {
    if (unit_ == interval_unit::day) return dt.days_since_unix_epoch() - start_.days_since_unix_epoch();
    return (static_cast<wide_int>(dt.year) * 12 + dt.month) - (static_cast<wide_int>(start_.year) * 12 + start_.month);
  }
  bool at_unit_start(const civil_datetime& dt) const {
    return dt.micros_of_day == 0 && (unit_ == interval_unit::day || dt.day == 1);
  }
  civil_datetime start_;
  interval_unit unit_;
  std::int64_t step_;
};

class inline_algorithm final : public sharding_algorithm {
 public:
  inline_algorithm(std::size_t nodes, inline_expression e) : sharding_algorithm(nodes), expression_(std::move(e)) {}
  std::string canonical() const override { return "inline(expression=" + expression_.canonical() + ")"; }
  std::optional<std::size_t> route_value(std::string_view, const shard_value& v) const override {
    auto x = integer_of(v);
    if (!x) return std::nullopt;
    return index_of(*x);
  }
  std::optional<index_set> route_range(std::string_view, const std::optional<range_bound>& lo,
                                       const std::optional<range_bound>& hi) const override {
    return enumerate(integer_span(lo, hi), nodes_, [&](wide_int x) { return index_of(x); });
  }

 private:
  std::optional<std::size_t> index_of(wide_int x) const {
    auto r = expression_.evaluate(x);
    if (!r || *r < 0 || *r >= static_cast<wide_int>(nodes_)) return std::nullopt;
    return static_cast<std::size_t>(*r);
  }
  inline_expression expression_;
};
}  // namespace

struct inline_expression::node {
  enum class op { number, column, negate, add, subtract, multiply, divide, modulo } kind = op::number;
  wide_int number = 0;
  std::shared_ptr<const node> left, right;
};

namespace {
using expr_node = inline_expression::node;
using expr_ptr = std::shared_ptr<const expr_node>;

// Recursive descent: sum := term (('+'|'-') term)*, term := unary (('*'|'/'|'%') unary)*,
// unary := '-' unary | primary, primary := integer | column | '(' sum ')'.
class expression_parser {
 public:
  expression_parser(std::string_view text, std::string_view column) : s_(text), column_(column) {}

  expr_ptr parse() {
    expr_ptr e = sum();
    skip_spaces();
    if (i_ < s_.size()) fail("unexpected '" + std::string(1, s_[i_]) + "'");
    if (error_.empty() && !uses_column_) {
      error_ = "the expression does not use the sharding column \"" + std::string(column_) + "\"";
    }
    return error_.empty() ? e : nullptr;
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr int max_depth = 64;

  void skip_spaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void fail(const std::string& what, const std::string& why = "") {
    if (error_.empty()) error_ = what + " at offset " + std::to_string(i_) + why;
    i_ = s_.size();
  }
  bool take(char c) {
    skip_spaces();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  static expr_ptr make(expr_node::op kind, expr_ptr left, expr_ptr right = nullptr) {
    auto n = std::make_shared<expr_node>();
    n->kind = kind;
    n->left = std::move(left);
    n->right = std::move(right);
    return n;
  }
  expr_ptr sum() {
    expr_ptr e = term();
    for (;;) {
      if (take('+'))
        e = make(expr_node::op::add, e, term());
      else if (take('-'))
        e = make(expr_node::op::subtract, e, term());
      else
        return e;
    }
  }
  expr_ptr term() {
    expr_ptr e = unary();
    for (;;) {
      if (take('*'))
        e = make(expr_node::op::multiply, e, unary());
      else if (take('/'))
        e = make(expr_node::op::divide, e, unary());
      else if (take('%'))
        e = make(expr_node::op::modulo, e, unary());
      else
        return e;
    }
  }
  expr_ptr unary() {
    if (++depth_ > max_depth) fail("expression nested too deeply");
    expr_ptr e;
    if (take('-')) {
      e = make(expr_node::op::negate, unary());
    } else {
      e = primary();
    }
    --depth_;
    return e;
  }
  expr_ptr primary() {
    skip_spaces();
    auto n = std::make_shared<expr_node>();
    if (i_ >= s_.size()) {
      fail("expected a number, the column or '('");
    } else if (take('(')) {
      expr_ptr e = sum();
      if (!take(')')) fail("expected ')'");
      return e;
    } else if (s_[i_] >= '0' && s_[i_] <= '9') {
      for (; i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; ++i_) {
        n->number = n->number * 10 + (s_[i_] - '0');
        if (n->number > INT64_MAX) return fail("number too large"), n;
      }
    } else if (is_name_char(s_[i_])) {
      std::size_t start = i_;
      while (i_ < s_.size() && (is_name_char(s_[i_]) || (s_[i_] >= '0' && s_[i_] <= '9'))) ++i_;
      std::string_view name = s_.substr(start, i_ - start);
      if (!same_column(name, column_)) {
        i_ = start;
        fail("unknown name \"" + std::string(name) + "\"",
             " (only the sharding column \"" + std::string(column_) + "\" may appear)");
      }
      n->kind = expr_node::op::column;
      uses_column_ = true;
    } else {
      fail("unexpected '" + std::string(1, s_[i_]) + "'");
    }
    return n;
  }
  static bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; }

  std::string_view s_;
  std::string_view column_;
  std::size_t i_ = 0;
  int depth_ = 0;
  bool uses_column_ = false;
  std::string error_;
};

__extension__ typedef unsigned __int128 wide_uint;
constexpr wide_int wide_min = -static_cast<wide_int>((static_cast<wide_uint>(1) << 127) - 1) - 1;

std::optional<wide_int> eval_node(const expr_node& n, wide_int x) {
  using op = expr_node::op;
  if (n.kind == op::number) return n.number;
  if (n.kind == op::column) return x;
  auto a = eval_node(*n.left, x);
  if (!a) return std::nullopt;
  wide_int r = 0;
  if (n.kind == op::negate) {
    if (__builtin_sub_overflow(static_cast<wide_int>(0), *a, &r)) return std::nullopt;
    return r;
  }
  auto b = eval_node(*n.right, x);
  if (!b) return std::nullopt;
  bool overflow = false;
  switch (n.kind) {
    case op::add:
      overflow = __builtin_add_overflow(*a, *b, &r);
      break;
    case op::subtract:
      overflow = __builtin_sub_overflow(*a, *b, &r);
      break;
    case op::multiply:
      overflow = __builtin_mul_overflow(*a, *b, &r);
      break;
    default:                                                             // divide, modulo
      if (*b == 0 || (*b == -1 && *a == wide_min)) return std::nullopt;  // division by zero, MIN / -1
      r = n.kind == op::divide ? *a / *b : *a % *b;
  }
  if (overflow) return std::nullopt;
  return r;
}

std::string print(const expr_node& n) {
  using op = expr_node::op;
  switch (n.kind) {
    case op::number:
      return to_decimal_text(n.number);
    case op::column:
      return "x";
    case op::negate: {
      std::string out = "(-";  // (GCC 12 -Wrestrict false positive on "literal" + string&&)
      out += print(*n.left);
      return out += ')';
    }
    default:
      break;
  }
  static constexpr const char* symbols[] = {"", "", "", " + ", " - ", " * ", " / ", " % "};
  std::string out = "(";
  out += print(*n.left);
  out += symbols[static_cast<int>(n.kind)];
  out += print(*n.right);
  return out += ')';
}
}  // namespace

inline_expression::result inline_expression::parse(std::string_view text, std::string_view column) {
  expression_parser p(text, column);
  expr_ptr root = p.parse();
  if (!root) return result(boost::system::in_place_error, p.error());
  inline_expression e;
  e.root_ = std::move(root);
  return e;
}

std::optional<wide_int> inline_expression::evaluate(wide_int column_value) const {
  return root_ ? eval_node(*root_, column_value) : std::nullopt;
}

std::string inline_expression::canonical() const { return root_ ? print(*root_) : ""; }

std::uint64_t fnv1a_64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

algorithm_ptr make_mod(std::size_t nodes) { return std::make_shared<modulo>(nodes, "mod"); }
algorithm_ptr make_gene(std::size_t nodes) { return std::make_shared<modulo>(nodes, "gene"); }
algorithm_ptr make_hash_mod(std::size_t nodes, hash_key_type key_type) {
  return std::make_shared<hash_mod>(nodes, key_type);
}
algorithm_ptr make_range(std::vector<std::int64_t> boundaries) {
  return std::make_shared<range>(std::move(boundaries));
}
algorithm_ptr make_interval(std::size_t nodes, civil_datetime start, interval_unit unit, std::int64_t step) {
  return std::make_shared<interval>(nodes, start, unit, step);
}
algorithm_ptr make_inline(std::size_t nodes, inline_expression expression) {
  return std::make_shared<inline_algorithm>(nodes, std::move(expression));
}

}  // namespace shardwire::router
