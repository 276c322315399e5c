/*
** rt.c — the host side of wasm2c's runtime contract (wasm-rt.h): linear
** memories, tables, function-type ids, and trap delivery.
**
** wasm2c's own wasm-rt-impl keeps its trap state in process globals; here it
** is per thread (wp_thread), so instances may run on several threads.  The
** only process-wide state is the `wp_runtime` object below: the function type
** registry (ids must agree between every module sharing a table) and the
** signal handlers that turn guard-page faults into traps.
**
** Memory accesses in compiled code are not bounds-checked: each linear
** memory reserves 8 GiB of address space (any 32-bit address plus 32-bit
** offset) of which only the current size is accessible; a fault there, or
** on the thread's stack guard, is turned into a trap by the SIGSEGV handler,
** which unwinds to the innermost guarded call with siglongjmp.
**
** Deadlines (--timeout).  The outermost guarded call with a time limit
** sets this thread's deadline and arms a per-thread POSIX timer for it.
** When it fires in guest code the handler unwinds at once.  Host code is
** never unwound (it may hold locks), so it must stop by itself: the
** handler is installed without SA_RESTART, so a blocking system call the
** host is in (read from a silent pipe, open of a FIFO, a sleep, poll)
** fails with EINTR; and the timer keeps firing every DEADLINE_REPEAT_MS
** after the deadline, so a blocking call entered just after a signal is
** interrupted too.  Host code that would retry EINTR asks
** wasmplug_call_interrupted() first; waits with a timeout cap it at
** wasmplug_call_deadline().  When a host function returns after the
** deadline, the guest call traps with WASMPLUG_TRAP_INTERRUPT whatever
** the host function answered.  Plugins see the deadline through
** host->deadline (src/plugin/host_api.c).
**
** Interrupt handles (wasmplug_interrupt_handle_*) reuse that mechanism to
** end a call from another thread: the interrupter fires the thread's own
** watchdog timer now (repeating like a passed deadline) after naming the
** call to end (its number); the handler ends only that call, so a call
** that starts later is not touched by a late signal.
*/
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "internal.h"
#include "wasmplug/clock.h"

/* The trap codes of internal.h under this file's names. */
enum {
  RT_TRAP_NONE, RT_TRAP_OOB = WP_TRAP_CODE_OOB, RT_TRAP_INT_OVERFLOW = WP_TRAP_CODE_INT_OVERFLOW,
  RT_TRAP_DIV_BY_ZERO = WP_TRAP_CODE_DIV_BY_ZERO,
  RT_TRAP_INVALID_CONVERSION = WP_TRAP_CODE_INVALID_CONVERSION,
  RT_TRAP_UNREACHABLE = WP_TRAP_CODE_UNREACHABLE, RT_TRAP_CALL_INDIRECT = WP_TRAP_CODE_CALL_INDIRECT,
  RT_TRAP_UNCAUGHT_EXCEPTION = WP_TRAP_CODE_UNCAUGHT_EXCEPTION,
  RT_TRAP_EXHAUSTION = WP_TRAP_CODE_EXHAUSTION,
  RT_TRAP_INTERRUPT = WP_TRAP_CODE_INTERRUPT, RT_TRAP_TABLE_OOB = WP_TRAP_CODE_TABLE_OOB
};

#define WASM_PAGE 65536u
#define WASM_PAGES_MAX 65536u
/* 4 GiB address + 4 GiB offset, and a page for the widest access (16
** bytes) starting just below 8 GiB. */
#define MEMORY_RESERVE ((8ull << 30) + 65536)
/* Tables made outside any instantiation (none today) get the default limit. */
#define TABLE_MAX_ELEMS (10u * 1000 * 1000)
/* How often the watchdog signal repeats once the deadline has passed. */
#define DEADLINE_REPEAT_MS 10

/* ------------------------------------------------ the process-wide runtime */

typedef struct rt_functype {
  uint32_t nparams, nresults;
  int *types;
} rt_functype_t;

static struct {
  pthread_once_t once;
  pthread_mutex_t lock; /* guards the type registry */
  rt_functype_t *types;
  uint32_t ntypes, cap;
  int timer_signal;
  bool backtrace; /* capture backtraces on traps (WASMPLUG_BACKTRACE != 0) */
  pthread_key_t thread_key; /* runs thread_cleanup when a thread exits */
  struct sigaction old_segv, old_bus;
} wp_runtime = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------ per-thread state */

/* A nested guarded call (wp_rt_call_entry) keeps a lighter jump buffer
** where that is safe: gcc's __builtin_setjmp saves the frame pointer, the
** stack pointer and the landing address (three stores; the function
** saves the callee-saved registers itself) instead of glibc's sigsetjmp
** call with its pointer mangling.  Not with AddressSanitizer (which must
** see every longjmp to unpoison the frames it skips) and not on a thread
** with a shadow stack (a jump that does not unwind it would fault at the
** next return): those take sigsetjmp, as every outermost call does. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__)
#define WP_LIGHT_JMP 1
#else
#define WP_LIGHT_JMP 0
#endif

typedef struct call_frame {
  sigjmp_buf jb;
  void *light_jb[5]; /* __builtin_setjmp's buffer, when `light` */
  bool light;
  volatile int code;          /* RT_TRAP_* from a signal or wasm_rt_trap */
  wasmplug_trap_t *volatile trap; /* a host-raised trap */
  struct call_frame *prev;
  void *exn_handlers; /* wasm exception handlers in this call (rt_exn_handlers) */
  /* The backtrace (backtrace.c): the trap's program counters, innermost
  ** first, captured by walking frame pointers up to `fp_limit`, the frame
  ** of the guarded call itself (what lies above belongs to its caller). */
  uintptr_t fp_limit;
  uint32_t npcs;
  bool truncated;
  uintptr_t leaf_ret; /* a fault's top stack word: see wp_backtrace_attach */
  uintptr_t pcs[WP_BT_MAX];
} call_frame_t;

/* in_host, interrupted and deadline_ns live in the public
** wasmplug_thread_marks (a direct host function's inline
** wasmplug_direct_enter/_leave write and read them); WP_MARKS names them. */
WASMPLUG_API _Thread_local wasmplug_thread_marks_t wasmplug_thread_marks __attribute__((tls_model("initial-exec")));
#define WP_MARKS wasmplug_thread_marks
static __thread struct {
  call_frame_t *top;
  /* The limits of the instantiation running on this thread (instance.c
  ** pushes them): memories and tables are sized against them. */
  const wasmplug_store_limits_t *limits;
  wp_rt_defined_t *record; /* notes the memories and tables made (snapshots) */
  bool ready;
  /* The stack guest code runs on: the thread's own, or a fiber's (fiber.c
  ** swaps these, with `top` and `in_host`, on every switch). */
  uintptr_t stack_lo, stack_hi;
  size_t stack_guard; /* as wp_rt_ctx_t's */
  bool in_fiber;
  bool own_limits; /* as wp_rt_ctx_t's */
  void *exn_outside; /* rt_exn_handlers outside any guarded call */
  bool fuel_limited; /* the outermost call had fuel (wasmplug_call_fuel) */
  bool shstk; /* the thread runs with a shadow stack: no light jumps */
  bool have_timer;
  timer_t timer;
  void *altstack;
  /* The thread's interrupt handle, and the number of its last outermost
  ** call (which the handle publishes while the call runs). */
  wasmplug_interrupt_handle_t *ih;
  uint64_t call_seq;
} wp_thread;

