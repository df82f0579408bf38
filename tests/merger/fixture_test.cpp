// Every operator on fake shard streams written as JSON fixtures (tests/merger/cases):
// columns, the shards' rows, a merge_spec, and the rows (or error) expected. Each
// fixture runs in both row formats, once with rows always available and once with a
// need_input before every row, so the resume paths of every operator are exercised.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "merger/operators.hpp"
#include "merger/row_codec.hpp"

using namespace shardwire::merger;
using nlohmann::json;

namespace {

const std::map<std::string, std::uint8_t> type_names = {
    {"tiny", type::tiny},         {"short", type::short_},      {"long", type::long_},
    {"longlong", type::longlong}, {"float", type::float_},      {"double", type::double_},
    {"decimal", type::newdecimal}, {"date", type::date},        {"datetime", type::datetime},
    {"time", type::time},         {"varchar", type::var_string}, {"blob", type::blob}};

column_info column_from(const json& j) {
  column_info c;
  c.type = type_names.at(j.at("type").get<std::string>());
  c.decimals = static_cast<std::uint8_t>(j.value("decimals", c.type == type::double_ ? 31 : 0));
  if (j.value("unsigned", false)) c.flags |= unsigned_flag;
  if (j.value("binary_charset", false)) c.charset = 63;
  return c;
}

// The binary-protocol form of a text value (what a server would send for it).
std::string to_binary(const std::string& text, const column_info& c) {
  std::string out;
  auto le = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  switch (c.type) {
    case type::tiny: le(static_cast<std::uint64_t>(std::stoll(text)), 1); break;
    case type::short_: le(static_cast<std::uint64_t>(std::stoll(text)), 2); break;
    case type::long_: le(static_cast<std::uint64_t>(std::stoll(text)), 4); break;
    case type::longlong:
      le((c.flags & unsigned_flag) ? std::stoull(text) : static_cast<std::uint64_t>(std::stoll(text)), 8);
      break;
    case type::double_: {
      double d = std::stod(text);
      std::uint64_t bits;
      std::memcpy(&bits, &d, 8);
      le(bits, 8);
      break;
    }
    case type::date:
    case type::datetime: {
      int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0;
      std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &us);
      out.push_back(static_cast<char>(us ? 11 : 7));
      le(static_cast<std::uint64_t>(y), 2);
      for (int v : {mo, d, h, mi, s}) out.push_back(static_cast<char>(v));
      if (us) le(static_cast<std::uint64_t>(us), 4);
      break;
    }
    case type::time: {
      bool neg = text[0] == '-';
      int h = 0, mi = 0, s = 0;
      std::sscanf(text.c_str() + (neg ? 1 : 0), "%d:%d:%d", &h, &mi, &s);
      out.push_back(8);
      out.push_back(neg ? 1 : 0);
      le(static_cast<std::uint64_t>(h / 24), 4);
      for (int v : {h % 24, mi, s}) out.push_back(static_cast<char>(v));
      break;
    }
    default: out = text;  // decimals and strings travel as text in both formats
  }
  return out;
}

// A shard: encoded row packets, handed out one by one (optionally after a need_input).
class fake_source : public row_stream {
 public:
  fake_source(int id, std::vector<shardwire::protocol::bytes> packets, const merge_context& ctx, bool stall,
              merge_context& wctx)
      : id_(id), packets_(std::move(packets)), ctx_(ctx), wctx_(wctx), stall_(stall) {}
  pull next(const row*& out) override {
    if (stall_ && !primed_) {
      primed_ = true;
      wctx_.wanted = id_;
      ++stalls;
      return pull::need_input;
    }
    primed_ = false;
    if (pos_ >= packets_.size()) return pull::end;
    REQUIRE(split_row(packets_[pos_++], ctx_.columns, ctx_.format, row_));
    out = &row_;
    return pull::row;
  }
  int stalls = 0;

 private:
  int id_;
  std::vector<shardwire::protocol::bytes> packets_;
  const merge_context& ctx_;
  merge_context& wctx_;
  bool stall_, primed_ = false;
  std::size_t pos_ = 0;
  row row_;
};

column_ref ref_from(const json& j) {
  if (j.is_number()) return {j.get<int>(), false};
  return {j.at("hidden").get<int>(), true};
}

std::vector<sort_key> keys_from(const json& j) {
  std::vector<sort_key> out;
  for (const auto& k : j) {
    sort_key s{ref_from(k.at("col")), std::nullopt, k.value("desc", false)};
    if (k.contains("weight")) s.weight = ref_from(k.at("weight"));
    out.push_back(s);
  }
  return out;
}

