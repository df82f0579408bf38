// libmariadb's blocking API, not the proxy's own connections: this runs once, before
// any io_context does, and needs nothing of the session machinery.
#include "proxy/cluster/metadata_sync.hpp"
#include "proxy/net/tls_context.hpp"

#include <mysql.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "router/cluster_sql.hpp"
#include "router/key_generator.hpp"

namespace shardwire::proxy {

namespace {

using clock = std::chrono::steady_clock;

namespace sql = router::cluster_sql;

unsigned timeout_seconds(const data_source& ds) {
  return static_cast<unsigned>(std::max<long long>(1, (ds.pool.connect_timeout.count() + 999) / 1000));
}

struct mysql_closer {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
using mysql_handle = std::unique_ptr<MYSQL, mysql_closer>;

// One connection per data source, opened on first use. A data source that cannot be
// reached, or whose connection is lost, is not tried again in this run.
class connections {
 public:
  connections(const config& cfg, const std::map<std::string, endpoint>& primaries, spdlog::logger& log)
      : cfg_(cfg), primaries_(primaries), log_(log) {}

  // The data source's tls.mode for libmariadb. It checks the certificate's name whenever
  // it verifies, so verify_ca is verified as strictly as verify_identity here.
  void use_tls(MYSQL* m, const data_source& ds) {
    using mode = backend_tls_settings::tls_mode;
    if (ds.tls.mode == mode::off) return;
    my_bool on = 1;
    mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
    if (ds.tls.mode == mode::required) return;
    std::string ca = config_relative(cfg_, ds.tls.ca_file), cert = config_relative(cfg_, ds.tls.cert_file),
                key = config_relative(cfg_, ds.tls.key_file);
    if (!ca.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CA, ca.c_str());
    if (!cert.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CERT, cert.c_str());
    if (!key.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_KEY, key.c_str());
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }

  MYSQL* get(const std::string& name) {
    if (auto it = open_.find(name); it != open_.end()) return it->second.get();
    const data_source& ds = cfg_.data_sources.at(name);
    auto p = primaries_.find(name);
    const endpoint& primary = p == primaries_.end() ? ds.primary : p->second;
    mysql_handle m(mysql_init(nullptr));
    unsigned timeout = timeout_seconds(ds);
    unsigned protocol = MYSQL_PROTOCOL_TCP;  // "localhost" would otherwise mean the socket
    // Server-side waits (a metadata lock held by a long ALTER) end within the bound too;
    // a shadow copied from another server may name tables of that server in a FOREIGN KEY.
    std::string init = sql::session_init(timeout);
    mysql_options(m.get(), MYSQL_OPT_PROTOCOL, &protocol);
    mysql_options(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(m.get(), MYSQL_INIT_COMMAND, init.c_str());
    use_tls(m.get(), ds);
    if (!mysql_real_connect(m.get(), primary.host.c_str(), ds.user.c_str(), ds.password.c_str(), nullptr, primary.port,
                            nullptr, 0)) {
      log_.warn("metadata shadows: cannot connect to {} ({}): {}; its shadows are not checked", name, primary.text(),
                mysql_error(m.get()));
      m.reset();
    }
    return (open_[name] = std::move(m)).get();
  }

  // Column `column` of every row (none for statements without rows); nullopt on error,
  // logged with `what`.
  std::optional<std::vector<std::string>> query(const std::string& name, const std::string& sql, std::string_view what,
                                                unsigned column = 0) {
    MYSQL* m = get(name);
    if (!m) return std::nullopt;
    if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
      log_.warn("metadata shadows: {} on {}: {}", what, name, mysql_error(m));
      if (mysql_errno(m) >= 2000) open_[name].reset();  // client-side error: the connection is gone
      return std::nullopt;
    }
    std::vector<std::string> out;
    MYSQL_RES* res = mysql_store_result(m);
    if (!res) return out;
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* len = mysql_fetch_lengths(res);
      bool value = column < mysql_num_fields(res) && row[column];
      out.emplace_back(value ? std::string(row[column], len[column]) : std::string());
    }
    mysql_free_result(res);
    return out;
  }

