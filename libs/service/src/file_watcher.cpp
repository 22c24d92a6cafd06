#include "radarhub/service/file_watcher.hpp"

#include "radarhub/common/log.hpp"

namespace radarhub::service {

bool FileWatcher::Stamp::operator==(const Stamp& o) const {
  return exists == o.exists && device == o.device && inode == o.inode && size == o.size &&
         modified.tv_sec == o.modified.tv_sec && modified.tv_nsec == o.modified.tv_nsec;
}

FileWatcher::Stamp FileWatcher::Read(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

void FileWatcher::Watch(const std::string& path, std::function<void()> on_change) {
  if (path.empty()) return;
  files_.push_back({path, std::move(on_change), Read(path)});
}

void FileWatcher::WatchSecret(const std::string& path, std::string setting,
                              std::function<bool(std::string& error)> reload) {
  Watch(path, [path, setting = std::move(setting), reload = std::move(reload)] {
    std::string error;
    if (reload(error)) {
      common::LogInfo("secret file reloaded", {{"setting", setting}, {"path", path}});
    } else {
      common::LogError("secret file reload failed; the previous secret stays",
                       {{"setting", setting}, {"error", error}});
    }
  });
}

void FileWatcher::Start() {
  if (files_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void FileWatcher::Stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FileWatcher::Run() {
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    for (File& file : files_) {
      const Stamp now = Read(file.path);
      if (now == file.seen) continue;
      file.seen = now;
      // A file that went away is left to the next one to appear: the service keeps what it has.
      if (now.exists) file.on_change();
    }
    lock.lock();
  }
}

}  // namespace radarhub::service
