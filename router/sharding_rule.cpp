#include "router/sharding_rule.hpp"

#include <cmath>

#include "router/key_generator.hpp"
#include "router/sharding_algorithms.hpp"

namespace shardwire::router {

namespace {
__extension__ typedef unsigned __int128 wide_uint;

constexpr wide_int int64_min = -static_cast<wide_int>(static_cast<wide_uint>(1) << 63);
constexpr wide_int uint64_end = static_cast<wide_int>(static_cast<wide_uint>(1) << 64);  // one past the top

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// [sign] digits [. digits], the fraction all zeros; at least one digit.
std::optional<wide_int> integer_text(std::string_view s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  wide_uint magnitude = 0;
  bool any_digit = false;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    any_digit = true;
    magnitude = magnitude * 10 + static_cast<unsigned>(s[i] - '0');
    if (magnitude > static_cast<wide_uint>(uint64_end)) return std::nullopt;  // far outside any BIGINT
  }
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && is_digit(s[i]); ++i) {
      any_digit = true;
      if (s[i] != '0') return std::nullopt;  // a fraction equals no integer
    }
  }
  if (!any_digit || i != s.size()) return std::nullopt;
  wide_int x = negative ? -static_cast<wide_int>(magnitude) : static_cast<wide_int>(magnitude);
  if (x < int64_min || x >= uint64_end) return std::nullopt;
  return x;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Reads exactly n digits at s[pos]; -1 when they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int x = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return -1;
    x = x * 10 + (s[i] - '0');
  }
  return x;
}

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}
}  // namespace

std::optional<wide_int> integer_of(const shard_value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v.v)) return static_cast<wide_int>(*i);
  if (auto* u = std::get_if<std::uint64_t>(&v.v)) return static_cast<wide_int>(*u);
  if (auto* d = std::get_if<double>(&v.v)) {
    if (!std::isfinite(*d) || std::trunc(*d) != *d) return std::nullopt;
    if (*d < -9223372036854775808.0 || *d >= 18446744073709551616.0) return std::nullopt;
    return static_cast<wide_int>(*d);
  }
  if (auto* dec = std::get_if<shard_value::decimal>(&v.v)) return integer_text(dec->text);
  if (auto* s = std::get_if<std::string>(&v.v)) return integer_text(trim(*s));
  return std::nullopt;  // NULL, datetime
}

std::optional<std::int64_t> int64_of(const shard_value& v) {
  auto x = integer_of(v);
  if (!x || *x > static_cast<wide_int>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(*x);
}

std::string to_decimal_text(wide_int x) {
  wide_uint magnitude = x < 0 ? -static_cast<wide_uint>(x) : static_cast<wide_uint>(x);
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (x < 0) out.insert(out.begin(), '-');
  return out;
}

std::int64_t civil_datetime::days_since_unix_epoch() const {
  // Howard Hinnant's days_from_civil (proleptic Gregorian).
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

std::optional<civil_datetime> parse_datetime(std::string_view s) {
  civil_datetime dt;
  dt.year = digits(s, 0, 4);
  dt.month = digits(s, 5, 2);
  dt.day = digits(s, 8, 2);
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || dt.year < 1 || dt.month < 1 || dt.month > 12 || dt.day < 1 ||
      dt.day > days_in_month(dt.year, dt.month)) {
    return std::nullopt;
  }
  if (s.size() == 10) return dt;
  const int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if ((s[10] != ' ' && s[10] != 'T') || s.size() < 19 || s[13] != ':' || s[16] != ':' || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  std::int64_t micros = 0;
  if (s.size() > 19) {
    const std::size_t n = s.size() - 20;
    if (s[19] != '.' || n < 1 || n > 6) return std::nullopt;
    const int fraction = digits(s, 20, n);
    if (fraction < 0) return std::nullopt;
    micros = fraction;
    for (std::size_t i = n; i < 6; ++i) micros *= 10;
  }
  dt.micros_of_day = ((hour * 60 + minute) * 60 + second) * std::int64_t{1000000} + micros;
  return dt;
}

std::optional<civil_datetime> datetime_of(const shard_value& v) {
  if (auto* d = std::get_if<shard_value::datetime>(&v.v)) return parse_datetime(d->text);
  if (auto* s = std::get_if<std::string>(&v.v)) return parse_datetime(*s);
  return std::nullopt;
}

bool same_column(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

table_rule::table_rule(std::string name, table_kind kind, std::vector<data_node> nodes,
                       std::vector<std::string> columns, std::shared_ptr<const sharding_algorithm> algorithm,
                       std::shared_ptr<::shardwire::router::key_generator> keys)
    : name_(std::move(name)),
      kind_(kind),
      nodes_(std::move(nodes)),
      columns_(std::move(columns)),
      algorithm_(std::move(algorithm)),
      keys_(std::move(keys)) {}

bool table_rule::is_sharding_column(std::string_view column) const {
  for (const auto& c : columns_) {
    if (same_column(c, column)) return true;
  }
  return false;
}

std::optional<std::size_t> table_rule::route(std::string_view column, const shard_value& v) const {
  if (kind_ != table_kind::sharded || !algorithm_ || !is_sharding_column(column)) return std::nullopt;
  auto index = algorithm_->route_value(column, v);
  if (index && *index >= nodes_.size()) return std::nullopt;  // cannot happen with a validated config
  return index;
}

std::optional<std::set<std::size_t>> table_rule::route_range(std::string_view column,
                                                             const std::optional<range_bound>& lo,
                                                             const std::optional<range_bound>& hi) const {
  if (kind_ != table_kind::sharded || !algorithm_ || !is_sharding_column(column)) return std::nullopt;
  return algorithm_->route_range(column, lo, hi);
}

const table_rule* schema_rules::find_table(std::string_view table) const {
  auto it = tables.find(table);
  return it == tables.end() ? nullptr : &it->second;
}

data_node schema_rules::unsharded_node(std::string_view table) const {
  return data_node{default_data_source, name, std::string(table)};
}

const schema_rules* sharding_rules::find_schema(std::string_view name) const {
  auto it = schemas.find(name);
  return it == schemas.end() ? nullptr : &it->second;
}

void carry_key_generators(const sharding_rules& from, sharding_rules& to) {
  for (auto& [db, schema] : to.schemas) {
    const schema_rules* old_schema = from.find_schema(db);
    if (!old_schema) continue;
    for (auto& [name, table] : schema.tables) {
      const table_rule* old = old_schema->find_table(name);
      auto* k = table.key_generator();
      auto* o = old ? old->key_generator() : nullptr;
      if (!k || !o) continue;
      if (k->type() == o->type() && k->column() == o->column() && k->gene_column() == o->gene_column() &&
          k->worker_id() == o->worker_id() && k->modulus() == o->modulus()) {
        table.set_key_generator(old->shared_key_generator());
      }
    }
  }
}

}  // namespace shardwire::router
