#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace radarhub::testing {

// A real child process with stdout and stderr captured line by line. The destructor kills and
// reaps it, so no test leaves a process behind.
class ChildProcess final {
 public:
  ChildProcess(const std::string& path, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess();

  // The first stderr line starting with `prefix`, waiting up to `timeout`.
  std::optional<std::string> WaitForStderr(const std::string& prefix,
                                           std::chrono::milliseconds timeout);
  // The port of "listening <name> host:port", waiting for the line.
  uint16_t ListeningPort(const std::string& name,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Signal(int sig);
  // Exit code (or 128 + signal), or nullopt if still running after `timeout`. Once it returns
  // a code, Stdout() and Stderr() hold everything the process wrote.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string Stdout();
  std::string Stderr();
  pid_t pid() const { return pid_; }

 private:
  void Drain(int fd, std::string& into);

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::string stdout_, stderr_;  // guarded by mu_
  std::thread out_reader_, err_reader_;
};

}  // namespace radarhub::testing