/* Fuel and epoch deadline of the outermost guarded call on this thread
** (set by it; guest calls the host makes inside it share them; fiber.c's
** switches swap them with the rest of a fiber's limits).  Compiled code
** with checks decrements the fuel and compares the epoch: the baseline
** through rt_meter, gcc's code straight from the thread's block at the
** offset rt_meter_off gives (one instruction per check instead of a call
** per function entry).  initial-exec: the meter must be in the static TLS
** block, at the same offset from the thread pointer on every thread. */
static __thread wp_meter_t wp_meter_tls __attribute__((tls_model("initial-exec")));

struct wasmplug_interrupt_handle {
  pthread_mutex_t lock; /* users, alive, and the use of `timer` by others */
  unsigned users;       /* _new calls not yet matched by _delete */
  bool alive;           /* the thread has not exited: `timer` exists */
  pthread_t thread;
  timer_t timer; /* the thread's watchdog timer (wp_thread.timer) */
  /* The outermost calls of the thread are numbered in the order they
  ** begin: `begun` is the newest one's number, `running` the one running
  ** now (0: none).  Every call numbered `stop` or less ends: an interrupt
  ** sets it to the newest call begun, so it ends the call running now and
  ** those of fibers with limits of their own that are switched out (each
  ** when it runs again: wp_rt_limits_swap), never a call begun after it.
  ** `parked`: how many calls are switched out that way.  `armed`: the
  ** timer was set to end a call.  `running` and `armed` form a Dekker pair
  ** (sequentially consistent): either the interrupter sees the call over,
  ** or the call's end sees the timer armed and disarms it under the lock;
  ** `stop` and `running` another: either the interrupter sees a call
  ** switched in, or the switch sees the interrupt. */
  _Atomic uint64_t begun, running, stop;
  _Atomic uint32_t parked;
  _Atomic int armed;
};

static bool is_stack_fault(uintptr_t a) {
  uintptr_t lo = wp_thread.stack_lo;
  if (!lo) return false;
  /* Anywhere in the stack's own guard (a fiber's: a frame that is not
  ** probed can step far past the first guard page), or within 1 MiB
  ** around its low end. */
  if (a < lo && lo - a <= wp_thread.stack_guard) return true;
  return a < lo + (1u << 20) && a + (1u << 20) > lo;
}

/* The jump to guarded call f's landing (its code or trap set). */
static __attribute__((noreturn)) void jump_to(call_frame_t *f) {
#if WP_LIGHT_JMP
  if (f->light) __builtin_longjmp(f->light_jb, 1);
#endif
  siglongjmp(f->jb, 1);
}

static void unwind(call_frame_t *f, int code) {
  f->code = code;
  jump_to(f);
}

/* Records the trap's program counters in f: `pc` (the faulting
** instruction, or 0), then the return address of every frame on the
** frame-pointer chain starting at `fp`, up to the guarded call.  Compiled
** wasm keeps frame pointers (tcc always does; the optimized tier is built
** with -fno-omit-frame-pointer, as is this file), host code between may
** not: every step is checked to stay inside the guarded call's stack and
** to move up it, so a chain through foreign frames ends, never faults.
** Safe in a signal handler (reads only the stack, writes only f). */
__attribute__((no_sanitize_address)) static void capture(call_frame_t *f, uintptr_t pc, uintptr_t fp,
                                                        uintptr_t sp) {
  f->npcs = 0;
  f->truncated = false;
  f->leaf_ret = 0;
  if (!wp_runtime.backtrace) return;
  if (pc) f->pcs[f->npcs++] = pc;
  uintptr_t limit = f->fp_limit;
  /* A fault may hit a function that keeps no frame (a leaf, or one past
  ** its epilogue): its caller's return address is then the word on top of
  ** the stack, which the symbolizer checks before believing it. */
  if (sp && sp < limit && limit - sp >= 8 && !(sp & 7)) f->leaf_ret = *(const uintptr_t *)sp;
  for (unsigned steps = 0; fp && fp < limit && limit - fp >= 16 && !(fp & 7); steps++) {
    const uintptr_t *w = (const uintptr_t *)fp;
    uintptr_t next = w[0], ret = w[1];
    if (f->npcs == WP_BT_MAX) {
      f->truncated = true;
      break;
    }
    if (ret) f->pcs[f->npcs++] = ret - 1; /* inside the call instruction */
    if (next <= fp) break;
    fp = next;
  }
}

/* The frame pointer of the function calling this macro (GCC and clang
** give the frame address of a function built with frame pointers). */
#define HERE_FP() ((uintptr_t)__builtin_frame_address(0))

static void on_fault(int sig, siginfo_t *si, void *uc) {
  call_frame_t *f = wp_thread.top;
  if (f && !WP_MARKS.in_host) {
    uintptr_t a = (uintptr_t)si->si_addr;
#if defined(__x86_64__)
    const mcontext_t *mc = &((const ucontext_t *)uc)->uc_mcontext;
    capture(f, (uintptr_t)mc->gregs[REG_RIP], (uintptr_t)mc->gregs[REG_RBP], (uintptr_t)mc->gregs[REG_RSP]);
#endif
    unwind(f, is_stack_fault(a) ? RT_TRAP_EXHAUSTION : RT_TRAP_OOB);
  }
  /* Not a guest fault: hand it to whoever handled it before us (the default
  ** action re-faults and dumps core, as it would have without wasmplug). */
  struct sigaction *old = sig == SIGSEGV ? &wp_runtime.old_segv : &wp_runtime.old_bus;
  if (old->sa_flags & SA_SIGINFO && old->sa_sigaction) {
    old->sa_sigaction(sig, si, uc);
    return;
  }
  if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler) {
    old->sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);
}

static void on_timer(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)si;
  call_frame_t *f = wp_thread.top;
  if (!f) return;
  /* A call ends when its deadline has passed (the timer is set for the
  ** deadline itself: arm_timer) or when it is the call an interrupter
  ** named.  A late signal meant for an earlier call, or for the call of a
  ** fiber with limits of its own that is switched out now, is not for it. */
  wasmplug_interrupt_handle_t *ih = wp_thread.ih;
  uint64_t run = ih ? atomic_load_explicit(&ih->running, memory_order_relaxed) : 0;
  if (!run || run > atomic_load_explicit(&ih->stop, memory_order_relaxed)) {
    uint64_t deadline = WP_MARKS.deadline_ns;
    if (!deadline || wasmplug_monotonic_ns() < deadline) return;
  }
  WP_MARKS.interrupted = 1;
  /* Only unwind out of guest code: host code may hold locks. */
  if (!WP_MARKS.in_host) {
#if defined(__x86_64__)
    const mcontext_t *mc = &((const ucontext_t *)uc)->uc_mcontext;
    capture(f, (uintptr_t)mc->gregs[REG_RIP], (uintptr_t)mc->gregs[REG_RBP], (uintptr_t)mc->gregs[REG_RSP]);
#endif
    unwind(f, RT_TRAP_INTERRUPT);
  }
}

