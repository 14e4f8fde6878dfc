#include "bench/alt/redis_store.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "engine/core/accounting.hpp"
#include "engine/core/enums.hpp"

namespace ose::bench {

namespace {

struct ReplyFree {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

const char* side_name(uint8_t side) {
  return side == 0 ? "buy" : "sell";
}

uint64_t position_key(uint32_t account, uint16_t instrument) {
  return static_cast<uint64_t>(account) << 16 | instrument;
}

std::string redis_error(const redisContext* c) {
  return std::string("redis connection: ") + (c->errstr[0] != '\0' ? c->errstr : "unknown error");
}

}  // namespace

bool RedisStore::Command::append_to(redisContext* c) {
  // Pointers are taken only now: buf_ may have moved while the arguments were appended.
  argv_.clear();
  lens_.clear();
  for (const Span& s : spans_) {
    argv_.push_back(buf_.data() + s.begin);
    lens_.push_back(s.size);
  }
  const int rc =
      redisAppendCommandArgv(c, static_cast<int>(argv_.size()), argv_.data(), lens_.data());
  buf_.clear();
  spans_.clear();
  return rc == REDIS_OK;
}

RedisStore::RedisStore(redisContext* ctx, RedisStoreOptions options)
    : ctx_(ctx), options_(std::move(options)) {}

RedisStore::~RedisStore() {
  redisFree(ctx_);
}

Result<std::unique_ptr<RedisStore>> RedisStore::connect(const std::string& host, int port,
                                                        const RedisStoreOptions& options) {
  const std::string where = host + ":" + std::to_string(port);
  redisContext* ctx = redisConnectWithTimeout(host.c_str(), port, to_timeval(options.timeout));
  if (ctx == nullptr) return Error{"cannot allocate a hiredis context for " + where};
  if (ctx->err != 0) {
    Error e{"cannot connect to Redis at " + where + ": " + ctx->errstr};
    redisFree(ctx);
    return e;
  }
  std::unique_ptr<RedisStore> store(new RedisStore(ctx, options));
  if (redisSetTimeout(ctx, to_timeval(options.timeout)) != REDIS_OK) {
    return Error{"cannot set the reply timeout on " + where + ": " + redis_error(ctx)};
  }
  if (!store->tcp_nodelay()) {
    return Error{"the connection to " + where + " has no TCP_NODELAY (hiredis sets it)"};
  }

  // Seed: every balance and position the workload will touch, written absolutely so that a
  // second run against the same server starts from the same state.
  Command& c = store->cmd_;
  size_t queued = 0;
  c.arg("MULTI");
  bool ok = store->append();
  for (uint32_t a = 0; a < options.accounts && ok; ++a) {
    c.arg("HSET").arg("bal:", a, ":quote");
    c.arg("free_e8").arg(options.quote_seed_e8).arg("locked_e8").arg("0");
    ok = ok && store->append();
    ++queued;
    for (uint16_t i = 0; i < options.instruments && ok; ++i) {
      c.arg("HSET").arg("bal:", a, ":base", i);
      c.arg("free_e8").arg(options.base_seed_e8).arg("locked_e8").arg("0");
      ok = ok && store->append();
      c.arg("HSET").arg("pos:", a, ":", i);
      c.arg("size_e8").arg("0").arg("avg_price_e8").arg("0").arg("realized_pnl_e8").arg("0");
      ok = ok && store->append();
      queued += 2;
    }
  }
  c.arg("EXEC");
  ok = ok && store->append();
  if (!ok) return Error{"cannot queue the seed commands: " + redis_error(ctx)};
  if (std::string err = store->read_replies(queued); !err.empty()) {
    return Error{"cannot seed the balances on " + where + ": " + err};
  }
  return store;
}

bool RedisStore::tcp_nodelay() const {
  int on = 0;
  socklen_t len = sizeof on;
  return ::getsockopt(ctx_->fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 && on != 0;
}

void RedisStore::append_publish(const OrderEvent& e) {
  // "<kind> order=<id> trade=<id> account=<a> instrument=<i> side=<buy|sell> qty_e8=<q>
  // price_e8=<p> fee_e8=<f>": what a follower needs to update its own view without a read.
  message_.clear();
  auto num = [this](auto v) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, v);
    message_.append(digits, r.ptr);
  };
  const auto field = [&](const char* key, auto v) {
    message_ += key;
    num(v);
  };
  message_ += to_string(e.kind);
  field(" order=", e.order_id);
  field(" trade=", e.trade_id);
  field(" account=", e.account);
  field(" instrument=", e.instrument);
  message_ += " side=";
  message_ += side_name(e.side);
  field(" qty_e8=", e.qty_e8);
  field(" price_e8=", e.price_e8);
  field(" fee_e8=", e.fee_e8);
  cmd_.arg("PUBLISH").arg(options_.channel).arg(message_);
}

std::string RedisStore::read_replies(size_t queued) {
  const size_t total = queued + 2;  // MULTI, the commands, EXEC
  std::string err;
  replies_.assign(queued, 0);
  for (size_t k = 0; k < total; ++k) {
    void* raw = nullptr;
    // The first call flushes the whole pipeline in one write, then blocks (bounded by the
    // context's timeout) for the first reply; the rest are usually already buffered.
    if (redisGetReply(ctx_, &raw) != REDIS_OK) return redis_error(ctx_);
    ReplyPtr r(static_cast<redisReply*>(raw));
    if (r->type == REDIS_REPLY_ERROR) {
      if (err.empty())
        err = std::string(k == 0 ? "MULTI: " : k + 1 == total ? "EXEC: " : "") + r->str;
      continue;
    }
    if (k + 1 < total) continue;  // +OK for MULTI, +QUEUED for each command
    if (r->type != REDIS_REPLY_ARRAY) {
      if (err.empty()) err = "EXEC was aborted (no reply array)";
      continue;
    }
    for (size_t j = 0; j < r->elements; ++j) {
      const redisReply* el = r->element[j];
      if (el->type == REDIS_REPLY_ERROR) {
        if (err.empty()) err = "command " + std::to_string(j + 1) + " in EXEC: " + el->str;
      } else if (el->type == REDIS_REPLY_INTEGER && j < replies_.size()) {
        replies_[j] = el->integer;
      }
    }
  }
  return err;
}

std::string RedisStore::apply(const OrderEvent& e) {
  if (ctx_->err != 0) return redis_error(ctx_);
  auto id = [&e] { return std::to_string(e.order_id); };  // for errors only
  auto it = orders_.find(e.order_id);
  if (e.kind == OrderEventKind::kNew) {
    if (it != orders_.end()) return "order " + id() + " already exists";
  } else if (it == orders_.end()) {
    return "order " + id() + " is unknown or no longer working";
  }

  // 1. Guards and every new value, computed before anything is queued: a refused event leaves
  //    the output buffer empty and the store unchanged.
  // 2. MULTI, the commands, PUBLISH, EXEC appended; one write; the replies read.
  // 3. Only then is the in-memory state (orders_, positions_) committed.
  Command& c = cmd_;
  size_t queued = 0;
  bool ok = true;
  auto push = [&] {
    ok = ok && append();
    ++queued;
  };
  // The last command of the transaction, then its event's PUBLISH and EXEC: false if any
  // append failed.
  auto push_publish_and_exec = [&] {
    push();
    append_publish(e);
    push();
    c.arg("EXEC");
    ok = ok && append();
    return ok;
  };

  switch (e.kind) {
    case OrderEventKind::kNew: {
      if (e.qty_e8 <= 0 || e.price_e8 <= 0) return "order " + id() + ": qty and price must be > 0";
      WorkingOrder w;
      w.account = e.account;
      w.instrument = e.instrument;
      w.side = e.side;
      w.qty_e8 = e.qty_e8;
      w.price_e8 = e.price_e8;
      // A buy locks its notional at the limit in quote, a sell its quantity in base.
      const std::optional<int64_t> lock = e.side == 0 ? mul_e8(e.qty_e8, e.price_e8) : e.qty_e8;
      if (!lock) return "order " + id() + ": notional overflows";
      w.lock_e8 = w.locked_e8 = *lock;

      c.arg("MULTI");
      ok = append();
      c.arg("HSET").arg("order:", e.order_id);
      c.arg("account").arg(e.account).arg("instrument").arg(e.instrument);
      c.arg("side").arg(side_name(e.side)).arg("status").arg("new");
      c.arg("qty_e8").arg(e.qty_e8).arg("price_e8").arg(e.price_e8);
      c.arg("filled_e8").arg("0").arg("avg_fill_price_e8").arg("0").arg("locked_e8").arg(*lock);
      push();
      if (e.side == 0) {
        c.arg("HINCRBY").arg("bal:", e.account, ":quote").arg("free_e8").arg(-*lock);
        push();
        c.arg("HINCRBY").arg("bal:", e.account, ":quote").arg("locked_e8").arg(*lock);
      } else {
        c.arg("HINCRBY").arg("bal:", e.account, ":base", e.instrument).arg("free_e8").arg(-*lock);
        push();
        c.arg("HINCRBY").arg("bal:", e.account, ":base", e.instrument).arg("locked_e8").arg(*lock);
      }
      if (!push_publish_and_exec()) return redis_error(ctx_);
      if (std::string err = read_replies(queued); !err.empty()) return err;
      orders_.emplace(e.order_id, w);
      return {};
    }

    case OrderEventKind::kAck: {
      c.arg("MULTI");
      ok = append();
      c.arg("HSET").arg("order:", e.order_id).arg("status");
      c.arg(it->second.filled_e8 == 0 ? "open" : "partially_filled");
      if (!push_publish_and_exec()) return redis_error(ctx_);
      return read_replies(queued);
    }

    case OrderEventKind::kCancel: {
      const WorkingOrder& w = it->second;
      const int64_t release = w.locked_e8;
      c.arg("MULTI");
      ok = append();
      c.arg("HSET").arg("order:", e.order_id).arg("status").arg("cancelled");
      c.arg("locked_e8").arg("0");
      push();
      if (w.side == 0) {
        c.arg("HINCRBY").arg("bal:", w.account, ":quote").arg("locked_e8").arg(-release);
        push();
        c.arg("HINCRBY").arg("bal:", w.account, ":quote").arg("free_e8").arg(release);
      } else {
        c.arg("HINCRBY").arg("bal:", w.account, ":base", w.instrument);
        c.arg("locked_e8").arg(-release);
        push();
        c.arg("HINCRBY").arg("bal:", w.account, ":base", w.instrument).arg("free_e8").arg(release);
      }
      if (!push_publish_and_exec()) return redis_error(ctx_);
      if (std::string err = read_replies(queued); !err.empty()) return err;
      orders_.erase(it);
      return {};
    }

    case OrderEventKind::kPartialFill:
    case OrderEventKind::kFill:
      break;
  }

  // A fill (partial or final: the quantities decide the status, not the event's name).
  const WorkingOrder& w = it->second;
  const int64_t q = e.qty_e8;
  const int64_t p = e.price_e8;
  if (q <= 0 || p <= 0) return "order " + id() + ": fill qty and price must be > 0";
  if (q > w.qty_e8 - w.filled_e8) return "order " + id() + ": fill exceeds the remaining qty";
  WorkingOrder next = w;
  next.filled_e8 += q;
  next.fill_value_e16 += static_cast<i128>(q) * p;
  const bool done = next.filled_e8 == w.qty_e8;
  // The last fill releases whatever is still locked, so pro-rata roundings never strand a unit.
  int64_t release = w.locked_e8;
  if (!done) {
    const auto share =
        pro_rata(Amount::from_e8(w.lock_e8), Qty::from_e8(q), Qty::from_e8(w.qty_e8));
    if (!share) return "order " + id() + ": lock release overflows";
    release = std::min(share->e8, w.locked_e8);
  }
  next.locked_e8 -= release;
  const std::optional<int64_t> cost = mul_e8(q, p);  // quote paid or received
  const std::optional<int64_t> avg_fill = ratio_e8(next.fill_value_e16, next.filled_e8);
  const uint64_t pk = position_key(w.account, w.instrument);
  const auto pos_it = positions_.find(pk);
  const Position pos = pos_it == positions_.end() ? Position{} : pos_it->second;
  const int64_t signed_q = w.side == 0 ? q : -q;
  const auto net = net_fill(InstrumentKind::kSpot, Rate::from_e8(kScale), Qty::from_e8(pos.size_e8),
                            Price::from_e8(pos.avg_e8), Qty::from_e8(signed_q), Price::from_e8(p));
  if (!cost || !avg_fill || !net) return "order " + id() + ": fill amounts overflow";

  c.arg("MULTI");
  ok = append();
  c.arg("HSET").arg("trade:", e.trade_id).arg("order").arg(e.order_id);
  c.arg("account").arg(w.account).arg("instrument").arg(w.instrument).arg("side");
  c.arg(side_name(w.side)).arg("qty_e8").arg(q).arg("price_e8").arg(p).arg("fee_e8").arg(e.fee_e8);
  push();
  c.arg("HSET").arg("order:", e.order_id).arg("status").arg(done ? "filled" : "partially_filled");
  c.arg("filled_e8").arg(next.filled_e8).arg("avg_fill_price_e8").arg(*avg_fill);
  c.arg("locked_e8").arg(next.locked_e8);
  push();
  if (w.side == 0) {
    // Buy: the lock is released, the cost and the fee paid from quote; the base arrives.
    c.arg("HINCRBY").arg("bal:", w.account, ":quote").arg("locked_e8").arg(-release);
    push();
    c.arg("HINCRBY").arg("bal:", w.account, ":quote").arg("free_e8");
    c.arg(release - *cost - e.fee_e8);
    push();
    c.arg("HINCRBY").arg("bal:", w.account, ":base", w.instrument).arg("free_e8").arg(q);
    push();
  } else {
    // Sell: the locked base leaves; the proceeds less the fee arrive in quote.
    c.arg("HINCRBY").arg("bal:", w.account, ":base", w.instrument).arg("locked_e8");
    c.arg(-release);
    push();
    c.arg("HINCRBY").arg("bal:", w.account, ":quote").arg("free_e8").arg(*cost - e.fee_e8);
    push();
  }
  const size_t size_reply = queued;  // index of the size's HINCRBY in EXEC's answer
  c.arg("HINCRBY").arg("pos:", w.account, ":", w.instrument).arg("size_e8").arg(signed_q);
  push();
  c.arg("HSET").arg("pos:", w.account, ":", w.instrument).arg("avg_price_e8").arg(net->avg.e8);
  push();
  c.arg("HINCRBY").arg("pos:", w.account, ":", w.instrument).arg("realized_pnl_e8");
  c.arg(net->realized.e8);
  if (!push_publish_and_exec()) return redis_error(ctx_);
  if (std::string err = read_replies(queued); !err.empty()) return err;
  if (replies_[size_reply] != net->size.e8) {
    return "pos:" + std::to_string(w.account) + ":" + std::to_string(w.instrument) +
           " size_e8 is " + std::to_string(replies_[size_reply]) + " in Redis, " +
           std::to_string(net->size.e8) + " here: someone else writes it";
  }
  positions_[pk] = Position{net->size.e8, net->avg.e8};
  if (done) {
    orders_.erase(it);
  } else {
    it->second = next;
  }
  return {};
}

}  // namespace ose::bench
