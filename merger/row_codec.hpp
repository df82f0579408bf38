// Row packets <-> cells, for both result-set formats: the text protocol (COM_QUERY:
// each column a length-encoded string or 0xFB) and the binary protocol
// (COM_STMT_EXECUTE: 0x00, a NULL bitmap with offset 2, then typed values).
#pragma once

#include "merger/value.hpp"

namespace shardwire::merger {

// Splits a row payload into one cell per column of `cols`; false when malformed.
// Cells point into `payload`.
bool split_row(protocol::byte_view payload, const std::vector<column_info>& cols, row_format fmt, row& out);

// Appends the payload of a row made of the first `count` cells.
void encode_row(protocol::bytes& out, const row& r, std::size_t count, const std::vector<column_info>& cols,
                row_format fmt);

// Appends the binary-protocol payload of a text-protocol row's first `count` cells: a
// prepared statement's result computed by the nodes as text, for a client that
// executed it in the binary protocol.
void encode_text_row_as_binary(protocol::bytes& out, const row& r, std::size_t count,
                               const std::vector<column_info>& cols);

}  // namespace shardwire::merger
