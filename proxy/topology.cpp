#include "proxy/topology.hpp"

#include <charconv>
#include <random>

namespace shardwire::proxy {

backend_node::backend_node(const data_source& ds, endpoint e, bool primary)
    : source(&ds), ep(std::move(e)), address(ep.text()), weight(ep.weight), is_primary(primary) {}

std::string backend_node::gtid() const {
  std::lock_guard lock(mutex_);
  return gtid_;
}
void backend_node::set_gtid(std::string g) {
  std::lock_guard lock(mutex_);
  gtid_ = std::move(g);
}
std::string backend_node::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}
void backend_node::set_last_error(std::string e) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(e);
}

namespace {

// domain -> sequence number of a GTID list "0-1-100,1-2-7"; nullopt when malformed.
std::optional<std::map<std::uint32_t, std::uint64_t>> gtid_map(std::string_view list) {
  std::map<std::uint32_t, std::uint64_t> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\n')) item.remove_prefix(1);
    if (item.empty()) continue;
    auto d1 = item.find('-'), d2 = item.rfind('-');
    if (d1 == std::string_view::npos || d2 == d1) return std::nullopt;
    std::uint32_t domain = 0;
    std::uint64_t seq = 0;
    auto a = std::from_chars(item.data(), item.data() + d1, domain);
    auto b = std::from_chars(item.data() + d2 + 1, item.data() + item.size(), seq);
    if (a.ec != std::errc() || b.ec != std::errc()) return std::nullopt;
    out[domain] = std::max(out[domain], seq);
  }
  return out;
}

}  // namespace

bool gtid_reached(std::string_view pos, std::string_view wanted) {
  auto w = gtid_map(wanted);
  auto p = gtid_map(pos);
  if (!w || !p) return false;
  for (const auto& [domain, seq] : *w) {
    auto it = p->find(domain);
    if (it == p->end() || it->second < seq) return false;
  }
  return true;
}

topology::topology(const config& cfg) {
  for (const auto& [_, ds] : cfg.data_sources) {
    auto g = std::make_unique<group>();
    g->nodes.push_back(std::make_unique<backend_node>(ds, ds.primary, true));
    for (const auto& r : ds.replicas) g->nodes.push_back(std::make_unique<backend_node>(ds, r, false));
    g->primary = g->nodes.front().get();
    groups_.emplace(&ds, std::move(g));
  }
}

backend_node& topology::primary(const data_source& ds) const { return *groups_.at(&ds)->primary.load(); }

backend_node* topology::pick_replica(const data_source& ds) const {
  const group& g = *groups_.at(&ds);
  if (g.nodes.size() < 2) return nullptr;
  const auto max_lag = ds.reads.max_replica_lag.count();
  // Least load per unit of weight; ties broken at random so equal replicas share reads.
  backend_node* best = nullptr;
  double best_score = 0;
  int ties = 0;
  thread_local std::minstd_rand rng{std::random_device{}()};
  for (const auto& n : g.nodes) {
    if (n->is_primary.load() || !n->up.load() || n->weight.load() <= 0) continue;
    auto lag = n->lag_ms.load();
    if (lag == lag_unknown || lag > max_lag) continue;
    double score = (n->active.load() + 1.0) / n->weight.load();
    if (!best || score < best_score) {
      best = n.get(), best_score = score, ties = 1;
    } else if (score == best_score && rng() % ++ties == 0) {
      best = n.get();
    }
  }
  return best;
}

std::vector<backend_node*> topology::nodes(const data_source& ds) const {
  std::vector<backend_node*> out;
  for (const auto& n : groups_.at(&ds)->nodes) out.push_back(n.get());
  return out;
}

std::vector<backend_node*> topology::all() const {
  std::vector<backend_node*> out;
  for (const auto& [_, g] : groups_) {
    for (const auto& n : g->nodes) out.push_back(n.get());
  }
  return out;
}

backend_node* topology::find(const data_source& ds, std::string_view address) const {
  for (const auto& n : groups_.at(&ds)->nodes) {
    if (n->address == address) return n.get();
  }
  return nullptr;
}

bool topology::promote(const data_source& ds, std::string_view address, std::string& why) {
  std::lock_guard lock(mutex_);
  group& g = *groups_.at(&ds);
  backend_node* next = find(ds, address);
  if (!next) {
    why = std::string(address) + " is not a server of " + ds.name;
    return false;
  }
  backend_node* old = g.primary.load();
  if (old == next) return true;
  next->is_primary = true;
  next->lag_ms = 0;
  old->is_primary = false;
  old->lag_ms = lag_unknown;  // a replica only once the monitor has measured it
  g.primary = next;
  return true;
}

}  // namespace shardwire::proxy
