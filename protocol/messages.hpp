// Generic response packets (OK, ERR, EOF) and result-set pieces (column definition,
// text row). Each has an encoder appending a payload and a decoder that checks every
// length against what it was given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "protocol/codec.hpp"
#include "protocol/errors.hpp"

namespace shardwire::protocol {

template <typename T>
using result = boost::system::result<T, errc>;

inline constexpr std::uint8_t ok_header = 0x00;
inline constexpr std::uint8_t eof_header = 0xFE;
inline constexpr std::uint8_t err_header = 0xFF;
inline constexpr std::uint8_t local_infile_header = 0xFB;

struct ok_packet {
  std::uint8_t header = ok_header;  // 0xFE when it terminates a result set (DEPRECATE_EOF)
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t status = 0;
  std::uint16_t warnings = 0;
  std::string info;  // length-encoded on the wire when non-empty (no session tracking negotiated)
  // Decoded only: the server reported a session state change (SERVER_SESSION_STATE_CHANGED,
  // CLIENT_SESSION_TRACK). decode_ok clears the flag from `status` and skips the
  // tracking data, so an encoded packet looks as it does to a client without tracking.
  bool state_changed = false;
  // Encoded only: a session state report block (protocol/session_track.hpp) for a client
  // that negotiated CLIENT_SESSION_TRACK; non-empty sets SERVER_SESSION_STATE_CHANGED.
  // decode_ok never fills it, so a decoded OK re-encodes without the server's report.
  bytes session_state;
};

struct eof_packet {
  std::uint16_t warnings = 0;
  std::uint16_t status = 0;
  bool state_changed = false;  // as in ok_packet
};

void encode_ok(bytes& out, const ok_packet& ok);
void encode_err(bytes& out, const sql_error& err);
void encode_eof(bytes& out, const eof_packet& eof);
result<ok_packet> decode_ok(byte_view payload);
result<sql_error> decode_err(byte_view payload);
result<eof_packet> decode_eof(byte_view payload);

// A 0xFE-headed packet is an EOF or an OK-as-terminator, never a row, when shorter
// than a full packet (a text row starting with 0xFE is a >16 MiB string).
inline bool is_eof_or_terminator(byte_view payload) {
  return !payload.empty() && payload[0] == eof_header && payload.size() < 0xFFFFFF;
}

struct column_definition {
  std::string schema, table, org_table, name, org_name;
  std::uint16_t charset = 33;  // utf8mb3_general_ci
  std::uint32_t length = 0;
  std::uint8_t type = 0xFD;    // VAR_STRING
  std::uint16_t flags = 0;
  std::uint8_t decimals = 0;
  // MariaDB's extended type information (MARIADB_CLIENT_EXTENDED_METADATA): entries
  // `kind(1) lenenc(value)`, 0 the type name (e.g. "inet6"), 1 the format (e.g. "json").
  std::string extended;
};

// `extended_metadata`: the connection negotiated MARIADB_CLIENT_EXTENDED_METADATA, so the
// definition carries the (possibly empty) extended block after org_name.
void encode_column_definition(bytes& out, const column_definition& col, bool extended_metadata = false);
result<column_definition> decode_column_definition(byte_view payload, bool extended_metadata = false);
// A definition from a connection without extended metadata, for a client with it: the
// same bytes with an empty extended block inserted; nullopt when malformed.
std::optional<bytes> with_empty_extended_metadata(byte_view definition);

// Text-protocol row: each column a length-encoded string or 0xFB for NULL.
using text_row = std::vector<std::optional<std::string_view>>;
void encode_text_row(bytes& out, const std::vector<std::optional<std::string>>& row);
result<text_row> decode_text_row(byte_view payload, std::size_t columns);

}  // namespace shardwire::protocol