static void thread_cleanup(void *p);

static void global_init(void) {
  pthread_key_create(&wp_runtime.thread_key, thread_cleanup);
  const char *bt = getenv("WASMPLUG_BACKTRACE");
  wp_runtime.backtrace = !bt || strcmp(bt, "0");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &wp_runtime.old_segv);
  sigaction(SIGBUS, &sa, &wp_runtime.old_bus);
  wp_runtime.timer_signal = SIGRTMIN + 3;
  sa.sa_sigaction = on_timer;
  /* No SA_RESTART: the signal must interrupt a blocking system call in
  ** host code (see "Deadlines" above). */
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(wp_runtime.timer_signal, &sa, NULL);
}

void wp_rt_global_init(void) { pthread_once(&wp_runtime.once, global_init); }

/* A thread that ran guest code is exiting: release its timer and stack. */
static void thread_cleanup(void *p) {
  (void)p;
  wasmplug_interrupt_handle_t *ih = wp_thread.ih;
  if (ih) { /* before the timer goes: the handle must not use it after */
    pthread_mutex_lock(&ih->lock);
    ih->alive = false;
    bool last = !ih->users;
    pthread_mutex_unlock(&ih->lock);
    wp_thread.ih = NULL;
    if (last) {
      pthread_mutex_destroy(&ih->lock);
      free(ih);
    }
  }
  if (wp_thread.have_timer) timer_delete(wp_thread.timer);
  wp_thread.have_timer = false;
  if (wp_thread.altstack) {
    stack_t ss = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    munmap(wp_thread.altstack, 64 * 1024);
    wp_thread.altstack = NULL;
  }
}

/* The main thread's stack bounds without pthread_getattr_np, which for
** the initial thread reads and parses /proc/self/maps (a file the kernel
** formats line by line: ~40 us of a 1.4 ms warm start, issue 18) to find
** the top of the stack's mapping.  The kernel writes the program's file
** name (AT_EXECFN) at the very top of that mapping, so the page boundary
** above it is the top, and the lowest address the stack may grow to is
** the top less RLIMIT_STACK, as glibc computes it.  Anything unexpected
** (not the main thread, no AT_EXECFN, a top not just above this frame, an
** unlimited or huge limit, for which glibc also looks at the mapping
** below): false, and glibc is asked. */
static bool main_stack(uintptr_t *lo, uintptr_t *hi) {
  if (getpid() != gettid()) return false;
  const char *fn = (const char *)getauxval(AT_EXECFN);
  long pg = sysconf(_SC_PAGESIZE);
  struct rlimit rl;
  if (!fn || pg <= 0 || getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur > ((rlim_t)1 << 30))
    return false;
  uintptr_t mask = ~((uintptr_t)pg - 1), here = (uintptr_t)__builtin_frame_address(0);
  uintptr_t top = ((uintptr_t)fn + strlen(fn) + 1 + (uintptr_t)pg - 1) & mask;
  uintptr_t size = (uintptr_t)rl.rlim_cur & mask;
  if (top <= here || top - here >= size) return false;
  *lo = top - size;
  *hi = top;
  return true;
}

static void thread_init(void) {
  if (wp_thread.ready) return;
  wp_thread.ready = true;
  pthread_attr_t attr;
  if (main_stack(&wp_thread.stack_lo, &wp_thread.stack_hi)) {
    /* (found without /proc/self/maps) */
  } else if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void *addr;
    size_t size;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
      wp_thread.stack_lo = (uintptr_t)addr;
      wp_thread.stack_hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
  }
  /* Stack overflow is reported on the overflowed stack's guard page, so the
  ** handler needs a stack of its own.  Keep one that is already set
  ** (sanitizers install theirs). */
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
    size_t sz = 64 * 1024;
    wp_thread.altstack = mmap(NULL, sz, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (wp_thread.altstack != MAP_FAILED) {
      stack_t ss = {.ss_sp = wp_thread.altstack, .ss_size = sz, .ss_flags = 0};
      sigaltstack(&ss, NULL);
    } else {
      wp_thread.altstack = NULL;
    }
  }
  pthread_setspecific(wp_runtime.thread_key, &wp_thread);
#if WP_LIGHT_JMP
  /* ARCH_SHSTK_STATUS (Linux 6.6): fails on kernels without it, which
  ** have no user shadow stacks */
  unsigned long shstk = 0;
  wp_thread.shstk = syscall(SYS_arch_prctl, 0x5005, &shstk) == 0 && (shstk & 1);
#endif
}

static wasmplug_trap_t *trap_for_code(int code) {
  switch (code) {
  case RT_TRAP_OOB: return wasmplug_trap_new(WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS, NULL);
  case RT_TRAP_TABLE_OOB: return wasmplug_trap_new(WASMPLUG_TRAP_TABLE_OUT_OF_BOUNDS, NULL);
  case RT_TRAP_INT_OVERFLOW: return wasmplug_trap_new(WASMPLUG_TRAP_INTEGER_OVERFLOW, NULL);
  case RT_TRAP_DIV_BY_ZERO: return wasmplug_trap_new(WASMPLUG_TRAP_INTEGER_DIVIDE_BY_ZERO, NULL);
  case RT_TRAP_INVALID_CONVERSION:
    return wasmplug_trap_new(WASMPLUG_TRAP_BAD_CONVERSION_TO_INTEGER, NULL);
  case RT_TRAP_UNREACHABLE: return wasmplug_trap_new(WASMPLUG_TRAP_UNREACHABLE, NULL);
  case RT_TRAP_CALL_INDIRECT:
    return wasmplug_trap_new(WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH, NULL);
  /* call_indirect's other two failures, in the spec's words */
  case WP_TRAP_CODE_UNDEFINED_ELEMENT: /* the type was never looked at */
    return wasmplug_trap_new(WASMPLUG_TRAP_TABLE_OUT_OF_BOUNDS,
                             "undefined element: the index is past the table's end");
  case WP_TRAP_CODE_UNINITIALIZED_ELEMENT:
    return wasmplug_trap_new(WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH,
                             "uninitialized element: the table entry is null");
  case RT_TRAP_EXHAUSTION: return wasmplug_trap_new(WASMPLUG_TRAP_STACK_OVERFLOW, NULL);
  case WP_TRAP_CODE_NULL_EXNREF:
    return wasmplug_trap_new(WASMPLUG_TRAP_UNREACHABLE, "null exception reference (throw_ref)");
  case WP_TRAP_CODE_TOO_MANY_EXNS:
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "too many exceptions held by exnref values");
  case RT_TRAP_INTERRUPT:
    return wasmplug_trap_new(WASMPLUG_TRAP_INTERRUPT, "the call exceeded its time limit");
  case WP_TRAP_CODE_OUT_OF_FUEL: return wasmplug_trap_new(WASMPLUG_TRAP_OUT_OF_FUEL, NULL);
  case WP_TRAP_CODE_UNALIGNED: return wasmplug_trap_new(WASMPLUG_TRAP_ATOMIC, "unaligned atomic");
  case WP_TRAP_CODE_UNSHARED_WAIT:
    return wasmplug_trap_new(WASMPLUG_TRAP_ATOMIC, "expected shared memory (memory.atomic.wait)");
  case WP_TRAP_CODE_WAIT_FOREVER:
    return wasmplug_trap_new(WASMPLUG_TRAP_ATOMIC, "memory.atomic.wait without a timeout: the wait would "
                                                   "never end (no other thread can notify)");
  case WP_TRAP_CODE_EPOCH:
    return wasmplug_trap_new(WASMPLUG_TRAP_INTERRUPT, "the call reached its epoch deadline");
  default: return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "uncaught exception");
  }
}


