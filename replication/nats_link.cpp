#include "replication/nats_link.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include <unistd.h>

namespace ose::replication {

std::optional<std::string_view> header(natsMsg* m, const char* key) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(m, key, &v) != NATS_OK || v == nullptr) return std::nullopt;
  return std::string_view(v);
}

std::optional<uint64_t> header_u64(natsMsg* m, const char* key, int base) {
  const auto v = header(m, key);
  if (!v) return std::nullopt;
  uint64_t out = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out, base);
  if (ec != std::errc{} || end != v->data() + v->size()) return std::nullopt;
  return out;
}

std::string_view data(const natsMsg* m) {
  return {natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m))};
}

std::string describe(const char* call, natsStatus s, jsErrCode code) {
  std::string out = fmt::format("{}: {}", call, natsStatus_GetText(s));
  if (code != 0) out += fmt::format(" (JetStream error {})", static_cast<int>(code));
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0' && std::strstr(out.c_str(), last) == nullptr) {
    out += fmt::format(": {}", last);
  }
  return out;
}

void Link::ConnDeleter::operator()(natsConnection* c) const noexcept {
  natsConnection_Close(c);
  natsConnection_Destroy(c);
}

Result<Link> Link::connect(const LinkOptions& o) {
  natsOptions* opts = nullptr;
  if (natsStatus s = natsOptions_Create(&opts); s != NATS_OK) {
    return Error{describe("natsOptions_Create", s)};
  }
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> guard(opts, natsOptions_Destroy);
  natsStatus s = natsOptions_SetURL(opts, o.url.c_str());
  if (s == NATS_OK && !o.client_name.empty()) s = natsOptions_SetName(opts, o.client_name.c_str());
  // Forever: a replicator outlives any server restart; the wait is the backoff between tries.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, o.reconnect_wait_ms);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, nullptr, nullptr);
  if (s != NATS_OK) return Error{describe("natsOptions", s)};
  natsConnection* conn = nullptr;
  s = natsConnection_Connect(&conn, opts);
  // NATS_NOT_YET_CONNECTED: the server is down now; the connection keeps trying.
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return Error{describe(fmt::format("connecting to {}", o.url).c_str(), s)};
  }
  Link link;
  link.conn_.reset(conn);
  link.api_wait_ms_ = o.api_wait_ms;
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = o.api_wait_ms;
  jo.PublishAsync.MaxPending = o.max_in_flight;
  jo.PublishAsync.AckHandler = o.ack_handler;
  jo.PublishAsync.AckHandlerClosure = o.ack_closure;
  jsCtx* js = nullptr;
  if (s = natsConnection_JetStream(&js, conn, &jo); s != NATS_OK) {
    return Error{describe("natsConnection_JetStream", s)};
  }
  link.js_.reset(js);
  return link;
}

Result<Link> Link::connect_within(const LinkOptions& options, int64_t wait_ms) {
  auto link = connect(options);
  if (!link) return link;
  for (int64_t waited = 0; waited < wait_ms && !link->connected(); waited += 20) {
    usleep(20'000);
  }
  if (!link->connected()) return Error{fmt::format("no NATS server answers at {}", options.url)};
  return link;
}

Link::~Link() = default;

bool Link::connected() const noexcept {
  return conn_ && natsConnection_Status(conn_.get()) == NATS_CONN_STATUS_CONNECTED;
}

Result<bool> Link::ensure_stream(const std::string& stream, const std::string& subjects,
                                 const StreamLimits& limits) {
  bool missing = false;
  auto ends = stream_ends(stream, &missing);
  if (ends) return false;
  if (!missing) return Error{ends.error()};
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  const char* subj[1] = {subjects.c_str()};
  sc.Name = stream.c_str();
  sc.Subjects = subj;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  sc.Retention = js_LimitsPolicy;
  sc.Discard = js_DiscardOld;
  sc.MaxAge = limits.max_age_s * 1'000'000'000;
  sc.MaxBytes = limits.max_bytes;
  sc.Duplicates = limits.duplicates_s * 1'000'000'000;
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_AddStream(&si, js_.get(), &sc, nullptr, &code);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  // JSStreamNameExistErr: another process created it meanwhile, which is as good.
  if (s != NATS_OK && code != JSStreamNameExistErr) {
    return Error{describe(fmt::format("creating stream {}", stream).c_str(), s, code)};
  }
  return true;
}

Result<Link::StreamEnds> Link::stream_ends(const std::string& stream, bool* missing) {
  if (missing != nullptr) *missing = false;
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetStreamInfo(&si, js_.get(), stream.c_str(), nullptr, &code);
  if (s != NATS_OK) {
    if ((s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) && missing != nullptr) *missing = true;
    return Error{describe(fmt::format("stream info of {}", stream).c_str(), s, code)};
  }
  StreamEnds e{si->State.FirstSeq, si->State.LastSeq, si->State.Msgs};
  jsStreamInfo_Destroy(si);
  return e;
}

Result<Msg> Link::get(const std::string& stream, uint64_t seq) {
  natsMsg* m = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetMsg(&m, js_.get(), stream.c_str(), seq, nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) return Msg{};
  if (s != NATS_OK) {
    return Error{describe(fmt::format("getting message {} of {}", seq, stream).c_str(), s, code)};
  }
  return Msg{m};
}

Result<Msg> Link::last_on(const std::string& stream, const std::string& subject) {
  natsMsg* m = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_GetLastMsg(&m, js_.get(), stream.c_str(), subject.c_str(), nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) return Msg{};
  if (s != NATS_OK) {
    return Error{describe(fmt::format("last message on {}", subject).c_str(), s, code)};
  }
  return Msg{m};
}

Result<std::vector<std::string>> Link::stream_names(const std::string& prefix) {
  jsStreamNamesList* list = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_StreamNames(&list, js_.get(), nullptr, &code);
  std::vector<std::string> out;
  if (s == NATS_NOT_FOUND) return out;
  if (s != NATS_OK) return Error{describe("listing streams", s, code)};
  for (int i = 0; i < list->Count; ++i) {
    if (std::string_view(list->List[i]).starts_with(prefix)) out.emplace_back(list->List[i]);
  }
  jsStreamNamesList_Destroy(list);
  return out;
}

}  // namespace ose::replication
