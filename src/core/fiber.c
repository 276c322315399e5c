/*
** fiber.c — stacks of their own for guest code that must be able to block
** (the Component Model's async tasks: CanonicalABI.md "Stack Switching").
**
** A fiber runs fn(arg) on a separate stack.  wasmplug_fiber_resume() runs
** it until it calls wasmplug_fiber_suspend() (back to the resumer) or fn
** returns; resuming it again continues after the suspend.  Resumes nest: a
** fiber may resume another one, which suspends back to it.
**
** Guest code traps by unwinding to the innermost guarded call (rt.c), and a
** fault near the low end of the running stack is a stack overflow.  Both
** facts are per stack, so every switch swaps the thread's trap state
** (wp_rt_ctx_swap): a fiber's guarded calls chain among themselves, and its
** stack bounds (a guard page below the stack) are what the fault handler
** compares against.  The watchdog's time limit stays the outermost call's,
** except on a fiber with limits of its own (wasmplug_fiber_new_limited):
** its outermost guarded call has a time limit, fuel and epoch deadline of
** its own, which every switch into and out of the fiber swaps with the
** resumer's (wp_rt_limits_swap): a host may interleave the calls of
** several guests on one thread, each held to its own limits.
**
** The switch itself is a few instructions of assembly on x86-64 (callee-
** saved registers and the FP control words, as the SysV ABI requires);
** other targets use ucontext.  Stacks are mmap'ed with a PROT_NONE guard
** page and kept in a small per-thread pool, since tasks come and go fast.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#if !defined(__x86_64__) || defined(WASMPLUG_FIBER_UCONTEXT)
#define FIBER_UCONTEXT 1
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif
#ifdef FIBER_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif

#define DEFAULT_STACK (8u << 20) /* wasm2c frames are big; pages are touched lazily */
/* The PROT_NONE guard below a fiber's stack: address space only.  Large:
** a frame the compiler does not probe (wasm2c's C on the baseline tier:
** 50,000 funcref locals are 1.2 MB) steps far past a guard page, and a
** fault anywhere in the guard is reported as a stack overflow (rt.c). */
#define GUARD (4u << 20)
#define POOL_MAX 16

struct wasmplug_fiber {
#ifdef FIBER_UCONTEXT
  ucontext_t uc, back_uc;
#else
  void *sp;       /* the fiber's saved stack pointer while it is not running */
  void *back_sp;  /* the resumer's, while it runs */
#endif
  uint8_t *map;   /* guard page + stack */
  size_t map_size;
  void (*fn)(void *);
  void *arg;
  bool started, done, running;
  wp_rt_ctx_t ctx;      /* the fiber's trap state while it is switched out */
  wp_rt_ctx_t back_ctx; /* the resumer's while the fiber runs */
  wasmplug_fiber_t *back; /* the fiber that resumed it (NULL: thread stack) */
  bool limited;           /* limits of its own (wasmplug_fiber_new_limited) */
  wp_rt_limits_t lim;     /* its call's while it is switched out */
  wp_rt_limits_t back_lim; /* the resumer's while it runs */
#ifdef FIBER_ASAN
  void *fake, *back_fake; /* ASan's fake stacks of the fiber and its resumer */
  const void *back_bottom;
  size_t back_size;
#endif
};

static __thread wasmplug_fiber_t *current;
/* Finished fibers' stacks, ready for reuse. */
static __thread struct {
  uint8_t *map[POOL_MAX];
  size_t size[POOL_MAX];
  int n;
} pool;

static uint8_t *stack_lo(const wasmplug_fiber_t *f) { return f->map + GUARD; }

