#include "proxy/session/prepared.hpp"

#include <cstdio>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "protocol/capabilities.hpp"
#include "protocol/codec.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::proxy {

std::size_t prepared_statement::footprint() const {
  std::size_t n = sizeof(prepared_statement) + sql.size() + digest.size() + cursor_bytes;
  for (const auto& d : param_defs) n += d.size() + sizeof(d);
  for (const auto& d : column_defs) n += d.size() + sizeof(d);
  for (const auto& ld : long_data) n += sizeof(ld) + (ld ? ld->size() : 0);
  return n;
}


namespace {
using protocol::errc;
using protocol::make_error;

namespace t {  // MYSQL_TYPE_*
constexpr std::uint8_t decimal = 0, tiny = 1, short_ = 2, long_ = 3, float_ = 4, double_ = 5, null = 6, timestamp = 7,
                       longlong = 8, int24 = 9, date = 10, time = 11, datetime = 12, year = 13, newdate = 14,
                       newdecimal = 246, tiny_blob = 249, blob = 252;
}

// Bytes of a fixed-size value; 0: length-encoded string; -1: temporal (length byte first).
int width(std::uint8_t type) {
  switch (type) {
    case t::null:
      return -2;
    case t::tiny:
      return 1;
    case t::short_:
    case t::year:
      return 2;
    case t::long_:
    case t::int24:
    case t::float_:
      return 4;
    case t::longlong:
    case t::double_:
      return 8;
    case t::date:
    case t::newdate:
    case t::datetime:
    case t::timestamp:
    case t::time:
      return -1;
    default:
      return 0;
  }
}

std::uint64_t le(std::string_view b) {
  std::uint64_t v = 0;
  for (std::size_t i = b.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

std::int64_t sign_extend(std::uint64_t v, std::size_t bytes) {
  if (bytes >= 8) return static_cast<std::int64_t>(v);
  std::uint64_t sign = 1ull << (bytes * 8 - 1);
  return static_cast<std::int64_t>((v ^ sign) - sign);
}

std::string temporal_text(std::uint8_t type, std::string_view b) {
  // b[0] is the length byte.
  std::string_view v = b.substr(1);
  char buf[64];
  if (type == t::time) {
    bool neg = !v.empty() && v[0];
    unsigned days = v.size() >= 5 ? static_cast<unsigned>(le(v.substr(1, 4))) : 0;
    unsigned h = v.size() >= 6 ? static_cast<unsigned char>(v[5]) : 0;
    unsigned m = v.size() >= 7 ? static_cast<unsigned char>(v[6]) : 0;
    unsigned s = v.size() >= 8 ? static_cast<unsigned char>(v[7]) : 0;
    unsigned us = v.size() >= 12 ? static_cast<unsigned>(le(v.substr(8, 4))) : 0;
    std::snprintf(buf, sizeof buf, "%s%02u:%02u:%02u.%06u", neg ? "-" : "", days * 24 + h, m, s, us);
    return buf;
  }
  unsigned y = v.size() >= 2 ? static_cast<unsigned>(le(v.substr(0, 2))) : 0;
  unsigned mo = v.size() >= 3 ? static_cast<unsigned char>(v[2]) : 0;
  unsigned d = v.size() >= 4 ? static_cast<unsigned char>(v[3]) : 0;
  unsigned h = v.size() >= 5 ? static_cast<unsigned char>(v[4]) : 0;
  unsigned mi = v.size() >= 6 ? static_cast<unsigned char>(v[5]) : 0;
  unsigned s = v.size() >= 7 ? static_cast<unsigned char>(v[6]) : 0;
  unsigned us = v.size() >= 11 ? static_cast<unsigned>(le(v.substr(7, 4))) : 0;
  if (type == t::date || type == t::newdate) {
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", y, mo, d);
  } else {
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02u %02u:%02u:%02u.%06u", y, mo, d, h, mi, s, us);
  }
  return buf;
}

}  // namespace

prepared_statement& prepared_registry::add(std::unique_ptr<prepared_statement> ps) {
  ps->id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  auto& slot = by_id_[ps->id];
  slot = std::move(ps);
  return *slot;
}

prepared_statement* prepared_registry::find(std::uint32_t id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

bool prepared_registry::cursor_open() const {
  for (const auto& [_, ps] : by_id_) {
    if (ps->cursor_open) return true;
  }
  return false;
}

params_result decode_params(protocol::byte_view rest, prepared_statement& ps) {
  bound_params out(ps.params);
  if (ps.params == 0) return out;
  protocol::reader r(rest);
  std::size_t bitmap_len = (ps.params + 7u) / 8u;
  auto bitmap = r.fixed(bitmap_len);
  std::uint8_t bound = r.u8();
  if (!r.ok()) return make_error(errc::wrong_arguments, "mysqld_stmt_execute (truncated parameters)");
  if (bound == 1) {
    ps.types.assign(ps.params, 0);
    for (auto& ty : ps.types) ty = r.u16();
  }
  if (ps.types.size() != ps.params)
    return make_error(errc::wrong_arguments, "mysqld_stmt_execute (no parameter types)");
  for (std::size_t i = 0; i < ps.params; ++i) {
    auto& p = out[i];
    p.type = ps.types[i];
    bool has_long = i < ps.long_data.size() && ps.long_data[i];
    p.null = !has_long && ((static_cast<unsigned char>(bitmap[i / 8]) >> (i % 8)) & 1);
    if (has_long) {
      p.bytes = *ps.long_data[i];
      if (width(p.type & 0xFF) != 0) p.type = 0xFC;  // a blob, whatever was declared (NULL type included)
      continue;
    }
    if (p.null) continue;
    int w = width(static_cast<std::uint8_t>(p.type & 0xFF));
    if (w == -2) {
      p.null = true;
    } else if (w > 0) {
      p.bytes = std::string(r.fixed(static_cast<std::size_t>(w)));
    } else if (w == -1) {
      std::uint8_t n = r.peek();
      p.bytes = std::string(r.fixed(1u + n));
    } else {
      p.bytes = std::string(r.lenenc_str());
    }
    if (!r.ok()) return make_error(errc::wrong_arguments, "mysqld_stmt_execute (truncated parameter value)");
  }
  for (auto& ld : ps.long_data) ld.reset();  // long data is for one execution
  return out;
}

void encode_execute(protocol::bytes& out, std::uint32_t backend_id, std::uint8_t flags, const bound_params& params) {
  protocol::writer w(out);
  w.u8(static_cast<std::uint8_t>(protocol::command::stmt_execute));
  w.u32(backend_id);
  w.u8(flags);
  w.u32(1);
  if (params.empty()) return;
  std::size_t bitmap_at = out.size();
  w.zeros((params.size() + 7) / 8);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].null) out[bitmap_at + i / 8] = static_cast<std::uint8_t>(out[bitmap_at + i / 8] | (1u << (i % 8)));
  }
  w.u8(1);
  for (const auto& p : params) w.u16(p.type);
  for (const auto& p : params) {
    if (p.null) continue;
    int wd = width(static_cast<std::uint8_t>(p.type & 0xFF));
    if (wd == 0) {
      w.lenenc_str(p.bytes);
    } else {
      w.raw(p.bytes);
    }
  }
}

