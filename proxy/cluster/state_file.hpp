// The state file (docs/admin.md, "Persistence"): topology changes made through the admin
// API, kept across restarts. Per group it holds the servers as the API left them and a
// fingerprint of the group as the config file described it then; when the config's
// description of a group has changed since (edited and reloaded or restarted), the
// config wins for that group and its saved state is dropped.
#pragma once

#include <boost/system/result.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "proxy/cluster/topology.hpp"

namespace shardwire::proxy {

struct saved_group {
  std::string config_fingerprint;
  group_spec servers;
};
using saved_topology = std::map<std::string, saved_group>;

group_spec config_spec(const data_source& ds);  // the group as the config describes it
std::string fingerprint(const data_source& ds);
nlohmann::json server_json(const server_spec& s, bool replica);

// A missing file is an empty state; a file that cannot be parsed is an error (starting
// from the config instead could send writes to a primary the operator moved away from).
boost::system::result<saved_topology, std::string> read_state(const std::string& path);
// Written to a temporary file, flushed and renamed over `path`: a crash leaves either
// the old or the new state, never a torn one. "" on success, else why not.
std::string write_state(const std::string& path, const saved_topology& state);
// The same for any text (the migrations file too).
std::string write_file_atomically(const std::string& path, const std::string& text);

}  // namespace shardwire::proxy
