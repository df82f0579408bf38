#include "protocol/capabilities.hpp"
#include "protocol/messages.hpp"

namespace shardwire::protocol {

void encode_ok(bytes& out, const ok_packet& ok) {
  writer w(out);
  w.u8(ok.header);
  w.lenenc_int(ok.affected_rows);
  w.lenenc_int(ok.last_insert_id);
  bool report = !ok.session_state.empty();
  w.u16(report ? static_cast<std::uint16_t>(ok.status | status::session_state_changed) : ok.status);
  w.u16(ok.warnings);
  // Servers send info length-encoded even without CLIENT_SESSION_TRACK (MySQL's and
  // MariaDB's net_send_ok use net_store_data; libmariadb reads it with
  // net_field_length), despite the "string<EOF>" in MySQL's protocol docs.
  if (!ok.info.empty() || report) w.lenenc_str(ok.info);
  if (report) w.lenenc_str(as_chars(ok.session_state));
}

void encode_err(bytes& out, const sql_error& err) {
  writer w(out);
  w.u8(err_header);
  w.u16(err.code);
  w.u8('#');
  std::string state = err.sqlstate;
  state.resize(5, '0');
  w.raw(state);
  w.raw(err.message);
}

void encode_eof(bytes& out, const eof_packet& eof) {
  writer w(out);
  w.u8(eof_header);
  w.u16(eof.warnings);
  w.u16(eof.status);
}

result<ok_packet> decode_ok(byte_view payload) {
  reader r(payload);
  ok_packet ok;
  ok.header = r.u8();
  if (ok.header != ok_header && ok.header != eof_header) return errc::malformed_packet;
  ok.affected_rows = r.lenenc_int();
  ok.last_insert_id = r.lenenc_int();
  // Pre-4.1 servers may stop here; we require protocol 4.1, so status is mandatory.
  ok.status = r.u16();
  ok.state_changed = (ok.status & status::session_state_changed) != 0;
  ok.status &= static_cast<std::uint16_t>(~status::session_state_changed);
  ok.warnings = r.u16();
  // info is a length-encoded string when present (see encode_ok); MariaDB 10.11 sends
  // e.g. "26 52 65 63 ..." = lenenc "Records: 3  Duplicates: 0  Warnings: 1".
  if (r.ok() && !r.at_end()) ok.info = std::string(r.lenenc_str());
  if (!r.ok()) return errc::malformed_packet;
  return ok;
}

result<sql_error> decode_err(byte_view payload) {
  reader r(payload);
  if (r.u8() != err_header) return errc::malformed_packet;
  sql_error e;
  e.code = r.u16();
  if (r.ok() && r.peek() == '#') {
    r.u8();
    e.sqlstate = std::string(r.fixed(5));
  } else {
    e.sqlstate = "HY000";  // progress/old-style errors carry no state marker
  }
  e.message = std::string(r.rest());
  if (!r.ok()) return errc::malformed_packet;
  return e;
}

result<eof_packet> decode_eof(byte_view payload) {
  reader r(payload);
  if (r.u8() != eof_header || payload.size() > 5) return errc::malformed_packet;
  eof_packet e;
  e.warnings = r.u16();
  e.status = r.u16();
  e.state_changed = (e.status & status::session_state_changed) != 0;
  e.status &= static_cast<std::uint16_t>(~status::session_state_changed);
  if (!r.ok()) return errc::malformed_packet;
  return e;
}

void encode_column_definition(bytes& out, const column_definition& c, bool extended_metadata) {
  writer w(out);
  w.lenenc_str("def");
  w.lenenc_str(c.schema);
  w.lenenc_str(c.table);
  w.lenenc_str(c.org_table);
  w.lenenc_str(c.name);
  w.lenenc_str(c.org_name);
  if (extended_metadata) w.lenenc_str(c.extended);
  w.lenenc_int(0x0C);  // length of the fixed-size fields that follow
  w.u16(c.charset);
  w.u32(c.length);
  w.u8(c.type);
  w.u16(c.flags);
  w.u8(c.decimals);
  w.u16(0);
}

result<column_definition> decode_column_definition(byte_view payload, bool extended_metadata) {
  reader r(payload);
  column_definition c;
  if (r.lenenc_str() != "def") return errc::malformed_packet;
  c.schema = std::string(r.lenenc_str());
  c.table = std::string(r.lenenc_str());
  c.org_table = std::string(r.lenenc_str());
  c.name = std::string(r.lenenc_str());
  c.org_name = std::string(r.lenenc_str());
  if (extended_metadata) c.extended = std::string(r.lenenc_str());
  if (r.lenenc_int() < 0x0C) return errc::malformed_packet;
  c.charset = r.u16();
  c.length = r.u32();
  c.type = r.u8();
  c.flags = r.u16();
  c.decimals = r.u8();
  r.skip(2);
  if (!r.ok()) return errc::malformed_packet;
  return c;
}

std::optional<bytes> with_empty_extended_metadata(byte_view definition) {
  reader r(definition);
  for (int i = 0; i < 6; ++i) r.lenenc_str();  // catalog .. org_name
  if (!r.ok()) return std::nullopt;
  bytes out(definition.begin(), definition.begin() + static_cast<std::ptrdiff_t>(r.position()));
  out.push_back(0);
  out.insert(out.end(), definition.begin() + static_cast<std::ptrdiff_t>(r.position()), definition.end());
  return out;
}

void encode_text_row(bytes& out, const std::vector<std::optional<std::string>>& row) {
  writer w(out);
  for (const auto& v : row) {
    if (v) {
      w.lenenc_str(*v);
    } else {
      w.u8(0xFB);
    }
  }
}

result<text_row> decode_text_row(byte_view payload, std::size_t columns) {
  reader r(payload);
  text_row row;
  row.reserve(columns);
  for (std::size_t i = 0; i < columns && r.ok(); ++i) row.push_back(r.lenenc_nullable());
  if (!r.ok() || !r.at_end()) return errc::malformed_packet;
  return row;
}

}  // namespace shardwire::protocol
