#include "radarhub/service/health_service.hpp"

#include <grpcpp/server.h>

namespace radarhub::service {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream: sends the entry's status now and on each change, only the latest if the
// client is behind. Lock order: the service's mu_, then the watcher's.
class HealthService::Watcher final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService& service, std::string name) : service_(service), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  void Send(ServingStatus status) {
    std::lock_guard lock(mu_);
    if (finishing_) return;
    pending_ = status;
    if (!writing_) WriteLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok || finishing_) {
      FinishLocked();
    } else if (pending_) {
      WriteLocked();
    }
  }
  void OnCancel() override {
    std::lock_guard lock(mu_);
    if (!writing_) FinishLocked();
    finishing_ = true;  // a write under way finishes in OnWriteDone
  }
  void OnDone() override {
    service_.Unregister(this);
    delete this;
  }

 private:
  void WriteLocked() {
    response_.set_status(*pending_);
    pending_.reset();
    writing_ = true;
    StartWrite(&response_);
  }
  void FinishLocked() {
    if (finished_) return;
    finished_ = finishing_ = true;
    Finish(grpc::Status::OK);
  }

  HealthService& service_;
  const std::string name_;
  std::mutex mu_;
  HealthCheckResponse response_;          // guarded by mu_: the write under way
  std::optional<ServingStatus> pending_;  // guarded by mu_
  bool writing_ = false, finishing_ = false, finished_ = false;  // guarded by mu_
};

namespace {

HealthCheckResponse::ServingStatus ToStatus(std::optional<bool> serving) {
  if (!serving) return HealthCheckResponse::SERVICE_UNKNOWN;
  return *serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

}  // namespace

void HealthService::UpdateLocked(const std::string& name, std::optional<bool> serving) {
  const auto [first, last] = watchers_.equal_range(name);
  for (auto it = first; it != last; ++it) it->second->Send(ToStatus(serving));
}

void HealthService::SetServingStatus(const std::string& service_name, bool serving) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  const auto [it, added] = serving_.try_emplace(service_name, serving);
  if (!added && it->second == serving) return;
  it->second = serving;
  UpdateLocked(service_name, serving);
}

void HealthService::SetServingStatus(bool serving) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  for (auto& [name, value] : serving_) {
    if (value == serving) continue;
    value = serving;
    UpdateLocked(name, serving);
  }
}

void HealthService::Shutdown() {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  for (auto& [name, value] : serving_) {
    if (!value) continue;
    value = false;
    UpdateLocked(name, false);
  }
  shutdown_ = true;
}

void HealthService::Forget(const std::string& service_name) {
  std::lock_guard lock(mu_);
  if (serving_.erase(service_name) != 0) UpdateLocked(service_name, std::nullopt);
}

size_t HealthService::entries() const {
  std::lock_guard lock(mu_);
  return serving_.size();
}

void HealthService::Unregister(Watcher* watcher) {
  std::lock_guard lock(mu_);
  const auto [first, last] = watchers_.equal_range(watcher->name());
  for (auto it = first; it != last; ++it) {
    if (it->second == watcher) {
      watchers_.erase(it);
      return;
    }
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::optional<bool> serving;
  {
    std::lock_guard lock(mu_);
    if (const auto it = serving_.find(request->service()); it != serving_.end()) {
      serving = it->second;
    }
  }
  if (!serving) {
    reactor->Finish({grpc::StatusCode::NOT_FOUND, "service name unknown"});
  } else {
    response->set_status(ToStatus(serving));
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext*, const HealthCheckRequest* request) {
  auto* watcher = new Watcher(*this, request->service());
  std::lock_guard lock(mu_);
  watchers_.emplace(request->service(), watcher);
  const auto it = serving_.find(request->service());
  watcher->Send(ToStatus(it != serving_.end() ? std::optional<bool>(it->second) : std::nullopt));
  return watcher;
}

HealthService& HealthOf(grpc::Server& server) {
  return static_cast<HealthService&>(*server.GetHealthCheckService());
}

}  // namespace radarhub::service
