/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pop-relay: the lab's impairment relay. A bridge between two interfaces on
 * AF_PACKET sockets that forwards every frame both ways through the impair
 * model (loss, delay with jitter, reorder, duplication, rate, bounded
 * queue), from a seed. One thread, one poll loop; it sleeps until a socket
 * is readable or the next delayed frame is due.
 */
#include "impair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RELAY_LOG(fmt, ...) fprintf(stderr, "pop-relay: " fmt "\n", ##__VA_ARGS__)

#define BATCH		   32
#define RX_BATCHES_PER_RUN 8 /* then let the other side and the timers run */
#define SPEC_MAX	   4096
#define DEFAULT_POOL	   16384u
#define MAX_POOL	   1048576u
#define DEFAULT_FRAME	   2048u
#define MAX_FRAME	   65536u
#define SOCKET_BUF_BYTES   (4 << 20)

struct frame_pool {
	uint8_t *data;	/* count * frame_bytes */
	uint32_t *len;	/* bytes of each frame */
	uint8_t *refs;	/* queue entries holding each frame (1 or 2) */
	uint32_t *free; /* stack of free indices */
	uint32_t nfree;
	uint32_t count;
	uint32_t frame_bytes;
	uint32_t max_in_use;
};

struct relay_dir {
	const char *name; /* "ab" or "ba" */
	int in_fd, out_fd;
	struct impair_dir model;
	struct impair_queue q;
	uint64_t rx, forwarded, pool_drops, oversize_drops, tx_errors;
	uint64_t socket_drops; /* the kernel's: the socket's buffer was full */
	int tx_blocked;
	uint64_t logged;
};

