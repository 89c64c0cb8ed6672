// Glue for the sandbox supervisor. lib/exec/sandbox.ts validates and normalises specs; this file
// re-checks types cheaply, copies everything into a RunRequest on the main thread, and resolves
// each run's promise from the supervisor's worker thread through one ThreadSafeFunction per
// sandbox. Each sandbox registers an env cleanup hook that kills its running children, so a
// worker or process teardown never leaves a sandboxed process behind.
#include <napi.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "binding/bindings.h"
#include "core/exec/run_policy.hpp"
#include "core/exec/supervisor.hpp"
#include "core/exec/warm_slot.hpp"
#include "core/exec/zygote_run.hpp"

namespace verpo::binding {
namespace {

using exec::IsolationReport;
using exec::Layers;
using exec::ProcessOutcome;
using exec::RunRequest;
using exec::RunResult;

// One finished run (or close()'s promise) on its way to the main thread.
struct Completion {
  napi_deferred deferred = nullptr;
  RunResult result;
  bool rollout = false;
  std::vector<RunResult> results;  // a rollout's, one per test
  bool cancelled = false;
};

bool Fail(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return false;
}

bool GetString(Napi::Env env, Napi::Value v, const char* what, std::string* out) {
  if (v.IsString()) {
    *out = v.As<Napi::String>().Utf8Value();
    return true;
  }
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<char>>();
    out->assign(b.Data(), b.Length());
    return true;
  }
  return Fail(env, std::string(what) + " must be a string or Buffer");
}

bool GetStrings(Napi::Env env, Napi::Value v, const char* what, std::vector<std::string>* out) {
  if (!v.IsArray()) return Fail(env, std::string(what) + " must be an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value item = a.Get(i);
    if (!item.IsString()) return Fail(env, std::string(what) + " must be an array of strings");
    out->push_back(item.As<Napi::String>().Utf8Value());
  }
  return true;
}

bool GetNumber(Napi::Env env, Napi::Object o, const char* key, uint64_t* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;  // keep the default
  if (!v.IsNumber()) return Fail(env, std::string("limits.") + key + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d > 0) || d > 9.0e15) return Fail(env, std::string("limits.") + key + " must be a positive finite number");
  *out = static_cast<uint64_t>(d);
  return true;
}

bool ParseLimits(Napi::Env env, Napi::Object L, exec::Limits* lim) {
  return GetNumber(env, L, "cpuMs", &lim->cpu_ms) && GetNumber(env, L, "wallMs", &lim->wall_ms) &&
         GetNumber(env, L, "memoryMb", &lim->memory_mb) && GetNumber(env, L, "outputKb", &lim->output_kb) &&
         GetNumber(env, L, "fileKb", &lim->file_kb) && GetNumber(env, L, "nofile", &lim->nofile) &&
         GetNumber(env, L, "nproc", &lim->nproc) && GetNumber(env, L, "tmpfsMb", &lim->tmpfs_mb) &&
         GetNumber(env, L, "inodes", &lim->inodes);
}

