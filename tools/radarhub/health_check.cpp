#include "health_check.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>

#include "grpc/health/v1/health.grpc.pb.h"

namespace radarhub::tools {
namespace {

void Print(const std::string& service, const std::string& state, const std::string& error,
           bool json) {
  if (!json) {
    std::cout << (service.empty() ? "\"\"" : service) << ": " << state;
    if (!error.empty()) std::cout << " (" << error << ")";
    std::cout << "\n";
    return;
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("service");
  w.String(service.c_str());
  w.Key("status");
  w.String(state.c_str());
  if (!error.empty()) {
    w.Key("error");
    w.String(error.c_str());
  }
  w.EndObject();
  std::cout << out.GetString() << "\n";
}

}  // namespace

int RunHealthCheck(const ClientSettings& client, const std::string& service,
                   std::chrono::milliseconds timeout, bool json) {
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
  if (!status.ok()) {
    Print(service, status.error_code() == grpc::StatusCode::NOT_FOUND ? "UNKNOWN" : "UNREACHABLE",
          status.error_message(), json);
    return 1;
  }
  Print(service, HealthCheckResponse::ServingStatus_Name(response.status()), "", json);
  return response.status() == HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace radarhub::tools
