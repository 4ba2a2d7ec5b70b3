/*
 * loadgen: a small QMP load generator for bench/run.py.
 *
 *   loadgen [options] WORKLOAD ADDR [ADDR...]
 *
 * WORKLOAD is one of
 *   seq      one query-status at a time on the first ADDR, wait for its reply
 *   pipe     keep -k K requests in flight on the first ADDR (default 64)
 *   large    seq with a -s BYTES string as the request id (default 1 MiB);
 *            QEMU echoes the id, so the bytes flow both ways
 *   clients  one connection per ADDR, each doing seq (or -k K in flight),
 *            all driven from one poll() loop; ops/s is the aggregate
 *
 * ADDR is a unix socket path ("unix:PATH" or anything containing '/') or
 * "HOST:PORT" ("tcp:HOST:PORT") for TCP.
 *
 * Options:
 *   -d SECS   measure for SECS seconds (default 2)
 *   -n COUNT  measure COUNT replies instead of a duration
 *   -w SECS   warm up for SECS seconds first (default 0); the measurement
 *             starts at the first reply after the warm-up
 *   -m OPS    with -d: keep measuring past the duration until OPS replies
 *   -k K      requests in flight per connection (pipe: 64, others: 1)
 *   -s BYTES  size of the large id string (default 1048576)
 *   -c NAME   command to execute (default query-status)
 *   -o        negotiate the "oob" capability
 *   -x        send requests as "exec-oob" (implies -o)
 *   -1        one write() per request (as most clients send), not one per batch
 *   -a JSON   the requests' "arguments" object
 *   -t SECS   global time limit: exit 124 when it is reached
 *             (default: warm-up + duration + 60)
 *
 * Output: one line of JSON on stdout.  Exit status 0 on success, 1 on an
 * I/O or protocol error (message on stderr), 2 on bad usage, 3 when some
 * replies were QMP errors or carried the wrong id, 124 on the time limit.
 *
 * Replies are counted by lines (QEMU ends each with "\r\n"); event lines
 * (starting with {"event" or, as QEMU writes them, {"timestamp") are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define SHOW(len) ((int)((len) > 200 ? 200 : (len)))

enum phase { WARM, MEASURE, DONE };

struct conn {
    const char *addr;
    int fd;
    /* read buffer: [rstart, rend) unconsumed, [rstart, rscan) known to hold no '\n' */
    char *rbuf;
    size_t rcap, rstart, rend, rscan;
    /* write buffer: [woff, wlen) still to be written */
    char *wbuf;
    size_t wcap, woff, wlen;
    /* send times and ids of the requests in flight: a ring of K slots */
    uint64_t *sent_ns;
    uint64_t *sent_id;
    size_t head, outstanding;
    uint64_t next_id;
};

/* settings */
static const char *workload;
static double duration = 2.0, warmup = 0.0, time_limit = 0.0;
static long long count = -1, min_ops = 0;
static long inflight = -1;
static size_t large_size = 1u << 20;
static const char *command = "query-status";
static const char *arguments;
static const char *exec_key = "execute";
static int oob;
/* -1: one write() per request, as clients that send each request on its own do */
static int one_write;
/* write() calls that wrote something, warm-up included */
static long long nwrites;

/* run state */
static struct conn *conns;
static size_t nconns;
static enum phase phase = WARM;
static uint64_t t_warm_end, t_start, t_end, t_measure_end;
static long long ops, events, errors, id_mismatch, total_outstanding;
static unsigned long long bytes_in, bytes_out;
static double *lat_us;
static size_t nlat, lat_cap;
static char *large_req;
static size_t large_req_len, request_len;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("loadgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void on_alarm(int sig)
{
    static const char msg[] = "loadgen: time limit reached (peer too slow or not answering)\n";
    ssize_t r;
    (void)sig;
    /* async-signal-safe calls only */
    r = write(2, msg, sizeof(msg) - 1);
    (void)r;
    _exit(124);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}

/* ---- connecting ---------------------------------------------------- */

static int connect_unix(const char *path)
{
    struct sockaddr_un sa;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path))
        die("%s: unix socket path too long", path);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (errno != EINTR)
            die("connect %s: %s", path, strerror(errno));
    }
    return fd;
}

