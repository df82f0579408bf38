// Each migration job's coroutine (registry::drive) and the fenced steps of its switches.
#include <spdlog/spdlog.h>

#include "proxy/migration/registry_parts.hpp"

namespace shardwire::proxy::migration {

asio::awaitable<void> registry::drive(std::string name) {
  job& j = *jobs_.at(name);
  runner& r = *runners_.at(name);
  copier& cp = *r.cp;
  auto fail = [&](const char* what, const protocol::sql_error& e) {
    j.error = now_iso() + " " + what + ": " + e.message;
    log_->warn("migration {}: {}: {}", name, what, e.message);
  };
  while (!stopping_ && j.at != phase::cleaned_up) {  // a cleaned-up job has nothing left to do
    bool busy = false, failed = false;
    auto claimed = co_await cp.claim();
    r.claimed = claimed ? runner::claim::held : runner::claim::failed;
    if (!claimed) {
      fail("connecting to the source", claimed.error());
      r.wake.expires_after(std::chrono::seconds(1));
      co_await r.wake.async_wait(use_nothrow);
      continue;
    }
    if (r.want_triggers) {
      auto ok = co_await cp.install_triggers();
      if (ok && j.at == phase::switch_writes) ok = co_await cp.install_reverse_triggers();
      if (ok && j.at == phase::switch_writes) ok = co_await cp.install_guard();
      if (ok) {
        r.want_triggers = false;
        if (j.at == phase::created) {
          j.at = phase::double_write;
          log_->info("migration {}: double-write on (triggers on {})", name, j.source_text());
          save();
          r.state->applying.store(true);
          republish();  // sessions' writes to the source now wait for the target
        }
      } else {
        fail("installing the triggers", ok.error());
        failed = true;
      }
    }
    if (r.want_switch) co_await switch_writes(j, r);
    if (r.want_rollback) co_await roll_back_writes(j, r);
    if (r.want_cleanup) {
      co_await clean_up(j, r);
      failed = r.want_cleanup;  // a step failed: retried after a pause
      if (j.at == phase::cleaned_up) break;
    }
    if (j.at == phase::switch_writes) {
      auto n = co_await cp.apply_reverse();
      if (!n) {
        ++j.reverse.failures;
        j.reverse.last_error = n.error().message;
        fail("applying the target's changes to the source", n.error());
        failed = true;
      } else if (*n > 0) {
        busy = true;
        r.dirty = true;
      }
    }
    auto now = clock::now();
    if (!failed && j.backfill.running && !j.backfill.paused && now >= r.next_copy) {
      if (j.backfill.rows_total == 0) {
        auto est = co_await cp.row_estimate();
        if (est) j.backfill.rows_total = *est;
      }
      j.backfill.waiting = co_await cp.wait_reason();
      if (!j.backfill.waiting.empty()) {
        r.next_copy = now + std::chrono::milliseconds(200);
      } else {
        const std::size_t node = j.backfill.node;
        auto step = co_await cp.copy_batch();
        if (step && j.backfill.node != node) save();  // a restart resumes on the next node
        if (!step) {
          fail("copying", step.error());
          failed = true;
        } else {
          const std::size_t n = step->rows;
          auto t = clock::now();
          if (r.last_batch != clock::time_point{}) {
            double dt = std::chrono::duration<double>(t - r.last_batch).count();
            if (dt > 0) j.backfill.rate = j.backfill.rate * 0.8 + 0.2 * (static_cast<double>(n) / dt);
          }
          r.last_batch = t;
          // Paced from the batch's start: rows_per_second over the whole copy.
          r.next_copy = now + std::chrono::microseconds(n * 1000000 / std::max<std::uint64_t>(1, j.limits.rows_per_second));
          r.dirty = busy = true;
          if (step->done) {
            j.backfill.running = false;
            j.backfill.done = true;
            j.backfill.finished_at = now_iso();
            log_->info("migration {}: backfill done, {} rows copied", name, j.backfill.rows_copied);
            save();
          }
        }
      }
    }
    if (!failed && j.verify.running) {
      auto last = co_await cp.check_chunk();
      if (!last) {
        fail("verifying", last.error());
        failed = true;
      } else {
        r.dirty = busy = true;
        if (*last) {
          j.verify.running = false;
          j.verify.done = true;
          j.verify.finished_at = now_iso();
          log_->info("migration {}: verified {} rows in {} chunks, {} differences", name, j.verify.rows_checked,
                     j.verify.chunks_checked, j.verify.differences.size());
          save();
        }
      }
    }
    if (!failed && r.want_repair && !j.verify.running) {
      r.want_repair = false;
      std::vector<key_range> left;
      auto diffs = j.verify.differences;  // (named: GCC 12 range-for)
      for (const auto& d : diffs) {
        auto fixed = co_await cp.repair(d);
        if (fixed && *fixed) {
          ++j.verify.repaired;
        } else {
          if (!fixed) fail("repairing", fixed.error());
          left.push_back(d);
        }
      }
      j.verify.differences = std::move(left);
      log_->info("migration {}: repair done, {} ranges still differ", name, j.verify.differences.size());
      save();
    }
    j.double_write.acks_waited = r.state->acks_waited.load();
    j.double_write.acks_late = r.state->acks_late.load();
    j.double_write.ack_wait_us = r.state->ack_wait_us.load();
    if (r.dirty && clock::now() - r.saved >= std::chrono::seconds(1)) {
      save();
      r.dirty = false;
      r.saved = clock::now();
    }
    if (stopping_) break;
    if (failed || !busy) {
      // The target's logs are 8 or more tables to look at: polled less often than the source's.
      auto pause = std::chrono::milliseconds(failed ? 500 : j.at == phase::switch_writes ? 100 : 20);
      if (j.backfill.running && !j.backfill.paused && !failed) {
        auto until = r.next_copy - clock::now();
        if (until < pause) pause = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(until, clock::duration{}));
      }
      r.wake.expires_after(pause);
      co_await r.wake.async_wait(use_nothrow);
    }
  }
}

