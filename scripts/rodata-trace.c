/*
 * Records which read-only data of a program it reads: a preloaded library for
 * scripts/startup-order.sh (`LD_PRELOAD`), never shipped.
 *
 * In the program named by VMCHECK_RODATA_TRACE_EXE (and in no other process that inherits the
 * preload), it takes away every access to the program's `.rodata.hot` and `.rodata` pages. Each
 * read then faults; the handler writes the 8-byte granule read (its offset in the program, in
 * hex, one a line: `g OFFSET`) to DIR/trace.PID (VMCHECK_RODATA_TRACE_DIR), makes the page
 * readable and single-steps the instruction (the trap flag), after which the page is taken away
 * again (a string instruction, `rep movs`…, traps after each element, so each is seen). So every
 * read of every thread is seen, not only the first of each 64 KB run as page faults show it (the
 * kernel maps the pages around a fault). A load records the granule it starts in.
 * scripts/rodata-sections.py names the input sections read from the link map.
 *
 * The kernel cannot read a page that is taken away: a buffer in `.rodata` handed to write(2) and
 * the like would fail with EFAULT. The library's own `write`, `pwrite64`, `writev`, `pwritev`,
 * `send`, `sendto` and `sendmsg` read such a buffer first (recording it) into a copy they hand
 * on instead; otherwise they are the C library's.
 *
 * x86-64 Linux only. Build: cc -O2 -shared -fPIC -o librodata-trace.so rodata-trace.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE ((uintptr_t)4096)
#define TRAP_FLAG 0x100

static uintptr_t lo, hi, base;
static int out = -1;
static unsigned char *seen;
/* The pages a thread's faulting instruction may read while it is single-stepped. */
static __thread uintptr_t open_pages[16];
static __thread int n_open;

static void record(uintptr_t address) {
  uintptr_t g = (address - lo) >> 3;
  unsigned char bit = 1 << (g & 7);
  if (__atomic_fetch_or(&seen[g >> 3], bit, __ATOMIC_RELAXED) & bit) return;
  char line[24], digits[20];
  int n = 0, k = 0;
  uintptr_t offset = address - base;
  line[n++] = 'g';
  line[n++] = ' ';
  do { digits[k++] = "0123456789abcdef"[offset & 15]; offset >>= 4; } while (offset);
  while (k) line[n++] = digits[--k];
  line[n++] = '\n';
  syscall(SYS_write, out, line, n);
}

static void on_fault(int sig, siginfo_t *si, void *context) {
  (void)sig;
  uintptr_t a = (uintptr_t)si->si_addr;
  if (a < lo || a >= hi) { signal(SIGSEGV, SIG_DFL); return; } /* a real fault: crash as usual */
  ucontext_t *uc = context;
  record(a);
  uintptr_t page = a & ~(PAGE - 1);
  mprotect((void *)page, PAGE, PROT_READ);
  if (n_open < 16) open_pages[n_open++] = page;
  uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void on_step(int sig, siginfo_t *si, void *context) {
  (void)sig;
  (void)si;
  ((ucontext_t *)context)->uc_mcontext.gregs[REG_EFL] &= ~TRAP_FLAG;
  while (n_open) mprotect((void *)open_pages[--n_open], PAGE, PROT_NONE);
}

/* A buffer the kernel is to read: a copy, read here, if any of it is in the traced range. */
static const void *readable(const void *buf, size_t n, void **copy) {
  uintptr_t b = (uintptr_t)buf;
  *copy = 0;
  if (out < 0 || n == 0 || b + n <= lo || b >= hi) return buf;
  unsigned char *c = malloc(n);
  if (!c) return buf;
  for (size_t i = 0; i < n; i++) c[i] = ((const volatile unsigned char *)buf)[i];
  *copy = c;
  return c;
}

#define NEXT(name) static __typeof__(name) *next; if (!next) next = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* The C library's `name` called with the arguments given, in which `b` stands for `buf` (n
 * bytes) made readable. */
#define WITH_READABLE(name, buf, n, ...) \
  ({ \
    NEXT(name); \
    void *copy_; \
    const void *b = readable(buf, n, &copy_); \
    ssize_t r_ = next(__VA_ARGS__); \
    free(copy_); \
    r_; \
  })

ssize_t write(int fd, const void *buf, size_t n) { return WITH_READABLE(write, buf, n, fd, b, n); }

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t offset) {
  return WITH_READABLE(pwrite64, buf, n, fd, b, n, offset);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) { return pwrite64(fd, buf, n, offset); }