static int connect_tcp(const char *hostport)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints, *res, *ai;
    int fd = -1, rc, one = 1, err = 0;
    size_t hl;

    if (!colon || colon == hostport || !colon[1])
        die("%s: expected HOST:PORT", hostport);
    hl = (size_t)(colon - hostport);
    if (hl >= sizeof(host))
        die("%s: host name too long", hostport);
    memcpy(host, hostport, hl);
    host[hl] = 0;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1]:port */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc)
        die("%s: %s", hostport, gai_strerror(rc));
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        while ((rc = connect(fd, ai->ai_addr, ai->ai_addrlen)) < 0 && errno == EINTR)
            ;
        if (rc == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        die("connect %s: %s", hostport, strerror(err));
    /* small requests must not wait for Nagle */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int connect_addr(const char *addr)
{
    if (!strncmp(addr, "unix:", 5))
        return connect_unix(addr + 5);
    if (!strncmp(addr, "tcp:", 4))
        return connect_tcp(addr + 4);
    if (strchr(addr, '/') || !strchr(addr, ':'))
        return connect_unix(addr);
    return connect_tcp(addr);
}

static void set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        die("fcntl: %s", strerror(errno));
}

/* ---- buffers ------------------------------------------------------- */

/* Make room for READ_CHUNK more bytes at rbuf + rend. */
static void rbuf_reserve(struct conn *c)
{
    if (c->rstart == c->rend)
        c->rstart = c->rend = c->rscan = 0;
    if (c->rcap - c->rend >= READ_CHUNK)
        return;
    if (c->rstart > 0) {
        memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
        c->rend -= c->rstart;
        c->rscan -= c->rstart;
        c->rstart = 0;
    }
    while (c->rcap - c->rend < READ_CHUNK) {
        c->rcap = c->rcap ? c->rcap * 2 : 2 * READ_CHUNK;
        c->rbuf = xrealloc(c->rbuf, c->rcap);
    }
}

/*
 * Next complete line in the read buffer (without its "\r\n"), or NULL.
 * It stays valid until the next read on this connection.
 */
static char *next_line(struct conn *c, size_t *len)
{
    char *start = c->rbuf + c->rstart;
    char *nl;
    size_t n;

    if (c->rscan >= c->rend)
        return NULL;
    nl = memchr(c->rbuf + c->rscan, '\n', c->rend - c->rscan);
    if (!nl) {
        c->rscan = c->rend;
        return NULL;
    }
    n = (size_t)(nl - start);
    c->rstart = c->rscan = (size_t)(nl - c->rbuf) + 1;
    if (n > 0 && start[n - 1] == '\r')
        n--;
    *len = n;
    return start;
}

/*
 * Read once into the buffer.  Returns the bytes read, 0 if the read would
 * block.  The peer closing is fatal unless tolerate_eof (then -1).
 */
