#include "radarhub/service/grpc_server.hpp"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <grpc/support/log.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string_view>

#include "grpc/health/v1/health.pb.h"
#include "radarhub/common/build_info.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/metrics/families.hpp"
#include "radarhub/service/health_service.hpp"

namespace radarhub::service {
namespace {

// radarhub_build_info{version,commit} 1: what a dashboard joins on to tell replicas' builds apart.
class BuildInfo final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    auto family = metrics::Family("radarhub_build_info", "version and git commit of this binary",
                                  prometheus::MetricType::Gauge);
    metrics::AddGauge(family, 1,
                      {{"version", std::string(common::Version())},
                       {"commit", std::string(common::GitCommit())}});
    return {std::move(family)};
  }
};

std::atomic<uint64_t> g_accept_failures{0};

void ForwardGrpcLog(gpr_log_func_args* args) {
  const std::string_view message = args->message != nullptr ? args->message : "";
  if (message.starts_with("Failed accept4")) g_accept_failures.fetch_add(1);
  const common::LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR ? common::LogLevel::kError
                                 : args->severity == GPR_LOG_SEVERITY_INFO
                                     ? common::LogLevel::kInfo
                                     : common::LogLevel::kDebug;
  common::Logger::Write(level, "grpc",
                        {{"message", std::string(message)},
                         {"at", std::string(args->file != nullptr ? args->file : "") + ":" +
                                    std::to_string(args->line)}});
}

}  // namespace

void ForwardGrpcLogs() {
  static std::once_flag once;
  std::call_once(once, [] { gpr_set_log_function(ForwardGrpcLog); });
}

uint64_t GrpcAcceptFailures() { return g_accept_failures.load(std::memory_order_relaxed); }

std::unique_ptr<grpc::Server> StartGrpcServer(const GrpcServerSpec& spec, uint16_t& port,
                                              std::string& error) {
  // Links health.proto's descriptor into the binary so reflection can describe the health service.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  ForwardGrpcLogs();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Our health service, not gRPC's default: node entries must be able to go (HealthService).
  auto health = std::make_unique<HealthService>();
  builder.RegisterService(health.get());  // owned by the server, through the option below
  builder.SetOption(
      std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(std::move(health)));
  int bound = 0;
  builder.AddListeningPort(spec.listen.ToString(), spec.credentials, &bound);
  for (grpc::Service* service : spec.services) builder.RegisterService(service);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Trackers ping every 2 s to notice a frozen ingest within seconds: allow pings 1 s apart, so
  // an idle stream is not closed for "too many pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  if (spec.completion_queue) *spec.completion_queue = builder.AddCompletionQueue();
  auto server = builder.BuildAndStart();
  if (!server || bound == 0) {
    error = "--grpc-listen: cannot listen on " + spec.listen.ToString();
    return nullptr;
  }
  port = static_cast<uint16_t>(bound);
  if (!spec.serving.empty()) server->GetHealthCheckService()->SetServingStatus(spec.serving, true);
  return server;
}

std::unique_ptr<prometheus::Exposer> StartMetrics(
    const common::HostPort& listen, std::shared_ptr<prometheus::Collectable> collectable,
    uint16_t& port, std::string& error) {
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(listen.ToString());
    exposer->RegisterCollectable(collectable);
    static const auto build_info = std::make_shared<BuildInfo>();  // the exposer keeps a weak_ptr
    exposer->RegisterCollectable(build_info);
    port = static_cast<uint16_t>(exposer->GetListeningPorts().at(0));
    return exposer;
  } catch (const std::exception& e) {
    error = "--metrics-listen: cannot listen on " + listen.ToString() + ": " + e.what();
    return nullptr;
  }
}

void PrintListening(const char* name, const common::HostPort& address) {
  std::fprintf(stderr, "listening %s %s\n", name, address.ToString().c_str());
}

}  // namespace radarhub::service
