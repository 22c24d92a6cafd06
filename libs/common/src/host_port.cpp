#include "radarhub/common/host_port.hpp"

#include <cctype>
#include <charconv>

namespace radarhub::common {

std::string HostPort::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HostPort> ParseHostPort(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  // "[]:80" names no host, and a bracket left over ("[::1:80", "a]:80") is not one either.
  if (host.empty() || host.find_first_of("[]") != std::string::npos) return std::nullopt;
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || first == last || port > 65535) return std::nullopt;
  return HostPort{host, static_cast<uint16_t>(port)};
}

std::string EnvName(const char* flag) {
  std::string name = "RADARHUB_";
  for (const char* p = flag + 2; *p != '\0'; ++p)
    name.push_back(*p == '-' ? '_'
                             : static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
  return name;
}

}  // namespace radarhub::common
