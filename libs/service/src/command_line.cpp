#include "radarhub/service/command_line.hpp"

#include <iostream>

#include "radarhub/cli/cli.hpp"
#include "radarhub/common/duration.hpp"

namespace radarhub::service {

CommandLine::CommandLine(std::string program, const std::string& description)
    : program_(std::move(program)), app_(program_ + ": " + description) {
  cli::Configure(app_, program_);
  app_.failure_message([program = program_](const CLI::App*, const CLI::Error& e) {
    return program + ": invalid setting: " + std::string(e.what()) + "\n";
  });
}

void CommandLine::AddServiceSettings(ServiceSettings& s) {
  service_ = &s;
  app_.add_option("--api-token", s.api_token,
                  "bearer token gRPC clients must send (prefer RADARHUB_API_TOKEN or the file)")
      ->envname("RADARHUB_API_TOKEN");
  Add("--api-token-file", s.api_token_file, "file holding the API token (wins over --api-token)");
  Add("--tls-cert", s.tls_cert, "PEM certificate chain: serve gRPC over TLS");
  Add("--tls-key", s.tls_key, "PEM private key of --tls-cert (mode 0600 or 0640)");
  Add("--tls-client-ca", s.tls_client_ca, "PEM CA: require client certificates it signed (mTLS)");
  Add("--shutdown-grace", shutdown_grace_, "time to drain on SIGTERM");
  Add("--reload-interval", reload_interval_,
      "how often token and TLS files are checked for changes (a rotated Secret): a changed file "
      "is read again and replaces the old secret if it is valid");
  Add("--log-format", log_format_, "text|json")->check(CLI::IsMember({"text", "json"}));
  Add("--log-level", log_level_, "debug|info|warn|error")
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error"}));
}

bool CommandLine::Parse(int argc, char** argv, int& exit_code) {
  if (const auto done = cli::Parse(app_, argc, argv)) {
    exit_code = *done;  // 0 after --help or --version; 2 for every bad setting
    return false;
  }
  exit_code = 2;
  if (service_ != nullptr) {
    if (!Duration("--shutdown-grace", shutdown_grace_, service_->shutdown_grace) ||
        !Duration("--reload-interval", reload_interval_, service_->reload_interval)) {
      return false;
    }
    common::ParseLogFormat(log_format_, service_->log_format);
    common::ParseLogLevel(log_level_, service_->log_level);
  }
  exit_code = 0;
  return true;
}

CLI::Option* CommandLine::Switch(const char* flag, bool& value, const char* help, bool negatable) {
  return cli::AddSwitch(app_, flag, value, help, common::EnvName(flag), negatable);
}

bool CommandLine::Fail(const std::string& setting, const std::string& value,
                       const std::string& expected) {
  std::cerr << program_ << ": invalid " << setting << " '" << value << "': expected " << expected
            << "\n";
  return false;
}

bool CommandLine::Listen(const char* setting, const std::string& text, common::HostPort& out) {
  const auto parsed = common::ParseHostPort(text);
  if (!parsed) return Fail(setting, text, "HOST:PORT");
  out = *parsed;
  return true;
}

bool CommandLine::OptionalListen(const char* setting, const std::string& text,
                                 std::optional<common::HostPort>& out) {
  if (text.empty()) {
    out.reset();
    return true;
  }
  const auto parsed = common::ParseHostPort(text);
  if (!parsed) return Fail(setting, text, "HOST:PORT or empty");
  out = *parsed;
  return true;
}

// Durations take a unit; a bare number is seconds. At least 1 ms.
bool CommandLine::Duration(const char* setting, const std::string& text,
                           std::chrono::milliseconds& out) {
  const auto parsed = common::ParseDuration(text);
  if (!parsed || *parsed <= std::chrono::nanoseconds::zero()) {
    return Fail(setting, text, "a positive duration such as 250ms, 5s or 2m");
  }
  out = std::max(std::chrono::milliseconds(1),
                 std::chrono::duration_cast<std::chrono::milliseconds>(*parsed));
  return true;
}

}  // namespace radarhub::service