ssize_t send(int fd, const void *buf, size_t n, int flags) { return WITH_READABLE(send, buf, n, fd, b, n, flags); }

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t len) {
  return WITH_READABLE(sendto, buf, n, fd, b, n, flags, to, len);
}

/* The iovecs with every buffer made readable; NULL when there are too many (handed on as they are). */
static struct iovec *readable_iov(const struct iovec *iov, int count, struct iovec *v, void **copies) {
  if (out < 0 || count > 64) return 0;
  for (int i = 0; i < count; i++) {
    v[i].iov_len = iov[i].iov_len;
    v[i].iov_base = (void *)readable(iov[i].iov_base, iov[i].iov_len, &copies[i]);
  }
  return v;
}

static void free_all(void **copies, int count) {
  for (int i = 0; i < count && i < 64; i++) free(copies[i]);
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
  NEXT(writev);
  struct iovec v[64];
  void *copies[64] = {0};
  const struct iovec *use = readable_iov(iov, count, v, copies);
  ssize_t r = next(fd, use ? use : iov, count);
  free_all(copies, count);
  return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
  NEXT(pwritev);
  struct iovec v[64];
  void *copies[64] = {0};
  const struct iovec *use = readable_iov(iov, count, v, copies);
  ssize_t r = next(fd, use ? use : iov, count, offset);
  free_all(copies, count);
  return r;
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags) {
  NEXT(sendmsg);
  struct iovec v[64];
  void *copies[64] = {0};
  struct msghdr m = *message;
  struct iovec *use = readable_iov(message->msg_iov, (int)message->msg_iovlen, v, copies);
  if (use) m.msg_iov = use;
  ssize_t r = next(fd, &m, flags);
  free_all(copies, (int)message->msg_iovlen);
  return r;
}

/* The range of the program's read-only data: from its first `.rodata*` section to the end of the last. */
static int rodata_range(const char *exe, uint64_t *first, uint64_t *end) {
  int fd = open(exe, O_RDONLY);
  if (fd < 0) return 0;
  Elf64_Ehdr eh;
  int ok = pread(fd, &eh, sizeof eh, 0) == sizeof eh;
  Elf64_Shdr *sh = ok ? calloc(eh.e_shnum, sizeof *sh) : 0;
  ok = sh && pread(fd, sh, eh.e_shnum * sizeof *sh, eh.e_shoff) == (ssize_t)(eh.e_shnum * sizeof *sh);
  char *names = ok ? malloc(sh[eh.e_shstrndx].sh_size) : 0;
  ok = names && pread(fd, names, sh[eh.e_shstrndx].sh_size, sh[eh.e_shstrndx].sh_offset) == (ssize_t)sh[eh.e_shstrndx].sh_size;
  *first = *end = 0;
  for (int i = 0; ok && i < eh.e_shnum; i++) {
    const char *name = names + sh[i].sh_name;
    if (strcmp(name, ".rodata") == 0 || strcmp(name, ".rodata.hot") == 0) {
      if (!*first || sh[i].sh_addr < *first) *first = sh[i].sh_addr;
      if (sh[i].sh_addr + sh[i].sh_size > *end) *end = sh[i].sh_addr + sh[i].sh_size;
    }
  }
  close(fd);
  free(sh);
  free(names);
  return ok && *end;
}

__attribute__((constructor(101))) static void start(void) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  const char *want = getenv("VMCHECK_RODATA_TRACE_EXE"), *dir = getenv("VMCHECK_RODATA_TRACE_DIR");
  if (n <= 0 || !want || !dir) return;
  exe[n] = 0;
  if (strcmp(exe, want) != 0) return;
  uint64_t first, end;
  if (!rodata_range(exe, &first, &end)) return;
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[8192];
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long s, e, off;
    char path[4096] = "";
    if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &s, &e, &off, path) >= 3 && off == 0 && strcmp(path, exe) == 0) {
      base = s;
      break;
    }
  }
  if (maps) fclose(maps);
  if (!base) return;
  /* Whole pages only: a page shared with the sections around is left readable. */
  lo = (base + first + PAGE - 1) & ~(PAGE - 1);
  hi = (base + end) & ~(PAGE - 1);
  seen = calloc(((hi - lo) >> 6) + 1, 1);
  char path[4096];
  snprintf(path, sizeof path, "%s/trace.%d", dir, (int)getpid());
  out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || !seen) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sa.sa_sigaction = on_fault;
  sigaction(SIGSEGV, &sa, 0);
  sa.sa_sigaction = on_step;
  sigaction(SIGTRAP, &sa, 0);
  mprotect((void *)lo, hi - lo, PROT_NONE);
}
