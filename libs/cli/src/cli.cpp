#include "radarhub/cli/cli.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "radarhub/common/build_info.hpp"

namespace radarhub::cli {
namespace {

// Switches print as "--tcp-nodelay,--no-tcp-nodelay=on (Env:...)": CLI11 shows no default for a
// flag and appends the negation's value ("{false}") to its names.
class Formatter final : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    if (!IsSwitch(opt)) return CLI::Formatter::make_option_name(opt, is_positional);
    std::string names;
    for (const auto& s : opt->get_snames()) names.append(names.empty() ? "-" : ",-").append(s);
    for (const auto& l : opt->get_lnames()) names.append(names.empty() ? "--" : ",--").append(l);
    return names;
  }
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (!IsSwitch(opt)) return CLI::Formatter::make_option_opts(opt);
    std::string out = "=" + opt->get_default_str();
    if (!opt->get_envname().empty()) out += " (Env:" + opt->get_envname() + ")";
    return out;
  }

 private:
  static bool IsSwitch(const CLI::Option* opt) {
    return opt->get_expected_max() == 0 && !opt->get_default_str().empty();
  }
};

void ApplyEmptyEnvironment(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string& env = opt->get_envname();
    if (env.empty() || opt->count() != 0) continue;
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value != '\0') continue;
    // Only text has an empty value; CLI11 would turn "" into 0 for a number or true for a flag.
    const std::string type =
        opt->get_expected_max() == 0 ? "true or false (on, off, 1, 0)" : opt->get_type_name();
    if (type.rfind("TEXT", 0) != 0) {
      throw CLI::ValidationError(env + " is set but empty", "expected " + type);
    }
    opt->add_result(std::string());
    try {
      opt->run_callback();
    } catch (const CLI::Error& e) {
      throw CLI::ValidationError(env + " is set but empty", e.what());
    }
  }
  for (CLI::App* sub : app.get_subcommands()) ApplyEmptyEnvironment(*sub);
}

bool HasSubcommand(const CLI::App& app, const std::string& name) {
  try {
    return app.get_subcommand(name) != nullptr;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

}  // namespace

void Configure(CLI::App& app, const std::string& program) {
  app.name(program);  // "Usage: radarhub ..." wherever the binary is
  app.option_defaults()->always_capture_default();
  app.formatter(std::make_shared<Formatter>());
  app.set_version_flag("--version", common::VersionLine(program), "Print version and git commit");
  app.failure_message([program](const CLI::App*, const CLI::Error& e) {
    return program + ": " + e.what() + "\nRun with --help for more information.\n";
  });
}

CLI::Option* AddSwitch(CLI::App& app, const std::string& name, bool& value, const std::string& help,
                       const std::string& env, bool negatable) {
  const std::string names = negatable ? name + ",!--no-" + name.substr(2) : name;
  CLI::Option* option = app.add_flag(names, value, help)->envname(env);
  option->default_str(value ? "on" : "off");
  return option;
}

CLI::Validator FiniteRange(double min, double max) {
  char bounds[64];
  std::snprintf(bounds, sizeof bounds, "[%g - %g]", min, max);
  const std::string range = bounds;
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value) || value < min ||
            value > max) {
          return "Value " + text + " not a number in " + range;
        }
        return {};
      },
      "FLOAT in " + range);
}

std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv) {
  // CLI11 reports `radarhub nosuch` as "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-' && app.get_require_subcommand_min() > 0 &&
      !HasSubcommand(app, argv[1])) {
    std::string names;
    for (const CLI::App* sub : app.get_subcommands({})) {
      names.append(names.empty() ? "" : ", ").append(sub->get_name());
    }
    std::cerr << app.get_name() << ": unknown subcommand '" << argv[1] << "' (one of: " << names
              << ")\nRun with --help for more information.\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
    ApplyEmptyEnvironment(app);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return std::nullopt;
}

}  // namespace radarhub::cli
