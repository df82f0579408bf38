// Walking a JSON configuration with errors that name the offending key's path, shared
// by proxy/server/config.cpp and router/rules_config.cpp. The helpers throw bad_key; each
// loader catches it and returns the message as a value (loading is off the data path).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace shardwire::router::config_json {

using json = nlohmann::json;

struct bad_key {
  std::string message;
};

[[noreturn]] inline void fail(const std::string& path, const std::string& what) {
  throw bad_key{"config error at \"" + path + "\": " + what};
}

inline std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

inline std::string at(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

// Unknown keys are errors, so a typo never silently falls back to a default.
inline void only_keys(const json& obj, const std::string& path, const std::set<std::string>& allowed,
                      const std::string& hint = "") {
  if (!obj.is_object()) fail(path.empty() ? "(top level)" : path, "expected an object, got " + obj.dump());
  for (const auto& [key, _] : obj.items()) {
    if (!allowed.count(key)) fail(join(path, key), "unknown key" + hint);
  }
}

inline long long get_int(const json& obj, const std::string& path, const std::string& key, long long def,
                         long long lo, long long hi) {
  if (!obj.contains(key)) return def;
  const json& v = obj[key];
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX) ||
      v.get<long long>() < lo || v.get<long long>() > hi) {
    fail(join(path, key),
         "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + v.dump());
  }
  return v.get<long long>();
}

}  // namespace shardwire::router::config_json
