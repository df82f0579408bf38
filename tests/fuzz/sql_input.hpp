// The SQL targets' input: plain statement text, so the seed corpora are readable .sql
// files. A first byte below 0x10 (never the start of a seed) is not SQL but the
// fuzzer's choice of options for the rest: bit 0 ANSI_QUOTES, bit 1 NO_BACKSLASH_ESCAPES,
// bits 2-3 for the target.
#pragma once

#include <cstdint>
#include <string_view>

#include "router/lexer.hpp"

namespace shardwire::fuzz {

struct sql_input {
  std::string_view sql;
  router::lex_options opts;
  std::uint8_t flags = 0;
};

inline sql_input split_sql_input(const std::uint8_t* data, std::size_t size) {
  sql_input in;
  in.sql = {reinterpret_cast<const char*>(data), size};
  if (size > 0 && data[0] < 0x10) {
    in.flags = data[0];
    in.sql.remove_prefix(1);
  }
  in.opts.ansi_quotes = in.flags & 1;
  in.opts.backslash_escapes = !(in.flags & 2);
  return in;
}

}  // namespace shardwire::fuzz
