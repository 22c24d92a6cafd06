#include "ingest_app.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "radarhub/auth/secret.hpp"
#include "radarhub/rpc/credentials.hpp"
#include "radarhub/service/grpc_server.hpp"

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
      .max_nodes = c.max_nodes,
      .line_memory = c.line_memory,
  };
}

}  // namespace

IngestApp::IngestApp(IngestConfig config)
    : config_(std::move(config)),
      connection_settings_(MakeConnectionSettings(config_)),
      registry_(NewEpoch(), &hub_),  // only keeps the address: hub_ is built next
      hub_(hub::HubSettings{.epoch = registry_.epoch(),
                            .replay_frames = config_.replay_frames,
                            .replay_memory = config_.replay_memory,
                            .subscriber_queue = config_.subscriber_queue,
                            .subscriber_memory = config_.subscriber_memory}),
      metrics_(std::make_shared<IngestMetrics>(registry_, hub_)),
      pool_(config_.io_threads, "node-io"),
      node_health_(hub_, pump_.First()),
      tick_timer_(pool_.First()) {
  server_ = std::make_unique<NodeServer>(
      pool_,
      ConnectionServices{connection_settings_, tokens_, registry_, hub_, *metrics_, log_limiter_},
      config_.max_connections, config_.max_pending_per_address);
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
  RegisterListedNodes();
  if (!server_->Listen(config_.node_listen, error)) return false;
  pump_.Start();  // before gRPC: a health watch may arrive as soon as it serves
  metrics_->SetQueuedEventsProbe([this] {
    std::lock_guard service_lock(service_mu_);
    return service_ ? service_->queued_events() : 0;
  });
  accept_failures_seen_ = service::GrpcAcceptFailures();
  if (!StartGrpc(error)) return false;
  if (config_.metrics_listen) {
    exposer_ = service::StartMetrics(*config_.metrics_listen, metrics_, metrics_port_, error);
    if (!exposer_) return false;
  }
  service::PrintListening("node", {config_.node_listen.host, node_port()});
  service::PrintListening("grpc", {config_.grpc_listen.host, grpc_port_});
  if (exposer_) service::PrintListening("metrics", {config_.metrics_listen->host, metrics_port_});
  WatchSecretFiles();
  server_->Start();
  rebuild_thread_ = std::thread([this] { RebuildLoop(); });
  ScheduleTick();
  pool_.Start();
  started_ = true;
  common::LogInfo("ingest started", {{"epoch", std::to_string(registry_.epoch())},
                                     {"io_threads", std::to_string(config_.io_threads)}});
  return true;
}

namespace {
// Nodes ticked per turn of the I/O thread. All 10,000 in one turn held node reads back for 30-50
// ms every second (the tail of node write -> tracker at 10,000 nodes); a slice takes well under
// a millisecond.
constexpr size_t kNodesPerTickSlice = 128;
}  // namespace

void IngestApp::TickNodes(size_t cursor) {
  const auto now = registry::WallClock::now();
  for (const registry::NodePtr& node : registry_.TickRates(now, cursor, kNodesPerTickSlice)) {
    registry_.WithStatus(*node, [&](const v1::NodeStatus& status) {
      hub_.RefreshStatus(*node->channel(), MakeStatusEvent(status));
    });
  }
  node_walk_running_ = cursor != 0;
  if (node_walk_running_) {
    asio::post(tick_timer_.get_executor(), [this, cursor] { TickNodes(cursor); });
  }
}

// At 1 Hz: recompute rates, and refresh the status new subscribers start with for the nodes
// that changed (idle nodes cost nothing).
void IngestApp::ScheduleTick() {
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = registry::WallClock::now();
    if (!node_walk_running_) TickNodes(0);
    if (config_.forget_after.count() != 0) ForgetIdleNodes(now - config_.forget_after);
    if (const uint64_t failures = service::GrpcAcceptFailures();
        failures != accept_failures_seen_) {
      accept_failures_seen_ = failures;
      // Not on this I/O thread: rebuilding waits for descriptors and for streams to end.
      std::lock_guard lock(rebuild_mu_);
      rebuild_requested_ = true;
      rebuild_wanted_.notify_one();
    }
    if (const uint64_t held = log_limiter_.TakeOverBudget(); held != 0) {
      common::LogWarn("log lines suppressed",
                      {{"count", std::to_string(held)}, {"why", "more than 1000 in 10 s"}});
    }
    hub_.TrimReplay();
    // Frames, streams and connections are small allocations spread over the heap: when many are
    // freed at once (streams end, rings shrink, a flood of connections is over), glibc keeps the
    // pages unless asked. It is asked once more than 64 MiB lie free, so a steady ingest never
    // pays for a trim (it walks the heap under the arenas' locks).
    if (mallinfo2().fordblks > (size_t{64} << 20)) malloc_trim(0);
    ScheduleTick();
  });
}

