#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace radarhub::testing {

ChildProcess::ChildProcess(const std::string& path, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_reader_ = std::thread([this, fd = out[0]] { Drain(fd, stdout_); });
  err_reader_ = std::thread([this, fd = err[0]] { Drain(fd, stderr_); });
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  if (out_reader_.joinable()) out_reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
}

void ChildProcess::Drain(int fd, std::string& into) {
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard lock(mu_);
    into.append(buf, static_cast<size_t>(n));
    changed_.notify_all();
  }
  ::close(fd);
}

std::optional<std::string> ChildProcess::WaitForStderr(const std::string& prefix,
                                                       std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    size_t start = 0;
    while (true) {
      const size_t end = stderr_.find('\n', start);
      if (end == std::string::npos) return false;
      if (stderr_.compare(start, prefix.size(), prefix) == 0) {
        found = stderr_.substr(start, end - start);
        return true;
      }
      start = end + 1;
    }
  });
  return found;
}

uint16_t ChildProcess::ListeningPort(const std::string& name, std::chrono::milliseconds timeout) {
  const auto line = WaitForStderr("listening " + name + " ", timeout);
  if (!line) return 0;
  return static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int wstatus = 0;
    const pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
      // Its output is complete once the readers hit end of file: Stdout()/Stderr() after Wait
      // must not race them.
      if (out_reader_.joinable()) out_reader_.join();
      if (err_reader_.joinable()) err_reader_.join();
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ChildProcess::Stdout() {
  std::lock_guard lock(mu_);
  return stdout_;
}

std::string ChildProcess::Stderr() {
  std::lock_guard lock(mu_);
  return stderr_;
}

}  // namespace radarhub::testing
