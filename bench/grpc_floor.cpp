// What one gRPC hop costs on this machine with none of radarhub's code in it: a server streams
// SubscribeResponses (one frame of 10 detections, as the ingest sends them) on N streams of one
// HTTP/2 connection at R Hz each, and a client reads them. It measures the floor under the
// ingest → tracker path and compares gRPC's two APIs (issue 12):
//
//   server --api callback  the ingest's shape: a producer thread queues a frame and posts the
//                          stream to a pump thread, which calls StartWrite; OnWriteDone runs on
//                          gRPC's threads and starts the next write.
//   server --api async     one thread owns the completion queue: the producer hands frames over
//                          through a grpc::Alarm, and the same thread writes and sees each write
//                          complete.
//   client --api callback  the tracker's shape: a ClientReadReactor per stream.
//   client --api async     --threads T threads, each polling its own completion queue.
//
// Each side prints, over the same steady window, CPU per message and context switches per
// message (getrusage, the whole process); the client also prints the latency from the moment
// the producer queued a frame to the moment the reader has it, on CLOCK_MONOTONIC, which both
// processes share. bench/grpc_floor.sh runs the combinations.
#include <utility>

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "radarhub/v1/radarhub.grpc.pb.h"

namespace {

namespace v1 = radarhub::v1;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Usage {
  double cpu_us = 0;
  long switches = 0;
  static Usage Now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
    return {us(u.ru_utime) + us(u.ru_stime), u.ru_nvcsw + u.ru_nivcsw};
  }
};

void PrintUsage(const char* who, const Usage& a, const Usage& b, uint64_t messages) {
  const double n = messages ? double(messages) : 1.0;
  std::printf("%s: %llu messages, %.1f us CPU and %.2f context switches per message\n", who,
              static_cast<unsigned long long>(messages), (b.cpu_us - a.cpu_us) / n,
              double(b.switches - a.switches) / n);
  std::fflush(stdout);
}

// "name=value" channel arguments, integers only (every GRPC_ARG_* we compare is one).
std::vector<std::pair<std::string, int>> ParseArgs(const std::vector<std::string>& raw) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& a : raw) {
    auto eq = a.find('=');
    if (eq == std::string::npos) throw std::runtime_error("--arg wants name=value: " + a);
    out.emplace_back(a.substr(0, eq), std::stoi(a.substr(eq + 1)));
  }
  return out;
}

// One frame as the ingest encodes it, stamped with when it was queued.
grpc::ByteBuffer Encode(uint64_t sequence, int64_t queued_ns) {
  static thread_local v1::SubscribeResponse response = [] {
    v1::SubscribeResponse r;
    auto* event = r.add_events();
    event->set_node_id("node-0042");
    auto* frame = event->mutable_frame();
    frame->set_node_id("node-0042");
    frame->set_timestamp_ms(1733200000000);
    frame->set_epoch(0x5eed);
    for (int i = 0; i < 10; ++i) {
      auto* d = frame->add_detections();
      d->set_delay(12.5 + i * 3.25);
      d->set_doppler(-140.0 + i * 17.5);
      d->set_snr(14.0 + i * 0.5);
    }
    return r;
  }();
  auto* frame = response.mutable_events(0)->mutable_frame();
  frame->set_sequence(sequence);
  frame->mutable_received_at()->set_seconds(queued_ns / 1000000000);
  frame->mutable_received_at()->set_nanos(static_cast<int32_t>(queued_ns % 1000000000));
  std::string bytes = response.SerializeAsString();
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

// Calls `due(stream)` for each stream whose turn it is, spreading streams × rate frames/s evenly
// over 1 ms ticks, until the process exits.
template <typename Due>
void Produce(const std::function<size_t()>& streams, double rate, Due due) {
  auto next = Clock::now();
  double owed = 0;
  size_t cursor = 0;
  for (;;) {
    next += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next);
    const size_t n = streams();
    if (n == 0) continue;
    owed += double(n) * rate / 1000.0;
    for (; owed >= 1.0; owed -= 1.0) due(cursor++ % n);
  }
}

// Both roles' settings; each reads its own.
struct Options {
  std::string listen = "127.0.0.1:0";  // server
  std::string target;                  // client
  size_t streams = 1000;
  double rate = 10;  // server: frames per second per stream
  int threads = 2;   // async client: completion-queue threads
  double warmup = 3;
  double seconds = 10;
  std::vector<std::pair<std::string, int>> args;
};