#ifndef FIBER_UCONTEXT
/* void wp_fiber_switch(void **save_sp, void *load_sp) */
void wp_fiber_switch(void **save_sp, void *load_sp);
void wp_fiber_trampoline(void);
__asm__(".text\n"
        ".globl wp_fiber_switch\n"
        ".hidden wp_fiber_switch\n"
        ".type wp_fiber_switch,@function\n"
        "wp_fiber_switch:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  subq $8, %rsp\n"
        "  stmxcsr (%rsp)\n"
        "  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n"
        "  fldcw 4(%rsp)\n"
        "  addq $8, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size wp_fiber_switch, .-wp_fiber_switch\n"
        /* First entry: the fiber pointer is in rbx (restored above). */
        ".globl wp_fiber_trampoline\n"
        ".hidden wp_fiber_trampoline\n"
        ".type wp_fiber_trampoline,@function\n"
        "wp_fiber_trampoline:\n"
        "  movq %rbx, %rdi\n"
        "  andq $-16, %rsp\n"
        "  call wp_fiber_main\n"
        "  ud2\n"
        ".size wp_fiber_trampoline, .-wp_fiber_trampoline\n");
#endif

void wp_fiber_main(wasmplug_fiber_t *f);

static void switch_in(wasmplug_fiber_t *f) {
#ifdef FIBER_ASAN
  __sanitizer_start_switch_fiber(&f->back_fake, stack_lo(f), (size_t)((uint8_t *)f - stack_lo(f)));
#endif
#ifdef FIBER_UCONTEXT
  swapcontext(&f->back_uc, &f->uc);
#else
  wp_fiber_switch(&f->back_sp, f->sp);
#endif
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(f->back_fake, NULL, NULL);
#endif
}

/* From inside f back to its resumer; `last`: f is done and never resumes. */
static void switch_out(wasmplug_fiber_t *f, bool last) {
#ifdef FIBER_ASAN
  __sanitizer_start_switch_fiber(last ? NULL : &f->fake, f->back_bottom, f->back_size);
#else
  (void)last;
#endif
#ifdef FIBER_UCONTEXT
  swapcontext(&f->uc, &f->back_uc);
#else
  wp_fiber_switch(&f->sp, f->back_sp);
#endif
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(f->fake, &f->back_bottom, &f->back_size);
#endif
}

void wp_fiber_main(wasmplug_fiber_t *f) {
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(NULL, &f->back_bottom, &f->back_size);
#endif
  f->fn(f->arg);
  f->done = true;
  switch_out(f, true);
  abort(); /* a finished fiber is never resumed */
}

#ifdef FIBER_UCONTEXT
static void uc_entry(unsigned lo, unsigned hi) {
  wp_fiber_main((wasmplug_fiber_t *)(((uintptr_t)hi << 32) | lo));
}
#endif

static uint8_t *stack_map(size_t size) {
  for (int i = 0; i < pool.n; i++)
    if (pool.size[i] == size) {
      uint8_t *m = pool.map[i];
      pool.map[i] = pool.map[--pool.n];
      pool.size[i] = pool.size[pool.n];
#ifdef FIBER_ASAN
      /* the last fiber's first frames may have left redzones poisoned
      ** where the next fiber's struct goes (the top of the mapping) */
      __asan_unpoison_memory_region(m + size - 4096, 4096);
#endif
      return m;
    }
  void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return NULL;
  if (mprotect(m, GUARD, PROT_NONE) != 0) {
    munmap(m, size);
    return NULL;
  }
  return m;
}

static void stack_unmap(uint8_t *m, size_t size) {
  if (pool.n < POOL_MAX) {
    pool.map[pool.n] = m;
    pool.size[pool.n++] = size;
    return;
  }
  munmap(m, size);
}

