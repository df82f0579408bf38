#include "proxy/cluster/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shardwire::proxy {

using json = nlohmann::json;

group_spec config_spec(const data_source& ds) { return {ds.primary, ds.replicas}; }

json server_json(const server_spec& s, bool replica) {
  json j{{"address", s.text()}, {"weight", s.weight}};
  if (replica) {
    j["max_replica_lag_ms"] = s.max_replica_lag_ms < 0 ? json(nullptr) : json(s.max_replica_lag_ms);
    j["state"] = state_name(s.state);
  }
  return j;
}

namespace {

json group_json(const group_spec& g) {
  json replicas = json::array();
  for (const auto& r : g.replicas) replicas.push_back(server_json(r, true));
  return {{"primary", server_json(g.primary, false)}, {"replicas", replicas}};
}

std::string parse_group(const json& j, const std::string& path, group_spec& out) {
  if (!j.is_object() || !j.contains("primary") || !j.contains("replicas") || !j["replicas"].is_array()) {
    return path + ": expected {\"primary\": ..., \"replicas\": [...]}";
  }
  if (auto e = parse_server(j["primary"], path + ".primary", false, out.primary); !e.empty()) return e;
  for (std::size_t i = 0; i < j["replicas"].size(); ++i) {
    server_spec s;
    auto e = parse_server(j["replicas"][i], path + ".replicas[" + std::to_string(i) + "]", true, s);
    if (!e.empty()) return e;
    out.replicas.push_back(s);
  }
  return "";
}

}  // namespace

std::string fingerprint(const data_source& ds) { return group_json(config_spec(ds)).dump(); }

boost::system::result<saved_topology, std::string> read_state(const std::string& path) {
  using result = boost::system::result<saved_topology, std::string>;
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return saved_topology{};
  std::ifstream in(path);
  if (!in) return result(boost::system::in_place_error, "cannot read state file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto bad = [&](const std::string& why) {
    return result(boost::system::in_place_error, "state file " + path + ": " + why);
  };
  json root = json::parse(ss.str(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) return bad("not a JSON object");
  if (!root.contains("version") || !root["version"].is_number_integer() || root["version"].get<long long>() != 1) {
    return bad("unknown version (expected 1)");
  }
  if (!root.contains("groups") || !root["groups"].is_object()) return bad("expected \"groups\": {...}");
  saved_topology out;
  for (const auto& [name, g] : root["groups"].items()) {
    saved_group sg;
    if (!g.is_object() || !g.contains("config") || !g["config"].is_string()) {
      return bad("groups." + name + ": expected \"config\": \"<fingerprint>\"");
    }
    sg.config_fingerprint = g["config"].get<std::string>();
    if (auto e = parse_group(g, "groups." + name, sg.servers); !e.empty()) return bad(e);
    out.emplace(name, std::move(sg));
  }
  return out;
}

std::string write_state(const std::string& path, const saved_topology& state) {
  json groups = json::object();
  for (const auto& [name, g] : state) {
    json j = group_json(g.servers);
    j["config"] = g.config_fingerprint;
    groups[name] = j;
  }
  return write_file_atomically(path, json{{"version", 1}, {"groups", groups}}.dump(2) + "\n");
}

std::string write_file_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write " + tmp + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return "cannot write " + tmp + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  std::string why = synced ? "" : std::strerror(errno);
  if (::close(fd) != 0 && synced) synced = false, why = std::strerror(errno);
  if (!synced) {
    ::unlink(tmp.c_str());
    return "cannot flush " + tmp + ": " + why;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot rename " + tmp + " to " + path + ": " + why;
  }
  // The rename itself is durable once the directory is flushed.
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, std::max<std::size_t>(slash, 1));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
}

}  // namespace shardwire::proxy