bool GetBool(Napi::Object o, const char* key, bool* out) {
  Napi::Value v = o.Get(key);
  if (v.IsBoolean()) *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool ParseProcess(Napi::Env env, Napi::Value v, const char* what, exec::ProcessSpec* p) {
  if (!v.IsObject()) return Fail(env, std::string(what) + " must be an object");
  Napi::Object o = v.As<Napi::Object>();
  if (!GetStrings(env, o.Get("argv"), "argv", &p->argv)) return false;
  if (p->argv.empty()) return Fail(env, std::string(what) + ".argv must not be empty");
  if (!GetStrings(env, o.Get("env"), "env", &p->env)) return false;
  Napi::Value in = o.Get("stdin");
  if (!in.IsUndefined() && !in.IsNull() && !GetString(env, in, "stdin", &p->stdin_data)) return false;
  return true;
}

Layers ParseLayers(Napi::Value v) {
  Layers l;
  if (!v.IsObject()) return l;
  Napi::Object o = v.As<Napi::Object>();
  GetBool(o, "seccomp", &l.seccomp);
  GetBool(o, "namespaces", &l.namespaces);
  GetBool(o, "dropUid", &l.drop_uid);
  GetBool(o, "cgroup", &l.cgroup);
  GetBool(o, "addressSpaceLimit", &l.address_space_limit);
  return l;
}

// spec: { candidate, judge?, channel, files: [[name, data, executable?]...], limits, layers } (normalised in TS)
// The last few harness Buffers seen (main thread only): a test reuses their bytes and hash instead of
// copying and hashing ~100 KB per run. Equal content is checked in full, so a changed Buffer is never stale;
// within one call (BeginCall), the same Buffer memory again is the same bytes (no JS runs while we parse), so
// a rollout's specs compare their shared harness Buffers once, not once a test.
class BlobCache {
 public:
  void BeginCall() { seen_.clear(); }

  exec::SharedBytes Get(const char* p, size_t n) {
    for (const auto& s : seen_)
      if (s.p == p && s.n == n) return s.bytes;
    exec::SharedBytes found;
    for (const auto& b : entries_)
      if (b.data->size() == n && memcmp(b.data->data(), p, n) == 0) {
        found = b;
        break;
      }
    if (!found.data) {
      found.data = std::make_shared<const std::string>(p, n);
      found.hash = std::hash<std::string>{}(*found.data);
      if (entries_.size() == 4) entries_.erase(entries_.begin());
      entries_.push_back(found);
    }
    if (seen_.size() < 4) seen_.push_back({p, n, found});
    return found;
  }

 private:
  struct Seen {
    const char* p;
    size_t n;
    exec::SharedBytes bytes;
  };
  std::vector<exec::SharedBytes> entries_;
  std::vector<Seen> seen_;  // this call's Buffers: where their memory is, what it held
};

bool GetBlob(Napi::Env env, Napi::Value v, const char* what, BlobCache& blobs, exec::SharedBytes* out) {
  if (!v.IsBuffer()) return Fail(env, std::string(what) + " must be a Buffer");
  auto b = v.As<Napi::Buffer<char>>();
  *out = blobs.Get(b.Data(), b.Length());
  return true;
}

bool ParseSpec(Napi::Env env, Napi::Value v, BlobCache& blobs, RunRequest* r) {
  if (!v.IsObject()) return Fail(env, "spec must be an object");
  Napi::Object o = v.As<Napi::Object>();
  if (!ParseProcess(env, o.Get("candidate"), "candidate", &r->candidate)) return false;
  Napi::Value judge = o.Get("judge");
  if (!judge.IsUndefined() && !judge.IsNull()) {
    r->has_judge = true;
    if (!ParseProcess(env, judge, "judge", &r->judge)) return false;
  }
  // zygote mode: { init: Buffer, mode, judgeInit?: Buffer } (see policy.hpp, zygote_run.hpp)
  Napi::Value zyg = o.Get("zygote");
  if (zyg.IsObject()) {
    Napi::Object z = zyg.As<Napi::Object>();
    r->zygote.enabled = true;
    if (!GetBlob(env, z.Get("init"), "zygote.init", blobs, &r->zygote.init)) return false;
    if (!GetString(env, z.Get("mode"), "zygote.mode", &r->zygote.mode)) return false;
    Napi::Value ji = z.Get("judgeInit");
    if (!ji.IsUndefined() && !ji.IsNull() && !GetBlob(env, ji, "zygote.judgeInit", blobs, &r->zygote.judge_init)) return false;
  }
  Napi::Value channel = o.Get("channel");
  r->channel = channel.IsBoolean() ? channel.As<Napi::Boolean>().Value() : true;
  Napi::Value files = o.Get("files");
  if (files.IsArray()) {
    Napi::Array a = files.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value entry = a.Get(i);
      const uint32_t n = entry.IsArray() ? entry.As<Napi::Array>().Length() : 0;
      if (n != 2 && n != 3) return Fail(env, "files must be [name, data] or [name, data, executable] entries");
      Napi::Array e = entry.As<Napi::Array>();
      exec::SandboxFile f;
      if (!GetString(env, e.Get(0u), "file name", &f.name)) return false;
      if (!GetString(env, e.Get(1u), "file data", &f.content)) return false;
      f.executable = n == 3 && e.Get(2u).ToBoolean().Value();
      r->files.push_back(std::move(f));
    }
  }
  Napi::Value limits = o.Get("limits");
  if (!limits.IsObject()) return Fail(env, "limits must be an object");
  Napi::Object L = limits.As<Napi::Object>();
  exec::Limits& lim = r->limits;
  if (!ParseLimits(env, L, &lim)) return false;
  r->layers = ParseLayers(o.Get("layers"));
  Napi::Value stop = o.Get("stopAfterFailure");
  r->stop_after_failure = stop.IsBoolean() && stop.As<Napi::Boolean>().Value();
  Napi::Value bound = o.Get("judgeMaxRssMb");  // 0: never recycle
  if (bound.IsNumber()) {
    double d = bound.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d > 9.0e15) return Fail(env, "judgeMaxRssMb must be a finite number >= 0");
    r->judge_max_rss_mb = static_cast<uint64_t>(d);
  } else if (!bound.IsUndefined()) {
    return Fail(env, "judgeMaxRssMb must be a number");
  }
  return true;
}

