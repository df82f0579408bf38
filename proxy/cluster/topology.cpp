#include "proxy/cluster/topology.hpp"

#include <charconv>
#include <random>
#include <set>

namespace shardwire::proxy {

backend_node::backend_node(const data_source& ds, const server_spec& s, bool primary)
    : source(&ds),
      ep(s),
      address(ep.text()),
      weight(s.weight),
      max_lag_ms(s.max_replica_lag_ms),
      state(s.state),
      is_primary(primary) {}

void backend_node::set_spec(const server_spec& s) {
  weight = s.weight;
  max_lag_ms = s.max_replica_lag_ms;
  state = s.state;
}

server_spec backend_node::spec() const {
  server_spec s = ep;
  s.weight = weight.load();
  s.max_replica_lag_ms = max_lag_ms.load();
  s.state = state.load();
  return s;
}

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
    member_list members{make_node(ds, *g, ds.primary, true)};
    for (const auto& r : ds.replicas) members.push_back(make_node(ds, *g, r, false));
    g->primary = members.front();
    members.front()->lag_ms = 0;
    publish(*g, std::move(members));
    groups_.emplace(&ds, std::move(g));
    set_reads(ds, ds.reads);
  }
}

// A removed server added again gets its old node back (counters continue), with its
// lag unknown until the monitor measures it again.
backend_node* topology::make_node(const data_source& ds, group& g, const server_spec& s, bool primary) {
  for (auto& n : g.owned) {
    if (!n->member.load() && n->address == s.text()) {
      n->set_spec(s);
      n->lag_ms = lag_unknown;
      n->is_primary = primary;
      n->up = true;  // optimistic, as a new node: the monitor and the first connect tell
      n->member = true;
      return n.get();
    }
  }
  g.owned.push_back(std::make_unique<backend_node>(ds, s, primary));
  return g.owned.back().get();
}

void topology::publish(group& g, member_list next) {
  g.lists.push_back(std::make_unique<member_list>(std::move(next)));
  g.members.store(g.lists.back().get(), std::memory_order_release);
  if (g.lists.back()->size() > 1) any_replicas_ = true;
}

backend_node& topology::primary(const data_source& ds) const { return *at(ds).primary.load(); }

backend_node* topology::pick_replica(const data_source& ds) const {
  const group& g = at(ds);
  const member_list& members = *g.members.load(std::memory_order_acquire);
  if (members.size() < 2) return nullptr;
  const auto group_max = g.max_lag_ms.load(std::memory_order_relaxed);
  // Least load per unit of weight; ties broken at random so equal replicas share reads.
  backend_node* best = nullptr;
  double best_score = 0;
  int ties = 0;
  thread_local std::minstd_rand rng{std::random_device{}()};
  for (backend_node* n : members) {
    if (n->is_primary.load() || !n->up.load() || n->weight.load() <= 0 || !n->serving()) continue;
    auto lag = n->lag_ms.load();
    auto own = n->max_lag_ms.load(std::memory_order_relaxed);
    if (lag == lag_unknown || lag > (own >= 0 ? own : group_max)) continue;
    double score = (n->active.load() + 1.0) / n->weight.load();
    if (!best || score < best_score) {
      best = n, best_score = score, ties = 1;
    } else if (score == best_score && rng() % ++ties == 0) {
      best = n;
    }
  }
  return best;
}

bool topology::has_replicas(const data_source& ds) const {
  return at(ds).members.load(std::memory_order_acquire)->size() > 1;
}

read_settings topology::reads(const data_source& ds) const {
  const group& g = at(ds);
  read_settings r;
  r.max_replica_lag = std::chrono::milliseconds(g.max_lag_ms.load(std::memory_order_relaxed));
  r.fallback_to_primary = g.fallback_to_primary.load(std::memory_order_relaxed);
  r.causal_reads = static_cast<read_settings::causal>(g.causal.load(std::memory_order_relaxed));
  r.causal_timeout = std::chrono::milliseconds(g.causal_timeout_ms.load(std::memory_order_relaxed));
  r.causal_window = std::chrono::milliseconds(g.causal_window_ms.load(std::memory_order_relaxed));
  return r;
}

void topology::set_reads(const data_source& ds, const read_settings& r) {
  group& g = at(ds);
  g.max_lag_ms = r.max_replica_lag.count();
  g.fallback_to_primary = r.fallback_to_primary;
  g.causal = static_cast<int>(r.causal_reads);
  g.causal_timeout_ms = r.causal_timeout.count();
  g.causal_window_ms = r.causal_window.count();
}

std::vector<backend_node*> topology::nodes(const data_source& ds) const {
  return *at(ds).members.load(std::memory_order_acquire);
}