// The source's change log, applied to the target from double_write to switch_reads; a
// session waiting for its write's OK wakes it (route_state::nudge). Runs only while the
// driver holds the job's lock.
asio::awaitable<void> registry::apply_loop(std::string name) {
  job& j = *jobs_.at(name);
  runner& r = *runners_.at(name);
  while (!stopping_ && j.at != phase::cleaned_up) {
    bool busy = false, failed = false;
    const bool runs = j.at >= phase::double_write && j.at <= phase::switch_reads &&
                      r.claimed == runner::claim::held && !r.want_triggers && !r.apply_paused;
    // (A pause, behind a switch's fence, or triggers being checked is short: OKs wait.)
    if (r.claimed == runner::claim::failed) r.state->applying.store(false);
    if (runs) {
      r.applying_now = true;
      auto n = co_await r.applier->apply_changes();
      r.applying_now = false;
      r.state->applying.store(n.has_value());
      if (!n) {
        ++j.double_write.failures;
        j.double_write.last_error = n.error().message;
        j.error = now_iso() + " applying changes: " + n.error().message;
        log_->warn("migration {}: applying changes: {}", name, n.error().message);
        failed = true;
      } else if (*n > 0) {
        busy = true;
        r.dirty = true;
      }
    }
    if (stopping_) break;
    // A session waiting for its write looks again at once.
    if (failed || (!busy && !r.state->nudged.exchange(false))) {
      r.apply_wake.expires_after(std::chrono::milliseconds(failed ? 500 : 20));
      co_await r.apply_wake.async_wait(use_nothrow);
    }
  }
  r.applier->release();
}

