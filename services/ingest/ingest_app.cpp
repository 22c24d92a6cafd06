#include "ingest_app.hpp"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <boost/asio/post.hpp>
#include <cstdio>
#include <future>
#include <random>

#include "status_event.hpp"

namespace radarhub::ingest {

namespace asio = boost::asio;

uint64_t NewEpoch() {
  std::random_device rd;
  uint64_t epoch = 0;
  while (epoch == 0) epoch = (uint64_t{rd()} << 32) ^ rd();
  return epoch;
}

namespace {

ConnectionSettings MakeConnectionSettings(const IngestConfig& c) {
  return ConnectionSettings{
      .max_line_bytes = c.max_line_bytes,
      .parse_limits = {.max_detections = c.max_detections},
      .auth_timeout = c.auth_timeout,
      .idle_timeout = c.idle_timeout,
      .tcp_nodelay = c.tcp_nodelay,
  };
}

void PrintListening(const char* name, const std::string& host, uint16_t port) {
  // Fixed format whatever --log-format says: tests and scripts read it to find port 0's choice.
  std::fprintf(stderr, "listening %s %s\n", name, HostPort{host, port}.ToString().c_str());
}

}  // namespace

IngestApp::IngestApp(IngestConfig config)
    : config_(std::move(config)),
      connection_settings_(MakeConnectionSettings(config_)),
      registry_(NewEpoch()),
      hub_(hub::HubSettings{.epoch = registry_.epoch(),
                            .replay_frames = config_.replay_frames,
                            .subscriber_queue = config_.subscriber_queue}),
      metrics_(std::make_shared<IngestMetrics>(registry_, hub_)),
      pool_(config_.io_threads),
      tick_timer_(pool_.First()) {
  server_ = std::make_unique<NodeServer>(
      pool_,
      ConnectionServices{connection_settings_, tokens_, registry_, hub_, *metrics_, log_limiter_},
      config_.max_connections);
}

IngestApp::~IngestApp() { Stop(); }

bool IngestApp::Start(std::string& error) {
  std::lock_guard lock(stop_mu_);
  auth::TokenSettings token_settings{.tokens_file = config_.tokens_file,
                                     .shared_token = config_.token,
                                     .auto_provision = config_.auto_provision,
                                     .allow_unauthenticated = config_.allow_unauthenticated};
  if (!tokens_.Load(token_settings, error)) return false;
  if (tokens_.unauthenticated()) {
    common::LogWarn("no node token configured: any node may connect (--allow-unauthenticated)");
  }
  if (!server_->Listen(config_.node_listen, error)) return false;
  if (config_.metrics_listen) {
    try {
      prometheus_registry_ = std::make_shared<prometheus::Registry>();
      exposer_ = std::make_unique<prometheus::Exposer>(config_.metrics_listen->ToString());
      exposer_->RegisterCollectable(metrics_);
      metrics_port_ = static_cast<uint16_t>(exposer_->GetListeningPorts().at(0));
    } catch (const std::exception& e) {
      error = "--metrics-listen: cannot listen on " + config_.metrics_listen->ToString() + ": " +
              e.what();
      return false;
    }
  }
  PrintListening("node", config_.node_listen.host, node_port());
  if (exposer_) PrintListening("metrics", config_.metrics_listen->host, metrics_port_);
  server_->Start();
  ScheduleTick();
  pool_.Start();
  started_ = true;
  common::LogInfo("ingest started", {{"epoch", std::to_string(registry_.epoch())},
                                     {"io_threads", std::to_string(config_.io_threads)}});
  return true;
}

// At 1 Hz: recompute rates, and refresh the status new subscribers start with for the nodes
// that changed (idle nodes cost nothing).
void IngestApp::ScheduleTick() {
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    for (registry::Node* node : registry_.TickRates(registry::WallClock::now())) {
      v1::NodeStatus status;
      registry_.FillStatus(*node, status);
      hub_.RefreshStatus(hub_.GetChannel(node->id()), MakeStatusEvent(status));
    }
    ScheduleTick();
  });
}

bool IngestApp::ReloadTokens(std::string& error) { return tokens_.Reload(error); }

void IngestApp::Stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (started_) {
    common::LogInfo("ingest stopping");
    server_->Stop(config_.shutdown_grace);
    std::promise<void> cancelled;
    asio::post(tick_timer_.get_executor(), [this, &cancelled] {
      tick_timer_.cancel();
      cancelled.set_value();
    });
    cancelled.get_future().wait_for(config_.shutdown_grace);
  }
  pool_.Stop();
  exposer_.reset();
  if (started_) common::LogInfo("ingest stopped");
}

}  // namespace radarhub::ingest