Napi::Value IsolationToJs(Napi::Env env, const IsolationReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rlimits", r.rlimits);
  o.Set("seccomp", r.seccomp);
  o.Set("noNewPrivs", r.no_new_privs);
  Napi::Array ns = Napi::Array::New(env, r.namespaces.size());
  for (size_t i = 0; i < r.namespaces.size(); ++i) ns.Set(static_cast<uint32_t>(i), r.namespaces[i]);
  o.Set("namespaces", ns);
  o.Set("dropUid", r.drop_uid);
  o.Set("uid", Napi::Number::New(env, r.uid));
  o.Set("cgroup", r.cgroup);
  o.Set("privateTmpfs", r.private_tmpfs);
  o.Set("ownRlimits", r.own_rlimits);
  o.Set("privateWorkdir", r.private_workdir);
  o.Set("cleanEnv", r.clean_env);
  Napi::Array notes = Napi::Array::New(env, r.notes.size());
  for (size_t i = 0; i < r.notes.size(); ++i) notes.Set(static_cast<uint32_t>(i), r.notes[i]);
  o.Set("notes", notes);
  return o;
}

Napi::Object ProcessToJs(Napi::Env env, ProcessOutcome& p) {
  Napi::Object o = Napi::Object::New(env);
  if (p.started && p.signal == 0) o.Set("exitCode", Napi::Number::New(env, p.exit_code));
  else o.Set("exitCode", env.Null());
  const char* sig = p.signal ? exec::SignalName(p.signal) : nullptr;
  if (p.signal) o.Set("signal", sig ? Napi::String::New(env, sig) : Napi::String::New(env, "SIG" + std::to_string(p.signal)));
  else o.Set("signal", env.Null());
  o.Set("cpuMs", Napi::Number::New(env, static_cast<double>(p.cpu_ms)));
  o.Set("wallMs", Napi::Number::New(env, static_cast<double>(p.wall_ms)));
  o.Set("memoryKb", Napi::Number::New(env, static_cast<double>(p.memory_kb)));
  o.Set("writeSetPages", Napi::Number::New(env, static_cast<double>(p.write_set_pages)));
  o.Set("stdout", Napi::Buffer<char>::Copy(env, p.stdout_data.data(), p.stdout_data.size()));
  o.Set("stderr", Napi::Buffer<char>::Copy(env, p.stderr_data.data(), p.stderr_data.size()));
  o.Set("stdoutTruncated", p.stdout_truncated);
  o.Set("stderrTruncated", p.stderr_truncated);
  return o;
}

