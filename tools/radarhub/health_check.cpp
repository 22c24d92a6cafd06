#include "health_check.hpp"

#include <iostream>

#include "grpc/health/v1/health.grpc.pb.h"

namespace radarhub::tools {

int RunHealthCheck(const ClientSettings& client, const std::string& service,
                   std::chrono::milliseconds timeout) {
  using grpc::health::v1::HealthCheckResponse;
  std::string error;
  const auto channel = OpenChannel(client, error);
  if (!channel) {
    std::cerr << "radarhub health: " << error << "\n";
    return 2;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  const auto status =
      grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response);
  const std::string name = service.empty() ? "\"\"" : service;
  if (!status.ok()) {
    std::cout << name << ": "
              << (status.error_code() == grpc::StatusCode::NOT_FOUND ? "UNKNOWN" : "UNREACHABLE")
              << " (" << status.error_message() << ")\n";
    return 1;
  }
  std::cout << name << ": " << HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace radarhub::tools
