// protocol/messages: every generic-response decoder (OK, ERR, EOF, column definition,
// text row) on the same bytes, as a backend or a client could send them. What decodes
// must encode and decode again to the same fields; an EOF re-encodes to its exact bytes.
#include <algorithm>
#include <cstdint>

#include "protocol/capabilities.hpp"
#include "protocol/messages.hpp"
#include "protocol/session_track.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire::protocol;

namespace {
void ok_packets(byte_view p) {
  auto ok = decode_ok(p);
  if (!ok) return;
  FUZZ_CHECK(ok->header == ok_header || ok->header == eof_header, "OK header");
  bytes out;
  encode_ok(out, *ok);
  auto again = decode_ok(out);
  FUZZ_CHECK(again && again->header == ok->header && again->affected_rows == ok->affected_rows &&
                 again->last_insert_id == ok->last_insert_id && again->status == ok->status &&
                 again->warnings == ok->warnings && again->info == ok->info,
             "OK round trip");
  FUZZ_CHECK(!again->state_changed && !(again->status & status::session_state_changed),
             "an encoded OK carries no session-state report");
  // A report block found in the packet, filtered and re-encoded, is found again whole.
  auto block = session_track::block_of(p);
  if (!block) return;
  auto kept = session_track::without(*block, session_track::type::state_change);
  if (!kept) return;
  FUZZ_CHECK(kept->size() <= block->size(), "filtering never grows a report");
  ok->session_state = *kept;
  out.clear();
  encode_ok(out, *ok);
  auto found = session_track::block_of(out);
  FUZZ_CHECK(found && bytes(found->begin(), found->end()) == *kept, "a report round trip");
}

void err_packets(byte_view p) {
  auto e = decode_err(p);
  if (!e) return;
  FUZZ_CHECK(e->sqlstate.size() == 5, "SQLSTATE has 5 characters");
  bytes out;
  encode_err(out, *e);
  auto again = decode_err(out);
  FUZZ_CHECK(again && again->code == e->code && again->sqlstate == e->sqlstate && again->message == e->message,
             "ERR round trip");
}

void eof_packets(byte_view p) {
  auto e = decode_eof(p);
  if (!e) return;
  FUZZ_CHECK(is_eof_or_terminator(p), "an EOF is a terminator");
  FUZZ_CHECK(!(e->status & status::session_state_changed), "the session-state flag is taken out of the status");
  bytes out;
  encode_eof(out, *e);
  // Exactly, but for the session-state flag (status byte 2 of 2, bit 0x40), which is
  // never passed on to clients.
  bytes expected(p.begin(), p.end());
  if (e->state_changed) expected[4] = static_cast<std::uint8_t>(expected[4] & ~0x40);
  FUZZ_CHECK(out == expected, "EOF re-encodes exactly, without the session-state flag");
}

void column_definitions(byte_view p) {
  auto c = decode_column_definition(p);
  if (!c) return;
  bytes out;
  encode_column_definition(out, *c);
  auto again = decode_column_definition(out);
  FUZZ_CHECK(again && again->schema == c->schema && again->table == c->table && again->org_table == c->org_table &&
                 again->name == c->name && again->org_name == c->org_name && again->charset == c->charset &&
                 again->length == c->length && again->type == c->type && again->flags == c->flags &&
                 again->decimals == c->decimals,
             "column definition round trip");
  // The same definition as a server without extended metadata sends it, for a client
  // with it: an empty extended block inserted, every other field unchanged.
  auto with = with_empty_extended_metadata(p);
  FUZZ_CHECK(with.has_value(), "a definition that decodes takes an extended block");
  auto ext = decode_column_definition(*with, true);
  FUZZ_CHECK(ext && ext->extended.empty() && ext->name == c->name && ext->type == c->type && ext->flags == c->flags,
             "an inserted empty extended block");
  // Decoded with extended metadata, encoded and decoded again: the block survives.
  if (auto e = decode_column_definition(p, true)) {
    out.clear();
    encode_column_definition(out, *e, true);
    auto back = decode_column_definition(out, true);
    FUZZ_CHECK(back && back->extended == e->extended && back->name == e->name, "extended round trip");
  }
}

void text_rows(byte_view p, std::size_t columns) {
  auto row = decode_text_row(p, columns);
  if (!row) return;
  FUZZ_CHECK(row->size() == columns, "one cell per column");
  std::vector<std::optional<std::string>> owned;
  for (const auto& c : *row) owned.push_back(c ? std::optional<std::string>(std::string(*c)) : std::nullopt);
  bytes out;
  encode_text_row(out, owned);
  FUZZ_CHECK(out.size() <= p.size(), "the minimal encoding is never longer");
  auto again = decode_text_row(out, columns);
  FUZZ_CHECK(again && *again == *row, "text row round trip");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_view p(data, size);
  ok_packets(p);
  err_packets(p);
  eof_packets(p);
  column_definitions(p);
  (void)is_eof_or_terminator(p);
  // A row of as many columns as the payload holds cells, and a few fixed counts.
  std::size_t cells = 0;
  for (reader r(p); r.ok() && !r.at_end(); ++cells) (void)r.lenenc_nullable();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, cells}) text_rows(p, n);
  return 0;
}
