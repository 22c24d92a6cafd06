#include "tracker_app.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>

#include <boost/asio/post.hpp>
#include <sstream>

#include "radarhub/rpc/credentials.hpp"
#include "radarhub/service/grpc_server.hpp"
#include "tracking_stage.hpp"

namespace radarhub::tracker {

namespace asio = boost::asio;

namespace {

// Ticks let tracks coast and expire when a node falls silent, and track files reach the disk
// within about a second.
constexpr auto kTickEvery = std::chrono::milliseconds(500);

StageFactory DefaultStages(StageFactory stages, const TrackerConfig& config, TrackBoard& tracks,
                           TrackerMetrics& metrics) {
  if (stages) return stages;
  return [&config, &tracks, &metrics](const std::string& node_id) {
    return std::make_unique<TrackingStage>(node_id, config.tracking, &tracks, metrics);
  };
}

}  // namespace

TrackerApp::TrackerApp(TrackerConfig config, StageFactory stages)
    : config_(std::move(config)),
      control_guard_(control_.get_executor()),
      metrics_(std::make_shared<TrackerMetrics>()),
      tracks_(control_.get_executor()),
      table_(std::make_unique<NodeTable>(
          ProvisionSettings{
              .fixed_nodes = config_.nodes,
              .max_nodes = config_.max_nodes,
              .shard_index = config_.shard_index,
              .shard_count = config_.shard_count,
              .receiver = {.queue_size = config_.queue_size},
              .dequeued = [metrics = metrics_.get()](
                              const v1::DetectionFrame& frame) { metrics->FrameDequeued(frame); },
              .worker_threads = config_.worker_threads},
          DefaultStages(std::move(stages), config_, tracks_, *metrics_),
          [this](const std::string& id) {
            if (const auto node = table_->Find(id)) board_.Changed(id, node->receiver().health());
          })),
      board_(control_.get_executor(), *table_),
      tick_timer_(control_),
      resolver_(control_),
      resolve_timer_(control_) {
  metrics_->SetTable(table_.get());
}

TrackerApp::~TrackerApp() { Stop(); }

bool TrackerApp::Start(std::string& error) {
  std::lock_guard lock(stop_mu_);
  if (!ReloadTokens(error)) return false;
  const auto server_credentials = rpc::MakeServerCredentials(
      {.cert_file = config_.tls_cert,
       .key_file = config_.tls_key,
       .client_ca_file = config_.tls_client_ca,
       .reload_interval = service::WholeSeconds(config_.reload_interval)},
      error);
  if (!server_credentials) return false;
  rpc::ClientTlsSettings ingest_tls = config_.ingest_tls;
  ingest_tls.reload_interval = service::WholeSeconds(config_.reload_interval);
  ingest_credentials_ = rpc::MakeChannelCredentials(ingest_tls, error);
  if (!ingest_credentials_) return false;
  control_thread_ = std::thread([this] { control_.run(); });

  service_ = std::make_unique<TrackerService>(api_token_, *table_, board_, tracks_);
  grpc_server_ = service::StartGrpcServer({.listen = config_.grpc_listen,
                                           .credentials = server_credentials,
                                           .services = {service_.get()},
                                           .serving = v1::Tracker::service_full_name()},
                                          grpc_port_, error);
  if (!grpc_server_) return false;
  board_.Attach(&service::HealthOf(*grpc_server_));

  if (config_.metrics_listen) {
    exposer_ = service::StartMetrics(*config_.metrics_listen, metrics_, metrics_port_, error);
    if (!exposer_) return false;
  }
  service::PrintListening("grpc", {config_.grpc_listen.host, grpc_port_});
  if (exposer_) service::PrintListening("metrics", {config_.metrics_listen->host, metrics_port_});

  WatchSecretFiles();
  table_->ProvisionFixed();
  asio::post(control_, [this] {
    Resolve();
    ScheduleTick();
  });
  started_ = true;
  std::ostringstream targets;
  for (const auto& t : config_.ingest) {
    targets << (targets.tellp() > 0 ? "," : "") << (t.resolve_all ? "dns:///" : "")
            << t.address.ToString();
  }
  common::LogInfo("tracker started", {{"ingest", targets.str()},
                                      {"shard", std::to_string(config_.shard_index) + "/" +
                                                    std::to_string(config_.shard_count)}});
  return true;
}

// Control thread. Fixed targets are endpoints as given; a dns:/// target stands for every address
// it resolves to now. A failed lookup keeps that name's previous addresses.
void TrackerApp::Resolve() {
  struct Round {
    std::set<std::string> addresses;
    size_t pending = 0;
  };
  auto round = std::make_shared<Round>();
  std::vector<const IngestTarget*> names;
  for (const IngestTarget& t : config_.ingest) {
    if (t.resolve_all) {
      names.push_back(&t);
    } else {
      round->addresses.insert(t.address.ToString());
    }
  }
  auto finish = [this, round] {
    SetEndpoints(round->addresses);
    bool more = false;
    for (const auto& t : config_.ingest) more = more || t.resolve_all;
    {
      std::lock_guard lock(endpoints_mu_);
      if (endpoints_closed_ || !more) return;
    }
    resolve_timer_.expires_after(config_.resolve_interval);
    resolve_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Resolve();
    });
  };
  if (names.empty()) {
    finish();
    return;
  }
  round->pending = names.size();
  for (const IngestTarget* t : names) {
    resolver_.async_resolve(
        t->address.host, std::to_string(t->address.port),
        [this, round, t, finish](const boost::system::error_code& ec,
                                 const asio::ip::tcp::resolver::results_type& results) {
          const std::string name = t->address.ToString();
          if (ec == asio::error::operation_aborted) return;  // shutting down
          if (ec) {
            common::LogWarn("cannot resolve ingest name; keeping its previous addresses",
                            {{"name", name}, {"error", ec.message()}});
            std::lock_guard lock(endpoints_mu_);
            for (const auto& [address, endpoint] : endpoints_) {
              if (resolved_from_.count(address) && resolved_from_[address] == name) {
                round->addresses.insert(address);
              }
            }
          } else {
            for (const auto& entry : results) {
              const auto ep = entry.endpoint();
              const std::string address = HostPort{ep.address().to_string(), ep.port()}.ToString();
              round->addresses.insert(address);
              std::lock_guard lock(endpoints_mu_);
              resolved_from_[address] = name;
            }
          }
          if (--round->pending == 0) finish();
        });
  }
}

