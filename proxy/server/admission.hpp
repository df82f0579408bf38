// Who may connect: client connections counted per source address, per user and before
// authentication, and failed handshakes/logins per address (the server's
// max_connect_errors idea: after that many in a row with no successful login between,
// the address is refused for `block_for`). Shared by every worker (one mutex; touched at
// connect, login and disconnect only). Pure code.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace shardwire::proxy {

struct admission_limits {
  int max_per_address = 0;        // open connections from one address; 0: unlimited
  int max_unauthenticated = 0;    // connections still in the handshake; 0: unlimited
  int max_connect_errors = 0;     // failed handshakes/logins in a row before a block; 0: never
  std::chrono::seconds block_for{300};
  bool operator==(const admission_limits&) const = default;
};

class admission {
 public:
  using clock = std::chrono::steady_clock;
  enum class verdict : std::uint8_t { ok, too_many, blocked };

  // A new connection from `address` (before the greeting). `ok` counts it.
  verdict arrive(const std::string& address, const admission_limits& limits, clock::time_point now = clock::now());
  // It authenticated (as `user`, whose limit is `max_user`, 0: unlimited): false when the
  // user is at its limit (then it stays counted as unauthenticated until leave()).
  bool authenticated(const std::string& address, const std::string& user, int max_user);
  // COM_CHANGE_USER from `from` to `to`: false (nothing changed) when `to` is at its limit.
  bool switch_user(const std::string& from, const std::string& to, int max_user);
  // A failed handshake or login from `address`.
  void failed(const std::string& address, const admission_limits& limits, clock::time_point now = clock::now());
  // The connection ended; `user` is "" unless authenticated() accepted it.
  void leave(const std::string& address, const std::string& user);

  // Backend connections `user` holds on data source `ds` (users[].max_backend_connections):
  // false when at `max`; give_back() when the connection returns to the pool.
  bool take_backend(const std::string& user, const std::string& ds, int max);
  void give_back(const std::string& user, const std::string& ds);
  int backends_of(const std::string& user, const std::string& ds) const;

  int unauthenticated() const;
  int connections_from(const std::string& address) const;

 private:
  struct address_state {
    int open = 0;
    int errors = 0;  // in a row
    clock::time_point blocked_until{};
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, address_state> addresses_;
  std::unordered_map<std::string, int> users_;
  std::unordered_map<std::string, int> backends_;  // "user\0data source" -> connections held
  int unauthenticated_ = 0;
  static constexpr std::size_t max_remembered = 65536;  // addresses with errors kept at most
  void sweep(clock::time_point now);
};

}  // namespace shardwire::proxy
