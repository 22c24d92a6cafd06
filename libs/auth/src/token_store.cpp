#include "radarhub/auth/token_store.hpp"

#include <algorithm>
#include <sstream>

#include "radarhub/auth/secret.hpp"
#include "radarhub/protocol/node_id.hpp"

namespace radarhub::auth {

bool TokenStore::ReadTable(Table& table, std::string& error) const {
  if (!settings_.shared_token.empty()) table.shared.emplace(settings_.shared_token);
  if (settings_.tokens_file.empty()) return true;
  std::string content;
  if (!ReadPrivateFile("tokens-file", settings_.tokens_file, content, error)) return false;
  return ParseTokensFile(content, settings_.tokens_file, table, error);
}

bool ParseTokensFile(std::string_view content, const std::string& path, TokenTable& table,
                     std::string& error) {
  std::istringstream in{std::string(content)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::string node, token, extra;
    if (!(fields >> node) || node[0] == '#') continue;
    const std::string where = "tokens-file: " + path + " line " + std::to_string(number) + ": ";
    if (!(fields >> token) || (fields >> extra)) {
      error = where + "expected 'node_id token'";
      return false;
    }
    if (node == "*") {
      table.shared.emplace(token);
    } else if (!protocol::IsValidNodeId(node)) {
      error = where + "invalid node id";
      return false;
    } else if (!table.nodes.emplace(node, SecretDigest(token)).second) {
      error = where + "node listed twice";
      return false;
    }
  }
  return true;
}

bool TokenStore::Load(const TokenSettings& settings, std::string& error) {
  settings_ = settings;
  auto table = std::make_shared<Table>();
  if (!ReadTable(*table, error)) return false;
  if (!table->shared && table->nodes.empty() && !settings.allow_unauthenticated) {
    error =
        "no node token configured: set --tokens-file or --token/RADARHUB_TOKEN, "
        "or pass --allow-unauthenticated";
    return false;
  }
  std::lock_guard lock(mu_);
  table_ = std::move(table);
  return true;
}

bool TokenStore::Reload(std::string& error) {
  auto table = std::make_shared<Table>();
  if (!ReadTable(*table, error)) return false;
  std::lock_guard lock(mu_);
  table_ = std::move(table);
  return true;
}

std::shared_ptr<const TokenStore::Table> TokenStore::table() const {
  std::lock_guard lock(mu_);
  return table_;
}

bool TokenStore::unauthenticated() const {
  const auto t = table();
  return t && !t->shared && t->nodes.empty() && settings_.allow_unauthenticated;
}

AuthResult TokenStore::Check(std::string_view node_id, std::string_view token) const {
  const auto t = table();
  if (!t) return AuthResult::kDenied;
  if (const auto it = t->nodes.find(std::string(node_id)); it != t->nodes.end()) {
    // A listed node must use its own token, never the shared one.
    return it->second.Matches(token) ? AuthResult::kOk : AuthResult::kDenied;
  }
  if (!settings_.auto_provision) return AuthResult::kUnknownNode;
  if (t->shared) return t->shared->Matches(token) ? AuthResult::kOk : AuthResult::kDenied;
  return t->nodes.empty() && settings_.allow_unauthenticated ? AuthResult::kOk
                                                             : AuthResult::kDenied;
}

bool TokenStore::IsListed(std::string_view node_id) const {
  const auto t = table();
  return t && t->nodes.count(std::string(node_id)) != 0;
}

std::vector<std::string> TokenStore::ListedNodes() const {
  std::vector<std::string> nodes;
  if (const auto t = table()) {
    for (const auto& [node, digest] : t->nodes) nodes.push_back(node);
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

}  // namespace radarhub::auth