wasmplug_fiber_t *wasmplug_fiber_new(size_t stack_size, void (*fn)(void *arg), void *arg) {
  wp_rt_global_init();
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  if (!stack_size) stack_size = DEFAULT_STACK;
  stack_size = (stack_size + (size_t)page - 1) & ~((size_t)page - 1);
  /* The fiber lives at the top of its own mapping, above its stack: no
  ** malloc per fiber (tasks come and go at every async call). */
  size_t map_size = stack_size + GUARD, hdr = (sizeof(wasmplug_fiber_t) + 63) & ~(size_t)63;
  uint8_t *map = stack_map(map_size);
  if (!map) return NULL;
  wasmplug_fiber_t *f = (wasmplug_fiber_t *)(map + map_size - hdr);
  memset(f, 0, sizeof *f);
  f->map = map;
  f->map_size = map_size;
  f->fn = fn;
  f->arg = arg;
  uint8_t *top = (uint8_t *)f;
#ifdef FIBER_UCONTEXT
  getcontext(&f->uc);
  f->uc.uc_stack.ss_sp = stack_lo(f);
  f->uc.uc_stack.ss_size = (size_t)(top - stack_lo(f));
  f->uc.uc_link = NULL;
  uintptr_t p = (uintptr_t)f;
  makecontext(&f->uc, (void (*)(void))uc_entry, 2, (unsigned)(p & 0xffffffffu), (unsigned)(p >> 32));
#else
  /* What wp_fiber_switch pops: FP control, r15..r12, rbx (= f), rbp, then
  ** the return address (the trampoline). */
  uint64_t *sp = (uint64_t *)((uintptr_t)top & ~(uintptr_t)15);
  *--sp = 0;                                 /* alignment slot */
  *--sp = (uint64_t)(uintptr_t)wp_fiber_trampoline;
  *--sp = 0;                                 /* rbp */
  *--sp = (uint64_t)(uintptr_t)f;            /* rbx */
  *--sp = 0; *--sp = 0; *--sp = 0; *--sp = 0; /* r12..r15 */
  uint32_t ctl[2];
  __asm__ volatile("stmxcsr %0\n fnstcw %1" : "=m"(ctl[0]), "=m"(ctl[1]));
  *--sp = (uint64_t)ctl[0] | ((uint64_t)(ctl[1] & 0xffff) << 32);
  f->sp = sp;
#endif
  f->ctx.top = NULL;
  f->ctx.in_host = 0;
  f->ctx.stack_lo = (uintptr_t)stack_lo(f);
  f->ctx.stack_hi = (uintptr_t)top;
  f->ctx.stack_guard = GUARD;
  f->ctx.in_fiber = true;
  return f;
}

wasmplug_fiber_t *wasmplug_fiber_new_limited(size_t stack_size, void (*fn)(void *arg), void *arg) {
  wasmplug_fiber_t *f = wasmplug_fiber_new(stack_size, fn, arg);
  if (f) {
    f->limited = true;
    f->ctx.own_limits = true;
  }
  return f;
}

bool wasmplug_fiber_resume(wasmplug_fiber_t *f) {
  if (!f || f->done || f->running) return f ? f->done : true;
  f->running = true;
  f->started = true;
  f->back = current;
  current = f;
  wp_rt_ctx_swap(&f->back_ctx, &f->ctx);
  if (f->limited) wp_rt_limits_swap(&f->back_lim, &f->lim);
  switch_in(f);
  if (f->limited) wp_rt_limits_swap(&f->lim, &f->back_lim);
  wp_rt_ctx_swap(&f->ctx, &f->back_ctx);
  current = f->back;
  f->running = false;
  return f->done;
}

void wasmplug_fiber_suspend(void) {
  wasmplug_fiber_t *f = current;
  if (!f) abort(); /* not on a fiber: nothing to suspend to */
  switch_out(f, false);
}

wasmplug_fiber_t *wasmplug_fiber_current(void) { return current; }

bool wasmplug_fiber_done(const wasmplug_fiber_t *f) { return f->done; }

void wasmplug_fiber_delete(wasmplug_fiber_t *f) {
  if (!f) return;
  if (f->running) abort(); /* deleting the stack we run on */
  if (f->limited) wp_rt_limits_drop(&f->lim);
  /* A fiber suspended mid-way is abandoned: whatever its frames hold is
  ** the owner's to have released (the component runtime unwinds its tasks
  ** before it deletes their fibers). */
  stack_unmap(f->map, f->map_size); /* f is in the mapping: gone after this */
}