std::vector<backend_node*> topology::all() const {
  std::vector<backend_node*> out;
  for (const auto& [_, g] : groups_) {
    const member_list& m = *g->members.load(std::memory_order_acquire);
    out.insert(out.end(), m.begin(), m.end());
  }
  return out;
}

backend_node* topology::find_locked(const group& g, std::string_view address) const {
  for (backend_node* n : *g.members.load(std::memory_order_acquire)) {
    if (n->address == address) return n;
  }
  return nullptr;
}

backend_node* topology::find(const data_source& ds, std::string_view address) const {
  return find_locked(at(ds), address);
}

group_spec topology::spec(const data_source& ds) const {
  std::lock_guard lock(mutex_);
  const group& g = at(ds);
  group_spec out;
  out.primary = g.primary.load()->spec();
  for (backend_node* n : *g.members.load()) {
    if (!n->is_primary.load()) out.replicas.push_back(n->spec());
  }
  return out;
}

// The primary role moves to `next`; new writes go there from the moment g.primary does.
void topology::move_primary(group& g, backend_node* next) {
  backend_node* old = g.primary.load();
  if (old == next) return;
  next->is_primary = true;
  next->lag_ms = 0;
  next->max_lag_ms = -1;
  old->is_primary = false;
  old->lag_ms = lag_unknown;  // a replica only once the monitor has measured it
  g.primary = next;
}

std::string topology::promote_locked(const data_source& ds, group& g, std::string_view address) {
  backend_node* next = find_locked(g, address);
  if (!next) return std::string(address) + " is not a server of " + ds.name;
  if (next->state.load() != node_state::online) {
    return std::string(address) + " is " + state_name(next->state.load()) + ": set it online before promoting it";
  }
  if (g.primary.load() == next) return "";
  move_primary(g, next);
  member_list m{next};  // primary first
  for (backend_node* n : *g.members.load()) {
    if (n != next) m.push_back(n);
  }
  publish(g, std::move(m));
  return "";
}

std::string topology::promote(const data_source& ds, std::string_view address) {
  std::lock_guard lock(mutex_);
  return promote_locked(ds, at(ds), address);
}

std::string topology::add_server(const data_source& ds, const server_spec& s) {
  std::lock_guard lock(mutex_);
  group& g = at(ds);
  if (find_locked(g, s.text())) return s.text() + " is already a server of " + ds.name;
  member_list m = *g.members.load();
  m.push_back(make_node(ds, g, s, false));
  publish(g, std::move(m));
  return "";
}

std::string topology::remove_server(const data_source& ds, std::string_view address) {
  std::lock_guard lock(mutex_);
  group& g = at(ds);
  backend_node* n = find_locked(g, address);
  if (!n) return std::string(address) + " is not a server of " + ds.name;
  if (n == g.primary.load()) {
    return std::string(address) + " is the primary of " + ds.name + ": promote another server first";
  }
  member_list m;
  for (backend_node* x : *g.members.load()) {
    if (x != n) m.push_back(x);
  }
  n->member = false;
  publish(g, std::move(m));
  return "";
}

std::string topology::change_server(const data_source& ds, std::string_view address, const server_change& c) {
  std::lock_guard lock(mutex_);
  group& g = at(ds);
  backend_node* n = find_locked(g, address);
  if (!n) return std::string(address) + " is not a server of " + ds.name;
  if (n == g.primary.load() && c.state && *c.state != node_state::online) {
    return std::string(address) + " is the primary of " + ds.name + ": promote another server before taking it offline";
  }
  if (c.weight) n->weight = *c.weight;
  if (c.max_lag_ms) n->max_lag_ms = *c.max_lag_ms;
  if (c.state) n->state = *c.state;
  return "";
}

std::string topology::apply(const data_source& ds, const group_spec& want) {
  std::lock_guard lock(mutex_);
  group& g = at(ds);
  std::set<std::string> wanted{want.primary.text()};
  for (const auto& r : want.replicas) {
    if (!wanted.insert(r.text()).second) return "duplicate server " + r.text() + " in " + ds.name;
  }
  member_list m;
  auto take = [&](const server_spec& s, bool primary) {
    backend_node* n = find_locked(g, s.text());
    if (!n) n = make_node(ds, g, s, false);  // promoted below when it is the primary
    server_spec settings = s;
    if (primary) settings.max_replica_lag_ms = -1, settings.state = node_state::online;
    n->set_spec(settings);
    n->member = true;
    m.push_back(n);
  };
  take(want.primary, true);
  for (const auto& r : want.replicas) take(r, false);
  // The primary moves before the new list is published: a reader never finds a primary
  // that has left the group.
  const member_list& before = *g.members.load();  // old lists are never freed
  move_primary(g, m.front());
  publish(g, m);
  for (backend_node* old : before) {
    if (!wanted.count(old->address)) old->member = false;
  }
  return "";
}

}  // namespace shardwire::proxy