static ssize_t conn_read(struct conn *c, int tolerate_eof)
{
    ssize_t n;

    rbuf_reserve(c);
    for (;;) {
        n = read(c->fd, c->rbuf + c->rend, c->rcap - c->rend);
        if (n > 0) {
            c->rend += (size_t)n;
            return n;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        /* A peer that closes with our request unread resets the connection. */
        if (n == 0 || errno == ECONNRESET) {
            if (tolerate_eof)
                return -1;
            die("%s: peer closed the connection (%lld replies measured, "
                "%zu requests in flight)", c->addr, ops, c->outstanding);
        }
        if (tolerate_eof)
            return -1;
        die("%s: read: %s", c->addr, strerror(errno));
    }
}

static void wbuf_append(struct conn *c, const char *data, size_t len)
{
    if (c->woff == c->wlen)
        c->woff = c->wlen = 0;
    if (c->wcap - c->wlen < len && c->woff > 0) {
        memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
        c->wlen -= c->woff;
        c->woff = 0;
    }
    if (c->wcap - c->wlen < len) {
        size_t cap = c->wcap ? c->wcap : 4096;
        while (cap - c->wlen < len)
            cap *= 2;
        c->wbuf = xrealloc(c->wbuf, cap);
        c->wcap = cap;
    }
    memcpy(c->wbuf + c->wlen, data, len);
    c->wlen += len;
}

/*
 * Write as much of the write buffer as the socket takes.  Returns 0 when
 * everything is written, 1 if some is left; a closed peer is fatal unless
 * tolerate_eof (then -1).
 */
static int conn_flush(struct conn *c, int tolerate_eof)
{
    while (c->woff < c->wlen) {
        ssize_t n = write(c->fd, c->wbuf + c->woff, c->wlen - c->woff);
        if (n > 0) {
            c->woff += (size_t)n;
            nwrites++;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        if (tolerate_eof)
            return -1;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            die("%s: peer closed the connection while we were writing "
                "(%lld replies measured)", c->addr, ops);
        die("%s: write: %s", c->addr, n < 0 ? strerror(errno) : "wrote nothing");
    }
    c->woff = c->wlen = 0;
    return 0;
}

/* ---- handshake (blocking; the alarm bounds it) --------------------- */

static char *read_line_blocking(struct conn *c, size_t *len)
{
    char *line;

    for (;;) {
        line = next_line(c, len);
        if (line)
            return line;
        if (conn_read(c, 0) == 0)
            die("%s: unexpected EAGAIN on a blocking socket", c->addr);
    }
}

/*
 * An asynchronous event, not a reply.  QEMU 7.2 writes events as
 * {"timestamp": {...}, "event": "STOP", ...}; a server that puts "event"
 * first is recognised too.  Replies never have a "timestamp" member.
 */
static int is_event(const char *line, size_t len)
{
    return (len >= 8 && !memcmp(line, "{\"event\"", 8)) ||
           (len >= 12 && !memcmp(line, "{\"timestamp\"", 12));
}

/* A QMP error reply: QEMU 7.2 writes {"id": 3, "error": {...}} or {"error": {...}}. */
static int is_error(const char *line, size_t len)
{
    if (len >= 9 && !memcmp(line, "{\"return\"", 9))
        return 0;
    return memmem(line, len, "\"error\"", 7) != NULL;
}

static void handshake(struct conn *c)
{
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\r\n";
    static const char caps_oob[] =
        "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}\r\n";
    char *line;
    size_t len;

    c->fd = connect_addr(c->addr);
    line = read_line_blocking(c, &len);
    if (len < 6 || memcmp(line, "{\"QMP\"", 6))
        die("%s: expected a QMP greeting, got: %.*s", c->addr, SHOW(len), line);
    if (oob)
        wbuf_append(c, caps_oob, sizeof(caps_oob) - 1);
    else
        wbuf_append(c, caps, sizeof(caps) - 1);
    conn_flush(c, 0);
    for (;;) {
        line = read_line_blocking(c, &len);
        if (is_event(line, len) || len == 0)
            continue;
        if (len >= 9 && !memcmp(line, "{\"return\"", 9))
            break;
        die("%s: qmp_capabilities failed: %.*s", c->addr, SHOW(len), line);
    }
    set_nonblocking(c->fd);
}

/* ---- the workload -------------------------------------------------- */

static void record_latency(double us)
{
    if (nlat == lat_cap) {
        lat_cap = lat_cap ? lat_cap * 2 : 65536;
        lat_us = xrealloc(lat_us, lat_cap * sizeof(*lat_us));
    }
    lat_us[nlat++] = us;
}

static void send_request(struct conn *c)
{
    char buf[4096];
    int n;
    size_t slot = (c->head + c->outstanding) % (size_t)inflight;

    c->sent_id[slot] = c->next_id;
    if (large_req) {
        wbuf_append(c, large_req, large_req_len);
        request_len = large_req_len;
    } else {
        if (arguments)
            n = snprintf(buf, sizeof(buf), "{\"%s\":\"%s\",\"arguments\":%s,\"id\":%llu}\r\n",
                         exec_key, command, arguments, (unsigned long long)c->next_id);
        else
            n = snprintf(buf, sizeof(buf), "{\"%s\":\"%s\",\"id\":%llu}\r\n", exec_key,
                         command, (unsigned long long)c->next_id);
        if (n < 0 || (size_t)n >= sizeof(buf))
            die("command name or arguments too long");
        wbuf_append(c, buf, (size_t)n);
        request_len = (size_t)n;
    }
    c->next_id++;
    c->sent_ns[slot] = now_ns();
    c->outstanding++;
    total_outstanding++;
}

static int may_send(void)
{
    if (phase == DONE)
        return 0;
    if (count >= 0 && phase == MEASURE && ops + total_outstanding >= count)
        return 0;
    return 1;
}

/* The numeric "id" of a reply line, if it has one. */
static int reply_id(const char *line, size_t len, uint64_t *id)
{
    static const char key[] = "\"id\":";
    const char *p = memmem(line, len, key, sizeof(key) - 1);
    const char *end = line + len;
    uint64_t v = 0;
    int digits = 0;

    if (!p)
        return 0;
    for (p += sizeof(key) - 1; p < end && *p == ' '; p++)
        ;
    for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
        v = v * 10 + (uint64_t)(*p - '0');
    if (!digits)
        return 0;
    *id = v;
    return 1;
}

static void start_measuring(uint64_t t)
{
    phase = MEASURE;
    t_start = t;
    t_measure_end = t + (uint64_t)(duration * 1e9);
}

static void finish(uint64_t t)
{
    phase = DONE;
    t_end = t;
}

static void on_reply(struct conn *c, const char *line, size_t len, uint64_t t)
{
    uint64_t id;
    size_t slot = c->head;

    if (c->outstanding == 0)
        die("%s: reply with no request in flight: %.*s", c->addr, SHOW(len), line);
    if (!large_req && reply_id(line, len, &id) && id != c->sent_id[slot])
        id_mismatch++;
    c->head = (c->head + 1) % (size_t)inflight;
    c->outstanding--;
    total_outstanding--;

    if (phase == WARM) {
        /* switch at a reply boundary: with K=1 nothing is then in flight */
        if (t >= t_warm_end)
            start_measuring(t);
        return;
    }
    if (phase != MEASURE)
        return;
    if (is_error(line, len))
        errors++;
    ops++;
    bytes_out += request_len;
    bytes_in += len + 2;
    record_latency((double)(t - c->sent_ns[slot]) / 1e3);
    if (count >= 0 ? ops >= count : (t >= t_measure_end && ops >= min_ops))
        finish(t);
}

static void process_input(struct conn *c)
{
    char *line;
    size_t len;
    uint64_t t = now_ns();

    while ((line = next_line(c, &len)) != NULL) {
        if (len == 0)
            continue;
        if (is_event(line, len)) {
            events++;
            continue;
        }
        on_reply(c, line, len, t);
    }
}

static int poll_timeout_ms(void)
{
    uint64_t t = now_ns(), target;
    uint64_t ms;

    if (phase == WARM)
        target = t_warm_end;
    else if (phase == MEASURE && count < 0)
        target = t_measure_end;
    else
        return 200;
    if (target <= t)
        return 200; /* waiting for the reply that ends the phase */
    ms = (target - t + 999999) / 1000000;
    return ms > 200 ? 200 : (int)ms;
}

/* Take the replies still in flight so the next run starts on a quiet monitor. */
static void drain(struct pollfd *pfds)
{
    uint64_t drain_end = now_ns() + 3000000000ull;
    size_t i, live;
    int iter;

    for (iter = 0; total_outstanding > 0 && iter < 100000 && now_ns() < drain_end; iter++) {
        live = 0;
        for (i = 0; i < nconns; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0 || c->outstanding == 0)
                continue;
            if (c->woff < c->wlen && conn_flush(c, 1) < 0) {
                total_outstanding -= (long long)c->outstanding;
                c->outstanding = 0;
                continue;
            }
            pfds[live].fd = c->fd;
            pfds[live].events = POLLIN | (c->woff < c->wlen ? POLLOUT : 0);
            pfds[live].revents = 0;
            live++;
        }
        if (!live)
            break;
        if (poll(pfds, live, 100) < 0 && errno != EINTR)
            break;
        for (i = 0; i < nconns; i++) {
            struct conn *c = &conns[i];
            ssize_t n;
            char *line;
            size_t len;

            if (c->fd < 0 || c->outstanding == 0)
                continue;
            while ((n = conn_read(c, 1)) > 0) {
                while ((line = next_line(c, &len)) != NULL) {
                    if (len && !is_event(line, len) && c->outstanding) {
                        c->head = (c->head + 1) % (size_t)inflight;
                        c->outstanding--;
                        total_outstanding--;
                    }
                }
            }
            if (n < 0) {
                total_outstanding -= (long long)c->outstanding;
                c->outstanding = 0;
            }
        }
    }
}

static void run(void)
{
    struct pollfd *pfds = xrealloc(NULL, nconns * sizeof(*pfds));
    size_t i;
    uint64_t t;
    int rc;

    t = now_ns();
    t_warm_end = t + (uint64_t)(warmup * 1e9);
    if (warmup <= 0)
        start_measuring(t);

    /* ends on DONE; the global alarm bounds it if the peer stops answering */
    while (phase != DONE) {
        for (i = 0; i < nconns; i++) {
            struct conn *c = &conns[i];
            while ((long)c->outstanding < inflight && may_send()) {
                send_request(c);
                if (one_write)
                    conn_flush(c, 0);
            }
            if (c->woff < c->wlen)
                conn_flush(c, 0);
            pfds[i].fd = c->fd;
            pfds[i].events = POLLIN | (c->woff < c->wlen ? POLLOUT : 0);
            pfds[i].revents = 0;
        }
        rc = poll(pfds, nconns, poll_timeout_ms());
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        for (i = 0; i < nconns && rc > 0; i++) {
            struct conn *c = &conns[i];
            if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                /* read until it would block: many replies per wakeup */
                while (conn_read(c, 0) > 0)
                    process_input(c);
            }
            if (pfds[i].revents & POLLOUT)
                conn_flush(c, 0);
        }
        t = now_ns();
        if (phase == MEASURE && count < 0 && t >= t_measure_end && ops >= min_ops)
            finish(t);
    }
    drain(pfds);
    free(pfds);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double p)
{
    if (!nlat)
        return 0;
    return lat_us[(size_t)(p * (double)(nlat - 1) + 0.5)];
}

