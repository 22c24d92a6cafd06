#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace radarhub::cli {

// Exit codes of every radarhub binary: scripts and container runtimes tell a failure (the service
// or check did not work) from a usage error (the command line or a setting is wrong).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The conventions every binary's command line shares: `--version` (version and git commit),
// defaults shown by `--help`, switches shown as =on/=off, and usage errors printed as
// "<program>: <what is wrong>".
void Configure(CLI::App& app, const std::string& program);

// An on/off setting: `--NAME` (and `--no-NAME` when `negatable`), with `env` as its environment
// variable ("true"/"false", "on"/"off", "1"/"0"); `--help` shows its default.
CLI::Option* AddSwitch(CLI::App& app, const std::string& name, bool& value, const std::string& help,
                       const std::string& env, bool negatable = false);

// CLI::Range for real numbers that also refuses nan and inf (CLI11's lets nan through: every
// comparison with it is false).
CLI::Validator FiniteRange(double min, double max);

// Parses the command line, then gives every option whose environment variable is set but empty
// that empty value, as the same flag given "" would (CLI11 skips empty variables, so
// RADARHUB_METRICS_LISTEN= would otherwise still mean the default): a setting whose `--help` says
// what empty means gets it, any other fails as a bad value would. Returns nullopt to go on, or the
// exit code to return now: kExitOk after --help or --version, kExitUsage after printing what is
// wrong.
std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv);

}  // namespace radarhub::cli
