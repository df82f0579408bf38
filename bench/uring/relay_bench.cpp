// The io_uring experiment of bench/README.md: is the proxy's per-statement kernel time a
// property of epoll, or of the TCP work itself? A relay thread forwards request/response
// traffic between N client connections and N backend connections over loopback, as the
// proxy's pass-through path does (100-byte requests, 400-byte responses, closed loop),
// either with epoll (non-blocking recv/send when epoll says ready: the floor of what
// Asio's reactor does) or with io_uring through liburing with batched submission (a
// receive armed on every socket; each completion queues the send to the peer and re-arms
// the receive; one io_uring_submit_and_wait per loop for everything queued). The relay
// thread's CPU time (RUSAGE_THREAD) per round trip is the figure; client and echo backend
// run on their own threads on the same 2 cores, as sysbench and MariaDB do.
//
//   relay_bench epoll|uring [pairs=8] [seconds=10]
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t request_size = 100, response_size = 400;
std::atomic<bool> stop{false};
std::atomic<std::uint64_t> round_trips{0};

void fail(const char* what) {
  std::perror(what);
  std::exit(1);
}

int listener(int& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 128) != 0) fail("listen");
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool read_exact(int fd, char* buf, std::size_t n) {
  for (std::size_t got = 0; got < n;) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// The "server": answers every request with a response, one thread per connection
// (blocking I/O, as a database's connection threads).
void echo(int fd) {
  std::vector<char> req(request_size), resp(response_size, 'r');
  while (!stop && read_exact(fd, req.data(), req.size())) {
    if (send(fd, resp.data(), resp.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(resp.size())) break;
  }
}

// The "application": a closed loop of requests on each connection.
void client(int fd) {
  std::vector<char> req(request_size, 'q'), resp(response_size);
  while (!stop) {
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) break;
    if (!read_exact(fd, resp.data(), resp.size())) break;
    ++round_trips;
  }
}

struct pair_fds {
  int client, backend;
};

void relay_epoll(const std::vector<pair_fds>& pairs) {
  int ep = epoll_create1(0);
  std::vector<int> peer(65536, -1);
  for (const auto& p : pairs) {
    peer[static_cast<std::size_t>(p.client)] = p.backend;
    peer[static_cast<std::size_t>(p.backend)] = p.client;
    for (int fd : {p.client, p.backend}) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
  }
  std::vector<char> buf(65536);
  epoll_event events[64];
  while (!stop) {
    int n = epoll_wait(ep, events, 64, 100);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      ssize_t r = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (r <= 0) continue;
      send(peer[static_cast<std::size_t>(fd)], buf.data(), static_cast<std::size_t>(r), MSG_NOSIGNAL);
    }
  }
  close(ep);
}

// user_data: fd << 1 | (1 for a send)
void relay_uring(const std::vector<pair_fds>& pairs) {
  io_uring ring;
  if (io_uring_queue_init(256, &ring, 0) != 0) fail("io_uring_queue_init");
  std::vector<int> peer(65536, -1);
  std::vector<std::vector<char>> bufs(65536);
  auto arm = [&](int fd) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recv(sqe, fd, bufs[static_cast<std::size_t>(fd)].data(), bufs[static_cast<std::size_t>(fd)].size(), 0);
    io_uring_sqe_set_data64(sqe, static_cast<std::uint64_t>(fd) << 1);
  };
  for (const auto& p : pairs) {
    peer[static_cast<std::size_t>(p.client)] = p.backend;
    peer[static_cast<std::size_t>(p.backend)] = p.client;
    for (int fd : {p.client, p.backend}) {
      bufs[static_cast<std::size_t>(fd)].resize(65536);
      arm(fd);
    }
  }
  std::vector<std::vector<char>> out(65536);  // bytes being sent to each fd
  __kernel_timespec tick{0, 100 * 1000 * 1000};
  while (!stop) {
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &tick, nullptr);
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      std::uint64_t data = io_uring_cqe_get_data64(cqe);
      int fd = static_cast<int>(data >> 1);
      if (data & 1) continue;  // a send completed (small messages: whole)
      if (cqe->res <= 0) continue;
      int to = peer[static_cast<std::size_t>(fd)];
      auto& o = out[static_cast<std::size_t>(to)];
      o.assign(bufs[static_cast<std::size_t>(fd)].data(), bufs[static_cast<std::size_t>(fd)].data() + cqe->res);
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_send(sqe, to, o.data(), o.size(), MSG_NOSIGNAL);
      io_uring_sqe_set_data64(sqe, (static_cast<std::uint64_t>(to) << 1) | 1);
      arm(fd);
    }
    io_uring_cq_advance(&ring, seen);
  }
  io_uring_queue_exit(&ring);
}

struct cpu_us {
  double user = 0, sys = 0;
};
cpu_us thread_cpu() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return {u.ru_utime.tv_sec * 1e6 + u.ru_utime.tv_usec, u.ru_stime.tv_sec * 1e6 + u.ru_stime.tv_usec};
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "epoll";
  int pairs_n = argc > 2 ? std::atoi(argv[2]) : 8;
  int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  if (mode != "epoll" && mode != "uring") {
    std::fprintf(stderr, "usage: relay_bench epoll|uring [pairs] [seconds]\n");
    return 2;
  }
  int backend_port = 0, relay_port = 0;
  int backend_listener = listener(backend_port), relay_listener = listener(relay_port);
  std::vector<pair_fds> pairs;
  std::vector<std::thread> threads;
  for (int i = 0; i < pairs_n; ++i) {
    int c = connect_to(relay_port);
    int relay_client = accept(relay_listener, nullptr, nullptr);
    int relay_backend = connect_to(backend_port);
    int b = accept(backend_listener, nullptr, nullptr);
    int one = 1;
    for (int fd : {relay_client, b}) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pairs.push_back({relay_client, relay_backend});
    threads.emplace_back(echo, b);
    threads.emplace_back(client, c);
  }
  cpu_us cpu;
  std::uint64_t trips = 0;
  std::thread relay([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto t0 = thread_cpu();
    auto r0 = round_trips.load();
    std::thread timer([&] {
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      stop = true;
    });
    if (mode == "epoll") {
      relay_epoll(pairs);
    } else {
      relay_uring(pairs);
    }
    auto t1 = thread_cpu();
    cpu = {t1.user - t0.user, t1.sys - t0.sys};
    trips = round_trips.load() - r0;
    timer.join();
  });
  relay.join();
  for (const auto& p : pairs) {
    shutdown(p.client, SHUT_RDWR);
    shutdown(p.backend, SHUT_RDWR);
  }
  for (auto& t : threads) t.join();
  double n = trips ? static_cast<double>(trips) : 1.0;
  std::printf("%s pairs=%d seconds=%d round_trips_per_s=%.0f relay_us_per_round_trip user=%.2f sys=%.2f\n",
              mode.c_str(), pairs_n, seconds, static_cast<double>(trips) / seconds, cpu.user / n, cpu.sys / n);
  return 0;
}