/* deadline_ns is set only while the timer is armed, so it also says
** whether a call with a time limit runs (on this thread's stack or on a
** fiber inside it). */
uint64_t wasmplug_call_deadline(void) { return WP_MARKS.deadline_ns; }

/* The call running on this thread began before an interrupt. */
static bool ih_stopped(void) {
  wasmplug_interrupt_handle_t *ih = wp_thread.ih;
  if (!ih) return false;
  uint64_t run = atomic_load_explicit(&ih->running, memory_order_relaxed);
  return run && run <= atomic_load_explicit(&ih->stop, memory_order_relaxed);
}

bool wasmplug_call_interrupted(void) {
  if (!WP_MARKS.deadline_ns) return WP_MARKS.interrupted && ih_stopped();
  if (WP_MARKS.interrupted) return true;
  /* The signal may be a moment behind the clock: record what we saw, so
  ** the guest call traps as soon as the host function returns. */
  if (WP_MARKS.deadline_ns && wasmplug_monotonic_ns() >= WP_MARKS.deadline_ns) WP_MARKS.interrupted = 1;
  return WP_MARKS.interrupted;
}

/* The thread's watchdog timer, made once. */
static bool make_timer(void) {
  if (!wp_thread.have_timer) {
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = wp_runtime.timer_signal;
    sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    if (timer_create(CLOCK_MONOTONIC, &sev, &wp_thread.timer) != 0) return false;
    wp_thread.have_timer = true;
  }
  return true;
}

/* The thread's timer fires at `at_ns` (CLOCK_MONOTONIC; at once when
** that has passed), then every DEADLINE_REPEAT_MS. */
static void timer_at(uint64_t at_ns) {
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (!at_ns) at_ns = 1; /* 0 would disarm it */
  its.it_value.tv_sec = (time_t)(at_ns / 1000000000u);
  its.it_value.tv_nsec = (long)(at_ns % 1000000000u);
  its.it_interval.tv_nsec = DEADLINE_REPEAT_MS * 1000000L;
  timer_settime(wp_thread.timer, TIMER_ABSTIME, &its, NULL);
}

static void timer_off(void) {
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (wp_thread.have_timer) timer_settime(wp_thread.timer, 0, &its, NULL);
}

/* The deadline is set first and the timer for that very time (absolute),
** so it fires no earlier than the deadline host code sees, and the
** handler, which compares the clock with the deadline, ends the call. */
static void arm_timer(uint64_t ms) {
  if (!make_timer()) return;
  uint64_t now = wasmplug_monotonic_ns();
  WP_MARKS.deadline_ns = ms > (UINT64_MAX - now) / 1000000u ? UINT64_MAX : now + ms * 1000000u;
  timer_at(WP_MARKS.deadline_ns);
}

static void disarm_timer(void) {
  timer_off();
  WP_MARKS.deadline_ns = 0;
}

/* ------------------------------------------------------ interrupt handles */

wasmplug_error_t *wasmplug_interrupt_handle_new(wasmplug_interrupt_handle_t **out) {
  *out = NULL;
  wp_rt_global_init();
  thread_init();
  wasmplug_interrupt_handle_t *h = wp_thread.ih;
  if (h) {
    pthread_mutex_lock(&h->lock);
    h->users++;
    pthread_mutex_unlock(&h->lock);
    *out = h;
    return NULL;
  }
  if (!make_timer()) return wasmplug_error_new("interrupt handle: cannot create the thread's timer: %s", strerror(errno));
  h = calloc(1, sizeof *h);
  if (!h) return wasmplug_error_new("out of memory");
  pthread_mutex_init(&h->lock, NULL);
  h->users = 1;
  h->alive = true;
  h->thread = pthread_self();
  h->timer = wp_thread.timer;
  wp_thread.ih = h;
  *out = h;
  return NULL;
}

bool wasmplug_interrupt_handle_interrupt(wasmplug_interrupt_handle_t *h) {
  bool hit = false;
  pthread_mutex_lock(&h->lock);
  if (h->alive) {
    /* Every call begun so far ends: `running` is read first, so `begun`
    ** covers it and every call switched out since it began. */
    uint64_t run = atomic_load(&h->running), upto = atomic_load(&h->begun);
    if (run > upto) upto = run;
    if (upto > atomic_load(&h->stop)) atomic_store(&h->stop, upto);
    uint32_t parked = atomic_load(&h->parked);
    atomic_store(&h->armed, 1);
    run = atomic_load(&h->running); /* after `stop`: a call switched in meanwhile saw it, or is seen here */
    if (run && run <= upto) {
      /* now, then every DEADLINE_REPEAT_MS as after a deadline: host code
      ** that entered a blocking call after a signal is woken by the next */
      struct itimerspec its;
      memset(&its, 0, sizeof its);
      its.it_value.tv_nsec = 1;
      its.it_interval.tv_nsec = DEADLINE_REPEAT_MS * 1000000L;
      hit = timer_settime(h->timer, 0, &its, NULL) == 0;
    }
    /* a call switched out ends when it runs again (the timer is set then) */
    hit = hit || parked > 0;
  }
  pthread_mutex_unlock(&h->lock);
  return hit;
}

void wasmplug_interrupt_handle_delete(wasmplug_interrupt_handle_t *h) {
  if (!h) return;
  pthread_mutex_lock(&h->lock);
  h->users--;
  /* the last user on the handle's own thread: the thread lets it go too */
  if (!h->users && h->alive && wp_thread.ih == h) {
    h->alive = false;
    wp_thread.ih = NULL;
  }
  bool last = !h->users && !h->alive;
  pthread_mutex_unlock(&h->lock);
  if (last) {
    pthread_mutex_destroy(&h->lock);
    free(h);
  }
}

