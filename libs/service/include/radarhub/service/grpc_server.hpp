#pragma once

#include <grpcpp/completion_queue.h>
#include <grpcpp/server.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <memory>
#include <string>
#include <vector>

#include "radarhub/common/host_port.hpp"

namespace radarhub::service {

struct GrpcServerSpec {
  common::HostPort listen;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::vector<grpc::Service*> services;
  std::string serving;  // full service name reported SERVING from the start
  // Set where a service has async-API methods: receives the completion queue they are served from.
  std::unique_ptr<grpc::ServerCompletionQueue>* completion_queue = nullptr;
};

// Builds and starts a service's gRPC server the way api.md wants both: the standard health
// service (`""` and `serving` SERVING), server reflection, and keepalive so clients whose host
// vanished are found and idle clients may keep channels warm with pings. Null with a line naming
// --grpc-listen if it cannot listen; `port` is the bound port (port 0 picks one).
std::unique_ptr<grpc::Server> StartGrpcServer(const GrpcServerSpec& spec, uint16_t& port,
                                              std::string& error);

// gRPC's own log lines go through common::Logger (same format, level and escaping as ours).
// StartGrpcServer installs this; idempotent.
void ForwardGrpcLogs();
// How often gRPC has logged "Failed accept4" in this process. gRPC 1.51's listener stops for good
// after accept4 fails (EMFILE: a flood of connections used every descriptor; grpc/grpc#20418), so
// a service that sees this count move must rebuild its server to be reachable again.
uint64_t GrpcAcceptFailures();

// Serves `collectable` on http://<listen>/metrics; null with a line naming --metrics-listen.
std::unique_ptr<prometheus::Exposer> StartMetrics(
    const common::HostPort& listen, std::shared_ptr<prometheus::Collectable> collectable,
    uint16_t& port, std::string& error);

// "listening <name> <host>:<port>" on stderr in a fixed format whatever --log-format says:
// tests and scripts read it to learn what port 0 picked (operations.md).
void PrintListening(const char* name, const common::HostPort& address);

}  // namespace radarhub::service
