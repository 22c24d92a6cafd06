#pragma once

#include <string>
#include <string_view>

namespace radarhub::common {

// What this binary was built from (radarhub::build_info, generated at build time).
std::string_view Version();    // the project's version, "0.1.0"
std::string_view GitCommit();  // short commit hash, "-dirty" with uncommitted changes, or "unknown"

// "<program> <version> (commit <commit>)": what every binary's --version prints.
inline std::string VersionLine(std::string_view program) {
  std::string line(program);
  line.append(" ").append(Version()).append(" (commit ").append(GitCommit()).append(")");
  return line;
}

}  // namespace radarhub::common
