#include "track_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "radarhub/common/log.hpp"
#include "track_convert.hpp"

namespace radarhub::tracker {

namespace {

constexpr auto kWriteEvery = std::chrono::seconds(1);
constexpr size_t kMaxPendingBytes = 4 << 20;

std::string UtcDay(int64_t timestamp_ms) {
  const std::time_t seconds = static_cast<std::time_t>(timestamp_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  return day;
}

bool AppendAll(const std::filesystem::path& path, const std::string& bytes, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  // A write that fails half-way (a full disk) is cut back, so the next append starts a whole line.
  const off_t start = ::lseek(fd, 0, SEEK_END);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? std::strerror(errno) : "nothing written";
      if (start >= 0 && ::ftruncate(fd, start) != 0) error += "; cannot cut back a partial line";
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    error = std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

std::string TrackFileWriter::FolderName(const std::string& node_id) {
  if (node_id == ".") return "%2E";
  if (node_id == "..") return "%2E%2E";
  return node_id;
}

TrackFileWriter::TrackFileWriter(std::filesystem::path dir, std::string node_id)
    : folder_(std::move(dir) / FolderName(node_id)), node_id_(std::move(node_id)) {}

TrackFileWriter::~TrackFileWriter() { Flush(std::chrono::steady_clock::now(), /*force=*/true); }

void TrackFileWriter::AddLine(const tracking::TrackState& state) {
  Day& day = pending_[UtcDay(state.timestamp_ms)];
  AppendTrackLine(state, node_id_, day.lines);
  day.lines.push_back('\n');
  ++day.count;
}

void TrackFileWriter::Add(const tracking::FrameResult& result) {
  for (const auto& t : result.tracks) {
    if (t.status == tracking::TrackStatus::kConfirmed ||
        t.status == tracking::TrackStatus::kCoasting) {
      AddLine(t);
    }
  }
  for (const auto& t : result.deleted) {
    if (t.ever_confirmed) AddLine(t);
  }
  size_t bytes = 0;
  for (const auto& [name, day] : pending_) bytes += day.lines.size();
  if (bytes > kMaxPendingBytes) Flush(std::chrono::steady_clock::now(), /*force=*/true);
}

void TrackFileWriter::Flush(std::chrono::steady_clock::time_point now, bool force) {
  if (pending_.empty()) {
    last_write_ = now;
    return;
  }
  if (!force && now - last_write_ < kWriteEvery) return;
  last_write_ = now;
  std::string error;
  std::error_code ec;
  if (!folder_made_) {
    std::filesystem::create_directories(folder_, ec);
    folder_made_ = !ec;
    if (ec) error = ec.message();
  }
  bool ok = folder_made_;
  for (const auto& [name, day] : pending_) {
    if (folder_made_ && AppendAll(folder_ / (name + ".jsonl"), day.lines, error)) {
      lines_written_ += day.count;
    } else {
      lines_lost_ += day.count;
      ok = false;
    }
  }
  if (!ok) {
    folder_made_ = false;  // the folder may have been removed: make it again next time
    if (last_warn_ == std::chrono::steady_clock::time_point{} ||
        now - last_warn_ > std::chrono::seconds(10)) {
      last_warn_ = now;
      common::LogWarn("cannot write track file; lines lost",
                      {{"node_id", node_id_},
                       {"folder", folder_.string()},
                       {"error", error},
                       {"lines_lost", std::to_string(lines_lost_)}});
    }
  }
  pending_.clear();
}

}  // namespace radarhub::tracker
