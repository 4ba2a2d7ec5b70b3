/*
 * evsink: QMP event sink for bench/bench_events.py.
 *
 *   evsink [options] ADDR [ADDR...]
 *
 * Connects to every ADDR (a unix socket path), reads the greeting and
 * negotiates capabilities on each.  The first connection then drives the
 * target: it sends
 *   {"execute": "x-qmonitor-emit-events",
 *    "arguments": {"event": EVENT, "count": B, "counter": "seq"}}
 * (qmonitor's opt-in extension), keeping at most two such requests in
 * flight and at most -W events emitted beyond what the slowest connection
 * has received, so no monitor's output buffer grows without bound.
 *
 * Every connection reads everything it is sent and checks each event line:
 * a complete JSON object (a full syntax check), of the form
 * {"timestamp": {"seconds": S, "microseconds": U}, "event": EVENT,
 *  "data": {"seq": N}}, with N counting 0..B-1 in order, batch after batch.
 *
 * Events received by all connections are counted over -d seconds after a
 * -w warm-up.  Then no further batch is sent, and evsink waits until every
 * connection has received every event that was emitted ("complete").
 *
 * Command mode (-c): the events come from real commands instead.  The
 * first connection keeps -k requests (64) in flight, alternating
 *   {"execute":"stop"}  and  {"execute":"cont"}
 * each written with its own write(), starting with stop on a running
 * machine; at most -W events (4096) go beyond what the slowest connection
 * has received.  Each command causes exactly one event (STOP, then RESUME),
 * so every connection must see {"timestamp": {...}, "event": "STOP"} and
 * {"timestamp": {...}, "event": "RESUME"} strictly alternating, the first
 * being STOP; the first connection must also get one {"return": {}} per
 * request.  Works against QEMU as well as qmonitor.
 *
 * Options: -d SECS (2), -w SECS (0.5), -b B (batch, 500), -W EVENTS
 * (window, 8 batches), -e EVENT (BENCH_EVENT), -t SECS (time limit: exit 124),
 * -c (command mode), -k K (requests in flight in command mode, 64).
 * Output: one JSON line.  Exit 0 on success, 1 on an I/O error or an
 * invalid line, 2 on bad usage, 3 if some connection missed events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#define READ_CHUNK (256 * 1024)
#define SHOW(len) ((int)((len) > 200 ? 200 : (len)))

struct conn {
    const char *addr;
    int fd;
    char *buf;
    size_t cap, start, end;
    long long received;   /* events received and checked */
    long long mark;       /* received at the start of the measurement */
    long long mark_end;   /* received at its end */
};