static void usage(void)
{
    fputs("usage: loadgen [-d SECS | -n COUNT] [-w SECS] [-m OPS] [-k K] [-s BYTES]\n"
          "               [-c COMMAND] [-a ARGS] [-o] [-x] [-1] [-t SECS]\n"
          "               seq|pipe|large|clients ADDR...\n"
          "ADDR: a unix socket path (or unix:PATH), or HOST:PORT (or tcp:HOST:PORT)\n",
          stderr);
    exit(2);
}

static double parse_double(const char *s, const char *what)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0) || v > 1e6) {
        fprintf(stderr, "loadgen: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

static long long parse_ll(const char *s, const char *what)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0) {
        fprintf(stderr, "loadgen: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

static void build_large_request(void)
{
    static const char post[] = "\"}\r\n";
    char pre[512];
    int pl = snprintf(pre, sizeof(pre), "{\"execute\":\"%s\",\"id\":\"", command);

    if (pl < 0 || (size_t)pl >= sizeof(pre))
        die("command name too long");
    large_req_len = (size_t)pl + large_size + sizeof(post) - 1;
    large_req = xrealloc(NULL, large_req_len);
    memcpy(large_req, pre, (size_t)pl);
    memset(large_req + pl, 'x', large_size);
    memcpy(large_req + (size_t)pl + large_size, post, sizeof(post) - 1);
}

int main(int argc, char **argv)
{
    int opt;
    size_t i;
    double seconds;
    struct sigaction sa;

    while ((opt = getopt(argc, argv, "d:n:w:m:k:s:c:a:ox1t:h")) != -1) {
        switch (opt) {
        case 'd': duration = parse_double(optarg, "duration"); break;
        case 'n': count = parse_ll(optarg, "count"); break;
        case 'w': warmup = parse_double(optarg, "warm-up"); break;
        case 'm': min_ops = parse_ll(optarg, "minimum ops"); break;
        case 'k': inflight = (long)parse_ll(optarg, "in-flight count"); break;
        case 's': large_size = (size_t)parse_ll(optarg, "size"); break;
        case 'c': command = optarg; break;
        case 'o': oob = 1; break;
        case '1': one_write = 1; break;
        case 'x': oob = 1; exec_key = "exec-oob"; break;
        case 'a': arguments = optarg; break;
        case 't': time_limit = parse_double(optarg, "time limit"); break;
        default: usage();
        }
    }
    if (argc - optind < 2)
        usage();
    workload = argv[optind++];
    if (strcmp(workload, "seq") && strcmp(workload, "pipe") && strcmp(workload, "large") &&
        strcmp(workload, "clients"))
        usage();
    if (inflight < 0)
        inflight = strcmp(workload, "pipe") ? 1 : 64;
    if (inflight < 1 || inflight > 1000000) {
        fputs("loadgen: -k must be 1..1000000\n", stderr);
        exit(2);
    }
    if (strchr(command, '"') || strchr(command, '\\')) {
        fputs("loadgen: bad command name\n", stderr);
        exit(2);
    }

    nconns = strcmp(workload, "clients") ? 1 : (size_t)(argc - optind);
    conns = calloc(nconns, sizeof(*conns));
    if (!conns)
        die("out of memory");
    for (i = 0; i < nconns; i++) {
        conns[i].addr = argv[optind + (int)i];
        conns[i].fd = -1;
        conns[i].next_id = 1;
        conns[i].sent_ns = xrealloc(NULL, (size_t)inflight * sizeof(uint64_t));
        conns[i].sent_id = xrealloc(NULL, (size_t)inflight * sizeof(uint64_t));
    }
    if (!strcmp(workload, "large"))
        build_large_request();

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (time_limit <= 0)
        time_limit = warmup + (count >= 0 ? 0 : duration) + 60;
    alarm((unsigned)(time_limit + 0.999));

    for (i = 0; i < nconns; i++)
        handshake(&conns[i]);
    run();
    alarm(0);

    seconds = (double)(t_end - t_start) / 1e9;
    qsort(lat_us, nlat, sizeof(*lat_us), cmp_double);
    printf("{\"workload\": \"%s\", \"connections\": %zu, \"inflight\": %ld, \"oob\": %s, "
           "\"ops\": %lld, \"seconds\": %.6f, \"ops_per_s\": %.1f, "
           "\"p50_us\": %.1f, \"p99_us\": %.1f, \"bytes_out\": %llu, \"bytes_in\": %llu, "
           "\"mb_per_s\": %.3f, \"events\": %lld, \"errors\": %lld, \"id_mismatch\": %lld, "
           "\"writes\": %lld}\n",
           workload, nconns, inflight, oob ? "true" : "false", ops, seconds,
           seconds > 0 ? (double)ops / seconds : 0.0, percentile(0.50), percentile(0.99),
           bytes_out, bytes_in,
           seconds > 0 ? (double)(bytes_in + bytes_out) / 1e6 / seconds : 0.0, events, errors,
           id_mismatch, nwrites);
    fflush(stdout);
    for (i = 0; i < nconns; i++)
        if (conns[i].fd >= 0)
            close(conns[i].fd);
    return errors || id_mismatch ? 3 : 0;
}
