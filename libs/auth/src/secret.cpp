#include "radarhub/auth/secret.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace radarhub::auth {

bool ReadPrivateFile(const std::string& setting, const std::string& path, std::string& content,
                     std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = setting + ": cannot read " + path;
    return false;
  }
  // Group access is allowed: Kubernetes mounts Secrets group-readable for the pod's fsGroup.
  if ((st.st_mode & 007) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    error = setting + ": " + path + " has mode " + mode +
            "; others must not be able to read or write it (chmod 600, or 640 for a group)";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = setting + ": cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  content = std::move(text).str();
  return true;
}

bool ReadSecretLine(const std::string& setting, const std::string& path, std::string& secret,
                    std::string& error) {
  std::string content;
  if (!ReadPrivateFile(setting, path, content, error)) return false;
  const auto first = content.find_first_not_of(" \t\r\n");
  const auto last = content.find_last_not_of(" \t\r\n");
  secret = first == std::string::npos ? "" : content.substr(first, last - first + 1);
  if (secret.empty() || secret.find_first_of("\r\n") != std::string::npos) {
    error = setting + ": " + path + " must hold exactly one non-empty line";
    return false;
  }
  return true;
}

SecretDigest::SecretDigest(std::string_view secret) {
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest_.data());
}

bool SecretDigest::Matches(std::string_view candidate) const {
  std::array<unsigned char, 32> other{};
  SHA256(reinterpret_cast<const unsigned char*>(candidate.data()), candidate.size(), other.data());
  return CRYPTO_memcmp(other.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace radarhub::auth
