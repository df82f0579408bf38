// Every migration job of this proxy: created, steered and read through the admin API
// (admin/migrations_api.cpp), each driven by its own coroutine on the main loop, all of
// them kept in the migrations file (admin.migrations_file) after every phase change and
// every second of progress, and resumed from it at start.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "proxy/migration/archive.hpp"
#include "proxy/migration/job.hpp"
#include "proxy/migration/route.hpp"
#include "proxy/net/io.hpp"
#include "proxy/server/config.hpp"

namespace shardwire::proxy {
class topology;
class connection_limits;
}  // namespace shardwire::proxy

namespace shardwire::proxy::migration {

struct action_result {
  int status = 200;  // HTTP status
  std::string error;
};

class registry {
 public:
  // `ex`: the main loop, where every job runs.
  registry(const config& cfg, topology& topo, connection_limits& limits, std::shared_ptr<spdlog::logger> log,
           asio::any_io_executor ex);
  ~registry();

  // Reads the migrations file: "" or why not (a file that cannot be read stops the
  // proxy: starting without it would lose track of jobs whose triggers log writes).
  std::string load();
  void start();  // the jobs' coroutines, on the main loop
  void stop();

  const std::map<std::string, std::unique_ptr<job>>& jobs() const { return jobs_; }
  const job* find(const std::string& name) const;

  // The routes of the jobs that switched (routing.hpp turns them into rules), and who
  // publishes them: the server, which returns "" or why the config could not take them.
  std::vector<route> routes() const;
  void on_routes_changed(std::function<std::string()> publish) { publish_ = std::move(publish); }

  // POST /v1/migrations: validates against the source's and target's servers.
  asio::awaitable<action_result> create(job spec);
  // POST /v1/migrations/{name}/{action}; `args` the request's JSON object.
  asio::awaitable<action_result> act(const std::string& name, const std::string& action, const nlohmann::json& args);

  // Archival jobs (archive.hpp): POST /v1/archive with the request's JSON object, and
  // POST /v1/archive/{name}/{pause|resume|throttle}.
  const std::map<std::string, std::unique_ptr<archive_job>>& archives() const { return archives_; }
  asio::awaitable<action_result> create_archive(const nlohmann::json& body);
  action_result act_archive(const std::string& name, const std::string& action, const nlohmann::json& args);

  struct counters {
    std::uint64_t sync_failures = 0;
  };

 private:
  struct runner;
  void add_runner(job& j);
  void add_archive_runner(archive_job& a);
  asio::awaitable<void> drive(std::string name);
  // The fenced steps of switch_writes, its rollback and cleanup (in drive()).
  asio::awaitable<void> switch_writes(job& j, runner& r);
  asio::awaitable<void> roll_back_writes(job& j, runner& r);
  asio::awaitable<void> clean_up(job& j, runner& r);
  asio::awaitable<bool> fence_and_wait(job& j, runner& r);  // false: sessions kept the source too long
  std::string republish();
  asio::awaitable<void> apply_loop(std::string name);
  asio::awaitable<bool> pause_applier(runner& r);
  std::string source_nodes(job& spec) const;
  std::string route_data_source(const job& j) const;
  std::string rename_refused(const job& j, const std::string& to) const;
  std::string save();
  asio::awaitable<std::string> describe_source(job& j);  // columns and key from the source's server
  asio::awaitable<std::string> target_rows(const router::table_rule& rule);
  asio::awaitable<std::string> describe(const router::data_node& t, std::vector<router::move_sql::column>& cols,
                                        std::string& key);
  struct archive_runner;
  asio::awaitable<void> drive_archive(std::string name);

  const config& cfg_;
  topology& topo_;
  connection_limits& limits_;
  std::shared_ptr<spdlog::logger> log_;
  std::string path_;
  asio::any_io_executor ex_;
  // Sessions wake a job's coroutine through a handler posted to ex_ (route_state::wake):
  // one that runs after the registry is gone does nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  bool stopping_ = false;
  std::map<std::string, std::unique_ptr<job>> jobs_;
  std::map<std::string, std::unique_ptr<runner>> runners_;
  std::function<std::string()> publish_;
  std::map<std::string, std::unique_ptr<archive_job>> archives_;
  std::map<std::string, std::unique_ptr<archive_runner>> archive_runners_;
};

}  // namespace shardwire::proxy::migration