void TrackerApp::ScheduleTick() {
  tick_timer_.expires_after(kTickEvery);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // stopping
    const auto now = std::chrono::system_clock::now();
    table_->TickAll(now);
    if (config_.forget_after.count() > 0) ForgetIdle(now);
    ScheduleTick();
  });
}

void TrackerApp::ForgetIdle(std::chrono::system_clock::time_point now) {
  const auto forgotten = table_->ForgetIdle(now, config_.forget_after);
  if (forgotten.empty()) return;
  std::vector<std::shared_ptr<IngestEndpoint>> endpoints;
  {
    std::lock_guard lock(endpoints_mu_);
    for (const auto& [address, endpoint] : endpoints_) endpoints.push_back(endpoint);
  }
  for (const auto& node : forgotten) {
    for (const auto& endpoint : endpoints) endpoint->Forget(node);
    tracks_.Forget(node->id());
    board_.Forget(node->id());
    common::LogInfo("node forgotten",
                    {{"node_id", node->id()},
                     {"reason", std::string(tracking::ToString(node->receiver().health().reason))},
                     {"after", std::to_string(config_.forget_after.count()) + "ms"}});
  }
}

std::shared_ptr<IngestEndpoint> TrackerApp::MakeEndpoint(const std::string& address,
                                                         const std::string& tls_name) {
  grpc::ChannelArguments args;
  // The channel tries an ingest that is away once a second (one connection attempt per replica):
  // the discovery stream waits for it to connect and, once it is live, every node stream retries
  // at once, so nodes are followed again within about a second of an ingest's return.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // A vanished or frozen ingest (no RST: host down, partition, a stopped process) is found by
  // pings, not after TCP timeouts: one every 2 s that must be answered within 2 s, so its nodes
  // read ingest_unreachable within about 4 s. Our streams send no data after the request, so pings
  // must not wait for data (MAX_PINGS_WITHOUT_DATA 0); the server allows them (grpc_server.cpp).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // One connection per endpoint, not shared with another channel to the same address.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (!tls_name.empty()) args.SetSslTargetNameOverride(tls_name);
  auto channel = grpc::CreateCustomChannel(address, ingest_credentials_, args);
  return std::make_shared<IngestEndpoint>(
      address, std::move(channel),
      EndpointServices{.table = *table_,
                       .health_changed =
                           [this](const std::string& id, const receiver::HealthState& state) {
                             board_.Changed(id, state);
                           },
                       .timers = control_.get_executor(),
                       .authorization = &ingest_authorization_,
                       .calls = calls_,
                       .log_limiter = log_limiter_,
                       .reconnects = metrics_->reconnects(),
                       .tracker_started = created_});
}

