// Typed views of result-set cells, for comparing and combining rows of several
// shards. A cell stays in its wire form (text, or binary-protocol encoding); it is
// decoded only where an operator needs its value (sort keys, aggregates).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"

namespace shardwire::merger {

enum class row_format : std::uint8_t { text, binary };

// What the merge needs of a column definition.
struct column_info {
  std::uint8_t type = 0xFD;
  std::uint16_t flags = 0;
  std::uint8_t decimals = 0;
  std::uint16_t charset = 45;
};
column_info column_of(const protocol::column_definition& def);

namespace type {  // MYSQL_TYPE_* codes
inline constexpr std::uint8_t decimal = 0, tiny = 1, short_ = 2, long_ = 3, float_ = 4, double_ = 5, null = 6,
                              timestamp = 7, longlong = 8, int24 = 9, date = 10, time = 11, datetime = 12,
                              year = 13, newdate = 14, varchar = 15, bit = 16, json = 245, newdecimal = 246,
                              enum_ = 247, set = 248, tiny_blob = 249, medium_blob = 250, long_blob = 251,
                              blob = 252, var_string = 253, string = 254, geometry = 255;
}
inline constexpr std::uint16_t unsigned_flag = 32;

bool is_string_type(std::uint8_t t);
bool is_integer_type(std::uint8_t t);

// A cell as on the wire: NULL, or the value's bytes (text protocol: its text; binary
// protocol: its encoding, without the length prefix of length-encoded types).
struct cell {
  std::string_view bytes;
  bool null = true;
};
using row = std::vector<cell>;

__extension__ typedef __int128 int128;  // GCC/Clang builtin, exact 38-digit decimals

// Exact decimal: units / 10^scale. 38 digits (MariaDB allows 65; sums beyond 38
// digits are reported as an overflow, never rounded silently).
struct decimal {
  int128 units = 0;
  int scale = 0;
};
std::optional<decimal> parse_decimal(std::string_view text);
std::optional<decimal> add(decimal a, decimal b);
std::optional<decimal> rescale(decimal d, int scale);  // rounds half away from zero
// a / b with `scale` digits after the point, rounded half away from zero (as MariaDB
// rounds a result), or truncated (as it computes an intermediate quotient).
std::optional<decimal> divide(decimal a, decimal b, int scale, bool round = true);
std::optional<decimal> multiply(decimal a, decimal b);
int compare(decimal a, decimal b);
std::string format(decimal d);
std::string format_double(double v);  // shortest round-trip text, MariaDB's exponent style

struct value {
  enum class kind : std::uint8_t { null, sint, uint, dbl, dec, temporal, str } k = kind::null;
  std::int64_t i = 0;   // sint, temporal (packed, ordered)
  std::uint64_t u = 0;  // uint
  double d = 0;
  decimal dec;
  std::string_view s;   // str: the bytes compared (a collation weight string, or the raw value)
  bool time = false;    // temporal: a TIME (else a date/datetime)
  bool is_null() const { return k == kind::null; }
};

// A date/datetime ('2026-01-02[ 10:00:00[.5]]') or, with `time`, a TIME ('-01:30:00')
// written as text, as a temporal value.
value parse_temporal(std::string_view text, bool time);

double to_double(const value& v);    // numbers (and numeric strings) as a double
decimal to_decimal(const value& v);  // integers and decimals exactly
// a + b with the server's typing: DOUBLE if either is, else integer, else exact
// decimal; nullopt when a decimal sum leaves 38 digits.
std::optional<value> add_numbers(const value& a, const value& b);

// Decodes a cell of a column. Strings decode to their raw bytes (binary comparison);
// callers with a collation weight string use it instead. Malformed cells decode as
// NULL (a backend never sends them).
value decode(const cell& c, const column_info& col, row_format fmt);

// Total order: NULL first, numbers by value across integer/decimal/double kinds,
// strings by bytes.
int compare(const value& a, const value& b);

// Appends the wire form of `v` for a column of `col` to `out` (without the length
// prefix): integers and decimals as text or fixed-size binary, doubles likewise.
// Only number-valued columns (aggregates) are ever encoded.
void encode(std::string& out, const value& v, const column_info& col, row_format fmt);

// Bytes that are equal exactly when values are equal (hash keys for grouping).
void append_key(std::string& out, const value& v);

}  // namespace shardwire::merger
