#pragma once

#include <utility>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admin_service.hpp"
#include "config.hpp"
#include "connection.hpp"
#include "ingest_metrics.hpp"
#include "ingest_service.hpp"
#include "io_pool.hpp"
#include "node_health.hpp"
#include "node_server.hpp"
#include "radarhub/auth/token_store.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/hub/hub.hpp"
#include "radarhub/registry/node_registry.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/service/file_watcher.hpp"

namespace grpc {
class Server;
}
namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace radarhub::ingest {

// The ingest service, wired: token store, node registry, hub, node server, gRPC server (Ingest,
// health, reflection), metrics endpoint and the 1 Hz rate ticker. main() only parses flags, calls
// Start, and Stop on a signal; tests run the same object in-process. Start/Stop/ReloadTokens are
// thread-safe.
class IngestApp final {
 public:
  explicit IngestApp(IngestConfig config);
  ~IngestApp();

  // Loads tokens, binds every listener, starts the threads and prints "listening <name>
  // <host>:<port>" per listener. On failure returns false with one line naming the setting.
  bool Start(std::string& error);
  // Drains within --shutdown-grace: health NOT_SERVING, stop accepting, close node connections,
  // end Subscribe streams with UNAVAILABLE once they have sent what they hold, stop threads.
  // Idempotent; must not run on an I/O thread.
  void Stop();
  bool ReloadTokens(std::string& error);

  uint16_t node_port() const { return server_->port(); }
  uint16_t metrics_port() const { return metrics_port_; }
  uint16_t grpc_port() const { return grpc_port_; }
  uint64_t epoch() const { return registry_.epoch(); }
  hub::Hub& hub() { return hub_; }
  registry::NodeRegistry& registry() { return registry_; }
  IngestMetrics& metrics() { return *metrics_; }
  const common::RateLimiter& log_limiter() const { return log_limiter_; }
  size_t partial_line_bytes() const { return std::as_const(*metrics_).partial_line_bytes(); }
  // Null until Start has brought gRPC up; replaced when the gRPC server is rebuilt.
  IngestService* service() {
    std::lock_guard lock(service_mu_);
    return service_.get();
  }
  size_t connections() const { return server_->connections(); }
  size_t pending_connections() const { return server_->pending_connections(); }

 private:
  void ScheduleTick();
  // One slice of the 1 Hz node tick (rates and the statuses new subscribers get), from `cursor`
  // on; the rest follows in later turns of the I/O thread.
  void TickNodes(size_t cursor);
  // Under stop_mu_. `rebuild`: the server replaces one that failed (same port; node health
  // entries carried over).
  bool StartGrpc(std::string& error, bool rebuild = false);
  void StopGrpc(std::chrono::steady_clock::time_point deadline, bool rebuild = false);
  // gRPC 1.51's listener dies for good when accept4 fails (service::GrpcAcceptFailures): the
  // nodes still flow but no API client can reach the ingest. Rebuilds the gRPC server on its port
  // once descriptors are available again; its streams end with UNAVAILABLE, and trackers resume.
  void RebuildGrpc();
  void RebuildLoop();
  // Token files read again when they change on disk (a rotated Secret).
  void WatchSecretFiles();
  bool ReloadApiTokens(std::string& error);
  // Nodes named in the tokens file are known from the start: listed, health NOT_SERVING.
  void RegisterListedNodes();
  // Forgets the nodes (but tokens-file ones) disconnected since `disconnected_by` or earlier.
  void ForgetIdleNodes(registry::WallClock::time_point disconnected_by);

  const IngestConfig config_;
  const ConnectionSettings connection_settings_;
  auth::TokenStore tokens_;
  registry::NodeRegistry registry_;
  hub::Hub hub_;
  std::shared_ptr<IngestMetrics> metrics_;
  common::RateLimiter log_limiter_;
  IoPool pool_;
  std::unique_ptr<NodeServer> server_;
  rpc::ApiTokenGuard api_token_;
  rpc::ApiTokenGuard admin_token_{"", "admin token"};
  service::FileWatcher secret_files_{config_.reload_interval};  // token files, from Start to Stop
  std::unique_ptr<AdminService> admin_service_;
  IoPool pump_{1, "health-pump"};           // publishes node health off the producers' threads
  mutable std::mutex service_mu_;           // service_ is replaced by RebuildGrpc
  std::unique_ptr<IngestService> service_;  // guarded by service_mu_ for readers off stop_mu_
  NodeHealthPublisher node_health_;
  std::unique_ptr<grpc::Server> grpc_server_;
  uint16_t grpc_port_ = 0;
  boost::asio::steady_timer tick_timer_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  uint16_t metrics_port_ = 0;
  std::mutex stop_mu_;
  bool started_ = false, stopped_ = false;  // guarded by stop_mu_
  uint64_t accept_failures_seen_ = 0;       // tick only
  bool node_walk_running_ = false;          // tick only: TickNodes has slices left
  std::atomic<bool> stopping_{false};       // set under rebuild_mu_
  std::mutex rebuild_mu_;
  std::condition_variable rebuild_wanted_;
  bool rebuild_requested_ = false;  // guarded by rebuild_mu_
  std::thread rebuild_thread_;      // runs RebuildLoop from Start to Stop
};

// A random epoch per process start (api.md): sequences restart with it.
uint64_t NewEpoch();

}  // namespace radarhub::ingest