// Measures the server over the window that starts `warmup` s after every stream has connected.
class ServerWindow {
 public:
  explicit ServerWindow(const Options& o) : o_(o) {}
  void Count() { messages_.fetch_add(1, std::memory_order_relaxed); }
  void Run(const std::function<size_t()>& streams) {
    while (streams() < o_.streams) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::duration<double>(o_.warmup));
    const Usage a = Usage::Now();
    const uint64_t m0 = messages_.load();
    std::this_thread::sleep_for(std::chrono::duration<double>(o_.seconds));
    PrintUsage("server", a, Usage::Now(), messages_.load() - m0);
  }

 private:
  const Options& o_;
  std::atomic<uint64_t> messages_{0};
};

std::unique_ptr<grpc::Server> BuildServer(const Options& o, grpc::Service& service,
                                          std::unique_ptr<grpc::ServerCompletionQueue>* cq) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &port);
  for (const auto& [name, value] : o.args) builder.AddChannelArgument(name, value);
  builder.RegisterService(&service);
  if (cq) *cq = builder.AddCompletionQueue();
  auto server = builder.BuildAndStart();
  if (!server) throw std::runtime_error("cannot listen on " + o.listen);
  std::printf("listening %d\n", port);
  std::fflush(stdout);
  return server;
}

// ---- server, callback API (the ingest's shape) -------------------------------------------------

class CallbackServer {
 public:
  explicit CallbackServer(const Options& o) : o_(o), window_(o), service_(this) {}

  void Run() {
    auto server = BuildServer(o_, service_, nullptr);
    auto work = boost::asio::make_work_guard(pump_);
    std::thread pump([this] { pump_.run(); });
    std::thread producer([&] {
      Produce([this] { return Count(); }, o_.rate, [this](size_t i) { Queue(i); });
    });
    window_.Run([this] { return Count(); });
    std::_Exit(0);  // a benchmark: its figures are printed
  }

 private:
  class Stream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    Stream(CallbackServer& s) : s_(s) {}
    void Queue(int64_t ns) {
      {
        std::lock_guard lock(mu_);
        queued_.push_back(ns);
        if (scheduled_) return;
        scheduled_ = true;
      }
      boost::asio::post(s_.pump_, [this] { Pump(); });
    }
    void Pump() {
      std::unique_lock lock(mu_);
      scheduled_ = false;
      if (writing_ || queued_.empty()) return;
      const int64_t ns = queued_.front();
      queued_.pop_front();
      writing_ = true;
      lock.unlock();
      out_ = Encode(++sequence_, ns);
      StartWrite(&out_);
    }
    void OnWriteDone(bool ok) override {
      if (!ok) return;
      s_.window_.Count();
      {
        std::lock_guard lock(mu_);
        writing_ = false;
      }
      Pump();
    }
    void OnDone() override {}  // streams live until the process exits

   private:
    CallbackServer& s_;
    std::mutex mu_;
    std::deque<int64_t> queued_;
    bool scheduled_ = false;
    bool writing_ = false;
    uint64_t sequence_ = 0;
    grpc::ByteBuffer out_;
  };

  class Service final : public v1::Ingest::WithRawCallbackMethod_Subscribe<v1::Ingest::Service> {
   public:
    explicit Service(CallbackServer* s) : s_(s) {}
    grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext*,
                                                          const grpc::ByteBuffer*) override {
      auto* stream = new Stream(*s_);
      std::lock_guard lock(s_->mu_);
      s_->streams_.push_back(stream);
      return stream;
    }

   private:
    CallbackServer* s_;
  };

  size_t Count() {
    std::lock_guard lock(mu_);
    return streams_.size();
  }
  void Queue(size_t i) {
    Stream* s;
    {
      std::lock_guard lock(mu_);
      s = streams_[i];
    }
    s->Queue(NowNs());
  }

  const Options& o_;
  ServerWindow window_;
  Service service_;
  boost::asio::io_context pump_;
  std::mutex mu_;
  std::vector<Stream*> streams_;
};

// ---- server, async API: one thread owns the completion queue --------------------------------

class AsyncServer {
 public:
  explicit AsyncServer(const Options& o) : o_(o), window_(o) {}