std::string literal_of(const param_value& p, std::string_view charset) {
  if (p.null) return "NULL";
  auto type = static_cast<std::uint8_t>(p.type & 0xFF);
  bool is_unsigned = p.type & 0x8000;
  switch (width(type)) {
    case 1:
    case 2:
    case 4:
    case 8: {
      if (type == t::float_ || type == t::double_) {
        double d;
        if (type == t::float_) {
          float f;
          std::memcpy(&f, p.bytes.data(), 4);
          d = static_cast<double>(f);
        } else {
          std::memcpy(&d, p.bytes.data(), 8);
        }
        if (!std::isfinite(d)) return router::hex_string_literal(std::isnan(d) ? "nan" : "inf", charset);
        char buf[40];
        std::snprintf(buf, sizeof buf, type == t::float_ ? "%.9g" : "%.17g", d);
        std::string s = buf;
        if (s.find_first_of("eE") != std::string::npos || s.find('.') != std::string::npos) return s;
        return s + "e0";  // a DOUBLE literal, as the parameter's type was
      }
      std::uint64_t v = le(p.bytes);
      if (is_unsigned) return std::to_string(v);
      return std::to_string(sign_extend(v, p.bytes.size()));
    }
    case -1: {
      // Printed by the proxy from the binary value: digits, '-', ':', '.' and a space.
      std::string quoted(1, '\'');
      quoted += temporal_text(type, p.bytes);
      quoted += '\'';
      return quoted;
    }
    default:
      if (type == t::decimal || type == t::newdecimal) {
        if (auto n = router::numeric_literal(p.bytes)) return *n;
      }
      // Blobs are binary strings on the server; other strings are in the client's set.
      if (type >= t::tiny_blob && type <= t::blob) return router::hex_string_literal(p.bytes, "binary");
      return router::hex_string_literal(p.bytes, charset);
  }
}

