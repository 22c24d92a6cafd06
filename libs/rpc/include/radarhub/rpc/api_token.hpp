#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "radarhub/auth/secret.hpp"

namespace radarhub::rpc {

// Subscriber auth (api.md): when a token is configured, every RPC of our services needs metadata
// `authorization: Bearer <token>`. Health and reflection are not ours and stay open. The token is
// kept only as a digest and compared in constant time. Reset swaps it while calls are checked (a
// token file reloaded): thread-safe.
class ApiTokenGuard final {
 public:
  // `name` is what errors call the token. No token: every call passes.
  explicit ApiTokenGuard(std::string_view token = {}, std::string name = "API token");

  void Reset(std::string_view token);  // empty: every call passes
  bool enabled() const { return digest_.load() != nullptr; }
  // OK, or UNAUTHENTICATED with a message that never echoes what the client sent.
  grpc::Status Check(const grpc::ServerContextBase& context) const;
  // The value of an `authorization` header is acceptable.
  bool Accepts(std::string_view authorization) const;

 private:
  std::atomic<std::shared_ptr<const auth::SecretDigest>> digest_;
  const std::string name_;
};

// The `authorization` value a client sends, which a reloaded token file may change between
// calls. Thread-safe.
class BearerToken final {
 public:
  void Set(std::string_view token);  // empty: send none
  // "Bearer <token>", or empty.
  std::shared_ptr<const std::string> Authorization() const { return value_.load(); }

 private:
  std::atomic<std::shared_ptr<const std::string>> value_{std::make_shared<const std::string>()};
};

// Where a service's API token comes from: --api-token, or --api-token-file (which wins).
bool LoadApiToken(const std::string& token, const std::string& token_file, std::string& out,
                  std::string& error);

}  // namespace radarhub::rpc
