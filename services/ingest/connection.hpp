#pragma once

#include <utility>  // before Asio: Boost 1.74 + g++ 12 (toolchain.md)

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ingest_metrics.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/protocol/line_framer.hpp"
#include "radarhub/protocol/parser.hpp"
#include "radarhub/protocol/wire.hpp"

namespace radarhub::auth {
class TokenStore;
}
namespace radarhub::common {
class RateLimiter;
}
namespace radarhub::hub {
class Channel;
class Hub;
}  // namespace radarhub::hub
namespace radarhub::registry {
class Node;
class NodeRegistry;
using NodePtr = std::shared_ptr<Node>;
}  // namespace radarhub::registry

namespace radarhub::ingest {

struct ConnectionSettings {
  size_t max_line_bytes = 1 << 20;
  protocol::ParseLimits parse_limits;
  std::chrono::milliseconds auth_timeout{30000};
  std::chrono::milliseconds idle_timeout{30000};
  bool tcp_nodelay = true;
  size_t max_nodes = 10000;  // nodes registered in all; a new one beyond is refused at its hello
  // Unfinished lines of all connections together. Over it, a connection holding more than
  // kOwnPartialAllowance loses its partial line (before its hello: the connection).
  size_t line_memory = size_t{256} << 20;
};

// What a connection reports to whoever tracks connections (the NodeServer).
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // Another connection now holds this one's node: close it as superseded.
  virtual void Supersede(uint64_t connection_id) = 0;
  // The connection's hello was accepted: it no longer counts as pending for its address.
  virtual void Authenticated(uint64_t connection_id) = 0;
  virtual void Closed(uint64_t connection_id, CloseReason reason) = 0;
};

// Collaborators shared by every connection; all are thread-safe.
struct ConnectionServices {
  const ConnectionSettings& settings;
  const auth::TokenStore& tokens;
  registry::NodeRegistry& registry;
  hub::Hub& hub;
  IngestMetrics& metrics;
  common::RateLimiter& log_limiter;
};

// One radar node's TCP connection: reads, frames, parses, applies the connection rules of
// protocol.md (hello, auth, binding, takeover, idle), and hands accepted frames to the hub. It
// never writes to the node. Reads are readiness-driven into a per-thread buffer, so an idle
// connection holds no read buffer at all. All work runs on the socket's executor (one I/O thread);
// only Close may be called from elsewhere.
class Connection final : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, uint64_t id, const ConnectionServices& services,
             ConnectionOwner& owner);

  // Runs on the connection's executor.
  void Start();
  // Thread-safe; the close itself runs on the connection's thread.
  void Close(CloseReason reason);
  uint64_t id() const { return id_; }
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

  // LineFramer sink.
  bool OnLine(char* line, size_t length);
  bool OnOverlong();

 private:
  using SteadyClock = std::chrono::steady_clock;

  void WaitReadable();
  void OnReadable();
  void ArmTimer(SteadyClock::time_point deadline);
  void OnTimer();
  bool OnHello(char* line, size_t length);
  bool Handle(const protocol::Message& message, size_t bytes);
  void Shutdown(CloseReason reason, std::string_view detail = {});
  // A frame (or line) dropped: one warning per node and reason per period, with the count.
  void Warn(std::string_view reason, std::string_view detail = {});
  // Brings the shared count of partial-line bytes up to date with the framer and applies
  // --line-memory; false when the connection was closed for it.
  bool AccountPartialLine();
  // The same, rate-limited per node and reason, as `message` at `level`.
  void Note(common::LogLevel level, std::string_view message, std::string_view reason,
            std::string_view detail = {});

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  const uint64_t id_;
  const ConnectionServices& services_;
  ConnectionOwner& owner_;
  protocol::LineFramer framer_;
  std::string peer_;
  registry::NodePtr node_;           // set by a successful hello
  hub::Channel* channel_ = nullptr;  // node_'s
  bool closed_ = false;
  SteadyClock::time_point last_activity_;
  // Wall time of the current read: its frames' received_at and the node's last_frame_at.
  std::chrono::system_clock::time_point read_at_wall_;
  protocol::WallTime received_at_;
  common::LocalRateLimiter warn_limiter_;  // this connection's warnings, before the shared limiter
  size_t partial_accounted_ = 0;  // framer_.buffered() as counted in metrics.partial_line_bytes()
};

}  // namespace radarhub::ingest
