#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "radarhub/rpc/credentials.hpp"

namespace CLI {
class App;
}

namespace radarhub::tools {

// How a subcommand reaches a service over gRPC: address, TLS and API token flags.
struct ClientSettings {
  std::string target = "127.0.0.1:50051";
  rpc::ClientTlsSettings tls;
  std::string api_token;  // secret: never printed
  std::string api_token_file;
};

// `--grpc HOST:PORT` (RADARHUB_GRPC) and the credential options below.
void AddClientOptions(CLI::App& command, ClientSettings& settings);
// `--tls`, `--tls-ca`, `--tls-cert`, `--tls-key`, `--api-token` (RADARHUB_API_TOKEN) and
// `--api-token-file` (RADARHUB_API_TOKEN_FILE), for a subcommand that names its target itself.
void AddCredentialOptions(CLI::App& command, ClientSettings& settings);

// A channel per the settings, or null with a one-line reason.
std::shared_ptr<grpc::Channel> OpenChannel(const ClientSettings& settings, std::string& error);
// "UNAUTHENTICATED", "UNAVAILABLE", ...
const char* StatusCodeName(grpc::StatusCode code);
// Adds `authorization: Bearer <token>` when a token is configured.
bool Authorize(const ClientSettings& settings, grpc::ClientContext& context, std::string& error);

}  // namespace radarhub::tools
