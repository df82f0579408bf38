// shardwire: a MySQL-protocol sharding proxy. Command-line entry point.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "admin/http_server.hpp"
#include "proxy/server/server.hpp"

namespace {
constexpr const char* usage =
    "usage: shardwire [--config FILE] [--log-level LEVEL]\n"
    "       shardwire --check-config FILE\n"
    "       shardwire --version\n"
    "\n"
    "  --config FILE        JSON configuration (default conf/demo.json)\n"
    "  --check-config FILE  validate FILE, print the first error naming its key, exit 0/1\n"
    "  --log-level LEVEL    trace|debug|info|warn|error|critical|off (overrides log.level)\n";
}

// Each client session and each backend connection is a descriptor: raise the soft limit to
// the hard one (as nginx or MariaDB do) and say when max_client_connections cannot fit.
void raise_open_files_limit(const shardwire::proxy::config& cfg, spdlog::logger& log) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  rlim_t wanted = static_cast<rlim_t>(cfg.max_client_connections) + 256;  // + pools, listeners, logs
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
    log.warn(
        "open files limit {} is below max_client_connections {} + backend connections: accepts beyond it "
        "fail (EMFILE) and clients wait in the listen backlog (raise `ulimit -n` / LimitNOFILE)",
        lim.rlim_cur, cfg.max_client_connections);
  }
}

int main(int argc, char** argv) {
  std::string config_path = "conf/demo.json";
  std::string log_level;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "shardwire: %s needs a value\n%s", arg.c_str(), usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--config") {
      config_path = value();
    } else if (arg == "--check-config") {
      config_path = value();
      check_only = true;
    } else if (arg == "--log-level") {
      log_level = value();
    } else if (arg == "--version") {
      std::printf("shardwire 0.1.0\n");
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::printf("%s", usage);
      return 0;
    } else {
      std::fprintf(stderr, "shardwire: unknown argument '%s'\n%s", arg.c_str(), usage);
      return 2;
    }
  }

  auto cfg = shardwire::proxy::load_config(config_path);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().c_str());
    return 1;
  }
  if (check_only) {
    std::printf("%s: OK (%zu data sources, %zu users)\n", config_path.c_str(), cfg->data_sources.size(),
                cfg->users.size());
    return 0;
  }
  auto log = spdlog::stderr_color_mt("proxy");
  spdlog::set_default_logger(log);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  auto level = spdlog::level::from_str(log_level.empty() ? cfg->log_level : log_level);
  spdlog::set_level(level);
  ::signal(SIGPIPE, SIG_IGN);
  raise_open_files_limit(*cfg, *log);
  auto shared = std::make_shared<const shardwire::proxy::config>(std::move(*cfg));
  shardwire::proxy::server srv(shared);
  if (!log_level.empty()) srv.pin_log_level();
  shardwire::admin::http_server admin(srv.main_executor(), {srv, log});
  srv.add_service([&admin] { return admin.start(); }, [&admin] { admin.stop(); });
  return srv.run();
}