expr expr_from(const json& j) {
  static const std::map<std::string, expr::op> ops = {
      {"neg", expr::op::neg}, {"+", expr::op::add}, {"-", expr::op::sub}, {"*", expr::op::mul},
      {"/", expr::op::div}, {"div", expr::op::intdiv}, {"%", expr::op::mod}, {"=", expr::op::eq},
      {"<>", expr::op::ne}, {"<", expr::op::lt}, {"<=", expr::op::le}, {">", expr::op::gt},
      {">=", expr::op::ge}, {"<=>", expr::op::nulleq}, {"and", expr::op::and_}, {"or", expr::op::or_},
      {"xor", expr::op::xor_}, {"not", expr::op::not_}, {"is null", expr::op::is_null},
      {"is not null", expr::op::is_not_null}, {"between", expr::op::between}, {"in", expr::op::in},
      {"avg", expr::op::avg}, {"case", expr::op::case_when}};
  expr e;
  if (j.contains("col")) {
    e.o = expr::op::column;
    e.column = ref_from(j.at("col"));
    return e;
  }
  if (j.contains("int")) {
    e.lit.k = value::kind::sint;
    e.lit.i = j.at("int").get<std::int64_t>();
    return e;
  }
  if (j.contains("dec")) {
    e.lit.k = value::kind::dec;
    e.lit.dec = *parse_decimal(j.at("dec").get<std::string>());
    return e;
  }
  if (j.contains("str")) {
    e.lit.k = value::kind::str;
    e.text = j.at("str").get<std::string>();
    return e;
  }
  if (j.contains("null")) return e;
  std::string op = j.at("op").get<std::string>();
  if (auto it = ops.find(op); it != ops.end()) {
    e.o = it->second;
  } else {
    e.o = expr::op::function;
    e.text = op;
  }
  e.negated = j.value("negated", false);
  e.has_operand = j.value("has_operand", false);
  e.has_else = j.value("has_else", e.o == expr::op::case_when && j.at("args").size() % 2 == 1);
  for (const auto& a : j.at("args")) e.args.push_back(expr_from(a));
  return e;
}

merge_spec spec_from(const json& j) {
  static const std::map<std::string, merge_op> merge_ops = {{"first", merge_op::first},
                                                            {"count", merge_op::count},
                                                            {"sum", merge_op::sum},
                                                            {"min", merge_op::min},
                                                            {"max", merge_op::max},
                                                            {"count_distinct", merge_op::count_distinct}};
  merge_spec s;
  s.hidden = j.value("hidden", 0u);
  if (j.contains("order")) s.order = keys_from(j["order"]);
  s.aggregate = j.value("aggregate", false);
  s.group_sorted = j.value("group_sorted", false);
  if (j.contains("group")) s.group = keys_from(j["group"]);
  for (const auto& m : j.value("merges", json::array())) {
    column_merge cm{ref_from(m.at("col")), merge_ops.at(m.at("op").get<std::string>()), std::nullopt, {}};
    if (m.contains("weight")) cm.weight = ref_from(m["weight"]);
    if (m.contains("of")) cm.distinct_of = keys_from(m["of"]);
    s.merges.push_back(cm);
  }
  for (const auto& c : j.value("computed", json::array())) s.computed.push_back({ref_from(c.at("col")), expr_from(c.at("expr"))});
  if (j.contains("having")) s.having = expr_from(j["having"]);
  if (j.contains("final_order")) s.final_order = keys_from(j["final_order"]);
  s.offset = j.value("offset", 0u);
  if (j.contains("limit")) s.limit = j["limit"].get<std::uint64_t>();
  s.distinct_after_group = j.value("distinct_after_group", false);
  return s;
}

struct run_result {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::optional<int> error;
};