 private:
  const config& cfg_;
  const std::map<std::string, endpoint>& primaries_;
  spdlog::logger& log_;
  std::map<std::string, mysql_handle> open_;
};

// The node a shadow copies: one on the default data source (CREATE TABLE ... LIKE works
// there), else node 0.
const router::data_node& model_node(const router::schema_rules& s, const router::table_rule& t) {
  for (const auto& n : t.nodes()) {
    if (n.data_source == s.default_data_source) return n;
  }
  return t.node(0);
}

// A node on another server: its SHOW CREATE TABLE under the shadow's name. (Its foreign
// keys keep naming physical tables: harmless on a table that never has rows.)
std::optional<std::string> create_elsewhere(connections& conns, const router::data_node& n, const std::string& db,
                                            const std::string& table, spdlog::logger& log) {
  auto rows = conns.query(n.data_source, sql::show_create_table(n.database, n.table),
                          "reading the definition of " + n.text(), 1);
  if (!rows || rows->empty()) return std::nullopt;
  auto create = sql::create_table_from(rows->front(), n.table, db, table);
  if (!create) {
    log.warn("metadata shadows: unexpected SHOW CREATE TABLE of {} on {}; shadow {}.{} not created", n.text(),
             n.data_source, db, table);
  }
  return create;
}

// The key generator's column is AUTO_INCREMENT in the shadow (the nodes need not be):
// ORMs read information_schema to learn that the database fills the key in. Only for an
// integer key column without a default, where MariaDB accepts it; the ALTER is built by
// the server from the column's own type and comment.
void mark_generated_key(connections& conns, const std::string& home, const std::string& db, const std::string& table,
                        const std::string& column) {
  auto alter = conns.query(home, sql::generated_key_alter(db, table, column),
      "reading the key column of " + db + "." + table);
  if (alter && !alter->empty())
    conns.query(home, alter->front(), "marking " + db + "." + table + "." + column + " generated");
}

}  // namespace

void sync_metadata_shadows(const config& cfg, const std::map<std::string, endpoint>& primaries, spdlog::logger& log) {
  if (!cfg.rules || cfg.rules->schemas.empty()) return;
  std::chrono::milliseconds longest{0};
  for (const auto& [_, ds] : cfg.data_sources) longest = std::max(longest, ds.pool.connect_timeout);
  auto deadline = clock::now() + 4 * longest;
  struct library {  // libmariadb's globals freed again (nothing else in the process uses it)
    library() { mysql_library_init(0, nullptr, nullptr); }
    ~library() { mysql_library_end(); }
  } lib;
  connections conns(cfg, primaries, log);
  int created = 0;
  for (const auto& [db, schema] : cfg.rules->schemas) {
    const std::string& home = schema.default_data_source;
    auto present = conns.query(home, sql::list_tables(db), "listing the tables of " + db);
    if (!present) continue;
    std::set<std::string> have(present->begin(), present->end());
    for (const auto& [table, rule] : schema.tables) {
      if (clock::now() > deadline) {
        log.warn("metadata shadows: stopped after {} ms; the remaining missing shadows are created at the next start",
                 (4 * longest).count());
        return;
      }
      if (have.contains(table)) {
        if (const auto* keys = rule.key_generator()) mark_generated_key(conns, home, db, table, keys->column());
        continue;
      }
      const router::data_node& model = model_node(schema, rule);
      auto exists = conns.query(model.data_source, sql::table_exists(model.database, model.table),
                                "looking for " + model.text());
      // Not created yet: CREATE TABLE through the proxy will make the nodes and the shadow.
      if (!exists || exists->empty()) continue;
      std::string create;
      if (model.data_source == home) {
        create = sql::create_table_like(db, table, model.database, model.table);
      } else if (auto sql = create_elsewhere(conns, model, db, table, log)) {
        create = *sql;
      } else {
        continue;
      }
      if (!conns.query(home, sql::create_database(db), "creating database " + db) ||
          !conns.query(home, create, "creating shadow " + db + "." + table)) {
        continue;
      }
      if (const auto* keys = rule.key_generator()) mark_generated_key(conns, home, db, table, keys->column());
      log.info("metadata shadows: created {}.{} on {} from {} ({})", db, table, home, model.text(), model.data_source);
      ++created;
    }
  }
  if (created > 0) log.info("metadata shadows: {} created", created);
}

}  // namespace shardwire::proxy
