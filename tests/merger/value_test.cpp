#include <catch2/catch.hpp>

#include "merger/row_codec.hpp"
#include "merger/value.hpp"

using namespace shardwire::merger;

namespace {
value text_value(std::string_view s, std::uint8_t t, std::uint16_t flags = 0) {
  return decode(cell{s, false}, column_info{t, flags, 0, 45}, row_format::text);
}
}  // namespace

TEST_CASE("decimal arithmetic is exact and rounds half away from zero") {
  auto d = [](std::string_view s) { return *parse_decimal(s); };
  CHECK(format(d("0012.340")) == "12.340");
  CHECK(format(d("-0.05")) == "-0.05");
  CHECK(format(d(".5")) == "0.5");
  CHECK_FALSE(parse_decimal("1e5"));
  CHECK_FALSE(parse_decimal(""));
  CHECK_FALSE(parse_decimal("123456789012345678901234567890123456789"));  // 39 digits
  CHECK(format(*add(d("1.25"), d("-3.5"))) == "-2.25");
  CHECK(format(*rescale(d("2.345"), 2)) == "2.35");
  CHECK(format(*rescale(d("-2.345"), 2)) == "-2.35");
  CHECK(format(*divide(d("10"), d("3"), 4)) == "3.3333");
  CHECK(format(*divide(d("-2"), d("3"), 4)) == "-0.6667");
  CHECK(format(*divide(d("1.50"), d("2"), 6)) == "0.750000");
  CHECK_FALSE(divide(d("1"), d("0"), 4));
  CHECK(compare(d("1.50"), d("1.5")) == 0);
  CHECK(compare(d("-1"), d("0.001")) < 0);
  CHECK_FALSE(add(d("99999999999999999999999999999999999999"), d("1")));  // beyond 38 digits: refused
}

TEST_CASE("doubles print like the server's shortest form") {
  CHECK(format_double(1.5) == "1.5");
  CHECK(format_double(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_double(1e20) == "1e20");
  CHECK(format_double(1.5e-7) == "1.5e-7");
}

TEST_CASE("values compare across numeric kinds, NULL first") {
  CHECK(compare(text_value("-5", type::longlong), text_value("3", type::longlong)) < 0);
  CHECK(compare(text_value("18446744073709551615", type::longlong, unsigned_flag),
                text_value("1", type::longlong, unsigned_flag)) > 0);
  CHECK(compare(text_value("2.50", type::newdecimal), text_value("2.5", type::double_)) == 0);
  CHECK(compare(text_value("2", type::longlong), text_value("1.99", type::newdecimal)) > 0);
  CHECK(compare(value{}, text_value("-100", type::longlong)) < 0);
  CHECK(compare(value{}, value{}) == 0);
  CHECK(compare(text_value("abc", type::var_string), text_value("abd", type::var_string)) < 0);
  CHECK(compare(text_value("ab", type::var_string), text_value("abc", type::var_string)) < 0);
}

TEST_CASE("temporal values order the same in text and binary form") {
  CHECK(compare(text_value("2026-01-02 00:00:00", type::datetime), text_value("2026-01-01 23:59:59.999999", type::datetime)) > 0);
  CHECK(compare(text_value("-01:00:00", type::time), text_value("00:00:01", type::time)) < 0);
  CHECK(compare(text_value("100:00:00", type::time), text_value("99:59:59", type::time)) > 0);
  // binary DATETIME 2026-01-02 03:04:05.000006, and TIME -1 day 02:00:00
  const char dt[] = {11, static_cast<char>(0xEA), 0x07, 1, 2, 3, 4, 5, 6, 0, 0, 0};
  value b = decode(cell{std::string_view(dt, sizeof dt), false}, column_info{type::datetime, 0, 6, 63}, row_format::binary);
  CHECK(compare(b, text_value("2026-01-02 03:04:05.000006", type::datetime)) == 0);
  const char tm[] = {8, 1, 1, 0, 0, 0, 2, 0, 0};
  value t = decode(cell{std::string_view(tm, sizeof tm), false}, column_info{type::time, 0, 0, 63}, row_format::binary);
  CHECK(compare(t, text_value("-26:00:00", type::time)) == 0);
  value zero = decode(cell{std::string_view("\0", 1), false}, column_info{type::date, 0, 0, 63}, row_format::binary);
  CHECK(compare(zero, text_value("0000-00-00", type::date)) == 0);
}

TEST_CASE("binary rows split and encode with their NULL bitmap") {
  std::vector<column_info> cols = {{type::longlong, 0, 0, 63}, {type::var_string, 0, 0, 45}, {type::tiny, 0, 0, 63}};
  row r = {cell{std::string_view("\x2a\0\0\0\0\0\0\0", 8), false}, cell{}, cell{"\x05", false}};
  shardwire::protocol::bytes payload;
  encode_row(payload, r, 3, cols, row_format::binary);
  CHECK(payload.size() == 1 + 1 + 8 + 1);
  CHECK(payload[1] == (1 << 3));  // column 1 NULL: bit 1 + 2
  row back;
  REQUIRE(split_row(payload, cols, row_format::binary, back));
  CHECK(back[1].null);
  CHECK(decode(back[0], cols[0], row_format::binary).i == 42);
  CHECK(decode(back[2], cols[2], row_format::binary).i == 5);
  payload.pop_back();  // truncated
  CHECK_FALSE(split_row(payload, cols, row_format::binary, back));
}

TEST_CASE("grouping keys are equal exactly when values are") {
  std::string a, b;
  append_key(a, text_value("1.50", type::newdecimal));
  append_key(b, text_value("1.5", type::newdecimal));
  CHECK(a == b);
  a.clear();
  b.clear();
  append_key(a, text_value("ab", type::var_string));
  append_key(b, text_value("a", type::var_string));
  CHECK(a != b);
}

TEST_CASE("aggregate values encode for their column") {
  std::string out;
  value v = text_value("7", type::longlong);
  encode(out, v, column_info{type::newdecimal, 0, 2, 63}, row_format::text);
  CHECK(out == "7.00");
  out.clear();
  encode(out, v, column_info{type::longlong, 0, 0, 63}, row_format::binary);
  CHECK(out == std::string("\x07\0\0\0\0\0\0\0", 8));
  out.clear();
  encode(out, text_value("2.5", type::double_), column_info{type::double_, 0, 2, 63}, row_format::text);
  CHECK(out == "2.50");
}
