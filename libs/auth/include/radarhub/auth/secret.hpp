#pragma once

#include <array>
#include <string>
#include <string_view>

namespace radarhub::auth {

// Reads a file holding secrets (tokens, keys). Refuses it when others may read or write it, so a
// misconfigured mount is caught at start rather than leaking. On failure returns false with one
// line naming `setting` and the problem.
bool ReadPrivateFile(const std::string& setting, const std::string& path, std::string& content,
                     std::string& error);

// A secret given as a one-line file (--api-token-file): the content without surrounding spaces
// and newlines.
bool ReadSecretLine(const std::string& setting, const std::string& path, std::string& secret,
                    std::string& error);

// A secret kept only as its SHA-256 digest. Matches compares digests with CRYPTO_memcmp, so
// neither the secret's content nor its length leaks through timing. Immutable: thread-safe.
class SecretDigest final {
 public:
  explicit SecretDigest(std::string_view secret);
  bool Matches(std::string_view candidate) const;

 private:
  std::array<unsigned char, 32> digest_{};
};

}  // namespace radarhub::auth