  void Run() {
    auto server = BuildServer(o_, service_, &cq_);
    Accept();
    std::thread producer([&] {
      Produce([this] { return count_.load(); }, o_.rate, [this](size_t i) { Queue(i); });
    });
    std::thread window([this] { window_.Run([this] { return count_.load(); }); std::_Exit(0); });
    Loop();
  }

 private:
  enum class Kind { kAccepted, kWritten, kWake };
  struct Stream;
  struct Tag {
    Kind kind;
    Stream* stream;
  };
  struct Stream {
    grpc::ServerContext context;
    grpc::ByteBuffer request;
    grpc::ServerAsyncWriter<grpc::ByteBuffer> writer{&context};
    Tag accepted{Kind::kAccepted, this};
    Tag written{Kind::kWritten, this};
    std::deque<int64_t> queued;  // pump thread only
    bool writing = false;
    uint64_t sequence = 0;
    grpc::ByteBuffer out;
  };

  void Accept() {
    pending_accept_ = new Stream;
    service_.RequestSubscribe(&pending_accept_->context, &pending_accept_->request,
                              &pending_accept_->writer, cq_.get(), cq_.get(),
                              &pending_accept_->accepted);
  }

  // Producer thread: hand (stream, time) over and wake the pump through the alarm, once per batch.
  void Queue(size_t i) {
    std::lock_guard lock(mu_);
    handed_.emplace_back(i, NowNs());
    if (alarm_set_) return;
    alarm_set_ = true;
    alarm_.Set(cq_.get(), gpr_time_0(GPR_CLOCK_MONOTONIC), &wake_);
  }

  void Write(Stream& s) {
    if (s.writing || s.queued.empty()) return;
    const int64_t ns = s.queued.front();
    s.queued.pop_front();
    s.out = Encode(++s.sequence, ns);
    s.writing = true;
    s.writer.Write(s.out, &s.written);
  }

  void Loop() {
    void* raw;
    bool ok;
    std::vector<std::pair<size_t, int64_t>> batch;
    while (cq_->Next(&raw, &ok)) {
      auto* tag = static_cast<Tag*>(raw);
      switch (tag->kind) {
        case Kind::kAccepted:
          if (ok) {
            streams_.push_back(tag->stream);
            count_.store(streams_.size());
          }
          Accept();
          break;
        case Kind::kWritten:
          tag->stream->writing = false;
          if (!ok) break;
          window_.Count();
          Write(*tag->stream);
          break;
        case Kind::kWake: {
          {
            std::lock_guard lock(mu_);
            batch.swap(handed_);
            alarm_set_ = false;
          }
          for (auto [i, ns] : batch) {
            streams_[i]->queued.push_back(ns);
            Write(*streams_[i]);
          }
          batch.clear();
          break;
        }
      }
    }
  }

  const Options& o_;
  ServerWindow window_;
  v1::Ingest::WithRawMethod_Subscribe<v1::Ingest::Service> service_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  Stream* pending_accept_ = nullptr;
  std::vector<Stream*> streams_;  // pump thread only
  std::atomic<size_t> count_{0};
  Tag wake_{Kind::kWake, nullptr};
  std::mutex mu_;
  grpc::Alarm alarm_;                                // Set under mu_
  bool alarm_set_ = false;                           // guarded by mu_
  std::vector<std::pair<size_t, int64_t>> handed_;  // guarded by mu_
};

// ---- client ---------------------------------------------------------------------------------