/* The end of an outermost call on a thread with a handle: no interrupter
** may name it any more, and a timer it armed stops. */
static void ih_call_end(wasmplug_interrupt_handle_t *h) {
  atomic_store(&h->running, 0);
  if (atomic_load(&h->armed)) {
    pthread_mutex_lock(&h->lock);
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    timer_settime(h->timer, 0, &its, NULL);
    atomic_store(&h->armed, 0);
    pthread_mutex_unlock(&h->lock);
  }
}

/* A fuel or epoch trap names the function it stopped (its first frame):
** which one ran out matters more than for other traps, whose kind tells. */
static wasmplug_trap_t *name_function(wasmplug_trap_t *t, bool truncated) {
  const wasmplug_frame_t *f = wasmplug_trap_frame(t, 0);
  char idx[32];
  snprintf(idx, sizeof idx, "<wasm function %u>", f->func_index);
  wasmplug_trap_t *n = wasmplug_trap_newf(wasmplug_trap_kind(t), "%s in %s!%s",
                                          wasmplug_trap_kind(t) == WASMPLUG_TRAP_OUT_OF_FUEL
                                              ? "its checks found none left"
                                              : "the call reached its epoch deadline",
                                          f->module, f->func ? f->func : idx);
  if (!n) return t;
  wp_trap_add_frames(n, f, wasmplug_trap_frame_count(t), truncated);
  wasmplug_trap_delete(t);
  return n;
}

/* The trap path of a guarded call: the fault signals and the timer's were
** blocked while the handler ran and the jump did not restore the mask. */
static __attribute__((noinline, cold)) void unblock_trap_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSEGV);
  sigaddset(&set, SIGBUS);
  sigaddset(&set, wp_runtime.timer_signal);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* The trap a guarded call ended with (f->trap raised, or f->code set by a
** fault, a check or the timer), its backtrace attached. */
static __attribute__((noinline, cold)) wasmplug_trap_t *frame_trap(call_frame_t *f, bool by_handle) {
  if (f->trap) {
    wp_backtrace_attach(f->trap, f->pcs, f->npcs, f->leaf_ret, f->truncated);
    return f->trap;
  }
  wasmplug_trap_t *t = by_handle ? wasmplug_trap_new(WASMPLUG_TRAP_INTERRUPT, "the call was interrupted by its embedder")
                                 : trap_for_code(f->code);
  if (!t) t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, NULL);
  wp_backtrace_attach(t, f->pcs, f->npcs, f->leaf_ret, f->truncated);
  if ((f->code == WP_TRAP_CODE_OUT_OF_FUEL || f->code == WP_TRAP_CODE_EPOCH) && wasmplug_trap_frame_count(t))
    t = name_function(t, f->truncated);
  return t;
}

/* The epoch a thread's meter reads outside engines with epoch checks. */
static const volatile uint64_t no_epoch;

/* A guarded call's frame before its jump buffer is set: no trap yet, no
** backtrace, `fp` (the guarded call's own frame) bounding the walk. */
static inline void frame_begin(call_frame_t *f, call_frame_t *prev, uintptr_t fp) {
  f->code = 0;
  f->trap = NULL;
  f->prev = prev;
  f->exn_handlers = NULL;
  f->npcs = 0;
  f->truncated = false;
  f->leaf_ret = 0;
  f->fp_limit = fp;
}

wasmplug_trap_t *wp_rt_call_guarded(void (*fn)(void *), void *arg, const wasmplug_engine_t *e) {
  call_frame_t f;
  f.light = false;
  frame_begin(&f, wp_thread.top, HERE_FP());
  sig_atomic_t saved_in_host = WP_MARKS.in_host;
  volatile bool armed = false, outer = false;
  thread_init();
  /* sigsetjmp without saving the mask: saving costs a syscall per call.
  ** The trap path restores the mask itself below. */
  if (sigsetjmp(f.jb, 0) == 0) {
    wp_thread.top = &f;
    WP_MARKS.in_host = 0;
    /* The time limit belongs to the outermost call on the thread's own
    ** stack: guest code on fibers runs inside it (see wp_rt_ctx_swap);
    ** a fiber with limits of its own is a stack of that kind too
    ** (wp_rt_limits_swap). */
    bool outermost = !f.prev && (!wp_thread.in_fiber || wp_thread.own_limits);
    if (outermost) {
      WP_MARKS.interrupted = 0;
      /* fuel and the epoch deadline, like the time limit, are the
      ** outermost call's */
      uint64_t fuel = e ? e->config.fuel : 0;
      wp_thread.fuel_limited = fuel != 0;
      wp_meter_tls.fuel = fuel ? (int64_t)(fuel > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : fuel) : INT64_MAX;
      if (e && e->config.epoch_ticks) {
        uint64_t now = __atomic_load_n(&e->epoch, __ATOMIC_RELAXED);
        wp_meter_tls.epoch = &e->epoch;
        wp_meter_tls.deadline = e->config.epoch_ticks > UINT64_MAX - now ? UINT64_MAX : now + e->config.epoch_ticks;
      } else {
        wp_meter_tls.epoch = &no_epoch;
        wp_meter_tls.deadline = UINT64_MAX;
      }
      outer = true;
      /* after `interrupted` is cleared: an interrupter may name it now */
      if (wp_thread.ih) {
        uint64_t n = ++wp_thread.call_seq;
        atomic_store_explicit(&wp_thread.ih->begun, n, memory_order_relaxed); /* published with `running` */
        atomic_store_explicit(&wp_thread.ih->running, n, memory_order_release);
      }
    }
    uint64_t timeout_ms = e ? e->config.timeout_ms : 0;
    if (timeout_ms && outermost) {
      arm_timer(timeout_ms);
      armed = true;
    }
    fn(arg);
  } else {
    unblock_trap_signals();
  }
  /* ended by an interrupter, not by a time limit: say so */
  bool by_handle = f.code == RT_TRAP_INTERRUPT && !WP_MARKS.deadline_ns && ih_stopped();
  if (armed) disarm_timer();
  if (outer && wp_thread.ih) ih_call_end(wp_thread.ih);
  wp_thread.top = f.prev;
  WP_MARKS.in_host = saved_in_host;
  if (f.trap || f.code) return frame_trap(&f, by_handle);
  return NULL;
}

/* A call of a compiled function's entry inside a guarded call already on
** this stack (a component calling another instance's export from its
** host call: a fused adapter, a realloc, a post-return).  What
** wp_rt_call_guarded does for a call that is not the outermost -- no
** limits to set, no timer, no interrupt handle to publish -- without its
** outermost call's bookkeeping and without the thunk: the frame, the
** jump buffer, the marks, the trap.  Outside any guarded call (or on a
** fiber without limits of its own, whose first call is not nested) it is
** wp_rt_call_guarded. */
typedef struct entry_call {
  void (*entry)(void *, wasmplug_val_raw_t *);
  void *inst;
  wasmplug_val_raw_t *v;
} entry_call_t;

static void entry_thunk(void *arg) {
  entry_call_t *c = arg;
  c->entry(c->inst, c->v);
}

