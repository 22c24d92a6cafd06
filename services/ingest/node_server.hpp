#pragma once

#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config.hpp"
#include "connection.hpp"
#include "io_pool.hpp"
#include "radarhub/auth/login_throttle.hpp"

namespace radarhub::ingest {

// Accepts node connections on one port, spreads them over the I/O pool, enforces
// --max-connections, and keeps the table of live connections for takeover and shutdown.
// Thread-safe.
class NodeServer final : public ConnectionOwner {
 public:
  NodeServer(IoPool& pool, const ConnectionServices& services, size_t max_connections,
             size_t max_pending_per_address);

  // Binds; on failure returns false with a one-line reason.
  bool Listen(const HostPort& address, std::string& error);
  uint16_t port() const { return port_; }
  void Start();
  // Closes the listener, then every connection (reason shutdown); waits up to `grace` for them to
  // finish. Idempotent; must not run on an I/O thread.
  void Stop(std::chrono::milliseconds grace);

  size_t connections() const;
  // Of those, the ones that have not said hello yet.
  size_t pending_connections() const;
  // Closes a connection (thread-safe; the close runs on its thread). False if it is gone already.
  bool Close(uint64_t connection_id, CloseReason reason);

  void Supersede(uint64_t connection_id) override;
  void Authenticated(uint64_t connection_id) override;
  void Closed(uint64_t connection_id, CloseReason reason) override;

 private:
  struct Entry {
    std::weak_ptr<Connection> connection;
    std::string pending_from;  // the peer's address until its hello is accepted; then empty
  };
  void Accept();
  // One line per address and period: what was refused and why.
  void LogRefused(const std::string& address, CloseReason reason);
  void EndPendingLocked(Entry& entry);

  IoPool& pool_;
  ConnectionServices services_;
  const size_t max_connections_;
  const size_t max_pending_per_address_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
  uint64_t next_id_ = 1;  // accept loop only
  mutable std::mutex mu_;
  std::condition_variable drained_;
  bool stopping_ = false;                            // guarded by mu_
  std::unordered_map<uint64_t, Entry> connections_;  // guarded by mu_
  // Connections before their hello, per address (no entry at 0): bounded by connections_.
  std::unordered_map<std::string, size_t> pending_;  // guarded by mu_
  auth::LoginThrottle throttle_;                     // guarded by mu_: failed logins per address
};

}  // namespace radarhub::ingest
