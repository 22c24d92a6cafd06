#pragma once

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "config.hpp"
#include "ingest_endpoint.hpp"
#include "node_table.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/service/file_watcher.hpp"
#include "track_board.hpp"
#include "tracker_metrics.hpp"
#include "tracker_service.hpp"

namespace grpc {
class Server;
}
namespace prometheus {
class Exposer;
}

namespace radarhub::tracker {

// The tracker, wired: ingest endpoints (fixed, or every address a dns:/// name resolves to, kept
// current), the node table with a receiver and a tracking stage per node run on a fixed worker
// pool, the Tracker gRPC API with health, reflection and tracks, and /metrics. main() parses flags,
// calls Start, and Stop on a signal; tests and benchmarks run the same object in-process
// (optionally with their own stage).
class TrackerApp final {
 public:
  explicit TrackerApp(TrackerConfig config, StageFactory stages = nullptr);
  ~TrackerApp();

  // Binds the listeners, starts the threads and the ingest streams, prints "listening <name>
  // <host>:<port>". On failure returns false with one line naming the setting.
  bool Start(std::string& error);
  // Drains within --shutdown-grace: health NOT_SERVING, ingest streams end, each node's queue is
  // processed, WatchHealth streams end with UNAVAILABLE. Idempotent; not from a gRPC thread.
  void Stop();
  // Reads the API token files again (SIGHUP); on failure the previous tokens stay.
  bool ReloadTokens(std::string& error);

  uint16_t grpc_port() const { return grpc_port_; }
  uint16_t metrics_port() const { return metrics_port_; }
  NodeTable& table() { return *table_; }
  TrackerMetrics& metrics() { return *metrics_; }
  TrackBoard& tracks() { return tracks_; }

 private:
  void WatchSecretFiles();
  void Resolve();
  void ScheduleTick();
  void SetEndpoints(const std::set<std::string>& addresses);
  // --forget-after: nodes unhealthy that long leave the table, their streams, and the boards.
  void ForgetIdle(std::chrono::system_clock::time_point now);
  std::shared_ptr<IngestEndpoint> MakeEndpoint(const std::string& address,
                                               const std::string& tls_name);

  const TrackerConfig config_;
  // Nodes that connect after this follow from their first frame (ingest_endpoint.cpp).
  const std::chrono::system_clock::time_point created_ = std::chrono::system_clock::now();
  boost::asio::io_context control_;  // retry timers, DNS, health board, watchers
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> control_guard_;
  std::thread control_thread_;
  std::shared_ptr<TrackerMetrics> metrics_;
  TrackBoard tracks_;
  std::unique_ptr<NodeTable> table_;
  HealthBoard board_;
  boost::asio::steady_timer tick_timer_;
  rpc::ApiTokenGuard api_token_;
  rpc::BearerToken ingest_authorization_;                       // secret
  service::FileWatcher secret_files_{config_.reload_interval};  // from Start to Stop
  std::shared_ptr<grpc::ChannelCredentials> ingest_credentials_;
  CallCounter calls_;
  common::RateLimiter log_limiter_;
  std::atomic<uint64_t> reconnects_{0};
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer resolve_timer_;
  std::mutex endpoints_mu_;
  std::map<std::string, std::shared_ptr<IngestEndpoint>> endpoints_;  // guarded by endpoints_mu_
  std::map<std::string, std::string> resolved_from_;  // guarded by endpoints_mu_: address -> name
  bool endpoints_closed_ = false;                     // guarded by endpoints_mu_
  std::unique_ptr<TrackerService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  uint16_t grpc_port_ = 0;
  std::unique_ptr<prometheus::Exposer> exposer_;
  uint16_t metrics_port_ = 0;
  std::mutex stop_mu_;
  bool started_ = false, stopped_ = false;  // guarded by stop_mu_
};

}  // namespace radarhub::tracker