static struct conn *conns;
static size_t nconns;
static double duration = 2.0, warmup = 0.5, time_limit = 0;
static long long batch = 500, window = -1;
static const char *event_name = "BENCH_EVENT";
static char expect_event[256];
static size_t expect_event_len;
static long long requested, acknowledged;
static int inflight;
static long long invalid;
static int cmd_mode;
static int cmd_depth = 64;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("evsink: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void on_alarm(int sig)
{
    static const char msg[] = "evsink: time limit reached\n";
    ssize_t r;
    (void)sig;
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

/* ---- a JSON syntax check (RFC 8259 values) ------------------------- */

static const char *ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static const char *value(const char *p, const char *e, int depth);

static const char *string(const char *p, const char *e)
{
    if (p >= e || *p != '"')
        return NULL;
    for (p++; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            if (++p >= e)
                return NULL;
            if (*p == 'u') {
                int i;
                for (i = 0; i < 4; i++)
                    if (++p >= e || !strchr("0123456789abcdefABCDEF", *p))
                        return NULL;
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return NULL;
}

static const char *number(const char *p, const char *e)
{
    const char *s;
    if (p < e && *p == '-')
        p++;
    if (p >= e || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    if (p < e && *p == '.') {
        s = ++p;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        if (p == s)
            return NULL;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        s = p;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        if (p == s)
            return NULL;
    }
    return p;
}

static const char *container(const char *p, const char *e, int depth, char close, int is_obj)
{
    p = ws(p + 1, e);
    if (p < e && *p == close)
        return p + 1;
    for (;;) {
        if (is_obj) {
            p = string(p, e);
            if (!p)
                return NULL;
            p = ws(p, e);
            if (p >= e || *p != ':')
                return NULL;
            p = ws(p + 1, e);
        }
        p = value(p, e, depth + 1);
        if (!p)
            return NULL;
        p = ws(p, e);
        if (p < e && *p == ',') {
            p = ws(p + 1, e);
            continue;
        }
        if (p < e && *p == close)
            return p + 1;
        return NULL;
    }
}

static const char *value(const char *p, const char *e, int depth)
{
    if (depth > 64 || p >= e)
        return NULL;
    switch (*p) {
    case '{': return container(p, e, depth, '}', 1);
    case '[': return container(p, e, depth, ']', 0);
    case '"': return string(p, e);
    case 't': return e - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
    case 'f': return e - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
    case 'n': return e - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
    default: return number(p, e);
    }
}

static int is_json_object(const char *p, size_t len)
{
    const char *e = p + len;
    if (!len || *p != '{')
        return 0;
    p = value(p, e, 0);
    return p && ws(p, e) == e;
}

/* ---- lines ----------------------------------------------------------- */

static long long parse_seq(const char *line, size_t len)
{
    static const char key[] = "\"data\": {\"seq\": ";
    const char *p = memmem(line, len, key, sizeof(key) - 1), *e = line + len;
    long long v = 0;
    int digits = 0;
    if (!p)
        return -1;
    for (p += sizeof(key) - 1; p < e && *p >= '0' && *p <= '9'; p++, digits++)
        v = v * 10 + (*p - '0');
    return digits && p < e && *p == '}' ? v : -1;
}

/* Command mode: STOP and RESUME strictly alternating, STOP first; no data. */
static int cmd_event_ok(struct conn *c, const char *line, size_t len)
{
    static const char stop[] = ", \"event\": \"STOP\"}";
    static const char resume[] = ", \"event\": \"RESUME\"}";
    const char *want = c->received % 2 ? resume : stop;
    size_t wlen = c->received % 2 ? sizeof(resume) - 1 : sizeof(stop) - 1;
    return len > wlen && !memcmp(line + len - wlen, want, wlen) &&
           memchr(line, '}', len) == line + len - wlen - 1;
}

static void on_line(struct conn *c, const char *line, size_t len)
{
    static const char ts[] = "{\"timestamp\": {\"seconds\": ";
    if (cmd_mode && len >= sizeof(ts) - 1 && !memcmp(line, ts, sizeof(ts) - 1)) {
        if (!is_json_object(line, len) || !memmem(line, len, "\"microseconds\": ", 16) ||
            !cmd_event_ok(c, line, len)) {
            if (!invalid++)
                fprintf(stderr, "evsink: %s: bad event (expected %s, event %lld): %.*s\n",
                        c->addr, c->received % 2 ? "RESUME" : "STOP", c->received, SHOW(len),
                        line);
            return;
        }
        c->received++;
        return;
    }
    if (cmd_mode) {
        if (c == &conns[0] && len == 14 && !memcmp(line, "{\"return\": {}}", 14) &&
            inflight > 0) {
            inflight--;
            acknowledged++;
            return;
        }
        die("%s: unexpected line: %.*s", c->addr, SHOW(len), line);
    }
    if (len >= sizeof(ts) - 1 && !memcmp(line, ts, sizeof(ts) - 1)) {
        long long seq = parse_seq(line, len);
        if (!is_json_object(line, len) || !memmem(line, len, expect_event, expect_event_len) ||
            !memmem(line, len, "\"microseconds\": ", 16) || seq != c->received % batch) {
            if (!invalid++)
                fprintf(stderr, "evsink: %s: bad event (expected seq %lld): %.*s\n", c->addr,
                        c->received % batch, SHOW(len), line);
            return;
        }
        c->received++;
        return;
    }
    if (c == &conns[0] && len >= 9 && !memcmp(line, "{\"return\"", 9) && inflight > 0) {
        inflight--;
        acknowledged += batch;
        return;
    }
    die("%s: unexpected line: %.*s", c->addr, SHOW(len), line);
}

/* Read what there is; handle complete lines.  Returns 0 on EAGAIN. */
static int conn_read(struct conn *c, int blocking_once)
{
    for (;;) {
        ssize_t n;
        char *nl, *p;
        if (c->start == c->end)
            c->start = c->end = 0;
        if (c->cap - c->end < READ_CHUNK) {
            memmove(c->buf, c->buf + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
            if (c->cap - c->end < READ_CHUNK) {
                c->cap = c->cap * 2 + READ_CHUNK;
                c->buf = realloc(c->buf, c->cap);
                if (!c->buf)
                    die("out of memory");
            }
        }
        n = read(c->fd, c->buf + c->end, c->cap - c->end);
        if (n == 0)
            die("%s: peer closed the connection", c->addr);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            die("%s: read: %s", c->addr, strerror(errno));
        }
        c->end += (size_t)n;
        p = c->buf + c->start;
        while ((nl = memchr(p, '\n', (size_t)(c->buf + c->end - p))) != NULL) {
            size_t len = (size_t)(nl - p);
            if (len && p[len - 1] == '\r')
                len--;
            if (len)
                on_line(c, p, len);
            p = nl + 1;
        }
        c->start = (size_t)(p - c->buf);
        if (blocking_once)
            return 1;
    }
}

static void write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            die("write: %s", n < 0 ? strerror(errno) : "nothing written");
        s += n;
        len -= (size_t)n;
    }
}

static char *read_line_blocking(struct conn *c, size_t *len)
{
    for (;;) {
        char *p = c->buf + c->start;
        char *nl = c->end > c->start ? memchr(p, '\n', c->end - c->start) : NULL;
        if (nl) {
            *len = (size_t)(nl - p);
            if (*len && p[*len - 1] == '\r')
                (*len)--;
            c->start = (size_t)(nl - c->buf) + 1;
            return p;
        }
        if (c->cap - c->end < 4096) {
            c->cap = c->cap * 2 + READ_CHUNK;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf)
                die("out of memory");
        }
        ssize_t n = read(c->fd, c->buf + c->end, c->cap - c->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("%s: no greeting/reply: %s", c->addr, n < 0 ? strerror(errno) : "closed");
        c->end += (size_t)n;
    }
}

static void handshake(struct conn *c)
{
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\r\n";
    struct sockaddr_un sa;
    size_t len;
    char *line;
    int fl;

    if (!strncmp(c->addr, "unix:", 5))
        c->addr += 5;
    if (strlen(c->addr) >= sizeof(sa.sun_path))
        die("%s: path too long", c->addr);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, c->addr);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("connect %s: %s", c->addr, strerror(errno));
    line = read_line_blocking(c, &len);
    if (len < 6 || memcmp(line, "{\"QMP\"", 6))
        die("%s: not a QMP greeting: %.*s", c->addr, SHOW(len), line);
    write_all(c->fd, caps, sizeof(caps) - 1);
    line = read_line_blocking(c, &len);
    if (len < 9 || memcmp(line, "{\"return\"", 9))
        die("%s: qmp_capabilities failed: %.*s", c->addr, SHOW(len), line);
    fl = fcntl(c->fd, F_GETFL);
    fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
}

static long long slowest(void)
{
    long long m = conns[0].received;
    size_t i;
    for (i = 1; i < nconns; i++)
        if (conns[i].received < m)
            m = conns[i].received;
    return m;
}

static void maybe_send(int sending)
{
    static const char stop[] = "{\"execute\":\"stop\"}\r\n";
    static const char cont[] = "{\"execute\":\"cont\"}\r\n";
    char req[512];
    int n;
    if (cmd_mode) {
        while (sending && inflight < cmd_depth && requested - slowest() + 1 <= window) {
            if (requested % 2)
                write_all(conns[0].fd, cont, sizeof(cont) - 1);
            else
                write_all(conns[0].fd, stop, sizeof(stop) - 1);
            requested++;
            inflight++;
        }
        return;
    }
    while (sending && inflight < 2 && requested - slowest() + batch <= window) {
        n = snprintf(req, sizeof(req),
                     "{\"execute\":\"x-qmonitor-emit-events\",\"arguments\":"
                     "{\"event\":\"%s\",\"count\":%lld,\"counter\":\"seq\"}}\r\n",
                     event_name, batch);
        write_all(conns[0].fd, req, (size_t)n);
        requested += batch;
        inflight++;
    }
}

static double parse_num(const char *s, const char *what)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0) || v > 1e9) {
        fprintf(stderr, "evsink: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    struct pollfd *pfds;
    uint64_t t, t_warm_end, t_start = 0, t_end = 0, t_drain_end;
    int opt, measuring = 0, sending = 1, complete;
    size_t i;
    long long total = 0, min_rx, max_rx;
    double seconds;

    while ((opt = getopt(argc, argv, "d:w:b:W:e:t:ck:")) != -1) {
        switch (opt) {
        case 'd': duration = parse_num(optarg, "duration"); break;
        case 'w': warmup = parse_num(optarg, "warm-up"); break;
        case 'b': batch = (long long)parse_num(optarg, "batch"); break;
        case 'W': window = (long long)parse_num(optarg, "window"); break;
        case 'e': event_name = optarg; break;
        case 't': time_limit = parse_num(optarg, "time limit"); break;
        case 'c': cmd_mode = 1; break;
        case 'k': cmd_depth = (int)parse_num(optarg, "requests in flight"); break;
        default:
            fputs("usage: evsink [-d SECS] [-w SECS] [-b BATCH] [-W EVENTS] [-e EVENT] "
                  "[-t SECS] [-c] [-k K] ADDR...\n", stderr);
            exit(2);
        }
    }
    if (optind >= argc || batch < 1 || strlen(event_name) > 200 || strchr(event_name, '"') ||
        strchr(event_name, '\\')) {
        fputs("evsink: need ADDR...; batch >= 1; a plain event name\n", stderr);
        exit(2);
    }
    if (cmd_mode && cmd_depth < 1)
        cmd_depth = 1;
    if (window < 0)
        window = cmd_mode ? 4096 : 8 * batch;
    if (!cmd_mode && window < batch)
        window = batch;
    if (cmd_mode && window < cmd_depth)
        window = cmd_depth;
    snprintf(expect_event, sizeof(expect_event), "\"event\": \"%s\"", event_name);
    expect_event_len = strlen(expect_event);
    signal(SIGALRM, on_alarm);
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned)(time_limit > 0 ? time_limit + 0.999 : warmup + duration + 60));

    nconns = (size_t)(argc - optind);
    conns = calloc(nconns, sizeof(*conns));
    pfds = calloc(nconns, sizeof(*pfds));
    if (!conns || !pfds)
        die("out of memory");
    for (i = 0; i < nconns; i++) {
        conns[i].addr = argv[optind + (int)i];
        handshake(&conns[i]);
    }

    t = now_ns();
    t_warm_end = t + (uint64_t)(warmup * 1e9);
    t_drain_end = 0;
    for (;;) {
        maybe_send(sending);
        for (i = 0; i < nconns; i++) {
            pfds[i].fd = conns[i].fd;
            pfds[i].events = POLLIN;
            pfds[i].revents = 0;
        }
        if (poll(pfds, nconns, 50) < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        for (i = 0; i < nconns; i++)
            if (pfds[i].revents)
                conn_read(&conns[i], 0);
        if (invalid)
            break;
        t = now_ns();
        if (!measuring && sending && t >= t_warm_end) {
            measuring = 1;
            t_start = t;
            for (i = 0; i < nconns; i++)
                conns[i].mark = conns[i].received;
        } else if (measuring && sending && t >= t_start + (uint64_t)(duration * 1e9)) {
            t_end = t;
            for (i = 0; i < nconns; i++)
                conns[i].mark_end = conns[i].received;
            sending = 0;
            t_drain_end = t + 10000000000ull;
        }
        if (!sending && (inflight == 0 && slowest() >= acknowledged))
            break;
        if (!sending && t >= t_drain_end)
            break;
    }
    min_rx = max_rx = -1;
    for (i = 0; i < nconns; i++) {
        long long d = conns[i].mark_end - conns[i].mark;
        total += d;
        if (min_rx < 0 || d < min_rx)
            min_rx = d;
        if (d > max_rx)
            max_rx = d;
    }
    complete = !invalid && inflight == 0 && slowest() == acknowledged;
    seconds = t_end > t_start ? (double)(t_end - t_start) / 1e9 : 0;
    printf("{\"connections\": %zu, \"batch\": %lld, \"seconds\": %.6f, \"events\": %lld, "
           "\"events_per_s\": %.1f, \"per_client_min_per_s\": %.1f, "
           "\"per_client_max_per_s\": %.1f, \"emitted\": %lld, \"slowest_received\": %lld, "
           "\"invalid\": %lld, \"complete\": %s}\n",
           nconns, batch, seconds, total, seconds > 0 ? (double)total / seconds : 0.0,
           seconds > 0 ? (double)min_rx / seconds : 0.0,
           seconds > 0 ? (double)max_rx / seconds : 0.0, acknowledged, slowest(), invalid,
           complete ? "true" : "false");
    fflush(stdout);
    for (i = 0; i < nconns; i++)
        close(conns[i].fd);
    if (invalid)
        return 1;
    return complete ? 0 : 3;
}