param_value user_variable_param(const std::optional<std::string>& text, const protocol::column_definition& def) {
  param_value p;
  if (!text) return p;  // NULL
  p.null = false;
  p.bytes = *text;
  switch (def.type) {
    case t::tiny:
    case t::short_:
    case t::long_:
    case t::int24:
    case t::longlong: {
      // An integer variable: 8 bytes, signed or unsigned as the server typed it.
      bool is_unsigned = def.flags & 0x20;
      errno = 0;
      char* end = nullptr;
      std::uint64_t v = is_unsigned ? std::strtoull(text->c_str(), &end, 10)
                                    : static_cast<std::uint64_t>(std::strtoll(text->c_str(), &end, 10));
      if (errno != 0 || end == text->c_str() || *end != '\0') {
        p.type = t::newdecimal;
        return p;
      }
      p.type = static_cast<std::uint16_t>(t::longlong | (is_unsigned ? 0x8000 : 0));
      p.bytes.assign(8, '\0');
      for (int i = 0; i < 8; ++i) p.bytes[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
      return p;
    }
    case t::decimal:
    case t::newdecimal:
    case t::float_:
    case t::double_:
      p.type = t::newdecimal;  // the text as a number (checked when printed)
      return p;
    default:
      p.type = def.charset == 63 ? 0xFC : 0xFD;  // binary string or text
      return p;
  }
}

router::shard_value shard_value_of(const param_value& p) {
  using router::shard_value;
  if (p.null) return shard_value::null();
  auto type = static_cast<std::uint8_t>(p.type & 0xFF);
  switch (width(type)) {
    case 1:
    case 2:
    case 4:
    case 8: {
      if (type == t::float_) {
        float f;
        std::memcpy(&f, p.bytes.data(), 4);
        return shard_value::of_double(f);
      }
      if (type == t::double_) {
        double d;
        std::memcpy(&d, p.bytes.data(), 8);
        return shard_value::of_double(d);
      }
      std::uint64_t v = le(p.bytes);
      if (p.type & 0x8000) return shard_value::of_uint(v);
      return shard_value::of_int(sign_extend(v, p.bytes.size()));
    }
    case -1:
      if (type == t::time) return shard_value::of_string(temporal_text(type, p.bytes));
      return shard_value::of_datetime(temporal_text(type, p.bytes));
    default:
      if (type == t::decimal || type == t::newdecimal) return shard_value::of_decimal(p.bytes);
      return shard_value::of_string(p.bytes);
  }
}

}  // namespace shardwire::proxy
