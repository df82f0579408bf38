#include "merger/eval.hpp"

#include <cmath>

namespace shardwire::merger {

namespace {

using k = value::kind;

value null_value() { return value{}; }
value integer(std::int64_t i) {
  value v;
  v.k = k::sint;
  v.i = i;
  return v;
}
value dbl(double d) {
  value v;
  v.k = k::dbl;
  v.d = d;
  return v;
}
value dec(decimal d) {
  value v;
  v.k = k::dec;
  v.dec = d;
  return v;
}

bool is_number(const value& v) { return v.k == k::sint || v.k == k::uint || v.k == k::dbl || v.k == k::dec; }

// The server computes decimal quotients in 9-digit words: an intermediate AVG or
// division carries its scale rounded up to a multiple of 9; only the result column is
// rounded to the declared scale.
int internal_scale(int scale) { return std::min(30, (scale + 8) / 9 * 9); }

// A string compared with a number is a number (as the server does).
value numeric(const value& v) {
  if (v.k != k::str) return v;
  if (auto d = parse_decimal(v.s)) return dec(*d);
  return dbl(to_double(v));
}

value arithmetic(expr::op o, value a, value b) {
  if (a.is_null() || b.is_null()) return null_value();
  a = numeric(a);
  b = numeric(b);
  bool use_double = a.k == k::dbl || b.k == k::dbl;
  if (o == expr::op::div) {
    if (use_double) {
      double y = to_double(b);
      return y == 0 ? null_value() : dbl(to_double(a) / y);
    }
    decimal x = to_decimal(a), y = to_decimal(b);
    if (y.units == 0) return null_value();
    auto q = divide(x, y, internal_scale(x.scale + 4), false);
    return q ? dec(*q) : dbl(to_double(a) / to_double(b));
  }
  if (o == expr::op::intdiv || o == expr::op::mod) {
    if (use_double) {
      double y = to_double(b);
      if (y == 0) return null_value();
      double x = to_double(a);
      return o == expr::op::mod ? dbl(std::fmod(x, y)) : integer(static_cast<std::int64_t>(std::trunc(x / y)));
    }
    decimal x = to_decimal(a), y = to_decimal(b);
    if (y.units == 0) return null_value();
    int s = std::max(x.scale, y.scale);
    auto xs = rescale(x, s), ys = rescale(y, s);
    if (!xs || !ys) return null_value();
    if (o == expr::op::intdiv) return integer(static_cast<std::int64_t>(xs->units / ys->units));
    decimal r{xs->units % ys->units, s};
    return (a.k == k::dec || b.k == k::dec) ? dec(r) : integer(static_cast<std::int64_t>(r.units));
  }
  bool ints = (a.k == k::sint || a.k == k::uint) && (b.k == k::sint || b.k == k::uint);
  if (use_double) {
    double x = to_double(a), y = to_double(b);
    return dbl(o == expr::op::add ? x + y : o == expr::op::sub ? x - y : x * y);
  }
  decimal x = to_decimal(a), y = to_decimal(b);
  std::optional<decimal> r;
  if (o == expr::op::add) r = add(x, y);
  if (o == expr::op::sub) r = add(x, decimal{-y.units, y.scale});
  if (o == expr::op::mul) r = multiply(x, y);
  if (!r) return dbl(o == expr::op::add ? to_double(a) + to_double(b)
                     : o == expr::op::sub ? to_double(a) - to_double(b) : to_double(a) * to_double(b));
  if (ints && r->scale == 0 && r->units <= INT64_MAX && r->units >= INT64_MIN) {
    return integer(static_cast<std::int64_t>(r->units));
  }
  return dec(*r);
}

// Comparison of two values, numbers numerically, strings by bytes; nullopt for NULL.
std::optional<int> cmp(value a, value b) {
  if (a.is_null() || b.is_null()) return std::nullopt;
  // A date/time against a string: the string is read as a date/time (as the server does).
  if (a.k == k::temporal && b.k == k::str) b = parse_temporal(b.s, a.time);
  if (b.k == k::temporal && a.k == k::str) a = parse_temporal(a.s, b.time);
  if (is_number(a) || is_number(b)) {
    a = numeric(a);
    b = numeric(b);
  }
  return compare(a, b);
}

value round_value(const value& v, std::int64_t places, bool ceil_mode, bool floor_mode) {
  if (v.is_null()) return v;
  value x = numeric(v);
  if (x.k == k::dbl) {
    double p = std::pow(10.0, static_cast<double>(places));
    double r = ceil_mode ? std::ceil(x.d) : floor_mode ? std::floor(x.d) : std::rint(x.d * p) / p;
    return dbl(r);
  }
  if (x.k == k::sint || x.k == k::uint) return x;
  if (ceil_mode || floor_mode) {
    auto t = rescale(x.dec, 0);
    if (!t) return x;
    decimal r = *t;
    // rescale rounds half away; correct to ceil/floor
    if (compare(r, x.dec) < 0 && ceil_mode) r.units += 1;
    if (compare(r, x.dec) > 0 && floor_mode) r.units -= 1;
    return integer(static_cast<std::int64_t>(r.units));
  }
  int target = static_cast<int>(std::clamp<std::int64_t>(places, 0, 30));
  auto r = rescale(x.dec, target);
  return r ? dec(*r) : x;
}

value function(const expr& e, const eval_context& ctx) {
  const std::string& f = e.text;
  eval_context inner{ctx.r, ctx.columns, ctx.format, ctx.visible, nullptr};
  auto arg = [&](std::size_t i) { return evaluate(e.args[i], inner); };
  std::size_t n = e.args.size();
  if ((f == "ROUND" || f == "TRUNCATE") && n >= 1) {
    std::int64_t places = 0;
    if (n >= 2) {
      value p = numeric(arg(1));
      if (p.is_null()) return null_value();
      places = p.k == k::sint ? p.i : static_cast<std::int64_t>(to_double(p));
    }
    return round_value(arg(0), places, false, false);
  }
  if ((f == "CEIL" || f == "CEILING") && n == 1) return round_value(arg(0), 0, true, false);
  if (f == "FLOOR" && n == 1) return round_value(arg(0), 0, false, true);
  if (f == "ABS" && n == 1) {
    value v = numeric(arg(0));
    if (v.k == k::sint) v.i = v.i < 0 ? -v.i : v.i;
    if (v.k == k::dbl) v.d = std::fabs(v.d);
    if (v.k == k::dec && v.dec.units < 0) v.dec.units = -v.dec.units;
    return v;
  }
  if ((f == "IFNULL" || f == "COALESCE") && n >= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      value v = arg(i);
      if (!v.is_null()) return v;
    }
    return null_value();
  }
  if (f == "NULLIF" && n == 2) {
    value a = arg(0);
    auto c = cmp(a, arg(1));
    return c && *c == 0 ? null_value() : a;
  }
  if (f == "IF" && n == 3) return is_true(arg(0)) ? arg(1) : arg(2);
  if ((f == "GREATEST" || f == "LEAST") && n >= 1) {
    value best = arg(0);
    for (std::size_t i = 1; i < n && !best.is_null(); ++i) {
      value v = arg(i);
      auto c = cmp(v, best);
      if (!c) return null_value();
      if ((f == "GREATEST" && *c > 0) || (f == "LEAST" && *c < 0)) best = v;
    }
    return best;
  }
  return null_value();  // the router only emits the functions above
}

}  // namespace

