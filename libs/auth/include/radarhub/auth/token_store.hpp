#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "radarhub/auth/secret.hpp"

namespace radarhub::auth {

enum class AuthResult {
  kOk,
  kDenied,       // wrong token
  kUnknownNode,  // not in the tokens file and auto-provision is off
};

struct TokenSettings {
  std::string tokens_file;   // empty: none
  std::string shared_token;  // --token / RADARHUB_TOKEN; a "* token" line in the file wins
  bool auto_provision = true;
  bool allow_unauthenticated = false;
};

// The tokens file's content (protocol.md "Tokens": `node_id token` lines, `# comments`, `* token`
// for the shared token), as digests. Pure, for tests and the fuzzer: `path` only names the file in
// `error` ("<path> line N: ...").
struct TokenTable {
  std::unordered_map<std::string, SecretDigest> nodes;
  std::optional<SecretDigest> shared;
};
bool ParseTokensFile(std::string_view content, const std::string& path, TokenTable& table,
                     std::string& error);

// Node tokens (protocol.md, "Tokens"). Tokens are kept only as SHA-256 digests and compared in
// constant time, so neither a token's content nor its length leaks through timing. Thread-safe:
// Check may run on any thread while Reload swaps the table.
class TokenStore final {
 public:
  // Loads the settings; on failure returns false and a one-line reason in `error` (file missing,
  // readable by group or others, malformed line, no token at all without allow_unauthenticated).
  bool Load(const TokenSettings& settings, std::string& error);

  // Re-reads the tokens file (SIGHUP). On failure the previous table stays in force.
  bool Reload(std::string& error);

  AuthResult Check(std::string_view node_id, std::string_view token) const;

  // The node is named in the tokens file.
  bool IsListed(std::string_view node_id) const;
  // Every node named in the tokens file, sorted.
  std::vector<std::string> ListedNodes() const;
  bool auto_provision() const { return settings_.auto_provision; }
  // No token configured and allow_unauthenticated given.
  bool unauthenticated() const;

 private:
  using Table = TokenTable;

  bool ReadTable(Table& table, std::string& error) const;
  std::shared_ptr<const Table> table() const;

  TokenSettings settings_;
  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_;  // guarded by mu_; replaced whole on reload
};

}  // namespace radarhub::auth
