// Recognizes `KILL [HARD|SOFT] [CONNECTION|QUERY] [ID] <n>` and `KILL ... USER ...`.
// The proxy must translate KILL: clients name the connection id the proxy gave them in
// the handshake, which means nothing (or another client's thread) on a backend.
// Pure code, no I/O; the full SQL parser will subsume it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shardwire::router {

struct kill_statement {
  // unsupported: a KILL we will not translate (expressions, batches): refuse it, never
  // forward it, or it would hit whatever backend thread has that number.
  enum class target { connection, query, query_id, user, unsupported } kind = target::connection;
  std::string modifier;   // "HARD", "SOFT" or empty
  std::uint64_t id = 0;   // connection id (or query id for query_id)
};

// nullopt when `sql` does not start with the KILL keyword (versioned comments are code).
// Lexes the whole text: call it for statements the analysis found KILL in.
std::optional<kill_statement> parse_kill(std::string_view sql);

}  // namespace shardwire::router