// `isolation`: the report's object when the caller has it already (a rollout's tests share one).
Napi::Value ResultToJs(Napi::Env env, RunResult& r, Napi::Value isolation = Napi::Value()) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Object cand = ProcessToJs(env, r.candidate);
  const char* limit = exec::LimitName(r.limit);
  cand.Set("limit", limit ? Napi::Value(Napi::String::New(env, limit)) : env.Null());
  if (r.violation.hit) {
    Napi::Object v = Napi::Object::New(env);
    v.Set("syscall", r.violation.syscall);
    v.Set("nr", Napi::Number::New(env, r.violation.nr));
    cand.Set("violation", v);
  } else {
    cand.Set("violation", env.Null());
  }
  o.Set("candidate", cand);
  o.Set("judge", r.has_judge ? Napi::Value(ProcessToJs(env, r.judge)) : env.Null());
  o.Set("isolation", isolation.IsEmpty() ? IsolationToJs(env, r.isolation) : isolation);
  o.Set("judgeRecycled", r.judge_recycled);
  o.Set("internalError", r.internal_error.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.internal_error)));
  o.Set("compileError", r.compile_error.empty() ? env.Null() : Napi::Value(Napi::String::New(env, r.compile_error)));
  return o;
}

class SandboxHandle : public Napi::ObjectWrap<SandboxHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ExecSandbox",
                       {InstanceMethod<&SandboxHandle::Run>("run"), InstanceMethod<&SandboxHandle::RunRollout>("runRollout"),
                        InstanceMethod<&SandboxHandle::Close>("close"),
                        InstanceMethod<&SandboxHandle::Isolation>("isolation"),
                        InstanceMethod<&SandboxHandle::Counters>("counters")});
  }

  // new ExecSandbox({ concurrency, workRoot })
  explicit SandboxHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SandboxHandle>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) {
      Fail(env, "options must be an object");
      return;
    }
    Napi::Object o = info[0].As<Napi::Object>();
    exec::SandboxConfig cfg;
    Napi::Value conc = o.Get("concurrency"), root = o.Get("workRoot");
    if (!conc.IsNumber() || !root.IsString()) {
      Fail(env, "options need concurrency (number) and workRoot (string)");
      return;
    }
    cfg.slots = conc.As<Napi::Number>().Int32Value();
    cfg.work_root = root.As<Napi::String>().Utf8Value();
    tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                          "verpo-exec", 0, 1);
    tsfn_.Unref(env);
    supervisor_ = std::make_unique<exec::Supervisor>(cfg);
    config_ = supervisor_->config();  // with the leased uids
    if (!supervisor_->error().empty()) {
      Napi::Error::New(env, "Sandbox: " + supervisor_->error()).ThrowAsJavaScriptException();
      supervisor_.reset();
      released_ = true;
      tsfn_.Release();
      return;
    }
    hook_registered_ = napi_add_env_cleanup_hook(env, &SandboxHandle::EnvCleanup, this) == napi_ok;
  }

  ~SandboxHandle() override {
    RemoveCleanupHook();
    Shutdown();
  }

 private:
  // Kills and joins everything; callbacks that can no longer reach JS free their data.
  void Shutdown() {
    if (!supervisor_) return;
    supervisor_->Close();
    supervisor_->Join();
    supervisor_.reset();
    if (!released_) {
      released_ = true;
      tsfn_.Release();
    }
  }

  // The hook is keyed by (function, this): it must go before this address can be reused.
  void RemoveCleanupHook() {
    if (hook_registered_) napi_remove_env_cleanup_hook(Env(), &SandboxHandle::EnvCleanup, this);
    hook_registered_ = false;
  }

  static void EnvCleanup(void* self) {
    auto* h = static_cast<SandboxHandle*>(self);
    h->hook_registered_ = false;  // Node drops a hook once it has run
    h->Shutdown();
  }

  // False when JS can no longer be reached (the completion is freed then).
  bool Deliver(Completion* c) {
    napi_status st = tsfn_.BlockingCall(c, [](Napi::Env env, Napi::Function, Completion* done) {
      std::unique_ptr<Completion> owned(done);
      if (!env) return;  // tearing down
      Napi::HandleScope scope(env);
      if (done->cancelled) {
        Napi::Error err = Napi::Error::New(env, "Sandbox closed: the run was cancelled before it finished");
        napi_reject_deferred(env, done->deferred, err.Value());
      } else if (done->rollout) {
        // A rollout's tests have one policy: one isolation report object for them all (a new one where it differs).
        Napi::Array a = Napi::Array::New(env, done->results.size());
        Napi::Value shared;
        for (size_t i = 0; i < done->results.size(); ++i) {
          RunResult& r = done->results[i];
          if (i == 0 || !(r.isolation == done->results[i - 1].isolation)) shared = IsolationToJs(env, r.isolation);
          a.Set(static_cast<uint32_t>(i), ResultToJs(env, r, shared));
        }
        napi_resolve_deferred(env, done->deferred, a);
      } else {
        napi_resolve_deferred(env, done->deferred, ResultToJs(env, done->result));
      }
    });
    if (st != napi_ok) delete c;
    return st == napi_ok;
  }

  void Settled(Napi::Env env) {
    if (--pending_ == 0 && !released_ && !closing_) tsfn_.Unref(env);
    Unref();  // the JS object may be collected once nothing is in flight
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!supervisor_ || closing_) {
      Napi::Error::New(env, "Sandbox is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    RunRequest req;
    blobs_.BeginCall();
    if (!ParseSpec(env, info[0], blobs_, &req)) return env.Undefined();
    return Enqueue(env, [&](auto deliver) {
      return supervisor_->Submit(std::move(req), [deliver](RunResult&& result, bool cancelled) {
        auto* c = new Completion;
        c->result = std::move(result);
        c->cancelled = cancelled;
        deliver(c);
      });
    });
  }

  // A promise for one submission to the supervisor: `submit` gets `deliver`, which its callback (on a worker
  // thread) calls with the filled Completion; it returns false when the supervisor is closed.
  template <typename Submit>
  Napi::Value Enqueue(Napi::Env env, Submit submit) {
    napi_deferred deferred;
    napi_value promise;
    napi_create_promise(env, &deferred, &promise);
    if (pending_++ == 0) tsfn_.Ref(env);
    Ref();
    SandboxHandle* self = this;
    auto deliver = [self, deferred](Completion* c) {
      c->deferred = deferred;
      self->DeliverRun(c);
    };
    if (!submit(deliver)) {
      napi_reject_deferred(env, deferred, Napi::Error::New(env, "Sandbox is closed").Value());
      Settled(env);
    }
    return Napi::Value(env, promise);
  }

  // runRollout(spec, [[candidateStdin, judgeStdin | null], ...]): one program's tests, the spec they share (a zygote
  // spec; sandbox.ts checked that every test's spec was this one but for its stdin) and each test's stdin; run in one
  // process on one slot, their results in order, in one callback. The spec is parsed once, not once a test.
  Napi::Value RunRollout(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!supervisor_ || closing_) {
      Napi::Error::New(env, "Sandbox is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!info[1].IsArray() || info[1].As<Napi::Array>().Length() == 0) {
      Fail(env, "runRollout needs a spec and a non-empty array of [candidateStdin, judgeStdin] pairs");
      return env.Undefined();
    }
    Napi::Array stdins = info[1].As<Napi::Array>();
    RunRequest common;
    blobs_.BeginCall();
    if (!ParseSpec(env, info[0], blobs_, &common)) return env.Undefined();
    if (std::string why = exec::CheckRollout(common); !why.empty()) {
      Fail(env, "runRollout: " + why);
      return env.Undefined();
    }
    std::vector<RunRequest> reqs(stdins.Length(), common);
    for (uint32_t i = 0; i < stdins.Length(); ++i) {
      Napi::Value pair = stdins.Get(i);
      if (!pair.IsArray() || pair.As<Napi::Array>().Length() != 2) {
        Fail(env, "runRollout: each test is a [candidateStdin, judgeStdin] pair");
        return env.Undefined();
      }
      Napi::Array a = pair.As<Napi::Array>();
      if (!GetString(env, a.Get(0u), "candidate stdin", &reqs[i].candidate.stdin_data)) return env.Undefined();
      Napi::Value j = a.Get(1u);
      if (common.has_judge != !j.IsNull()) {
        Fail(env, "runRollout: a judge stdin is given exactly when the spec has a judge");
        return env.Undefined();
      }
      if (common.has_judge && !GetString(env, j, "judge stdin", &reqs[i].judge.stdin_data)) return env.Undefined();
    }
    return Enqueue(env, [&](auto deliver) {
      return supervisor_->SubmitRollout(std::move(reqs), [deliver](std::vector<RunResult>&& results, bool cancelled) {
        auto* c = new Completion;
        c->rollout = true;
        c->results = std::move(results);
        c->cancelled = cancelled;
        deliver(c);
      });
    });
  }

  void DeliverRun(Completion* c) {
    if (!Deliver(c)) return;
    // Bookkeeping on the main thread after the promise settled.
    tsfn_.BlockingCall(this, [](Napi::Env env, Napi::Function, SandboxHandle* self) {
      if (env) self->Settled(env);
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    napi_deferred deferred;
    napi_value promise;
    napi_create_promise(env, &deferred, &promise);
    if (closing_ || !supervisor_) {
      napi_resolve_deferred(env, deferred, env.Undefined());
      return Napi::Value(env, promise);
    }
    closing_ = true;
    tsfn_.Ref(env);
    Ref();
    auto* notice = new Completion;
    notice->deferred = deferred;
    // Runs on the last worker thread to stop: every run callback has been queued before it. The promise settles
    // once the threads are joined and the per-slot eventfds and uid leases are gone (not at GC time): a caller that
    // awaited close() sees none of its descriptors.
    supervisor_->Close([this, notice] {
      napi_status st = tsfn_.BlockingCall(this, [notice](Napi::Env env, Napi::Function, SandboxHandle* self) {
        std::unique_ptr<Completion> owned(notice);
        if (!env) return;  // tearing down
        if (self->supervisor_) {
          self->supervisor_->Join();
          self->supervisor_.reset();
          self->RemoveCleanupHook();  // nothing left to kill
          self->Unref();
          if (!self->released_) {
            self->released_ = true;
            self->tsfn_.Release();
          }
        }
        Napi::HandleScope scope(env);
        napi_resolve_deferred(env, owned->deferred, env.Undefined());
      });
      if (st != napi_ok) delete notice;
    });
    return Napi::Value(env, promise);
  }

  Napi::Value Isolation(const Napi::CallbackInfo& info) {
    return IsolationToJs(info.Env(), exec::EffectiveIsolation(ParseLayers(info[0]), 0, config_));
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("active", Napi::Number::New(env, supervisor_ ? supervisor_->active() : 0));
    o.Set("queued", Napi::Number::New(env, supervisor_ ? supervisor_->queued() : 0));
    o.Set("peakActive", Napi::Number::New(env, supervisor_ ? supervisor_->peak_active() : 0));
    return o;
  }

  std::unique_ptr<exec::Supervisor> supervisor_;
  BlobCache blobs_;
  exec::SandboxConfig config_;
  Napi::ThreadSafeFunction tsfn_;
  int pending_ = 0;
  bool hook_registered_ = false;
  bool closing_ = false;
  bool released_ = false;
};

// execProbeIsolation(layers): the report a run with these layers would get (uid of slot 0).
Napi::Value ProbeIsolation(const Napi::CallbackInfo& info) {
  exec::SandboxConfig cfg;
  return IsolationToJs(info.Env(), exec::EffectiveIsolation(ParseLayers(info[0]), 0, cfg));
}

// execZygoteLibrary(): the path of the fork server library zygote mode needs, or null when it is missing.
Napi::Value ZygoteLibraryPath(const Napi::CallbackInfo& info) {
  const std::string& path = exec::ZygoteLibrary();
  return path.empty() ? info.Env().Null() : Napi::Value(Napi::String::New(info.Env(), path));
}

}  // namespace

void InitExec(Napi::Env env, Napi::Object exports) {
  exports.Set("ExecSandbox", SandboxHandle::Define(env));
  exports.Set("execProbeIsolation", Napi::Function::New(env, ProbeIsolation, "execProbeIsolation"));
  exports.Set("execZygoteLibrary", Napi::Function::New(env, ZygoteLibraryPath, "execZygoteLibrary"));
}

}  // namespace verpo::binding
