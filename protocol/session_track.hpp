// Session state reports (CLIENT_SESSION_TRACK): the block an OK packet carries after its
// info when SERVER_SESSION_STATE_CHANGED is set, a sequence of entries
// `type(1) lenenc(data)`. Backends always report (the proxy's own witness of state a
// statement's text does not show); a client that asked for reports gets the server's,
// less what only the proxy asked for. Pure code: bounded by the bytes given.
#pragma once

#include <optional>
#include <string_view>

#include "protocol/codec.hpp"

namespace shardwire::protocol::session_track {

enum class type : std::uint8_t {
  system_variables = 0,  // lenenc name, lenenc value
  schema = 1,            // lenenc name
  state_change = 2,      // lenenc "1"
  gtids = 3,
  transaction_characteristics = 4,
  transaction_state = 5,
};

// The report block of an OK payload (the entries, without the block's own length);
// empty when the OK carries none, nullopt when the packet is malformed.
std::optional<byte_view> block_of(byte_view ok_payload);

// `block` without its entries of type `drop`; nullopt when `block` is malformed.
std::optional<bytes> without(byte_view block, type drop);

// Appends a schema entry (SESSION_TRACK_SCHEMA) to `block`.
void append_schema(bytes& block, std::string_view schema);

}  // namespace shardwire::protocol::session_track