// Stops the applier after its batch: false (and not paused) when that takes over 10 s
// (its statements wait at most 5 s for a lock, then it retries).
asio::awaitable<bool> registry::pause_applier(runner& r) {
  r.apply_paused = true;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t(ex);
  const auto until = clock::now() + std::chrono::seconds(10);
  while (r.applying_now) {
    if (clock::now() >= until) {
      r.apply_paused = false;
      co_return false;
    }
    t.expires_after(std::chrono::milliseconds(1));
    co_await t.async_wait(use_nothrow);
  }
  co_return true;
}

// Raises the fence and waits until no session holds the source's name (a statement, or
// a transaction that used it): from then until the fence drops, nothing reaches either
// side through the proxy.
asio::awaitable<bool> registry::fence_and_wait(job& j, runner& r) {
  r.state->fence.store(true);
  const auto deadline = clock::now() + std::chrono::seconds(10);
  auto ex = co_await asio::this_coro::executor;
  while (r.state->holders.load() > 0) {
    if (clock::now() >= deadline) {
      r.state->fence.store(false);
      j.error = now_iso() + " " + std::to_string(r.state->holders.load()) +
                " sessions kept statements or transactions on the source's name for 10 s: not switched";
      log_->warn("migration {}: {}", j.name, j.error);
      co_return false;
    }
    asio::steady_timer pause(ex, std::chrono::milliseconds(2));
    co_await pause.async_wait(use_nothrow);
  }
  co_return true;
}

namespace {
void note_drain(job& j, const char* step, const sql_result<bool>& drained) {
  j.error = now_iso() + " " + step + ": the change log did not drain";
  if (drained) {
    j.error += " within its bound; retry";
  } else {
    j.error += ": " + drained.error().message;
  }
}
}  // namespace

// switch_reads -> switch_writes: the target's triggers first (its changes are logged from
// the moment sessions may write there); then, fenced: the source refuses every write but
// the job's own (a write that missed the fence fails instead of being lost), every source
// change is applied, and the routes are published with writes on the target.
asio::awaitable<void> registry::switch_writes(job& j, runner& r) {
  r.want_switch = false;
  if (j.at != phase::switch_reads) co_return;  // the request was overtaken
  auto reverse = co_await r.cp->install_reverse_triggers();
  if (!reverse) {
    j.error = now_iso() + " switch_writes: installing the target's triggers: " + reverse.error().message;
    co_return;
  }
  if (!co_await fence_and_wait(j, r)) co_return;
  auto guarded = co_await r.cp->install_guard();
  if (!guarded) {
    j.error = now_iso() + " switch_writes: guarding the source: " + guarded.error().message;
    (void)co_await r.cp->drop_guard();
    r.state->fence.store(false);
    co_return;
  }
  // The applier stops (after its batch); this coroutine applies the last changes itself,
  // then the phase keeps the applier off.
  if (!co_await pause_applier(r)) {
    j.error = now_iso() + " switch_writes: the change log's applier did not finish its batch within 10 s: not switched";
    (void)co_await r.cp->drop_guard();
    r.state->fence.store(false);
    r.apply_paused = false;
    co_return;
  }
  auto drained = co_await r.cp->drain_forward(std::chrono::seconds(30));
  if (!drained || !*drained) {
    note_drain(j, "switch_writes", drained);
    (void)co_await r.cp->drop_guard();
    r.state->fence.store(false);
    r.apply_paused = false;
    co_return;
  }
  j.at = phase::switch_writes;
  if (auto why = republish(); !why.empty()) {
    j.at = phase::switch_reads;
    j.error = now_iso() + " switch_writes: " + why;
    (void)co_await r.cp->drop_guard();
  } else {
    if (auto why = save(); !why.empty()) j.error = now_iso() + " switch_writes: " + why;
    log_->info("migration {}: writes of {} switched to {}.{}; the source follows as the way back", j.name,
               j.source_text(), j.target_schema, j.target_table);
  }
  r.state->fence.store(false);
  r.apply_paused = false;
}

