#include "merger/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "protocol/codec.hpp"

namespace shardwire::merger {

namespace {

constexpr int max_digits = 38;

int128 pow10(int n) {
  int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}
const int128 limit = pow10(max_digits);  // exclusive bound on |units|

bool fits(int128 v) { return v < limit && v > -limit; }

std::optional<int128> mul10(int128 v, int n) {
  for (int i = 0; i < n && v != 0; ++i) {
    if (v >= limit / 10 || v <= -(limit / 10)) return std::nullopt;  // checked before: no overflow
    v *= 10;
  }
  return v;
}

long double to_long_double(decimal d) { return static_cast<long double>(d.units) / static_cast<long double>(pow10(d.scale)); }

template <typename T>
T le(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return static_cast<T>(v);
}

int digits(std::string_view& s, int max) {  // parses up to `max` digits
  int v = 0, n = 0;
  while (n < max && !s.empty() && s[0] >= '0' && s[0] <= '9') {
    v = v * 10 + (s[0] - '0');
    s.remove_prefix(1);
    ++n;
  }
  return v;
}

std::int64_t micro_of(std::string_view& s) {  // ".ffffff" -> microseconds
  if (s.empty() || s[0] != '.') return 0;
  s.remove_prefix(1);
  std::int64_t us = 0;
  int n = 0;
  for (; n < 6 && !s.empty() && s[0] >= '0' && s[0] <= '9'; ++n, s.remove_prefix(1)) us = us * 10 + (s[0] - '0');
  for (; n < 6; ++n) us *= 10;
  return us;
}

std::int64_t pack_datetime(std::int64_t y, std::int64_t mo, std::int64_t d, std::int64_t h, std::int64_t mi,
                           std::int64_t s, std::int64_t us) {
  return (((((y * 13 + mo) * 32 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000000 + us;
}

value temporal_text(std::string_view s, std::uint8_t t) {
  value v;
  v.k = value::kind::temporal;
  if (t == type::time) {
    v.time = true;
    bool neg = !s.empty() && s[0] == '-';
    if (neg) s.remove_prefix(1);
    std::int64_t h = digits(s, 4);
    s.remove_prefix(std::min<std::size_t>(1, s.size()));
    std::int64_t mi = digits(s, 2);
    s.remove_prefix(std::min<std::size_t>(1, s.size()));
    std::int64_t sec = digits(s, 2);
    std::int64_t us = micro_of(s);
    std::int64_t total = ((h * 60 + mi) * 60 + sec) * 1000000 + us;
    v.i = neg ? -total : total;
    return v;
  }
  int y = digits(s, 4);
  s.remove_prefix(std::min<std::size_t>(1, s.size()));
  int mo = digits(s, 2);
  s.remove_prefix(std::min<std::size_t>(1, s.size()));
  int d = digits(s, 2);
  int h = 0, mi = 0, sec = 0;
  std::int64_t us = 0;
  if (!s.empty()) {
    s.remove_prefix(1);
    h = digits(s, 2);
    s.remove_prefix(std::min<std::size_t>(1, s.size()));
    mi = digits(s, 2);
    s.remove_prefix(std::min<std::size_t>(1, s.size()));
    sec = digits(s, 2);
    us = micro_of(s);
  }
  v.i = pack_datetime(y, mo, d, h, mi, sec, us);
  return v;
}

value temporal_binary(std::string_view b, std::uint8_t t) {
  value v;
  v.k = value::kind::temporal;
  if (b.empty()) return v;  // zero date / zero time
  auto n = static_cast<std::uint8_t>(b[0]);
  const char* p = b.data() + 1;
  if (b.size() < 1u + n) return value{};
  if (t == type::time) {
    v.time = true;
    if (n < 8) return v;
    bool neg = p[0] != 0;
    std::int64_t days = le<std::uint32_t>(p + 1, 4);
    if (days > 100000) return value{};  // far past TIME's range (838:59:59): a malformed value, not an overflow
    std::int64_t h = static_cast<std::uint8_t>(p[5]), mi = static_cast<std::uint8_t>(p[6]),
                 s = static_cast<std::uint8_t>(p[7]);
    std::int64_t us = n >= 12 ? le<std::uint32_t>(p + 8, 4) : 0;
    std::int64_t total = (((days * 24 + h) * 60 + mi) * 60 + s) * 1000000 + us;
    v.i = neg ? -total : total;
    return v;
  }
  if (n < 4) return v;
  std::int64_t y = le<std::uint16_t>(p, 2), mo = static_cast<std::uint8_t>(p[2]), d = static_cast<std::uint8_t>(p[3]);
  std::int64_t h = 0, mi = 0, s = 0, us = 0;
  if (n >= 7) {
    h = static_cast<std::uint8_t>(p[4]);
    mi = static_cast<std::uint8_t>(p[5]);
    s = static_cast<std::uint8_t>(p[6]);
  }
  if (n >= 11) us = le<std::uint32_t>(p + 7, 4);
  v.i = pack_datetime(y, mo, d, h, mi, s, us);
  return v;
}

value number_text(std::string_view s, const column_info& col) {
  value v;
  if (is_integer_type(col.type)) {
    if (col.flags & unsigned_flag) {
      v.k = value::kind::uint;
      if (std::from_chars(s.data(), s.data() + s.size(), v.u).ec == std::errc{}) return v;
    } else {
      v.k = value::kind::sint;
      if (std::from_chars(s.data(), s.data() + s.size(), v.i).ec == std::errc{}) return v;
    }
  } else if (col.type == type::decimal || col.type == type::newdecimal) {
    if (auto d = parse_decimal(s)) {
      v.k = value::kind::dec;
      v.dec = *d;
      return v;
    }
  }
  v.k = value::kind::dbl;  // doubles, and numbers too long for the exact kinds
  std::string tmp(s);
  v.d = std::strtod(tmp.c_str(), nullptr);
  return v;
}

}  // namespace

double to_double(const value& v) {
  switch (v.k) {
    case value::kind::sint: return static_cast<double>(v.i);
    case value::kind::uint: return static_cast<double>(v.u);
    case value::kind::dec: return static_cast<double>(to_long_double(v.dec));
    case value::kind::str: return std::strtod(std::string(v.s).c_str(), nullptr);
    default: return v.d;
  }
}

decimal to_decimal(const value& v) {
  if (v.k == value::kind::sint) return {v.i, 0};
  if (v.k == value::kind::uint) return {static_cast<int128>(v.u), 0};
  return v.dec;
}

std::optional<value> add_numbers(const value& a, const value& b) {
  value out;
  if (a.k == value::kind::dbl || b.k == value::kind::dbl) {
    out.k = value::kind::dbl;
    out.d = to_double(a) + to_double(b);
  } else if (a.k == value::kind::sint && b.k == value::kind::sint && !__builtin_add_overflow(a.i, b.i, &out.i)) {
    out.k = a.k;
  } else if (a.k == value::kind::uint && b.k == value::kind::uint && !__builtin_add_overflow(a.u, b.u, &out.u)) {
    out.k = a.k;
  } else {  // mixed, or beyond 64 bits: exact decimal arithmetic
    auto d = add(to_decimal(a), to_decimal(b));
    if (!d) return std::nullopt;
    out.k = value::kind::dec;
    out.dec = *d;
  }
  return out;
}

value parse_temporal(std::string_view text, bool time) { return temporal_text(text, time ? type::time : type::datetime); }

column_info column_of(const protocol::column_definition& def) { return {def.type, def.flags, def.decimals, def.charset}; }

bool is_string_type(std::uint8_t t) {
  return t == type::varchar || t == type::var_string || t == type::string || t == type::json ||
         (t >= type::enum_ && t <= type::blob) || t == type::geometry || t == type::bit;
}

bool is_integer_type(std::uint8_t t) {
  return t == type::tiny || t == type::short_ || t == type::long_ || t == type::longlong || t == type::int24 ||
         t == type::year;
}

std::optional<decimal> parse_decimal(std::string_view s) {
  decimal d;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  bool point = false, any = false;
  int n = 0;
  for (char c : s) {
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (d.units == 0 && c == '0' && !point) continue;  // leading zeros
    if (++n > max_digits) return std::nullopt;
    d.units = d.units * 10 + (c - '0');
    if (point) ++d.scale;
  }
  if (!any) return std::nullopt;
  if (neg) d.units = -d.units;
  return d;
}

std::optional<decimal> rescale(decimal d, int scale) {
  if (scale >= d.scale) {
    auto u = mul10(d.units, scale - d.scale);
    if (!u) return std::nullopt;
    return decimal{*u, scale};
  }
  int128 div = pow10(d.scale - scale);
  int128 q = d.units / div, r = d.units % div;
  if (r < 0) r = -r;
  if (2 * r >= div) q += d.units < 0 ? -1 : 1;
  return decimal{q, scale};
}

std::optional<decimal> add(decimal a, decimal b) {
  int s = std::max(a.scale, b.scale);
  auto x = rescale(a, s), y = rescale(b, s);
  if (!x || !y) return std::nullopt;
  int128 sum = x->units + y->units;
  if (!fits(sum)) return std::nullopt;
  return decimal{sum, s};
}

std::optional<decimal> multiply(decimal a, decimal b) {
  // |a|,|b| < 10^38: check in long double before multiplying exactly.
  long double approx = static_cast<long double>(a.units) * static_cast<long double>(b.units);
  if (std::fabs(approx) >= 1e37L) return std::nullopt;
  return decimal{a.units * b.units, a.scale + b.scale};
}

std::optional<decimal> divide(decimal a, decimal b, int scale, bool round) {
  if (b.units == 0) return std::nullopt;
  // a/b = (a.units * 10^(scale + b.scale - a.scale) / b.units) / 10^scale
  int e = scale + b.scale - a.scale;
  int128 num = a.units, den = b.units;
  if (e >= 0) {
    auto m = mul10(num, e);
    if (!m) return std::nullopt;
    num = *m;
  } else {
    auto m = mul10(den, -e);
    if (!m) return std::nullopt;
    den = *m;
  }
  int128 q = num / den, r = num % den;
  if (r < 0) r = -r;
  int128 absden = den < 0 ? -den : den;
  if (round && 2 * r >= absden) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return decimal{q, scale};
}

int compare(decimal a, decimal b) {
  int s = std::max(a.scale, b.scale);
  auto x = rescale(a, s), y = rescale(b, s);
  if (x && y) return x->units < y->units ? -1 : x->units > y->units ? 1 : 0;
  long double p = to_long_double(a), q = to_long_double(b);
  return p < q ? -1 : p > q ? 1 : 0;
}

std::string format(decimal d) {
  // Digits written backwards, then reversed: the scale comes from a column definition
  // (a backend's byte), so no fixed-size buffer.
  std::string r;
  bool neg = d.units < 0;
  int128 u = neg ? -d.units : d.units;
  int n = 0;
  do {
    r += static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
    if (++n == d.scale) r += '.';
  } while (u > 0 || n < d.scale);
  if (r.back() == '.') r += '0';
  if (neg) r += '-';
  return {r.rbegin(), r.rend()};
}

std::string format_double(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  auto e = s.find('e');
  if (e != std::string::npos) {  // 1e+20 -> 1e20, 1.5e-07 -> 1.5e-7
    std::string mant = s.substr(0, e), ex = s.substr(e + 1);
    bool neg = !ex.empty() && ex[0] == '-';
    if (!ex.empty() && (ex[0] == '+' || ex[0] == '-')) ex.erase(0, 1);
    while (ex.size() > 1 && ex[0] == '0') ex.erase(0, 1);
    s = mant + "e" + (neg ? "-" : "") + ex;
  }
  return s;
}

value decode(const cell& c, const column_info& col, row_format fmt) {
  value v;
  if (c.null) return v;
  std::string_view s = c.bytes;
  bool temporal = col.type == type::date || col.type == type::newdate || col.type == type::datetime ||
                  col.type == type::timestamp || col.type == type::time;
  if (fmt == row_format::text) {
    if (temporal) return temporal_text(s, col.type);
    if (is_integer_type(col.type) || col.type == type::decimal || col.type == type::newdecimal ||
        col.type == type::float_ || col.type == type::double_) {
      return number_text(s, col);
    }
    v.k = value::kind::str;
    v.s = s;
    return v;
  }
  if (temporal) return temporal_binary(s, col.type);
  bool uns = col.flags & unsigned_flag;
  auto integer = [&](int n) {
    if (static_cast<int>(s.size()) < n) return value{};
    if (uns) {
      v.k = value::kind::uint;
      v.u = le<std::uint64_t>(s.data(), n);
    } else {
      v.k = value::kind::sint;
      std::uint64_t raw = le<std::uint64_t>(s.data(), n);
      if (n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~0ull << (8 * n);  // sign-extend
      v.i = static_cast<std::int64_t>(raw);
    }
    return v;
  };
  switch (col.type) {
    case type::tiny: return integer(1);
    case type::short_:
    case type::year: return integer(2);
    case type::long_:
    case type::int24: return integer(4);
    case type::longlong: return integer(8);
    case type::float_:
      if (s.size() < 4) return value{};
      v.k = value::kind::dbl;
      {
        float f;
        std::memcpy(&f, s.data(), 4);
        v.d = f;
      }
      return v;
    case type::double_:
      if (s.size() < 8) return value{};
      v.k = value::kind::dbl;
      std::memcpy(&v.d, s.data(), 8);
      return v;
    case type::decimal:
    case type::newdecimal: return number_text(s, col);
    default:
      v.k = value::kind::str;
      v.s = s;
      return v;
  }
}

int compare(const value& a, const value& b) {
  using k = value::kind;
  if (a.k == k::null || b.k == k::null) return (a.k != k::null) - (b.k != k::null);
  auto numeric = [](k x) { return x == k::sint || x == k::uint || x == k::dbl || x == k::dec; };
  if (numeric(a.k) && numeric(b.k)) {
    if (a.k == k::sint && b.k == k::sint) return a.i < b.i ? -1 : a.i > b.i;
    if (a.k == k::uint && b.k == k::uint) return a.u < b.u ? -1 : a.u > b.u;
    if (a.k == k::dbl || b.k == k::dbl) {
      double x = to_double(a), y = to_double(b);
      return x < y ? -1 : x > y;
    }
    return compare(to_decimal(a), to_decimal(b));
  }
  if (a.k != b.k) return a.k < b.k ? -1 : 1;
  if (a.k == k::temporal) return a.i < b.i ? -1 : a.i > b.i;
  int c = std::memcmp(a.s.data(), b.s.data(), std::min(a.s.size(), b.s.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.s.size() < b.s.size() ? -1 : a.s.size() > b.s.size();
}

void encode(std::string& out, const value& v, const column_info& col, row_format fmt) {
  using k = value::kind;
  if (v.k == k::str) {  // CASE/IF/COALESCE choosing a string
    out.append(v.s);
    return;
  }
  auto put_le = [&](std::uint64_t x, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((x >> (8 * i)) & 0xFF));
  };
  if (is_integer_type(col.type)) {
    std::int64_t i = v.k == k::sint ? v.i : v.k == k::uint ? static_cast<std::int64_t>(v.u)
                     : v.k == k::dec ? static_cast<std::int64_t>(rescale(v.dec, 0).value_or(decimal{}).units)
                                     : static_cast<std::int64_t>(std::llround(v.d));
    if (fmt == row_format::text) {
      out += (col.flags & unsigned_flag) ? std::to_string(static_cast<std::uint64_t>(i)) : std::to_string(i);
      return;
    }
    int n = col.type == type::tiny ? 1 : (col.type == type::short_ || col.type == type::year) ? 2
            : col.type == type::longlong ? 8 : 4;
    put_le(static_cast<std::uint64_t>(i), n);
    return;
  }
  if (col.type == type::double_ || col.type == type::float_) {
    double d = to_double(v);
    if (fmt == row_format::binary) {
      if (col.type == type::float_) {
        float f = static_cast<float>(d);
        std::uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put_le(bits, 4);
      } else {
        std::uint64_t bits;
        std::memcpy(&bits, &d, 8);
        put_le(bits, 8);
      }
      return;
    }
    if (col.decimals < 31) {  // fixed decimals, as the server prints such a column
      char buf[400];
      std::snprintf(buf, sizeof buf, "%.*f", col.decimals, d);
      out += buf;
    } else {
      out += format_double(d);
    }
    return;
  }
  if (v.k == k::dbl) {
    if (col.type == type::newdecimal || col.type == type::decimal) {
      char buf[400];
      std::snprintf(buf, sizeof buf, "%.*f", col.decimals, v.d);
      out += buf;
    } else {
      out += format_double(v.d);
    }
    return;
  }
  decimal d = to_decimal(v);
  if (col.type == type::newdecimal || col.type == type::decimal) {
    if (auto r = rescale(d, col.decimals)) d = *r;
  }
  out += format(d);
}

void append_key(std::string& out, const value& v) {
  using k = value::kind;
  out.push_back(static_cast<char>(v.k));
  auto raw = [&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); };
  switch (v.k) {
    case k::null: break;
    case k::sint:
    case k::temporal: raw(&v.i, sizeof v.i); break;
    case k::uint: raw(&v.u, sizeof v.u); break;
    case k::dbl: {
      double d = v.d == 0 ? 0.0 : v.d;  // -0.0 == 0.0
      raw(&d, sizeof d);
      break;
    }
    case k::dec: {
      decimal d = v.dec;
      while (d.scale > 0 && d.units % 10 == 0) {
        d.units /= 10;
        --d.scale;
      }
      raw(&d.units, sizeof d.units);
      raw(&d.scale, sizeof d.scale);
      break;
    }
    case k::str: {
      std::uint64_t n = v.s.size();
      raw(&n, sizeof n);
      out.append(v.s);
      break;
    }
  }
}

}  // namespace shardwire::merger
