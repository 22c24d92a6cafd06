#include "grpc_client.hpp"

#include <grpcpp/create_channel.h>

#include <CLI/CLI.hpp>
#include <iterator>

#include "radarhub/cli/cli.hpp"
#include "radarhub/rpc/api_token.hpp"

namespace radarhub::tools {

void AddClientOptions(CLI::App& command, ClientSettings& s) {
  command.add_option("--grpc", s.target, "service gRPC HOST:PORT")->envname("RADARHUB_GRPC");
  AddCredentialOptions(command, s);
}

void AddCredentialOptions(CLI::App& command, ClientSettings& s) {
  cli::AddSwitch(command, "--tls", s.tls.tls, "use TLS (implied by the other --tls-* options)", "");
  command.add_option("--tls-ca", s.tls.ca_file, "PEM CA to verify the server (default: system)");
  command.add_option("--tls-cert", s.tls.cert_file, "PEM client certificate (mTLS)");
  command.add_option("--tls-key", s.tls.key_file, "PEM key of --tls-cert");
  command.add_option("--api-token", s.api_token, "API token (prefer RADARHUB_API_TOKEN)")
      ->envname("RADARHUB_API_TOKEN");
  command.add_option("--api-token-file", s.api_token_file, "file holding the API token")
      ->envname("RADARHUB_API_TOKEN_FILE");
}

std::shared_ptr<grpc::Channel> OpenChannel(const ClientSettings& settings, std::string& error) {
  const auto credentials = rpc::MakeChannelCredentials(settings.tls, error);
  if (!credentials) return nullptr;
  return grpc::CreateChannel(settings.target, credentials);
}

const char* StatusCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const auto i = static_cast<size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

bool Authorize(const ClientSettings& settings, grpc::ClientContext& context, std::string& error) {
  std::string token;
  if (!rpc::LoadApiToken(settings.api_token, settings.api_token_file, token, error)) return false;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  return true;
}

}  // namespace radarhub::tools