void TrackerApp::SetEndpoints(const std::set<std::string>& addresses) {
  std::vector<std::shared_ptr<IngestEndpoint>> added, removed;
  {
    std::lock_guard lock(endpoints_mu_);
    if (endpoints_closed_) return;
    for (auto it = endpoints_.begin(); it != endpoints_.end();) {
      if (addresses.count(it->first) == 0) {
        removed.push_back(it->second);
        resolved_from_.erase(it->first);
        it = endpoints_.erase(it);
      } else {
        ++it;
      }
    }
    for (const std::string& address : addresses) {
      if (endpoints_.count(address) != 0) continue;
      const auto from = resolved_from_.find(address);
      std::string tls_name;
      if (from != resolved_from_.end()) tls_name = ParseHostPort(from->second)->host;
      auto endpoint = MakeEndpoint(address, tls_name);
      endpoints_.emplace(address, endpoint);
      added.push_back(std::move(endpoint));
    }
  }
  for (const auto& endpoint : removed) {
    common::LogInfo("ingest endpoint removed", {{"endpoint", endpoint->name()}});
    endpoint->Stop(/*forget=*/true);
  }
  for (const auto& endpoint : added) {
    common::LogInfo("ingest endpoint added", {{"endpoint", endpoint->name()}});
    endpoint->Start();
  }
}

// The API token, and the ingest's (the API token unless it has one of its own): at start, on
// SIGHUP and when their files change. Both or neither change.
bool TrackerApp::ReloadTokens(std::string& error) {
  std::string token, ingest_token;
  if (!rpc::LoadApiToken(config_.api_token, config_.api_token_file, token, error)) return false;
  if (!rpc::LoadApiToken(config_.ingest_api_token, config_.ingest_api_token_file, ingest_token,
                         error)) {
    error = "--ingest-api-token-file: " + error;
    return false;
  }
  api_token_.Reset(token);
  ingest_authorization_.Set(ingest_token.empty() ? token : ingest_token);
  return true;
}

void TrackerApp::WatchSecretFiles() {
  const auto reload = [this](std::string& error) { return ReloadTokens(error); };
  secret_files_.WatchSecret(config_.api_token_file, "--api-token-file", reload);
  secret_files_.WatchSecret(config_.ingest_api_token_file, "--ingest-api-token-file", reload);
  secret_files_.Start();
}

void TrackerApp::Stop() {
  secret_files_.Stop();
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
  if (started_) common::LogInfo("tracker stopping");
  if (grpc_server_) grpc_server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING first
  std::vector<std::shared_ptr<IngestEndpoint>> endpoints;
  {
    std::lock_guard endpoints_lock(endpoints_mu_);
    endpoints_closed_ = true;
    for (auto& [address, endpoint] : endpoints_) endpoints.push_back(endpoint);
    endpoints_.clear();
  }
  asio::post(control_, [this] {
    resolve_timer_.cancel();
    resolver_.cancel();
    tick_timer_.cancel();
  });
  for (const auto& endpoint : endpoints) endpoint->Stop(/*forget=*/false);
  if (!calls_.WaitIdle(deadline)) {
    common::LogWarn("ingest streams still ending after --shutdown-grace; waiting for them");
    calls_.WaitIdle();  // what they use is freed next
  }
  table_->StopAll(deadline);  // the workers process what is queued
  if (grpc_server_) {
    board_.Drain();
    tracks_.Drain();
    while ((board_.watchers() != 0 || tracks_.streamers() != 0) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::thread([this] { grpc_server_->Shutdown(std::chrono::system_clock::now()); }).join();
  }
  if (control_thread_.joinable()) {
    // FIFO: whatever the shutdown posted (watchers deleting themselves) runs before this.
    asio::post(control_, [this] { control_.stop(); });
    control_thread_.join();
  }
  exposer_.reset();
  if (started_) common::LogInfo("tracker stopped");
}

}  // namespace radarhub::tracker