bool is_true(const value& v) {
  if (v.is_null()) return false;
  value x = numeric(v);
  switch (x.k) {
    case k::sint: return x.i != 0;
    case k::uint: return x.u != 0;
    case k::dec: return x.dec.units != 0;
    case k::dbl: return x.d != 0;
    default: return true;
  }
}

value evaluate(const expr& e, const eval_context& ctx) {
  using o = expr::op;
  // Only the top-level value goes to the target column; inner AVGs keep MariaDB's scale.
  eval_context inner{ctx.r, ctx.columns, ctx.format, ctx.visible, nullptr};
  auto arg = [&](std::size_t i) { return evaluate(e.args[i], inner); };
  switch (e.o) {
    case o::literal: {
      value v = e.lit;
      if (v.k == k::str) v.s = e.text;
      return v;
    }
    case o::column: {
      std::size_t i = resolve(e.column, ctx.visible);
      if (i >= ctx.r.size()) return null_value();
      return decode(ctx.r[i], ctx.columns[i], ctx.format);
    }
    case o::neg: {
      value v = numeric(arg(0));
      if (v.k == k::sint) v.i = -v.i;
      if (v.k == k::uint) return integer(-static_cast<std::int64_t>(v.u));
      if (v.k == k::dbl) v.d = -v.d;
      if (v.k == k::dec) v.dec.units = -v.dec.units;
      return v;
    }
    case o::add:
    case o::sub:
    case o::mul:
    case o::div:
    case o::intdiv:
    case o::mod: return arithmetic(e.o, arg(0), arg(1));
    case o::eq:
    case o::ne:
    case o::lt:
    case o::le:
    case o::gt:
    case o::ge: {
      auto c = cmp(arg(0), arg(1));
      if (!c) return null_value();
      bool r = e.o == o::eq ? *c == 0 : e.o == o::ne ? *c != 0 : e.o == o::lt ? *c < 0
               : e.o == o::le ? *c <= 0 : e.o == o::gt ? *c > 0 : *c >= 0;
      return integer(r);
    }
    case o::nulleq: {
      value a = arg(0), b = arg(1);
      if (a.is_null() || b.is_null()) return integer(a.is_null() && b.is_null());
      return integer(*cmp(a, b) == 0);
    }
    case o::and_: {
      value a = arg(0);
      if (!a.is_null() && !is_true(a)) return integer(0);
      value b = arg(1);
      if (!b.is_null() && !is_true(b)) return integer(0);
      return a.is_null() || b.is_null() ? null_value() : integer(1);
    }
    case o::or_: {
      value a = arg(0);
      if (is_true(a)) return integer(1);
      value b = arg(1);
      if (is_true(b)) return integer(1);
      return a.is_null() || b.is_null() ? null_value() : integer(0);
    }
    case o::xor_: {
      value a = arg(0), b = arg(1);
      if (a.is_null() || b.is_null()) return null_value();
      return integer(is_true(a) != is_true(b));
    }
    case o::not_: {
      value a = arg(0);
      return a.is_null() ? null_value() : integer(!is_true(a));
    }
    case o::is_null: return integer(arg(0).is_null());
    case o::is_not_null: return integer(!arg(0).is_null());
    case o::between: {
      value v = arg(0);
      auto lo = cmp(v, arg(1)), hi = cmp(v, arg(2));
      if (!lo || !hi) return null_value();
      bool in = *lo >= 0 && *hi <= 0;
      return integer(e.negated ? !in : in);
    }
    case o::in: {
      value v = arg(0);
      if (v.is_null()) return null_value();
      bool saw_null = false;
      for (std::size_t i = 1; i < e.args.size(); ++i) {
        auto c = cmp(v, arg(i));
        if (!c) {
          saw_null = true;
        } else if (*c == 0) {
          return integer(!e.negated);
        }
      }
      return saw_null ? null_value() : integer(e.negated);
    }
    case o::function: return function(e, ctx);
    case o::case_when: {
      // args: [operand] (when, then)... [else]
      std::size_t i = 0, n = e.args.size() - (e.has_else ? 1 : 0);
      std::optional<value> operand;
      if (e.has_operand) operand = arg(i++);
      for (; i + 2 <= n; i += 2) {
        value w = arg(i);
        bool hit = operand ? (cmp(*operand, w).value_or(1) == 0) : is_true(w);
        if (hit) return evaluate(e.args[i + 1], ctx);
      }
      return e.has_else ? evaluate(e.args.back(), ctx) : null_value();
    }
    case o::avg: {
      value s = arg(0), c = arg(1);
      if (s.is_null() || c.is_null() || to_double(c) == 0) return null_value();
      if (s.k == k::dbl || (ctx.target && (ctx.target->type == type::double_ || ctx.target->type == type::float_))) {
        return dbl(to_double(s) / to_double(c));
      }
      int scale = ctx.target ? std::min<int>(ctx.target->decimals, 38) : internal_scale(to_decimal(numeric(s)).scale + 4);
      auto q = divide(to_decimal(numeric(s)), to_decimal(numeric(c)), scale, ctx.target != nullptr);
      return q ? dec(*q) : dbl(to_double(s) / to_double(c));
    }
  }
  return null_value();
}

}  // namespace shardwire::merger