// switch_writes -> verify: fenced, every target change applied to the source, the source
// open to writes again, the routes published without this job (reads and writes on the
// source again), then the target's triggers dropped.
asio::awaitable<void> registry::roll_back_writes(job& j, runner& r) {
  r.want_rollback = false;
  if (j.at != phase::switch_writes || j.cleaning) co_return;
  if (!co_await fence_and_wait(j, r)) co_return;
  auto drained = co_await r.cp->drain_reverse(std::chrono::seconds(30));
  sql_result<void> opened;
  if (drained && *drained) opened = co_await r.cp->drop_guard();  // (no co_await in ?:, GCC 12)
  if (!drained || !*drained || !opened) {
    if (!opened) {
      j.error = now_iso() + " rollback: unguarding the source: " + opened.error().message;
    } else {
      note_drain(j, "rollback", drained);
    }
    r.state->fence.store(false);
    co_return;
  }
  j.at = phase::verify;
  j.verify.done = false;  // the way forward again starts with a verification
  if (auto why = republish(); !why.empty()) {
    j.at = phase::switch_writes;
    j.error = now_iso() + " rollback: " + why;
    (void)co_await r.cp->install_guard();
    r.state->fence.store(false);
    co_return;
  }
  save();
  r.state->fence.store(false);
  log_->info("migration {}: rolled back: {} authoritative again", j.name, j.source_text());
  auto dropped = co_await r.cp->drop_reverse_triggers();
  if (!dropped) j.error = now_iso() + " rollback: dropping the target's triggers: " + dropped.error().message;
}

// switch_writes -> cleaned_up, recorded first (from here there is no rollback; a restart
// goes on with it): the target's triggers dropped, then what they logged applied (the
// source stays a complete copy as of now), the source's triggers dropped, the source
// renamed if asked. Its name stays routed to the target. A failed step is retried.
asio::awaitable<void> registry::clean_up(job& j, runner& r) {
  if (j.at != phase::switch_writes) {
    r.want_cleanup = false;
    co_return;
  }
  if (!j.cleaning) {
    j.cleaning = true;
    j.cleaning_rename = r.rename_to;
    if (auto why = save(); !why.empty()) {
      j.cleaning = false;
      r.want_cleanup = false;
      j.error = now_iso() + " cleanup: " + why;
      co_return;
    }
  }
  auto step = [&](const char* what, const std::string& message) {
    j.error = now_iso() + " cleanup: " + what + ": " + message + " (retried)";
    log_->warn("migration {}: {}", j.name, j.error);
  };
  auto dropped = co_await r.cp->drop_reverse_triggers();
  if (!dropped) {
    step("dropping the target's triggers", dropped.error().message);
    co_return;
  }
  auto drained = co_await r.cp->drain_reverse(std::chrono::seconds(60));
  if (!drained || !*drained) {
    std::string why = "not drained within 60 s";  // (no ?: with temporaries in a coroutine, GCC 12)
    if (!drained) why = drained.error().message;
    step("applying the target's last changes", why);
    co_return;
  }
  auto source = co_await r.cp->drop_triggers();
  if (source) source = co_await r.cp->drop_guard();
  if (!source) {
    step("dropping the source's triggers", source.error().message);
    co_return;
  }
  if (!j.cleaning_rename.empty() && j.source_renamed_to.empty()) {
    auto renamed = co_await r.cp->rename_source(j.cleaning_rename);
    if (!renamed) {
      step("renaming the source", renamed.error().message);
      co_return;
    }
    j.source_renamed_to = j.cleaning_rename;
  }
  r.want_cleanup = false;
  j.cleaning = false;
  j.at = phase::cleaned_up;
  save();
  r.cp->release();
  r.apply_wake.cancel();  // the applier ends
  log_->info("migration {}: cleaned up (source {} kept{}{})", j.name, j.source_text(),
             j.source_renamed_to.empty() ? "" : " as ", j.source_renamed_to);
}

}  // namespace shardwire::proxy::migration
