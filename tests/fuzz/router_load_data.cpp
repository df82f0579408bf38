// router/load_data: any LOAD DATA text parses or is refused, and a parsed one prints node
// statements that lex cleanly; the splitter is total and cuts a file into the same records
// whether it arrives whole or in pieces of any size, and (without LINES STARTING BY) its
// records are exactly the file's bytes, in order, each within the record limit.
// Input: statement text, a NUL, one byte of piece size, then the file.
#include <cstdint>
#include <string>

#include "router/lexer.hpp"
#include "router/load_data.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire::router;

namespace {
struct cut {
  std::string bytes;
  std::size_t fields;
  std::vector<std::optional<std::string>> values;
  bool operator==(const cut&) const = default;
};

std::vector<cut> split_all(const load_format& f, std::string_view file, std::size_t piece, bool& error) {
  load_splitter s(f, {0, 1, 2}, 4096);
  std::vector<cut> out;
  for (std::size_t at = 0;; at += piece) {
    if (at < file.size()) s.feed(file.substr(at, piece));
    bool last = at + piece >= file.size();
    if (last) s.finish();
    while (auto r = s.next()) {
      FUZZ_CHECK(r->bytes.size() <= 4096, "a record within the limit");
      out.push_back({std::string(r->bytes), r->fields, r->values});
    }
    if (s.error()) {
      error = true;
      return out;
    }
    if (last) return out;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nul = in.find('\0');
  std::string_view sql = in.substr(0, nul);
  std::string_view rest = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);
  std::size_t piece = rest.empty() ? 1 : static_cast<unsigned char>(rest[0]) % 17 + 1;
  std::string_view file = rest.empty() ? rest : rest.substr(1);

  load_format f;  // the defaults, or the statement's
  if (auto s = parse_load_data(sql)) {
    f = s->format;
    std::string node = load_node_statement(*s, "db`0", "t`1", {"k`ey"});
    auto toks = lex(node);
    FUZZ_CHECK(!toks.empty() && toks.back().kind == token_kind::end, "a node statement lexes cleanly");
    FUZZ_CHECK(!f.line_term.empty(), "a line terminator");
  }
  if (f.line_term.empty()) return 0;
  bool whole_error = false, piece_error = false;
  auto whole = split_all(f, file, file.size() + 1, whole_error);
  auto pieces = split_all(f, file, piece, piece_error);
  if (whole_error || piece_error) return 0;  // a record over the limit: refused either way
  FUZZ_CHECK(whole == pieces, "the same records whatever the pieces");
  if (f.line_start.empty()) {
    std::string joined;
    for (const auto& c : whole) joined += c.bytes;
    FUZZ_CHECK(joined == file, "the records are the file");
  }
  return 0;
}
