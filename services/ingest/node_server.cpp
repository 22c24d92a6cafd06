#include "node_server.hpp"

#include <boost/asio/post.hpp>
#include <future>
#include <optional>

#include "radarhub/common/log.hpp"

namespace radarhub::ingest {

namespace asio = boost::asio;
using asio::ip::tcp;

NodeServer::NodeServer(IoPool& pool, const ConnectionServices& services, size_t max_connections,
                       size_t max_pending_per_address)
    : pool_(pool),
      services_(services),
      max_connections_(max_connections),
      max_pending_per_address_(max_pending_per_address),
      acceptor_(pool.First()),
      retry_timer_(pool.First()) {}

bool NodeServer::Listen(const HostPort& address, std::string& error) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (ec) {
    error = "--node-listen: invalid address '" + address.host + "'";
    return false;
  }
  const tcp::endpoint endpoint(ip, address.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "--node-listen: cannot listen on " + address.ToString() + ": " + ec.message();
    return false;
  }
  port_ = acceptor_.local_endpoint().port();
  return true;
}

void NodeServer::Start() {
  asio::post(acceptor_.get_executor(), [this] { Accept(); });
}

void NodeServer::Accept() {
  acceptor_.async_accept(
      pool_.Next(), [this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          // Out of descriptors and the like: back off briefly instead of spinning on the error.
          common::LogWarn("accept failed", {{"error", ec.message()}});
          retry_timer_.expires_after(std::chrono::milliseconds(100));
          retry_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
            if (!wait_ec) Accept();
          });
          return;
        }
        boost::system::error_code peer_ec;
        const auto peer = socket.remote_endpoint(peer_ec);
        std::string address = peer_ec ? std::string() : peer.address().to_string();
        std::shared_ptr<Connection> connection;
        std::optional<CloseReason> refused;
        {
          std::lock_guard lock(mu_);
          if (stopping_) return;
          const auto pending = pending_.find(address);
          if (throttle_.Blocked(address, std::chrono::steady_clock::now())) {
            refused = CloseReason::kAuthThrottled;
          } else if (connections_.size() >= max_connections_ ||
                     (pending != pending_.end() && pending->second >= max_pending_per_address_)) {
            refused = CloseReason::kLimit;
          }
          if (refused) {
            services_.metrics.ConnectionRefused(*refused);
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            const uint64_t id = next_id_++;
            connection = std::make_shared<Connection>(std::move(socket), id, services_, *this);
            ++pending_[address];
            connections_.emplace(id, Entry{connection, std::move(address)});
            services_.metrics.ConnectionOpened();
          }
        }
        if (refused) LogRefused(address, *refused);
        if (connection) {
          // The socket was opened on the next I/O thread's context; the connection runs there.
          asio::post(connection->executor(), [connection] { connection->Start(); });
        }
        Accept();
      });
}

void NodeServer::LogRefused(const std::string& address, CloseReason reason) {
  // However hard an address floods, one line per reason and period.
  const std::string_view name = CloseReasonName(reason);
  const uint64_t count = services_.log_limiter.Admit("refused/" + address + "/" + std::string(name),
                                                     std::chrono::steady_clock::now());
  if (count != 0) {
    common::LogWarn(
        "connection refused",
        {{"reason", std::string(name)}, {"address", address}, {"count", std::to_string(count)}});
  }
}

size_t NodeServer::connections() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

size_t NodeServer::pending_connections() const {
  std::lock_guard lock(mu_);
  size_t pending = 0;
  for (const auto& [address, count] : pending_) pending += count;
  return pending;
}

void NodeServer::Supersede(uint64_t connection_id) {
  Close(connection_id, CloseReason::kSuperseded);
}

bool NodeServer::Close(uint64_t connection_id, CloseReason reason) {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mu_);
    if (const auto it = connections_.find(connection_id); it != connections_.end()) {
      connection = it->second.connection.lock();
    }
  }
  if (!connection) return false;
  connection->Close(reason);
  return true;
}

void NodeServer::Authenticated(uint64_t connection_id) {
  std::lock_guard lock(mu_);
  if (const auto it = connections_.find(connection_id); it != connections_.end()) {
    if (!it->second.pending_from.empty()) throttle_.Succeeded(it->second.pending_from);
    EndPendingLocked(it->second);
  }
}

void NodeServer::EndPendingLocked(Entry& entry) {
  if (entry.pending_from.empty()) return;
  if (const auto it = pending_.find(entry.pending_from);
      it != pending_.end() && --it->second == 0) {
    pending_.erase(it);
  }
  entry.pending_from.clear();
}

void NodeServer::Closed(uint64_t connection_id, CloseReason reason) {
  std::lock_guard lock(mu_);
  if (const auto it = connections_.find(connection_id); it != connections_.end()) {
    // Refusals that follow are counted and logged as auth_throttled at accept.
    if (reason == CloseReason::kAuth && !it->second.pending_from.empty()) {
      throttle_.Failed(it->second.pending_from, std::chrono::steady_clock::now());
    }
    EndPendingLocked(it->second);
    connections_.erase(it);
  }
  if (connections_.empty()) drained_.notify_all();
}

void NodeServer::Stop(std::chrono::milliseconds grace) {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (const auto& [id, entry] : connections_) {
      if (auto c = entry.connection.lock()) open.push_back(std::move(c));
    }
  }
  std::promise<void> closed;
  asio::post(acceptor_.get_executor(), [this, &closed] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    closed.set_value();
  });
  closed.get_future().wait_for(grace);
  for (const auto& c : open) c->Close(CloseReason::kShutdown);
  open.clear();
  std::unique_lock lock(mu_);
  drained_.wait_for(lock, grace, [this] { return connections_.empty(); });
}

}  // namespace radarhub::ingest
