#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string>
#include <string_view>

#include "radarhub/auth/secret.hpp"

namespace radarhub::rpc {

// Subscriber auth (api.md): when a token is configured, every RPC of our services needs metadata
// `authorization: Bearer <token>`. Health and reflection are not ours and stay open. The token is
// kept only as a digest and compared in constant time. Immutable after construction: thread-safe.
class ApiTokenGuard final {
 public:
  ApiTokenGuard() = default;  // no token: every call passes
  // `name` is what errors call the token.
  explicit ApiTokenGuard(std::string_view token, std::string name = "API token");

  bool enabled() const { return digest_.has_value(); }
  // OK, or UNAUTHENTICATED with a message that never echoes what the client sent.
  grpc::Status Check(const grpc::ServerContextBase& context) const;
  // The value of an `authorization` header is acceptable.
  bool Accepts(std::string_view authorization) const;

 private:
  std::optional<auth::SecretDigest> digest_;
  std::string name_ = "API token";
};

// Where a service's API token comes from: --api-token, or --api-token-file (which wins).
bool LoadApiToken(const std::string& token, const std::string& token_file, std::string& out,
                  std::string& error);

}  // namespace radarhub::rpc