// Latency in 1 µs buckets up to 100 ms, recorded from any thread during the window.
class Latency {
 public:
  Latency() : buckets_(kBuckets) {}
  void Open() { open_.store(true); }
  void Close() { open_.store(false); }
  void Record(const v1::SubscribeResponse& r) {
    if (!open_.load(std::memory_order_relaxed)) return;
    const auto& at = r.events(0).frame().received_at();
    const int64_t us = (NowNs() - (at.seconds() * 1000000000 + at.nanos())) / 1000;
    buckets_[std::min<int64_t>(std::max<int64_t>(us, 0), kBuckets - 1)].fetch_add(
        1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count() const { return count_.load(); }
  void Print() const {
    const uint64_t n = count_.load();
    auto at = [&](double q) {
      uint64_t want = static_cast<uint64_t>(q * double(n)), seen = 0;
      for (size_t i = 0; i < buckets_.size(); ++i) {
        seen += buckets_[i].load();
        if (seen > want) return double(i) / 1000.0;
      }
      return 100.0;
    };
    std::printf("latency ms: p50 %.3f p99 %.3f p99.9 %.3f max %.3f\n", at(0.5), at(0.99),
                at(0.999), at(0.999999));
  }

 private:
  static constexpr int64_t kBuckets = 100000;
  std::vector<std::atomic<uint64_t>> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<bool> open_{false};
};

std::shared_ptr<grpc::Channel> Connect(const Options& o) {
  grpc::ChannelArguments args;
  for (const auto& [name, value] : o.args) args.SetInt(name, value);
  return grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args);
}

void Measure(const Options& o, Latency& latency) {
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  const Usage a = Usage::Now();
  latency.Open();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  latency.Close();
  PrintUsage("client", a, Usage::Now(), latency.count());
  latency.Print();
  std::fflush(stdout);
  std::_Exit(0);
}

class CallbackReader final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  CallbackReader(v1::Ingest::Stub& stub, Latency& latency) : latency_(latency) {
    stub.async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    latency_.Record(response_);
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    std::fprintf(stderr, "stream ended: %s\n", status.error_message().c_str());
  }

 private:
  Latency& latency_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse response_;
};

void RunCallbackClient(const Options& o) {
  auto stub = v1::Ingest::NewStub(Connect(o));
  Latency latency;
  std::vector<std::unique_ptr<CallbackReader>> readers;
  for (size_t i = 0; i < o.streams; ++i)
    readers.push_back(std::make_unique<CallbackReader>(*stub, latency));
  Measure(o, latency);
}

void RunAsyncClient(const Options& o) {
  auto stub = v1::Ingest::NewStub(Connect(o));
  Latency latency;
  struct Reader {
    grpc::ClientContext context;
    v1::SubscribeResponse response;
    std::unique_ptr<grpc::ClientAsyncReader<v1::SubscribeResponse>> reader;
    bool started = false;
  };
  std::vector<std::unique_ptr<grpc::CompletionQueue>> cqs;
  for (int t = 0; t < o.threads; ++t) cqs.push_back(std::make_unique<grpc::CompletionQueue>());
  std::vector<std::unique_ptr<Reader>> readers;
  v1::SubscribeRequest request;
  for (size_t i = 0; i < o.streams; ++i) {
    auto r = std::make_unique<Reader>();
    r->reader = stub->PrepareAsyncSubscribe(&r->context, request, cqs[i % cqs.size()].get());
    r->reader->StartCall(r.get());
    readers.push_back(std::move(r));
  }
  std::vector<std::thread> threads;
  for (auto& cq : cqs) {
    threads.emplace_back([&latency, cq = cq.get()] {
      void* tag;
      bool ok;
      while (cq->Next(&tag, &ok)) {
        auto* r = static_cast<Reader*>(tag);
        if (!ok) continue;  // the stream ended
        if (r->started) latency.Record(r->response);
        r->started = true;
        r->reader->Read(&r->response, r);
      }
    });
  }
  Measure(o, latency);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gRPC streaming floor: one connection, N streams, R Hz each"};
  std::string role, api = "callback";
  std::vector<std::string> args;
  Options o;
  app.add_option("--role", role, "server | client")->required()->check(CLI::IsMember({"server", "client"}));
  app.add_option("--api", api, "callback | async")->check(CLI::IsMember({"callback", "async"}));
  app.add_option("--listen", o.listen, "server: host:port");
  app.add_option("--target", o.target, "client: host:port");
  app.add_option("--streams", o.streams, "streams (server: start measuring once this many)");
  app.add_option("--rate", o.rate, "server: frames per second per stream");
  app.add_option("--threads", o.threads, "async client: completion-queue threads");
  app.add_option("--warmup", o.warmup, "seconds before the window");
  app.add_option("--seconds", o.seconds, "seconds measured");
  app.add_option("--arg", args, "channel argument name=value (integers), repeatable");
  CLI11_PARSE(app, argc, argv);
  o.args = ParseArgs(args);
  if (role == "server") {
    if (api == "callback") {
      CallbackServer(o).Run();
    } else {
      AsyncServer(o).Run();
    }
  } else if (api == "callback") {
    RunCallbackClient(o);
  } else {
    RunAsyncClient(o);
  }
  return 0;
}
