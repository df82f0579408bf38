// merger/row_codec and merger/value: rows of a shard's result set, text or binary
// protocol, split against fuzzer-chosen column definitions, then every cell decoded,
// compared, hashed and (numbers, as aggregates are) encoded again.
// Input: flags (bit 0: binary rows), a column count (< 48), per column a type, flags
// and decimals byte, then the row payload.
#include <cstdint>
#include <iterator>

#include "merger/row_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire;
using namespace shardwire::merger;
using shardwire::fuzz::choices;

namespace {
constexpr std::uint8_t types[] = {
    type::decimal,   type::tiny,        type::short_,    type::long_, type::float_,     type::double_,  type::null,
    type::timestamp, type::longlong,    type::int24,     type::date,  type::time,       type::datetime, type::year,
    type::newdate,   type::varchar,     type::bit,       type::json,  type::newdecimal, type::enum_,    type::set,
    type::tiny_blob, type::medium_blob, type::long_blob, type::blob,  type::var_string, type::string,   type::geometry};

bool same_cells(const row& a, const row& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].null != b[i].null || (!a[i].null && a[i].bytes != b[i].bytes)) return false;
  }
  return true;
}

bool inside(std::string_view cell, protocol::byte_view payload) {
  auto* b = reinterpret_cast<const char*>(payload.data());
  return cell.empty() || (cell.data() >= b && cell.data() + cell.size() <= b + payload.size());
}

bool numeric(const value& v) {
  using k = value::kind;
  return v.k == k::sint || v.k == k::uint || v.k == k::dbl || v.k == k::dec;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  choices in(data, size);
  row_format fmt = in.u8() & 1 ? row_format::binary : row_format::text;
  std::vector<column_info> cols(in.u8() % 48);
  for (auto& c : cols) {
    c.type = types[in.u8() % std::size(types)];
    std::uint8_t f = in.u8();
    c.flags = f & 1 ? unsigned_flag : 0;
    c.charset = f & 2 ? 63 : 45;  // binary or utf8mb4
    c.decimals = in.u8();
  }
  protocol::byte_view payload = in.rest();
  row cells;
  if (!split_row(payload, cols, fmt, cells)) return 0;
  FUZZ_CHECK(cells.size() == cols.size(), "one cell per column");
  for (const auto& c : cells) FUZZ_CHECK(inside(c.bytes, payload), "cells point into the payload");

  // The row written back splits into the same cells.
  protocol::bytes out;
  encode_row(out, cells, cells.size(), cols, fmt);
  row again;
  FUZZ_CHECK(split_row(out, cols, fmt, again) && same_cells(cells, again), "row round trip");
  if (fmt == row_format::text) {
    // A text row served to a client that executed in the binary protocol.
    protocol::bytes bin;
    encode_text_row_as_binary(bin, cells, cells.size(), cols);
    row split;
    FUZZ_CHECK(split_row(bin, cols, row_format::binary, split), "a text row as binary splits");
    for (std::size_t i = 0; i < cells.size(); ++i) FUZZ_CHECK(split[i].null == cells[i].null, "same NULLs");
  }

  std::vector<value> values;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    value v = decode(cells[i], cols[i], fmt);
    if (cells[i].null) FUZZ_CHECK(v.is_null(), "NULL decodes as NULL");
    FUZZ_CHECK(compare(v, v) == 0, "a value equals itself");
    std::string key;
    append_key(key, v);
    if (numeric(v)) {
      std::string enc;
      encode(enc, v, cols[i], fmt);
      (void)to_double(v);
    }
    values.push_back(v);
  }
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    int ab = compare(values[i], values[i + 1]), ba = compare(values[i + 1], values[i]);
    FUZZ_CHECK(ab == -ba, "compare is antisymmetric");
    if (numeric(values[i]) && numeric(values[i + 1])) (void)add_numbers(values[i], values[i + 1]);
  }
  return 0;
}