wasmplug_trap_t *wp_rt_call_entry(void (*entry)(void *, wasmplug_val_raw_t *), void *inst, wasmplug_val_raw_t *v,
                                  const wasmplug_engine_t *e) {
  call_frame_t *prev = wp_thread.top;
  if (__builtin_expect(!prev, 0)) {
    entry_call_t c = {entry, inst, v};
    return wp_rt_call_guarded(entry_thunk, &c, e);
  }
  call_frame_t f;
  frame_begin(&f, prev, HERE_FP());
  sig_atomic_t saved_in_host = WP_MARKS.in_host;
#if WP_LIGHT_JMP
  f.light = !wp_thread.shstk;
  if (__builtin_expect(f.light, 1)) {
    if (__builtin_setjmp(f.light_jb) == 0) {
      wp_thread.top = &f;
      WP_MARKS.in_host = 0;
      entry(inst, v);
    } else {
      unblock_trap_signals();
    }
  } else
#else
  f.light = false;
#endif
  if (sigsetjmp(f.jb, 0) == 0) {
    wp_thread.top = &f;
    WP_MARKS.in_host = 0;
    entry(inst, v);
  } else {
    unblock_trap_signals();
  }
  wp_thread.top = f.prev;
  WP_MARKS.in_host = saved_in_host;
  if (__builtin_expect(f.trap || f.code, 0))
    return frame_trap(&f, f.code == RT_TRAP_INTERRUPT && !WP_MARKS.deadline_ns && ih_stopped());
  return NULL;
}

void wp_rt_ctx_swap(wp_rt_ctx_t *save, const wp_rt_ctx_t *load) {
  thread_init();
  save->top = wp_thread.top;
  save->in_host = WP_MARKS.in_host;
  save->stack_lo = wp_thread.stack_lo;
  save->stack_hi = wp_thread.stack_hi;
  save->stack_guard = wp_thread.stack_guard;
  save->in_fiber = wp_thread.in_fiber;
  save->own_limits = wp_thread.own_limits;
  wp_thread.top = load->top;
  WP_MARKS.in_host = load->in_host;
  wp_thread.stack_lo = load->stack_lo;
  wp_thread.stack_hi = load->stack_hi;
  wp_thread.stack_guard = load->stack_guard;
  wp_thread.in_fiber = load->in_fiber;
  wp_thread.own_limits = load->own_limits;
}

/* A switch into or out of a fiber with limits of its own (fiber.c).  The
** watchdog timer is the thread's: it is set for what now runs -- at once
** when it began before an interrupt (which came while it ran, or while it
** was switched out), else for its deadline (at once when passed), else
** off.  A signal already on its way for the other call finds a call it
** was not meant for, which on_timer lets be. */
void wp_rt_limits_swap(wp_rt_limits_t *save, const wp_rt_limits_t *load) {
  wasmplug_interrupt_handle_t *ih = wp_thread.ih;
  save->deadline_ns = WP_MARKS.deadline_ns;
  save->interrupted = WP_MARKS.interrupted;
  save->fuel_limited = wp_thread.fuel_limited;
  save->meter = wp_meter_tls;
  save->running = ih ? atomic_load(&ih->running) : 0;
  WP_MARKS.deadline_ns = load->deadline_ns;
  WP_MARKS.interrupted = load->interrupted;
  wp_thread.fuel_limited = load->fuel_limited;
  wp_meter_tls = load->meter;
  bool named = false;
  if (ih) {
    /* the call switched out is parked (an interrupter may end it), the
    ** one switched in no longer */
    if (save->running) atomic_fetch_add(&ih->parked, 1);
    if (load->running && atomic_load(&ih->parked)) atomic_fetch_sub(&ih->parked, 1);
    atomic_store(&ih->running, load->running);
    named = load->running && load->running <= atomic_load(&ih->stop);
    if (named) atomic_store(&ih->armed, 1); /* the call's end disarms it */
  }
  if ((named || load->deadline_ns) && make_timer()) timer_at(named ? 1 : load->deadline_ns);
  else if (save->deadline_ns || (ih && atomic_load(&ih->armed))) timer_off();
}

/* A fiber deleted while its call is switched out: that call never ends,
** so it is parked no more. */
void wp_rt_limits_drop(const wp_rt_limits_t *lim) {
  wasmplug_interrupt_handle_t *ih = wp_thread.ih;
  if (ih && lim->running && atomic_load(&ih->parked)) atomic_fetch_sub(&ih->parked, 1);
}

bool wp_rt_interrupted(void) { return WP_MARKS.interrupted != 0; }

void wp_rt_raise(wasmplug_trap_t *trap) {
  call_frame_t *f = wp_thread.top;
  if (!f) abort(); /* a host function raised outside any guest call */
  f->trap = trap ? trap : wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  jump_to(f);
}

/* ------------------------------------------------- the wp_rt_api functions */

static void rt_trap(int code) {
  call_frame_t *f = wp_thread.top;
  if (!f) abort(); /* compiled code runs only inside guarded calls */
  capture(f, 0, HERE_FP(), 0);
  unwind(f, code);
}

static uint32_t rt_register_func_type(uint32_t np, uint32_t nr, const int *types) {
  pthread_mutex_lock(&wp_runtime.lock);
  uint32_t id = 0;
  for (uint32_t i = 0; i < wp_runtime.ntypes; i++) {
    rt_functype_t *t = &wp_runtime.types[i];
    if (t->nparams == np && t->nresults == nr &&
        !memcmp(t->types, types, (np + nr) * sizeof(int))) {
      id = i + 1;
      break;
    }
  }
  if (!id) {
    if (wp_runtime.ntypes == wp_runtime.cap) {
      uint32_t cap = wp_runtime.cap ? wp_runtime.cap * 2 : 64;
      rt_functype_t *n = realloc(wp_runtime.types, cap * sizeof *n);
      if (!n) abort();
      wp_runtime.types = n;
      wp_runtime.cap = cap;
    }
    rt_functype_t *t = &wp_runtime.types[wp_runtime.ntypes];
    t->nparams = np;
    t->nresults = nr;
    t->types = malloc((np + nr + 1) * sizeof(int));
    if (!t->types) abort();
    memcpy(t->types, types, (np + nr) * sizeof(int));
    id = ++wp_runtime.ntypes;
  }
  pthread_mutex_unlock(&wp_runtime.lock);
  return id;
}

const wasmplug_store_limits_t *wp_rt_limits_push(const wasmplug_store_limits_t *limits) {
  const wasmplug_store_limits_t *prev = wp_thread.limits;
  wp_thread.limits = limits;
  return prev;
}

void wp_rt_limits_pop(const wasmplug_store_limits_t *previous) { wp_thread.limits = previous; }

wp_rt_defined_t *wp_rt_record_push(wp_rt_defined_t *r) {
  wp_rt_defined_t *prev = wp_thread.record;
  wp_thread.record = r;
  return prev;
}

void wp_rt_record_pop(wp_rt_defined_t *previous) { wp_thread.record = previous; }

