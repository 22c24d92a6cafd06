#include "radarhub/rpc/api_token.hpp"

#include <strings.h>

namespace radarhub::rpc {

ApiTokenGuard::ApiTokenGuard(std::string_view token, std::string name) : name_(std::move(name)) {
  Reset(token);
}

void ApiTokenGuard::Reset(std::string_view token) {
  digest_.store(token.empty() ? nullptr : std::make_shared<const auth::SecretDigest>(token));
}

namespace {

// `authorization` is "Bearer <the token>"; the scheme is case-insensitive (RFC 6750).
bool IsBearerOf(const auth::SecretDigest& digest, std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size() ||
      ::strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) != 0) {
    return false;
  }
  authorization.remove_prefix(kScheme.size());
  return digest.Matches(authorization);
}

}  // namespace

bool ApiTokenGuard::Accepts(std::string_view authorization) const {
  const auto digest = digest_.load();
  return !digest || IsBearerOf(*digest, authorization);
}

void BearerToken::Set(std::string_view token) {
  value_.store(std::make_shared<const std::string>(token.empty() ? std::string()
                                                                 : "Bearer " + std::string(token)));
}

grpc::Status ApiTokenGuard::Check(const grpc::ServerContextBase& context) const {
  const auto digest = digest_.load();  // once: a Reset meanwhile applies to the next call
  if (!digest) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return {grpc::StatusCode::UNAUTHENTICATED, "missing 'authorization: Bearer <token>' metadata"};
  }
  if (!IsBearerOf(*digest, std::string_view(it->second.data(), it->second.size()))) {
    return {grpc::StatusCode::UNAUTHENTICATED, "invalid " + name_};
  }
  return grpc::Status::OK;
}

bool LoadApiToken(const std::string& token, const std::string& token_file, std::string& out,
                  std::string& error) {
  if (token_file.empty()) {
    out = token;
    return true;
  }
  return auth::ReadSecretLine("--api-token-file", token_file, out, error);
}

}  // namespace radarhub::rpc
