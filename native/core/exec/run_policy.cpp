#include "core/exec/run_policy.hpp"

#include <sched.h>

#include "core/exec/host_support.hpp"

namespace verpo::exec {

IsolationReport EffectiveIsolation(const Layers& requested, int slot, const SandboxConfig& config) {
  const HostSupport& h = Host();
  IsolationReport r;
  r.notes = h.notes;
  r.rlimits = true;
  r.no_new_privs = true;
  r.seccomp = requested.seccomp && h.seccomp;
  if (!requested.seccomp) r.notes.push_back("seccomp: off by request");
  if (requested.namespaces && h.namespaces) {
    if (h.needs_user_namespace) r.namespaces.push_back("user");
    for (const char* ns : {"pid", "net", "mount", "ipc"}) r.namespaces.push_back(ns);
  } else if (!requested.namespaces) {
    r.notes.push_back("namespaces: off by request");
  }
  r.drop_uid = h.is_root && requested.drop_uid;
  r.uid = r.drop_uid ? config.SlotUid(slot) : h.uid;
  r.own_rlimits = r.drop_uid || !h.is_root;
  r.private_tmpfs = !r.namespaces.empty() && h.tmpfs;
  if (h.is_root && !requested.drop_uid) r.notes.push_back("uid: runs as root by request (rlimits can be raised by root only through seccomp-denied calls)");
  if (!h.is_root) r.notes.push_back("uid: not root, the candidate runs as the caller's uid");
  if (!r.drop_uid && r.namespaces.empty()) {
    r.notes.push_back("process tree: killed by process group only (a setsid daemon could escape)");
    r.notes.push_back("uid and pid namespace shared with the caller: a test can signal the caller's processes and write "
                      "the caller's files (run untrusted code as another user, or where user namespaces are allowed)");
  }
  if (r.namespaces.empty()) {
    r.notes.push_back("filesystem: host /tmp stays writable to the candidate");
    r.notes.push_back("files: the workdir is a host directory: what a test writes is bounded only by RLIMIT_FSIZE per "
                      "file and the host's disk, and is not counted as memory");
  }
  if (r.private_tmpfs && !h.private_shm) r.notes.push_back("filesystem: no /dev/shm directory to give the test a tmpfs of its own");
  // How memory is counted, and what no layer here counts without a memory cgroup.
  r.notes.push_back(std::string("memory: polled every 10 ms, the tree's RSS") +
                    (r.private_tmpfs ? " + the bytes in its own /tmp and /dev/shm tmpfs" : " (files are not counted)") +
                    (r.seccomp ? "; memfd_create is refused (ENOSYS): its pages could be counted nowhere without a memory cgroup"
                               : "; without seccomp memfd_create is allowed, and its pages are counted nowhere") +
                    "; kernel memory of pipe and socket buffers is not counted (bounded by nofile x nproc)");
  r.cgroup = false;
  if (requested.cgroup && !h.cgroup_v2_dir.empty())
    r.notes.push_back("cgroup: delegated v2 found at " + h.cgroup_v2_dir + " but not used yet; memory is polled");
  if (requested.address_space_limit) r.notes.push_back("address space: RLIMIT_AS = memory limit");
  return r;
}

RunPolicy ResolvePolicy(const Layers& layers, const Limits& limits, int slot, const SandboxConfig& config) {
  const HostSupport& h = Host();
  RunPolicy p;
  p.isolation = EffectiveIsolation(layers, slot, config);
  p.limits = limits;
  p.namespaces = !p.isolation.namespaces.empty();
  p.user_namespace = p.namespaces && h.needs_user_namespace;
  p.private_tmpfs = p.isolation.private_tmpfs;
  p.drop_uid = p.isolation.drop_uid;
  p.seccomp = p.isolation.seccomp;
  p.seccomp_listener = p.seccomp && h.seccomp_notify;
  p.address_space_limit = layers.address_space_limit;
  p.uid = p.isolation.uid;
  p.gid = p.drop_uid ? static_cast<gid_t>(p.isolation.uid) : h.gid;
  if (p.namespaces) {
    p.clone_flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC;
    if (p.user_namespace) {
      p.clone_flags |= CLONE_NEWUSER;
      p.uid_map = SelfIdMap(h.uid);
      p.gid_map = SelfIdMap(h.gid);
    }
  }
  if (p.private_tmpfs) {
    p.tmp_options = TmpfsOptions(limits.TmpfsBytes(), limits.inodes, 0700, p.uid, p.gid);
    if (h.private_shm) p.shm_options = TmpfsOptions(limits.TmpfsBytes(), limits.inodes, 01777, p.uid, p.gid);
  }
  return p;
}

ChildPlan RunPolicy::CandidatePlan() const {
  ChildPlan plan;
  AddCandidateRlimits(&plan, limits, drop_uid || user_namespace, address_space_limit);
  plan.new_session = true;
  plan.drop_uid = drop_uid;
  plan.uid = uid;
  plan.gid = gid;
  plan.no_new_privs = true;
  return plan;
}

SeccompProgram RunPolicy::BuildFilter() const {
  return BuildSeccompFilter(seccomp_listener ? ViolationAction::kNotify : ViolationAction::kKillProcess, isolation.own_rlimits);
}

MountView RunPolicy::Mounts(const std::string& workdir) const {
  const HostSupport& h = Host();
  MountView view;
  view.enabled = true;
  view.mount_proc = h.mount_proc;
  view.read_only_rest = h.read_only_view;
  if (private_tmpfs) {
    view.tmp_tmpfs = tmp_options.c_str();
    view.shm_tmpfs = shm_options.empty() ? nullptr : shm_options.c_str();
  } else {
    view.workdir_bind = workdir.c_str();
  }
  for (const std::string& d : h.shared_writable_dirs) view.read_only_empty.push_back(d.c_str());
  return view;
}

}  // namespace verpo::exec