void wp_rt_defined_free(wp_rt_defined_t *r) {
  free(r->mems);
  free(r->tables);
  free(r->elem_sizes);
  memset(r, 0, sizeof *r);
}

static void note_memory(void *m) {
  wp_rt_defined_t *r = wp_thread.record;
  if (!r) return;
  void **n = realloc(r->mems, (r->nmems + 1) * sizeof *n);
  if (!n) {
    r->oom = true;
    return;
  }
  r->mems = n;
  r->mems[r->nmems++] = m;
}

static void note_table(void *t, size_t elem) {
  wp_rt_defined_t *r = wp_thread.record;
  if (!r) return;
  void **n = realloc(r->tables, (r->ntables + 1) * sizeof *n);
  if (n) r->tables = n;
  size_t *e = n ? realloc(r->elem_sizes, (r->ntables + 1) * sizeof *e) : NULL;
  if (!e) {
    r->oom = true;
    return;
  }
  r->elem_sizes = e;
  r->tables[r->ntables] = t;
  r->elem_sizes[r->ntables++] = elem;
}

/* Reservations of freed memories, kept for the next instantiation: making
** and unmapping an 8 GiB reservation (and its page tables) cost more than
** the rest of instantiating a small component.  A reservation enters the
** pool with its accessible bytes dropped (MADV_DONTNEED: they read as
** zeros again) and the rest still PROT_NONE, so what the next instance
** sees is exactly what a new reservation would give it.  Only anonymous
** memory may be dropped so: a memory mapped from a snapshot's image
** (snapshot.c) is made anonymous again before its instance frees it. */
#define RESERVE_POOL 16
static struct {
  pthread_mutex_t lock;
  uint32_t n;
  void *base[RESERVE_POOL];
  size_t open[RESERVE_POOL]; /* accessible (read-write, zero) bytes */
} reserve_pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *reserve_take(size_t *open) {
  void *base = NULL;
  pthread_mutex_lock(&reserve_pool.lock);
  if (reserve_pool.n) {
    uint32_t i = --reserve_pool.n;
    base = reserve_pool.base[i];
    *open = reserve_pool.open[i];
  }
  pthread_mutex_unlock(&reserve_pool.lock);
  return base;
}

static void reserve_give(void *base, size_t open) {
  pthread_mutex_lock(&reserve_pool.lock);
  bool room = reserve_pool.n < RESERVE_POOL;
  pthread_mutex_unlock(&reserve_pool.lock);
  if (room && open && madvise(base, open, MADV_DONTNEED)) room = false;
  if (room) {
    pthread_mutex_lock(&reserve_pool.lock);
    if ((room = reserve_pool.n < RESERVE_POOL)) {
      reserve_pool.base[reserve_pool.n] = base;
      reserve_pool.open[reserve_pool.n++] = open;
    }
    pthread_mutex_unlock(&reserve_pool.lock);
  }
  if (!room) munmap(base, MEMORY_RESERVE);
}

/* Memory allocation failures during instantiation surface as traps: the
** instantiate call is guarded, so this unwinds cleanly.  A memory whose
** initial size is over the limit is refused; its maximum is lowered to
** the limit, so memory.grow past it returns -1 like any refused grow. */
static void rt_allocate_memory(void *mp, uint32_t initial, uint32_t max) {
  wp_rt_memory_t *m = mp;
  memset(m, 0, sizeof *m);
  if (initial > WASM_PAGES_MAX) /* memory64 minimums can be larger */
    wp_rt_raise(wasmplug_trap_new(WASMPLUG_TRAP_HOST, "cannot allocate linear memory: its "
                                  "minimum exceeds 65536 pages (4 GiB)"));
  if (wp_thread.limits) {
    uint64_t lim = wp_thread.limits->memory_bytes / WASM_PAGE;
    if (initial > lim) {
      char *msg = wp_format("a linear memory of %u initial pages (%llu bytes) is over the limit of %llu bytes "
                            "(max-memory)", initial, (unsigned long long)initial * WASM_PAGE,
                            (unsigned long long)wp_thread.limits->memory_bytes);
      wasmplug_trap_t *t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg ? msg : "memory over the limit");
      free(msg);
      wp_rt_raise(t);
    }
    if (max > lim) max = (uint32_t)lim;
  }
  size_t bytes = (size_t)initial * WASM_PAGE, open = 0;
  void *base = reserve_take(&open);
  if (!base) {
    base = mmap(NULL, MEMORY_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) wp_rt_raise(wasmplug_trap_new(WASMPLUG_TRAP_HOST, "cannot reserve linear memory"));
  }
  /* A pooled reservation is zero and accessible up to `open` bytes. */
  int rc = 0;
  if (open > bytes) rc = mprotect((char *)base + bytes, open - bytes, PROT_NONE);
  else if (bytes > open) rc = mprotect((char *)base + open, bytes - open, PROT_READ | PROT_WRITE);
  if (rc != 0) {
    munmap(base, MEMORY_RESERVE);
    wp_rt_raise(wasmplug_trap_new(WASMPLUG_TRAP_HOST, "cannot allocate linear memory"));
  }
  m->data = base;
  m->pages = initial;
  m->max_pages = max;
  m->size = (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes);
  note_memory(m);
}

uint32_t wp_rt_grow_memory(wp_rt_memory_t *m, uint32_t delta) {
  uint32_t old = m->pages;
  if (delta == 0) return old;
  uint64_t want = (uint64_t)old + delta;
  if (want > m->max_pages || want > 65536) return UINT32_MAX;
  /* Pages past 4 GiB - 1 byte cannot be sized in a u32; wasm2c's size
  ** field is 32 bits, so 65536 pages is the one case it saturates. */
  if (mprotect(m->data + (size_t)old * WASM_PAGE, (size_t)delta * WASM_PAGE,
               PROT_READ | PROT_WRITE) != 0)
    return UINT32_MAX;
  m->pages = (uint32_t)want;
  uint64_t bytes = want * WASM_PAGE;
  m->size = (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes);
  return old;
}

static uint32_t rt_grow_memory(void *m, uint32_t delta) {
  WP_MARKS.in_host++;
  uint32_t r = wp_rt_grow_memory(m, delta);
  WP_MARKS.in_host--;
  return r;
}

void wp_rt_memory_discard(wp_rt_memory_t *m) {
  if (m->data) munmap(m->data, MEMORY_RESERVE);
  m->data = NULL;
}

static void rt_free_memory(void *mp) {
  wp_rt_memory_t *m = mp;
  if (m->data) reserve_give(m->data, (size_t)m->pages * WASM_PAGE);
  m->data = NULL;
}

static void table_alloc(void *tp, uint32_t n, uint32_t max, size_t elem) {
  wp_rt_table_t *t = tp;
  t->data = NULL;
  t->size = 0;
  uint64_t lim = wp_thread.limits ? wp_thread.limits->table_elements : TABLE_MAX_ELEMS;
  if (n > lim) {
    char *msg = wp_format("a table of %u initial elements is over the limit of %llu elements (max-table-elements)",
                          n, (unsigned long long)lim);
    wasmplug_trap_t *tr = wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg ? msg : "table over the limit");
    free(msg);
    wp_rt_raise(tr);
  }
  t->max_size = max > lim ? (uint32_t)lim : max;
  t->data = calloc(n ? n : 1, elem);
  if (!t->data) wp_rt_raise(wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory"));
  t->size = n;
  note_table(t, elem);
}