// The API and admin tokens, at start, on a rebuild and when their files change: both or neither.
bool IngestApp::ReloadApiTokens(std::string& error) {
  std::string token, admin_token = config_.admin_token;
  if (!rpc::LoadApiToken(config_.api_token, config_.api_token_file, token, error)) return false;
  if (!config_.admin_token_file.empty() &&
      !auth::ReadSecretLine("--admin-token-file", config_.admin_token_file, admin_token, error)) {
    return false;
  }
  api_token_.Reset(token);
  admin_token_.Reset(admin_token);
  return true;
}

bool IngestApp::StartGrpc(std::string& error, bool rebuild) {
  if (!ReloadApiTokens(error)) return false;
  const auto credentials = rpc::MakeServerCredentials(
      {.cert_file = config_.tls_cert,
       .key_file = config_.tls_key,
       .client_ca_file = config_.tls_client_ca,
       .reload_interval = service::WholeSeconds(config_.reload_interval)},
      error);
  if (!credentials) return false;

  auto service = std::make_unique<IngestService>(
      IngestServiceSettings{.max_batch = config_.max_batch,
                            .max_subscribers = config_.max_subscribers},
      api_token_, tokens_, registry_, hub_, *metrics_);
  {
    std::lock_guard lock(service_mu_);
    service_ = std::move(service);
  }
  admin_service_ =
      std::make_unique<AdminService>(admin_token_, registry_, *server_, *metrics_, node_health_);
  std::unique_ptr<grpc::ServerCompletionQueue> subscribe_queue;
  // A rebuilt server takes the port the first one bound (port 0 picked it).
  const common::HostPort listen = {config_.grpc_listen.host,
                                   rebuild ? grpc_port_ : config_.grpc_listen.port};
  grpc_server_ = service::StartGrpcServer({.listen = listen,
                                           .credentials = credentials,
                                           .services = {service_.get(), admin_service_.get()},
                                           .serving = v1::Ingest::service_full_name(),
                                           .completion_queue = &subscribe_queue},
                                          grpc_port_, error);
  if (!grpc_server_) return false;
  service_->ServeSubscribe(std::move(subscribe_queue));
  if (!rebuild) {
    node_health_.Start(service::HealthOf(*grpc_server_));
    return true;
  }
  node_health_.Attach(service::HealthOf(*grpc_server_), [this](service::HealthService& health) {
    for (const registry::NodePtr& node : registry_.All()) {
      health.SetServingStatus("node/" + node->id(), registry_.Connected(*node));
    }
  });
  return true;
}

void IngestApp::RebuildGrpc() {
  // The failed listener stays quiet until the server goes, and the flood that used every
  // descriptor may still be draining: wait (a while) for a quarter of them to be free.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  const auto open_fds = [] {
    std::error_code ec;  // opening the directory itself takes a descriptor: none left, "all"
    std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
    size_t n = 0;
    for (; !ec && it != end; it.increment(ec)) ++n;
    return ec ? SIZE_MAX : n;
  };
  for (int i = 0; i < 300 && !stopping_ && open_fds() > limit.rlim_cur / 4 * 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  common::LogError(
      "grpc listener failed: rebuilding the gRPC server",
      {{"port", std::to_string(grpc_port_)}, {"open_fds", std::to_string(open_fds())}});
  StopGrpc(std::chrono::steady_clock::now() + std::chrono::seconds(1), /*rebuild=*/true);
  grpc_server_.reset();
  std::string error;
  if (!StartGrpc(error, /*rebuild=*/true)) {
    common::LogError("grpc server not rebuilt", {{"error", error}});
  } else {
    common::LogInfo("grpc server rebuilt", {{"port", std::to_string(grpc_port_)}});
  }
}