struct relay {
	int fd[2]; /* side a, side b */
	const char *ifname[2];
	struct frame_pool pool;
	struct relay_dir dir[IMPAIR_NDIRS];
	struct impair_config cfg;
	const char *stats_path;
	FILE *decision_log;
	uint64_t decision_log_max;
	uint8_t scratch[MAX_FRAME];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pool_init(struct frame_pool *p, uint32_t count, uint32_t frame_bytes)
{
	p->count = count;
	p->frame_bytes = frame_bytes;
	p->data = malloc((size_t)count * frame_bytes);
	p->len = calloc(count, sizeof(*p->len));
	p->refs = calloc(count, sizeof(*p->refs));
	p->free = malloc((size_t)count * sizeof(*p->free));
	if (!p->data || !p->len || !p->refs || !p->free)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		p->free[i] = count - 1 - i;
	p->nfree = count;
	return 0;
}

static uint8_t *pool_frame(struct frame_pool *p, uint32_t i)
{
	return p->data + (size_t)i * p->frame_bytes;
}

static void pool_put(struct frame_pool *p, uint32_t i)
{
	if (--p->refs[i] == 0)
		p->free[p->nfree++] = i;
}

static int open_side(const char *ifname, int *fd_out)
{
	struct sockaddr_ll sll = {0};
	struct packet_mreq mr = {0};
	int one = 1, buf = SOCKET_BUF_BYTES, fd;
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		RELAY_LOG("no interface %s: %s", ifname, strerror(errno));
		return -errno;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		RELAY_LOG("socket(AF_PACKET) for %s: %s", ifname, strerror(errno));
		return -errno;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	/* Our own transmissions must not come back as input. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		int e = errno;

		RELAY_LOG("setting up the packet socket on %s: %s", ifname, strerror(e));
		close(fd);
		return -e;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	*fd_out = fd;
	return 0;
}

static void log_decision(struct relay *r, struct relay_dir *d, const struct impair_verdict *v)
{
	const char *what;

	if (!r->decision_log || d->logged >= r->decision_log_max)
		return;
	if (v->lost)
		what = "drop";
	else if (v->queue_drop)
		what = "qdrop";
	else if (v->reordered)
		what = v->copies == 2 ? "reorder+dup" : "reorder";
	else
		what = v->copies == 2 ? "dup" : "pass";
	fprintf(r->decision_log, "%s %" PRIu64 " %s %" PRIu32 "\n", d->name, d->logged, what,
		v->drawn_delay_us);
	d->logged++;
}

/* Read what side `in` has, decide, queue. Returns the frames read. */
static unsigned int receive(struct relay *r, struct relay_dir *d)
{
	struct frame_pool *p = &r->pool;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll from[BATCH];
	uint32_t idx[BATCH];
	unsigned int total = 0;

	for (int run = 0; run < RX_BATCHES_PER_RUN; run++) {
		unsigned int want = p->nfree < BATCH ? p->nfree : BATCH;
		int n;
		uint64_t t;

		if (want == 0) {
			/* No frame free: read into scratch and count the drop. */
			ssize_t k = recv(d->in_fd, r->scratch, sizeof(r->scratch), MSG_DONTWAIT);

			if (k < 0)
				break;
			d->rx++;
			d->pool_drops++;
			total++;
			continue;
		}
		memset(msgs, 0, sizeof(msgs));
		for (unsigned int i = 0; i < want; i++) {
			idx[i] = p->free[p->nfree - 1 - i];
			iov[i].iov_base = pool_frame(p, idx[i]);
			iov[i].iov_len = p->frame_bytes;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(d->in_fd, msgs, want, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		t = now_ns();
		for (int i = 0; i < n; i++) {
			struct impair_verdict v;
			uint32_t f = idx[i];

			if (from[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			d->rx++;
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				d->oversize_drops++;
				continue;
			}
			impair_decide(&d->model, t, msgs[i].msg_len, d->q.len, &v);
			log_decision(r, d, &v);
			if (v.copies == 0)
				continue;
			/* Take the frame out of the free stack (it is at the top
			 * region we lent to recvmmsg; swap it to the top). */
			for (uint32_t k = p->nfree; k-- > 0;) {
				if (p->free[k] == f) {
					p->free[k] = p->free[p->nfree - 1];
					p->nfree--;
					break;
				}
			}
			p->len[f] = msgs[i].msg_len;
			p->refs[f] = (uint8_t)v.copies;
			for (int c = 0; c < v.copies; c++) {
				if (impair_queue_push(&d->q, v.depart_ns, f) < 0) {
					/* impair_decide bounds the queue below its
					 * capacity; count it if that ever fails. */
					d->model.c.queue_drops++;
					pool_put(p, f);
				}
			}
		}
		if (p->count - p->nfree > p->max_in_use)
			p->max_in_use = p->count - p->nfree;
		total += (unsigned int)n;
		if ((unsigned int)n < want)
			break;
	}
	return total;
}

/* Send what is due in direction d. */
static void transmit(struct relay *r, struct relay_dir *d, uint64_t t)
{
	struct frame_pool *p = &r->pool;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint32_t idx[BATCH];
	uint64_t when[BATCH];

	d->tx_blocked = 0;
	for (;;) {
		unsigned int n = 0;
		int sent;

		while (n < BATCH) {
			uint64_t due = impair_queue_next_ns(&d->q);

			if (!impair_queue_pop_due(&d->q, t, &idx[n]))
				break;
			when[n] = due;
			n++;
		}
		if (n == 0)
			return;
		memset(msgs, 0, sizeof(msgs));
		for (unsigned int i = 0; i < n; i++) {
			iov[i].iov_base = pool_frame(p, idx[i]);
			iov[i].iov_len = p->len[idx[i]];
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(d->out_fd, msgs, n, MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN || errno == ENOBUFS) {
				sent = 0;
			} else {
				/* This frame cannot go (e.g. too big for the
				 * link): count it and go on with the rest. */
				d->tx_errors++;
				pool_put(p, idx[0]);
				sent = 1;
				for (unsigned int i = 1; i < n; i++)
					impair_queue_push(&d->q, when[i], idx[i]);
				continue;
			}
		}
		for (int i = 0; i < sent; i++) {
			d->forwarded++;
			pool_put(p, idx[i]);
		}
		if ((unsigned int)sent < n) {
			/* The socket is full: put the rest back, wait for POLLOUT. */
			for (unsigned int i = (unsigned int)sent; i < n; i++)
				impair_queue_push(&d->q, when[i], idx[i]);
			d->tx_blocked = 1;
			return;
		}
	}
}

/* The kernel's drops on the input socket of each direction (the counters
 * reset when read, so they are added up here). */
static void collect_socket_drops(struct relay *r)
{
	for (int i = 0; i < IMPAIR_NDIRS; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		if (getsockopt(r->dir[i].in_fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			r->dir[i].socket_drops += st.tp_drops;
	}
}

static void write_counters(struct relay *r, FILE *f)
{
	collect_socket_drops(r);
	for (int i = 0; i < IMPAIR_NDIRS; i++) {
		const struct relay_dir *d = &r->dir[i];
		const struct impair_counters *c = &d->model.c;
		const struct {
			const char *key;
			uint64_t value;
		} rows[] = {
		    {"received", d->rx},
		    {"forwarded", d->forwarded},
		    {"dropped", c->lost},
		    {"duplicated", c->duplicated},
		    {"reordered", c->reordered},
		    {"delayed", c->delayed},
		    {"queue_drops", c->queue_drops},
		    {"queue_max", d->q.max_len},
		    {"queued", d->q.len},
		    {"pool_drops", d->pool_drops},
		    {"oversize_drops", d->oversize_drops},
		    {"tx_errors", d->tx_errors},
		    {"socket_drops", d->socket_drops},
		};

		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			fprintf(f, "%s.%s=%" PRIu64 "\n", d->name, rows[k].key, rows[k].value);
	}
	fprintf(f, "pool.frames=%" PRIu32 "\npool.max_in_use=%" PRIu32 "\nseed=%" PRIu64 "\n",
		r->pool.count, r->pool.max_in_use, r->cfg.seed);
}

static void write_stats(struct relay *r)
{
	char tmp[4096];
	FILE *f;

	if (!r->stats_path)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", r->stats_path) >= (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (!f)
		return;
	write_counters(r, f);
	if (fclose(f) == 0)
		rename(tmp, r->stats_path);
}

static void report(struct relay *r)
{
	write_counters(r, stderr);
	write_stats(r);
	if (r->decision_log)
		fflush(r->decision_log);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pop-relay --a IFACE --b IFACE [options]\n"
		"  --impair SPEC        e.g. "
		"loss=1%%,delay=25ms,jitter=10ms,dup=1%%,reorder=1%%,seed=42\n"
		"  --loss P --dup P --reorder P   percentages (1%%) or fractions (0.01)\n"
		"  --delay T --jitter T           25ms, 500us, 1s\n"
		"  --rate R             bytes/s (k/m/g) or Nmbit; --queue N frames per direction\n"
		"  --jitter-reorders    let jitter reorder frames (default: it never does)\n"
		"  --seed N             PRNG seed; --dir both|ab|ba for the options after it\n"
		"  --pool N             frames in the pool (default %u); --frame-bytes N (%u)\n"
		"  --stats FILE         counters, rewritten every second, on SIGUSR1 and at exit\n"
		"  --decision-log FILE  the first --decision-log-max N (default 100000) decisions\n"
		"  --check              check the options, print the impairment and exit\n",
		DEFAULT_POOL, DEFAULT_FRAME);
	exit(2);
}

static int append_spec(char *spec, const char *key, const char *val)
{
	size_t used = strlen(spec);
	int n = snprintf(spec + used, SPEC_MAX - used, "%s%s%s%s", used ? "," : "", key,
			 val ? "=" : "", val ? val : "");

	return n < 0 || (size_t)n >= SPEC_MAX - used ? -1 : 0;
}

static uint32_t parse_count(const char *s, uint32_t min, uint32_t max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		RELAY_LOG("%s must be %u to %u: %s", what, min, max, s);
		exit(2);
	}
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	static struct relay r;
	static char spec[SPEC_MAX];
	static const struct option opts[] = {
	    {"a", required_argument, 0, 'a'},
	    {"b", required_argument, 0, 'b'},
	    {"impair", required_argument, 0, 'i'},
	    {"loss", required_argument, 0, 'L'},
	    {"dup", required_argument, 0, 'D'},
	    {"reorder", required_argument, 0, 'R'},
	    {"delay", required_argument, 0, 'd'},
	    {"jitter", required_argument, 0, 'j'},
	    {"rate", required_argument, 0, 'r'},
	    {"queue", required_argument, 0, 'q'},
	    {"seed", required_argument, 0, 's'},
	    {"dir", required_argument, 0, 'W'},
	    {"jitter-reorders", no_argument, 0, 'J'},
	    {"pool", required_argument, 0, 'p'},
	    {"frame-bytes", required_argument, 0, 'f'},
	    {"stats", required_argument, 0, 'S'},
	    {"decision-log", required_argument, 0, 'l'},
	    {"decision-log-max", required_argument, 0, 'm'},
	    {"check", no_argument, 0, 'C'},
	    {0, 0, 0, 0},
	};
	static const char *const keys[128] = {
	    ['L'] = "loss", ['D'] = "dup",   ['R'] = "reorder", ['d'] = "delay", ['j'] = "jitter",
	    ['r'] = "rate", ['q'] = "queue", ['s'] = "seed",	['W'] = "dir",
	};
	uint32_t pool_count = DEFAULT_POOL, frame_bytes = DEFAULT_FRAME;
	const char *log_path = NULL;
	char err[256], desc[256];
	struct pollfd pfd[3];
	sigset_t mask;
	int c, sfd, rc, check_only = 0;
	uint64_t last_stats_ns = 0;

	r.decision_log_max = 100000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			r.ifname[0] = optarg;
			break;
		case 'b':
			r.ifname[1] = optarg;
			break;
		case 'i':
			if (append_spec(spec, optarg, NULL) < 0)
				usage();
			break;
		case 'J':
			if (append_spec(spec, "jitter-reorders", "1") < 0)
				usage();
			break;
		case 'p':
			pool_count = parse_count(optarg, 2 * BATCH, MAX_POOL, "--pool");
			break;
		case 'f':
			frame_bytes = parse_count(optarg, 64, MAX_FRAME, "--frame-bytes");
			break;
		case 'C':
			check_only = 1;
			break;
		case 'S':
			r.stats_path = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'm':
			r.decision_log_max =
			    parse_count(optarg, 0, UINT32_MAX, "--decision-log-max");
			break;
		default:
			if (c > 0 && c < 128 && keys[c]) {
				if (append_spec(spec, keys[c], optarg) < 0)
					usage();
				break;
			}
			usage();
		}
	}
	if (!r.ifname[0] || !r.ifname[1] || optind != argc)
		usage();
	impair_config_default(&r.cfg);
	if (impair_parse_spec(&r.cfg, spec, err, sizeof(err)) < 0 ||
	    impair_config_check(&r.cfg, err, sizeof(err)) < 0) {
		RELAY_LOG("%s", err);
		return 2;
	}
	if (check_only) {
		for (int i = 0; i < IMPAIR_NDIRS; i++) {
			impair_params_format(&r.cfg.dir[i], desc, sizeof(desc));
			printf("%s: %s\n", i == IMPAIR_AB ? "ab" : "ba", desc);
		}
		printf("seed: %" PRIu64 "\n", r.cfg.seed);
		return 0;
	}
	if (log_path && !(r.decision_log = fopen(log_path, "w"))) {
		RELAY_LOG("cannot write %s: %s", log_path, strerror(errno));
		return 1;
	}
	if (pool_init(&r.pool, pool_count, frame_bytes) < 0) {
		RELAY_LOG("cannot allocate a pool of %u frames of %u bytes", pool_count,
			  frame_bytes);
		return 1;
	}
	for (int i = 0; i < 2; i++)
		if (open_side(r.ifname[i], &r.fd[i]) < 0)
			return 1;
	for (int i = 0; i < IMPAIR_NDIRS; i++) {
		struct relay_dir *d = &r.dir[i];
		uint32_t cap = r.cfg.dir[i].queue_limit;
		struct impair_slot *slots = calloc(cap, sizeof(*slots));

		if (!slots) {
			RELAY_LOG("cannot allocate a queue of %u frames", cap);
			return 1;
		}
		d->name = i == IMPAIR_AB ? "ab" : "ba";
		d->in_fd = r.fd[i];
		d->out_fd = r.fd[1 - i];
		impair_dir_init(&d->model, &r.cfg, (enum impair_dir_id)i);
		impair_queue_init(&d->q, slots, cap);
		impair_params_format(&r.cfg.dir[i], desc, sizeof(desc));
		RELAY_LOG("%s (%s -> %s): %s", d->name, r.ifname[i], r.ifname[1 - i], desc);
	}
	RELAY_LOG("seed %" PRIu64 ", pool %u frames of %u bytes", r.cfg.seed, pool_count,
		  frame_bytes);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		RELAY_LOG("signalfd: %s", strerror(errno));
		return 1;
	}
	for (;;) {
		uint64_t t = now_ns(), next = t + 1000000000ull;
		struct timespec ts;
		struct signalfd_siginfo si;

		for (int i = 0; i < IMPAIR_NDIRS; i++) {
			uint64_t due = impair_queue_next_ns(&r.dir[i].q);

			if (!r.dir[i].tx_blocked && due < next)
				next = due;
		}
		if (next <= t) {
			ts.tv_sec = 0;
			ts.tv_nsec = 0;
		} else {
			ts.tv_sec = (time_t)((next - t) / 1000000000ull);
			ts.tv_nsec = (long)((next - t) % 1000000000ull);
		}
		for (int i = 0; i < 2; i++) {
			pfd[i].fd = r.fd[i];
			/* fd i is the input of dir i and the output of dir 1-i. */
			pfd[i].events = POLLIN | (r.dir[1 - i].tx_blocked ? POLLOUT : 0);
			pfd[i].revents = 0;
		}
		pfd[2].fd = sfd;
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		rc = ppoll(pfd, 3, &ts, NULL);
		if (rc < 0 && errno != EINTR) {
			RELAY_LOG("ppoll: %s", strerror(errno));
			break;
		}
		if (pfd[2].revents & POLLIN) {
			int stop = 0;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGUSR1)
					report(&r);
				else
					stop = 1;
			}
			if (stop)
				break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents & (POLLERR | POLLNVAL)) {
				RELAY_LOG("socket on %s failed", r.ifname[i]);
				goto out;
			}
			if (pfd[i].revents & POLLIN)
				receive(&r, &r.dir[i]);
		}
		t = now_ns();
		for (int i = 0; i < IMPAIR_NDIRS; i++) {
			/* A blocked direction waits for POLLOUT on its output. */
			if (!r.dir[i].tx_blocked || (pfd[1 - i].revents & POLLOUT))
				transmit(&r, &r.dir[i], t);
		}
		if (t - last_stats_ns >= 1000000000ull) {
			write_stats(&r);
			last_stats_ns = t;
		}
	}
out:
	report(&r);
	if (r.decision_log)
		fclose(r.decision_log);
	return 0;
}