static void rt_allocate_funcref_table(void *t, uint32_t n, uint32_t max) {
  table_alloc(t, n, max, sizeof(wp_rt_funcref_t));
}
static void rt_allocate_externref_table(void *t, uint32_t n, uint32_t max) {
  table_alloc(t, n, max, sizeof(void *));
}
static void rt_free_table(void *tp) {
  wp_rt_table_t *t = tp;
  free(t->data);
  t->data = NULL;
}

static uint32_t table_grow(wp_rt_table_t *t, uint32_t delta, const void *init, size_t elem) {
  uint32_t old = t->size;
  uint64_t want = (uint64_t)old + delta;
  if (want > t->max_size) return UINT32_MAX; /* the limit lowered max_size */
  if (!delta) return old;
  WP_MARKS.in_host++;
  void *n = realloc(t->data, want * elem);
  WP_MARKS.in_host--;
  if (!n) return UINT32_MAX;
  t->data = n;
  for (uint64_t i = old; i < want; i++) memcpy((char *)n + i * elem, init, elem);
  t->size = (uint32_t)want;
  return old;
}

static uint32_t rt_grow_funcref_table(void *t, uint32_t delta, const void *init) {
  return table_grow(t, delta, init, sizeof(wp_rt_funcref_t));
}
static uint32_t rt_grow_externref_table(void *t, uint32_t delta, void *init) {
  return table_grow(t, delta, &init, sizeof(void *));
}

/* Back from host code (in_host already lowered) to the guest that called
** it: `t` (the host function's trap, or NULL) or the time limit unwinds.
** Inlined into its callers, so the backtrace starts at their frame. */
static inline __attribute__((always_inline)) void host_return(wasmplug_trap_t *t) {
  /* A trap to hand over: host code again (the time limit's signal only
  ** marks the call then) until the trap is the frame's or deleted.  With
  ** in_host 0 here a signal landing before wp_rt_raise stored it unwound
  ** the call and leaked the trap (LeakSanitizer, plugin_rpc.cli: a plugin
  ** answering an error as its call's deadline passed).  Every way on
  ** from here with a trap unwinds, and the landing restores in_host. */
  if (t) WP_MARKS.in_host = 1;
  /* Past the deadline the host function's answer (often an error made of
  ** the EINTR that woke it) is not the story: the time limit is.  The
  ** clock is read, not only the signal's flag, because a wait capped at
  ** the deadline may return a moment before the signal lands (one clock
  ** read per host call, only when the call has a time limit).  An exit
  ** request still wins. */
  if (WP_MARKS.deadline_ns && !WP_MARKS.interrupted) (void)wasmplug_call_interrupted();
  if (t && WP_MARKS.interrupted && !wasmplug_trap_exit_status(t, NULL)) {
    wasmplug_trap_delete(t);
    t = NULL;
  }
  /* The guest's frames, from the import trampoline that called us (an
  ** exit has none: wp_backtrace_attach). */
  if (t && wp_thread.top && !wasmplug_trap_exit_status(t, NULL)) capture(wp_thread.top, 0, HERE_FP(), 0);
  if (t) wp_rt_raise(t);
  if (WP_MARKS.interrupted && wp_thread.top) {
    capture(wp_thread.top, 0, HERE_FP(), 0);
    unwind(wp_thread.top, RT_TRAP_INTERRUPT);
  }
}

static void rt_call_host(wp_import_slot_t *slot, wasmplug_val_raw_t *v) {
  wp_hostfunc_t *h = slot->host;
  wasmplug_instance_t *caller = slot->caller;
  /* Guest code runs only with in_host 0: stores of constants, not ++/--
  ** (whose loads wait for the previous call's stores). */
  WP_MARKS.in_host = 1;
  wasmplug_trap_t *t = h->cb(h->env, &caller->caller, v, h->nslots);
  WP_MARKS.in_host = 0;
  host_return(t);
}

/* A direct host function (wasmplug_linker_define_func_direct) brackets
** what it runs with the inline wasmplug_direct_enter/_leave instead of
** going through rt_call_host; _leave comes here for a trap or a time limit. */
void wasmplug_direct_return(wasmplug_trap_t *t) { host_return(t); }

/* memory.atomic.wait's timeout (translate_atomic.c): a sleep, which the
** watchdog's signal interrupts like any guest code. */
static void rt_wait(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Fuel and epoch interruption: the meter compiled code checks (see
** wp_thread).  Code runs only inside a guarded call, which set it. */
static wp_meter_t *rt_meter(void) { return &wp_meter_tls; }
/* The meter's offset from the thread pointer (x86-64's %fs base), which
** compiled code adds to its own thread pointer: static TLS (above) is at
** one offset on every thread, so once per loaded module is enough. */
static int64_t rt_meter_off(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  return (int64_t)((uintptr_t)&wp_meter_tls - (uintptr_t)__builtin_thread_pointer());
#else
  return 0; /* compiled code reads the meter through rt_meter here */
#endif
}

int64_t wasmplug_call_fuel(void) {
  if (!wp_thread.fuel_limited) return INT64_MAX;
  return wp_meter_tls.fuel < 0 ? 0 : wp_meter_tls.fuel;
}

bool wasmplug_call_fuel_set(uint64_t fuel) {
  if (!wp_thread.top || !wp_thread.fuel_limited) return false;
  wp_meter_tls.fuel = fuel > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)fuel;
  return true;
}

bool wasmplug_call_epoch_deadline_set(uint64_t ticks) {
  if (!wp_thread.top || wp_meter_tls.epoch == &no_epoch || !wp_meter_tls.epoch) return false;
  uint64_t now = __atomic_load_n(wp_meter_tls.epoch, __ATOMIC_RELAXED);
  wp_meter_tls.deadline = ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
  return true;
}

/* Guest code runs inside a guarded call (wp_thread.top is set); outside
** one, handlers chain on the thread (and a throw finds none there). */
static void **rt_exn_handlers(void) {
  return wp_thread.top ? &wp_thread.top->exn_handlers : &wp_thread.exn_outside;
}

static const wp_rt_api_t rt_api = {
    sizeof(wp_rt_api_t),
    rt_trap,
    rt_register_func_type,
    rt_allocate_memory,
    rt_grow_memory,
    rt_free_memory,
    rt_allocate_funcref_table,
    rt_allocate_externref_table,
    rt_free_table,
    rt_free_table,
    rt_grow_funcref_table,
    rt_grow_externref_table,
    rt_call_host,
    rt_exn_handlers,
    rt_meter,
    rt_wait,
    rt_meter_off,
};

const wp_rt_api_t *wp_rt_api(void) { return &rt_api; }
