#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "radarhub/common/host_port.hpp"
#include "radarhub/common/log.hpp"

namespace radarhub::service {

// The settings operations.md gives both services. Services' configs derive from it.
struct ServiceSettings {
  std::string api_token;  // secret: never logged
  std::string api_token_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::chrono::milliseconds shutdown_grace{10000};
  // How often token files and TLS certificate files are looked at again: a changed file (a
  // rotated Kubernetes Secret) is read and checked, and replaces the old secret if it is good.
  std::chrono::milliseconds reload_interval{10000};
  common::LogFormat log_format = common::LogFormat::kText;
  common::LogLevel log_level = common::LogLevel::kInfo;
};

// A service's command line as operations.md wants it: every setting a flag with a
// RADARHUB_<FLAG> environment variable (flag > env > default; set but empty is the empty value),
// `--help` listing defaults, `--version`, and a bad value stopping the service with one line naming
// the setting (exit 2).
class CommandLine final {
 public:
  CommandLine(std::string program, const std::string& description);

  CLI::App& app() { return app_; }
  // A setting with its environment variable.
  template <typename T>
  CLI::Option* Add(const char* flag, T& value, const char* help) {
    return app_.add_option(flag, value, help)->envname(common::EnvName(flag));
  }
  // An on/off setting with its environment variable; `negatable` adds --no-<flag>.
  CLI::Option* Switch(const char* flag, bool& value, const char* help, bool negatable = false);
  // The settings of ServiceSettings, checked by Parse.
  void AddServiceSettings(ServiceSettings& settings);

  // False with exit_code 0 after --help or --version, or 2 after printing what is wrong.
  bool Parse(int argc, char** argv, int& exit_code);

  // Checks after Parse; each prints "<program>: invalid <setting> '<value>': expected …" and
  // returns false on a bad value.
  bool Listen(const char* setting, const std::string& text, common::HostPort& out);
  bool OptionalListen(const char* setting, const std::string& text,
                      std::optional<common::HostPort>& out);  // empty: off
  bool Duration(const char* setting, const std::string& text, std::chrono::milliseconds& out);
  bool Fail(const std::string& setting, const std::string& value, const std::string& expected);

 private:
  const std::string program_;
  CLI::App app_;
  ServiceSettings* service_ = nullptr;
  std::string shutdown_grace_ = "10s", reload_interval_ = "10s", log_format_ = "text",
              log_level_ = "info";
};

}  // namespace radarhub::service
