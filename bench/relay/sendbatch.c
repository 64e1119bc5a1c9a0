// What batching the relay's sends could save on this kernel: CPU per datagram for a sender that
// sends bursts of BURST datagrams, each from the next of SOCKETS sockets in turn (as a TURN relay
// sends each packet from its allocation's own socket), to one sink on loopback, three ways:
//   sendto:   one sendto(2) per datagram (what the relay does today)
//   uring:    one io_uring_enter(2) per burst, an IORING_OP_SENDMSG per datagram, any socket
//   sendmmsg: one sendmmsg(2) per run of datagrams from the same socket (the C floor's mode 32
//             sends all of a burst from one socket; from SOCKETS > 1 in turn, a run is 1)
// A forked child drains the sink and prints how many arrived. Prints µs of the sender's CPU (user +
// system, getrusage; the loopback delivery runs in the sender's context and is in it) per datagram.
// Loopback only; each way bounded by COUNT datagrams and 30 s.
//   gcc -O2 -o /tmp/sendbatch bench/relay/sendbatch.c && /tmp/sendbatch SOCKETS BURST COUNT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double cpu(void) {
  struct rusage u; getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}
static struct sockaddr_in lo(int port) {
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); return a;
}
static int sock(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in a = lo(0); bind(s, (void *)&a, sizeof a);
  return s;
}

// The ring, set up by hand (no liburing on a fresh machine).
struct ring { int fd; unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask; struct io_uring_sqe *sqes; struct io_uring_cqe *cqes; };
static int ring_init(struct ring *r, unsigned entries) {
  struct io_uring_params p = {0};
  r->fd = syscall(__NR_io_uring_setup, entries, &p);
  if (r->fd < 0) return -1;
  size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned), cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (cq_size > sq_size) sq_size = cq_size;
  char *sq = mmap(0, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  char *cq = sq;  // IORING_FEAT_SINGLE_MMAP, kernels since 5.4
  r->sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail); r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask); r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->cq_head = (unsigned *)(cq + p.cq_off.head); r->cq_tail = (unsigned *)(cq + p.cq_off.tail); r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  return 0;
}

int main(int argc, char **argv) {
  int nsock = argc > 1 ? atoi(argv[1]) : 20, burst = argc > 2 ? atoi(argv[2]) : 32;
  long count = argc > 3 ? atol(argv[3]) : 1000000;
  if (burst > 256) burst = 256;
  int sink = sock(); struct sockaddr_in to; socklen_t tl = sizeof to; getsockname(sink, (void *)&to, &tl);
  pid_t child = fork();
  if (child == 0) {  // drain the sink until 2 s of silence
    struct timeval tv = {2, 0}; setsockopt(sink, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static char b[64][256]; struct mmsghdr m[64]; struct iovec v[64]; long got = 0; double end = now() + 120;
    for (;;) {
      for (int i = 0; i < 64; i++) { v[i].iov_base = b[i]; v[i].iov_len = 256; memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr); m[i].msg_hdr.msg_iov = &v[i]; m[i].msg_hdr.msg_iovlen = 1; }
      int n = recvmmsg(sink, m, 64, 0, 0);
      if (n <= 0 || now() > end) break;
      got += n;
    }
    printf("    sink received %ld\n", got); fflush(stdout); _exit(0);
  }
  int *s = malloc(nsock * sizeof(int)); for (int i = 0; i < nsock; i++) s[i] = sock();
  char payload[100]; memset(payload, 'x', sizeof payload);
  struct ring r = {0}; if (ring_init(&r, 256)) { perror("io_uring_setup"); }
  static struct msghdr mh[256]; static struct iovec iov[256];
  for (int i = 0; i < burst; i++) { iov[i].iov_base = payload; iov[i].iov_len = sizeof payload; mh[i].msg_name = &to; mh[i].msg_namelen = sizeof to; mh[i].msg_iov = &iov[i]; mh[i].msg_iovlen = 1; }
  static struct mmsghdr mm[256];
  for (int i = 0; i < burst; i++) mm[i].msg_hdr = mh[i];
  for (int mode = 0; mode < 3; mode++) {
    if (mode == 1 && r.fd < 0) continue;
    long sent = 0, k = 0; double c0 = cpu(), t0 = now(), end = t0 + 30;
    while (sent < count && now() < end) {
      if (mode == 2) {  // sendmmsg: one socket per call, so one call per run of the same socket
        for (int i = 0; i < burst;) {
          int fd = s[k % nsock], n = 1;
          while (i + n < burst && s[(k + n) % nsock] == fd) n++;
          int m = sendmmsg(fd, &mm[i], n, MSG_DONTWAIT); if (m > 0) sent += m;
          i += n; k += n;
        }
      } else if (mode == 0) {
        for (int i = 0; i < burst; i++, k++) if (sendto(s[k % nsock], payload, sizeof payload, MSG_DONTWAIT, (void *)&to, sizeof to) > 0) sent++;
      } else {
        unsigned tail = *r.sq_tail;
        for (int i = 0; i < burst; i++, k++) {
          unsigned idx = (tail + i) & *r.sq_mask;
          struct io_uring_sqe *e = &r.sqes[idx]; memset(e, 0, sizeof *e);
          e->opcode = IORING_OP_SENDMSG; e->fd = s[k % nsock]; e->addr = (unsigned long)&mh[i]; e->len = 1; e->msg_flags = MSG_DONTWAIT;
          r.sq_array[idx] = idx;
        }
        atomic_store_explicit((_Atomic unsigned *)r.sq_tail, tail + burst, memory_order_release);
        syscall(__NR_io_uring_enter, r.fd, burst, burst, IORING_ENTER_GETEVENTS, 0, 0);
        unsigned head = *r.cq_head, ctail = atomic_load_explicit((_Atomic unsigned *)r.cq_tail, memory_order_acquire);
        for (; head != ctail; head++) if (r.cqes[head & *r.cq_mask].res > 0) sent++;
        atomic_store_explicit((_Atomic unsigned *)r.cq_head, head, memory_order_release);
      }
      if ((k / burst) % 64 == 0) usleep(200);  // let the sink keep up: a paced flood, not a drop test
    }
    double c = cpu() - c0, w = now() - t0;
    printf("%-7s sockets=%d burst=%d sent=%ld in %.2f s: %.3f us CPU per datagram\n", mode == 2 ? "sendmmsg" : mode ? "uring" : "sendto", nsock, burst, sent, w, c * 1e6 / sent);
    fflush(stdout);
  }
  int st; waitpid(child, &st, 0);
  return 0;
}