run_result run(const json& fx, row_format fmt, bool stall) {
  merge_context ctx;
  ctx.format = fmt;
  for (const auto& c : fx.at("columns")) ctx.columns.push_back(column_from(c));
  ctx.memory_limit = fx.value("memory_limit", std::size_t{64} << 20);
  merge_spec spec = spec_from(fx.at("spec"));
  std::vector<std::unique_ptr<fake_source>> sources;
  std::vector<row_stream*> raw;
  int id = 0;
  for (const auto& shard : fx.at("shards")) {
    std::vector<shardwire::protocol::bytes> packets;
    for (const auto& r : shard) {
      std::vector<std::string> storage(r.size());
      row cells(r.size());
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (r[i].is_null()) continue;
        std::string text = r[i].is_string() ? r[i].get<std::string>() : r[i].dump();
        storage[i] = fmt == row_format::binary ? to_binary(text, ctx.columns[i]) : text;
        cells[i] = cell{storage[i], false};
      }
      shardwire::protocol::bytes payload;
      encode_row(payload, cells, cells.size(), ctx.columns, fmt);
      packets.push_back(std::move(payload));
    }
    sources.push_back(std::make_unique<fake_source>(id++, std::move(packets), ctx, stall, ctx));
    raw.push_back(sources.back().get());
  }
  pipeline p(spec, raw, ctx);
  run_result out;
  for (int guard = 0; guard < 1000000; ++guard) {
    const row* r = nullptr;
    pull st = p.next(r);
    if (st == pull::end) break;
    if (st == pull::error) {
      out.error = ctx.error ? ctx.error->code : -1;
      break;
    }
    if (st == pull::need_input) {
      REQUIRE(ctx.wanted >= 0);
      REQUIRE(ctx.wanted < static_cast<int>(sources.size()));
      continue;  // a fake source has its next row ready once asked again
    }
    // What the client gets: the visible cells, decoded to text for comparison.
    shardwire::protocol::bytes payload;
    encode_row(payload, *r, p.visible(), ctx.columns, fmt);
    std::vector<column_info> visible_cols(ctx.columns.begin(), ctx.columns.begin() + static_cast<long>(p.visible()));
    row back;
    REQUIRE(split_row(payload, visible_cols, fmt, back));
    std::vector<std::optional<std::string>> texts;
    for (std::size_t i = 0; i < back.size(); ++i) {
      if (back[i].null) {
        texts.emplace_back();
        continue;
      }
      if (fmt == row_format::text) {
        texts.emplace_back(std::string(back[i].bytes));
        continue;
      }
      // Binary values compare through their text rendering.
      value v = decode(back[i], visible_cols[i], fmt);
      std::string t;
      if (v.k == value::kind::str || visible_cols[i].type == type::newdecimal) {
        t = std::string(back[i].bytes);  // strings and decimals are text in both formats
      } else {
        encode(t, v, visible_cols[i], row_format::text);
      }
      texts.emplace_back(t);
    }
    out.rows.push_back(std::move(texts));
  }
  return out;
}

std::string show(const std::vector<std::optional<std::string>>& r) {
  std::string s = "[";
  for (const auto& c : r) s += (s.size() > 1 ? ", " : "") + (c ? *c : std::string("NULL"));
  return s + "]";
}

}  // namespace

TEST_CASE("merge operators on fixture streams") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(SHARDWIRE_MERGER_CASES)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 4);
  for (const auto& f : files) {
    std::ifstream in(f);
    json cases = json::parse(in, nullptr, true, true);
    for (const auto& fx : cases) {
      std::string name = f.filename().string() + ": " + fx.at("name").get<std::string>();
      for (row_format fmt : {row_format::text, row_format::binary}) {
        if (fmt == row_format::binary && !fx.value("binary", true)) continue;
        for (bool stall : {false, true}) {
          INFO(name << (fmt == row_format::text ? " [text]" : " [binary]") << (stall ? " [need_input]" : ""));
          run_result got = run(fx, fmt, stall);
          if (fx.contains("error")) {
            REQUIRE(got.error == std::optional<int>(fx["error"].get<int>()));
            continue;
          }
          REQUIRE_FALSE(got.error);
          std::vector<std::vector<std::optional<std::string>>> want;
          for (const auto& r : fx.at("expect")) {
            std::vector<std::optional<std::string>> w;
            for (const auto& c : r) {
              if (c.is_null()) {
                w.emplace_back();
              } else {
                w.emplace_back(c.is_string() ? c.get<std::string>() : c.dump());
              }
            }
            want.push_back(std::move(w));
          }
          if (fx.value("unordered", false)) {  // no ORDER BY: any order is right
            std::sort(got.rows.begin(), got.rows.end());
            std::sort(want.begin(), want.end());
          }
          std::string got_text, want_text;
          for (const auto& r : got.rows) got_text += show(r) + "\n";
          for (const auto& r : want) want_text += show(r) + "\n";
          if (fmt == row_format::binary && fx.contains("expect_binary")) {
            want_text.clear();
            for (const auto& r : fx["expect_binary"]) {
              std::vector<std::optional<std::string>> w;
              for (const auto& c : r) w.emplace_back(c.is_null() ? std::nullopt : std::optional<std::string>(c.is_string() ? c.get<std::string>() : c.dump()));
              want_text += show(w) + "\n";
            }
          }
          CHECK(got_text == want_text);
        }
      }
    }
  }
}