// Started with the service, not when needed: when it is needed, descriptors may be gone.
void IngestApp::RebuildLoop() {
  std::unique_lock lock(rebuild_mu_);
  for (;;) {
    rebuild_wanted_.wait(lock, [this] { return rebuild_requested_ || stopping_; });
    if (stopping_) return;
    rebuild_requested_ = false;
    lock.unlock();
    RebuildGrpc();
    lock.lock();
  }
}

void IngestApp::RegisterListedNodes() {
  for (const std::string& id : tokens_.ListedNodes()) {
    if (registry_.Find(id) != nullptr) continue;
    const registry::NodePtr node = registry_.Get(id);
    registry_.WithStatus(*node, [&](const v1::NodeStatus& status) {
      hub_.Publish(*node->channel(), MakeStatusEvent(status));
    });
  }
}

void IngestApp::ForgetIdleNodes(registry::WallClock::time_point disconnected_by) {
  const std::vector<std::string> forgotten = registry_.ForgetIdle(
      disconnected_by, [&](const std::string& id) { return tokens_.IsListed(id); });
  if (forgotten.empty()) return;
  metrics_->NodesForgotten(forgotten.size());
  for (const std::string& id : forgotten) node_health_.Forget(id);
  // One line per tick, however many went (a flood of ids leaves together).
  common::LogInfo("nodes forgotten",
                  {{"count", std::to_string(forgotten.size())},
                   {"first", forgotten.front()},
                   {"after", std::to_string(config_.forget_after.count() / 1000) + "s"}});
}

// Waits for the Subscribe streams to end (they flush, then finish with UNAVAILABLE) until the
// deadline, then shuts the server down at once, cancelling what is left (health watches too).
// Server::Shutdown runs on its own thread: it must not run on one that drives gRPC or Asio.
void IngestApp::StopGrpc(std::chrono::steady_clock::time_point deadline, bool rebuild) {
  if (!grpc_server_) return;
  if (rebuild) node_health_.Detach();
  service_->Drain();
  while (service_->streams() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::thread([this] { grpc_server_->Shutdown(std::chrono::system_clock::now()); }).join();
  service_->StopSubscribe();
  if (!rebuild) node_health_.Stop();
}

bool IngestApp::ReloadTokens(std::string& error) {
  if (!tokens_.Reload(error)) return false;
  RegisterListedNodes();
  return true;
}

void IngestApp::WatchSecretFiles() {
  secret_files_.WatchSecret(config_.tokens_file, "--tokens-file",
                            [this](std::string& error) { return ReloadTokens(error); });
  const auto reload_api_tokens = [this](std::string& error) { return ReloadApiTokens(error); };
  secret_files_.WatchSecret(config_.api_token_file, "--api-token-file", reload_api_tokens);
  secret_files_.WatchSecret(config_.admin_token_file, "--admin-token-file", reload_api_tokens);
  secret_files_.Start();
}

void IngestApp::Stop() {
  secret_files_.Stop();
  {
    std::lock_guard lock(rebuild_mu_);
    stopping_ = true;
    rebuild_wanted_.notify_one();
  }
  // A rebuild under way finishes first (it holds stop_mu_ while it works) or sees stopped_.
  if (rebuild_thread_.joinable()) rebuild_thread_.join();
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (started_) {
    common::LogInfo("ingest stopping");
    const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
    if (grpc_server_) grpc_server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING first
    server_->Stop(config_.shutdown_grace);  // final node statuses reach subscribers
    StopGrpc(deadline);
    std::promise<void> cancelled;
    asio::post(tick_timer_.get_executor(), [this, &cancelled] {
      tick_timer_.cancel();
      cancelled.set_value();
    });
    cancelled.get_future().wait_for(config_.shutdown_grace);
  } else {
    StopGrpc(std::chrono::steady_clock::now());  // Start failed after the gRPC server came up
  }
  pool_.Stop();
  pump_.Stop();
  exposer_.reset();
  if (started_) common::LogInfo("ingest stopped");
}

}  // namespace radarhub::ingest
