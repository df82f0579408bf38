#include "router/xa_sql.hpp"

#include <charconv>

namespace shardwire::router::xa {

std::string hex(std::uint64_t v) {
  char buf[17];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  return std::string(buf, r.ptr);
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool safe_id_text(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string xid::sql() const {
  std::string s = "'";
  s.append(gtrid).append("','").append(bqual).append("',").append(std::to_string(format_id));
  return s;
}

std::string make_gtrid(std::string_view proxy_id, std::uint64_t boot, std::uint64_t seq) {
  std::string g = "sw:";
  g.append(proxy_id);
  g += ':';
  g += hex(boot);
  g += ':';
  g += hex(seq);
  return g;
}

std::string branch_qualifier(std::size_t ordinal) {
  std::string s = "b";
  s.append(std::to_string(ordinal));
  return s;
}

std::optional<gtrid_parts> parse_gtrid(std::string_view g) {
  if (!safe_id_text(g) || g.substr(0, 3) != "sw:") return std::nullopt;
  g.remove_prefix(3);
  auto last = g.rfind(':');
  if (last == std::string_view::npos) return std::nullopt;
  auto mid = g.rfind(':', last - 1);
  if (last == 0 || mid == std::string_view::npos || mid == 0) return std::nullopt;
  gtrid_parts p;
  p.proxy_id = std::string(g.substr(0, mid));
  if (!parse_hex(g.substr(mid + 1, last - mid - 1), p.boot) || !parse_hex(g.substr(last + 1), p.seq)) return std::nullopt;
  return p;
}

std::optional<xid> from_recover_row(std::int64_t format, std::int64_t gtrid_length, std::int64_t bqual_length,
                                    std::string_view data) {
  if (format != format_id || gtrid_length <= 0 || bqual_length < 0 || gtrid_length > 64 || bqual_length > 64 ||
      static_cast<std::size_t>(gtrid_length + bqual_length) != data.size()) {
    return std::nullopt;
  }
  xid x{std::string(data.substr(0, static_cast<std::size_t>(gtrid_length))),
        std::string(data.substr(static_cast<std::size_t>(gtrid_length)))};
  if (!parse_gtrid(x.gtrid) || !safe_id_text(x.bqual)) return std::nullopt;
  return x;
}

namespace {
std::string statement(std::string_view verb, const xid& x, std::string_view tail = {}) {
  std::string s(verb);
  s.append(x.sql()).append(tail);
  return s;
}
}  // namespace

std::string start(const xid& x) { return statement("XA START ", x); }
std::string end(const xid& x) { return statement("XA END ", x); }
std::string prepare(const xid& x) { return statement("XA PREPARE ", x); }
std::string commit(const xid& x, bool one_phase) { return statement("XA COMMIT ", x, one_phase ? " ONE PHASE" : ""); }
std::string rollback(const xid& x) { return statement("XA ROLLBACK ", x); }

}  // namespace shardwire::router::xa
