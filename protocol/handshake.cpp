#include "protocol/handshake.hpp"

#include <algorithm>

#include "protocol/capabilities.hpp"

namespace shardwire::protocol {

namespace {
// Clients disagree on whether the last string of a packet is NUL-terminated.
std::string_view last_str(reader& r) {
  std::string_view rest = r.rest();
  return rest.substr(0, rest.find('\0'));
}

// The same leniency for the database and plugin name of a HandshakeResponse41:
// MariaDB accepts either of them unterminated when it is the last field (verified
// against 10.11: its net buffer is NUL-terminated and it uses strlen).
std::string_view null_str_or_rest(reader& r) {
  reader probe = r;
  std::string_view s = probe.null_str();
  if (probe.ok()) {
    r = probe;
    return s;
  }
  return r.rest();
}
}  // namespace

void encode_handshake(bytes& out, const handshake_v10& hs) {
  writer w(out);
  w.u8(10);
  w.null_str(hs.server_version);
  w.u32(hs.connection_id);
  bytes data = hs.auth_data;
  data.resize(std::max<std::size_t>(data.size(), 20), 0);
  w.raw(byte_view(data).first(8));
  w.u8(0);
  w.u16(static_cast<std::uint16_t>(hs.capabilities));
  w.u8(hs.charset);
  w.u16(hs.status);
  w.u16(static_cast<std::uint16_t>(hs.capabilities >> 16));
  w.u8(static_cast<std::uint8_t>(data.size() + 1));
  w.zeros(6);  // reserved; MariaDB's extended capabilities in the last 4
  w.u32((hs.capabilities & cap::long_password) ? 0 : hs.mariadb_caps);
  w.raw(byte_view(data).subspan(8));
  w.u8(0);
  w.null_str(hs.auth_plugin);
}

result<handshake_v10> decode_handshake(byte_view payload) {
  reader r(payload);
  handshake_v10 hs;
  if (r.u8() != 10) return errc::bad_handshake;
  hs.server_version = std::string(r.null_str());
  hs.connection_id = r.u32();
  auto part1 = r.fixed(8);
  r.u8();
  hs.capabilities = r.u16();
  hs.charset = r.u8();
  hs.status = r.u16();
  hs.capabilities |= std::uint32_t{r.u16()} << 16;
  std::uint8_t data_len = r.u8();
  r.skip(6);
  std::uint32_t extended = r.u32();
  if (!(hs.capabilities & cap::long_password)) hs.mariadb_caps = extended;
  if (!r.ok()) return errc::malformed_packet;
  hs.auth_data.assign(part1.begin(), part1.end());
  if (hs.capabilities & cap::secure_connection) {
    std::size_t n = std::max<int>(13, data_len - 8);
    auto part2 = r.fixed(n);
    if (!r.ok()) return errc::malformed_packet;
    hs.auth_data.insert(hs.auth_data.end(), part2.begin(), part2.end());
    if (!hs.auth_data.empty() && hs.auth_data.back() == 0) hs.auth_data.pop_back();
  }
  if (hs.capabilities & cap::plugin_auth) hs.auth_plugin = std::string(last_str(r));
  if (!r.ok()) return errc::malformed_packet;
  return hs;
}

void encode_handshake_response(bytes& out, const handshake_response& hr) {
  writer w(out);
  w.u32(hr.capabilities);
  w.u32(hr.max_packet);
  w.u8(hr.charset);
  w.zeros(19);
  w.u32((hr.capabilities & cap::long_password) ? 0 : hr.mariadb_caps);
  w.null_str(hr.user);
  if (hr.capabilities & cap::plugin_auth_lenenc_data) {
    w.lenenc_int(hr.auth_response.size());
  } else {
    w.u8(static_cast<std::uint8_t>(hr.auth_response.size()));
  }
  w.raw(hr.auth_response);
  if (hr.capabilities & cap::connect_with_db) w.null_str(hr.database);
  if (hr.capabilities & cap::plugin_auth) w.null_str(hr.auth_plugin);
  if (hr.capabilities & cap::connect_attrs) {
    bytes attrs;
    writer aw(attrs);
    for (const auto& [k, v] : hr.attributes) {
      aw.lenenc_str(k);
      aw.lenenc_str(v);
    }
    w.lenenc_int(attrs.size());
    w.raw(attrs);
  }
}

bool is_ssl_request(byte_view payload) {
  if (payload.size() != ssl_request_size) return false;
  reader r(payload);
  return (r.u32() & cap::ssl) != 0;
}

void encode_ssl_request(bytes& out, const handshake_response& r) {
  writer w(out);
  w.u32(r.capabilities | cap::ssl);
  w.u32(r.max_packet);
  w.u8(r.charset);
  w.zeros(19);
  w.u32((r.capabilities & cap::long_password) ? 0 : r.mariadb_caps);
}

result<handshake_response> decode_handshake_response(byte_view payload) {
  reader r(payload);
  handshake_response hr;
  hr.capabilities = r.u32();
  if (r.ok() && !(hr.capabilities & cap::protocol_41)) return errc::auth_mode_unsupported;
  hr.max_packet = r.u32();
  hr.charset = r.u8();
  r.skip(19);
  std::uint32_t extended = r.u32();
  if (!(hr.capabilities & cap::long_password)) hr.mariadb_caps = extended;
  if (!r.ok()) return errc::malformed_packet;
  hr.user = std::string(r.null_str());
  std::string_view auth;
  if (hr.capabilities & cap::plugin_auth_lenenc_data) {
    auth = r.lenenc_str();
  } else if (hr.capabilities & cap::secure_connection) {
    auth = r.fixed(r.u8());
  } else {
    auth = r.null_str();
  }
  if (!r.ok()) return errc::malformed_packet;
  hr.auth_response.assign(auth.begin(), auth.end());
  if (hr.capabilities & cap::connect_with_db) {
    hr.database = std::string(r.at_end() ? std::string_view{} : null_str_or_rest(r));
  }
  if ((hr.capabilities & cap::plugin_auth) && !r.at_end()) {
    hr.auth_plugin = std::string(null_str_or_rest(r));
  }
  if (!r.ok()) return errc::malformed_packet;
  if ((hr.capabilities & cap::connect_attrs) && !r.at_end()) {
    auto block = r.lenenc_str();
    if (!r.ok()) return errc::malformed_packet;
    auto attrs = decode_connect_attrs(as_bytes(block));
    if (!attrs) return attrs.error();
    hr.attributes = std::move(*attrs);
  }
  return hr;
}

result<std::vector<std::pair<std::string, std::string>>> decode_connect_attrs(byte_view block) {
  std::vector<std::pair<std::string, std::string>> out;
  reader ar(block);
  while (ar.ok() && !ar.at_end()) {
    auto k = ar.lenenc_str();
    auto v = ar.lenenc_str();
    if (ar.ok()) out.emplace_back(k, v);
  }
  if (!ar.ok()) return errc::malformed_packet;
  return out;
}

void encode_auth_switch(bytes& out, const auth_switch_request& a) {
  writer w(out);
  w.u8(0xFE);
  w.null_str(a.plugin);
  w.raw(a.data);
  w.u8(0);
}

result<auth_switch_request> decode_auth_switch(byte_view payload) {
  reader r(payload);
  if (r.u8() != 0xFE) return errc::malformed_packet;
  auth_switch_request a;
  a.plugin = std::string(r.null_str());
  auto data = r.rest();
  if (!r.ok()) return errc::malformed_packet;
  a.data.assign(data.begin(), data.end());
  if (!a.data.empty() && a.data.back() == 0) a.data.pop_back();
  return a;
}

}  // namespace shardwire::protocol
