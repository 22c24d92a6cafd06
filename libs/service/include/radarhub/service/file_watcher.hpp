#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace radarhub::service {

// A reload period in gRPC's whole seconds, at least one.
inline std::chrono::seconds WholeSeconds(std::chrono::milliseconds interval) {
  return std::max(std::chrono::seconds(1),
                  std::chrono::duration_cast<std::chrono::seconds>(interval));
}

// Calls back when a watched file changes, so a secret rotated on disk reaches a running service
// (a Kubernetes Secret update swaps the mounted files through a symlink; an edit in place changes
// size or modification time). Polls with stat() on a thread of its own every `interval`; the
// callbacks run there, one at a time, and do the reading and checking themselves.
class FileWatcher final {
 public:
  explicit FileWatcher(std::chrono::milliseconds interval) : interval_(interval) {}
  ~FileWatcher() { Stop(); }
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Before Start. An empty path is ignored, so optional files can be passed as they are.
  void Watch(const std::string& path, std::function<void()> on_change);
  // A secret's file: `reload` reads, checks and applies it, or leaves the old one and says why.
  // Logged either way, naming `setting` (never the secret).
  void WatchSecret(const std::string& path, std::string setting,
                   std::function<bool(std::string& error)> reload);
  void Start();  // no thread when nothing is watched
  void Stop();   // joins; idempotent

 private:
  struct Stamp {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    bool operator==(const Stamp& other) const;
  };
  struct File {
    std::string path;
    std::function<void()> on_change;
    Stamp seen;
  };
  static Stamp Read(const std::string& path);
  void Run();

  const std::chrono::milliseconds interval_;
  std::vector<File> files_;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace radarhub::service
