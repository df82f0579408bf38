// XA transaction ids as shardwire makes them, and the statements that name them
// (proxy/xa/ and the session's XA commit send them). Pure.
//
// gtrid  "sw:<proxy_id>:<boot>:<seq>"  (boot, seq in hex) — unique across proxies (proxy
//        ids differ) and restarts (a boot never repeats: decision_log), at most 64 bytes
// bqual  "b<n>", the branch's ordinal in its transaction
// formatID 21335 ("SW"): XA RECOVER rows of any other format are not ours
// Every character is from [A-Za-z0-9_.:-], so quoting them as '...' is safe in every
// character set; anything read back that is not is never put into a statement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shardwire::router::xa {

inline constexpr std::int64_t format_id = 21335;

struct xid {
  std::string gtrid;
  std::string bqual;
  // The `'gtrid','bqual',21335` of XA statements.
  std::string sql() const;
};

std::string make_gtrid(std::string_view proxy_id, std::uint64_t boot, std::uint64_t seq);
std::string branch_qualifier(std::size_t ordinal);
bool safe_id_text(std::string_view s);  // non-empty, at most 64 bytes of [A-Za-z0-9_.:-]
// Numbers in ids (and the decision log) are lower-case hex without leading zeros.
std::string hex(std::uint64_t v);
bool parse_hex(std::string_view s, std::uint64_t& out);  // 1..16 hex digits

// What a gtrid says about where it came from.
struct gtrid_parts {
  std::string proxy_id;
  std::uint64_t boot = 0;
  std::uint64_t seq = 0;
};
std::optional<gtrid_parts> parse_gtrid(std::string_view gtrid);

// One row of XA RECOVER (formatID, gtrid_length, bqual_length, data): the xid, if it
// is shardwire's and well formed.
std::optional<xid> from_recover_row(std::int64_t format, std::int64_t gtrid_length, std::int64_t bqual_length,
                                    std::string_view data);

// The statements of a branch's life.
std::string start(const xid& x);     // XA START
std::string end(const xid& x);       // XA END
std::string prepare(const xid& x);   // XA PREPARE
std::string commit(const xid& x, bool one_phase = false);
std::string rollback(const xid& x);
inline constexpr std::string_view recover_sql = "XA RECOVER";

// Server errors that say something about a branch.
inline constexpr std::uint16_t er_xaer_nota = 1397;      // unknown xid: already resolved (or never prepared)
inline constexpr std::uint16_t er_xa_rbrollback = 1402;  // the branch was rolled back
inline constexpr std::uint16_t er_xaer_rmfail = 1399;
inline constexpr std::uint16_t er_xa_rbdeadlock = 1614;
inline constexpr std::uint16_t er_xa_rbtimeout = 1613;

}  // namespace shardwire::router::xa
