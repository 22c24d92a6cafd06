#pragma once

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_callback.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

namespace radarhub::service {

// grpc.health.v1.Health (Check and Watch) as gRPC's default service serves it, plus Forget: the
// default one can never drop an entry, and `node/<id>` entries come and go with node ids that
// clients choose, so they must be forgotten with the node. Thread-safe.
class HealthService final : public grpc::HealthCheckServiceInterface,
                            public grpc::health::v1::Health::CallbackService {
 public:
  HealthService() { serving_.emplace("", true); }  // the server itself, as gRPC's default does

  void SetServingStatus(const std::string& service_name, bool serving) override;
  void SetServingStatus(bool serving) override;
  // Every entry NOT_SERVING, and no change accepted afterwards.
  void Shutdown() override;
  // The entry goes: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN.
  void Forget(const std::string& service_name);
  size_t entries() const;

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // Under mu_: the entry changes (nullopt: gone) and its watchers hear of it.
  void UpdateLocked(const std::string& name, std::optional<bool> serving);
  void Unregister(Watcher* watcher);

  mutable std::mutex mu_;
  bool shutdown_ = false;                                       // guarded by mu_
  std::map<std::string, bool, std::less<>> serving_;            // guarded by mu_
  std::multimap<std::string, Watcher*, std::less<>> watchers_;  // guarded by mu_
};

// The HealthService StartGrpcServer gave `server`.
HealthService& HealthOf(grpc::Server& server);

}  // namespace radarhub::service
